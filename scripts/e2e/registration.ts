// One CRVS registration through MOSIP the way OpenCRVS's `mosip-api` makes it (contract §12.2):
//  1. token: authmanager `clientidsecretkey` as the CRVS client (client id = partner id), the
//     token taken from `Set-Cookie` (§1.4.1);
//  2. createPacket: `PUT /commons/v1/packetmanager/createPacket`, source OPENCRVS, process CRVS_NEW
//     (birth) or CRVS_DEATH (death), refId `<centreId>_<machineId>` (§9); HTTP 200 with `errors`
//     (e.g. KER-PUT-006) and the `response: null` quirk are failures;
//  3. workflowinstance: `POST /registrationprocessor/v1/workflowmanager/workflowinstance` (§10);
//  4. the outcome: on the sandbox, its workflow record (`/__sandbox/regproc/workflows/<id>`, the
//     real search API's shape being UNCONFIRMED); then the `<partnerId>/CREDENTIAL_ISSUED` delivery
//     at the adapter's callback (a CallbackReceiver), signed with the subscription's secret and
//     decrypted with the partner's key.
// Every wait is bounded. The result is printable: ids, statuses, MOSIP's error codes and messages,
// request counts; never the token, the client secret, hub secrets or keys, and of the credential
// only the attribute names.
import { randomInt } from "node:crypto";
import type { CallbackReceiver, DeliveryRecord } from "./callback-receiver";

export type CrvsProcess = "CRVS_NEW" | "CRVS_DEATH";

export interface RegistrationOptions {
  /** MOSIP's API base, e.g. `https://api-internal.mosip.example.org` (no trailing path). */
  apiBaseUrl: string;
  /** The CRVS client (= partner id) and its secret. */
  clientId: string;
  clientSecret: string;
  /** authmanager appId. @default "admin" (OpenCRVS's MOSIP_AUTH_CLIENT_APP_ID default) */
  appId?: string;
  process: CrvsProcess;
  /** Packet source. @default "OPENCRVS" (what OpenCRVS sends) */
  source?: string;
  /** The registration office: refId = `<centreId>_<machineId>` (give these, or `refId`). */
  centreId?: string;
  machineId?: string;
  /** `<centreId>_<machineId>`, as the stack exports it per office. */
  refId?: string;
  /** @default a fresh 29-digit MOSIP-style id (centre, machine, sequence, timestamp) */
  registrationId?: string;
  /** Identity fields (string values, §9). @default sandbox test data for the process */
  fields?: Record<string, string>;
  /** The partner whose `<partnerId>/CREDENTIAL_ISSUED` delivery is awaited. */
  partnerId?: string;
  /** Where the adapter's callback deliveries arrive. */
  receiver?: CallbackReceiver;
  /** Wait for the credential delivery. @default true for CRVS_NEW when a receiver is given */
  expectCredential?: boolean;
  /** The sandbox base URL: enables its workflow record and packet-manager log as evidence. */
  sandboxUrl?: string;
  /** Upper bound of every wait. @default 20000 */
  timeoutMs?: number;
  /** workflowinstance `id` / `version` (§10). */
  workflowApiId?: string;
  workflowApiVersion?: string;
}

export type StepName = "token" | "createPacket" | "workflowinstance" | "workflow" | "credential";

export interface StepRecord {
  step: StepName;
  ok: boolean;
  /** HTTP status, when the step was a request. */
  status?: number;
  detail: string;
  ms: number;
}

export interface RegistrationResult {
  ok: boolean;
  process: CrvsProcess;
  source: string;
  registrationId: string;
  refId: string;
  steps: StepRecord[];
  packetNames?: string[];
  workflowInstanceId?: string;
  /** processing / processed / failed (sandbox), or undefined when not observable. */
  workflowStatus?: string;
  credential?: {
    topic: string;
    eventId?: string;
    credentialType?: string;
    signatureValid: boolean;
    decrypted: boolean;
    /** Attribute names of the credential subject (values are personal data: not printed). */
    attributes: string[];
  };
  failure?: {
    step: StepName;
    /** MOSIP's error code when it gave one (KER-PUT-006, KER-ATH-403, RPR-WIN-001, ...). */
    code?: string;
    message: string;
    /** What usually causes it and which property or object to look at. */
    hint?: string;
  };
  /** Requests this run sent to MOSIP, by method (sandbox evidence reads not included). */
  requests: Record<string, number>;
}

