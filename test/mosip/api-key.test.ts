// ApiKey through the path `pulumi up` uses (closure-serialized provider, the SDK's dynamic-provider
// host over gRPC) against the MOSIP sandbox. The partner, its Keycloak user, policy, certificate and
// approved mapping are set up through the sandbox's HTTP API directly.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateCa, generatePartnerCertificate } from "../../components/mosip/certificates";
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
import { authPolicy, createKeycloakUser } from "../sandbox/pms-testkit";
import type { Sandbox } from "../sandbox/server";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

const TYPE = "pulumi-nodejs:dynamic/mosip:ApiKey";
const REV = "1.1";
const GROUP = "crvs-auth-group";
const POLICY = "crvs-auth-policy";
const PARTNER = "crvs-auth-partner";
const PASSWORD = "sandbox-test-partner-password-1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
let policyId: string;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

interface KeyRow {
  apiKey: string;
  partnerId: string;
  label: string;
  isActive: boolean;
}
async function keyRows(): Promise<KeyRow[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const s = (await res.json()) as { pms?: { apiKeys?: Record<string, KeyRow> } };
  return Object.values(s.pms?.apiKeys ?? {}).filter((k) => k.partnerId === PARTNER);
}
const inputs = (label: string, extra: Props = {}): Props => ({
  partnerId: PARTNER,
  policyName: POLICY,
  label,
  partnerPassword: PASSWORD,
  revision: REV,
  ...extra,
});

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/api-key.ts",
        export: "ApiKey",
        args: { partnerId: "p", policyName: "q", label: "l", partnerPassword: "serialized" },
      },
    ],
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      // The auth partner as run-onboarding.sh option 1 leaves it before the API-key step.
      const group = await mosip.kernel<{ id: string }>(
        "POST",
        "/v1/policymanager/policies/group/new",
        {
          request: { name: GROUP, desc: "CRVS auth" },
        },
      );
      const policy = await mosip.kernel<{ id: string }>("POST", "/v1/policymanager/policies", {
        request: {
          policyGroupName: GROUP,
          name: POLICY,
          desc: "CRVS auth policy",
          policyType: "Auth",
          version: "1.0",
          policies: authPolicy(),
        },
      });
      policyId = policy.id;
      await mosip.kernel(
        "POST",
        `/v1/policymanager/policies/${policy.id}/group/${group.id}/publish`,
      );
      await createKeycloakUser(sandbox, PARTNER, PASSWORD, ["AUTH_PARTNER"]);
      const org = "CRVS Auth Org";
      await mosip.kernel("POST", "/v1/partnermanager/partners", {
        request: {
          partnerId: PARTNER,
          organizationName: org,
          address: "1 Registry Road",
          contactNumber: "0123456789",
          emailId: "auth@sandbox.test",
          partnerType: "Auth_Partner",
          policyGroup: GROUP,
        },
      });
      const ca = await generateCa({ commonName: "CRVS CA", organisation: "CRVS" });
      await mosip.kernel("POST", "/v1/partnermanager/partners/certificate/ca/upload", {
        request: { certificateData: ca.certificatePem, partnerDomain: "AUTH" },
      });
      const leaf = await generatePartnerCertificate({ ca, commonName: PARTNER, organisation: org });
      await mosip.kernel("POST", "/v1/partnermanager/partners/certificate/upload", {
        request: {
          partnerId: PARTNER,
          certificateData: leaf.certificatePem,
          partnerDomain: "AUTH",
        },
      });
      const m = await mosip.kernel<{ mappingkey: string }>(
        "POST",
        `/v1/partnermanager/partners/${PARTNER}/policy/map`,
        { request: { policyName: POLICY, useCaseDescription: "CRVS authenticates" } },
      );
      await mosip.kernel("PUT", `/v1/partnermanager/partners/policy/${m.mappingkey}`, {
        request: { status: "Approved" },
      });
    },
  });
  ({ sandbox, secret, mosip, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("ApiKey lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-key");
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "ApiKey", [secret, PASSWORD]);
  });

  test("check names missing and bad properties with the fix", async () => {
    const ok = await host.check(provider, urn, {}, inputs("key-1"));
    expect(ok.failures).toEqual([]);
    const bad = await host.check(
      provider,
      urn,
      {},
      {
        partnerId: PARTNER,
        policyName: POLICY,
        label: "x".repeat(37),
      },
    );
    const by = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(by.label).toMatch(/at most 36 characters/);
    expect(by.partnerPassword).toMatch(/password \(a secret\) is required/);
  });

  test("create generates the key as the partner's own user; the value is an output", async () => {
    const c = await host.create(provider, urn, inputs("key-1"));
    id = c.id;
    state = stripProvider(c.properties);
    const rows = await keyRows();
    expect(rows).toEqual([expect.objectContaining({ label: "key-1", isActive: true })]);
    expect(state).toMatchObject({
      ...inputs("key-1"),
      apiKey: rows[0]!.apiKey,
      policyId,
      active: true,
    });
    expect(id).toBe(`${PARTNER}/${policyId}/key-1`);
    expect(Date.parse(state.validTo as string)).toBeGreaterThan(Date.now() + 80 * 86_400_000);
    const login = sandbox.requests.filter((r) => r.path.endsWith("/internal/useridPwd"));
    expect(login.length).toBeGreaterThan(0);
    await host.flushLogs();
    const logs = host.logs.map((l) => l.message).join("\n");
    expect(findLeaks(logs, [PASSWORD, rows[0]!.apiKey])).toEqual([]);
  });

  test("read equals the state; diff is empty for the same inputs and for a new password", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stripProvider(r.properties)).toEqual(state);
    const none = { changes: "none", replaces: [], deleteBeforeReplace: false };
    expect(await host.diff(provider, id, urn, state, inputs("key-1"))).toEqual(none);
    expect(
      await host.diff(provider, id, urn, state, inputs("key-1", { partnerPassword: "rotated" })),
    ).toEqual(none);
    expect(await host.diff(provider, id, urn, state, inputs("key-2"))).toMatchObject({
      changes: "some",
      replaces: ["label"],
    });
  });

  test("an existing label cannot be adopted (its value is not readable): the error says rotate", async () => {
    const err = (await host
      .create(provider, urnFor(TYPE, "again"), inputs("key-1"))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /already exists in MOSIP \(active\).*never shows a key's value.*new label/,
    );
    expect(await keyRows()).toHaveLength(1);
  });

  test("a key deactivated in MOSIP reads as gone; a new label rotates", async () => {
    await mosip.kernel(
      "PATCH",
      `/v1/partnermanager/partners/${PARTNER}/policy/${policyId}/apiKey/status`,
      { request: { label: "key-1", status: "De-Active" } },
    );
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe("");
    const rotated = await host.create(provider, urn, inputs("key-2"));
    expect(rotated.properties.apiKey).not.toBe(state.apiKey);
    const rows = (await keyRows()).sort((a, b) => a.label.localeCompare(b.label));
    expect(rows.map((k) => [k.label, k.isActive])).toEqual([
      ["key-1", false],
      ["key-2", true],
    ]);
    id = rotated.id;
    state = stripProvider(rotated.properties);
  });

  test("delete deactivates the key (PMS has no delete), as the admin, and is idempotent", async () => {
    await host.delete(provider, id, urn, { ...state, partnerPassword: "no longer valid" });
    expect((await keyRows()).find((k) => k.label === "key-2")?.isActive).toBe(false);
    await host.delete(provider, id, urn, state);
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe("");
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");

  test("a wrong partner password", async () => {
    const wrong = "sandbox-wrong-partner-password";
    const err = (await host
      .create(provider, urn, inputs("wrong-password", { partnerPassword: wrong }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(/Authentication as user "crvs-auth-partner"/);
    expect(err.details).toMatch(/Check the user's password/);
    expect(findLeaks(err.details, [wrong, PASSWORD, secret])).toEqual([]);
    await host.flushLogs();
    expect(findLeaks(host.logs.map((l) => l.message).join("\n"), [wrong, PASSWORD])).toEqual([]);
  });

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: { ...stackConfig(sandbox.url), "mosip-crvs:mosipClientSecret": wrong },
      env: { MOSIP_RETRY_DELAY_MS: "20" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, inputs("k")).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /^ApiKey API key "k" of partner "crvs-auth-partner" for policy "crvs-auth-policy": create failed: /,
      );
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client".*Check/);
      expect(findLeaks(err.details, [wrong, secret, PASSWORD])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable MOSIP", async () => {
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}`, { maxRetries: 1 }),
      env: { MOSIP_RETRY_DELAY_MS: "20" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, inputs("k")).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED.*Check/);
      expect(findLeaks(err.details, [secret, PASSWORD])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error: a policy that is not in the partner's group", async () => {
    const err = (await host
      .create(provider, urn, inputs("k", { policyName: "no-such-policy" }))
      .catch((e) => e)) as ProviderHostError;
    // PMS_PMP_014 "Policy does not exist"; the shared scrubber masks the code here because the
    // path ends in "apikey" and is followed by ": " (it looks like an `apiKey: value` pair).
    expect(err.details).toMatch(
      /MOSIP rejected PATCH .*\/generate\/apikey: .*"Policy does not exist"/,
    );
    expect(err.details).toMatch(/fix what they name/);
    expect(findLeaks(err.details, [secret, PASSWORD])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("creates succeed and each label is generated exactly once", async () => {
    const labels = Array.from({ length: 5 }, (_, i) => `fault-${i}`);
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
    const keys: Record<string, unknown> = {};
    try {
      for (const label of labels) {
        const c = await host.create(provider, urnFor(TYPE, label), inputs(label));
        keys[label] = c.properties.apiKey;
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(0);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    const rows = await keyRows();
    for (const label of labels) {
      const mine = rows.filter((k) => k.label === label);
      expect(mine, label).toHaveLength(1);
      expect(mine[0]!.apiKey).toBe(keys[label]);
    }
  });
});
