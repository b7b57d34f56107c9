// Partner and `pulumi refresh`: refresh compares the outputs stored at create with what read gives
// now. The partner is created before its certificate is uploaded (PartnerCertificate), and the
// upload activates it; outputs read at create that the upload changes would be drift on every
// freshly converged stack (a nightly `refresh --expect-no-changes` failing every night). A
// deactivation made by hand through PMS must still show, as drift of the declared input `active`
// that the next `up` repairs.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { MosipClient } from "../../components/mosip/client";
import {
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import { makeCa, makeLeaf, type CertAndKey } from "../sandbox/testing-certs";
import { startLifecycle, type MosipLifecycle } from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:Partner";
const PT = "/v1/partnermanager";
const GROUP = "crvs-refresh-partners";

const inputs = {
  partnerId: "crvs-refresh-partner",
  partnerType: "Credential_Partner",
  policyGroupName: GROUP,
  organisationName: "Civil Registry of Refresh",
  contactEmail: "refresh@crvs.example.org",
  contactPhone: "+260 211 000001",
  address: "2 Registry Road, Isamba",
};

let lifecycle: MosipLifecycle;
let mosip: MosipClient;
let host: ProviderHost;
let provider: SerializedProvider;
let ca: CertAndKey;

/** The keys whose values differ between two sets of outputs (what refresh reports). */
function changed(before: Props, after: Props): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [{ module: "components/mosip/partner.ts", export: "Partner", args: inputs }],
    async setup(l) {
      await l.mosip.kernel("POST", "/v1/policymanager/policies/group/new", {
        request: { name: GROUP, desc: "CRVS partners" },
      });
      ca = await makeCa({ cn: "Sandbox Refresh Partner CA", org: "Sandbox Test" });
      await l.mosip.kernel("POST", `${PT}/partners/certificate/ca/upload`, {
        request: { certificateData: ca.certPem, partnerDomain: "AUTH" },
      });
    },
  });
  ({ mosip, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

async function sandboxActive(id: string): Promise<boolean> {
  return (await mosip.kernel<{ isActive: boolean }>("GET", `${PT}/partners/${id}`)).isActive;
}

describe("Partner refresh", () => {
  const urn = urnFor(TYPE, "refresh-partner");
  let id: string;
  let state: Props;
  /** The inputs as the engine holds them after check: active defaulted, revision added. */
  let declared: Props;

  test("after the certificate upload activates the partner, refresh reads exactly what create stored", async () => {
    const checked = await host.check(provider, urn, {}, inputs);
    expect(checked.failures).toEqual([]);
    declared = stripProvider(checked.inputs);
    expect(declared).toEqual({ ...inputs, active: true, revision: expect.any(String) });
    const created = await host.create(provider, urn, declared);
    id = created.id;
    state = stripProvider(created.properties);
    // Registered inactive (no certificate yet), which is not a deactivation: create says active.
    expect(await sandboxActive(id)).toBe(false);
    expect(state).toEqual(declared);
    // What PartnerCertificate does after the Partner exists: the partner becomes active.
    const leaf = await makeLeaf(ca, { cn: `sandbox-test-${id}`, org: inputs.organisationName });
    await mosip.kernel("POST", `${PT}/partners/certificate/upload`, {
      request: { partnerId: id, certificateData: leaf.certPem, partnerDomain: "AUTH" },
    });
    expect(await sandboxActive(id)).toBe(true);

    const r = await host.read(provider, id, urn, state, declared);
    expect(r.id).toBe(id);
    expect(changed(state, stripProvider(r.properties))).toEqual([]);
    expect(stripProvider(r.inputs ?? {})).toEqual(declared);
    expect(r.properties.active).toBe(true);
    // And the next up has nothing to do.
    const d = await host.diff(provider, id, urn, stripProvider(r.properties), declared);
    expect(d.changes).toBe("none");
  });

  test("a deactivation by hand is drift of active that the next up repairs through PMS", async () => {
    await mosip.kernel("PATCH", `${PT}/partners/${id}`, { request: { status: "De-Active" } });
    expect(await sandboxActive(id)).toBe(false);
    // refresh: active true => false, and nothing else.
    const r = await host.read(provider, id, urn, state, declared);
    const refreshed = stripProvider(r.properties);
    expect(changed(state, refreshed)).toEqual(["active"]);
    expect(refreshed.active).toBe(false);
    expect(changed(declared, stripProvider(r.inputs ?? {}))).toEqual(["active"]);
    // up: the declared active: true differs from the refreshed state: an in-place update.
    const d = await host.diff(provider, id, urn, refreshed, declared);
    expect(d).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
    const before = lifecycle.sandbox.requests.length;
    const u = await host.update(provider, id, urn, refreshed, declared);
    expect(stripProvider(u.properties)).toEqual(state);
    expect(await sandboxActive(id)).toBe(true);
    const writes = lifecycle.sandbox.requests
      .slice(before)
      .filter((q) => q.method !== "GET" && !q.path.endsWith("/partners/search"))
      .filter((q) => q.path.includes("/partnermanager/"));
    expect(writes.map((q) => `${q.method} ${q.path.replace(/^.*\/partnermanager/, "")}`)).toEqual([
      `PATCH /partners/${id}`,
    ]);
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /Partner partner "crvs-refresh-partner": reactivated the deactivated partner/,
    );
    // refresh after the up: clean.
    const again = await host.read(provider, id, urn, stripProvider(u.properties), declared);
    expect(changed(state, stripProvider(again.properties))).toEqual([]);
  });

  test("a create (an up after a destroy, which deactivated it) reactivates it; refresh is clean again", async () => {
    await host.delete(provider, id, urn, state);
    expect(await sandboxActive(id)).toBe(false);
    const back = await host.create(provider, urn, declared);
    expect(back.id).toBe(id);
    expect(changed(state, stripProvider(back.properties))).toEqual([]);
    expect(await sandboxActive(id)).toBe(true);
    const r = await host.read(provider, id, urn, stripProvider(back.properties), declared);
    expect(changed(state, stripProvider(r.properties))).toEqual([]);
  });
});
