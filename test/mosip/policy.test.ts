// Policy through the path `pulumi up` uses: serialized by Pulumi's closure serializer (CommonJS
// ts-node child), run by the SDK's dynamic-provider host over gRPC, against the MOSIP sandbox.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { MosipClient } from "../../components/mosip/client";
import { buildAuthPolicy, buildDataSharePolicy } from "../../components/mosip/policy-builder";
import {
  findLeaks,
  ProviderHostError,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import type { Sandbox } from "../sandbox/server";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

// Child processes (ts-node serializer, provider host) are slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:Policy";
const POLICIES = "/v1/policymanager/policies";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

interface SandboxPolicy {
  id: string;
  name: string;
  policyGroupId: string;
  isActive: boolean;
  policyFile: string;
}
async function sandboxPolicies(): Promise<SandboxPolicy[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { pms?: { policies?: Record<string, SandboxPolicy> } };
  return Object.values(state.pms?.policies ?? {});
}

const stateOf = (p: Props) => stripProvider(p);

const GROUP = "crvs-policies";
const dataShare = buildDataSharePolicy({ sharedAttributes: ["fullName", "dateOfBirth"] });
const inputs = {
  policyGroupName: GROUP,
  name: "crvs-datashare",
  description: "What MOSIP shares with the CRVS",
  policyType: "DataShare",
  version: "1.0",
  policies: dataShare as unknown as Record<string, unknown>,
};

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [{ module: "components/mosip/policy.ts", export: "Policy", args: inputs }],
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      await mosip.kernel("POST", `${POLICIES}/group/new`, {
        request: { name: GROUP, desc: "CRVS policies" },
      });
    },
  });
  ({ sandbox, secret, mosip, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("Policy lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-datashare");
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "Policy", [secret]);
  });

  test("check accepts valid inputs and names each bad property with the fix", async () => {
    const ok = await host.check(provider, urn, {}, inputs);
    expect(ok.failures).toEqual([]);
    expect(stateOf(ok.inputs)).toEqual({ ...inputs, revision: REV });

    const bad = await host.check(
      provider,
      urn,
      {},
      {
        ...inputs,
        policyType: "Passport",
        version: "2026.11.23",
        name: "n".repeat(120),
        owner: "me",
      },
    );
    const byProp = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(byProp).sort()).toEqual(["name", "owner", "policyType", "version"]);
    expect(byProp.policyType).toMatch(/one of Auth, DataShare, CredentialIssuance, MISP/);
    expect(byProp.version).toMatch(/at most 8 characters/);
    expect(byProp.name).toMatch(/at most 119 characters/);

    const wrongShape = await host.check(provider, urn, {}, { ...inputs, policyType: "Auth" });
    expect(wrongShape.failures).toEqual([
      {
        property: "policies",
        reason: expect.stringMatching(
          /lacks authTokenType, allowedAuthTypes, allowedKycAttributes, which PMS's Auth policy schema requires/,
        ),
      },
    ]);
  });

  test("create makes one published policy under a deterministic id", async () => {
    const created = await host.create(provider, urn, { ...inputs, revision: REV });
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toMatch(/^pol-[0-9a-f]{32}$/);
    expect(state).toEqual({
      ...inputs,
      policyId: id,
      policyName: inputs.name,
      policyGroupId: expect.any(String),
      status: "PUBLISHED",
      revision: REV,
    });
    const mine = (await sandboxPolicies()).filter((p) => p.name === inputs.name);
    expect(mine).toEqual([expect.objectContaining({ id, isActive: true })]);
  });

  test("read returns the live policy in the input shape", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    expect(stateOf(r.inputs!)).toEqual({ ...inputs, revision: REV });
  });

  test("diff with the same inputs (any key order) is empty; content changes are replacements", async () => {
    const reordered = JSON.parse(
      JSON.stringify({
        shareableAttributes: dataShare.shareableAttributes,
        dataSharePolicies: dataShare.dataSharePolicies,
      }),
    ) as Record<string, unknown>;
    expect(
      await host.diff(provider, id, urn, state, { ...inputs, policies: reordered, revision: REV }),
    ).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
    for (const [k, v] of Object.entries({
      description: "other",
      version: "1.1",
      name: "other",
      policyGroupName: "other",
    })) {
      const d = await host.diff(provider, id, urn, state, { ...inputs, [k]: v, revision: REV });
      expect(d, k).toEqual({ changes: "some", replaces: [k], deleteBeforeReplace: false });
    }
  });

  test("drift through the MOSIP API (the group renamed) is seen by read", async () => {
    const groupId = state.policyGroupId as string;
    await mosip.kernel("PUT", `${POLICIES}/group/${groupId}`, {
      request: { name: "renamed-by-hand", desc: "CRVS policies", isActive: true },
    });
    try {
      const r = await host.read(provider, id, urn, state);
      expect(r.inputs?.policyGroupName).toBe("renamed-by-hand");
      const d = await host.diff(provider, id, urn, stateOf(r.inputs!), {
        ...inputs,
        revision: REV,
      });
      expect(d.replaces).toEqual(["policyGroupName"]);
      // A new group under the old name: a create must not post over the existing policy id (PMS
      // would overwrite that row), it explains instead.
      const fresh = await mosip.kernel<{ id: string }>("POST", `${POLICIES}/group/new`, {
        request: { name: GROUP, desc: "same name, new group" },
      });
      const err = (await host
        .create(provider, urn, { ...inputs, revision: REV })
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        new RegExp(
          `the policy id ${id} this policy would get already belongs to policy "crvs-datashare" in group "renamed-by-hand"`,
        ),
      );
      const stray = (await sandboxPolicies()).filter((p) => p.policyGroupId === fresh.id);
      expect(stray).toEqual([]);
      await mosip.kernel("PUT", `${POLICIES}/group/${fresh.id}`, {
        request: { name: "spare-group", desc: "same name, new group", isActive: true },
      });
    } finally {
      await mosip.kernel("PUT", `${POLICIES}/group/${groupId}`, {
        request: { name: GROUP, desc: "CRVS policies", isActive: true },
      });
    }
  });

  test("create on the existing policy adopts it: same id, no second policy", async () => {
    const again = await host.create(provider, urn, { ...inputs, revision: REV });
    expect(again.id).toBe(id);
    expect((await sandboxPolicies()).filter((p) => p.name.startsWith(inputs.name))).toHaveLength(1);
  });

  test("a content change creates the replacement under a free name; delete keeps the old one published", async () => {
    const policies = buildDataSharePolicy({
      identifier: "VID",
      sharedAttributes: ["fullName", "dateOfBirth", "gender"],
    }) as unknown as Record<string, unknown>;
    const next = await host.create(provider, urn, { ...inputs, policies, revision: REV });
    expect(next.id).not.toBe(id);
    expect(next.id).toMatch(/^pol-[0-9a-f]{32}$/);
    const name = next.properties.policyName as string;
    expect(name).toMatch(/^crvs-datashare-[0-9a-f]{8}$/);
    // Read maps the suffixed name back to the declared one: no perpetual diff.
    const r = await host.read(provider, next.id, urn, stateOf(next.properties));
    expect(r.inputs?.name).toBe(inputs.name);
    expect(r.properties.status).toBe("PUBLISHED");
    // The engine then deletes the old policy: it stays, published, and the user is told.
    const before = host.logs.length;
    await host.delete(provider, id, urn, state);
    await host.flushLogs();
    const said = host.logs
      .slice(before)
      .map((l) => l.message)
      .join("\n");
    expect(said).toMatch(
      /left in MOSIP as a published policy "crvs-datashare" .*can neither delete a policy nor deactivate a published one/,
    );
    const all = (await sandboxPolicies()).filter((p) => p.name.startsWith(inputs.name));
    expect(all.map((p) => [p.name, p.isActive]).sort()).toEqual(
      [
        [inputs.name, true],
        [name, true],
      ].sort(),
    );
    // Going back to the first content finds the first policy again.
    const back = await host.create(provider, urn, { ...inputs, revision: REV });
    expect(back.id).toBe(id);
    expect((await sandboxPolicies()).filter((p) => p.name.startsWith(inputs.name))).toHaveLength(2);
  });

  test("a policy published by hand with the declared name and content is adopted by name", async () => {
    const content = buildDataSharePolicy({ sharedAttributes: ["gender"] });
    const hand = await mosip.kernel<{ id: string }>("POST", POLICIES, {
      request: {
        policyGroupName: GROUP,
        name: "hand-made",
        desc: "published by the onboarder",
        policyType: "DataShare",
        version: "1.0",
        policies: content,
      },
    });
    const groupId = state.policyGroupId as string;
    await mosip.kernel("POST", `${POLICIES}/${hand.id}/group/${groupId}/publish`);
    const c = await host.create(provider, urnFor(TYPE, "hand-made"), {
      policyGroupName: GROUP,
      name: "hand-made",
      description: "published by the onboarder",
      policyType: "DataShare",
      version: "1.0",
      policies: content as unknown as Record<string, unknown>,
      revision: REV,
    });
    expect(c.id).toBe(hand.id);
    expect(c.properties).toMatchObject({ policyName: "hand-made", status: "PUBLISHED" });
    expect((await sandboxPolicies()).filter((p) => p.name.startsWith("hand-made"))).toHaveLength(1);
  });

  test("a draft with the declared name is converged and published instead of duplicated", async () => {
    const auth = buildAuthPolicy({ claims: ["name", "birthdate"] });
    const draft = await mosip.kernel<{ id: string }>("POST", POLICIES, {
      request: {
        policyGroupName: GROUP,
        name: "crvs-esignet",
        desc: "draft made by hand",
        policyType: "Auth",
        version: "0.9",
        policies: { ...auth, allowedKycAttributes: [{ attributeName: "gender" }] },
      },
    });
    const declared = {
      policyGroupName: GROUP,
      name: "crvs-esignet",
      description: "eSignet relying party",
      policyType: "Auth",
      version: "1.0",
      policies: auth as unknown as Record<string, unknown>,
    };
    const c = await host.create(provider, urnFor(TYPE, "esignet"), { ...declared, revision: REV });
    expect(c.id).toBe(draft.id);
    expect(stateOf(c.properties)).toMatchObject({ ...declared, status: "PUBLISHED" });
    expect((await sandboxPolicies()).filter((p) => p.name === "crvs-esignet")).toHaveLength(1);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const broken = { ...inputs, name: "never-created", revision: REV };

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: {
        ...stackConfig(sandbox.url, { maxRetries: 1 }),
        "mosip-crvs:mosipClientSecret": wrong,
      },
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, broken).catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        /^Policy policy "never-created" in group "crvs-policies": create failed: /,
      );
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client"/);
      expect(err.details).toMatch(/Check mosip\.clientId and mosip\.secretKey/);
      expect(findLeaks(err.details, [wrong, secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable MOSIP", async () => {
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}`, { maxRetries: 1 }),
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, broken).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/^Policy policy "never-created" .*: create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED/);
      expect(err.details).toMatch(/Check the host name and port/);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("MOSIP validation errors: an unknown group, and a policy PMS's schema refuses", async () => {
    const noGroup = (await host
      .create(provider, urn, { ...broken, policyGroupName: "no-such-group" })
      .catch((e) => e)) as ProviderHostError;
    expect(noGroup.details).toMatch(/create failed: .*PMS_POL_019/);
    expect(noGroup.details).toMatch(/Policy group name does not exist/);
    // Bypasses check (as a stale state could): PMS's schema validator refuses an extra member.
    const badSchema = (await host
      .create(provider, urn, { ...broken, policies: { ...dataShare, extra: true } })
      .catch((e) => e)) as ProviderHostError;
    expect(badSchema.details).toMatch(
      /MOSIP rejected POST http:\/\/127\.0\.0\.1:\d+\/v1\/policymanager\/policies: PMS_PV_005/,
    );
    expect(findLeaks(badSchema.details, [secret])).toEqual([]);
    expect((await sandboxPolicies()).some((p) => p.name === "never-created")).toBe(false);
  });
});

describe("under injected faults", () => {
  test("create succeeds and no policy is created (or published) twice", async () => {
    const names = Array.from({ length: 5 }, (_, i) => `fault-policy-${i}`);
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rate: 0.2,
        kinds: ["5xx", "reset", "delay", "expired-token"],
        delayMs: 300,
        seed: 11,
      }),
    });
    expect(res.status).toBe(200);
    const before = sandbox.requests.length;
    try {
      for (const name of names) {
        const c = await host.create(provider, urnFor(TYPE, name), {
          ...inputs,
          name,
          revision: REV,
        });
        expect(c.properties.status).toBe("PUBLISHED");
        // A revision-only update under faults: re-reads, writes nothing.
        const u = await host.update(
          provider,
          c.id,
          urnFor(TYPE, name),
          { ...stateOf(c.properties), revision: "1.0" },
          { ...inputs, name, revision: REV },
        );
        expect(u.properties.revision).toBe(REV);
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(3);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    const all = await sandboxPolicies();
    for (const name of names) {
      const mine = all.filter((p) => p.name.startsWith(name));
      expect(mine, name).toEqual([expect.objectContaining({ name, isActive: true })]);
    }
  });
});
