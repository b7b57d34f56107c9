// End-to-end CRVS registrations (birth CRVS_NEW, death CRVS_DEATH) through a sandbox whose MOSIP
// side is set up directly (test/e2e/mosip-side.ts), the way OpenCRVS's adapter makes them
// (scripts/e2e/registration.ts) with a stand-in for the adapter's callback
// (scripts/e2e/callback-receiver.ts). They pass with the properties the stack declares for the
// release (components/mosip-properties.ts) and fail, with MOSIP's reason, without them.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import {
  describeRegistration,
  runRegistration,
  type CrvsProcess,
  type RegistrationResult,
} from "../../scripts/e2e/registration";
import { startSandbox, type Sandbox } from "../sandbox/server";
import { webSubSettings } from "../sandbox/websub";
import { configRepo, setUpMosipSide, subscribe, type MosipSide } from "./mosip-side";
import type { DeclaredProperties } from "../../components/mosip-properties";

let sandbox: Sandbox;
let receiver: CallbackReceiver;
let side: MosipSide;
let repo: ReturnType<typeof configRepo>;
let declared: DeclaredProperties;

beforeAll(async () => {
  sandbox = await startSandbox();
  webSubSettings(sandbox.context).intentRetryIntervalMs = 20;
  webSubSettings(sandbox.context).deliveryRetryIntervalMs = 20;
  receiver = await CallbackReceiver.start();
  side = await setUpMosipSide(sandbox, receiver, `crvs-e2e-${Date.now().toString(36)}`);
  repo = configRepo(sandbox);
  // 1.3: the release whose registration processor has the workflow-instance API (§10).
  declared = repo.declared("1.3", side.partnerId);
});
afterAll(async () => {
  await receiver?.close();
  await sandbox?.close();
});

function register(process: CrvsProcess, over: Partial<Parameters<typeof runRegistration>[0]> = {}) {
  return runRegistration({
    apiBaseUrl: sandbox.url,
    sandboxUrl: sandbox.url,
    clientId: side.partnerId,
    clientSecret: side.clientSecret,
    process,
    centreId: side.centreId,
    machineId: side.machineId,
    partnerId: side.partnerId,
    receiver,
    timeoutMs: 5000,
    ...over,
  });
}

const failed = (r: RegistrationResult) => ({
  ok: r.ok,
  step: r.failure?.step,
  code: r.failure?.code,
});

