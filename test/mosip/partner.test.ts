// Partner through the path `pulumi up` uses: serialized by Pulumi's closure serializer (CommonJS
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
import { makeCa, makeLeaf, type CertAndKey } from "../sandbox/testing-certs";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

// Child processes (ts-node serializer, provider host) are slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:Partner";
const PT = "/v1/partnermanager";
const REV = "1.3";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
let ca: CertAndKey;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

interface SandboxPartner {
  id: string;
  name: string;
  isActive: boolean;
  address: string;
  contactNo: string;
  logoUrl: string | null;
  policyGroupId: string | null;
}
async function sandboxPartners(): Promise<SandboxPartner[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { pms?: { partners?: Record<string, SandboxPartner> } };
  return Object.values(state.pms?.partners ?? {});
}

const stateOf = (p: Props) => stripProvider(p);

const GROUP = "crvs-partners";
const inputs = {
  partnerId: "opencrvs-partner",
  partnerType: "Credential_Partner",
  policyGroupName: GROUP,
  organisationName: "Civil Registry of Farajaland",
  contactEmail: "registrar@crvs.example.org",
  contactPhone: "+260 211 000000",
  address: "1 Registry Road, Isamba",
};

/** Uploads a leaf with O=<organisation> under the file's CA: the partner becomes active. */
async function uploadCertificate(partnerId: string, org: string): Promise<void> {
  const leaf = await makeLeaf(ca, { cn: `sandbox-test-${partnerId}`, org });
  await mosip.kernel("POST", `${PT}/partners/certificate/upload`, {
    request: { partnerId, certificateData: leaf.certPem, partnerDomain: "AUTH" },
  });
}

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [{ module: "components/mosip/partner.ts", export: "Partner", args: inputs }],
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      for (const name of [GROUP, `${GROUP}-2`])
        await mosip.kernel("POST", "/v1/policymanager/policies/group/new", {
          request: { name, desc: "CRVS partners" },
        });
      ca = await makeCa({ cn: "Sandbox Test Partner CA", org: "Sandbox Test" });
      await mosip.kernel("POST", `${PT}/partners/certificate/ca/upload`, {
        request: { certificateData: ca.certPem, partnerDomain: "AUTH" },
      });
    },
  });
  ({ sandbox, secret, mosip, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("Partner lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-partner");
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "Partner", [secret]);
  });

  test("check accepts valid inputs and names each bad property with the fix", async () => {
    const ok = await host.check(provider, urn, {}, inputs);
    expect(ok.failures).toEqual([]);
    // active defaults to true: the partner is declared active unless said otherwise.
    expect(stateOf(ok.inputs)).toEqual({ ...inputs, active: true, revision: REV });
    const off = await host.check(provider, urn, {}, { ...inputs, active: false });
    expect(stateOf(off.inputs)).toEqual({ ...inputs, active: false, revision: REV });
    const bad = await host.check(
      provider,
      urn,
      {},
      {
        ...inputs,
        partnerId: "opencrvs partner",
        contactEmail: "registrar@crvs.EXAMPLE",
        contactPhone: "0".repeat(17),
        partnerType: "credential_partner",
        active: "yes",
        colour: "blue",
      },
    );
    const byProp = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(byProp).sort()).toEqual([
      "active",
      "colour",
      "contactEmail",
      "contactPhone",
      "partnerId",
      "partnerType",
    ]);
    expect(byProp.partnerId).toMatch(/whitespace \(PMS_PRT_066\)/);
    expect(byProp.partnerType).toMatch(
      /one of Auth_Partner, .*Credential_Partner.* \(exact spelling\)/,
    );
    expect(byProp.contactPhone).toMatch(/at most 16 characters/);
    expect(byProp.active).toMatch(/active must be true or false/);
    const { policyGroupName: _g, ...noGroup } = inputs;
    const needsGroup = await host.check(provider, urn, {}, noGroup);
    expect(needsGroup.failures).toEqual([
      {
        property: "policyGroupName",
        reason: expect.stringMatching(/required for Credential_Partner \(PMS_PRT_108\)/),
      },
    ]);
    const misp = await host.check(provider, urn, {}, { ...noGroup, partnerType: "MISP_Partner" });
    expect(misp.failures).toEqual([]);
  });

  test("create registers one partner, not yet active (no certificate)", async () => {
    const created = await host.create(provider, urn, { ...inputs, active: true, revision: REV });
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toBe(inputs.partnerId);
    // Inactive until its certificate is uploaded, which is not a deactivation: it reads as active.
    expect(state).toEqual({ ...inputs, active: true, revision: REV });
    expect((await sandboxPartners()).filter((p) => p.id === id)).toEqual([
      expect.objectContaining({ isActive: false }),
    ]);
  });

  test("read returns the live partner in the input shape", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    expect(stateOf(r.inputs!)).toEqual({ ...inputs, active: true, revision: REV });
  });

  test("diff: same inputs empty; immutable fields replace; contact details update in place", async () => {
    expect(
      await host.diff(provider, id, urn, state, { ...inputs, active: true, revision: REV }),
    ).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    for (const k of ["organisationName", "contactEmail", "partnerType", "partnerId"]) {
      const d = await host.diff(provider, id, urn, state, {
        ...inputs,
        [k]: k === "contactEmail" ? "other@crvs.example.org" : "Auth_Partner",
        revision: REV,
      });
      expect(d.replaces, k).toEqual([k]);
    }
    const d = await host.diff(provider, id, urn, state, {
      ...inputs,
      address: "elsewhere",
      revision: REV,
    });
    expect(d).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
  });

  test("drift through the MOSIP API is seen by read; update converges it and keeps the portal's logo", async () => {
    await mosip.kernel("PUT", `${PT}/partners/v2/${id}`, {
      request: {
        address: "changed in the PMS portal",
        contactNumber: "12345",
        logoUrl: "https://crvs.example.org/logo.png",
        additionalInfo: [{ note: "set by hand" }],
      },
    });
    const r = await host.read(provider, id, urn, state);
    expect(r.inputs).toMatchObject({ address: "changed in the PMS portal", contactPhone: "12345" });
    const u = await host.update(provider, id, urn, stateOf(r.properties), {
      ...inputs,
      revision: REV,
    });
    expect(stateOf(u.properties)).toEqual(state);
    const live = (await sandboxPartners()).find((p) => p.id === id)!;
    expect(live).toMatchObject({
      address: inputs.address,
      contactNo: inputs.contactPhone,
      logoUrl: "https://crvs.example.org/logo.png",
    });
  });

  test("the policy group moves while the partner is not active", async () => {
    const u = await host.update(provider, id, urn, state, {
      ...inputs,
      policyGroupName: `${GROUP}-2`,
      revision: REV,
    });
    expect(u.properties.policyGroupName).toBe(`${GROUP}-2`);
    const back = await host.update(provider, id, urn, stateOf(u.properties), {
      ...inputs,
      revision: REV,
    });
    expect(back.properties.policyGroupName).toBe(GROUP);
  });

  test("create on the existing partner adopts it, converging contact details; no duplicate", async () => {
    const again = await host.create(provider, urn, {
      ...inputs,
      address: "adopted address",
      revision: REV,
    });
    expect(again.id).toBe(id);
    expect(again.properties.address).toBe("adopted address");
    expect((await sandboxPartners()).filter((p) => p.id === id)).toHaveLength(1);
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /Partner partner "opencrvs-partner": adopted the existing object \(id opencrvs-partner\) and converged address/,
    );
    await host.update(provider, id, urn, stateOf(again.properties), {
      ...inputs,
      active: true,
      revision: REV,
    });
  });

  test("adoption fails naming the immutable fields that differ", async () => {
    const err = (await host
      .create(provider, urn, {
        ...inputs,
        organisationName: "Another Registry",
        contactEmail: "other@crvs.example.org",
        revision: REV,
      })
      .catch((e) => e)) as ProviderHostError;
    expect(err).toBeInstanceOf(ProviderHostError);
    expect(err.details).toMatch(
      /partner "opencrvs-partner" already exists in MOSIP \(id opencrvs-partner\) with a different organisationName \(MOSIP has "Civil Registry of Farajaland", the program says "Another Registry"\), contactEmail \(.*\); MOSIP cannot change these in place/,
    );
    expect((await sandboxPartners()).find((p) => p.id === id)?.name).toBe(inputs.organisationName);
  });

  test("active: false is refused while the partner has no certificate, before any write", async () => {
    const declared = { ...inputs, active: false, revision: REV };
    const noCert =
      /the partner has no certificate uploaded yet, so it cannot be declared active: false: .*Declare active: true \(the default\) until its certificate is uploaded/;
    const u = (await host
      .update(provider, id, urn, state, declared)
      .catch((e) => e)) as ProviderHostError;
    expect(u).toBeInstanceOf(ProviderHostError);
    expect(u.details).toMatch(/^Partner partner "opencrvs-partner": update failed: /);
    expect(u.details).toMatch(noCert);
    const fresh = {
      ...declared,
      partnerId: "inactive-partner",
      contactEmail: "inactive@crvs.example.org",
    };
    const before = sandbox.requests.length;
    const c = (await host
      .create(provider, urnFor(TYPE, "inactive"), fresh)
      .catch((e) => e)) as ProviderHostError;
    expect(c.details).toMatch(noCert);
    expect(
      sandbox.requests
        .slice(before)
        .filter((r) => r.method === "POST" && r.path.endsWith("/partners")),
    ).toEqual([]);
    expect((await sandboxPartners()).some((p) => p.id === "inactive-partner")).toBe(false);
    expect((await sandboxPartners()).find((p) => p.id === id)?.isActive).toBe(false);
    // Still readable as before: active (waiting for its certificate), no drift.
    expect(stateOf((await host.read(provider, id, urn, state)).properties)).toEqual(state);
  });

  test("with its certificate the partner is active; an active partner cannot change group", async () => {
    await uploadCertificate(id, inputs.organisationName);
    expect((await sandboxPartners()).find((p) => p.id === id)?.isActive).toBe(true);
    const r = await host.read(provider, id, urn, state);
    // The upload changes nothing the stack stored: no drift.
    expect(stateOf(r.properties)).toEqual(state);
    expect(r.properties.active).toBe(true);
    state = stateOf(r.properties);
    const err = (await host
      .update(provider, id, urn, state, { ...inputs, policyGroupName: `${GROUP}-2`, revision: REV })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /update failed: MOSIP cannot move an active partner to another policy group \(PMS_PRT_050\)/,
    );
  });

  test("declared active: false deactivates it and reads clean; group moves while inactive; true reactivates", async () => {
    const isActive = async () => (await sandboxPartners()).find((p) => p.id === id)?.isActive;
    const off = await host.update(provider, id, urn, state, {
      ...inputs,
      active: false,
      revision: REV,
    });
    expect(stateOf(off.properties)).toEqual({ ...state, active: false });
    expect(await isActive()).toBe(false);
    const r = await host.read(provider, id, urn, stateOf(off.properties));
    expect(stateOf(r.properties)).toEqual(stateOf(off.properties));
    expect(
      await host.diff(provider, id, urn, stateOf(r.properties), {
        ...inputs,
        active: false,
        revision: REV,
      }),
    ).toMatchObject({ changes: "none" });
    // Reactivation comes after the group move (PMS_PRT_050 otherwise)...
    const moved = await host.update(provider, id, urn, stateOf(r.properties), {
      ...inputs,
      policyGroupName: `${GROUP}-2`,
      active: true,
      revision: REV,
    });
    expect(stateOf(moved.properties)).toEqual({
      ...state,
      policyGroupName: `${GROUP}-2`,
      active: true,
    });
    expect(await isActive()).toBe(true);
    // ...and deactivation before it.
    const back = await host.update(provider, id, urn, stateOf(moved.properties), {
      ...inputs,
      active: false,
      revision: REV,
    });
    expect(stateOf(back.properties)).toEqual({ ...state, active: false });
    const on = await host.update(provider, id, urn, stateOf(back.properties), {
      ...inputs,
      active: true,
      revision: REV,
    });
    expect(stateOf(on.properties)).toEqual(state);
    expect(await isActive()).toBe(true);
  });

  test("delete deactivates; the partner stays readable; create reactivates it", async () => {
    await host.delete(provider, id, urn, state);
    expect((await sandboxPartners()).find((p) => p.id === id)?.isActive).toBe(false);
    const r = await host.read(provider, id, urn, state);
    expect(stateOf(r.properties)).toEqual({ ...state, active: false });
    await host.delete(provider, id, urn, state); // idempotent
    const back = await host.create(provider, urn, { ...inputs, active: true, revision: REV });
    expect(back.id).toBe(id);
    expect(back.properties.active).toBe(true);
    expect((await sandboxPartners()).filter((p) => p.id === id)).toEqual([
      expect.objectContaining({ isActive: true }),
    ]);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const broken = {
    ...inputs,
    partnerId: "never-created",
    contactEmail: "never@crvs.example.org",
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
      expect(err.details).toMatch(/^Partner partner "never-created": create failed: /);
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
      expect(err.details).toMatch(/^Partner partner "never-created": create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED/);
      expect(err.details).toMatch(/Check the host name and port/);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("MOSIP validation errors: an email already taken, an unknown policy group", async () => {
    const email = (await host
      .create(provider, urn, { ...broken, contactEmail: inputs.contactEmail })
      .catch((e) => e)) as ProviderHostError;
    expect(email.details).toBe(
      `Partner partner "never-created": create failed: PMS refused the registration: the email ${inputs.contactEmail} already belongs to another partner (PMS_PRT_011). Give each partner its own contactEmail.`,
    );
    const group = (await host
      .create(provider, urn, { ...broken, policyGroupName: "no-such-group" })
      .catch((e) => e)) as ProviderHostError;
    expect(group.details).toMatch(/create failed: MOSIP rejected POST .*\/partners: PMS_PRT_002/);
    expect(findLeaks(group.details, [secret])).toEqual([]);
    expect((await sandboxPartners()).some((p) => p.id === "never-created")).toBe(false);
  });
});

describe("under injected faults", () => {
  test("create and update succeed and no partner is registered twice", async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `fault-partner-${i}`);
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rate: 0.2,
        kinds: ["5xx", "reset", "delay", "expired-token"],
        delayMs: 300,
        seed: 5,
      }),
    });
    expect(res.status).toBe(200);
    const before = sandbox.requests.length;
    try {
      for (const partnerId of ids) {
        const want = {
          ...inputs,
          partnerId,
          contactEmail: `${partnerId}@crvs.example.org`,
          revision: REV,
        };
        const u = urnFor(TYPE, partnerId);
        const c = await host.create(provider, u, want);
        const up = await host.update(provider, c.id, u, stateOf(c.properties), {
          ...want,
          address: "v2",
        });
        expect(up.properties.address).toBe("v2");
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(3);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    const all = await sandboxPartners();
    for (const partnerId of ids) {
      expect(
        all.filter((p) => p.id === partnerId),
        partnerId,
      ).toEqual([expect.objectContaining({ address: "v2" })]);
    }
  });
});
