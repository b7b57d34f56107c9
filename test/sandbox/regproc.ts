// Registration processor: the workflow-instance API of the workflow manager (registration
// 1.2.1.x+, contract §10) and, behind it, the parts of packet processing that decide whether a CRVS
// registration ends with a credential delivered to the CRVS partner.
//
// API: `POST /registrationprocessor/v1/workflowmanager/workflowinstance`. It only exists when
// `mosip.regproc.workflow-manager.instance.api-id` is configured (1.2.0.1 has no such API: 404 as
// for a missing route). Vert.x auth (the Cookie header must start with `Authorization=`), audience
// from `registration-processor-default.properties`, roles ONLINE_REGISTRATION_CLIENT |
// REGISTRATION_PROCESSOR | GLOBAL_ADMIN. Always HTTP 200 with `errors` (null on success).
//
// Processing (asynchronous, after the API answered), a reduction of the camel route:
//  1. the process must have a workflow: listed in `registration.processor.main-processes` or mapped
//     by `registration.processor.additional-process.category-mapping`;
//  2. the packet must have been written by createPacket (same id, source and process);
//  3. CMD validation: when the process is listed in
//     `mosip.regproc.cmd-validator.center-validation.processes` the centre of the packet's refId
//     (`<centreId>_<machineId>`) must exist and be active; likewise the machine for
//     `...machine-validation.processes` (through `sb.masterdata`);
//  4. credential issuance. Rule (a simplification, documented here): the credential type the CRVS
//     flow requests is `mosip.regproc.opencrvs.credentialtype` (as the opencrvs stage requests it);
//     every partner of `sb.pms.credentialPartners()` mapped to that credential type receives one
//     credential. When the property is absent, every credential partner receives one of its own
//     mapped type. The credential is encrypted for the partner (credential-crypto.ts) when its
//     policy says "Partner Based", and announced by publishing `<partnerId>/CREDENTIAL_ISSUED` on
//     the WebSub hub (event shape of contract §7.6).
// The workflow's status (processing / processed / failed + reason) is in `sb.state.regproc` and at
// the sandbox-only `GET /__sandbox/regproc/workflows[?registrationId=]` and
// `GET /__sandbox/regproc/workflows/:workflowInstanceId` (the real search API's shape is
// UNCONFIRMED, so it is not emulated).
import { randomBytes, randomUUID } from "node:crypto";
import { mosipTime, Reply, type SandboxRequest, type SandboxResponse } from "./http";
import { unauthenticated } from "./auth";
import { encryptForPartner } from "./credential-crypto";
import type { StoredPacket } from "./packet-manager";
import type { CredentialPartner, SandboxContext } from "./types";

export const REGPROC_FILE = "registration-processor-default.properties";
const ROLES = ["ONLINE_REGISTRATION_CLIENT", "REGISTRATION_PROCESSOR", "GLOBAL_ADMIN"];

export interface IssuedCredential {
  partnerId: string;
  credentialType: string;
  topic: string;
  eventId: string;
  encrypted: boolean;
}

