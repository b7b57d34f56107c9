// PolicyGroup through the path `pulumi up` uses: serialized by Pulumi's closure serializer (CommonJS
// ts-node child), run by the SDK's dynamic-provider host over gRPC, against the MOSIP sandbox.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { MosipClient } from "../../components/mosip/client";
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
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
  type MosipLifecycle,
} from "./lifecycle";

// Child processes (ts-node serializer, provider host) are slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:PolicyGroup";
const GROUPS = "/v1/policymanager/policies/group";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;

/** Stack config as the engine sends it to the provider's Configure. */
function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

interface SandboxGroup {
  id: string;
  name: string;
  desc: string;
  isActive: boolean;
}
async function sandboxGroups(): Promise<SandboxGroup[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { pms?: { policyGroups?: Record<string, SandboxGroup> } };
  return Object.values(state.pms?.policyGroups ?? {});
}

/** What the engine keeps: outputs without `__provider`. */
const stateOf = (p: Props) => stripProvider(p);

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/policy-group.ts",
        export: "PolicyGroup",
        args: { name: "serialized", description: "serialized" },
      },
    ],
    hostEnv: {},
  });
  ({ sandbox, secret, host, mosip } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("PolicyGroup lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-group");
  const inputs = { name: "crvs-policy-group", description: "Policies of the CRVS partners" };
  let id: string;
  let state: Props;

  test("the class registers its own type token and the provider carries no credential", () => {
    expectProviderReference(provider, "PolicyGroup", [secret]);
  });

  test("check accepts valid inputs and adds the provider revision", async () => {
    const r = await host.check(provider, urn, {}, inputs);
    expect(r.failures).toEqual([]);
    expect(stateOf(r.inputs)).toEqual({ ...inputs, revision: "1.1" });
  });

  test("check names each bad property and the fix", async () => {
    const r = await host.check(
      provider,
      urn,
      {},
      {
        name: "   ",
        description: "x".repeat(129),
        owner: "me",
      },
    );
    expect(r.failures.map((f) => f.property).sort()).toEqual(["description", "name", "owner"]);
    const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(byProp.name).toMatch(/must not be blank.*give the policy group's name/);
    expect(byProp.description).toBe(
      "description: description must be at most 128 characters (PMS rejects longer)",
    );
    expect(byProp.owner).toBe("owner: unknown argument: PolicyGroup takes name and description");
    const missing = await host.check(provider, urn, {}, { name: "g" });
    expect(missing.failures).toEqual([
      { property: "description", reason: expect.stringMatching(/^description is required: /) },
    ]);
  });

  test("create makes one group in PMS and returns its id and outputs", async () => {
    const checked = (await host.check(provider, urn, {}, inputs)).inputs;
    const created = await host.create(provider, urn, stripProvider(checked));
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toMatch(/\S/);
    expect(state).toEqual({
      ...inputs,
      policyGroupId: id,
      active: true,
      revision: "1.1",
    });
    const groups = (await sandboxGroups()).filter((g) => g.name === inputs.name);
    expect(groups).toEqual([
      expect.objectContaining({ id, desc: inputs.description, isActive: true }),
    ]);
  });

  test("read returns the live group in the input shape", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    expect(stateOf(r.inputs!)).toEqual({ ...inputs, revision: "1.1" });
  });

  test("diff with the same inputs is empty, in any key order", async () => {
    const d = await host.diff(provider, id, urn, state, {
      revision: "1.1",
      description: inputs.description,
      name: inputs.name,
    });
    expect(d).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
  });

  test("drift made through the MOSIP API is seen by read, and update converges it", async () => {
    await mosip.kernel("PUT", `${GROUPS}/${id}`, {
      request: { name: inputs.name, desc: "changed by hand in the PMS portal", isActive: true },
    });
    const r = await host.read(provider, id, urn, state);
    expect(r.properties.description).toBe("changed by hand in the PMS portal");
    expect(r.inputs?.description).toBe("changed by hand in the PMS portal");
    // What `pulumi up` after the refresh sees: a change, in place.
    const refreshed = stateOf(r.properties);
    const d = await host.diff(provider, id, urn, stateOf(r.inputs!), {
      ...inputs,
      revision: "1.1",
    });
    expect(d).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });

    const u = await host.update(provider, id, urn, refreshed, { ...inputs, revision: "1.1" });
    expect(stateOf(u.properties)).toEqual(state);
    const live = await mosip.kernel<{ policyGroup: { desc: string } }>("GET", `${GROUPS}/${id}`);
    expect(live.policyGroup.desc).toBe(inputs.description);
  });

  test("a revision-only change updates the state without writing to MOSIP", async () => {
    const d = await host.diff(
      provider,
      id,
      urn,
      { ...state, revision: "1.0" },
      {
        ...inputs,
        revision: "1.1",
      },
    );
    expect(d).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
    const before = sandbox.requests.length;
    const u = await host.update(
      provider,
      id,
      urn,
      { ...state, revision: "1.0" },
      {
        ...inputs,
        revision: "1.1",
      },
    );
    expect(u.properties.revision).toBe("1.1");
    const writes = sandbox.requests.slice(before).filter((r) => r.method === "PUT");
    expect(writes).toEqual([]);
  });

  test("create on an existing group adopts it: no second group", async () => {
    const again = await host.create(provider, urn, {
      ...inputs,
      description: "a different description",
      revision: "1.1",
    });
    expect(again.id).toBe(id);
    expect(again.properties.description).toBe("a different description");
    const groups = (await sandboxGroups()).filter((g) => g.name === inputs.name);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.desc).toBe("a different description");
    // Put it back for the next steps.
    await host.update(provider, id, urn, stateOf(again.properties), { ...inputs, revision: "1.1" });
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /PolicyGroup policy group "crvs-policy-group": adopted the existing object \(id .+\) and converged description/,
    );
  });

  test("a name change is a replacement (created before the old one is deactivated)", async () => {
    const d = await host.diff(provider, id, urn, state, {
      ...inputs,
      name: "crvs-policy-group-v2",
      revision: "1.1",
    });
    expect(d).toEqual({ changes: "some", replaces: ["name"], deleteBeforeReplace: false });
  });

  test("delete deactivates the group; read then reports it gone; create brings it back", async () => {
    await host.delete(provider, id, urn, state);
    expect((await sandboxGroups()).find((g) => g.id === id)?.isActive).toBe(false);
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe("");
    // Deleting again is fine (idempotent).
    await host.delete(provider, id, urn, state);

    const back = await host.create(provider, urn, { ...inputs, revision: "1.1" });
    expect(back.id).toBe(id);
    expect((await sandboxGroups()).filter((g) => g.name === inputs.name)).toEqual([
      expect.objectContaining({ id, isActive: true }),
    ]);
  });

  test("delete leaves a group with published policies in place and says so", async () => {
    const policy = await mosip.kernel<{ id: string }>("POST", "/v1/policymanager/policies", {
      request: {
        policyGroupName: inputs.name,
        name: "crvs-datashare",
        desc: "CRVS credential policy",
        policyType: "DataShare",
        version: "1.0",
        policies: {
          dataSharePolicies: {
            typeOfShare: "Data Share",
            validForInMinutes: "30",
            transactionsAllowed: "2",
            encryptionType: "Partner Based",
            shareDomain: "datashare-service",
            source: "ID Repository",
          },
          shareableAttributes: [
            { attributeName: "fullName", source: [{ attribute: "fullName" }], encrypted: true },
          ],
        },
      },
    });
    await mosip.kernel("POST", `/v1/policymanager/policies/${policy.id}/group/${id}/publish`);
    const logsBefore = host.logs.length;
    await host.delete(provider, id, urn, state);
    expect((await sandboxGroups()).find((g) => g.id === id)?.isActive).toBe(true);
    await host.flushLogs();
    const said = host.logs
      .slice(logsBefore)
      .map((l) => l.message)
      .join("\n");
    expect(said).toMatch(/warning: .*left active in MOSIP .*1 published policy \(crvs-datashare\)/);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const inputs = { name: "never-created", description: "d", revision: "1.1" };

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: { ...stackConfig(sandbox.url), "mosip-crvs:mosipClientSecret": wrong },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, inputs).catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(/^PolicyGroup policy group "never-created": create failed: /);
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client"/);
      expect(err.details).toContain(`${sandbox.url}/v1/authmanager/authenticate/clientidsecretkey`);
      expect(err.details).toMatch(/Check .*mosip\.clientId/);
      expect(findLeaks(err.details, [wrong, secret])).toEqual([]);
      await h.flushLogs();
      expect(findLeaks(h.logs.map((l) => l.message).join("\n"), [wrong, secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable MOSIP", async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}`, { maxRetries: 1 }),
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, inputs).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/^PolicyGroup policy group "never-created": create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED/);
      // ...and what to do (the client's wording): check something.
      expect(err.details).toMatch(/\. Check .+/);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error", async () => {
    // Bypasses check (as a stale state could): PMS itself refuses a blank description.
    const err = (await host
      .create(provider, urn, { name: "blank-description", description: " ", revision: "1.1" })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(/^PolicyGroup policy group "blank-description": create failed: /);
    expect(err.details).toMatch(
      /MOSIP rejected POST http:\/\/127\.0\.0\.1:\d+\/v1\/policymanager\/policies\/group\/new: PMS_COR_001/,
    );
    expect(err.details).toMatch(/must not be blank :desc.*fix/);
    expect(findLeaks(err.details, [secret])).toEqual([]);
    expect((await sandboxGroups()).some((g) => g.name === "blank-description")).toBe(false);
  });

  test("missing connection settings: check and diff still work, create names the keys", async () => {
    const h = await startProviderHost({ config: {} });
    try {
      const c = await h.check(provider, urn, {}, { name: "x", description: "y" });
      expect(c.failures).toEqual([]);
      const err = (await h.create(provider, urn, inputs).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/cannot reach MOSIP: the connection settings are missing: /);
      expect(err.details).toContain("mosip-crvs:mosip.apiBaseUrl");
      expect(err.details).toContain("the secret mosip-crvs:mosipClientSecret");
    } finally {
      await h.close();
    }
  });
});

