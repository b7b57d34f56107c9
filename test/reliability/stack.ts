// Shared by the reliability suite and the benchmark: the "local" stack (Pulumi.local.yaml) pointed
// at a sandbox on its real port, optionally with N generated registration offices, and an
// inventory of what the sandbox holds per kind of object, by natural key, to find duplicates and
// missing objects. Nothing here knows which components the program wires: counts come from the
// sandbox's own state and from the harness state, so they grow as the program grows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import { stackConfig } from "../../scripts/harness";
import { startSandbox, type Sandbox } from "../sandbox/server";
import type { StackState } from "../harness/state";
import { isSecret, type Props } from "../harness/values";

export const ROOT = join(__dirname, "../..");
export const STACK = "local";

/** The stack's credential keys: set as secret config, as `pulumi config set --secret` does. */
export const CREDENTIAL_KEYS = [
  "mosip-crvs:mosipClientSecret",
  "mosip-crvs:keycloakAdminPassword",
  "mosip-crvs:configRepoToken",
];

/** Points every sandbox URL of the stack file (port 8090) at the port the sandbox really got. */
export function retarget(value: unknown, url: string): unknown {
  if (typeof value === "string") return value.replace(/^http:\/\/127\.0\.0\.1:8090/, url);
  if (Array.isArray(value)) return value.map((v) => retarget(v, url));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, retarget(v, url)]));
  }
  return value;
}

type Office = {
  centre: { localized: Record<string, { name: string; addressLine1?: string }> } & Props;
  machine: { name: string } & Props;
  officer: { username: string } & Props;
};

/** `n` offices made from the stack file's first one, with unique centre/machine/officer names. */
export function generateOffices(template: Office, n: number): Office[] {
  return Array.from({ length: n }, (_, i) => {
    const o = JSON.parse(JSON.stringify(template)) as Office;
    const tag = String(i + 1).padStart(3, "0");
    for (const l of Object.values(o.centre.localized)) l.name = `${l.name} ${tag}`;
    o.machine.name = `${o.machine.name}-${tag}`;
    o.officer.username = `${o.officer.username}-${tag}`;
    return o;
  });
}

export interface LocalStack {
  project: string;
  config: Record<string, unknown>;
  secretKeys: string[];
}

/**
 * Points the CRVS systems' loopback callbacks at `receiver` (a stand-in for the adapter, which must
 * answer the hub's intent verification), as `npm run demo` does.
 */
function routeCallbacks(config: Record<string, unknown>, receiver: CallbackReceiver): void {
  const systems = config["mosip-crvs:crvsSystems"] as Array<{
    partnerId: string;
    callbacks?: Record<string, string>;
  }>;
  for (const s of systems) {
    for (const [kind, url] of Object.entries(s.callbacks ?? {})) {
      const u = new URL(url);
      if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) continue;
      const credentialTopic = `${s.partnerId}/CREDENTIAL_ISSUED`;
      s.callbacks![kind] = receiver.route({
        path: u.pathname,
        topic:
          kind === "credentialIssued"
            ? credentialTopic
            : (t) => t !== credentialTopic && /STATUS|WORKFLOW_COMPLETED/.test(t),
      });
    }
  }
}

/**
 * Pulumi.local.yaml against `sandbox`, callbacks routed to `receiver`; with `offices`, that many
 * registration offices.
 */
export function localStack(
  sandbox: { url: string },
  receiver: CallbackReceiver,
  opts: { offices?: number } = {},
): LocalStack {
  const { project, config: file } = stackConfig(ROOT, STACK);
  const config = retarget(file, sandbox.url) as Record<string, unknown>;
  routeCallbacks(config, receiver);
  if (opts.offices !== undefined) {
    const key = "mosip-crvs:registrationOffices";
    const template = (config[key] as Office[])[0];
    config[key] = generateOffices(template, opts.offices);
  }
  return { project, config, secretKeys: CREDENTIAL_KEYS.filter((k) => k in config) };
}

/** A sandbox seeded as the MOSIP release the local stack targets (its Keycloak roles differ). */
export function startLocalSandbox(): Promise<Sandbox> {
  const { config } = stackConfig(ROOT, STACK);
  const release = (config["mosip-crvs:mosip"] as { release?: string } | undefined)?.release;
  return startSandbox(release ? { release: release as "1.2.0.1" | "1.2.1" | "1.3" } : {});
}

