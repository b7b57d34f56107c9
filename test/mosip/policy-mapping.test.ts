// PolicyMapping through the path `pulumi up` uses (closure-serialized provider, the SDK's
// dynamic-provider host over gRPC) against the MOSIP sandbox. Partners, policies and certificates
// are set up through the sandbox's HTTP API directly.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
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
import { dataSharePolicy } from "../sandbox/pms-testkit";
import type { Sandbox } from "../sandbox/server";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

const TYPE = "pulumi-nodejs:dynamic/mosip:PolicyMapping";
const REV = "1.1";
const GROUP = "crvs-mapping-group";
const POLICY = "crvs-datashare";
const EXTRACTORS = [
  {
    attributeName: "photo",
    biometric: "face",
    extractor: { provider: "t5-face-lowres", version: "1.1" },
  },
  { attributeName: "face", biometric: "face", extractor: { provider: "dlib", version: "3.2" } },
];
const SORTED = [EXTRACTORS[1]!, EXTRACTORS[0]!];

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
let ca: CertificateAndKey;
let policyId: string;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, extra);
}

/** A registered partner with an uploaded certificate (so active), as the onboarder leaves it. */
async function activePartner(partnerId: string): Promise<void> {
  const org = `Org of ${partnerId}`;
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
  const leaf = await generatePartnerCertificate({ ca, commonName: partnerId, organisation: org });
  await mosip.kernel("POST", "/v1/partnermanager/partners/certificate/upload", {
    request: { partnerId, certificateData: leaf.certificatePem, partnerDomain: "AUTH" },
  });
}

interface Row {
  id: string;
  partnerId: string;
  statusCode: string;
}
async function mappingRows(partnerId: string): Promise<Row[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const s = (await res.json()) as { pms?: { mappingRequests?: Record<string, Row> } };
  return Object.values(s.pms?.mappingRequests ?? {}).filter((r) => r.partnerId === partnerId);
}
const inputsFor = (partnerId: string, extra: Props = {}): Props => ({
  partnerId,
  policyName: POLICY,
  useCaseDescription: "CRVS receives credentials of newborns",
  extractors: SORTED,
  approve: true,
  revision: REV,
  ...extra,
});

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/policy-mapping.ts",
        export: "PolicyMapping",
        args: { partnerId: "p", policyName: "q", useCaseDescription: "serialized" },
      },
    ],
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      const group = await mosip.kernel<{ id: string }>(
        "POST",
        "/v1/policymanager/policies/group/new",
        {
          request: { name: GROUP, desc: "CRVS partners" },
        },
      );
      const policy = await mosip.kernel<{ id: string }>("POST", "/v1/policymanager/policies", {
        request: {
          policyGroupName: GROUP,
          name: POLICY,
          desc: "CRVS credential policy",
          policyType: "DataShare",
          version: "1.0",
          policies: dataSharePolicy(),
        },
      });
      policyId = policy.id;
      await mosip.kernel(
        "POST",
        `/v1/policymanager/policies/${policy.id}/group/${group.id}/publish`,
      );
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