describe("several resources at once, as the engine runs them", () => {
  test("parallel creates share one login and make one group each", async () => {
    const h = await startProviderHost({
      config: stackConfig(sandbox.url),
      secretKeys: ["mosip-crvs:mosipClientSecret"],
      // Debug lines (one per MOSIP request) only reach the output through the Engine service.
      structuredLogs: true,
    });
    const names = Array.from({ length: 5 }, (_, i) => `parallel-group-${i}`);
    const before = sandbox.requests.length;
    try {
      const created = await Promise.all(
        names.map((name) =>
          h.create(provider, urnFor(TYPE, name), { name, description: "p", revision: "1.1" }),
        ),
      );
      expect(new Set(created.map((c) => c.id)).size).toBe(5);
      const logins = sandbox.requests
        .slice(before)
        .filter((r) => r.path.endsWith("/authenticate/clientidsecretkey"));
      expect(logins).toHaveLength(1);
      await h.flushLogs();
      const all = h.logs.map((l) => l.message).join("\n");
      // The per-request debug lines are there (so the next assertions mean something)...
      expect(h.logs.filter((l) => l.severity === "debug").length).toBeGreaterThanOrEqual(6);
      expect(all).toMatch(
        /POST http:\/\/127\.0\.0\.1:\d+\/v1\/policymanager\/policies\/group\/new/,
      );
      // ...and carry neither the client secret nor a token.
      expect(findLeaks(all, [secret])).toEqual([]);
      expect(all).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    } finally {
      await h.close();
    }
    const groups = await sandboxGroups();
    for (const name of names) expect(groups.filter((g) => g.name === name)).toHaveLength(1);
  });
});

describe("under injected faults", () => {
  test("create and update succeed and no group is created twice", async () => {
    const h = await startProviderHost({
      config: stackConfig(sandbox.url),
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    const names = Array.from({ length: 6 }, (_, i) => `fault-group-${i}`);
    try {
      const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rate: 0.2,
          kinds: ["5xx", "reset", "delay", "expired-token"],
          delayMs: 300,
          seed: 7,
        }),
      });
      expect(res.status).toBe(200);
      const before = sandbox.requests.length;
      for (const name of names) {
        const urn = urnFor(TYPE, name);
        const c = await h.create(provider, urn, { name, description: "v1", revision: "1.1" });
        const u = await h.update(provider, c.id, urn, stateOf(c.properties), {
          name,
          description: "v2",
          revision: "1.1",
        });
        expect(u.properties.description).toBe("v2");
      }
      // The faults really happened.
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(3);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
      await h.close();
    }
    const groups = await sandboxGroups();
    for (const name of names) {
      const matching = groups.filter((g) => g.name === name);
      expect(matching, name).toHaveLength(1);
      expect(matching[0]!.desc).toBe("v2");
    }
  });
});
