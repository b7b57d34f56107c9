// OfficerMapping through the path `pulumi up` uses (closure serializer + the SDK's dynamic-provider
// host) against the sandbox masterdata: MOSIP's order (zone mapping active before the centre
// mapping), adoption rules, the read-back fallback for a caller without ZONAL_ADMIN, delete order,
// failures and injected faults.
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
import { seededSecret } from "../sandbox/keycloak";
import type { Sandbox } from "../sandbox/server";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:OfficerMapping";
const MD = "/v1/masterdata";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
let operator: MosipClient;
/** Two centres in zone RAB. */
let centreA: string;
let centreB: string;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, { appId: "admin", ...extra });
}

const officer = (userId: string, over: Record<string, unknown> = {}): Props => ({
  userId,
  zoneCode: "RAB",
  regCenterId: centreA,
  active: true,
  revision: REV,
  ...over,
});

interface Row {
  isActive: boolean;
  isDeleted: boolean;
  zoneCode?: string;
  regCenterId?: string;
}
async function rows(userId: string): Promise<{ zone?: Row; centre?: Row }> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const st = (await res.json()) as {
    masterdata: { zoneUsers: Record<string, Row>; userCentres: Record<string, Row> };
  };
  return { zone: st.masterdata.zoneUsers[userId], centre: st.masterdata.userCentres[userId] };
}

async function centre(name: string): Promise<string> {
  const c = await mosip.kernel<{ id: string }>("POST", `${MD}/registrationcenters`, {
    request: {
      name,
      addressLine1: "1 Rue Test",
      langCode: "eng",
      isActive: true,
      centerTypeCode: "REG",
      latitude: "34.0209",
      longitude: "-6.8416",
      locationCode: "10114",
      holidayLocationCode: "RSK",
      workingHours: "8:00-17:00",
      perKioskProcessTime: "00:15:00",
      centerStartTime: "08:00:00",
      centerEndTime: "17:00:00",
      zoneCode: "RAB",
    },
    idempotent: false,
  });
  await mosip.kernel("PATCH", `${MD}/registrationcenters`, { query: { isActive: true, id: c.id } });
  return c.id;
}

/** Maps a user by hand, as an operator in the admin portal would (or `by`, e.g. the stack's own
 * credential: what a create whose answer was lost leaves behind). */
async function mapByHand(
  userId: string,
  zoneCode: string,
  regCenterId?: string,
  by = operator,
): Promise<void> {
  await by.kernel("POST", `${MD}/zoneuser`, {
    request: { userId, zoneCode, isActive: true },
    idempotent: false,
  });
  await by.kernel("PATCH", `${MD}/zoneuser`, { query: { isActive: true, userId } });
  if (!regCenterId) return;
  await by.kernel("POST", `${MD}/usercentermapping`, {
    request: { id: userId, regCenterId, isActive: true },
    idempotent: false,
  });
  await by.kernel("PATCH", `${MD}/usercentermapping`, { query: { isActive: true, id: userId } });
}