const DEFAULT_WORKFLOW_API_ID = "mosip.registration.processor.workflow.instance";

/** `<centreId>_<machineId>` -> its two ids (MOSIP's ids have no `_`). */
function splitRefId(refId: string | undefined): [string, string] {
  const i = refId?.indexOf("_") ?? -1;
  if (!refId || i <= 0 || i === refId.length - 1) {
    throw new Error(
      `a registration needs centreId and machineId, or refId "<centreId>_<machineId>" (got ${JSON.stringify(refId)})`,
    );
  }
  return [refId.slice(0, i), refId.slice(i + 1)];
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (§1.2). */
const requestTime = () => new Date().toISOString();

/** Centre (5) + machine (5) + sequence (5) + UTC yyyyMMddHHmmss, as MOSIP's RIDs are laid out. */
export function newRegistrationId(centreId: string, machineId: string): string {
  const five = (s: string) =>
    (s.replace(/\D/g, "") || String(randomInt(100000))).padStart(5, "0").slice(-5);
  const ts = new Date().toISOString().replace(/[-:T]/g, "").replace(/\..*$/, "");
  return `${five(centreId)}${five(machineId)}${String(randomInt(100000)).padStart(5, "0")}${ts}`;
}

const lang = (value: string) => JSON.stringify([{ language: "eng", value }]);

/** Sandbox test data: what a birth or a death declaration carries (never a real person). */
export function defaultFields(process: CrvsProcess): Record<string, string> {
  if (process === "CRVS_NEW") {
    return {
      fullName: lang("Sandbox Test Child"),
      dateOfBirth: "2026/11/01",
      gender: lang("Female"),
      addressLine1: lang("1 Loopback Street"),
      region: lang("RAB"),
      province: lang("RAB"),
      city: lang("RAB"),
      zone: lang("RAB"),
    };
  }
  return {
    // The deceased's UIN: a death deactivates an existing identity (§3 mandatory attributes).
    UIN: "7100000001",
    fullName: lang("Sandbox Test Deceased"),
    dateOfDeath: "2026/11/02",
  };
}

/** Hints for the codes a CRVS registration meets when the MOSIP side is not set up. */
function hintFor(step: StepName, code: string | undefined, status?: number): string | undefined {
  if (step === "token")
    return "the client id/secret are not a confidential Keycloak client with service accounts in realm mosip (§1.4.1)";
  if (code === "KER-ATH-401") return "no token reached the service (Cookie: Authorization=...)";
  if (code === "KER-ATH-403" || status === 403) {
    return step === "createPacket"
      ? "the client id must be in packet-manager-default's auth.server.admin.allowed.audience and the client must hold a role of mosip.role.commons-packet.putcreatepacket (§1.4.3, §9)"
      : "the client id must be in registration-processor-default's auth.server.admin.allowed.audience and the client must hold ONLINE_REGISTRATION_CLIENT (§10)";
  }
  if (code === "KER-PUT-006")
    return "no provider.packetwriter.* entry covers this (source, process): the stack declares one per source covering CRVS_NEW|CRVS_DEATH (application-default, §9)";
  if (code === "null-response")
    return "the packet manager swallowed a write failure (§9 quirk): most often a mandatory attribute of mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.<process> is missing";
  if (step === "workflowinstance" && status === 404)
    return "no workflow-instance API: MOSIP 1.2.0.1 (registration < 1.2.1), or mosip.regproc.workflow-manager.instance.api-id/version unset; the stack declares them for releases 1.2.1 and 1.3 (§10)";
  if (code === "RPR-WIN-001")
    return "mosip.regproc.workflow-manager.instance.api-id/version differ from what the adapter sends (§10)";
  if (code === "RPR-WIS-001") return "this registration id already has a workflow";
  return undefined;
}

interface MosipAnswer {
  status: number;
  body: {
    response?: unknown;
    errors?: Array<{ errorCode?: string; message?: string }> | null;
  };
  headers: Headers;
}

export async function runRegistration(opts: RegistrationOptions): Promise<RegistrationResult> {
  const base = opts.apiBaseUrl.replace(/\/+$/, "");
  const source = opts.source ?? "OPENCRVS";
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const [centreId, machineId] =
    opts.centreId !== undefined && opts.machineId !== undefined
      ? [opts.centreId, opts.machineId]
      : splitRefId(opts.refId);
  const refId = `${centreId}_${machineId}`;
  const registrationId = opts.registrationId ?? newRegistrationId(centreId, machineId);
  const expectCredential =
    opts.expectCredential ?? (opts.process === "CRVS_NEW" && opts.receiver !== undefined);
  // Deliveries the callback rejects from now on (bad signature, unknown secret) are this run's.
  const rejectedBefore = opts.receiver?.rejected.length ?? 0;
  const result: RegistrationResult = {
    ok: false,
    process: opts.process,
    source,
    registrationId,
    refId,
    steps: [],
    requests: {},
  };

  async function call(method: string, path: string, init: RequestInit): Promise<MosipAnswer> {
    result.requests[method] = (result.requests[method] ?? 0) + 1;
    const res = await fetch(base + path, {
      ...init,
      method,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: MosipAnswer["body"] = {};
    try {
      body = text ? (JSON.parse(text) as MosipAnswer["body"]) : {};
    } catch {
      body = { errors: [{ message: text.slice(0, 200) }] };
    }
    return { status: res.status, body, headers: res.headers };
  }

  let started = Date.now();
  const step = (name: StepName, ok: boolean, detail: string, status?: number) => {
    result.steps.push({ step: name, ok, detail, ms: Date.now() - started, status });
    started = Date.now();
  };
  const fail = (
    name: StepName,
    message: string,
    opts2: { code?: string; status?: number } = {},
  ): RegistrationResult => {
    step(name, false, message, opts2.status);
    result.failure = {
      step: name,
      ...(opts2.code ? { code: opts2.code } : {}),
      message,
      hint: hintFor(name, opts2.code, opts2.status),
    };
    return result;
  };
  /** MOSIP's first error, as "<code> <message>". */
  const firstError = (a: MosipAnswer) => {
    const e = (a.body.errors ?? [])[0];
    return e ? { code: e.errorCode ?? undefined, message: e.message ?? "" } : undefined;
  };

  // 1. Token (§1.4.1): the token is in Set-Cookie (what OpenCRVS parses) and the Authorization header.
  let token: string | undefined;
  try {
    const a = await call("POST", "/v1/authmanager/authenticate/clientidsecretkey", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        id: "mosip.io.clientId.pwd",
        version: "1.0",
        requesttime: requestTime(),
        metadata: {},
        request: {
          clientId: opts.clientId,
          secretKey: opts.clientSecret,
          appId: opts.appId ?? "admin",
        },
      }),
    });
    const cookie = a.headers.getSetCookie().find((c) => c.startsWith("Authorization="));
    token = cookie?.split(";")[0].slice("Authorization=".length) || undefined;
    const err = firstError(a);
    if (a.status !== 200 || err || !token) {
      return fail(
        "token",
        `authmanager refused the CRVS client ${opts.clientId}: HTTP ${a.status}${err ? ` ${err.code ?? ""} ${err.message}` : ""}`.trim(),
        { code: err?.code, status: a.status },
      );
    }
    step("token", true, `client-credentials token for ${opts.clientId}`, a.status);
  } catch (err) {
    return fail("token", `authmanager unreachable at ${base}: ${(err as Error).message}`);
  }
  const cookieHeader = `Authorization=${token};`;

  // 2. createPacket (§9).
  const fields = opts.fields ?? defaultFields(opts.process);
  const metaData = [
    { label: "registrationType", value: opts.process === "CRVS_NEW" ? "NEW" : "UPDATE" },
    { label: "centerId", value: centreId },
    { label: "machineId", value: machineId },
    ...(opts.process === "CRVS_NEW"
      ? [{ label: "opencrvsBRN", value: `BRN-${registrationId.slice(-8)}` }]
      : []),
  ];
  const pkt = await call("PUT", "/commons/v1/packetmanager/createPacket", {
    headers: { "content-type": "application/json", cookie: cookieHeader },
    body: JSON.stringify({
      id: "mosip.registration.packet.writer",
      version: "v1",
      requesttime: requestTime(),
      request: {
        id: registrationId,
        refId,
        offlineMode: false,
        process: opts.process,
        source,
        schemaVersion: "0.100",
        // The country's ID schema; a minimal object stands in (the sandbox checks it parses).
        schemaJson: JSON.stringify({ $id: "sandbox-id-schema", type: "object" }),
        fields,
        metaInfo: {
          metaData: JSON.stringify(metaData),
          registrationId,
          operationsData: JSON.stringify([]),
          capturedRegisteredDevices: "[]",
          creationDate: requestTime(),
        },
        audits: [],
      },
    }),
  }).catch((err: Error) => err);
  if (pkt instanceof Error)
    return fail("createPacket", `packet manager unreachable: ${pkt.message}`);
  {
    const err = firstError(pkt);
    if (pkt.status !== 200 || err) {
      return fail(
        "createPacket",
        `createPacket (source ${source}, process ${opts.process}): HTTP ${pkt.status}${err ? ` ${err.code ?? ""} ${err.message}` : ""}`,
        { code: err?.code, status: pkt.status },
      );
    }
    if (!Array.isArray(pkt.body.response) || pkt.body.response.length === 0) {
      const why = await packetManagerLog(opts.sandboxUrl, registrationId);
      return fail(
        "createPacket",
        `createPacket answered HTTP 200 with response null and no error: nothing was written${why ? ` (sandbox packet-manager log: ${why})` : " (MOSIP only logs why, in the packet manager's log)"}`,
        { code: "null-response", status: pkt.status },
      );
    }
    result.packetNames = (pkt.body.response as Array<{ packetName?: string }>).map((p) =>
      String(p.packetName),
    );
    step("createPacket", true, `packet written: ${result.packetNames.join(", ")}`, pkt.status);
  }

  // 3. workflowinstance (§10).
  const win = await call("POST", "/registrationprocessor/v1/workflowmanager/workflowinstance", {
    headers: { "content-type": "application/json", cookie: cookieHeader },
    body: JSON.stringify({
      id: opts.workflowApiId ?? DEFAULT_WORKFLOW_API_ID,
      version: opts.workflowApiVersion ?? "v1",
      requesttime: requestTime(),
      request: {
        registrationId,
        process: opts.process,
        source,
        additionalInfoReqId: "",
        notificationInfo: {
          name: "Sandbox Informant",
          phone: "+10000000000",
          email: "informant@example.org",
        },
      },
    }),
  }).catch((err: Error) => err);
  if (win instanceof Error)
    return fail("workflowinstance", `workflow manager unreachable: ${win.message}`);
  {
    const err = firstError(win);
    const wid = (win.body.response as { workflowInstanceId?: string } | null | undefined)
      ?.workflowInstanceId;
    if (win.status !== 200 || err || !wid) {
      return fail(
        "workflowinstance",
        `workflowinstance: HTTP ${win.status}${err ? ` ${err.code ?? ""} ${err.message}` : win.status === 404 ? " (no such API)" : ""}`,
        { code: err?.code, status: win.status },
      );
    }
    result.workflowInstanceId = wid;
    step("workflowinstance", true, `workflow instance ${wid}`, win.status);
  }

  // 4a. The workflow's outcome (sandbox only; MOSIP's search API shape is UNCONFIRMED).
  if (opts.sandboxUrl) {
    const until = Date.now() + timeoutMs;
    let wf: { status?: string; reason?: string; credentials?: Array<{ partnerId: string }> } = {};
    for (;;) {
      const res = await fetch(
        `${opts.sandboxUrl.replace(/\/+$/, "")}/__sandbox/regproc/workflows/${result.workflowInstanceId}`,
      );
      if (res.ok) wf = (await res.json()) as typeof wf;
      if (wf.status && wf.status !== "processing") break;
      if (Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    result.workflowStatus = wf.status;
    if (wf.status !== "processed") {
      return fail(
        "workflow",
        wf.status === "failed"
          ? `registration processing failed: ${wf.reason ?? "no reason given"}`
          : `registration still ${wf.status ?? "unknown"} after ${timeoutMs} ms`,
      );
    }
    const to = (wf.credentials ?? []).map((c) => c.partnerId);
    step(
      "workflow",
      true,
      `processed${to.length ? `; credential issued to ${to.join(", ")}` : "; no credential issued"}`,
    );
  }

  // 4b. The credential at the adapter's callback.
  if (opts.receiver && opts.partnerId) {
    const topic = `${opts.partnerId}/CREDENTIAL_ISSUED`;
    const d: DeliveryRecord | undefined = expectCredential
      ? await opts.receiver.waitFor(
          () => opts.receiver!.credentialFor(registrationId, topic),
          timeoutMs,
        )
      : opts.receiver.credentialFor(registrationId, topic);
    if (d) {
      const reading = d.credential;
      result.credential = {
        topic: d.topic,
        eventId: d.eventId,
        credentialType: d.credentialType,
        signatureValid: d.signatureValid,
        decrypted: !!reading?.ok,
        attributes: reading?.ok ? Object.keys(reading.subject).sort() : [],
      };
      if (!reading?.ok) {
        return fail(
          "credential",
          `credential delivered to the callback (signature valid) but unreadable: ${reading ? reading.reason : "no credential in the event"}`,
        );
      }
      step(
        "credential",
        true,
        `${d.credentialType ?? "credential"} delivered to the callback, signature valid, decrypted (${result.credential.attributes.join(", ")})`,
      );
    } else if (expectCredential) {
      const rejected = opts.receiver.rejected.slice(rejectedBefore);
      return fail(
        "credential",
        `no signed ${topic} delivery for ${registrationId} within ${timeoutMs} ms${rejected.length ? `; the callback rejected ${rejected.length} delivery(ies): ${[...new Set(rejected.map((r) => r.reason))].join("; ")}` : ""}`,
      );
    }
  }

  result.ok = true;
  return result;
}

/** The sandbox's packet-manager log line for a registration id (its reason for a null answer). */
async function packetManagerLog(
  sandboxUrl: string | undefined,
  registrationId: string,
): Promise<string | undefined> {
  if (!sandboxUrl) return undefined;
  try {
    const res = await fetch(`${sandboxUrl.replace(/\/+$/, "")}/__sandbox/state`);
    const state = (await res.json()) as {
      packetManager?: { writes?: Array<{ id?: unknown; outcome?: string; reason?: string }> };
    };
    const hit = (state.packetManager?.writes ?? []).filter((w) => w.id === registrationId).at(-1);
    return hit?.reason ?? hit?.outcome;
  } catch {
    return undefined;
  }
}

/** One line per step, for a person. */
export function describeRegistration(r: RegistrationResult): string[] {
  const what = r.process === "CRVS_NEW" ? "birth" : "death";
  const lines = [
    `${what} (${r.process}, source ${r.source}) registration ${r.registrationId}, refId ${r.refId}`,
  ];
  for (const s of r.steps) {
    lines.push(`  ${s.ok ? "ok    " : "FAILED"} ${s.step.padEnd(16)} ${s.detail}`);
  }
  if (r.failure?.hint) lines.push(`         why: ${r.failure.hint}`);
  return lines;
}
