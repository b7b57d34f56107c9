// CaCertificate through the path `pulumi up` uses (closure-serialized provider, the SDK's
// dynamic-provider host over gRPC) against the MOSIP sandbox's PMS + keymanager.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateCa } from "../../components/mosip/certificates";
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

const TYPE = "pulumi-nodejs:dynamic/mosip:CaCertificate";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

interface StoredCa {
  domain: string;
  certPem: string;
}
async function caStore(): Promise<StoredCa[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const s = (await res.json()) as { keymanager?: { caCerts?: StoredCa[] } };
  return s.keymanager?.caCerts ?? [];
}
const norm = (pem: string) => pem.replace(/\s+/g, "");

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/ca-certificate.ts",
        export: "CaCertificate",
        args: { organisation: "serialized" },
      },
    ],
  });
  ({ sandbox, secret, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("CaCertificate lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "crvs-ca");
  const inputs = { organisation: "CRVS Registry", commonName: "CRVS Registry partner CA" };
  const full = {
    ...inputs,
    domain: "AUTH",
    validityDays: 3650,
    renewBeforeDays: 60,
    revision: REV,
  };
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "CaCertificate", [secret]);
  });

  test("check fills the defaults and names bad properties with the fix", async () => {
    const ok = await host.check(provider, urn, {}, { ...inputs, domain: "auth" });
    expect(ok.failures).toEqual([]);
    expect(stripProvider(ok.inputs)).toEqual(full);
    const bad = await host.check(
      provider,
      urn,
      {},
      { domain: "PRINT", certificatePem: "not a pem", colour: "red" },
    );
    const by = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(by.domain).toMatch(/one of AUTH, DEVICE, FTM, MISP/);
    expect(by.certificatePem).toMatch(/not a PEM X\.509 certificate/);
    expect(by.colour).toMatch(/unknown argument/);
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // a preview's unknown value
    const preview = await host.check(provider, urn, {}, { certificatePem: UNKNOWN });
    expect(preview.failures).toEqual([]);
    const none = await host.check(provider, urn, {}, {});
    expect(none.failures).toEqual([
      { property: "organisation", reason: expect.stringMatching(/organisation is required/) },
    ]);
  });

  test("create generates a CA, uploads it once, and keeps its key as an output", async () => {
    const c = await host.create(provider, urn, full);
    id = c.id;
    state = stripProvider(c.properties);
    expect(id).toMatch(/^AUTH\//);
    expect(state).toMatchObject({ ...full, uploadStatus: "Upload Success." });
    expect(state.caPrivateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
    const stored = (await caStore()).filter(
      (c) => norm(c.certPem) === norm(state.caCertificatePem as string),
    );
    expect(stored).toEqual([expect.objectContaining({ domain: "AUTH" })]);
    await host.flushLogs();
    expect(
      findLeaks(host.logs.map((l) => l.message).join("\n"), [state.caPrivateKeyPem as string]),
    ).toEqual([]);
  });

  test("read returns the stored state (keymanager 1.2.0.1 has no read-back)", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stripProvider(r.properties)).toEqual(state);
    expect(stripProvider(r.inputs!)).toEqual(full);
  });

  test("diff: same inputs no change; another organisation replaces; a CA near its end is renewed", async () => {
    expect(await host.diff(provider, id, urn, state, full)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const other = await host.diff(provider, id, urn, state, { ...full, organisation: "Other" });
    expect(other).toMatchObject({ changes: "some", replaces: ["organisation"] });
    const soon = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const renew = await host.diff(provider, id, urn, { ...state, notAfter: soon }, full);
    expect(renew).toMatchObject({ changes: "some", replaces: ["notAfter"] });
    const later = await host.diff(
      provider,
      id,
      urn,
      { ...state, notAfter: soon },
      {
        ...full,
        renewBeforeDays: 10,
      },
    );
    expect(later).toMatchObject({ changes: "some", replaces: [] }); // only renewBeforeDays changed
  });

  test("a supplied CA that keymanager already holds is adopted (KER-PCM-003): no second copy", async () => {
    const pem = state.caCertificatePem as string;
    const before = (await caStore()).length;
    const a = await host.create(provider, urnFor(TYPE, "supplied"), {
      domain: "AUTH",
      certificatePem: pem,
      validityDays: 3650,
      renewBeforeDays: 60,
      revision: REV,
    });
    expect(a.id).toBe(id);
    expect(stripProvider(a.properties)).toMatchObject({
      uploadStatus: "already present",
      caPrivateKeyPem: "",
      caCertificatePem: pem,
    });
    expect((await caStore()).length).toBe(before);
  });

  test("a supplied CA that is new is uploaded", async () => {
    const own = await generateCa({ commonName: "Own CA", organisation: "Own Org" });
    const a = await host.create(provider, urnFor(TYPE, "own"), {
      domain: "AUTH",
      certificatePem: own.certificatePem,
      validityDays: 3650,
      renewBeforeDays: 60,
      revision: REV,
    });
    expect(a.properties.uploadStatus).toBe("Upload Success.");
    expect((await caStore()).some((c) => norm(c.certPem) === norm(own.certificatePem))).toBe(true);
  });

  test("delete leaves the CA in keymanager (no delete in MOSIP) and says so", async () => {
    const before = (await caStore()).length;
    await host.delete(provider, id, urn, state);
    expect((await caStore()).length).toBe(before);
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /left in keymanager's trust store .*no delete for CA certificates/,
    );
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const inputs = {
    organisation: "Broken",
    domain: "AUTH",
    validityDays: 3650,
    renewBeforeDays: 60,
    revision: REV,
  };

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: { ...stackConfig(sandbox.url), "mosip-crvs:mosipClientSecret": wrong },
      env: { MOSIP_RETRY_DELAY_MS: "20" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, inputs).catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        /^CaCertificate CA certificate "Broken" \(AUTH\): create failed: /,
      );
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client"/);
      expect(err.details).toMatch(/Check .*mosip\.clientId/);
      expect(findLeaks(err.details, [wrong, secret])).toEqual([]);
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
      const err = (await h.create(provider, urn, inputs).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED.*Check/);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error (a domain keymanager does not know, past check)", async () => {
    const err = (await host
      .create(provider, urn, { ...inputs, domain: "PRINT" })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /MOSIP rejected POST .*\/partners\/certificate\/ca\/upload: KER-PCM-011 "Invalid Partner Domain\."/,
    );
    expect(err.details).toMatch(/fix what they name/);
    expect(findLeaks(err.details, [secret])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("creates succeed and each CA is stored exactly once", async () => {
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
    const pems: string[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const c = await host.create(provider, urnFor(TYPE, `fault-${i}`), {
          organisation: `Fault Org ${i}`,
          domain: "AUTH",
          validityDays: 3650,
          renewBeforeDays: 60,
          revision: REV,
        });
        pems.push(c.properties.caCertificatePem as string);
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(0);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    const store = await caStore();
    for (const pem of pems)
      expect(store.filter((c) => norm(c.certPem) === norm(pem))).toHaveLength(1);
    // One CA per create: no second generated CA for a retried upload.
    expect(store.filter((c) => /Fault Org/.test(JSON.stringify(c)))).toHaveLength(8);
  });
});
