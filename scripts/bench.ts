// `npm run bench [-- --json] [--offices 1,10,100]`: how the stack performs against the embedded
// MOSIP sandbox, through the harness engine (the program as `pulumi up` runs it). For each office
// count: converge from nothing, then the no-op re-run, each with wall time, requests by method,
// writes and reads per managed object, peak memory, and the state's size (per resource, the
// serialized providers, the total). Then the baseline: the same onboarding done as MOSIP's own
// onboarding scripts do it (contract §11: one call at a time, in order), timed on a fresh sandbox
// in the same run, and the ratio. The bench measures; it asserts nothing. What the stack creates
// is whatever index.ts wires today: counts come from the state, so they follow the program.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { CRVS_CLIENT_ROLES } from "../components/crvs-keycloak-client";
import { MosipClient } from "../components/mosip/client";
import type { EngineOptions, EngineResult, StepEvent } from "../test/harness/engine";
import { loadState, type StackState } from "../test/harness/state";
import { onboardCredentialPartner } from "../test/sandbox/credential-fixtures";
import { createKeycloakUser } from "../test/sandbox/pms-testkit";
import { CONFIG_REPO_NAME } from "../test/sandbox/config-server";
import { startSandbox, type Sandbox } from "../test/sandbox/server";
import {
  isWrite,
  localStack,
  managed,
  ROOT,
  startLocalSandbox,
  STACK,
  typeName,
  type LocalStack,
} from "../test/reliability/stack";
import { CallbackReceiver } from "./e2e/callback-receiver";
import { stackConfig } from "./harness";

export interface RunFigures {
  seconds: number;
  requests: { total: number; byMethod: Record<string, number>; writes: number; reads: number };
  /** Requests per managed object (total, writes, reads). */
  perObject: { requests: number; writes: number; reads: number };
  steps: Record<string, number>;
  /** Peak resident memory in MB: this process (sandbox), the engine, the program, the provider host. */
  peakMemoryMB: {
    bench: number;
    engine: number | null;
    program: number | null;
    providerHost: number | null;
  };
}

export interface BenchPoint {
  offices: number;
  managedObjects: number;
  objectsByType: Record<string, number>;
  converge: RunFigures;
  /** The converge run's writes per managed-object type, against the contract's minimum. */
  convergeWritesByType: WritesByType;
  noop: RunFigures & { zeroWrites: boolean; atMostOneReadPerObject: boolean };
  state: {
    totalBytes: number;
    perResourceBytes: number;
    providerBytes: number;
    providerBytesPerResource: number;
    byType: Record<string, { count: number; bytesEach: number; providerBytesEach: number }>;
  };
  baseline: {
    seconds: number;
    requests: number;
    writes: number;
    covers: string[];
    /** Stack converge time / baseline time (>1: the stack is slower). */
    ratio: number;
  };
}

const KINDS_NOT_IN_BASELINE = [
  "Auth partner and its OIDC client and API key",
  "WebSub subscriptions",
  "config-repo properties",
];

// ---------------------------------------------------------------------------------------------
// Memory: VmHWM (peak RSS) of this process's descendants, sampled while a run goes on
// ---------------------------------------------------------------------------------------------

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone, or no /proc (not Linux)
  }
  return out;
}

function status(pid: number): { hwmKB: number; cmd: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    return hwm ? { hwmKB: Number(hwm[1]), cmd } : undefined;
  } catch {
    return undefined;
  }
}