// ---------------------------------------------------------------------------------------------
// What the sandbox holds
// ---------------------------------------------------------------------------------------------

const values = (m: unknown): Props[] =>
  m instanceof Map || m instanceof Set
    ? ([...m.values()] as Props[])
    : Array.isArray(m)
      ? m
      : m && typeof m === "object"
        ? (Object.values(m as Props) as Props[])
        : [];

/** Natural keys of every object of each kind the stack can create, from the sandbox's state. */
export function inventory(sb: Sandbox): Record<string, string[]> {
  const s = sb.context.state as Record<string, Props>;
  const realms = s.keycloak?.realms;
  const realm = ((realms instanceof Map ? realms.get("mosip") : (realms as Props)?.mosip) ??
    {}) as Props;
  const roleName = new Map(values(realm.roles).map((r) => [String(r.id), String(r.name)]));
  const users = values(realm.users);
  const pms = s.pms ?? {};
  const md = s.masterdata ?? {};
  const groupName = new Map(values(pms.policyGroups).map((g) => [String(g.id), String(g.name)]));
  const inv: Record<string, string[]> = {
    "keycloak client": values(realm.clients).map((c) => String(c.clientId)),
    "keycloak role": values(realm.roles).map((r) => String(r.name)),
    "keycloak user": users.map((u) => String(u.username)),
    // A role granted twice to one user would show as the same key twice.
    "keycloak role mapping": users.flatMap((u) =>
      (values(u.roles) as unknown as string[]).map(
        (r) => `${String(u.username)}/${roleName.get(r) ?? r}`,
      ),
    ),
    "pms policy group": values(pms.policyGroups).map((g) => String(g.name)),
    "pms policy": values(pms.policies).map(
      (p) => `${groupName.get(String(p.policyGroupId)) ?? "?"}/${String(p.name)}`,
    ),
    "pms partner": values(pms.partners).map((p) => String(p.id)),
    "pms policy mapping": values(pms.mappingRequests)
      .filter((m) => !m.isDeleted)
      .map((m) => `${String(m.partnerId)}/${String(m.policyId)}`),
    "pms credential type mapping": values(pms.credentialTypes).map(
      (c) => `${String(c.partnerId)}/${String(c.credentialType)}`,
    ),
    "pms api key": values(pms.apiKeys).map((k) => `${String(k.partnerId)}/${String(k.label)}`),
    "pms oidc client": values(pms.oidcClients).map((c) => String(c.name)),
    "esignet client": values((s.esignet ?? {}).clients).map((c) => String(c.clientName)),
    "keymanager ca certificate": values((s.keymanager ?? {}).caCerts).map((c) =>
      String((c as Props).certThumbprint ?? (c as Props).certId ?? JSON.stringify(c).slice(0, 80)),
    ),
    "masterdata centre": values(md.centres)
      .filter((c) => !c.isDeleted)
      .map((c) => `${String(c.name)}/${String(c.langCode)}`),
    "masterdata machine": values(md.machines)
      .filter((m) => !m.isDeleted)
      .map((m) => String(m.name)),
    "masterdata zone user": values(md.zoneUsers)
      .filter((u) => !u.isDeleted)
      .map((u) => String(u.userId)),
    "masterdata user centre": values(md.userCentres)
      .filter((u) => !u.isDeleted)
      .map((u) => String(u.id)),
    "websub subscription": values((s.websub ?? {}).subscriptions).map(
      (x) => `${String(x.topic)} -> ${String(x.callback)}`,
    ),
  };
  return inv;
}

/** Keys that occur more than once, per kind. */
export function duplicates(inv: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [kind, keys] of Object.entries(inv)) {
    const seen = new Set<string>();
    const dup = new Set<string>();
    for (const k of keys) (seen.has(k) ? dup : seen).add(k);
    if (dup.size) out[kind] = [...dup];
  }
  return out;
}

/** Keys present in `after` but not in `before`, per kind (what a run created). */
export function added(
  before: Record<string, string[]>,
  after: Record<string, string[]>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [kind, keys] of Object.entries(after)) {
    const rest = [...(before[kind] ?? [])];
    const extra: string[] = [];
    for (const k of keys) {
      const i = rest.indexOf(k);
      if (i >= 0) rest.splice(i, 1);
      else extra.push(k);
    }
    if (extra.length) out[kind] = extra.sort();
  }
  return out;
}

