// PartnerCertificate through the path `pulumi up` uses (closure-serialized provider, the SDK's
// dynamic-provider host over gRPC) against the MOSIP sandbox. Partners and the CA are set up
// through the sandbox's HTTP API directly.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  certificateFacts,
  generateCa,
  generatePartnerCertificate,
  type CertificateAndKey,
} from "../../components/mosip/certificates";
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
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

const TYPE = "pulumi-nodejs:dynamic/mosip:PartnerCertificate";
const REV = "1.1";
const GROUP = "crvs-cert-group";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
let ca: CertificateAndKey;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

async function registerPartner(partnerId: string, org: string): Promise<void> {
  await mosip.kernel("POST", "/v1/partnermanager/partners", {
    request: {
      partnerId,
      organizationName: org,
      address: "1 Registry Road",
      contactNumber: "0123456789",
      emailId: `${partnerId}@sandbox.test`,
      partnerType: "Credential_Partner",
      policyGroup: GROUP,
    },
  });
}

interface StoredPartnerCert {
  partnerId: string;
  certPem: string;
}
async function partnerCerts(partnerId: string): Promise<StoredPartnerCert[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const s = (await res.json()) as { keymanager?: { partnerCerts?: StoredPartnerCert[] } };
  return (s.keymanager?.partnerCerts ?? []).filter((c) => c.partnerId === partnerId);
}
async function mosipKey(partnerId: string): Promise<string> {
  const r = await mosip.kernel<{ certificateData: string }>(
    "GET",
    `/v1/partnermanager/partners/${partnerId}/certificate`,
  );
  return certificateFacts(r.certificateData).publicKeyFingerprint;
}
const uploads = (from: number) =>
  sandbox.requests
    .slice(from)
    .filter((r) => r.method === "POST" && r.path.endsWith("/partners/certificate/upload"));

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/partner-certificate.ts",
        export: "PartnerCertificate",
        args: { partnerId: "serialized", organisationName: "serialized" },
      },
    ],
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      await mosip.kernel("POST", "/v1/policymanager/policies/group/new", {
        request: { name: GROUP, desc: "CRVS partners" },
      });
      ca = await generateCa({ commonName: "CRVS CA", organisation: "CRVS" });
      await mosip.kernel("POST", "/v1/partnermanager/partners/certificate/ca/upload", {
        request: { certificateData: ca.certificatePem, partnerDomain: "AUTH" },
      });
    },
  });
  ({ sandbox, secret, mosip, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("PartnerCertificate lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-cert");
  const partnerId = "crvs-cert-partner";
  const org = "CRVS Registry, Births & Deaths";
  let full: Props;
  let id: string;
  let state: Props;

  beforeAll(async () => {
    await registerPartner(partnerId, org);
    full = {
      partnerId,
      organisationName: org,
      domain: "AUTH",
      caCertificatePem: ca.certificatePem,
      caPrivateKeyPem: ca.privateKeyPem,
      validityDays: 730,
      renewBeforeDays: 60,
      revision: REV,
    };
  });

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "PartnerCertificate", [secret]);
  });

  test("check: defaults, one mode at a time, and keymanager's rules before any upload", async () => {
    const ok = await host.check(
      provider,
      urn,
      {},
      {
        partnerId,
        organisationName: org,
        caCertificatePem: ca.certificatePem,
        caPrivateKeyPem: ca.privateKeyPem,
      },
    );
    expect(ok.failures).toEqual([]);
    expect(stripProvider(ok.inputs)).toEqual(full);

    const both = await host.check(
      provider,
      urn,
      {},
      {
        ...full,
        certificatePem: "x",
        privateKeyPem: "y",
      },
    );
    expect(both.failures[0]?.reason).toMatch(/give either caCertificatePem \+ caPrivateKeyPem/);

    const wrongOrg = await generatePartnerCertificate({
      ca,
      commonName: "x",
      organisation: "Other",
    });
    const bad = await host.check(
      provider,
      urn,
      {},
      {
        partnerId,
        organisationName: org,
        certificatePem: wrongOrg.certificatePem,
        privateKeyPem: ca.privateKeyPem,
      },
    );
    const reasons = bad.failures.map((f) => `${f.property}: ${f.reason}`).join("\n");
    expect(reasons).toMatch(
      /privateKeyPem: privateKeyPem is not the private key of certificatePem/,
    );
    expect(reasons).toMatch(/O= is "Other" but organisationName is .*KER-PCM-008/);
    expect(findLeaks(reasons, [ca.privateKeyPem])).toEqual([]);
    // During a preview the CA's outputs are unknown: no failure, the values stay unknown.
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const preview = await host.check(
      provider,
      urn,
      {},
      {
        ...full,
        caCertificatePem: UNKNOWN,
        caPrivateKeyPem: UNKNOWN,
      },
    );
    expect(preview.failures).toEqual([]);
    expect(preview.inputs.caPrivateKeyPem).toBe(UNKNOWN);
    const short = await host.check(provider, urn, {}, { ...full, validityDays: 100 });
    expect(short.failures.map((f) => f.property)).toEqual(["validityDays"]);
  });

  test("create generates a key pair and certificate, uploads it, and the partner becomes active", async () => {
    const before = sandbox.requests.length;
    const c = await host.create(provider, urn, full);
    id = c.id;
    state = stripProvider(c.properties);
    expect(uploads(before)).toHaveLength(1);
    expect(id).toBe(`${partnerId}/${state.publicKeyFingerprint}`);
    expect(state.partnerPrivateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
    expect(certificateFacts(state.partnerCertificatePem as string).organisation).toBe(org);
    expect(state.mosipPublicKeyFingerprint).toBe(state.publicKeyFingerprint);
    expect(await mosipKey(partnerId)).toBe(state.publicKeyFingerprint);
    // The MOSIP-signed certificate lives one year: that is the end that counts.
    const days = (Date.parse(state.expiresAt as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(360);
    expect(days).toBeLessThan(366);
    const partner = await mosip.kernel<{ isActive: boolean }>(
      "GET",
      `/v1/partnermanager/partners/${partnerId}`,
    );
    expect(partner.isActive).toBe(true);
    await host.flushLogs();
    const logs = host.logs.map((l) => l.message).join("\n");
    expect(findLeaks(logs, [state.partnerPrivateKeyPem as string, ca.privateKeyPem])).toEqual([]);
  });

  test("read equals the state, and diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stripProvider(r.properties)).toEqual(state);
    expect(stripProvider(r.inputs!)).toEqual(full);
    expect(await host.diff(provider, id, urn, state, full)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("another key uploaded in MOSIP is seen by read; diff replaces; the replacement uploads again", async () => {
    const other = await generatePartnerCertificate({
      ca,
      commonName: "by hand",
      organisation: org,
    });
    await mosip.kernel("POST", "/v1/partnermanager/partners/certificate/upload", {
      request: { partnerId, certificateData: other.certificatePem, partnerDomain: "AUTH" },
    });
    const r = await host.read(provider, id, urn, state);
    const refreshed = stripProvider(r.properties);
    expect(refreshed.mosipPublicKeyFingerprint).toBe(
      certificateFacts(other.certificatePem).publicKeyFingerprint,
    );
    const d = await host.diff(provider, id, urn, refreshed, full);
    expect(d).toEqual({
      changes: "some",
      replaces: ["mosipPublicKeyFingerprint"],
      deleteBeforeReplace: false,
    });
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(/MOSIP now holds another key/);
    // What the engine does for the replacement: create, then delete the old one.
    const before = sandbox.requests.length;
    const again = await host.create(provider, urn, full);
    await host.delete(provider, id, urn, refreshed);
    expect(uploads(before)).toHaveLength(1);
    state = stripProvider(again.properties);
    id = again.id;
    expect(await mosipKey(partnerId)).toBe(state.publicKeyFingerprint);
  });

  test("a certificate near its end is replaced (renewBeforeDays)", async () => {
    const soon = new Date(Date.now() + 20 * 86_400_000).toISOString();
    expect(await host.diff(provider, id, urn, { ...state, expiresAt: soon }, full)).toMatchObject({
      changes: "some",
      replaces: ["expiresAt"],
    });
    expect(
      await host.diff(
        provider,
        id,
        urn,
        { ...state, expiresAt: soon },
        {
          ...full,
          renewBeforeDays: 10,
        },
      ),
    ).toMatchObject({ changes: "some", replaces: [] });
  });

  test("a supplied certificate MOSIP already holds is adopted without an upload", async () => {
    const supplied = {
      partnerId,
      organisationName: org,
      domain: "AUTH",
      certificatePem: state.partnerCertificatePem,
      privateKeyPem: state.partnerPrivateKeyPem,
      validityDays: 730,
      renewBeforeDays: 60,
      revision: REV,
    };
    const before = sandbox.requests.length;
    const count = (await partnerCerts(partnerId)).length;
    const a = await host.create(provider, urnFor(TYPE, "supplied"), supplied);
    expect(a.id).toBe(id);
    expect(uploads(before)).toHaveLength(0);
    expect(await partnerCerts(partnerId)).toHaveLength(count);
    expect(a.properties.partnerPrivateKeyPem).toBe(state.partnerPrivateKeyPem);
  });

  test("delete leaves the certificate with the partner (no delete in MOSIP) and says so", async () => {
    await host.delete(provider, id, urn, state);
    expect(await mosipKey(partnerId)).toBe(state.publicKeyFingerprint);
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /no delete for partner certificates; deactivate the partner/,
    );
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const inputs = () => ({
    partnerId: "crvs-cert-broken",
    organisationName: "Broken Org",
    domain: "AUTH",
    caCertificatePem: ca.certificatePem,
    caPrivateKeyPem: ca.privateKeyPem,
    validityDays: 730,
    renewBeforeDays: 60,
    revision: REV,
  });

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: { ...stackConfig(sandbox.url), "mosip-crvs:mosipClientSecret": wrong },
      env: { MOSIP_RETRY_DELAY_MS: "20" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, inputs()).catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        /^PartnerCertificate certificate of partner "crvs-cert-broken": create failed: /,
      );
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client".*Check/);
      expect(findLeaks(err.details, [wrong, secret, ca.privateKeyPem])).toEqual([]);
      expect(err.details).not.toMatch(/PRIVATE KEY/);
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
      const err = (await h.create(provider, urn, inputs()).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED.*Check/);
      expect(findLeaks(err.details, [secret, ca.privateKeyPem])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error: the organisation does not match the partner's (past check)", async () => {
    await registerPartner("crvs-cert-broken", "The Real Org");
    const err = (await host.create(provider, urn, inputs()).catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /MOSIP rejected POST .*\/partners\/certificate\/upload: KER-PCM-008 "Partner Organization Name not Matched\."/,
    );
    expect(err.details).toMatch(/fix what they name/);
    expect(findLeaks(err.details, [secret, ca.privateKeyPem])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("creates succeed and each partner gets exactly one certificate", async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `crvs-fault-${i}`);
    for (const p of ids) await registerPartner(p, `Fault Org ${p}`);
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
    const keys: Record<string, string> = {};
    try {
      for (const p of ids) {
        const c = await host.create(provider, urnFor(TYPE, p), {
          partnerId: p,
          organisationName: `Fault Org ${p}`,
          domain: "AUTH",
          caCertificatePem: ca.certificatePem,
          caPrivateKeyPem: ca.privateKeyPem,
          validityDays: 730,
          renewBeforeDays: 60,
          revision: REV,
        });
        keys[p] = c.properties.publicKeyFingerprint as string;
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(0);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    for (const p of ids) {
      const stored = await partnerCerts(p);
      expect(stored, p).toHaveLength(1);
      expect(certificateFacts(stored[0]!.certPem).publicKeyFingerprint).toBe(keys[p]);
    }
  });
});
