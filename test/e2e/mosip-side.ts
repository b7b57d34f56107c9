// The MOSIP side of a CRVS integration, set up in a sandbox directly through the sandbox's own APIs
// (Keycloak admin REST, PMS, masterdata, the WebSub hub, the config repo over git), not through
// the stack: so the end-to-end tests check the registration flow and the stack's declared
// properties (components/mosip-properties.ts) on their own.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { CRVS_CLIENT_ROLES } from "../../components/crvs-keycloak-client";
import type { MosipRelease } from "../../components/config";
import { declaredProperties, type DeclaredProperties } from "../../components/mosip-properties";
import { applyEdits } from "../../components/mosip/properties-edit";
import type { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import {
  authToken,
  createServiceClient,
  eventually,
  onboardCredentialPartner,
  pushConfig,
} from "../sandbox/credential-fixtures";
import type { Sandbox } from "../sandbox/server";

export interface MosipSide {
  partnerId: string;
  clientSecret: string;
  hubSecret: string;
  partnerPrivateKeyPem: string;
  centreId: string;
  machineId: string;
  topic: string;
  callbackUrl: string;
}

/** Masterdata as the deployment client: an active centre (all languages), an active machine in it. */
export async function centreAndMachine(
  sandbox: Sandbox,
): Promise<{ centreId: string; machineId: string }> {
  const o = sandbox.context.options;
  const admin = await authToken(sandbox, o.adminClientId, o.adminClientSecret, "admin");
  const md = async (method: string, path: string, request?: unknown) => {
    const res = await fetch(`${sandbox.url}/v1/masterdata${path}`, {
      method,
      headers: { "content-type": "application/json", cookie: `Authorization=${admin}` },
      body:
        request === undefined
          ? undefined
          : JSON.stringify({
              id: "mosip.masterdata.e2e",
              version: "1.0",
              requesttime: new Date().toISOString(),
              metadata: {},
              request,
            }),
    });
    const body = (await res.json()) as { response: Record<string, unknown>; errors: unknown[] };
    if ((body.errors ?? []).length > 0) {
      throw new Error(`masterdata ${method} ${path}: ${JSON.stringify(body.errors)}`);
    }
    return body.response;
  };
  const centre = await md("POST", "/registrationcenters", {
    name: "E2E Sandbox CRVS Office",
    addressLine1: "1 Loopback Street",
    langCode: "eng",
    contactPerson: "Civil registrar",
    isActive: true,
    centerTypeCode: "REG",
    latitude: "34.0209",
    longitude: "-6.8416",
    locationCode: "10114",
    holidayLocationCode: "RSK",
    contactPhone: "+10000000000",
    workingHours: "8:00:00",
    perKioskProcessTime: "00:15:00",
    centerStartTime: "08:00:00",
    centerEndTime: "17:00:00",
    lunchStartTime: "13:00:00",
    lunchEndTime: "14:00:00",
    timeZone: "UTC",
    zoneCode: "RAB",
    workingNonWorkingDays: { mon: true, tue: true, wed: true, thu: true, fri: true },
    exceptionalHolidayPutPostDto: [],
    numberOfKiosks: 1,
  });
  const centreId = String(centre.id);
  for (const langCode of ["ara", "fra"]) {
    await md("PUT", "/registrationcenters/language", {
      id: centreId,
      name: `E2E Sandbox CRVS Office ${langCode}`,
      addressLine1: "1 Loopback Street",
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
    name: "e2e-crvs-adapter",
    serialNum: "SN-E2E-0001",
    macAddress: "A4-5E-60-E2-12-2F",
    ipAddress: "127.0.0.1",
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

/**
 * The CRVS partner as MOSIP needs it: a credential partner onboarded in PMS (credential type
 * `opencrvs`, the one the sandbox's regproc requests), a Keycloak client whose id is the partner id
 * with the roles the stack grants, its subscription to `<partnerId>/CREDENTIAL_ISSUED` pointing at
 * the receiver, and a registration office in masterdata.
 */
export async function setUpMosipSide(
  sandbox: Sandbox,
  receiver: CallbackReceiver,
  partnerId: string,
): Promise<MosipSide> {
  const { keyPem } = await onboardCredentialPartner(sandbox, partnerId, "opencrvs");
  const clientSecret = await createServiceClient(sandbox, partnerId, [...CRVS_CLIENT_ROLES]);
  const hubSecret = `sandbox-test-hub-${randomBytes(12).toString("hex")}`;
  const topic = `${partnerId}/CREDENTIAL_ISSUED`;
  const callbackUrl = receiver.route({
    path: "/websub/callback",
    topic,
    secret: hubSecret,
    partnerPrivateKeyPem: keyPem,
  });
  const { centreId, machineId } = await centreAndMachine(sandbox);
  const side: MosipSide = {
    partnerId,
    clientSecret,
    hubSecret,
    partnerPrivateKeyPem: keyPem,
    centreId,
    machineId,
    topic,
    callbackUrl,
  };
  await subscribe(sandbox, receiver, side);
  return side;
}

/** Subscribes the partner's callback to its CREDENTIAL_ISSUED topic; waits for the intent check. */
export async function subscribe(
  sandbox: Sandbox,
  receiver: CallbackReceiver,
  side: MosipSide,
): Promise<void> {
  const { partnerId, clientSecret, topic, callbackUrl, hubSecret } = side;
  const confirmed = () =>
    receiver.intents.filter((i) => i.topic === topic && i.mode === "subscribe" && i.confirmed)
      .length;
  const before = confirmed();
  const token = await authToken(sandbox, partnerId, clientSecret);
  const res = await fetch(`${sandbox.url}/hub`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: `Authorization=${token}`,
    },
    body: new URLSearchParams({
      "hub.mode": "subscribe",
      "hub.topic": topic,
      "hub.callback": callbackUrl,
      "hub.secret": hubSecret,
    }),
  });
  if (res.status !== 202) throw new Error(`subscribe: HTTP ${res.status} ${await res.text()}`);
  await eventually(
    "the hub verified the subscription with the receiver",
    () => confirmed() > before,
  );
}

/**
 * The sandbox's config repo with or without the properties the stack declares: `apply` writes the
 * declared keys (as the stack's ConfigProperties would, with the same pure edit functions), `except`
 * leaves some out; `reset` puts MOSIP's seeded files back. One commit per call.
 */
export function configRepo(sandbox: Sandbox) {
  const originals: Record<string, string> = {};
  const files = new Set<string>();
  return {
    declared(release: MosipRelease, partnerId: string): DeclaredProperties {
      return declaredProperties(release, [{ partnerId }], { credentialType: "opencrvs" });
    },
    async apply(declared: DeclaredProperties, except: string[] = []): Promise<void> {
      const edits: Record<string, (c: string) => string> = {};
      for (const [file, keys] of Object.entries(declared)) {
        files.add(file);
        const kept = Object.fromEntries(Object.entries(keys).filter(([k]) => !except.includes(k)));
        edits[file] = (content) => {
          originals[file] ??= content;
          return applyEdits(originals[file], kept, "e2e-test").text;
        };
      }
      await pushConfig(sandbox, edits, `e2e: the stack's properties except ${except.join(", ")}`);
    },
    async reset(): Promise<void> {
      const edits: Record<string, (c: string) => string> = {};
      for (const file of files) edits[file] = (content) => originals[file] ?? content;
      if (Object.keys(edits).length > 0) await pushConfig(sandbox, edits, "e2e: MOSIP's seed");
    },
  };
}
