// Regproc's workflowinstance API over HTTP (contract §10) and the registration flow behind it:
// config pushed to the config repo, centre + machine in masterdata, a credential partner onboarded
// through PMS, the partner subscribed on the hub; then createPacket -> workflowinstance ->
// CREDENTIAL_ISSUED delivered, signed, with a credential only the partner's key decrypts.
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptCredential } from "./credential-crypto";
import {
  adminToken,
  authToken,
  clientToken,
  eventually,
  onboardCredentialPartner,
  pushConfig,
  setProperties,
} from "./credential-fixtures";
import { seededSecret } from "./keycloak";
import type { WorkflowInstance } from "./regproc";
import { startSandbox, type Sandbox } from "./server";
import { TestingSubscriber } from "./testing-subscriber";
import { webSubSettings } from "./websub";

let sandbox: Sandbox;
let sub: TestingSubscriber;
let regprocToken: string;
const API_ID = "mosip.registration.processor.workflow.instance";
const PATH = "/registrationprocessor/v1/workflowmanager/workflowinstance";

beforeAll(async () => {
  sandbox = await startSandbox();
  webSubSettings(sandbox.context).intentRetryIntervalMs = 20;
  webSubSettings(sandbox.context).deliveryRetryIntervalMs = 20;
  sub = await TestingSubscriber.start();
  regprocToken = await authToken(
    sandbox,
    "mosip-regproc-client",
    seededSecret("mosip-regproc-client"),
  );
});
afterAll(async () => {
  await sub?.close();
  await sandbox?.close();
});

interface WinAnswer {
  id: string;
  version: string;
  responsetime: string;
  response: { workflowInstanceId: string } | null;
  errors: Array<{ errorCode: string; message: string }> | null;
}