export interface WorkflowInstance {
  workflowInstanceId: string;
  registrationId: string;
  process: string;
  source: string;
  additionalInfoReqId: string;
  iteration: number;
  status: "processing" | "processed" | "failed";
  reason?: string;
  /** Partners that were considered but got no credential, and why. */
  skipped: Array<{ partnerId: string; reason: string }>;
  credentials: IssuedCredential[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RegprocState {
  workflows: Map<string, WorkflowInstance>;
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** `{'CRVS_NEW':'NEW','CRVS_DEATH':'UPDATE'}` (a SpEL map literal) -> entries. */
export function parseCategoryMapping(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (v ?? "").matchAll(/['"]?([^'",{}:\s]+)['"]?\s*:\s*['"]?([^'",{}:\s]+)['"]?/g)) {
    out[m[1]] = m[2];
  }
  return out;
}

/** The label/value pairs of a packet's `metaData` meta-info entry. */
function metaDataValue(packet: StoredPacket, label: string): string | undefined {
  try {
    const arr = JSON.parse(packet.metaInfo.metaData ?? "[]") as Array<{
      label?: string;
      value?: unknown;
    }>;
    const hit = arr.find((e) => e.label === label);
    return typeof hit?.value === "string" ? hit.value : undefined;
  } catch {
    return undefined;
  }
}

export function register(sb: SandboxContext): void {
  const state: RegprocState = { workflows: new Map() };
  sb.state.regproc = state;
  const prop = (key: string) => sb.config.getProperty(REGPROC_FILE, key);

  const running = new Set<Promise<void>>();
  let closed = false;
  sb.onClose.push(async () => {
    closed = true;
    await Promise.all([...running]);
  });

  function reply(
    apiId: string,
    version: string,
    response: unknown,
    errors: Array<{ errorCode: string; message: string }> | null,
  ): SandboxResponse {
    return {
      status: 200,
      body: { id: apiId, version, responsetime: mosipTime(), response, errors },
    };
  }

  sb.router.add(
    "POST",
    "/registrationprocessor/v1/workflowmanager/workflowinstance",
    async (req: SandboxRequest) => {
      const apiId = await prop("mosip.regproc.workflow-manager.instance.api-id");
      const apiVersion = await prop("mosip.regproc.workflow-manager.instance.version");
      if (!apiId || !apiVersion) {
        // Registration 1.2.0.1: the route does not exist.
        return { status: 404, body: { error: "Not Found", path: req.path } };
      }
      // VertxTokenValidationHelper: the token is the Cookie header minus `Authorization=`, cut at
      // the first `;`, so `Authorization=` has to come first.
      const cookie = req.headers.cookie;
      if (typeof cookie !== "string" || !cookie.startsWith("Authorization=")) {
        throw unauthenticated(req);
      }
      const principal = await sb.authenticate(req, { audienceFile: REGPROC_FILE, roles: ROLES });

      const fail = (errorCode: string, message: string) =>
        reply(apiId, apiVersion, null, [{ errorCode, message }]);
      const body = (req.json() ?? {}) as Record<string, unknown>;
      for (const k of ["id", "version", "requesttime"]) {
        if (typeof body[k] !== "string" || body[k] === "") {
          return fail("RPR-WIN-000", `Missing Request Value - ${k}`);
        }
      }
      if ((body.id as string).toLowerCase() !== apiId.toLowerCase()) {
        return fail("RPR-WIN-001", "Invalid Request Value - id");
      }
      if (body.version !== apiVersion)
        return fail("RPR-WIN-001", "Invalid Request Value - version");
      if (Number.isNaN(Date.parse(body.requesttime as string))) {
        return fail("RPR-WIN-001", "Invalid Request Value - requesttime");
      }
      const r = (body.request ?? {}) as Record<string, unknown>;
      // The request members are not validated by the real validator; a missing one surfaces as
      // the unknown-exception code (UNCONFIRMED).
      for (const k of ["registrationId", "process", "source"]) {
        if (typeof r[k] !== "string" || r[k] === "") {
          return fail("RPR-WIS-000", "Unknown Exception");
        }
      }
      const registrationId = r.registrationId as string;
      const process = r.process as string;
      const iteration = 1;
      for (const w of state.workflows.values()) {
        if (
          w.registrationId === registrationId &&
          w.process === process &&
          w.iteration === iteration
        ) {
          return fail("RPR-WIS-001", "WorkflowInstance already present");
        }
      }
      const now = mosipTime();
      const wf: WorkflowInstance = {
        workflowInstanceId: randomUUID(),
        registrationId,
        process,
        source: r.source as string,
        additionalInfoReqId: typeof r.additionalInfoReqId === "string" ? r.additionalInfoReqId : "",
        iteration,
        status: "processing",
        skipped: [],
        credentials: [],
        createdBy: principal.userId,
        createdAt: now,
        updatedAt: now,
      };
      state.workflows.set(wf.workflowInstanceId, wf);
      const job = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => processWorkflow(wf))
        .catch((err: unknown) => finish(wf, "failed", (err as Error).message))
        .finally(() => running.delete(job));
      running.add(job);
      return reply(apiId, apiVersion, { workflowInstanceId: wf.workflowInstanceId }, null);
    },
  );

  function finish(wf: WorkflowInstance, status: "processed" | "failed", reason?: string): void {
    wf.status = status;
    if (reason) wf.reason = reason;
    wf.updatedAt = mosipTime();
  }

  async function processWorkflow(wf: WorkflowInstance): Promise<void> {
    if (closed) return;
    const mainProcesses = list(await prop("registration.processor.main-processes"));
    const mapping = parseCategoryMapping(
      await prop("registration.processor.additional-process.category-mapping"),
    );
    if (!mainProcesses.includes(wf.process) && !(wf.process in mapping)) {
      return finish(
        wf,
        "failed",
        `no workflow for process ${wf.process}: not in registration.processor.main-processes nor in registration.processor.additional-process.category-mapping`,
      );
    }

    const packets = sb.state.packets as Map<string, StoredPacket> | undefined;
    const packet = packets?.get(wf.registrationId);
    if (!packet || packet.source !== wf.source || packet.process !== wf.process) {
      return finish(
        wf,
        "failed",
        `packet not found for registrationId ${wf.registrationId}, source ${wf.source}, process ${wf.process}`,
      );
    }

    const i = packet.refId.indexOf("_");
    const centreId = i < 0 ? packet.refId : packet.refId.slice(0, i);
    const machineId = i < 0 ? "" : packet.refId.slice(i + 1);
    const cmd = "mosip.regproc.cmd-validator";
    if (list(await prop(`${cmd}.center-validation.processes`)).includes(wf.process)) {
      if (!sb.masterdata.centreActive(centreId)) {
        return finish(
          wf,
          "failed",
          `CMD validation: registration centre ${centreId} not found or inactive`,
        );
      }
    }
    if (list(await prop(`${cmd}.machine-validation.processes`)).includes(wf.process)) {
      if (!sb.masterdata.machineActive(machineId, centreId)) {
        return finish(
          wf,
          "failed",
          `CMD validation: machine ${machineId} not found, inactive or not in centre ${centreId}`,
        );
      }
    }

    const requestedType = await prop("mosip.regproc.opencrvs.credentialtype");
    for (const partner of sb.pms.credentialPartners()) {
      if (requestedType && partner.credentialType !== requestedType) {
        wf.skipped.push({
          partnerId: partner.partnerId,
          reason: `credential type ${partner.credentialType} is not the requested ${requestedType}`,
        });
        continue;
      }
      wf.credentials.push(await issue(wf, packet, partner));
    }
    finish(wf, "processed");
  }

  async function issue(
    wf: WorkflowInstance,
    packet: StoredPacket,
    partner: CredentialPartner,
  ): Promise<IssuedCredential> {
    const issuedAt = mosipTime();
    // The shared attributes of the partner's DataShare policy, taken from the packet.
    const subject: Record<string, unknown> = {};
    for (const name of partner.shareableAttributes) {
      const v = packet.fields[name];
      if (v === undefined) continue;
      try {
        subject[name] = JSON.parse(v) as unknown;
      } catch {
        subject[name] = v;
      }
    }
    const credentialJson = JSON.stringify({
      id: randomUUID(),
      type: partner.credentialType,
      issuer: "mosip-sandbox",
      issuanceDate: issuedAt,
      credentialSubject: { registrationId: wf.registrationId, ...subject },
    });
    const encrypted = partner.encryptionType.toLowerCase() === "partner based";
    const credential = encrypted
      ? await encryptForPartner(partner.certificatePem, Buffer.from(credentialJson, "utf8"))
      : Buffer.from(credentialJson, "utf8").toString("base64");
    const topic = `${partner.partnerId}/CREDENTIAL_ISSUED`;
    const eventId = randomUUID();
    const brn = metaDataValue(packet, "opencrvsBRN");
    await sb.websub.publish(topic, {
      publisher: "CREDENTIAL_SERVICE",
      topic,
      publishedOn: issuedAt,
      event: {
        id: eventId,
        transactionId: randomUUID(),
        type: { namespace: "mosip", name: "CREDENTIAL_ISSUED" },
        timestamp: issuedAt,
        data: {
          registrationId: wf.registrationId,
          credential,
          credentialType: partner.credentialType,
          // A random key as the credential service generates one (its use by the partner is
          // out of scope here).
          protectionKey: randomBytes(8).toString("hex"),
          ...(brn ? { opencrvsBRN: brn } : {}),
        },
      },
    });
    return {
      partnerId: partner.partnerId,
      credentialType: partner.credentialType,
      topic,
      eventId,
      encrypted,
    };
  }

  sb.router.add("GET", "/__sandbox/regproc/workflows", (req) => {
    const rid = req.query.get("registrationId");
    const all = [...state.workflows.values()];
    return { status: 200, body: rid ? all.filter((w) => w.registrationId === rid) : all };
  });
  sb.router.add("GET", "/__sandbox/regproc/workflows/:id", (req) => {
    const wf = state.workflows.get(req.params.id);
    if (!wf) throw new Reply({ status: 404, body: { error: "no such workflow instance" } });
    return { status: 200, body: wf };
  });
}