const stateOf = (p: Props) => stripProvider(p);

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/officer-mapping.ts",
        export: "OfficerMapping",
        args: { userId: "serialized", zoneCode: "RAB", regCenterId: "10001" },
      },
    ],
    mosipConfig: { appId: "admin" },
    async setup(l) {
      ({ sandbox, secret, mosip, operator } = l);
      centreA = await centre("Officer Centre A");
      centreB = await centre("Officer Centre B");
    },
  });
  ({ sandbox, secret, mosip, operator, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("OfficerMapping lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "officer-1");
  let inputs: Props;
  let state: Props;
  beforeAll(() => {
    inputs = officer("registration.officer1");
  });

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "OfficerMapping", [secret]);
  });

  test("check names each bad property and the fix", async () => {
    const r = await host.check(provider, urn, {}, { userId: "Officer One", zoneCode: "RAB" });
    const by = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(by.userId).toMatch(/Keycloak username as MOSIP sees it: lower case/);
    expect(by.regCenterId).toMatch(/^regCenterId is required/);
    expect((await host.check(provider, urn, {}, inputs)).failures).toEqual([]);
  });

  test("create maps the officer to the zone, then the centre, both active", async () => {
    const c = await host.create(provider, urn, inputs);
    expect(c.id).toBe("registration.officer1");
    state = stateOf(c.properties);
    expect(state).toEqual({
      ...inputs,
      zoneMappingActive: true,
      centreMappingActive: true,
      readVia: "GET /users/{id}",
      createdByStack: true,
    });
    const r = await rows("registration.officer1");
    expect(r.zone).toMatchObject({ zoneCode: "RAB", isActive: true });
    expect(r.centre).toMatchObject({ regCenterId: centreA, isActive: true });
    // MOSIP's order: the zone mapping's activation came before the centre mapping's creation.
    const paths = sandbox.requests.map((q) => `${q.method} ${q.path}`);
    expect(paths.lastIndexOf(`PATCH ${MD}/zoneuser`)).toBeLessThan(
      paths.lastIndexOf(`POST ${MD}/usercentermapping`),
    );
  });

  test("read equals the state; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, inputs.userId as string, urn, state);
    expect(stateOf(r.properties)).toEqual(state);
    expect(await host.diff(provider, r.id, urn, state, inputs)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("drift (moved centre, deactivated) is seen by read and converged by update", async () => {
    const id = inputs.userId as string;
    await mosip.kernel("PUT", `${MD}/usercentermapping`, { request: { id, regCenterId: centreB } });
    await mosip.kernel("PATCH", `${MD}/usercentermapping`, { query: { isActive: false, id } });
    const r = await host.read(provider, id, urn, state);
    expect(stateOf(r.inputs!)).toEqual({ ...inputs, regCenterId: centreB, active: false });
    expect((await host.diff(provider, id, urn, stateOf(r.inputs!), inputs)).changes).toBe("some");
    const u = await host.update(provider, id, urn, stateOf(r.properties), inputs);
    expect(stateOf(u.properties)).toEqual(state);
    expect((await rows(id)).centre).toMatchObject({ regCenterId: centreA, isActive: true });
  });

  test("a deactivated zone mapping is re-activated in MOSIP's order", async () => {
    const id = inputs.userId as string;
    // MOSIP only lets the zone mapping be deactivated once the centre mapping is.
    await mosip.kernel("PATCH", `${MD}/usercentermapping`, { query: { isActive: false, id } });
    await mosip.kernel("PATCH", `${MD}/zoneuser`, { query: { isActive: false, userId: id } });
    const r = await host.read(provider, id, urn, state);
    expect(r.properties).toMatchObject({ zoneMappingActive: false, active: false });
    const u = await host.update(provider, id, urn, stateOf(r.properties), inputs);
    expect(stateOf(u.properties)).toEqual(state);
  });

  test("create on the existing mappings adopts them", async () => {
    const again = await host.create(provider, urn, inputs);
    expect(again.id).toBe(inputs.userId);
    expect(stateOf(again.properties)).toEqual(state);
  });

  test("a zone change is a replacement, old mappings removed first", async () => {
    const d = await host.diff(provider, inputs.userId as string, urn, state, {
      ...inputs,
      zoneCode: "KTA",
    });
    expect(d).toEqual({ changes: "some", replaces: ["zoneCode"], deleteBeforeReplace: true });
  });

  test("existing mappings at another centre are adopted and moved; left in place on delete", async () => {
    await mapByHand("registration.officer2", "RAB", centreB);
    const u2 = urnFor(TYPE, "officer-2");
    const c = await host.create(provider, u2, officer("registration.officer2"));
    expect(c.properties).toMatchObject({ regCenterId: centreA, createdByStack: false });
    expect((await rows("registration.officer2")).centre).toMatchObject({ regCenterId: centreA });
    await host.delete(provider, c.id, u2, stateOf(c.properties));
    expect((await rows("registration.officer2")).centre).toMatchObject({
      isActive: true,
      isDeleted: false,
    });
  });

  test("mappings the stack's own credential made (a create whose answer was lost) are adopted as its own and removed on delete", async () => {
    // Another host process: nothing in memory says this stack POSTed them, only MOSIP's createdBy.
    await mapByHand("registration.officer4", "RAB", centreA, mosip);
    const u4 = urnFor(TYPE, "officer-4");
    const c = await host.create(provider, u4, officer("registration.officer4"));
    expect(c.properties).toMatchObject({ regCenterId: centreA, createdByStack: true });
    await host.delete(provider, c.id, u4, stateOf(c.properties));
    const after = await rows("registration.officer4");
    expect(after.zone?.isDeleted).toBe(true);
    expect(after.centre?.isDeleted).toBe(true);
  });

  test("existing mappings in another zone fail, naming the zone", async () => {
    await mapByHand("registration.officer3", "KTA");
    const err = (await host
      .create(provider, urnFor(TYPE, "officer-3"), officer("registration.officer3"))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /officer "registration\.officer3" already exists in MOSIP \(id registration\.officer3\) with a different zoneCode \(MOSIP has "KTA", the program says "RAB"\)/,
    );
  });

  test("a caller without ZONAL_ADMIN reads the centre mapping through the search", async () => {
    // mosip-admin-client: GLOBAL_ADMIN + MASTERDATA_ADMIN, no ZONAL_ADMIN (GET /users/{id} is 403).
    await mapByHand("service-account-mosip-admin-client", "MOR");
    const h = await startProviderHost({
      config: {
        ...stackConfig(sandbox.url),
        "mosip-crvs:mosip": {
          apiBaseUrl: sandbox.url,
          clientId: "mosip-admin-client",
          appId: "admin",
        },
        "mosip-crvs:mosipClientSecret": seededSecret("mosip-admin-client"),
      },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const r = await h.read(provider, inputs.userId as string, urn, state);
      expect(stateOf(r.properties)).toEqual({
        ...state,
        readVia: "POST /usercentermapping/search",
      });
    } finally {
      await h.close();
    }
  });

  test("delete deactivates and deletes the centre mapping, then the zone mapping", async () => {
    const id = inputs.userId as string;
    const before = sandbox.requests.length;
    await host.delete(provider, id, urn, state);
    const r = await rows(id);
    expect(r.centre).toMatchObject({ isActive: false, isDeleted: true });
    expect(r.zone).toMatchObject({ isActive: false, isDeleted: true });
    const writes = sandbox.requests
      .slice(before)
      .filter((q) => q.method !== "GET" && !q.path.endsWith("/search"))
      .map((q) => `${q.method} ${q.path.replace(`${MD}/`, "")}`);
    expect(writes).toEqual([
      "PATCH usercentermapping",
      `DELETE usercentermapping/${id}`,
      "PATCH zoneuser",
      `DELETE zoneuser/${id}/RAB`,
    ]);
    expect((await host.read(provider, id, urn, state)).id).toBe("");
    await host.delete(provider, id, urn, state);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: {
        ...stackConfig(sandbox.url, { maxRetries: 0 }),
        "mosip-crvs:mosipClientSecret": wrong,
      },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, officer("x"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /^OfficerMapping officer "x": create failed: Authentication as client/,
      );
      expect(err.details).toMatch(/Check .*mosip\.clientId/);
      expect(findLeaks(err.details, [wrong, secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable MOSIP", async () => {
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}`, { maxRetries: 0 }),
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, officer("x"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /^OfficerMapping officer "x": create failed: .*ECONNREFUSED.*\. Check /,
      );
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("MOSIP validation errors: an unknown centre, a zone outside the caller's", async () => {
    const err = (await host
      .create(provider, urn, officer("registration.officer9", { regCenterId: "99999" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /^OfficerMapping officer "registration\.officer9": create failed: MOSIP rejected POST .*\/usercentermapping: KER-MSD-215 "Registration Center not found"/,
    );
    const zone = (await host
      .create(provider, urn, officer("registration.officer8", { zoneCode: "NOWHERE" }))
      .catch((e) => e)) as ProviderHostError;
    expect(zone.details).toMatch(
      /KER-USR-014.*within the deployment client's active masterdata zone/,
    );
    expect(findLeaks(err.details + zone.details, [secret])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("create and update succeed, each officer mapped once", async () => {
    const users = ["fault.officer0", "fault.officer1", "fault.officer2"];
    try {
      await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rate: 0.2,
          kinds: ["5xx", "reset", "delay", "expired-token"],
          delayMs: 300,
          seed: 3,
        }),
      });
      const before = sandbox.requests.length;
      for (const u of users) {
        const urn = urnFor(TYPE, u);
        const c = await host.create(provider, urn, officer(u));
        const up = await host.update(provider, c.id, urn, stateOf(c.properties), {
          ...officer(u),
          regCenterId: centreB,
        });
        expect(up.properties.regCenterId).toBe(centreB);
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(2);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    for (const u of users)
      expect(await rows(u), u).toMatchObject({
        zone: { zoneCode: "RAB", isActive: true },
        centre: { regCenterId: centreB, isActive: true },
      });
  });
});