async function workflowInstance(
  body: Record<string, unknown>,
  cookie: string | null = `Authorization=${regprocToken}`,
): Promise<{ status: number; body: WinAnswer }> {
  const res = await fetch(`${sandbox.url}${PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as WinAnswer };
}

let ridSeq = 0;
const newRid = () => `10001100040${Date.now().toString().slice(-8)}${++ridSeq}`;

function winBody(request: Record<string, unknown>, over: Record<string, unknown> = {}) {
  return {
    id: API_ID,
    version: "v1",
    requesttime: new Date().toISOString(),
    request: {
      process: "CRVS_NEW",
      source: "OPENCRVS",
      additionalInfoReqId: "",
      notificationInfo: { name: "Sandbox Parent", phone: "+15550100", email: "p@example.org" },
      ...request,
    },
    ...over,
  };
}

async function createPacket(id: string, refId: string, process = "CRVS_NEW") {
  const res = await fetch(`${sandbox.url}/commons/v1/packetmanager/createPacket`, {
    method: "PUT",
    headers: { "content-type": "application/json", cookie: `Authorization=${regprocToken}` },
    body: JSON.stringify({
      id: "mosip.registration.packet.writer",
      version: "v1",
      requesttime: new Date().toISOString(),
      request: {
        id,
        refId,
        offlineMode: false,
        process,
        source: "OPENCRVS",
        schemaVersion: "0.100",
        schemaJson: JSON.stringify({ type: "object" }),
        fields: {
          fullName: JSON.stringify([{ language: "eng", value: "Amina Sandbox" }]),
          dateOfBirth: "2026/11/01",
          gender: JSON.stringify([{ language: "eng", value: "Female" }]),
        },
        metaInfo: {
          metaData: JSON.stringify([
            { label: "registrationType", value: "NEW" },
            { label: "opencrvsBRN", value: "BRN-2026-0001" },
          ]),
        },
        audits: [],
      },
    }),
  });
  const body = (await res.json()) as { response: unknown[] | null; errors: unknown[] };
  expect(body.errors).toEqual([]);
  expect(body.response).toHaveLength(3);
}

async function workflow(id: string): Promise<WorkflowInstance> {
  const res = await fetch(`${sandbox.url}/__sandbox/regproc/workflows/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as WorkflowInstance;
}

const settled = (id: string) =>
  eventually(`workflow ${id} settled`, async () => {
    const w = await workflow(id);
    return w.status !== "processing" && w;
  });

/** Masterdata: an active centre (all languages) and an active machine in it. */
async function centreAndMachine(): Promise<{ centreId: string; machineId: string }> {
  const admin = await authToken(
    sandbox,
    sandbox.context.options.adminClientId,
    sandbox.context.options.adminClientSecret,
    "admin",
  );
  const md = async (method: string, path: string, request?: unknown) => {
    const res = await fetch(`${sandbox.url}/v1/masterdata${path}`, {
      method,
      headers: { "content-type": "application/json", cookie: `Authorization=${admin}` },
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
    const body = (await res.json()) as { response: Record<string, unknown>; errors: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toEqual([]);
    return body.response;
  };
  const centre = await md("POST", "/registrationcenters", {
    name: "CRVS Sandbox Centre",
    addressLine1: "12 Avenue Mohammed V",
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
  });
  const centreId = String(centre.id);
  for (const langCode of ["ara", "fra"]) {
    await md("PUT", "/registrationcenters/language", {
      id: centreId,
      name: `CRVS Sandbox Centre ${langCode}`,
      addressLine1: "12 Avenue Mohammed V",
      langCode,
      contactPerson: "Officier",
    });
  }
  await md("PATCH", `/registrationcenters?isActive=true&id=${centreId}`);
  const spki = () =>
    generateKeyPairSync("rsa", { modulusLength: 1024 })
      .publicKey.export({ type: "spki", format: "der" })
      .toString("base64");
  const machine = await md("POST", "/machines", {
    name: "crvs-adapter-sandbox",
    serialNum: "SN-0001",
    macAddress: "A4-5E-60-E2-12-1F",
    ipAddress: "10.0.0.12",
    machineSpecId: "1003",
    isActive: true,
    zoneCode: "RAB",
    regCenterId: centreId,
    publicKey: spki(),
    signPublicKey: spki(),
    langCode: "eng",
  });
  const machineId = String(machine.id);
  await md("PATCH", `/machines?isActive=true&id=${machineId}`);
  return { centreId, machineId };
}

describe("on MOSIP 1.2.0.1 (no workflow-instance API)", () => {
  it("answers 404 as for a missing route", async () => {
    const r = await workflowInstance(winBody({ registrationId: newRid() }));
    expect(r.status).toBe(404);
  });
});

describe("with the workflow-instance API configured", () => {
  let partnerId: string;
  let partnerKey: string;
  let callback: string;
  const secret = "sandbox-test-crvs-hub-secret";
  let centreId: string;
  let machineId: string;

  beforeAll(async () => {
    // What the 2025 CRVS config (MOSIP-39781) adds to registration-processor-default.
    await pushConfig(sandbox, {
      "registration-processor-default.properties": setProperties({
        "mosip.regproc.workflow-manager.instance.api-id": API_ID,
        "mosip.regproc.workflow-manager.instance.version": "v1",
        "registration.processor.additional-process.category-mapping":
          "{'CRVS_NEW':'NEW','CRVS_DEATH':'UPDATE'}",
        "mosip.regproc.cmd-validator.center-validation.processes":
          "NEW,UPDATE,LOST,CRVS_NEW,CRVS_DEATH",
        "mosip.regproc.cmd-validator.machine-validation.processes":
          "NEW,UPDATE,LOST,CRVS_NEW,CRVS_DEATH",
      }),
    });
    ({ centreId, machineId } = await centreAndMachine());
    partnerId = `crvs-partner-${Date.now().toString(36)}`;
    ({ keyPem: partnerKey } = await onboardCredentialPartner(sandbox, partnerId, "opencrvs"));
    // The subscriber is the Keycloak client whose id is the partner id.
    const subToken = await clientToken(sandbox, partnerId, [
      "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
    ]);
    const topic = `${partnerId}/CREDENTIAL_ISSUED`;
    callback = sub.expect(topic, secret);
    const r = await fetch(`${sandbox.url}/hub`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `Authorization=${subToken}`,
      },
      body: new URLSearchParams({
        "hub.mode": "subscribe",
        "hub.topic": topic,
        "hub.callback": callback,
        "hub.secret": secret,
      }),
    });
    expect(r.status).toBe(202);
    await sub.waitFor("subscription verified", () =>
      sub.intents.some((i) => i.topic === topic && i.confirmed),
    );
  });

  it("validates id, version and requesttime with RPR-WIN-000/001, always HTTP 200", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ id: undefined }, "RPR-WIN-000", "Missing Request Value - id"],
      [{ id: "mosip.registration.processor.other" }, "RPR-WIN-001", "Invalid Request Value - id"],
      [{ version: undefined }, "RPR-WIN-000", "Missing Request Value - version"],
      [{ version: "v2" }, "RPR-WIN-001", "Invalid Request Value - version"],
      [{ requesttime: undefined }, "RPR-WIN-000", "Missing Request Value - requesttime"],
      [{ requesttime: "yesterday" }, "RPR-WIN-001", "Invalid Request Value - requesttime"],
    ];
    for (const [over, code, message] of cases) {
      const r = await workflowInstance(winBody({ registrationId: newRid() }, over));
      expect(r.status).toBe(200);
      expect(r.body.response).toBeNull();
      expect(r.body.errors).toEqual([{ errorCode: code, message }]);
      expect(r.body.id).toBe(API_ID);
      expect(r.body.version).toBe("v1");
    }
    // The api-id compares case-insensitively.
    const upper = await workflowInstance(
      winBody({ registrationId: newRid() }, { id: API_ID.toUpperCase() }),
    );
    expect(upper.body.errors).toBeNull();
  });

  it("authenticates like the vert.x adapter: cookie first, audience, roles", async () => {
    const b = () => winBody({ registrationId: newRid() });
    expect((await workflowInstance(b(), null)).status).toBe(401);
    expect((await workflowInstance(b(), `a=b; Authorization=${regprocToken}`)).status).toBe(401);
    // Not in registration-processor's audience.
    const notAudience = await workflowInstance(b(), `Authorization=${await adminToken(sandbox)}`);
    expect(notAudience.status).toBe(403);
    expect(notAudience.body.errors?.[0].errorCode).toBe("KER-ATH-403");
    // In the audience (seeded), without any of the three roles.
    const resident = await authToken(
      sandbox,
      "mosip-resident-client",
      seededSecret("mosip-resident-client"),
    );
    const noRole = await workflowInstance(b(), `Authorization=${resident}`);
    expect(noRole.status).toBe(403);
    expect(noRole.body.errors?.[0].errorCode).toBe("KER-ATH-403");
  });

  it("issues a partner-encrypted credential to the subscribed partner after a registration", async () => {
    const rid = newRid();
    await createPacket(rid, `${centreId}_${machineId}`);
    const r = await workflowInstance(winBody({ registrationId: rid }));
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeNull();
    expect(r.body.id).toBe(API_ID);
    const wid = r.body.response!.workflowInstanceId;
    expect(wid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const w = await settled(wid);
    expect(w.reason).toBeUndefined();
    expect(w.status).toBe("processed");
    expect(w.credentials).toEqual([
      expect.objectContaining({ partnerId, credentialType: "opencrvs", encrypted: true }),
    ]);

    const d = await sub.waitFor("credential delivered", () =>
      sub
        .deliveriesTo(callback)
        .find(
          (x) =>
            (x.json as { event?: { data?: { registrationId?: string } } }).event?.data
              ?.registrationId === rid,
        ),
    );
    expect(d.signatureValid).toBe(true);
    expect(d.topic).toBe(`${partnerId}/CREDENTIAL_ISSUED`);
    const event = d.json as {
      publisher: string;
      topic: string;
      publishedOn: string;
      event: {
        id: string;
        transactionId: string;
        type: { namespace: string; name: string };
        timestamp: string;
        data: Record<string, string>;
      };
    };
    expect(event.topic).toBe(`${partnerId}/CREDENTIAL_ISSUED`);
    expect(event.event.type).toEqual({ namespace: "mosip", name: "CREDENTIAL_ISSUED" });
    expect(event.event.id).toBe(w.credentials[0].eventId);
    expect(event.event.data.credentialType).toBe("opencrvs");
    expect(event.event.data.opencrvsBRN).toBe("BRN-2026-0001");
    expect(typeof event.event.data.protectionKey).toBe("string");

    // Only the partner's private key opens the credential; it carries the policy's attributes.
    const plain = JSON.parse(
      Buffer.from(await decryptCredential(event.event.data.credential, partnerKey)).toString(),
    ) as { credentialSubject: Record<string, unknown>; type: string };
    expect(plain.type).toBe("opencrvs");
    expect(plain.credentialSubject).toEqual({
      registrationId: rid,
      fullName: [{ language: "eng", value: "Amina Sandbox" }],
      dateOfBirth: "2026/11/01",
    });
    expect(plain.credentialSubject).not.toHaveProperty("gender");
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    }) as string;
    await expect(decryptCredential(event.event.data.credential, stranger)).rejects.toThrow();

    // The same registration again: RPR-WIS-001.
    const dup = await workflowInstance(winBody({ registrationId: rid }));
    expect(dup.status).toBe(200);
    expect(dup.body.response).toBeNull();
    expect(dup.body.errors).toEqual([
      { errorCode: "RPR-WIS-001", message: "WorkflowInstance already present" },
    ]);
  });

  it("fails CMD validation for an unknown centre or machine, and issues nothing", async () => {
    const before = sub.deliveriesTo(callback).length;
    const rid1 = newRid();
    await createPacket(rid1, `99999_${machineId}`);
    const w1 = await settled(
      (await workflowInstance(winBody({ registrationId: rid1 }))).body.response!.workflowInstanceId,
    );
    expect(w1.status).toBe("failed");
    expect(w1.reason).toContain("registration centre 99999");

    const rid2 = newRid();
    await createPacket(rid2, `${centreId}_99998`);
    const w2 = await settled(
      (await workflowInstance(winBody({ registrationId: rid2 }))).body.response!.workflowInstanceId,
    );
    expect(w2.status).toBe("failed");
    expect(w2.reason).toContain("machine 99998");
    expect(w2.credentials).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    expect(sub.deliveriesTo(callback)).toHaveLength(before);
  });

  it("fails a workflow without a packet or for a process without a workflow", async () => {
    const noPacket = await settled(
      (await workflowInstance(winBody({ registrationId: newRid() }))).body.response!
        .workflowInstanceId,
    );
    expect(noPacket.status).toBe("failed");
    expect(noPacket.reason).toContain("packet not found");

    const noFlow = await settled(
      (await workflowInstance(winBody({ registrationId: newRid(), process: "BIRTH_X" }))).body
        .response!.workflowInstanceId,
    );
    expect(noFlow.status).toBe("failed");
    expect(noFlow.reason).toContain("no workflow for process BIRTH_X");
    const listed = (await (
      await fetch(
        `${sandbox.url}/__sandbox/regproc/workflows?registrationId=${noFlow.registrationId}`,
      )
    ).json()) as WorkflowInstance[];
    expect(listed.map((w) => w.workflowInstanceId)).toEqual([noFlow.workflowInstanceId]);
  });

  it("issues only the credential type the process requests (mosip.regproc.opencrvs.credentialtype)", async () => {
    const other = `crvs-vercred-${Date.now().toString(36)}`;
    await onboardCredentialPartner(sandbox, other, "vercred");
    const rid = newRid();
    await createPacket(rid, `${centreId}_${machineId}`);
    const w = await settled(
      (await workflowInstance(winBody({ registrationId: rid }))).body.response!.workflowInstanceId,
    );
    expect(w.status).toBe("processed");
    expect(w.credentials.map((c) => c.partnerId)).toEqual([partnerId]);
    expect(w.skipped).toEqual([
      { partnerId: other, reason: "credential type vercred is not the requested opencrvs" },
    ]);
  });
});
