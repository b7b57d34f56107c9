// CredentialTypeMapping through the path `pulumi up` uses: serialized by Pulumi's closure serializer
// (CommonJS ts-node child), run by the SDK's dynamic-provider host over gRPC, against the sandbox.
// The partner's prerequisites (group, published policies, registration, CA + leaf certificates that
// activate it) are set up through the sandbox's HTTP API directly.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { MosipClient } from "../../components/mosip/client";
import { buildDataSharePolicy } from "../../components/mosip/policy-builder";
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
import { makeCa, makeLeaf } from "../sandbox/testing-certs";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

// Child processes (ts-node serializer, provider host) are slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:CredentialTypeMapping";
const PT = "/v1/partnermanager";
const POL = "/v1/policymanager/policies";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

interface SandboxMapping {
  credentialType: string;
  partnerId: string;
  policyId: string;
}
async function sandboxMappings(): Promise<SandboxMapping[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { pms?: { credentialTypes?: SandboxMapping[] } };
  return state.pms?.credentialTypes ?? [];
}

const stateOf = (p: Props) => stripProvider(p);

const GROUP = "crvs-mapping-group";
const PARTNER = "opencrvs-partner";
const ORG = "Civil Registry of Farajaland";
const policyIds: Record<string, string> = {};

async function publishedPolicy(name: string, attrs: string[]): Promise<void> {
  const p = await mosip.kernel<{ id: string }>("POST", POL, {
    request: {
      policyGroupName: GROUP,
      name,
      desc: `DataShare ${name}`,
      policyType: "DataShare",
      version: "1.0",
      policies: buildDataSharePolicy({ sharedAttributes: attrs }),
    },
  });
  const groups = await mosip.kernel<{ policyGroup: { id: string; name: string } }[]>(
    "GET",
    `${POL}/group/all`,
  );
  const groupId = groups.find((g) => g.policyGroup.name === GROUP)!.policyGroup.id;
  await mosip.kernel("POST", `${POL}/${p.id}/group/${groupId}/publish`);
  policyIds[name] = p.id;
}

async function registerActivePartner(partnerId: string, email: string): Promise<void> {
  await mosip.kernel("POST", `${PT}/partners`, {
    request: {
      partnerId,
      policyGroup: GROUP,
      organizationName: ORG,
      address: "1 Registry Road",
      contactNumber: "+260211000000",
      emailId: email,
      partnerType: "Credential_Partner",
    },
  });
  const leaf = await makeLeaf(ca, { cn: `sandbox-test-${partnerId}`, org: ORG });
  await mosip.kernel("POST", `${PT}/partners/certificate/upload`, {
    request: { partnerId, certificateData: leaf.certPem, partnerDomain: "AUTH" },
  });
}

