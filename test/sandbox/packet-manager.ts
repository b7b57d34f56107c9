// MOSIP's packet manager (commons-packet-service 1.2.0.1), `PUT /commons/v1/packetmanager/createPacket`
// only (contract §9). What matters to the integration:
//  - auth: `Authorization` cookie, audience from `packet-manager-default.properties`, roles from
//    `mosip.role.commons-packet.putcreatepacket`;
//  - provider resolution: (source, process) must match a `provider.packetwriter.*` entry by
//    case-insensitive substring, else `KER-PUT-006` (HTTP 200, errors only);
//  - the quirk: any other write failure is logged by the real service and answered with HTTP 200,
//    `response: null` and NO error (clients must treat `response == null` as failure);
//  - success: one PacketInfo per sub-packet (`id`, `evidence`, `optional`).
// Written packets are kept in `sb.state.packets` (by registration id) for regproc.
import { createHash, randomBytes } from "node:crypto";
import { kernelErr, kernelOk, mosipTime, type SandboxRequest } from "./http";
import type { SandboxContext } from "./types";

export const PACKET_MANAGER_FILE = "packet-manager-default.properties";
export const APPLICATION_FILE = "application-default.properties";
/** `mosip.commons.packetnames`. */
const PACKET_NAMES = ["id", "evidence", "optional"];

export interface PacketInfo {
  id: string;
  packetName: string;
  source: string;
  process: string;
  refId: string;
  schemaVersion: string;
  signature: string;
  encryptedHash: string;
  providerName: string;
  providerVersion: string;
  creationDate: string;
}

export interface StoredPacket {
  id: string;
  source: string;
  process: string;
  refId: string;
  schemaVersion: string;
  offlineMode: boolean;
  fields: Record<string, string>;
  metaInfo: Record<string, string>;
  documentNames: string[];
  /** The provider entry (`provider.packetwriter.<name>`) that accepted the packet. */
  provider: string;
  packets: PacketInfo[];
  createdBy: string;
  createdAt: string;
}

/**
 * The keys of `file` (as the config server serves it) that start with `prefix`, with their values
 * resolved through `sb.config.getProperty`. Spring binds `provider.packetwriter.*` as a map, so
 * the packet manager sees every key under the prefix; the config server's environment endpoint
 * (`GET /config/{application}/{profile}`) is how a Spring client learns the keys. It is called
 * in-process (through the router, like the real service reading its config at boot, not per
 * request): no entry in the request log, no injected faults.
 */