describe("with the properties the stack declares (release 1.3)", () => {
  beforeAll(async () => {
    await repo.apply(declared);
  });

  it("registers a birth: token, createPacket, workflowinstance, signed credential decrypted at the callback", async () => {
    const r = await register("CRVS_NEW");
    expect(r.failure).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ["token", true],
      ["createPacket", true],
      ["workflowinstance", true],
      ["workflow", true],
      ["credential", true],
    ]);
    expect(r.packetNames).toEqual(
      ["id", "evidence", "optional"].map((n) => `${r.registrationId}_${n}`),
    );
    expect(r.registrationId).toMatch(/^\d{29}$/);
    expect(r.refId).toBe(`${side.centreId}_${side.machineId}`);
    expect(r.workflowStatus).toBe("processed");
    expect(r.credential).toEqual({
      topic: side.topic,
      eventId: expect.any(String),
      credentialType: "opencrvs",
      signatureValid: true,
      decrypted: true,
      // The DataShare policy of the fixture shares fullName and dateOfBirth only.
      attributes: ["dateOfBirth", "fullName", "registrationId"],
    });
    // The receiver really decrypted the registrant's data with the partner's key.
    const d = receiver.credentialFor(r.registrationId)!;
    expect(d.credential).toMatchObject({
      ok: true,
      encrypted: true,
      subject: { registrationId: r.registrationId, dateOfBirth: "2026/11/01" },
    });
    // What MOSIP saw: one token, one packet, one workflow from this client.
    expect(r.requests).toEqual({ POST: 2, PUT: 1 });
    const packets = sandbox.context.state.packets as Map<
      string,
      { process: string; createdBy: string }
    >;
    expect(packets.get(r.registrationId)).toMatchObject({
      process: "CRVS_NEW",
      createdBy: `service-account-${side.partnerId}`,
    });
  });

  it("registers a death (CRVS_DEATH) through the same flow", async () => {
    // The office given as the stack exports it: refId = <centreId>_<machineId>.
    const r = await register("CRVS_DEATH", {
      centreId: undefined,
      machineId: undefined,
      refId: `${side.centreId}_${side.machineId}`,
    });
    expect(r.refId).toBe(`${side.centreId}_${side.machineId}`);
    expect(r.failure).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.workflowStatus).toBe("processed");
    expect(r.steps.filter((s) => !s.ok)).toEqual([]);
    const packets = sandbox.context.state.packets as Map<string, { provider: string }>;
    // Served by the provider entry the stack declares for (OPENCRVS, CRVS_NEW|CRVS_DEATH).
    expect(packets.get(r.registrationId)?.provider).toBe("provider.packetwriter.crvsopencrvs");
  });

  it("reports the packet manager's silent failure for a death without the deceased's UIN", async () => {
    const r = await register("CRVS_DEATH", {
      fields: { fullName: JSON.stringify([{ language: "eng", value: "No UIN" }]) },
    });
    expect(failed(r)).toEqual({ ok: false, step: "createPacket", code: "null-response" });
    expect(r.failure?.message).toContain("mandatory attributes missing: UIN");
    expect(r.steps.map((s) => s.step)).toEqual(["token", "createPacket"]);
  });

  it("fails at CMD validation for a machine MOSIP does not know, and no credential is delivered", async () => {
    const before = receiver.deliveries.length;
    const r = await register("CRVS_NEW", { machineId: "99998", timeoutMs: 1500 });
    expect(failed(r)).toEqual({ ok: false, step: "workflow", code: undefined });
    expect(r.failure?.message).toContain("CMD validation: machine 99998");
    expect(receiver.deliveries.length).toBe(before);
  });

  it("fails when the adapter cannot verify the delivery (wrong hub secret at the callback)", async () => {
    receiver.configure("/websub/callback", { secret: "sandbox-test-not-the-hub-secret" });
    try {
      const r = await register("CRVS_NEW", { timeoutMs: 1500 });
      expect(failed(r)).toEqual({ ok: false, step: "credential", code: undefined });
      expect(r.failure?.message).toContain(
        "rejected 1 delivery(ies): X-Hub-Signature does not match",
      );
      expect(r.workflowStatus).toBe("processed");
      // MOSIP's hub stops a subscriber whose delivery failed (§7.6): nothing more arrives until
      // the subscription is made again.
      const hub = sandbox.context.state.websub as {
        subscriptions: Map<string, { topic: string; consumer: string }>;
      };
      expect([...hub.subscriptions.values()].find((s) => s.topic === side.topic)?.consumer).toBe(
        "stopped",
      );
    } finally {
      receiver.configure("/websub/callback", { secret: side.hubSecret });
    }
    // What the adapter (or the stack's next up) does: subscribe again, with the same secret.
    await subscribe(sandbox, receiver, side);
    expect((await register("CRVS_NEW")).ok).toBe(true);
  });

  it("prints no secret: not the client secret, the token, the hub secret nor the partner key", async () => {
    const r = await register("CRVS_NEW");
    expect(r.ok).toBe(true);
    const printed = JSON.stringify(r) + describeRegistration(r).join("\n");
    expect(printed).not.toContain(side.clientSecret);
    expect(printed).not.toContain(side.hubSecret);
    const keyBody = side.partnerPrivateKeyPem.split("\n")[1];
    expect(printed).not.toContain(keyBody);
    // No JWT (the authmanager token), no credential ciphertext, no registrant data values.
    expect(printed).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(printed).not.toContain("Sandbox Test Child");
    expect(printed).not.toContain("2026/11/01");
    expect(describeRegistration(r)[0]).toBe(
      `birth (CRVS_NEW, source OPENCRVS) registration ${r.registrationId}, refId ${r.refId}`,
    );
  });
});

describe("without the properties (MOSIP's seed config)", () => {
  beforeAll(async () => {
    await repo.reset();
  });

  it("refuses the birth and the death at createPacket: the client is not in the audience", async () => {
    for (const process of ["CRVS_NEW", "CRVS_DEATH"] as const) {
      const r = await register(process);
      expect(failed(r)).toEqual({ ok: false, step: "createPacket", code: "KER-ATH-403" });
      expect(r.failure?.message).toContain("HTTP 403");
      expect(r.failure?.hint).toContain("auth.server.admin.allowed.audience");
    }
  });
});