function memorySampler() {
  const peak = { engine: 0, program: 0, providerHost: 0 };
  const tick = () => {
    const stack = [...children(process.pid)];
    while (stack.length) {
      const pid = stack.pop()!;
      stack.push(...children(pid));
      const s = status(pid);
      if (!s) continue;
      if (s.cmd.includes("engine-child")) peak.engine = Math.max(peak.engine, s.hwmKB);
      if (s.cmd.includes("cmd/run")) peak.program = Math.max(peak.program, s.hwmKB);
      if (s.cmd.includes("dynamic-provider"))
        peak.providerHost = Math.max(peak.providerHost, s.hwmKB);
    }
  };
  const timer = setInterval(tick, 200);
  return {
    stop() {
      clearInterval(timer);
      tick();
      const mb = (kb: number) => (kb ? Math.round(kb / 102.4) / 10 : null);
      return {
        bench: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
        engine: mb(peak.engine),
        program: mb(peak.program),
        providerHost: mb(peak.providerHost),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The stack through the harness engine
// ---------------------------------------------------------------------------------------------

/**
 * Runs the engine in its own process (test/reliability/engine-child.ts), as `pulumi up` is apart
 * from MOSIP: in this process it would share one event loop with the sandbox, and its synchronous
 * state writes (the whole file after every step) would stall the sandbox's answers at 100 offices.
 */
function engineInChild(opts: EngineOptions): Promise<Pick<EngineResult, "steps">> {
  const file = join(dirname(opts.stateFile), "engine-options.json");
  writeFileSync(file, JSON.stringify(opts), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "node_modules/tsx/dist/cli.mjs"),
      join(ROOT, "test/reliability/engine-child.ts"),
      file,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => {
      rmSync(file, { force: true });
      if (code !== 0) return reject(new Error(err.trim().split("\n").slice(-5).join(" ")));
      const steps = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as StepEvent);
      resolve({ steps });
    }),
  );
}

async function measuredUp(
  sb: Sandbox,
  stack: LocalStack,
  stateFile: string,
  passphrase: string,
  checkpointIntervalMs: number,
): Promise<{
  result: Pick<EngineResult, "steps">;
  figures: Omit<RunFigures, "perObject">;
  served: Sandbox["requests"];
}> {
  const first = sb.requests.length;
  const mem = memorySampler();
  const started = Date.now();
  const result = await engineInChild({
    op: "up",
    stack: STACK,
    project: stack.project,
    stateFile,
    config: stack.config,
    secretKeys: stack.secretKeys,
    passphrase,
    checkpointIntervalMs,
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const peakMemoryMB = mem.stop();
  const served = sb.requests.slice(first);
  const byMethod: Record<string, number> = {};
  for (const r of served) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
  const writes = served.filter(isWrite).length;
  const steps: Record<string, number> = {};
  for (const s of result.steps) steps[s.op] = (steps[s.op] ?? 0) + 1;
  return {
    result,
    served,
    figures: {
      seconds,
      requests: { total: served.length, byMethod, writes, reads: served.length - writes },
      steps,
      peakMemoryMB,
    },
  };
}

function perObject(f: Omit<RunFigures, "perObject">, objects: number): RunFigures {
  const r = (n: number) => (objects ? Math.round((n / objects) * 100) / 100 : 0);
  return {
    ...f,
    perObject: {
      requests: r(f.requests.total),
      writes: r(f.requests.writes),
      reads: r(f.requests.reads),
    },
  };
}

function stateSizes(stateFile: string, decrypted: StackState): BenchPoint["state"] {
  const stored = JSON.parse(readFileSync(stateFile, "utf8")) as StackState;
  const totalBytes = statSync(stateFile).size;
  const byType: BenchPoint["state"]["byType"] = {};
  let providerBytes = 0;
  const ids = new Set(managed(decrypted).map((r) => r.urn));
  const mine = stored.resources.filter((r) => ids.has(r.urn));
  for (const r of mine) {
    const bytes = Buffer.byteLength(JSON.stringify(r));
    const provider = r.outputs.__provider ?? r.inputs.__provider;
    const pbytes = typeof provider === "string" ? Buffer.byteLength(provider) : 0;
    providerBytes += pbytes;
    const t = (byType[typeName(r.type)] ??= { count: 0, bytesEach: 0, providerBytesEach: 0 });
    t.bytesEach = Math.round((t.bytesEach * t.count + bytes) / (t.count + 1));
    t.providerBytesEach = Math.round((t.providerBytesEach * t.count + pbytes) / (t.count + 1));
    t.count++;
  }
  return {
    totalBytes,
    perResourceBytes: mine.length ? Math.round(totalBytes / mine.length) : 0,
    providerBytes,
    providerBytesPerResource: mine.length ? Math.round(providerBytes / mine.length) : 0,
    byType,
  };
}

// ---------------------------------------------------------------------------------------------
// Writes per managed-object type, against the contract's minimum (issue 5: the first run makes no
// more writes than the objects need)
// ---------------------------------------------------------------------------------------------

const KC = "^/auth/admin/realms/[^/]+/";
const PM = "^/v1/partnermanager/partners";
const MD = "^/v1/masterdata/";

/**
 * Which managed-object type made a write, by its method and path (first match wins). Keycloak
 * role mappings go to `users/{id}/role-mappings/realm` for both kinds that make them: the user's
 * id says which ({@link attributeWrites} looks it up).
 */
const WRITE_RULES: Array<{ type: string; method?: RegExp; path: RegExp }> = [
  { type: "@role-mapping", path: new RegExp(`${KC}users/[^/]+/role-mappings/realm$`) },
  { type: "Client", path: new RegExp(`${KC}clients(/|$)`) },
  { type: "Role", path: new RegExp(`${KC}roles(-by-id)?(/|$)`) },
  { type: "User", path: new RegExp(`${KC}users(/|$)`) },
  { type: "PolicyGroup", path: /^\/v1\/policymanager\/policies\/group\/(new|[^/]+)$/ },
  {
    type: "Policy",
    path: /^\/v1\/policymanager\/policies(\/[^/]+(\/group\/[^/]+(\/publish)?)?)?$/,
  },
  { type: "CaCertificate", path: new RegExp(`${PM}/certificate/ca/upload$`) },
  { type: "PartnerCertificate", path: new RegExp(`${PM}/certificate/upload$`) },
  {
    type: "PolicyMapping",
    path: new RegExp(`${PM}/([^/]+/policy/map|[^/]+/bioextractors/[^/]+|policy/[^/]+)$`),
  },
  { type: "CredentialTypeMapping", path: new RegExp(`${PM}/[^/]+/credentialtype/`) },
  { type: "ApiKey", path: new RegExp(`${PM}/[^/]+/(generate/apikey|policy/[^/]+/apiKey/status)$`) },
  { type: "Partner", path: new RegExp(`${PM}(/v2)?(/[^/]+(/policygroup/[^/]+|/contact/add)?)?$`) },
  { type: "OidcClient", path: /^\/v1\/partnermanager\/oidc\/client(\/[^/]+)?$/ },
  { type: "WebSubSubscription", path: /^\/hub$/ },
  {
    type: "RegistrationCentre",
    path: new RegExp(`${MD}registrationcenters(/language|/nonlanguage)?$`),
  },
  { type: "Machine", path: new RegExp(`${MD}machines$`) },
  { type: "OfficerMapping", path: new RegExp(`${MD}(zoneuser|usercentermapping)$`) },
  { type: "ConfigProperties", path: /\/git-receive-pack$/ },
];

type Inputs = Record<string, unknown>;

/**
 * The fewest writes the MOSIP API contract (the design's reference mosip-api.md) allows for
 * creating one object of a type with these inputs, and why. `languages` is the stack's
 * configured MOSIP languages (mosip-crvs:mosip.languages).
 */
const MINIMUM: Record<
  string,
  (inputs: Inputs, languages: number) => { writes: number; reason: string }
> = {
  PolicyGroup: () => ({ writes: 1, reason: "§4.1: POST /policies/group/new (created active)" }),
  Policy: () => ({
    writes: 2,
    reason:
      "§4.2: POST /policies creates it drafted; POST .../publish (required before mapping, §11.4)",
  }),
  Partner: (i) =>
    i.active === false
      ? { writes: 2, reason: "§5.1: POST /partners; PATCH De-Active (declared inactive)" }
      : {
          writes: 1,
          reason: "§5.1: POST /partners (self-registration); the leaf upload activates it (§5.2)",
        },
  CaCertificate: () => ({ writes: 1, reason: "§5.2: POST /partners/certificate/ca/upload" }),
  PartnerCertificate: () => ({ writes: 1, reason: "§5.2: POST /partners/certificate/upload" }),
  PolicyMapping: (i) => {
    const ex = Array.isArray(i.extractors) && i.extractors.length > 0;
    const ap = i.approve !== false;
    return {
      writes: 1 + (ex ? 1 : 0) + (ap ? 1 : 0),
      reason: `§5.3: POST .../policy/map${ex ? "; §5.4: POST .../bioextractors (before approval)" : ""}${ap ? "; §5.3: PUT /partners/policy/{key} Approved" : ""}`,
    };
  },
  CredentialTypeMapping: () => ({
    writes: 1,
    reason: "§5.5: POST .../credentialtype/{type}/policies/{name} (no body)",
  }),
  ApiKey: () => ({ writes: 1, reason: "§5.6: PATCH /partners/{id}/generate/apikey" }),
  OidcClient: () => ({ writes: 1, reason: "§5.8: POST /oidc/client (PMS calls eSignet itself)" }),
  WebSubSubscription: () => ({ writes: 1, reason: "§7.4: POST /hub hub.mode=subscribe" }),
  RegistrationCentre: (i, languages) => {
    const n =
      i.localized && typeof i.localized === "object" ? Object.keys(i.localized).length : languages;
    return {
      writes: n + 1,
      reason: `§8.2: POST (primary language, stored inactive) + ${n - 1} PUT /language + PATCH isActive=true (${n} languages)`,
    };
  },
  Machine: () => ({
    writes: 2,
    reason: "§8.3: POST /machines (stored inactive) + PATCH isActive=true",
  }),
  OfficerMapping: () => ({
    writes: 4,
    reason:
      "§8.4/§8.5: POST + PATCH /zoneuser, then POST + PATCH /usercentermapping (all stored inactive)",
  }),
  ConfigProperties: () => ({
    writes: 1,
    reason: "§3: properties live in the config repo; one commit, one git push (git-receive-pack)",
  }),
  Client: () => ({ writes: 1, reason: "§2/§11: POST /clients (Keycloak admin REST)" }),
  Role: () => ({ writes: 1, reason: "§11: POST /roles" }),
  User: () => ({ writes: 1, reason: "§11 create_keycloak_user: POST /users (credentials inline)" }),
  UserRoles: () => ({ writes: 1, reason: "§11: one POST /users/{id}/role-mappings/realm" }),
  ClientServiceAccountRealmRole: () => ({
    writes: 1,
    reason: "§2: one POST /users/{service-account id}/role-mappings/realm",
  }),
};

/**
 * Why a type can make more writes than its minimum on a first run, when the cause is known and
 * not a defect. Any other excess is reported as UNEXPLAINED: a finding.
 */
const EXCESS_CAUSES: Record<string, string> = {
  ConfigProperties:
    "the files share one branch and are pushed concurrently; the branch takes no non-fast-forward push (protected, never forced), so a push that lost the race is rejected, fetched, edited again and pushed again (config-properties.ts, at most 5 attempts): each excess push is one lost race",
  UserRoles:
    "exhaustive: true (auth-partner.ts): POST /users grants Keycloak's default-roles-<realm> to every new user, and the mapping removes it with one DELETE .../role-mappings/realm; the declared role set, not the contract, asks for it",
};

export interface WritesByType {
  /** Per type: objects in the state, writes observed, the contract's minimum, the excess. */
  byType: Record<
    string,
    {
      objects: number;
      writes: number;
      minimumPerObject: number | null;
      minimum: number | null;
      excess: number | null;
      reason: string;
      /** When excess > 0: its known cause, or `UNEXPLAINED: ...` (a finding). */
      excessCause: string | null;
      /** Observed writes by method and path, ids replaced by `{id}`. */
      calls: Record<string, number>;
    }
  >;
  attributed: number;
  /** Writes no rule claims, as `METHOD path`; expected none. */
  unattributed: string[];
}

/** Path with its variable segments (ids, keys, uuids, numbers) replaced by `{id}`. */
function shape(path: string): string {
  return path
    .split("/")
    .map((s) => (/\d/.test(s) && !/^v\d+$/.test(s) ? "{id}" : s))
    .join("/");
}

export function attributeWrites(
  served: Array<{ method: string; path: string }>,
  objects: Array<{ type: string; inputs: Inputs }>,
  languages: number,
  serviceAccountUsers: ReadonlySet<string>,
  /** Commits the run added to the config repo's label: the files that needed a change. */
  configCommits: number | null = null,
): WritesByType {
  const byType: WritesByType["byType"] = {};
  const entry = (type: string) =>
    (byType[type] ??= {
      objects: 0,
      writes: 0,
      minimumPerObject: null,
      minimum: null,
      excess: null,
      reason: "no contract minimum for this type",
      excessCause: null,
      calls: {},
    });
  for (const r of objects) {
    const t = entry(typeName(r.type));
    t.objects++;
    const m = MINIMUM[typeName(r.type)]?.(r.inputs, languages);
    if (m) {
      t.minimum = (t.minimum ?? 0) + m.writes;
      // Kept when every object of the type has the same minimum; else the reasons are joined.
      t.minimumPerObject = t.objects === 1 || t.minimumPerObject === m.writes ? m.writes : null;
      if (!t.reason.includes(m.reason))
        t.reason = t.objects === 1 ? m.reason : `${t.reason} | ${m.reason}`;
    }
  }
  // A properties file that already holds the declared values needs no push: the minimum is one
  // push per file that changed, which the repository's new commits count.
  const cfg = byType.ConfigProperties;
  if (cfg && configCommits !== null) {
    cfg.minimum = configCommits;
    cfg.minimumPerObject = configCommits === cfg.objects ? 1 : null;
    cfg.reason = `§3: one commit and one git push (git-receive-pack) per properties file that needed a change (${configCommits} of ${cfg.objects} here; the others already held the values)`;
  }
  const unattributed: string[] = [];
  let attributed = 0;
  for (const r of served.filter(isWrite)) {
    let type = WRITE_RULES.find((w) => w.path.test(r.path))?.type;
    if (type === "@role-mapping") {
      const user = r.path.split("/").at(-3) ?? "";
      type = serviceAccountUsers.has(user) ? "ClientServiceAccountRealmRole" : "UserRoles";
    }
    if (!type) {
      unattributed.push(`${r.method} ${r.path}`);
      continue;
    }
    attributed++;
    const t = entry(type);
    t.writes++;
    const call = `${r.method} ${shape(r.path)}`;
    t.calls[call] = (t.calls[call] ?? 0) + 1;
  }
  for (const [type, t] of Object.entries(byType)) {
    if (t.minimum === null) {
      // A type with writes and no contract minimum is itself a finding.
      if (t.writes > 0) t.excessCause = "UNEXPLAINED: writes by a type with no contract minimum";
      continue;
    }
    t.excess = t.writes - t.minimum;
    if (t.excess > 0)
      t.excessCause = EXCESS_CAUSES[type] ?? "UNEXPLAINED: more writes than the contract needs";
  }
  return { byType, attributed, unattributed };
}

/** Ids of the realm's service-account users among those role mappings were written for. */
async function serviceAccountUsers(
  sb: Sandbox,
  served: Array<{ method: string; path: string }>,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const r of served.filter(isWrite)) {
    const m = /^\/auth\/admin\/realms\/([^/]+)\/users\/([^/]+)\/role-mappings\/realm$/.exec(r.path);
    if (m) ids.add(`${m[1]}/${m[2]}`);
  }
  const out = new Set<string>();
  if (!ids.size) return out;
  const o = sb.context.options;
  const res = await fetch(`${sb.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }),
  });
  const token = ((await res.json()) as { access_token: string }).access_token;
  for (const key of ids) {
    const [realm, id] = key.split("/");
    const u = await fetch(`${sb.url}/auth/admin/realms/${realm}/users/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (u.ok && ((await u.json()) as { serviceAccountClientId?: string }).serviceAccountClientId)
      out.add(id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The baseline: MOSIP's onboarding scripts' way, one call at a time in §11 order
// ---------------------------------------------------------------------------------------------

type Office = {
  centre: Record<string, unknown> & { localized: Record<string, Record<string, unknown>> };
  machine: Record<string, unknown> & { name: string };
  officer: { username: string };
};

const spki = () =>
  generateKeyPairSync("rsa", { modulusLength: 2048 })
    .publicKey.export({ type: "spki", format: "der" })
    .toString("base64url");

export async function baseline(stack: LocalStack): Promise<Omit<BenchPoint["baseline"], "ratio">> {
  const sb = await startLocalSandbox();
  try {
    const config = JSON.parse(
      JSON.stringify(stack.config).replaceAll(
        String((stack.config["mosip-crvs:mosip"] as { apiBaseUrl: string }).apiBaseUrl),
        sb.url,
      ),
    ) as Record<string, unknown>;
    const mosip = config["mosip-crvs:mosip"] as { languages: string[] };
    const systems = config["mosip-crvs:crvsSystems"] as Array<{
      partnerId: string;
      credentialType?: string;
    }>;
    const offices = config["mosip-crvs:registrationOffices"] as Office[];
    const o = sb.context.options;
    const client = new MosipClient({
      apiBaseUrl: sb.url,
      credentials: { clientId: o.adminClientId, secretKey: o.adminClientSecret, appId: "admin" },
    });
    const first = sb.requests.length;
    const started = Date.now();
    const covers = new Set<string>();
    const kcToken = async () => {
      const res = await fetch(`${sb.url}/auth/realms/master/protocol/openid-connect/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "password",
          client_id: "admin-cli",
          username: o.keycloakAdminUser,
          password: o.keycloakAdminPassword,
        }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const kc = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sb.url}/auth/admin/realms/mosip/${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`Keycloak ${method} ${path}: HTTP ${res.status}`);
      const text = await res.text();
      return text ? (JSON.parse(text) as unknown) : undefined;
    };

    for (const s of systems) {
      // The CRVS client: confidential, service account, the integration's roles (§2).
      const t = await kcToken();
      await kc(t, "POST", "clients", {
        clientId: s.partnerId,
        enabled: true,
        publicClient: false,
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
      });
      const [c] = (await kc(t, "GET", `clients?clientId=${s.partnerId}`)) as { id: string }[];
      const sa = (await kc(t, "GET", `clients/${c.id}/service-account-user`)) as { id: string };
      // The integration's roles; one MOSIP does not ship is created first, as the stack does.
      let roles = (await kc(t, "GET", "roles")) as { id: string; name: string }[];
      for (const name of CRVS_CLIENT_ROLES.filter((r) => !roles.some((x) => x.name === r))) {
        await kc(t, "POST", "roles", { name, description: "Created by the onboarding baseline" });
        roles = (await kc(t, "GET", "roles")) as { id: string; name: string }[];
      }
      await kc(
        t,
        "POST",
        `users/${sa.id}/role-mappings/realm`,
        roles.filter((r) => (CRVS_CLIENT_ROLES as readonly string[]).includes(r.name)),
      );
      covers.add("Keycloak client + role mappings");
      // §11.1: user, group + DataShare policy + publish, partner, CA + leaf, mapping, approval,
      // credential type.
      await onboardCredentialPartner(sb, `${s.partnerId}-credential`, s.credentialType ?? "crvs");
      covers.add("credential partner (§11.1 with approval)");
    }

    for (const office of offices) {
      const [primary, ...others] = mosip.languages;
      const { localized, ...centre } = office.centre;
      const created = await client.kernel<{ id: string }>(
        "POST",
        "/v1/masterdata/registrationcenters",
        {
          idempotent: false,
          request: {
            ...centre,
            ...localized[primary],
            langCode: primary,
            isActive: true,
            numberOfKiosks: 1,
            perKioskProcessTime: "00:15:00",
            lunchStartTime: "13:00:00",
            lunchEndTime: "14:00:00",
            workingNonWorkingDays: { mon: true, tue: true, wed: true, thu: true, fri: true },
            exceptionalHolidayPutPostDto: [],
          },
        },
      );
      for (const l of others)
        await client.kernel("PUT", "/v1/masterdata/registrationcenters/language", {
          request: { id: created.id, langCode: l, ...localized[l] },
        });
      // masterdata creates inactive rows; the admin activates each one (§8.7).
      await client.kernel("PATCH", "/v1/masterdata/registrationcenters", {
        query: { isActive: true, id: created.id },
      });
      covers.add("registration centre (every language)");
      const machine = await client.kernel<{ id: string }>("POST", "/v1/masterdata/machines", {
        idempotent: false,
        request: {
          name: office.machine.name,
          serialNum: null,
          macAddress: null,
          ipAddress: office.machine.ipAddress ?? null,
          machineSpecId: office.machine.machineSpecId,
          isActive: true,
          zoneCode: centre.zoneCode,
          regCenterId: created.id,
          publicKey: spki(),
          signPublicKey: spki(),
          langCode: primary,
        },
      });
      await client.kernel("PATCH", "/v1/masterdata/machines", {
        query: { id: machine.id, isActive: true },
      });
      covers.add("machine");
      const user = office.officer.username;
      await createKeycloakUser(sb, user, `sandbox-bench-${randomBytes(6).toString("hex")}`, [
        "REGISTRATION_OFFICER",
      ]);
      await client.kernel("POST", "/v1/masterdata/zoneuser", {
        idempotent: false,
        request: { zoneCode: centre.zoneCode, userId: user, isActive: true },
      });
      await client.kernel("PATCH", "/v1/masterdata/zoneuser", {
        query: { isActive: true, userId: user },
      });
      await client.kernel("POST", "/v1/masterdata/usercentermapping", {
        idempotent: false,
        request: {
          id: user,
          regCenterId: created.id,
          isActive: true,
          name: null,
          statusCode: null,
        },
      });
      await client.kernel("PATCH", "/v1/masterdata/usercentermapping", {
        query: { isActive: true, id: user },
      });
      covers.add("officer user + zone and centre mappings");
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    await client.close();
    const served = sb.requests.slice(first);
    return {
      seconds,
      requests: served.length,
      writes: served.filter(isWrite).length,
      covers: [...covers],
    };
  } finally {
    await sb.close();
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * One office count. `checkpointIntervalMs`: how often the engine may save the state during `up`
 * (0 = after every step, as the CLI checkpoints; the default).
 */
export async function benchPoint(
  offices: number,
  log: (s: string) => void,
  checkpointIntervalMs = 0,
): Promise<BenchPoint> {
  const work = mkdtempSync(join(tmpdir(), "mosip-crvs-bench-"));
  // As startLocalSandbox, with the config repo in `work` so its commits can be counted.
  const release = (stackConfig(ROOT, STACK).config["mosip-crvs:mosip"] as { release?: string })
    .release;
  const sbDir = join(work, "sandbox");
  const sb = await startSandbox({
    workDir: sbDir,
    ...(release ? { release: release as "1.2.0.1" | "1.2.1" | "1.3" } : {}),
  });
  const receiver = await CallbackReceiver.start();
  const passphrase = randomBytes(16).toString("hex");
  try {
    const stack = localStack(sb, receiver, { offices });
    const stateFile = join(work, "state.json");
    const label = (stack.config["mosip-crvs:configServer"] as { label?: string } | undefined)
      ?.label;
    const commits = () =>
      label
        ? Number(
            execFileSync("git", [
              "--git-dir",
              join(sbDir, CONFIG_REPO_NAME),
              "rev-list",
              "--count",
              label,
            ]).toString(),
          )
        : null;
    const commitsBefore = commits();
    log(`offices=${offices}: converging from nothing...`);
    const conv = await measuredUp(sb, stack, stateFile, passphrase, checkpointIntervalMs);
    const commitsAfter = commits();
    const state = loadState(stateFile, STACK, stack.project, passphrase);
    const objects = managed(state);
    const objectsByType: Record<string, number> = {};
    for (const r of objects)
      objectsByType[typeName(r.type)] = (objectsByType[typeName(r.type)] ?? 0) + 1;
    log(
      `offices=${offices}: ${objects.length} managed objects in ${conv.figures.seconds}s; no-op re-run...`,
    );
    const languages = (stack.config["mosip-crvs:mosip"] as { languages?: string[] }).languages;
    const writesByType = attributeWrites(
      conv.served,
      objects,
      languages?.length ?? 1,
      await serviceAccountUsers(sb, conv.served),
      commitsBefore === null || commitsAfter === null ? null : commitsAfter - commitsBefore,
    );
    const noop = await measuredUp(sb, stack, stateFile, passphrase, checkpointIntervalMs);
    const sizes = stateSizes(stateFile, state);
    log(`offices=${offices}: baseline (onboarding scripts' way)...`);
    const base = await baseline(stack);
    const n = objects.length;
    const noopFigures = perObject(noop.figures, n);
    return {
      offices,
      managedObjects: n,
      objectsByType,
      converge: perObject(conv.figures, n),
      convergeWritesByType: writesByType,
      noop: {
        ...noopFigures,
        zeroWrites: noop.figures.requests.writes === 0,
        atMostOneReadPerObject: noop.figures.requests.reads <= n,
      },
      state: sizes,
      baseline: {
        ...base,
        ratio: base.seconds ? Math.round((conv.figures.seconds / base.seconds) * 100) / 100 : 0,
      },
    };
  } finally {
    await sb.close();
    await receiver.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function table(points: BenchPoint[]): string {
  const rows: string[][] = [
    [
      "offices",
      "objects",
      "converge s",
      "req (W/R)",
      "req/object",
      "no-op s",
      "no-op W/R",
      "no-op ok",
      "baseline s",
      "ratio",
      "state KB",
      "provider B/res",
      "peak MB (bench+sandbox/engine/program/host)",
    ],
  ];
  for (const p of points) {
    const ok = p.noop.zeroWrites && p.noop.atMostOneReadPerObject;
    rows.push([
      String(p.offices),
      String(p.managedObjects),
      String(p.converge.seconds),
      `${p.converge.requests.total} (${p.converge.requests.writes}/${p.converge.requests.reads})`,
      String(p.converge.perObject.requests),
      String(p.noop.seconds),
      `${p.noop.requests.writes}/${p.noop.requests.reads}`,
      ok
        ? "yes"
        : `NO (${p.noop.zeroWrites ? "" : "writes "}${p.noop.atMostOneReadPerObject ? "" : "reads>objects"})`,
      String(p.baseline.seconds),
      `${p.baseline.ratio}x`,
      String(Math.round(p.state.totalBytes / 102.4) / 10),
      String(p.state.providerBytesPerResource),
      `${p.converge.peakMemoryMB.bench}/${p.converge.peakMemoryMB.engine ?? "?"}/${p.converge.peakMemoryMB.program ?? "?"}/${p.converge.peakMemoryMB.providerHost ?? "?"}`,
    ]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join("  ")).join("\n");
}

/** The converge run's writes per type against the contract's minimum, as a text table. */
export function writesTable(w: WritesByType): string {
  const rows: string[][] = [
    ["type", "objects", "writes", "min/object", "min total", "excess", "why the minimum"],
  ];
  for (const [type, t] of Object.entries(w.byType).sort(([a], [b]) => a.localeCompare(b)))
    rows.push([
      type,
      String(t.objects),
      String(t.writes),
      t.minimumPerObject === null
        ? t.minimum === null
          ? "-"
          : "varies"
        : String(t.minimumPerObject),
      t.minimum === null ? "-" : String(t.minimum),
      t.excess === null ? "-" : String(t.excess),
      t.reason,
    ]);
  const wd = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(wd[i]))).join("  "),
  );
  for (const [type, t] of Object.entries(w.byType))
    if (t.excessCause) lines.push(`${type} excess: ${t.excessCause}`);
  lines.push(
    `attributed: ${w.attributed}; unattributed: ${w.unattributed.length ? w.unattributed.join(", ") : "none"}`,
  );
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      offices: { type: "string", default: "1,10" },
      "checkpoint-ms": { type: "string", default: "0" },
    },
    strict: true,
  });
  const counts = String(values.offices)
    .split(",")
    .map((s) => Number(s.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write("--offices takes a comma-separated list of positive integers\n");
    return 2;
  }
  const checkpointMs = Number(values["checkpoint-ms"]);
  if (!Number.isInteger(checkpointMs) || checkpointMs < 0) {
    process.stderr.write(
      "--checkpoint-ms takes a whole number of milliseconds (0 = save the state after every step)\n",
    );
    return 2;
  }
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const points: BenchPoint[] = [];
  const failures: Array<{ offices: number; error: string }> = [];
  for (const n of counts) {
    try {
      points.push(await benchPoint(n, log, checkpointMs));
    } catch (e) {
      // A failed point is reported, and the others are still measured.
      failures.push({ offices: n, error: (e as Error).message.split("\n")[0] });
      log(`offices=${n}: FAILED: ${failures.at(-1)!.error}`);
    }
  }
  const doc = {
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
    checkpointIntervalMs: checkpointMs,
    notInBaseline: KINDS_NOT_IN_BASELINE,
    points,
    failures,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else {
    process.stdout.write(`${table(points)}\n\n`);
    for (const p of points) {
      process.stdout.write(
        `offices=${p.offices}: no-op re-run made ${p.noop.requests.writes} writes (${p.noop.zeroWrites ? "zero, as it should" : "NOT zero"}) and ${p.noop.requests.reads} reads for ${p.managedObjects} objects (${p.noop.atMostOneReadPerObject ? "at most one per object" : "MORE than one per object"}).\n`,
      );
    }
    for (const p of points)
      process.stdout.write(
        `\noffices=${p.offices}: converge writes per type (contract minimum):\n${writesTable(p.convergeWritesByType)}\n`,
      );
    process.stdout.write(
      `\nBaseline: ${points[0]?.baseline.covers.join(", ")}; not in it: ${KINDS_NOT_IN_BASELINE.join(", ")}.\n`,
    );
    for (const f of failures) process.stdout.write(`offices=${f.offices}: FAILED: ${f.error}\n`);
  }
  return failures.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    },
  );
}
