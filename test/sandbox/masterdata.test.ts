// The sandbox masterdata service driven over HTTP as the stack drives it (contract §1, §8): the
// whole §8.7 order with read-backs, MOSIP's key normalisation, duplicate centres from a retried
// create, every rule's error path, the caller-zone rule (§8.6) and decommission blocking.
import { createHash, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededSecret } from "./keycloak";
import type { MasterdataState } from "./masterdata";
import { idSchemaWithout, serviceAccountUser } from "./masterdata-seed";
import { startSandbox, type Sandbox } from "./server";

let sandbox: Sandbox;
/** mosip-deployment-client: GLOBAL_ADMIN + ZONAL_ADMIN, zone-mapped to the root zone by the seed. */
let admin: string;
/** mosip-admin-client: GLOBAL_ADMIN + MASTERDATA_ADMIN, not zone-mapped. */
let unmapped: string;

interface Envelope {
  id: string | null;
  version: string | null;
  responsetime: string;
  response: Record<string, unknown> | null;
  errors: { errorCode: string; message: string }[];
}

const state = () => sandbox.context.state.masterdata as MasterdataState;

async function token(clientId: string, secretKey: string): Promise<string> {
  const res = await fetch(`${sandbox.url}/v1/authmanager/authenticate/clientidsecretkey`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: "string",
      version: "string",
      requesttime: new Date().toISOString(),
      metadata: {},
      request: { clientId, secretKey, appId: "admin" },
    }),
  });
  const jwt = res.headers.get("authorization");
  if (!jwt) throw new Error(`no token for ${clientId}: ${res.status} ${await res.text()}`);
  return jwt;
}