describe("with every declared property but one: each one matters", () => {
  const cases: Array<{
    without: string;
    process: CrvsProcess;
    step: string;
    code?: string;
    message: string;
  }> = [
    {
      // 1.2.0.1's OPENCRVS/OPENCRVS_NEW entry serves CRVS_NEW by substring, never CRVS_DEATH (§9).
      without: "provider.packetwriter.crvsopencrvs",
      process: "CRVS_DEATH",
      step: "createPacket",
      code: "KER-PUT-006",
      message: "No available provider for given source and process",
    },
    {
      without: "mosip.role.commons-packet.putcreatepacket",
      process: "CRVS_NEW",
      step: "createPacket",
      code: "KER-ATH-403",
      message: "HTTP 403",
    },
    {
      without: "mosip.regproc.workflow-manager.instance.api-id",
      process: "CRVS_NEW",
      step: "workflowinstance",
      message: "HTTP 404",
    },
    {
      without: "registration.processor.additional-process.category-mapping",
      process: "CRVS_DEATH",
      step: "workflow",
      message: "no workflow for process CRVS_DEATH",
    },
  ];
  for (const c of cases) {
    it(`${c.process} fails without ${c.without}`, async () => {
      await repo.apply(declared, [c.without]);
      const r = await register(c.process, { timeoutMs: 2000 });
      expect(failed(r)).toEqual({ ok: false, step: c.step, code: c.code });
      expect(r.failure?.message).toContain(c.message);
      expect(r.failure?.hint ?? "").not.toContain("undefined");
    });
  }

  it("still registers a birth without the death provider (CRVS_NEW matches OPENCRVS_NEW)", async () => {
    await repo.apply(declared, ["provider.packetwriter.crvsopencrvs"]);
    const r = await register("CRVS_NEW");
    expect(r.ok).toBe(true);
    const packets = sandbox.context.state.packets as Map<string, { provider: string }>;
    expect(packets.get(r.registrationId)?.provider).toBe("provider.packetwriter.opencrvs");
  });
});

describe("the callback receiver", () => {
  it("rejects a delivery whose signature does not match, or that has none, and records nothing", async () => {
    const body = Buffer.from(
      JSON.stringify({
        publisher: "CREDENTIAL_SERVICE",
        topic: side.topic,
        event: { id: "forged", data: { registrationId: "forged-rid", credential: "x" } },
      }),
    );
    const post = (headers: Record<string, string>, b: Buffer = body) =>
      fetch(side.callbackUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: b,
      });
    const before = receiver.deliveries.length;
    const wrongKey = createHmac("sha256", "sandbox-test-guessed-secret").update(body).digest("hex");
    expect((await post({ "x-hub-signature": `sha256=${wrongKey}` })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    // A genuine signature over another body (a tampered delivery).
    const genuine = createHmac("sha256", side.hubSecret).update(body).digest("hex");
    const tampered = Buffer.from(body.toString().replace("forged-rid", "forged-ri2"));
    expect((await post({ "x-hub-signature": `sha256=${genuine}` }, tampered)).status).toBe(403);
    expect(receiver.deliveries.length).toBe(before);
    expect(receiver.rejected.slice(-3).map((r) => r.reason)).toEqual([
      "X-Hub-Signature does not match the subscription's secret",
      "no X-Hub-Signature",
      "X-Hub-Signature does not match the subscription's secret",
    ]);
    // The same body with its genuine signature is accepted (the check is not refusing everything).
    expect((await post({ "x-hub-signature": `sha256=${genuine}` })).status).toBe(200);
    expect(receiver.deliveries.at(-1)).toMatchObject({
      registrationId: "forged-rid",
      credential: { ok: false },
    });
  });

  it("confirms intent only for the topic subscribed at that callback", async () => {
    const verify = async (path: string, topic: string) => {
      const q = new URLSearchParams({
        "hub.mode": "subscribe",
        "hub.topic": topic,
        "hub.challenge": "sandbox-challenge-1",
        "hub.lease_seconds": "864000",
      });
      const res = await fetch(`${receiver.url}${path}?${q}`);
      return { status: res.status, body: await res.text() };
    };
    expect(await verify("/websub/callback", side.topic)).toEqual({
      status: 200,
      body: "sandbox-challenge-1",
    });
    // MOSIP may call the callback with a trailing slash (§12.2).
    expect((await verify("/websub/callback/", side.topic)).status).toBe(200);
    expect((await verify("/websub/callback", "someone-else/CREDENTIAL_ISSUED")).status).toBe(404);
    expect((await verify("/elsewhere", side.topic)).status).toBe(404);
  });
});