describe("PolicyMapping lifecycle through the provider host", () => {
  const partnerId = "crvs-mapped";
  const urn = urnFor(TYPE, "crvs-mapping");
  let id: string;
  let state: Props;

  beforeAll(() => activePartner(partnerId));

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "PolicyMapping", [secret]);
  });

  test("check fills approve, orders extractors, and names bad properties", async () => {
    const ok = await host.check(
      provider,
      urn,
      {},
      {
        partnerId,
        policyName: POLICY,
        useCaseDescription: "CRVS receives credentials of newborns",
        extractors: EXTRACTORS,
      },
    );
    expect(ok.failures).toEqual([]);
    expect(stripProvider(ok.inputs)).toEqual(inputsFor(partnerId));
    const bad = await host.check(
      provider,
      urn,
      {},
      {
        partnerId: " ",
        policyName: POLICY,
        extractors: [{ attributeName: "face" }],
      },
    );
    expect(bad.failures.map((f) => f.property).sort()).toEqual([
      "extractors.0.biometric",
      "extractors.0.extractor",
      "partnerId",
      "useCaseDescription",
    ]);
  });

  test("without extractors a Credential_Partner's approval fails, saying what to give", async () => {
    const err = (await host
      .create(provider, urn, inputsFor(partnerId, { extractors: undefined }))
      .catch((e) => e)) as ProviderHostError;
    expect(err).toBeInstanceOf(ProviderHostError);
    expect(err.details).toMatch(/PMS_PM_051 .*give `extractors`/);
    // The request itself was made and waits in InProgress.
    expect((await mappingRows(partnerId)).map((r) => r.statusCode)).toEqual(["InProgress"]);
  });

  test("create adopts the waiting request, adds the extractors and approves it: one request", async () => {
    const c = await host.create(provider, urn, inputsFor(partnerId));
    id = c.id;
    state = stripProvider(c.properties);
    expect(state).toEqual({
      ...inputsFor(partnerId),
      mappingKey: id,
      policyId,
      status: "approved",
    });
    expect(await mappingRows(partnerId)).toEqual([
      expect.objectContaining({ id, statusCode: "approved" }),
    ]);
    const ex = await mosip.kernel<{ extractors: unknown[] }>(
      "GET",
      `/v1/partnermanager/partners/${partnerId}/bioextractors/${policyId}`,
    );
    expect(ex.extractors).toHaveLength(2);
  });

  test("read equals the state; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stripProvider(r.properties)).toEqual(state);
    expect(stripProvider(r.inputs!)).toEqual(inputsFor(partnerId));
    expect(await host.diff(provider, id, urn, state, inputsFor(partnerId))).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("create on the approved mapping adopts it: no second request", async () => {
    const before = (await mappingRows(partnerId)).length;
    const again = await host.create(provider, urnFor(TYPE, "again"), inputsFor(partnerId));
    expect(again.id).toBe(id);
    expect(await mappingRows(partnerId)).toHaveLength(before);
  });

  test("after approval, changing extractors or un-approving is refused with the reason", async () => {
    const d = await host.diff(provider, id, urn, state, inputsFor(partnerId, { approve: false }));
    expect(d).toMatchObject({ changes: "some", replaces: [] });
    const err = (await host
      .update(provider, id, urn, state, inputsFor(partnerId, { approve: false }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(/cannot withdraw an approval/);
    const err2 = (await host
      .update(provider, id, urn, state, inputsFor(partnerId, { extractors: [SORTED[0]] }))
      .catch((e) => e)) as ProviderHostError;
    expect(err2.details).toMatch(/cannot change once the mapping is approved \(PMS_PRT_062\)/);
  });

  test("delete leaves the request in PMS (no cancel in MOSIP) and says so", async () => {
    await host.delete(provider, id, urn, state);
    expect((await mappingRows(partnerId))[0]?.statusCode).toBe("approved");
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(/no cancel or delete for mapping/);
  });
});

describe("a request left waiting (approve: false)", () => {
  const partnerId = "crvs-waiting";
  const urn = urnFor(TYPE, "waiting");
  const inputs = () => inputsFor(partnerId, { approve: false });
  let id: string;
  let state: Props;

  beforeAll(() => activePartner(partnerId));

  test("create requests and sets extractors without approving", async () => {
    const c = await host.create(provider, urn, inputs());
    id = c.id;
    state = stripProvider(c.properties);
    expect(state.status).toBe("InProgress");
    expect((await mappingRows(partnerId)).map((r) => r.statusCode)).toEqual(["InProgress"]);
  });

  test("extractors changed in MOSIP are seen by read and converged by update", async () => {
    await mosip.kernel(
      "POST",
      `/v1/partnermanager/partners/${partnerId}/bioextractors/${policyId}`,
      {
        request: {
          extractors: [{ ...EXTRACTORS[1], extractor: { provider: "dlib", version: "9.9" } }],
        },
      },
    );
    const r = await host.read(provider, id, urn, state);
    const refreshed = stripProvider(r.properties);
    expect((refreshed.extractors as typeof EXTRACTORS)[0]!.extractor.version).toBe("9.9");
    expect(await host.diff(provider, id, urn, refreshed, inputs())).toMatchObject({
      changes: "some",
      replaces: [],
    });
    const u = await host.update(provider, id, urn, refreshed, inputs());
    expect(stripProvider(u.properties).extractors).toEqual(SORTED);
  });

  test("approving later converges in place", async () => {
    const u = await host.update(provider, id, urn, state, inputsFor(partnerId));
    expect(u.properties.status).toBe("approved");
  });

  test("a request rejected in MOSIP reads as gone, and create requests anew", async () => {
    const p2 = "crvs-rejected";
    await activePartner(p2);
    const c = await host.create(provider, urnFor(TYPE, p2), inputsFor(p2, { approve: false }));
    await mosip.kernel("PUT", `/v1/partnermanager/partners/policy/${c.id}`, {
      request: { status: "Rejected" },
    });
    const r = await host.read(provider, c.id, urnFor(TYPE, p2), stripProvider(c.properties));
    expect(r.id).toBe("");
    const again = await host.create(provider, urnFor(TYPE, p2), inputsFor(p2));
    expect(again.id).not.toBe(c.id);
    expect((await mappingRows(p2)).map((x) => x.statusCode).sort()).toEqual([
      "approved",
      "rejected",
    ]);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: { ...stackConfig(sandbox.url), "mosip-crvs:mosipClientSecret": wrong },
      env: { MOSIP_RETRY_DELAY_MS: "20" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, inputsFor("crvs-mapped"))
        .catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        /^PolicyMapping mapping of partner "crvs-mapped" to policy "crvs-datashare": create failed: /,
      );
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client".*Check/);
      expect(findLeaks(err.details, [wrong, secret])).toEqual([]);
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
      const err = (await h
        .create(provider, urn, inputsFor("crvs-mapped"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/create failed: /);
      expect(err.details).toContain(`127.0.0.1:${port}`);
      expect(err.details).toMatch(/ECONNREFUSED.*Check/);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error: a policy that is not in the partner's group", async () => {
    const err = (await host
      .create(provider, urn, inputsFor("crvs-mapped", { policyName: "no-such-policy" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(/MOSIP rejected POST .*\/policy\/map: PMS_PRT_098/);
    expect(err.details).toMatch(/fix what they name/);
    expect(findLeaks(err.details, [secret])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("creates succeed and each partner has exactly one approved request", async () => {
    const ids = Array.from({ length: 4 }, (_, i) => `crvs-fault-${i}`);
    for (const p of ids) await activePartner(p);
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
    try {
      for (const p of ids) {
        const c = await host.create(provider, urnFor(TYPE, p), inputsFor(p));
        expect(c.properties.status).toBe("approved");
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(0);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    for (const p of ids)
      expect(
        (await mappingRows(p)).map((r) => r.statusCode),
        p,
      ).toEqual(["approved"]);
  });
});