/** The harness state file as stored (secrets still encrypted). */
export function readStateFile(file: string): StackState {
  return JSON.parse(readFileSync(file, "utf8")) as StackState;
}

/** Managed objects in a (decrypted) state: custom resources other than providers. */
export function managed(state: StackState) {
  return state.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
}

const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];
const JWK_PUBLIC_MEMBERS = ["kty", "n", "e", "x", "y", "crv", "alg", "use", "kid", "x5c"];

/**
 * Every secret value inside a secret wrapper, recursively: the whole string, and for a JSON-encoded
 * private JWK (or a list/map of them) its private members (its public members are not secret).
 */
export function secretStrings(v: unknown, inSecret = false, out = new Set<string>()): Set<string> {
  if (isSecret(v)) return secretStrings(v.value, true, out);
  if (typeof v === "string") {
    if (inSecret && v.length >= 8) {
      out.add(v);
      try {
        privateMembers(JSON.parse(v), out);
      } catch {
        // not JSON
      }
    }
  } else if (Array.isArray(v)) v.forEach((x) => secretStrings(x, inSecret, out));
  else if (v && typeof v === "object") {
    if (inSecret) privateMembers(v, out);
    for (const [k, x] of Object.entries(v as Props))
      if (!(inSecret && JWK_PUBLIC_MEMBERS.includes(k))) secretStrings(x, inSecret, out);
  }
  return out;
}

function privateMembers(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) return v.forEach((x) => privateMembers(x, out));
  if (!v || typeof v !== "object") return;
  const o = v as Props;
  if (typeof o.kty === "string")
    for (const k of PRIVATE_JWK_MEMBERS) if (typeof o[k] === "string") out.add(o[k] as string);
  Object.values(o).forEach((x) => privateMembers(x, out));
}

/**
 * Kinds of sandbox object each resource type creates exactly one of (one per language for centres).
 * Types not listed (Keycloak users and role mappings, config properties...) are still checked for
 * duplicates, and for existence by a refresh.
 */
export const ONE_OBJECT: Record<string, string> = {
  Client: "keycloak client",
  Role: "keycloak role",
  PolicyGroup: "pms policy group",
  Policy: "pms policy",
  Partner: "pms partner",
  PolicyMapping: "pms policy mapping",
  CredentialTypeMapping: "pms credential type mapping",
  ApiKey: "pms api key",
  OidcClient: "pms oidc client",
  CaCertificate: "keymanager ca certificate",
  RegistrationCentre: "masterdata centre",
  Machine: "masterdata machine",
  WebSubSubscription: "websub subscription",
};

/** The resource type's last segment: `pulumi-nodejs:dynamic/mosip:Partner` -> `Partner`. */
export const typeName = (t: string): string => t.slice(t.search(/[^:/]+$/));

/**
 * For the one-object kinds: how many objects the state's resources stand for (`want`) and how many
 * the sandbox gained since `before` (`got`). Equal when nothing is missing or duplicated.
 */
export function objectCounts(
  sb: Sandbox,
  before: Record<string, string[]>,
  state: StackState,
  languages: number,
): { want: Record<string, number>; got: Record<string, number> } {
  const made = added(before, inventory(sb));
  const want: Record<string, number> = {};
  for (const r of managed(state)) {
    const kind = ONE_OBJECT[typeName(r.type)];
    if (kind) want[kind] = (want[kind] ?? 0) + (kind === "masterdata centre" ? languages : 1);
  }
  const got = Object.fromEntries(Object.keys(want).map((k) => [k, made[k]?.length ?? 0]));
  return { want, got };
}

/**
 * Whether a request the sandbox served changed something. Logins, MOSIP's POST searches and git's
 * POST git-upload-pack (a fetch) are reads.
 */
export function isWrite(r: { method: string; path: string }): boolean {
  if (r.method === "GET" || r.method === "HEAD" || r.method === "OPTIONS") return false;
  return !/\/token$|\/authenticate\/|\/validateToken$|\/search$|\/filtervalues$|\/git-upload-pack$/.test(
    r.path,
  );
}