async function call(
  method: string,
  path: string,
  tok: string | undefined,
  request?: unknown,
): Promise<{ status: number; body: Envelope }> {
  const res = await fetch(`${sandbox.url}/v1/masterdata${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(tok ? { cookie: `Authorization=${tok}` } : {}),
    },
    body:
      request === undefined
        ? undefined
        : JSON.stringify({
            id: "mosip.masterdata.test",
            version: "1.0",
            requesttime: new Date().toISOString(),
            metadata: {},
            request,
          }),
  });
  return { status: res.status, body: (await res.json()) as Envelope };
}

/** Asserts a MOSIP business error: HTTP 200, `response: null`, the code (and message). */
function expectError(
  r: { status: number; body: Envelope },
  errorCode: string,
  message?: string | RegExp,
): void {
  expect(r.status).toBe(200);
  expect(r.body.response).toBeNull();
  const codes = r.body.errors.map((e) => e.errorCode);
  expect(codes).toContain(errorCode);
  if (message !== undefined) {
    const msgs = r.body.errors.filter((e) => e.errorCode === errorCode).map((e) => e.message);
    if (typeof message === "string") expect(msgs).toContain(message);
    else expect(msgs.some((m) => message.test(m))).toBe(true);
  }
}

function ok(r: { status: number; body: Envelope }): Record<string, unknown> {
  expect(r.status).toBe(200);
  expect(r.body.errors).toEqual([]);
  expect(r.body.response).not.toBeNull();
  return r.body.response as Record<string, unknown>;
}

/** RSA SubjectPublicKeyInfo DER; 1024-bit filler keys keep the suite fast (MOSIP takes any RSA). */
function rsaSpki(modulusLength = 1024): Buffer {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength });
  return publicKey.export({ type: "spki", format: "der" });
}

const thumbprint = (der: Buffer) =>
  createHash("sha256").update(der).digest("hex").match(/../g)!.join(":");

let centreSeq = 0;
function centreBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  centreSeq += 1;
  return {
    name: `CRVS Rabat Centre ${centreSeq}`,
    addressLine1: "12 Avenue Mohammed V",
    addressLine2: "Agdal",
    addressLine3: null,
    langCode: "eng",
    contactPerson: "Civil registrar",
    isActive: true,
    centerTypeCode: "REG",
    latitude: "34.0209",
    longitude: "-6.8416",
    locationCode: "10114",
    holidayLocationCode: "RSK",
    contactPhone: "+212537000000",
    workingHours: "8:00:00",
    perKioskProcessTime: "00:15:00",
    centerStartTime: "08:00:00",
    centerEndTime: "17:00:00",
    lunchStartTime: "13:00:00",
    lunchEndTime: "14:00:00",
    timeZone: "(GMT+01:00) Africa/Casablanca",
    zoneCode: "RAB",
    workingNonWorkingDays: { mon: true, tue: true, wed: true, thu: true, fri: true },
    exceptionalHolidayPutPostDto: [],
    numberOfKiosks: 1,
    ...over,
  };
}

async function createCentre(over: Record<string, unknown> = {}, tok = admin): Promise<string> {
  const res = ok(await call("POST", "/registrationcenters", tok, centreBody(over)));
  return res.id as string;
}

function machineBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `crvs-adapter-${Math.random().toString(36).slice(2, 10)}`,
    serialNum: "SN-0001",
    macAddress: "A4-5E-60-E2-12-1F",
    ipAddress: "10.0.0.12",
    machineSpecId: "1003",
    isActive: true,
    zoneCode: "RAB",
    regCenterId: null,
    publicKey: rsaSpki().toString("base64"),
    signPublicKey: rsaSpki().toString("base64"),
    langCode: "eng",
    ...over,
  };
}

beforeAll(async () => {
  sandbox = await startSandbox();
  const o = sandbox.context.options;
  admin = await token(o.adminClientId, o.adminClientSecret);
  unmapped = await token("mosip-admin-client", seededSecret("mosip-admin-client"));
});

afterAll(async () => {
  await sandbox?.close();
});

describe("seed", () => {
  it("exposes MOSIP 1.2.0.1's languages, zones, locations and the deployment client's zone", async () => {
    const seed = (await (await fetch(`${sandbox.url}/__sandbox/seed`)).json()) as {
      masterdata: {
        languages: { mandatory: string[]; optional: string[] };
        zones: { code: string; parentZoneCode: string | null; langCode: string }[];
        locations: { code: string; hierarchyLevel: number; langCode: string }[];
        centreTypes: { code: string; langCode: string }[];
        daysOfWeek: { code: string }[];
        machineSpecs: { id: string; machineTypeCode: string }[];
        zoneUsers: { userId: string; zoneCode: string; isActive: boolean }[];
      };
    };
    const md = seed.masterdata;
    expect(md.languages).toEqual({ mandatory: ["eng"], optional: ["ara", "fra"] });
    const roots = md.zones.filter((z) => z.parentZoneCode === null);
    expect(new Set(roots.map((z) => z.code))).toEqual(new Set(["MOR"]));
    for (const lang of ["eng", "ara", "fra"]) {
      expect(md.centreTypes.some((t) => t.code === "REG" && t.langCode === lang)).toBe(true);
      expect(md.locations.some((l) => l.code === "10114" && l.langCode === lang)).toBe(true);
    }
    expect(new Set(md.daysOfWeek.map((d) => d.code))).toEqual(
      new Set(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    );
    expect(md.machineSpecs.length).toBeGreaterThan(0);
    expect(md.zoneUsers).toEqual([
      {
        userId: serviceAccountUser(sandbox.context.options.adminClientId),
        zoneCode: "MOR",
        langCode: "eng",
        isActive: true,
      },
      { userId: "globaladmin", zoneCode: "MOR", langCode: "eng", isActive: true },
    ]);
  });
});

describe("authentication", () => {
  it("answers 401 KER-ATH-401 without the Authorization cookie", async () => {
    const r = await call("POST", "/registrationcenters", undefined, centreBody());
    expect(r.status).toBe(401);
    expect(r.body.errors[0].errorCode).toBe("KER-ATH-401");
  });

  it("answers 403 to GET /users/{id} for a GLOBAL_ADMIN caller without the user roles", async () => {
    const r = await call("GET", "/users/anyone", unmapped);
    expect(r.status).toBe(403);
    expect(r.body.errors[0].errorCode).toBe("KER-ATH-403");
  });
});

describe("the §8.7 order", () => {
  it("creates a centre in every language, a machine and an officer, all active", async () => {
    // Centre: primary language, isActive ignored (stored false).
    const created = ok(await call("POST", "/registrationcenters", admin, centreBody()));
    const centreId = created.id as string;
    expect(centreId).toMatch(/^\d{5}$/);
    expect(created.isActive).toBe(false);
    expect(created.langCode).toBe("eng");
    expect(created.createdBy).toBe(serviceAccountUser(sandbox.context.options.adminClientId));
    expect((created.workingNonWorkingDays as Record<string, boolean>).sat).toBe(false);
    expect((created.workingNonWorkingDays as Record<string, boolean>).mon).toBe(true);
    expect(sandbox.context.masterdata.centreActive(centreId)).toBe(false);

    for (const [langCode, name] of [
      ["ara", "مركز الرباط"],
      ["fra", "Centre de Rabat"],
    ]) {
      const row = ok(
        await call("PUT", "/registrationcenters/language", admin, {
          id: centreId,
          name,
          addressLine1: "12 Avenue Mohammed V",
          langCode,
          contactPerson: "Officier",
        }),
      );
      expect(row.langCode).toBe(langCode);
      expect(row.id).toBe(centreId);
    }
    // Updating an existing language row does not add one.
    ok(
      await call("PUT", "/registrationcenters/language", admin, {
        id: centreId,
        name: "Centre de Rabat Agdal",
        addressLine1: "12 Avenue Mohammed V",
        langCode: "fra",
      }),
    );
    const patched = ok(
      await call("PATCH", `/registrationcenters?isActive=true&id=${centreId}`, admin),
    );
    expect(patched.status).toBe("Status updated successfully for Registration Centers");

    const all = ok(await call("GET", `/registrationcenters/${centreId}/all`, admin));
    const rows = all.registrationCenters as Record<string, unknown>[];
    expect(rows.map((x) => x.langCode).sort()).toEqual(["ara", "eng", "fra"]);
    expect(rows.every((x) => x.isActive === true && x.zoneCode === "RAB")).toBe(true);
    expect(rows.find((x) => x.langCode === "fra")?.name).toBe("Centre de Rabat Agdal");
    const fra = ok(await call("GET", `/registrationcenters/${centreId}/fra`, admin));
    expect((fra.registrationCenters as unknown[]).length).toBe(1);
    expect(sandbox.context.masterdata.centreActive(centreId)).toBe(true);

    // Machine with generated keys, tied to the centre.
    const pub = rsaSpki(2048);
    const sign = rsaSpki(2048);
    const m = ok(
      await call(
        "POST",
        "/machines",
        admin,
        machineBody({
          name: "crvs-adapter-rabat",
          regCenterId: centreId,
          publicKey: pub.toString("base64"),
          signPublicKey: sign.toString("base64url"),
        }),
      ),
    );
    const machineId = m.id as string;
    expect(machineId).toMatch(/^\d{5}$/);
    expect(m.isActive).toBe(false);
    expect(m).not.toHaveProperty("publicKey");
    expect(sandbox.context.masterdata.machineActive(machineId, centreId)).toBe(false);
    ok(await call("PATCH", `/machines?isActive=true&id=${machineId}`, admin));
    const got = ok(await call("GET", `/machines/${machineId}`, admin));
    const machine = (got.machines as Record<string, unknown>[])[0];
    expect(machine).toMatchObject({
      id: machineId,
      name: "crvs-adapter-rabat",
      regCenterId: centreId,
      zoneCode: "RAB",
      machineSpecId: "1003",
      isActive: true,
      publicKey: pub.toString("base64url"),
      signPublicKey: sign.toString("base64url"),
    });
    expect(sandbox.context.masterdata.machineActive(machineId, centreId)).toBe(true);
    expect(sandbox.context.masterdata.machineActive(machineId, "99999")).toBe(false);

    // Officer: zone mapping (region RSK, above the centre's leaf zone), then centre mapping.
    const officer = "crvs.officer";
    const zu = ok(
      await call("POST", "/zoneuser", admin, {
        zoneCode: "RSK",
        userId: officer,
        langCode: "eng",
        isActive: true,
      }),
    );
    expect(zu).toMatchObject({ userId: officer, zoneCode: "RSK", isActive: false });
    // The centre mapping needs an *active* zone mapping.
    expectError(
      await call("POST", "/usercentermapping", admin, {
        id: officer,
        regCenterId: centreId,
        isActive: true,
        langCode: "eng",
      }),
      "KER-USR-008",
      "Zone user mapping not exists or not active",
    );
    const zpatch = ok(await call("PATCH", `/zoneuser?isActive=true&userId=${officer}`, admin));
    expect(zpatch.status).toBe("Status updated successfully for Zone");
    const ucm = ok(
      await call("POST", "/usercentermapping", admin, {
        id: officer,
        name: null,
        statusCode: null,
        regCenterId: centreId,
        isActive: true,
        langCode: "eng",
      }),
    );
    expect(ucm).toMatchObject({
      id: officer,
      regCenterId: centreId,
      isActive: false,
      zoneCode: "RAB",
      zoneName: "Rabat",
      regCenterName: created.name,
    });
    const upatch = ok(await call("PATCH", `/usercentermapping?isActive=true&id=${officer}`, admin));
    expect(upatch.status).toBe("Status updated successfully for User");
    const user = ok(await call("GET", `/users/${officer}`, admin));
    expect(user).toMatchObject({
      id: officer,
      regCenterId: centreId,
      isActive: true,
      zoneCode: "RSK",
    });

    const zsearch = ok(
      await call("POST", "/zoneuser/search", admin, {
        filters: [{ columnName: "userId", type: "equals", value: officer }],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
    );
    expect(zsearch.totalRecord).toBe(1);
    expect((zsearch.data as Record<string, unknown>[])[0]).toMatchObject({
      userId: officer,
      zoneCode: "RSK",
      isActive: true,
      zoneName: "Rabat Sale Kenitra",
    });
    const usearch = ok(
      await call("POST", "/users/search", admin, {
        filters: [{ columnName: "regCenterId", type: "equals", value: centreId }],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
    );
    expect((usearch.data as Record<string, unknown>[]).map((x) => x.id)).toEqual([officer]);
  });
});

describe("registration centres", () => {
  it("creates a second centre when a create is retried, and search finds both by name and zone", async () => {
    const body = centreBody({
      name: "CRVS Retried Centre",
      zoneCode: "KTA",
      locationCode: "14022",
    });
    const a = ok(await call("POST", "/registrationcenters", admin, body));
    const b = ok(await call("POST", "/registrationcenters", admin, body));
    expect(a.id).not.toBe(b.id);
    const found = ok(
      await call("POST", "/registrationcenters/search", admin, {
        languageCode: "eng",
        filters: [
          { columnName: "name", type: "equals", value: "CRVS Retried Centre" },
          { columnName: "zoneCode", type: "equals", value: "KTA" },
        ],
        sort: [{ sortField: "id", sortType: "asc" }],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
    );
    expect(found.totalRecord).toBe(2);
    expect((found.data as Record<string, unknown>[]).map((x) => x.id)).toEqual([a.id, b.id].sort());
    const contains = ok(
      await call("POST", "/registrationcenters/search", admin, {
        languageCode: "eng",
        filters: [
          { columnName: "name", type: "contains", value: "retried" },
          { columnName: "isActive", type: "equals", value: "false" },
        ],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 1 },
      }),
    );
    expect(contains).toMatchObject({ fromRecord: 1, toRecord: 1, totalRecord: 2 });
    expectError(
      await call("POST", "/registrationcenters/search", admin, {
        languageCode: "eng",
        filters: [{ columnName: "secret", type: "equals", value: "x" }],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
      "KER-MSD-310",
    );
    expectError(
      await call("POST", "/registrationcenters/search", admin, {
        languageCode: "eng",
        filters: [],
        sort: [],
        pagination: { pageStart: -1, pageFetch: 0 },
      }),
      "KER-MSD-313",
    );
  });

  it("pages GET /registrationcenters/all over every language row", async () => {
    const id = await createCentre({ name: "CRVS Paging Centre" });
    ok(
      await call("PUT", "/registrationcenters/language", admin, {
        id,
        name: "مركز",
        addressLine1: "شارع",
        langCode: "ara",
      }),
    );
    const total = state().centres.filter((c) => !c.isDeleted).length;
    const page0 = ok(await call("GET", "/registrationcenters/all?pageNumber=0&pageSize=2", admin));
    expect(page0).toMatchObject({
      pageNo: 0,
      pageSize: 2,
      totalItems: total,
      totalPages: Math.ceil(total / 2),
    });
    expect((page0.data as unknown[]).length).toBe(2);
    const ids: string[] = [];
    for (let p = 0; p < Math.ceil(total / 2); p++) {
      const page = ok(
        await call("GET", `/registrationcenters/all?pageNumber=${p}&pageSize=2`, admin),
      );
      for (const row of page.data as { id: string; langCode: string }[])
        ids.push(`${row.id}/${row.langCode}`);
    }
    expect(new Set(ids).size).toBe(total);
    expect(ids).toContain(`${id}/ara`);
  });

  it("rejects invalid creates with MOSIP's codes", async () => {
    const missing = await call("POST", "/registrationcenters", admin, centreBody({ name: null }));
    expectError(missing, "KER-MSD-999", "request.name: must not be null");
    const blank = await call("POST", "/registrationcenters", admin, centreBody({ name: "  " }));
    expectError(blank, "KER-MSD-999", /^request\.name: /);
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ langCode: "deu" })),
      "KER-MSD-999",
      "Language Code is Invalid",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ langCode: null })),
      "KER-MSD-999",
      "Language Code is Invalid",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ latitude: "34.02" })),
      "KER-MSD-307",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ longitude: "123.45678" })),
      "KER-MSD-307",
    );
    expectError(
      await call(
        "POST",
        "/registrationcenters",
        admin,
        centreBody({ centerStartTime: "18:00:00", lunchStartTime: null, lunchEndTime: null }),
      ),
      "KER-MSD-309",
      "Center Start Time must be smaller than Center End Time",
    );
    expectError(
      await call(
        "POST",
        "/registrationcenters",
        admin,
        centreBody({ lunchStartTime: "14:30:00", lunchEndTime: "14:00:00" }),
      ),
      "KER-MSD-308",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ lunchEndTime: "18:00:00" })),
      "KER-MSD-260",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ centerStartTime: "8am" })),
      "KER-MSD-999",
      /^request\.centerStartTime: /,
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ centerTypeCode: "XYZ" })),
      "KER-MSD-060",
      "Invalid centerTypeCode",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ locationCode: "99999" })),
      "ADM-MSD-446",
      "Location not found",
    );
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ locationCode: "RBT" })),
      "ADM-MSD-445",
    );
    // The caller is mapped to the root zone: only leaf zones below it are allowed.
    expectError(
      await call("POST", "/registrationcenters", admin, centreBody({ zoneCode: "RSK" })),
      "KER-MSD-346",
      "Received Zone Code is not a leaf Zone ",
    );
    expectError(
      await call(
        "POST",
        "/registrationcenters",
        admin,
        centreBody({
          exceptionalHolidayPutPostDto: [
            {
              exceptionHolidayDate: "2026-07-30",
              exceptionHolidayName: "x",
              exceptionHolidayReson: "y",
            },
          ],
        }),
      ),
      "ADM-SSS-sss",
    );
    const noRequest = await fetch(`${sandbox.url}/v1/masterdata/registrationcenters`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `Authorization=${admin}` },
      body: JSON.stringify({ id: "x", version: "1.0" }),
    });
    const env = (await noRequest.json()) as Envelope;
    expect(env.errors[0]).toEqual({
      errorCode: "KER-MSD-999",
      message: "request: must not be null",
    });
    expect(env.id).toBe("x");
    // Nothing above stored a centre.
    expect(state().centres.some((c) => c.name === "  ")).toBe(false);
  });

  it("answers KER-MSD-215 for unknown centres", async () => {
    expectError(
      await call("GET", "/registrationcenters/77777/all", admin),
      "KER-MSD-215",
      "Registration Center not found",
    );
    expectError(
      await call("PATCH", "/registrationcenters?isActive=true&id=77777", admin),
      "KER-MSD-215",
    );
    expectError(
      await call("PUT", "/registrationcenters/language", admin, {
        id: "77777",
        name: "x",
        addressLine1: "y",
        langCode: "fra",
      }),
      "KER-MSD-215",
    );
    expectError(await call("GET", "/registrationcenters/77777/deu", admin), "KER-MSD-999");
  });

  it("updates a language row with PUT and deactivates every row with PATCH", async () => {
    const id = await createCentre({ name: "CRVS Update Centre" });
    ok(
      await call("PUT", "/registrationcenters/language", admin, {
        id,
        name: "Centre MAJ",
        addressLine1: "rue",
        langCode: "fra",
      }),
    );
    ok(await call("PATCH", `/registrationcenters?isActive=true&id=${id}`, admin));
    const updated = ok(
      await call(
        "PUT",
        "/registrationcenters",
        admin,
        centreBody({ id, name: "CRVS Update Centre v2", workingHours: "9:00:00" }),
      ),
    );
    expect(updated).toMatchObject({ id, name: "CRVS Update Centre v2", isActive: true });
    const rows = ok(await call("GET", `/registrationcenters/${id}/all`, admin))
      .registrationCenters as Record<string, unknown>[];
    expect(rows.find((r) => r.langCode === "eng")?.name).toBe("CRVS Update Centre v2");
    expect(rows.find((r) => r.langCode === "fra")?.name).toBe("Centre MAJ");
    expect(rows.every((r) => r.workingHours === "9:00:00")).toBe(true);
    // PUT for a language the centre has no row in updates nothing (and inserts nothing).
    const missing = ok(
      await call("PUT", "/registrationcenters", admin, centreBody({ id, langCode: "ara" })),
    );
    expect(missing.id).toBeNull();
    expect(state().centres.some((c) => c.id === id && c.langCode === "ara")).toBe(false);
    // Non-language fields change on every language row at once.
    const nonLanguage = {
      id,
      centerTypeCode: "MBL",
      latitude: "34.0300",
      longitude: "-6.8300",
      locationCode: "10112",
      holidayLocationCode: "RSK",
      workingHours: "7:00:00",
      perKioskProcessTime: "00:20:00",
      centerStartTime: "09:00:00",
      centerEndTime: "16:00:00",
      zoneCode: "RAB",
      numberOfKiosks: 3,
    };
    const nl = ok(await call("PUT", "/registrationcenters/nonlanguage", admin, nonLanguage));
    expect(nl).toMatchObject({ id, centerTypeCode: "MBL", numberOfKiosks: 3 });
    const nlRows = ok(await call("GET", `/registrationcenters/${id}/all`, admin))
      .registrationCenters as Record<string, unknown>[];
    expect(nlRows).toHaveLength(2);
    for (const r of nlRows)
      expect(r).toMatchObject({
        centerTypeCode: "MBL",
        locationCode: "10112",
        centerEndTime: "16:00:00",
      });
    expectError(
      await call("PUT", "/registrationcenters/nonlanguage", admin, {
        ...nonLanguage,
        centerTypeCode: "XYZ",
      }),
      "KER-MSD-321",
    );
    // An unknown id updates nothing and answers an empty centre, as MOSIP does.
    const none = ok(
      await call("PUT", "/registrationcenters/nonlanguage", admin, { ...nonLanguage, id: "77777" }),
    );
    expect(none.id).toBeNull();
    expect(state().centres.some((c) => c.id === "77777")).toBe(false);
    ok(await call("PATCH", `/registrationcenters?isActive=false&id=${id}`, admin));
    const after = ok(await call("GET", `/registrationcenters/${id}/all`, admin))
      .registrationCenters as Record<string, unknown>[];
    expect(after.every((r) => r.isActive === false)).toBe(true);
    expect(sandbox.context.masterdata.centreActive(id)).toBe(false);
  });
});

describe("machines", () => {
  it("normalises keys: base64 and base64url of one key are the same key, and reuse is refused", async () => {
    const pub = rsaSpki(2048);
    const sign = rsaSpki(2048);
    const first = ok(
      await call(
        "POST",
        "/machines",
        admin,
        machineBody({ publicKey: pub.toString("base64"), signPublicKey: sign.toString("base64") }),
      ),
    );
    const row = state().machines.get(first.id as string)!;
    expect(row.publicKey).toBe(pub.toString("base64url"));
    expect(row.publicKey).not.toMatch(/[+/=]/);
    expect(row.keyIndex).toBe(thumbprint(pub));
    expect(row.keyIndex).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(row.signKeyIndex).toBe(thumbprint(sign));
    // Same public key, other encoding, fresh sign key: still the same key.
    expectError(
      await call(
        "POST",
        "/machines",
        admin,
        machineBody({
          publicKey: pub.toString("base64url"),
          signPublicKey: rsaSpki().toString("base64"),
        }),
      ),
      "KER-MSD-414",
      "Entry already found for the provided public keys",
    );
    // Reused sign key with a fresh public key.
    expectError(
      await call(
        "POST",
        "/machines",
        admin,
        machineBody({
          publicKey: rsaSpki().toString("base64"),
          signPublicKey: sign.toString("base64url"),
        }),
      ),
      "KER-MSD-414",
    );
  });

  it("rejects invalid keys, names, zones and centres", async () => {
    const { publicKey: ec } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ecDer = ec.export({ type: "spki", format: "der" }).toString("base64");
    expectError(
      await call("POST", "/machines", admin, machineBody({ publicKey: ecDer })),
      "KER-MSD-257",
      "Invalid public key provided",
    );
    expectError(
      await call("POST", "/machines", admin, machineBody({ publicKey: "not-a-key!" })),
      "KER-MSD-257",
    );
    expectError(
      await call("POST", "/machines", admin, machineBody({ signPublicKey: "AAAA" })),
      "KER-MSD-410",
      "Invalid sign public key provided",
    );
    expectError(
      await call("POST", "/machines", admin, machineBody({ publicKey: "" })),
      "KER-MSD-999",
      "request.publicKey: Public key cannot be blank or null",
    );
    expectError(
      await call("POST", "/machines", admin, machineBody({ zoneCode: null })),
      "KER-MSD-999",
      "request.zoneCode: must not be null",
    );
    expectError(
      await call("POST", "/machines", admin, machineBody({ regCenterId: "88888" })),
      "KER-MSD-222",
    );
    const kta = await createCentre({ zoneCode: "KTA", locationCode: "14022" });
    expectError(
      await call("POST", "/machines", admin, machineBody({ zoneCode: "RAB", regCenterId: kta })),
      "KER-MSD-219",
    );
    expectError(
      await call("POST", "/machines", admin, machineBody({ machineSpecId: "no-such-spec" })),
      "KER-MSD-250",
    );
    const m = ok(await call("POST", "/machines", admin, machineBody({ name: "crvs-dup-name" })));
    expectError(
      await call("POST", "/machines", admin, machineBody({ name: "crvs-dup-name" })),
      "KER-MSD-413",
      "Entry already found for the provided machine name",
    );
    // The failed creates stored nothing.
    expect([...state().machines.values()].filter((x) => x.name === "crvs-dup-name")).toHaveLength(
      1,
    );
    expect(m.id).toMatch(/^\d{5}$/);
  });

  it("reads back, searches, updates and deactivates", async () => {
    const created = ok(
      await call("POST", "/machines", admin, machineBody({ name: "crvs-search-me" })),
    );
    const id = created.id as string;
    const found = ok(
      await call("POST", "/machines/search", admin, {
        filters: [{ columnName: "name", type: "equals", value: "crvs-search-me" }],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
        languageCode: "eng",
      }),
    );
    expect(found.totalRecord).toBe(1);
    expect((found.data as Record<string, unknown>[])[0]).toMatchObject({ id, zoneCode: "RAB" });
    const byZone = async (zone: string) =>
      (
        ok(
          await call("POST", "/machines/search", admin, {
            filters: [
              { columnName: "zone", type: "equals", value: zone },
              { columnName: "name", type: "equals", value: "crvs-search-me" },
            ],
            sort: [],
            pagination: { pageStart: 0, pageFetch: 10 },
          }),
        ).data as unknown[]
      ).length;
    expect(await byZone("Rabat Sale Kenitra")).toBe(1);
    expect(await byZone("MRS")).toBe(0);

    const newKey = rsaSpki();
    const put = ok(
      await call("PUT", "/machines", admin, {
        ...machineBody({ name: "crvs-search-me", ipAddress: "10.0.0.99" }),
        id,
        publicKey: newKey.toString("base64"),
        signPublicKey: undefined,
      }),
    );
    expect(put).toMatchObject({ id, ipAddress: "10.0.0.99" });
    const got = (
      ok(await call("GET", `/machines/${id}`, admin)).machines as Record<string, unknown>[]
    )[0];
    expect(got.publicKey).toBe(newKey.toString("base64url"));
    expect(got.signPublicKey).toBe(state().machines.get(id)!.signPublicKey);
    expect(got.signPublicKey).not.toBe("");

    const other = ok(await call("POST", "/machines", admin, machineBody({ name: "crvs-other" })));
    // MOSIP's update only refuses a name already carried by more than one machine: renaming onto
    // one other machine's name passes (two machines then share it), a third one is refused.
    const twin = ok(await call("POST", "/machines", admin, machineBody({ name: "crvs-twin" })));
    ok(
      await call("PUT", "/machines", admin, {
        ...machineBody({ name: "crvs-other" }),
        id: twin.id,
        publicKey: undefined,
        signPublicKey: undefined,
      }),
    );
    expect([...state().machines.values()].filter((x) => x.name === "crvs-other")).toHaveLength(2);
    expectError(
      await call("PUT", "/machines", admin, { ...machineBody({ name: "crvs-other" }), id }),
      "KER-MSD-413",
    );
    expectError(
      await call("PUT", "/machines", admin, {
        ...machineBody({ name: "crvs-search-me" }),
        id,
        publicKey: (await rowKeyDer(other.id as string)).toString("base64"),
      }),
      "KER-MSD-414",
    );
    expectError(
      await call("PUT", "/machines", admin, { ...machineBody(), id: "66666" }),
      "KER-MSD-030",
      "Machine not Found",
    );
    expectError(await call("GET", "/machines/66666", admin), "KER-MSD-030", "Machine not Found");
    expectError(await call("PATCH", "/machines?isActive=true&id=66666", admin), "KER-MSD-030");
    ok(await call("PATCH", `/machines?isActive=true&id=${id}`, admin));
    expect(sandbox.context.masterdata.machineActive(id)).toBe(true);
    ok(await call("PATCH", `/machines?isActive=false&id=${id}`, admin));
    expect(sandbox.context.masterdata.machineActive(id)).toBe(false);
  });
});

async function rowKeyDer(machineId: string): Promise<Buffer> {
  return Buffer.from(state().machines.get(machineId)!.publicKey, "base64url");
}

describe("read-backs and roles", () => {
  it("lists a centre's machines, a zone's centres and the user-centre mappings", async () => {
    const id = await createCentre({ name: "CRVS Readback Centre" });
    expectError(await call("GET", `/machines/mappedmachines/${id}`, admin), "KER-MSD-326");
    const m = ok(await call("POST", "/machines", admin, machineBody({ regCenterId: id })));
    const mapped = ok(await call("GET", `/machines/mappedmachines/${id}`, admin));
    expect(mapped.totalItems).toBe(1);
    expect((mapped.data as Record<string, unknown>[])[0]).toMatchObject({ id: m.id });

    // RSK is a region: its centres are those of its leaf zones (RAB here).
    const zoneCentres = ok(await call("GET", "/getzonespecificregistrationcenters/eng/RSK", admin));
    expect((zoneCentres.registrationCenters as { id: string }[]).map((c) => c.id)).toContain(id);
    const mrs = await call("GET", "/getzonespecificregistrationcenters/eng/MRS", admin);
    const mrsIds = mrs.body.response
      ? (mrs.body.response.registrationCenters as { id: string }[]).map((c) => c.id)
      : [];
    expect(mrsIds).not.toContain(id);

    const user = "readback.officer";
    ok(await call("POST", "/zoneuser", admin, { zoneCode: "RAB", userId: user, isActive: true }));
    ok(await call("PATCH", `/zoneuser?isActive=true&userId=${user}`, admin));
    ok(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: id,
        isActive: true,
      }),
    );
    const found = ok(
      await call("POST", "/usercentermapping/search", admin, {
        filters: [{ columnName: "id", type: "equals", value: user }],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
    );
    expect((found.data as Record<string, unknown>[])[0]).toMatchObject({
      id: user,
      regCenterId: id,
      isActive: false,
      zoneCode: "RAB",
      regCenterName: "CRVS Readback Centre",
    });
  });

  it("lets regproc read centres and machines but not write them", async () => {
    const regproc = await token("mosip-regproc-client", seededSecret("mosip-regproc-client"));
    const id = await createCentre();
    const m = ok(await call("POST", "/machines", admin, machineBody({ regCenterId: id })));
    ok(await call("GET", `/registrationcenters/${id}/eng`, regproc));
    ok(await call("GET", `/machines/${m.id as string}`, regproc));
    for (const r of [
      await call("POST", "/registrationcenters", regproc, centreBody()),
      await call("PATCH", `/registrationcenters?isActive=true&id=${id}`, regproc),
      await call("POST", "/machines", regproc, machineBody()),
      await call("POST", "/zoneuser", regproc, { zoneCode: "RAB", userId: "x", isActive: true }),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.errors[0].errorCode).toBe("KER-ATH-403");
    }
    expect(sandbox.context.masterdata.centreActive(id)).toBe(false);
  });
});

describe("zone users and centre mappings", () => {
  it("enforces the zone-user rules", async () => {
    ok(
      await call("POST", "/zoneuser", admin, {
        zoneCode: "MRS",
        userId: "zu.one",
        isActive: false,
      }),
    );
    expectError(
      await call("POST", "/zoneuser", admin, { zoneCode: "MRS", userId: "zu.one", isActive: true }),
      "KER-USR-018",
      "duplicate request",
    );
    expectError(
      await call("POST", "/zoneuser", admin, { zoneCode: "RSK", userId: "zu.one", isActive: true }),
      "KER-USR-021",
      "The given user already mapped with different zone",
    );
    expectError(
      await call("POST", "/zoneuser", admin, {
        zoneCode: "NOPE",
        userId: "zu.two",
        isActive: true,
      }),
      "KER-USR-014",
    );
    expectError(
      await call("POST", "/zoneuser", admin, { zoneCode: "MRS", userId: "zu.two" }),
      "KER-MSD-999",
      "request.isActive: must not be null",
    );
    expectError(await call("PATCH", "/zoneuser?isActive=true&userId=nobody", admin), "KER-USR-019");
    const moved = ok(await call("PUT", "/zoneuser", admin, { zoneCode: "RSK", userId: "zu.one" }));
    expect(moved.zoneCode).toBe("RSK");
    expectError(
      await call("PUT", "/zoneuser", admin, { zoneCode: "RSK", userId: "nobody" }),
      "KER-USR-017",
    );
    expectError(await call("DELETE", "/zoneuser/zu.one/MRS", admin), "KER-USR-017");
    expect(ok(await call("DELETE", "/zoneuser/zu.one/RSK", admin)).id).toBe("zu.one");
    // Once deleted, the user can be mapped again.
    ok(
      await call("POST", "/zoneuser", admin, { zoneCode: "MRS", userId: "zu.one", isActive: true }),
    );
  });

  it("enforces the user-centre rules", async () => {
    const rab = await createCentre();
    const user = "ucm.user";
    expectError(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: rab,
        isActive: true,
      }),
      "KER-USR-008",
    );
    ok(await call("POST", "/zoneuser", admin, { zoneCode: "MRS", userId: user, isActive: true }));
    ok(await call("PATCH", `/zoneuser?isActive=true&userId=${user}`, admin));
    // Centre in RAB is not under the user's zone MRS.
    expectError(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: rab,
        isActive: true,
      }),
      "KER-USR-015",
      "Provided center zone is not part of user zone",
    );
    expectError(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: "55555",
        isActive: true,
      }),
      "KER-MSD-215",
    );
    expectError(
      await call("PATCH", `/usercentermapping?isActive=true&id=${user}`, admin),
      "KER-USR-007",
    );
    expectError(
      await call("GET", `/users/${user}`, admin),
      "KER-USR-007",
      "User Center mapping not found",
    );

    const mka = await createCentre({
      zoneCode: "MKA",
      locationCode: "40000",
      holidayLocationCode: "MRS",
    });
    ok(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: mka,
        isActive: true,
      }),
    );
    expectError(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: mka,
        isActive: true,
      }),
      "KER-USR-013",
      "User already exists",
    );
    // The centre mapping is inactive, so the zone mapping may still be deactivated...
    ok(await call("PATCH", `/zoneuser?isActive=false&userId=${user}`, admin));
    // ...and then the centre mapping cannot be activated.
    expectError(
      await call("PATCH", `/usercentermapping?isActive=true&id=${user}`, admin),
      "KER-USR-025",
      "Kindly activate user-zone mapping before activating user-center",
    );
    ok(await call("PATCH", `/zoneuser?isActive=true&userId=${user}`, admin));
    ok(await call("PATCH", `/usercentermapping?isActive=true&id=${user}`, admin));
    // An active centre mapping blocks zone changes.
    expectError(
      await call("PATCH", `/zoneuser?isActive=false&userId=${user}`, admin),
      "KER-USR-011",
      "User Center mapping must be deleted before remapping user to different zone",
    );
    expectError(await call("DELETE", `/zoneuser/${user}/MRS`, admin), "KER-USR-011");
    // PUT moves the mapping to another centre in the user's zone.
    const mka2 = await createCentre({
      zoneCode: "MKA",
      locationCode: "40000",
      holidayLocationCode: "MRS",
    });
    const put = ok(
      await call("PUT", "/usercentermapping", admin, {
        id: user,
        regCenterId: mka2,
        langCode: "eng",
      }),
    );
    expect(put).toMatchObject({ id: user, regCenterId: mka2, zoneCode: "MKA" });
    expect(ok(await call("GET", `/users/${user}`, admin)).regCenterId).toBe(mka2);
    expect(ok(await call("DELETE", `/usercentermapping/${user}`, admin)).id).toBe(user);
    expectError(await call("GET", `/users/${user}`, admin), "KER-USR-007");
  });
});

describe("a caller without a zone mapping (§8.6)", () => {
  it("may create a centre (no zone check) but fails everywhere MOSIP checks the caller's zone", async () => {
    // Even a non-leaf zone passes: the leaf-zone check is skipped for an unmapped caller.
    const id = await createCentre({ zoneCode: "RSK" }, unmapped);
    const row = state().centres.find((c) => c.id === id)!;
    expect(row.createdBy).toBe(serviceAccountUser("mosip-admin-client"));
    expectError(
      await call("PATCH", `/registrationcenters?isActive=true&id=${id}`, unmapped),
      "KER-MSD-441",
      "Admin not authorized to access this Registration Center for this Zone",
    );
    expectError(
      await call("PUT", `/registrationcenters/decommission/${id}`, unmapped),
      "KER-MSD-441",
    );
    expectError(
      await call("POST", "/registrationcenters/search", unmapped, {
        languageCode: "eng",
        filters: [{ columnName: "id", type: "equals", value: id }],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
      "KER-MSD-341",
      "No zone assigned to the user",
    );
    expectError(
      await call("PUT", "/registrationcenters/language", unmapped, {
        id,
        name: "Centre",
        addressLine1: "rue",
        langCode: "fra",
      }),
      "KER-MSD-441",
    );
    expectError(
      await call("POST", "/machines/search", unmapped, {
        filters: [],
        sort: [],
        pagination: { pageStart: 0, pageFetch: 10 },
      }),
      "KER-MSD-342",
    );
    expectError(
      await call("POST", "/machines", unmapped, machineBody()),
      "KER-MSD-255",
      "Admin not authorized to access this Machine for this Zone",
    );
    expectError(
      await call("POST", "/zoneuser", unmapped, {
        zoneCode: "RAB",
        userId: "u.unmapped",
        isActive: true,
      }),
      "KER-USR-014",
      "Admin not authorized to access for this Zone",
    );
    // A user zone-mapped by the deployment client still cannot be centre-mapped by this caller.
    ok(
      await call("POST", "/zoneuser", admin, {
        zoneCode: "RSK",
        userId: "u.unmapped",
        isActive: true,
      }),
    );
    ok(await call("PATCH", "/zoneuser?isActive=true&userId=u.unmapped", admin));
    const rab = await createCentre();
    expectError(
      await call("POST", "/usercentermapping", unmapped, {
        id: "u.unmapped",
        regCenterId: rab,
        isActive: true,
      }),
      "KER-USR-008",
    );
    // Once the caller is zone-mapped and active, the same calls pass.
    const sa = serviceAccountUser("mosip-admin-client");
    ok(await call("POST", "/zoneuser", admin, { zoneCode: "RSK", userId: sa, isActive: true }));
    ok(await call("PATCH", `/zoneuser?isActive=true&userId=${sa}`, admin));
    ok(
      await call("POST", "/usercentermapping", unmapped, {
        id: "u.unmapped",
        regCenterId: rab,
        isActive: true,
      }),
    );
    // Its zone is RSK now, so a centre outside it (MKA) is still refused.
    const mka = await createCentre({ zoneCode: "MKA", locationCode: "40000" });
    expectError(
      await call("PATCH", `/registrationcenters?isActive=true&id=${mka}`, unmapped),
      "KER-MSD-441",
    );
    ok(await call("PATCH", `/registrationcenters?isActive=true&id=${rab}`, unmapped));
    // Its searches only see centres in the leaf zones under RSK.
    const seen = async (centreId: string) =>
      ok(
        await call("POST", "/registrationcenters/search", unmapped, {
          languageCode: "eng",
          filters: [{ columnName: "id", type: "equals", value: centreId }],
          sort: [],
          pagination: { pageStart: 0, pageFetch: 10 },
        }),
      ).totalRecord;
    expect(await seen(rab)).toBe(1);
    expect(await seen(mka)).toBe(0);
  });
});

describe("decommissioning", () => {
  it("is blocked while users or machines are mapped, then succeeds", async () => {
    const id = await createCentre({ name: "CRVS Decommission Centre" });
    ok(await call("PATCH", `/registrationcenters?isActive=true&id=${id}`, admin));
    const m = ok(await call("POST", "/machines", admin, machineBody({ regCenterId: id })));
    const user = "decom.officer";
    ok(await call("POST", "/zoneuser", admin, { zoneCode: "RAB", userId: user, isActive: true }));
    ok(await call("PATCH", `/zoneuser?isActive=true&userId=${user}`, admin));
    ok(
      await call("POST", "/usercentermapping", admin, {
        id: user,
        regCenterId: id,
        isActive: true,
      }),
    );

    expectError(
      await call("PUT", `/registrationcenters/decommission/${id}`, admin),
      "KER-MSD-352",
      "Cannot Decommission the Registration Center, as some users are mapped to the Registration Center",
    );
    ok(await call("DELETE", `/users/${user}`, admin));
    expectError(
      await call("PUT", `/registrationcenters/decommission/${id}`, admin),
      "KER-MSD-351",
      "Cannot Decommission the Registration Center, as some machines are mapped to the Registration Center",
    );
    expectError(
      await call("PUT", `/machines/decommission/${m.id as string}`, admin),
      "KER-MSD-256",
    );
    expectError(await call("DELETE", `/registrationcenters/${id}`, admin), "KER-MSD-192");
    ok(await call("DELETE", `/machines/${m.id as string}`, admin));
    expectError(await call("GET", `/machines/${m.id as string}`, admin), "KER-MSD-030");

    const res = ok(await call("PUT", `/registrationcenters/decommission/${id}`, admin));
    expect(res.id).toBe(id);
    expect(sandbox.context.masterdata.centreActive(id)).toBe(false);
    expectError(await call("GET", `/registrationcenters/${id}/all`, admin), "KER-MSD-215");
    expectError(
      await call("PUT", `/registrationcenters/decommission/${id}`, admin),
      "KER-MSD-216",
      "Registration center has been already decommissioned or Registration center not found",
    );
    expectError(
      await call("PUT", "/registrationcenters/decommission/1234567", admin),
      "KER-MSD-353",
      "Center ID specified for decommission has invalid length",
    );

    const free = ok(await call("POST", "/machines", admin, machineBody()));
    expect(ok(await call("PUT", `/machines/decommission/${free.id as string}`, admin)).id).toBe(
      free.id,
    );
    expectError(
      await call("PUT", `/machines/decommission/${free.id as string}`, admin),
      "KER-MSD-214",
    );
  });
});

describe("ID schema", () => {
  it("serves the published schema with its UI fields and a draft-07 schemaJson", async () => {
    const r = ok(await call("GET", "/idschema/latest", admin));
    const fields = (r.schema as { id: string; type: string }[]).map((f) => f.id);
    for (const f of [
      "IDSchemaVersion",
      "UIN",
      "fullName",
      "dateOfBirth",
      "gender",
      "addressLine1",
      "region",
      "province",
      "city",
      "zone",
      "postalCode",
      "phone",
      "email",
      "introducerName",
      "proofOfAddress",
      "individualBiometrics",
    ])
      expect(fields).toContain(f);
    const json = JSON.parse(r.schemaJson as string) as {
      $schema: string;
      properties: { identity: { properties: Record<string, unknown>; required: string[] } };
    };
    expect(json.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(Object.keys(json.properties.identity.properties).sort()).toEqual([...fields].sort());
    expect(json.properties.identity.required).toContain("fullName");
    expect(typeof r.idVersion).toBe("number");
    expect(sandbox.context.masterdata.latestIdSchema()).toEqual(r);
    // schemaVersion=0 (the default) is the latest; an unknown version is not found.
    expect(ok(await call("GET", "/idschema/latest?schemaVersion=0", admin)).id).toBe(r.id);
    expect(
      ok(await call("GET", `/idschema/latest?schemaVersion=${String(r.idVersion)}`, admin)).id,
    ).toBe(r.id);
    expectError(await call("GET", "/idschema/latest?schemaVersion=9.9", admin), "KER-SCH-007");
  });

  it("serves a swapped schema, in process and over HTTP", async () => {
    const before = state().idSchema;
    try {
      state().idSchema = idSchemaWithout(["zone", "postalCode"]);
      const r = ok(await call("GET", "/idschema/latest", admin));
      const fields = (r.schema as { id: string }[]).map((f) => f.id);
      expect(fields).not.toContain("zone");
      expect(fields).toContain("city");
      expect(JSON.parse(r.schemaJson as string).properties.identity.properties).not.toHaveProperty(
        "postalCode",
      );
      const put = await fetch(`${sandbox.url}/__sandbox/masterdata/idschema`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ removeFields: ["gender"] }),
      });
      expect(put.status).toBe(200);
      const after = sandbox.context.masterdata.latestIdSchema() as { schema: { id: string }[] };
      expect(after.schema.map((f) => f.id)).not.toContain("gender");
      expect(after.schema.map((f) => f.id)).toContain("zone");
      state().idSchema = null;
      expectError(await call("GET", "/idschema/latest", admin), "KER-SCH-008");
    } finally {
      state().idSchema = before;
    }
  });
});

describe("envelope", () => {
  it("echoes id and version and stamps responsetime", async () => {
    const r = await call("GET", "/registrationcenters/77777/eng", admin);
    expect(r.body.id).toBeNull(); // a GET has no body to echo from
    const p = await call("POST", "/zoneuser", admin, {
      zoneCode: "NOPE",
      userId: "x",
      isActive: true,
    });
    expect(p.body.id).toBe("mosip.masterdata.test");
    expect(p.body.version).toBe("1.0");
    expect(p.body.responsetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});
