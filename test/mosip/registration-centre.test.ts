// RegistrationCentre through the path `pulumi up` uses: serialized by Pulumi's closure serializer,
// run by the SDK's dynamic-provider host, against the sandbox masterdata. A loopback proxy sits in
// front of the sandbox so a test can lose the answer of a create MOSIP did process.
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { MosipClient } from "../../components/mosip/client";
import { generateMachineKeyPair } from "../../components/mosip/machine-keys";
import {
  registrationCentreSpec,
  type RegistrationCentreInputs,
} from "../../components/mosip/registration-centre";
import {
  findLeaks,
  ProviderHostError,
  serializeResourceProviders,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import { startSandbox, type Sandbox } from "../sandbox/server";
import { expectProviderReference, unusedPort } from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const CLIENT_ID = "mosip-deployment-client";
const TYPE = "pulumi-nodejs:dynamic/mosip:RegistrationCentre";
const MD = "/v1/masterdata";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
/** The human global admin: what an operator makes in the admin portal. */
let operator: MosipClient;
let proxy: Server;
let proxyUrl: string;
/** How many answers of `POST /registrationcenters` the proxy drops after the sandbox processed them. */
let loseCreateAnswers = 0;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return {
    "mosip-crvs:mosip": { apiBaseUrl, clientId: CLIENT_ID, appId: "admin", ...extra },
    "mosip-crvs:mosipClientSecret": secret,
  };
}

function centreInputs(name: string, over: Record<string, unknown> = {}): Props {
  return {
    primaryLanguage: "eng",
    localized: {
      eng: {
        name,
        addressLine1: "12 Avenue Mohammed V",
        addressLine2: "Agdal",
        contactPerson: "Civil registrar",
      },
      ara: { name: `مركز ${name}`, addressLine1: "12 شارع محمد الخامس" },
      fra: { name: `Centre ${name}`, addressLine1: "12 avenue Mohammed V" },
    },
    centerTypeCode: "REG",
    zoneCode: "RAB",
    locationCode: "10114",
    holidayLocationCode: "RSK",
    latitude: "34.0209",
    longitude: "-6.8416",
    contactPhone: "+212537000000",
    workingHours: "8:00-17:00",
    perKioskProcessTime: "00:15:00",
    centerStartTime: "08:00:00",
    centerEndTime: "17:00:00",
    lunchStartTime: "13:00:00",
    lunchEndTime: "14:00:00",
    timeZone: "Africa/Casablanca",
    numberOfKiosks: 2,
    workingNonWorkingDays: { mon: true, tue: true, wed: true, thu: true, fri: true, sat: false },
    exceptionalHolidays: [
      { date: "2026-12-24", name: "Office closure", reason: "Annual maintenance" },
    ],
    active: true,
    revision: REV,
    ...over,
  };
}

interface SandboxCentre {
  id: string;
  langCode: string;
  name: string;
  zoneCode: string;
  addressLine1: string;
  isActive: boolean;
  isDeleted: boolean;
}
async function centres(): Promise<SandboxCentre[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { masterdata: { centres: SandboxCentre[] } };
  return state.masterdata.centres;
}
/** Live (not decommissioned) centre ids with this English name in zone RAB. */
async function idsNamed(name: string): Promise<string[]> {
  return (await centres())
    .filter((c) => c.langCode === "eng" && c.name === name && c.zoneCode === "RAB" && !c.isDeleted)
    .map((c) => c.id);
}

const stateOf = (p: Props) => stripProvider(p);