let ca: Awaited<ReturnType<typeof makeCa>>;

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/credential-type-mapping.ts",
        export: "CredentialTypeMapping",
        args: { partnerId: PARTNER, credentialType: "opencrvs", policyName: "crvs-datashare" },
      },
    ],
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      await mosip.kernel("POST", `${POL}/group/new`, { request: { name: GROUP, desc: "CRVS" } });
      await publishedPolicy("crvs-datashare", ["fullName", "dateOfBirth"]);
      await publishedPolicy("crvs-datashare-v2", ["fullName", "gender"]);
      ca = await makeCa({ cn: "Sandbox Test Mapping CA", org: "Sandbox Test" });
      await mosip.kernel("POST", `${PT}/partners/certificate/ca/upload`, {
        request: { certificateData: ca.certPem, partnerDomain: "AUTH" },
      });
      await registerActivePartner(PARTNER, "registrar@crvs.example.org");
    },
  });
  ({ sandbox, secret, mosip, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("CredentialTypeMapping lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-opencrvs");
  const inputs = { partnerId: PARTNER, credentialType: "opencrvs", policyName: "crvs-datashare" };
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "CredentialTypeMapping", [secret]);
  });

  test("check accepts valid inputs and names each bad property with the fix", async () => {
    const ok = await host.check(provider, urn, {}, inputs);
    expect(ok.failures).toEqual([]);
    expect(stateOf(ok.inputs)).toEqual({ ...inputs, revision: REV });
    const bad = await host.check(
      provider,
      urn,
      {},
      { partnerId: PARTNER, credentialType: "open/crvs", policy: "x" },
    );
    const byProp = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(byProp).sort()).toEqual(["credentialType", "policy", "policyName"]);
    expect(byProp.credentialType).toMatch(/must not be blank or contain "\/" or whitespace/);
    expect(byProp.policyName).toMatch(/^policyName is required: /);
  });

  test("create maps the credential type: one row in PMS", async () => {
    const created = await host.create(provider, urn, { ...inputs, revision: REV });
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toBe(`${PARTNER}/opencrvs`);
    expect(state).toEqual({
      ...inputs,
      policyId: policyIds["crvs-datashare"],
      policyStatus: "PUBLISHED",
      revision: REV,
    });
    expect(await sandboxMappings()).toEqual([
      expect.objectContaining({
        partnerId: PARTNER,
        credentialType: "opencrvs",
        policyId: policyIds["crvs-datashare"],
      }),
    ]);
  });

  test("read returns the live mapping in the input shape", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    expect(stateOf(r.inputs!)).toEqual({ ...inputs, revision: REV });
  });

  test("diff: same inputs empty; another pair replaces; another policy is an in-place change", async () => {
    expect(await host.diff(provider, id, urn, state, { ...inputs, revision: REV })).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      (
        await host.diff(provider, id, urn, state, {
          ...inputs,
          credentialType: "euin",
          revision: REV,
        })
      ).replaces,
    ).toEqual(["credentialType"]);
    expect(
      await host.diff(provider, id, urn, state, {
        ...inputs,
        policyName: "crvs-datashare-v2",
        revision: REV,
      }),
    ).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
  });

  test("re-pointing to another policy is refused with the reason, and nothing is written", async () => {
    const before = sandbox.requests.length;
    const err = (await host
      .update(provider, id, urn, state, {
        ...inputs,
        policyName: "crvs-datashare-v2",
        revision: REV,
      })
      .catch((e) => e)) as ProviderHostError;
    expect(err).toBeInstanceOf(ProviderHostError);
    expect(err.details).toMatch(
      /update failed: credential type "opencrvs" of partner "opencrvs-partner" is mapped to policy "crvs-datashare" in MOSIP, and the program says "crvs-datashare-v2"\. MOSIP 1\.2\.0\.1 cannot re-point it/,
    );
    expect(sandbox.requests.slice(before).filter((r) => r.method === "POST")).toEqual([]);
    // The same through create (a fresh stack declaring the other policy): refused, not duplicated.
    const adopt = (await host
      .create(provider, urn, { ...inputs, policyName: "crvs-datashare-v2", revision: REV })
      .catch((e) => e)) as ProviderHostError;
    expect(adopt.details).toMatch(/cannot re-point it/);
    expect(await sandboxMappings()).toHaveLength(1);
  });

  test("create on the existing mapping adopts it: no second row", async () => {
    const again = await host.create(provider, urn, { ...inputs, revision: REV });
    expect(again.id).toBe(id);
    expect(await sandboxMappings()).toHaveLength(1);
  });

  test("drift made through the MOSIP API (a second policy mapped by hand) is seen by read", async () => {
    await registerActivePartner("drift-partner", "drift@crvs.example.org");
    const u = urnFor(TYPE, "drift");
    const d = await host.create(provider, u, {
      partnerId: "drift-partner",
      credentialType: "opencrvs",
      policyName: "crvs-datashare",
      revision: REV,
    });
    await mosip.kernel(
      "POST",
      `${PT}/partners/drift-partner/credentialtype/opencrvs/policies/crvs-datashare-v2`,
    );
    const err = (await host
      .read(provider, d.id, u, stateOf(d.properties))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /read failed: PMS cannot read the opencrvs mapping of partner drift-partner: .*query did not return a unique result: 2.*credential issuance for it is broken; remove the extra row from pms\.partner_policy_credential_type/,
    );
  });

  test("delete forgets the mapping and says what stays in MOSIP", async () => {
    const before = host.logs.length;
    await host.delete(provider, id, urn, state);
    await host.flushLogs();
    const said = host.logs
      .slice(before)
      .map((l) => l.message)
      .join("\n");
    expect(said).toMatch(
      /removed from the Pulumi state only: the mapping opencrvs-partner\/opencrvs -> policy "crvs-datashare" stays in MOSIP, which has no unmap endpoint/,
    );
    expect((await sandboxMappings()).filter((m) => m.partnerId === PARTNER)).toHaveLength(1);
    // Read of an id that never existed reports it gone.
    const gone = await host.read(provider, `${PARTNER}/euin`, urn, state);
    expect(gone.id).toBe("");
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const broken = {
    partnerId: PARTNER,
    credentialType: "euin",
    policyName: "crvs-datashare",
    revision: REV,
  };

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
      expect(err.details).toMatch(
        /^CredentialTypeMapping credential type "euin" of partner "opencrvs-partner": create failed: /,
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
      expect(err.details).toMatch(/create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED/);
      expect(err.details).toMatch(/Check the host name and port/);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("MOSIP validation errors: a credential type PMS does not allow, an inactive partner", async () => {
    const type = (await host
      .create(provider, urn, { ...broken, credentialType: "passport" })
      .catch((e) => e)) as ProviderHostError;
    expect(type.details).toMatch(/create failed: MOSIP rejected POST .*: PMS_PRT_072/);
    expect(type.details).toMatch(
      /Allowed credential types : auth,qrcode,euin,reprint,vercred,opencrvs/,
    );
    await mosip.kernel("POST", `${PT}/partners`, {
      request: {
        partnerId: "inactive-partner",
        policyGroup: GROUP,
        organizationName: ORG,
        address: "1 Registry Road",
        contactNumber: "+260211000000",
        emailId: "inactive@crvs.example.org",
        partnerType: "Credential_Partner",
      },
    });
    const inactive = (await host
      .create(provider, urn, { ...broken, partnerId: "inactive-partner" })
      .catch((e) => e)) as ProviderHostError;
    expect(inactive.details).toMatch(/PMS_PMP_016/);
    expect(inactive.details).toMatch(/Partner is not active/);
    expect(findLeaks(inactive.details, [secret])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("create succeeds and no mapping row is written twice", async () => {
    const types = ["auth", "qrcode", "reprint", "vercred"];
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rate: 0.2,
        kinds: ["5xx", "reset", "delay", "expired-token"],
        delayMs: 300,
        seed: 3,
      }),
    });
    expect(res.status).toBe(200);
    const before = sandbox.requests.length;
    try {
      for (const credentialType of types) {
        const u = urnFor(TYPE, credentialType);
        const c = await host.create(provider, u, {
          partnerId: PARTNER,
          credentialType,
          policyName: "crvs-datashare",
          revision: REV,
        });
        expect(c.properties.policyStatus).toBe("PUBLISHED");
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(0);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    const rows = (await sandboxMappings()).filter((m) => m.partnerId === PARTNER);
    for (const t of types)
      expect(
        rows.filter((m) => m.credentialType === t),
        t,
      ).toHaveLength(1);
  });
});