export async function propertiesWithPrefix(
  sb: SandboxContext,
  file: string,
  prefix: string,
): Promise<Record<string, string>> {
  const m = /^(.+)-([^-]+)\.properties$/.exec(file);
  if (!m) throw new Error(`not a <application>-<profile>.properties file: ${file}`);
  const path = `/config/${m[1]}/${m[2]}`;
  const route = sb.router.match("GET", path);
  if (!("handler" in route)) throw new Error(`config server: no route for ${path}`);
  const res = await route.handler({
    method: "GET",
    path,
    query: new URLSearchParams(),
    params: route.params,
    headers: {},
    raw: Buffer.alloc(0),
    cookies: {},
    json: () => undefined,
    form: () => new URLSearchParams(),
  });
  if (res.status !== 200) throw new Error(`config server: HTTP ${res.status} for ${file}`);
  const env = res.body as {
    propertySources?: Array<{ name: string; source: Record<string, unknown> }>;
  };
  const keys = new Set<string>();
  for (const ps of env.propertySources ?? []) {
    for (const k of Object.keys(ps.source ?? {})) if (k.startsWith(prefix)) keys.add(k);
  }
  const out: Record<string, string> = {};
  for (const k of [...keys].sort()) {
    const v = await sb.config.getProperty(file, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** `source:OPENCRVS,process:OPENCRVS_NEW|...,classname:...` -> its parts. */
export function parseProviderEntry(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(",")) {
    const i = part.indexOf(":");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/**
 * PacketHelper.isSourceAndProcessPresent: the configured source contains the given source and the
 * configured process string contains the given process, both case-insensitively. The whole
 * `process` value is searched, `|` alternatives included, so CRVS_NEW matches OPENCRVS_NEW.
 */
export function providerMatches(entry: Record<string, string>, source: string, process: string) {
  const cs = (entry.source ?? "").toUpperCase();
  const cp = (entry.process ?? "").toUpperCase();
  return cs.includes(source.toUpperCase()) && cp.includes(process.toUpperCase());
}

/** The first `provider.packetwriter.*` entry (sorted by name) that accepts (source, process). */
export async function resolveWriter(
  sb: SandboxContext,
  source: string,
  process: string,
): Promise<string | undefined> {
  const entries = {
    ...(await propertiesWithPrefix(sb, APPLICATION_FILE, "provider.packetwriter.")),
    ...(await propertiesWithPrefix(sb, PACKET_MANAGER_FILE, "provider.packetwriter.")),
  };
  for (const [key, value] of Object.entries(entries)) {
    if (providerMatches(parseProviderEntry(value), source, process)) return key;
  }
  return undefined;
}

/** Reason a packet cannot be written, or undefined (the real service only logs it). */
async function writeProblem(
  sb: SandboxContext,
  p: Record<string, unknown>,
): Promise<string | undefined> {
  if (typeof p.id !== "string" || p.id.trim() === "") return "id is missing";
  const fields = p.fields;
  if (!fields || typeof fields !== "object" || Array.isArray(fields)) return "fields is missing";
  const bad = Object.entries(fields as Record<string, unknown>)
    .filter(([, v]) => typeof v !== "string" && v !== null)
    .map(([k]) => k);
  if (bad.length > 0) return `fields must be strings: ${bad.join(", ")}`;
  if (p.metaInfo !== undefined && p.metaInfo !== null) {
    if (typeof p.metaInfo !== "object" || Array.isArray(p.metaInfo)) return "metaInfo is not a map";
    const badMeta = Object.entries(p.metaInfo as Record<string, unknown>).filter(
      ([, v]) => typeof v !== "string" && v !== null,
    );
    if (badMeta.length > 0)
      return `metaInfo must be strings: ${badMeta.map(([k]) => k).join(", ")}`;
  }
  if (typeof p.schemaJson !== "string") return "schemaJson is missing";
  try {
    const schema: unknown = JSON.parse(p.schemaJson);
    if (!schema || typeof schema !== "object") return "schemaJson is not a JSON object";
  } catch {
    return "schemaJson is not parseable JSON";
  }
  // ID object validation with the process's mandatory attributes (`a|b` = one of them).
  const process = String(p.process ?? "").toLowerCase();
  const mandatory = await sb.config.getProperty(
    APPLICATION_FILE,
    `mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.${process}`,
  );
  const f = fields as Record<string, string | null>;
  const present = (name: string) =>
    (typeof f[name] === "string" && f[name] !== "") ||
    // The writer adds IDSchemaVersion from schemaVersion (UNCONFIRMED: inferred from the
    // packet-writer flow, not read line by line).
    (name === "IDSchemaVersion" && typeof p.schemaVersion === "string" && p.schemaVersion !== "");
  const missing = (mandatory ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .filter((alt) => !alt.split("|").some((a) => present(a.trim())));
  if (missing.length > 0) return `mandatory attributes missing: ${missing.join(", ")}`;
  return undefined;
}

export function register(sb: SandboxContext): void {
  const packets = new Map<string, StoredPacket>();
  sb.state.packets = packets;
  const log: Array<{ id: unknown; at: string; outcome: string; reason?: string }> = [];
  sb.state.packetManager = { writes: log };

  sb.router.add("PUT", "/commons/v1/packetmanager/createPacket", async (req: SandboxRequest) => {
    // `@PreAuthorize("hasAnyRole(@authorizedRoles.getPutcreatepacket())")`. When the property is
    // absent the role list is empty and nobody passes (UNCONFIRMED; 1.2.0.1 always sets it).
    const roleList =
      (await sb.config.getProperty(
        PACKET_MANAGER_FILE,
        "mosip.role.commons-packet.putcreatepacket",
      )) ??
      (await sb.config.getProperty(
        APPLICATION_FILE,
        "mosip.role.commons-packet.putcreatepacket",
      )) ??
      "";
    const roles = roleList
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean);
    const principal = await sb.authenticate(req, {
      audienceFile: PACKET_MANAGER_FILE,
      roles: roles.length > 0 ? roles : ["__no_role_configured__"],
    });

    const body = req.json() as { request?: unknown } | undefined;
    const p = body?.request;
    if (!p || typeof p !== "object" || Array.isArray(p)) {
      // `packetWriter.createPacket(null)` fails before its try block: Spring's generic handler.
      return {
        status: 500,
        body: { errors: [{ errorCode: "500", message: "request must not be null" }] },
      };
    }
    const r = p as Record<string, unknown>;
    const source = typeof r.source === "string" ? r.source : "";
    const process = typeof r.process === "string" ? r.process : "";
    const provider = await resolveWriter(sb, source, process);
    if (!provider) {
      log.push({ id: r.id, at: mosipTime(), outcome: "KER-PUT-006" });
      return kernelErr(
        { errorCode: "KER-PUT-006", message: "No available provider for given source and process" },
        req,
      );
    }

    const problem = await writeProblem(sb, r);
    if (problem) {
      // The quirk: logged, swallowed, HTTP 200 with `response: null` and no error.
      log.push({ id: r.id, at: mosipTime(), outcome: "null-response", reason: problem });
      return kernelOk(null, req, { id: "mosip.registration.packet.writer", version: "v1" });
    }

    const id = r.id as string;
    const creationDate = mosipTime();
    const refId = typeof r.refId === "string" ? r.refId : "";
    const schemaVersion = typeof r.schemaVersion === "string" ? r.schemaVersion : "";
    const content = JSON.stringify({ fields: r.fields, metaInfo: r.metaInfo ?? {} });
    const infos: PacketInfo[] = PACKET_NAMES.map((name) => ({
      id,
      packetName: `${id}_${name}`,
      source,
      process,
      refId,
      schemaVersion,
      // Stand-ins for keymanager's signature and the encrypted packet's hash.
      signature: randomBytes(256).toString("base64url"),
      encryptedHash: createHash("sha256").update(`${name}:${content}`).digest("hex").toUpperCase(),
      providerName: "PacketWriterImpl",
      providerVersion: "v1.0",
      creationDate,
    }));
    // The object store overwrites a packet written again under the same id.
    packets.set(id, {
      id,
      source,
      process,
      refId,
      schemaVersion,
      offlineMode: r.offlineMode === true,
      fields: Object.fromEntries(
        Object.entries(r.fields as Record<string, string | null>).filter(([, v]) => v !== null),
      ) as Record<string, string>,
      metaInfo: Object.fromEntries(
        Object.entries((r.metaInfo ?? {}) as Record<string, string | null>).filter(
          ([, v]) => v !== null,
        ),
      ) as Record<string, string>,
      documentNames: Object.keys((r.documents ?? {}) as Record<string, unknown>),
      provider,
      packets: infos,
      createdBy: principal.userId,
      createdAt: creationDate,
    });
    log.push({ id, at: creationDate, outcome: "written" });
    return kernelOk(infos, req, { id: "mosip.registration.packet.writer", version: "v1" });
  });
}