/** A pass-through proxy that can drop the answer of a processed centre create. */
async function startProxy(): Promise<void> {
  const target = new URL(sandbox.url);
  proxy = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (ur) => {
          const body: Buffer[] = [];
          ur.on("data", (c: Buffer) => body.push(c));
          ur.on("end", () => {
            if (
              loseCreateAnswers > 0 &&
              req.method === "POST" &&
              req.url === `${MD}/registrationcenters`
            ) {
              loseCreateAnswers--;
              req.socket.destroy();
              return;
            }
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on("error", () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  secret = sandbox.context.options.adminClientSecret;
  await startProxy();
  [provider] = await serializeResourceProviders([
    {
      module: "components/mosip/registration-centre.ts",
      export: "RegistrationCentre",
      args: centreInputs("serialized"),
    },
  ]);
  host = await startProviderHost({
    config: stackConfig(proxyUrl),
    env: { MOSIP_RETRY_DELAY_MS: "50" },
    secretKeys: ["mosip-crvs:mosipClientSecret"],
  });
  mosip = new MosipClient({
    apiBaseUrl: sandbox.url,
    credentials: { clientId: CLIENT_ID, secretKey: secret, appId: "admin" },
    retries: 0,
  });
  const o = sandbox.context.options;
  operator = mosip.asUser({ userName: o.globalAdminUser, password: o.globalAdminPassword });
});

afterAll(async () => {
  await host?.close();
  await mosip?.close();
  await operator?.close();
  await new Promise((r) => proxy?.close(r));
  await sandbox?.close();
});

describe("RegistrationCentre lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "rabat");
  const inputs = centreInputs("CRVS Rabat Agdal");
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "RegistrationCentre", [secret]);
  });

  test("check names each bad property and the fix", async () => {
    const ok = await host.check(provider, urn, {}, inputs);
    expect(ok.failures).toEqual([]);
    const r = await host.check(
      provider,
      urn,
      {},
      {
        ...inputs,
        latitude: "34.02",
        centerStartTime: "18:00:00",
        primaryLanguage: "deu",
        colour: "blue",
      },
    );
    const by = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(by.latitude).toMatch(/at least 4 after the point/);
    expect(by.colour).toMatch(/^colour: /);
    expect(r.failures.map((f) => f.property).sort()).toEqual([
      "centerEndTime",
      "colour",
      "latitude",
      "localized",
    ]);
    const r2 = await host.check(provider, urn, {}, { ...inputs, primaryLanguage: "deu" });
    expect(r2.failures).toEqual([
      { property: "localized", reason: expect.stringMatching(/entry for primaryLanguage/) },
    ]);
    const r3 = await host.check(provider, urn, {}, { ...inputs, centerStartTime: "18:00:00" });
    expect(r3.failures[0]?.reason).toMatch(/centerEndTime: must be after centerStartTime/);
  });

  test("create makes one active centre with a row per language", async () => {
    const checked = (await host.check(provider, urn, {}, inputs)).inputs;
    const created = await host.create(provider, urn, stripProvider(checked));
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toMatch(/^\d{5}$/);
    expect(state).toEqual({
      ...inputs,
      centreId: id,
      languages: ["ara", "eng", "fra"],
      createdByStack: true,
    });
    const rows = (await centres()).filter((c) => c.id === id);
    expect(rows.map((r) => r.langCode).sort()).toEqual(["ara", "eng", "fra"]);
    expect(rows.every((r) => r.isActive)).toBe(true);
    expect(rows.find((r) => r.langCode === "fra")?.name).toBe("Centre CRVS Rabat Agdal");
  });

  test("read returns the live centre in the input shape; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    const d = await host.diff(provider, id, urn, state, inputs);
    expect(d).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
  });

  test("drift made through the MOSIP API is seen by read and converged by update", async () => {
    await mosip.kernel("PUT", `${MD}/registrationcenters/language`, {
      request: { id, langCode: "fra", name: "Centre CRVS Rabat Agdal", addressLine1: "changed" },
    });
    await mosip.kernel("PATCH", `${MD}/registrationcenters`, {
      query: { isActive: false, id },
    });
    const r = await host.read(provider, id, urn, state);
    const seen = stateOf(r.inputs!);
    expect((seen.localized as Record<string, { addressLine1: string }>).fra.addressLine1).toBe(
      "changed",
    );
    expect(seen.active).toBe(false);
    const d = await host.diff(provider, id, urn, seen, inputs);
    expect(d.changes).toBe("some");
    expect(d.replaces).toEqual([]);
    const u = await host.update(provider, id, urn, stateOf(r.properties), inputs);
    expect(stateOf(u.properties)).toEqual(state);
    const rows = (await centres()).filter((c) => c.id === id);
    expect(rows.find((x) => x.langCode === "fra")?.addressLine1).toBe("12 avenue Mohammed V");
    expect(rows.every((x) => x.isActive)).toBe(true);
  });

  test("an update changes non-language fields and a language's text in place", async () => {
    const next = centreInputs("CRVS Rabat Agdal", {
      numberOfKiosks: 4,
      workingHours: "9:00-18:00",
    });
    (next.localized as Record<string, Record<string, string>>).ara.addressLine2 = "أكدال";
    const u = await host.update(provider, id, urn, state, next);
    expect(u.properties.numberOfKiosks).toBe(4);
    const rows = (await centres()).filter((c) => c.id === id) as unknown as Record<
      string,
      unknown
    >[];
    expect(rows.every((x) => x.numberOfKiosks === 4 && x.workingHours === "9:00-18:00")).toBe(true);
    expect(rows.find((x) => x.langCode === "ara")?.addressLine2).toBe("أكدال");
    state = stateOf(
      (await host.update(provider, id, urn, stateOf(u.properties), inputs)).properties,
    );
  });

  test("create on the existing centre adopts it: no second centre", async () => {
    const again = await host.create(provider, urn, inputs);
    expect(again.id).toBe(id);
    expect(await idsNamed("CRVS Rabat Agdal")).toEqual([id]);
  });

  test("a create whose answer is lost is found by search, not posted again", async () => {
    const name = "CRVS Rabat Lost Answer";
    const before = sandbox.requests.length;
    loseCreateAnswers = 1;
    const c = await host.create(provider, urnFor(TYPE, "lost"), centreInputs(name));
    expect(loseCreateAnswers).toBe(0); // the answer really was dropped
    const posts = sandbox.requests
      .slice(before)
      .filter((r) => r.method === "POST" && r.path === `${MD}/registrationcenters`);
    expect(posts).toHaveLength(1);
    expect(await idsNamed(name)).toEqual([c.id]);
    expect(c.properties.createdByStack).toBe(true);
    expect(c.properties.languages).toEqual(["ara", "eng", "fra"]);
    await host.delete(provider, c.id, urnFor(TYPE, "lost"), stateOf(c.properties));
    expect(await idsNamed(name)).toEqual([]);
  });

  test("delete is refused while a machine is mapped, with what to do", async () => {
    const k1 = generateMachineKeyPair();
    const k2 = generateMachineKeyPair();
    const m = await mosip.kernel<{ id: string }>("POST", `${MD}/machines`, {
      request: {
        name: "centre-test-machine",
        machineSpecId: "1001",
        ipAddress: "10.0.0.5",
        zoneCode: "RAB",
        regCenterId: id,
        publicKey: k1.key,
        signPublicKey: k2.key,
        isActive: true,
      },
      idempotent: false,
    });
    const err = (await host.delete(provider, id, urn, state).catch((e) => e)) as ProviderHostError;
    expect(err).toBeInstanceOf(ProviderHostError);
    expect(err.details).toMatch(
      /^RegistrationCentre centre "CRVS Rabat Agdal" in zone RAB: delete/,
    );
    expect(err.details).toMatch(/while machines are mapped to it \(KER-MSD-351\)\. Delete those/);
    await mosip.kernel("DELETE", `${MD}/machines/${m.id}`);
  });

  test("delete decommissions the centre; read then reports it gone; delete again is fine", async () => {
    await host.delete(provider, id, urn, state);
    expect((await centres()).filter((c) => c.id === id).every((c) => c.isDeleted)).toBe(true);
    expect((await host.read(provider, id, urn, state)).id).toBe("");
    await host.delete(provider, id, urn, state);
  });

  test("a centre made outside the stack is adopted, converged, and left in place on delete", async () => {
    const name = "Existing Sale Centre";
    const mine = centreInputs(name);
    const {
      localized,
      exceptionalHolidays: _h,
      active: _a,
      revision: _r,
      primaryLanguage: _p,
      ...rest
    } = mine;
    const eng = (localized as Record<string, object>).eng;
    const made = await operator.kernel<{ id: string }>("POST", `${MD}/registrationcenters`, {
      request: { ...rest, ...eng, langCode: "eng", isActive: true },
      idempotent: false,
    });
    const logsBefore = host.logs.length;
    const c = await host.create(provider, urnFor(TYPE, "existing"), mine);
    expect(c.id).toBe(made.id);
    expect(c.properties.createdByStack).toBe(false);
    expect(c.properties.languages).toEqual(["ara", "eng", "fra"]);
    expect(c.properties.active).toBe(true);
    // What MOSIP cannot read back (holidays, working days) is what adoption just wrote, so the
    // next up sees no change (it used to read back with an empty state and lose them).
    expect(c.properties.exceptionalHolidays).toEqual(mine.exceptionalHolidays);
    expect(c.properties.workingNonWorkingDays).toEqual(mine.workingNonWorkingDays);
    expect(c.properties.primaryLanguage).toBe("eng");
    const again = await host.diff(
      provider,
      c.id,
      urnFor(TYPE, "existing"),
      stateOf(c.properties),
      mine,
    );
    expect(again.changes).toBe("none");
    await host.delete(provider, c.id, urnFor(TYPE, "existing"), stateOf(c.properties));
    expect(await idsNamed(name)).toEqual([made.id]);
    await host.flushLogs();
    const said = host.logs
      .slice(logsBefore)
      .map((l) => l.message)
      .join("\n");
    expect(said).toMatch(/adopted the existing object/);
    expect(said).toMatch(/left in MOSIP .*adopted it and did not create it/);
  });

  test("a centre the stack's own credential made (a create whose answer was lost) is adopted as its own and decommissioned on delete", async () => {
    const name = "Lost Answer Centre";
    const mine = centreInputs(name);
    const {
      localized,
      exceptionalHolidays: _h,
      active: _a,
      revision: _r,
      primaryLanguage: _p,
      ...rest
    } = mine;
    const eng = (localized as Record<string, object>).eng;
    // Made with the stack's credential, outside this host process: only MOSIP's createdBy tells.
    const made = await mosip.kernel<{ id: string }>("POST", `${MD}/registrationcenters`, {
      request: { ...rest, ...eng, langCode: "eng", isActive: true },
      idempotent: false,
    });
    const u = urnFor(TYPE, "lost-answer");
    const c = await host.create(provider, u, mine);
    expect(c.id).toBe(made.id);
    expect(c.properties.createdByStack).toBe(true);
    await host.delete(provider, c.id, u, stateOf(c.properties));
    expect(await idsNamed(name)).toEqual([]);
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
        .create(provider, urn, centreInputs("x"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/^RegistrationCentre centre "x" in zone RAB: create failed: /);
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client"/);
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
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, centreInputs("x"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/create failed: .*127\.0\.0\.1:\d+.*ECONNREFUSED.*\. Check /);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error (unknown location) names MOSIP's code and creates nothing", async () => {
    const err = (await host
      .create(provider, urn, centreInputs("Nowhere Centre", { locationCode: "NOPE" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /^RegistrationCentre centre "Nowhere Centre" in zone RAB: create failed: /,
    );
    expect(err.details).toMatch(
      /MOSIP rejected POST .*\/registrationcenters: ADM-MSD-446 "Location not found"/,
    );
    expect(findLeaks(err.details, [secret])).toEqual([]);
    expect(await idsNamed("Nowhere Centre")).toEqual([]);
  });

  test("a zone outside the caller's leaf zones", async () => {
    const err = (await host
      .create(provider, urn, centreInputs("Region Centre", { zoneCode: "RSK" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(/KER-MSD-346/);
  });
});

describe("MOSIP's silent no-op answers", () => {
  test("a PUT answered with an empty centre (unknown id) fails instead of passing", async () => {
    // masterdata answers PUT /registrationcenters/nonlanguage for an unknown id with an empty
    // centre and no error; the spec's update must not take that as written.
    const want = stripProvider(centreInputs("Ghost Centre")) as RegistrationCentreInputs;
    delete (want as Props).revision;
    const logs: string[] = [];
    const ctx = {
      client: mosip,
      label: "test",
      log: (m: string) => void logs.push(m),
      warn: (m: string) => void logs.push(m),
    };
    const live = { id: "99998", inputs: { ...want, numberOfKiosks: 9 }, extra: {} };
    const err = (await registrationCentreSpec.update(ctx, live, want).catch((e) => e)) as Error;
    expect(err.message).toMatch(
      /answered PUT \/v1\/masterdata\/registrationcenters\/nonlanguage for centre 99998 with an empty centre and no error: nothing was written/,
    );
    const replies = sandbox.requests.filter((r) =>
      r.path.endsWith("/registrationcenters/nonlanguage"),
    );
    expect(replies.at(-1)?.status).toBe(200);
  });
});

describe("under injected faults", () => {
  test("create and update succeed and no centre is created twice", async () => {
    const names = Array.from({ length: 4 }, (_, i) => `Fault Centre ${i}`);
    try {
      const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rate: 0.2,
          kinds: ["5xx", "reset", "delay", "expired-token"],
          delayMs: 300,
          seed: 11,
        }),
      });
      expect(res.status).toBe(200);
      const before = sandbox.requests.length;
      for (const name of names) {
        const urn = urnFor(TYPE, name);
        const c = await host.create(provider, urn, centreInputs(name));
        const u = await host.update(
          provider,
          c.id,
          urn,
          stateOf(c.properties),
          centreInputs(name, { numberOfKiosks: 3 }),
        );
        expect(u.properties.numberOfKiosks).toBe(3);
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(3);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    for (const name of names) expect(await idsNamed(name), name).toHaveLength(1);
  });
});
