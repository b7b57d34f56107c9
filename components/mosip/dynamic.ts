// The base every MOSIP dynamic resource stands on. An object's own file (policy-group.ts, ...)
// gives a `MosipObjectSpec` (its schema, natural key, immutable fields and MOSIP calls); this file
// turns it into a Pulumi dynamic provider that follows the design's rules: check with zod, diff over
// declared fields only, adopt-by-natural-key on create, an honest read, delete as MOSIP allows,
// credentials read inside the provider, secrets redacted from logs.
//
// How the provider travels: `pulumi.dynamic.Resource` serializes the provider object it is given
// with Pulumi's closure serializer into the `__provider` string stored in state once per resource,
// and the SDK's dynamic-provider host evaluates that text in another process. The serializer copies
// local modules by value (a MosipProvider with the client, this base and the object's file came to
// 57-74 KB a resource) but emits a bare `require("<pkg>")` for a module under node_modules. So the
// resources do not hand it a MosipProvider: scripts/build-providers.mjs bundles components/mosip
// (entry registry.ts) into node_modules/@mosip-crvs/mosip-providers (npm ci's `prepare`, vitest's
// globalSetup, or the first program run after a source change), and each resource registers
// `providerRef(type)` (provider-ref.ts): seven one-line methods that `require` that package and call
// the provider of their type, about 2 KB in state. Consequences:
// - `pulumi refresh` and `destroy` run the read/delete installed in node_modules, not a stale copy
//   from state (pulumi/pulumi#6490 no longer applies). What is installed must match the sources:
//   provider-ref.ts rebuilds a stale build when the program runs; after pulling a change, run
//   `npm ci` (or `node scripts/build-providers.mjs`) before a refresh or destroy that runs no program.
// - A new resource type must be listed in registry.ts.
// - The serializer's traps (no `exports.x` references, ES2022 field initialisers dropped, every
//   captured object copied) now matter only for provider-ref.ts. The rest of components/mosip still
//   follows them (function declarations, non-exported constants such as BASE_REV, no module-level
//   objects, fields set in constructor bodies) so a MosipProvider can still be serialized by value
//   (test/provider-host/fixtures/client-only.ts sends the client that way), but size no longer
//   depends on them. test/mosip/dynamic.test.ts measures every type's serialized provider and greps
//   it for credentials; credentials are read in `configure`, in the host, never at serialization.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { MosipClient } from "./client";
import { MosipError } from "./errors";
import { scrub } from "./redact";

/**
 * Bumped when the base's read/diff/outputs behaviour changes. Each object adds its own revision.
 *
 * Why: the provider code itself is no longer stored in state (see the header: the host runs what
 * node_modules holds), but the outputs in state were written by whatever code last touched the
 * object. The `revision` input is compared by `diff` like any declared field, so a release that
 * changes how an object is read or what it outputs shows `revision: a => b` in the preview, telling
 * the operator, and runs an update that re-reads the object and rewrites its outputs; an update whose
 * only change is the revision makes no MOSIP write. Changes that do not alter read/diff/outputs need
 * no bump.
 */
const BASE_REV = "1";
export const BASE_REVISION = BASE_REV;

/** The Pulumi project whose stack config holds the MOSIP connection (Pulumi.yaml `name`). */
const NAMESPACE = "mosip-crvs";
export const CONFIG_NAMESPACE = NAMESPACE;

/** The engine's marker for a value not known during preview (@pulumi/pulumi runtime/rpc). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What an object's operations get: the client, a logger, and the resource's display name. */
export interface MosipContext {
  client: MosipClient;
  /** Info line (shown in `pulumi up` output); secrets registered with the client are redacted. */
  log(message: string): void;
  /** Warning line. */
  warn(message: string): void;
  /** e.g. `PolicyGroup "crvs-policy-group"` */
  label: string;
}

/** A live MOSIP object as an object's file reports it. */
export interface Live<I> {
  /** The MOSIP id (the Pulumi resource id). */
  id: string;
  /** The live object in the shape of the resource inputs (declared fields only). */
  inputs: I;
  /** Server-side facts exposed as outputs (ids, status). Must not repeat input names. */
  extra?: Record<string, unknown>;
}

/** The parts of a MOSIP object that differ from one object to another. */
export interface MosipObjectSpec<I extends Record<string, unknown>> {
  /** Type name: the token is `pulumi-nodejs:dynamic/mosip:<type>`. */
  type: string;
  /** Object revision, appended to BASE_REVISION (see there). */
  revision: string;
  /**
   * Builds the input schema from the `z` it is handed. A function rather than a module-level schema
   * so no zod object graph is copied into the serialized provider.
   */
  schema(zod: typeof z): z.ZodType<I>;
  /** How people name this object in messages, from its natural key: `policy group "x"`. */
  describe(inputs: I): string;
  /** Fields MOSIP cannot change on an existing object: a change means replacement. */
  immutable: (keyof I & string)[];
  /**
   * Delete the old object before creating its replacement: set when the replacement would collide
   * with it on a unique MOSIP key.
   */
  deleteBeforeReplace?: boolean;
  /** Output names that hold secrets (become `additionalSecretOutputs`). */
  secretOutputs?: string[];
  /** Looks the object up by its natural key; undefined when MOSIP has none. */
  find(ctx: MosipContext, inputs: I): Promise<Live<I> | undefined>;
  /** Reads the object by id; undefined when it is gone (or in the state that means gone). */
  read(ctx: MosipContext, id: string, state: Record<string, unknown>): Promise<Live<I> | undefined>;
  /** Creates it; may return undefined when MOSIP does not answer the id (then `find` is used). */
  create(ctx: MosipContext, inputs: I): Promise<Live<I> | undefined>;
  /** Converges the mutable fields of an existing object to `inputs`. */
  update(ctx: MosipContext, live: Live<I>, inputs: I): Promise<void>;
  /** Removes it as far as MOSIP allows. Must succeed when the object is already gone. */
  delete(ctx: MosipContext, id: string, state: Record<string, unknown>): Promise<void>;
}

/** How the provider connects to MOSIP, read from stack config and the environment. */
export interface Connection {
  apiBaseUrl: string;
  clientId: string;
  appId: string;
  secretKey: string;
  keycloak?: { url: string; realm: string };
  caBundle?: string;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
}

/** Minimal view of the config handed to `configure` (the SDK's dynamic-provider Config). */
interface ConfigSource {
  get(key: string): unknown;
}

/** Stack config values arrive as objects or as JSON text depending on the engine: accept both. */
function parseObject(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null || v === "") return {};
  if (typeof v === "string") {
    try {
      const o = JSON.parse(v) as unknown;
      return o && typeof o === "object" ? (o as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return typeof v === "object" ? (v as Record<string, unknown>) : {};
}

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
const num = (v: unknown): number | undefined =>
  typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : undefined;

/**
 * Reads the connection from the stack config that components/config.ts validates (same keys, same
 * defaults; test/mosip/dynamic.test.ts holds the two together), without importing it: the zod
 * config schema would be copied into every serialized provider.
 *
 * - `mosip-crvs:mosip`: apiBaseUrl, clientId (default mosip-deployment-client), appId (default
 *   admin), requestTimeoutSeconds (default 30), maxRetries (default 3).
 * - `mosip-crvs:keycloak`: url, realm (default mosip) - only eSignet calls need it.
 * - `mosip-crvs:tls`: caBundle, or caBundleFile (relative to the project directory, which is the
 *   provider host's working directory); plain http to a host listed in insecureHttpHosts, or to any
 *   host when `mosip-crvs:environment` is development and allowInsecureHttp is true.
 * - the client secret: secret `mosip-crvs:mosipClientSecret`, else env MOSIP_CLIENT_SECRET (stack
 *   config wins, as in config.ts). The environment variant lets a secret rotate before a destroy.
 *
 * Keys are written fully qualified: the host's Config resolves bare keys against
 * PULUMI_NODEJS_PROJECT, which the engine does not set for provider plugins. Returns the missing
 * settings instead of throwing, so check and diff (which need no MOSIP) work without credentials.
 */
export function readConnection(
  config: ConfigSource,
  env: NodeJS.ProcessEnv,
): { connection?: Connection; missing: string[] } {
  const ns = NAMESPACE;
  const mosip = parseObject(config.get(`${ns}:mosip`));
  const keycloak = parseObject(config.get(`${ns}:keycloak`));
  const tls = parseObject(config.get(`${ns}:tls`));
  const development = str(config.get(`${ns}:environment`)) === "development";
  const apiBaseUrl = str(mosip.apiBaseUrl);
  const secretKey = str(config.get(`${ns}:mosipClientSecret`)) ?? str(env.MOSIP_CLIENT_SECRET);
  const missing: string[] = [];
  if (!apiBaseUrl) missing.push(`${ns}:mosip.apiBaseUrl`);
  if (!secretKey)
    missing.push(
      `the secret ${ns}:mosipClientSecret (pulumi config set --secret) or env MOSIP_CLIENT_SECRET`,
    );
  let caBundle = str(tls.caBundle);
  const caFile = str(tls.caBundleFile);
  if (!caBundle && caFile) {
    try {
      const fs = require("node:fs") as typeof import("node:fs");
      const path = require("node:path") as typeof import("node:path");
      caBundle = fs.readFileSync(path.resolve(process.cwd(), caFile), "utf8");
    } catch {
      missing.push(`${ns}:tls.caBundleFile (cannot read ${caFile} from ${process.cwd()})`);
    }
  }
  if (!apiBaseUrl || !secretKey || missing.length > 0) return { missing };
  let host = "";
  try {
    host = new URL(apiBaseUrl).hostname.toLowerCase();
  } catch {
    host = "";
  }
  const insecureHosts = Array.isArray(tls.insecureHttpHosts)
    ? tls.insecureHttpHosts.map((h) => String(h).toLowerCase())
    : [];
  const kcUrl = str(keycloak.url);
  const timeout = num(mosip.requestTimeoutSeconds) ?? 30;
  return {
    missing,
    connection: {
      apiBaseUrl,
      clientId: str(mosip.clientId) ?? "mosip-deployment-client",
      appId: str(mosip.appId) ?? "admin",
      secretKey,
      keycloak: kcUrl ? { url: kcUrl, realm: str(keycloak.realm) ?? "mosip" } : undefined,
      caBundle,
      allowInsecureHttp:
        (development && tls.allowInsecureHttp === true) || insecureHosts.includes(host),
      timeoutMs: timeout * 1000,
      retries: num(mosip.maxRetries) ?? 3,
      // Not stack config: an operational knob (and what keeps the fault tests fast).
      retryDelayMs: num(env.MOSIP_RETRY_DELAY_MS),
    },
  };
}

/** JSON with sorted keys: equality that ignores key order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Whether MOSIP names this stack's own credential as the creator of a masterdata row (BaseDto
 * `createdBy`, in every search answer). Adoption asks it so that an object whose create MOSIP
 * carried out while the answer was lost, in an earlier run that then failed, is still the stack's
 * to remove on delete; what an operator made in the admin portal (their own user) is left.
 */
export async function createdByOwnCredential(
  ctx: MosipContext,
  row: { createdBy?: unknown } | undefined,
): Promise<boolean> {
  if (typeof row?.createdBy !== "string" || !row.createdBy) return false;
  return row.createdBy === (await ctx.client.userId());
}

/** The paths (dotted) whose value is unknown during preview. */
function unknownPaths(v: unknown, at: string[] = [], out: string[] = []): string[] {
  if (v === UNKNOWN) out.push(at.join("."));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v as object)) unknownPaths(x, [...at, k], out);
  return out;
}

/** One CheckFailure per zod issue, the reason saying how to fix it. */
export function checkFailures(
  issues: readonly z.core.$ZodIssue[],
  news: Record<string, unknown>,
  skip: string[] = [],
): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  for (const i of issues) {
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys) {
        const property = [...i.path.map(String), k].join(".");
        failures.push({ property, reason: `${property}: ${i.message}` });
      }
      continue;
    }
    const property = i.path.map(String).join(".");
    if (skip.some((s) => property === s || property.startsWith(`${s}.`))) continue;
    const given = i.path.reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined),
      news,
    );
    const reason =
      given === undefined && i.code === "invalid_type"
        ? `${property} is required: ${i.message}`
        : `${property}: ${i.message}`;
    failures.push({ property, reason });
  }
  return failures;
}

type State = Record<string, unknown>;

/**
 * The dynamic provider for one MOSIP object type. A class (not a closure) so its per-process state
 * (connection, client) lives on the instance the host creates after deserialization, never in the
 * serialized text.
 */
export class MosipProvider<I extends Record<string, unknown>>
  implements pulumi.dynamic.ResourceProvider
{
  // Declared, not initialised here: the closure serializer rebuilds a class from its constructor's
  // source and drops ES2022 field initialisers, so state is set up in the constructor body.
  declare private connection?: Connection;
  declare private missing: string[];
  declare private client?: MosipClient;
  declare private readonly spec: MosipObjectSpec<I>;

  constructor(spec: MosipObjectSpec<I>) {
    this.spec = spec;
    this.missing = [];
  }

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    const r = readConnection(req.config, process.env);
    this.connection = r.connection;
    this.missing = r.missing;
  }

  private revision(): string {
    return `${BASE_REV}.${this.spec.revision}`;
  }

  /** One client per provider instance (so per host process and type): tokens are reused. */
  private context(label: string): MosipContext {
    if (!this.client) {
      const c = this.connection;
      if (!c)
        throw new Error(
          `${label}: cannot reach MOSIP: the connection settings are missing: ${this.missing.join(", ") || "configure() was not called"}. Set them in the stack config (see README) or the environment of \`pulumi up\`.`,
        );
      this.client = new MosipClient({
        apiBaseUrl: c.apiBaseUrl,
        credentials: { clientId: c.clientId, secretKey: c.secretKey, appId: c.appId },
        keycloak: c.keycloak,
        caBundle: c.caBundle,
        allowInsecureHttp: c.allowInsecureHttp,
        timeoutMs: c.timeoutMs,
        retries: c.retries,
        retryDelayMs: c.retryDelayMs,
        log: (line) => void pulumi.log.debug(line),
      });
    }
    const client = this.client;
    const secret = this.connection?.secretKey ?? "";
    const clean = (m: string) => scrub(m, secret ? [secret] : []);
    return {
      client,
      label,
      log: (m) => void pulumi.log.info(clean(`${label}: ${m}`)),
      warn: (m) => void pulumi.log.warn(clean(`${label}: ${m}`)),
    };
  }

  /** Runs an operation, making every failure name the object and carry no secret. */
  private async guard<T>(label: string, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const secret = this.connection?.secretKey;
      const msg =
        e instanceof TypeError
          ? unexpectedShape(e.message, this.connection?.apiBaseUrl)
          : e instanceof Error
            ? e.message
            : String(e);
      const text = scrub(
        msg.startsWith(label) ? msg : `${label}: ${what} failed: ${msg}`,
        secret ? [secret] : [],
      );
      const err = new Error(text);
      if (e instanceof MosipError) Object.assign(err, { errorCode: e.errorCode });
      throw err;
    }
  }

  private label(inputs: Record<string, unknown>): string {
    try {
      return `${this.spec.type} ${this.spec.describe(inputs as I)}`;
    } catch {
      return this.spec.type;
    }
  }

  /** The declared fields: the schema's keys, plus `revision`. */
  private declared(inputs: Record<string, unknown>): string[] {
    const shape = (this.spec.schema(z) as unknown as { shape?: Record<string, unknown> }).shape;
    return [...new Set([...Object.keys(shape ?? inputs), "revision"])];
  }

  private outs(live: Live<I>): State {
    return { ...live.extra, ...live.inputs, revision: this.revision() };
  }

  /** Unknown values (preview) are neither validated nor normalised: they are kept as they are. */
  async check(_olds: State, news: State): Promise<pulumi.dynamic.CheckResult> {
    const { __provider: _p, revision: _r, ...given } = news;
    const unknown = unknownPaths(given);
    const parsed = this.spec.schema(z).safeParse(given);
    if (!parsed.success)
      return { inputs: news, failures: checkFailures(parsed.error.issues, given, unknown) };
    const inputs: State = { ...(parsed.data as State), revision: this.revision() };
    for (const p of unknown) if (!p.includes(".")) inputs[p] = UNKNOWN;
    return { inputs };
  }

  async diff(_id: string, olds: State, news: State): Promise<pulumi.dynamic.DiffResult> {
    const changed = this.declared(news).filter((k) => !sameValue(olds[k], news[k]));
    const replaces = changed.filter((k) => (this.spec.immutable as string[]).includes(k));
    return {
      changes: changed.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && this.spec.deleteBeforeReplace === true,
    };
  }

  /**
   * Adopt-or-create. A create may have reached MOSIP even when its answer was lost (reset, gateway
   * 5xx, timeout; the client never retries a POST): so the object is looked up by its natural key
   * before every attempt, and nothing is created twice. `spec.create` returning undefined (no id in
   * MOSIP's answer, or "already exists") also leads back to the lookup.
   */
  async create(inputs: State): Promise<pulumi.dynamic.CreateResult> {
    const label = this.label(inputs);
    return this.guard(label, "create", async () => {
      const ctx = this.context(label);
      const want = this.strip(inputs);
      let tried = false;
      for (let attempt = 1; ; attempt++) {
        const found = await this.spec.find(ctx, want);
        if (found) {
          requireId(found, undefined, this.connection?.apiBaseUrl);
          return this.adopt(ctx, found, want, tried);
        }
        if (attempt > 4)
          throw new Error(
            `MOSIP accepted the create ${attempt - 1} times but the object cannot be found by its natural key; check MOSIP's logs.`,
          );
        tried = true;
        try {
          const created = await this.spec.create(ctx, want);
          if (created) {
            requireId(created, undefined, this.connection?.apiBaseUrl);
            ctx.log(`created (id ${created.id})`);
            return { id: created.id, outs: this.outs(created) };
          }
        } catch (e) {
          if (!retryableCreate(e) || attempt === 4) throw e;
          ctx.log(`create attempt ${attempt} did not complete (${shortReason(e)}); looking it up`);
          await new Promise((r) => setTimeout(r, 250 * attempt));
        }
      }
    });
  }

  /** Takes over an object that already exists, converging its mutable fields. */
  private async adopt(
    ctx: MosipContext,
    found: Live<I>,
    want: I,
    ours: boolean,
  ): Promise<pulumi.dynamic.CreateResult> {
    const what = ours
      ? "found the object an earlier attempt created"
      : "adopted the existing object";
    const differs = (k: string) => !sameValue(found.inputs[k], want[k]);
    const immutable = (this.spec.immutable as string[]).filter(differs);
    if (immutable.length > 0)
      throw new Error(
        `${this.spec.describe(want)} already exists in MOSIP (id ${found.id}) with a different ${immutable
          .map(
            (k) =>
              `${k} (MOSIP has ${JSON.stringify(found.inputs[k])}, the program says ${JSON.stringify(want[k])})`,
          )
          .join(
            ", ",
          )}; MOSIP cannot change ${immutable.length > 1 ? "these" : "it"} in place. Make the program match MOSIP, or use another natural key.`,
      );
    const mutable = Object.keys(want).filter(differs);
    if (mutable.length === 0) {
      ctx.log(`${what} (id ${found.id}); it already matches`);
      return { id: found.id, outs: this.outs(found) };
    }
    await this.spec.update(ctx, found, want);
    // Read back with the converged inputs as the state: what MOSIP cannot return (carried from
    // state by the object's read) is what was just written, not absent.
    const after = (await this.spec.read(ctx, found.id, { ...found.extra, ...want })) ?? {
      ...found,
      inputs: want,
    };
    ctx.log(`${what} (id ${found.id}) and converged ${mutable.join(", ")}`);
    return { id: found.id, outs: this.outs(after) };
  }

  /**
   * No id in the result tells the engine the object is gone (`pulumi refresh` drops it). The stored
   * revision is kept: whether the code is current is decided by diff, not by refresh.
   */
  async read(id: string, props: State): Promise<pulumi.dynamic.ReadResult> {
    const label = this.label(props);
    return this.guard(label, "read", async () => {
      const ctx = this.context(label);
      const live = await this.spec.read(ctx, id, props);
      if (!live) return {};
      requireId(live, id, this.connection?.apiBaseUrl);
      const revision = props.revision ?? this.revision();
      return {
        id: live.id,
        props: { ...this.outs(live), revision },
        inputs: { ...live.inputs, revision },
      };
    });
  }

  async update(id: string, olds: State, news: State): Promise<pulumi.dynamic.UpdateResult> {
    const label = this.label(news);
    return this.guard(label, "update", async () => {
      const ctx = this.context(label);
      const want = this.strip(news);
      const live = await this.spec.read(ctx, id, olds);
      if (!live)
        throw new Error(
          `it no longer exists in MOSIP (id ${id}). Run \`pulumi refresh\` so Pulumi forgets it, then \`pulumi up\` to create it again.`,
        );
      const changed = Object.keys(want).filter((k) => !sameValue(live.inputs[k], want[k]));
      if (changed.length === 0) return { outs: this.outs(live) };
      await this.spec.update(ctx, live, want);
      const after = (await this.spec.read(ctx, id, { ...olds, ...want })) ?? {
        ...live,
        inputs: want,
      };
      ctx.log(`updated ${changed.join(", ")}`);
      return { outs: this.outs(after) };
    });
  }

  async delete(id: string, props: State): Promise<void> {
    const label = this.label(props);
    await this.guard(label, "delete", () => this.spec.delete(this.context(label), id, props));
  }

  /** Inputs without the engine's and the base's own keys. */
  private strip(s: State): I {
    const { __provider: _p, revision: _r, ...rest } = s;
    const keys = this.declared(rest).filter((k) => k !== "revision");
    return Object.fromEntries(keys.filter((k) => k in rest).map((k) => [k, rest[k]])) as I;
  }
}

/**
 * A TypeError inside an object's code means MOSIP answered in a shape the code does not expect (a
 * list that is an object, an entry that is null): say so, with what to check, instead of a bare
 * "x is not a function".
 */
function unexpectedShape(detail: string, apiBaseUrl: string | undefined): string {
  return `MOSIP${apiBaseUrl ? ` at ${apiBaseUrl}` : ""} answered in a shape this stack does not expect (${detail}). Check that mosip-crvs:mosip.release matches that MOSIP and that mosip.apiBaseUrl points at MOSIP's API gateway, then re-run.`;
}

/**
 * An object without an id would read as "gone" to the engine (refresh would drop it and the next
 * up would create it again): refuse it instead.
 */
function requireId(live: { id?: unknown }, expected: string | undefined, apiBaseUrl?: string) {
  if (typeof live.id === "string" && live.id !== "") return;
  throw new Error(
    unexpectedShape(
      `the object${expected ? ` ${expected}` : ""} came back without an id`,
      apiBaseUrl,
    ),
  );
}

/** Failures after which the create may or may not have happened: look up before trying again. */
function retryableCreate(e: unknown): boolean {
  return e instanceof MosipError && e.transient;
}

function shortReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 160 ? `${m.slice(0, 160)}...` : m;
}

/**
 * The resource options of a MOSIP resource: its secret outputs are `additionalSecretOutputs`
 * (returning `pulumi.secret()` from a dynamic provider's create fails, pulumi/pulumi#3012).
 */
export function resourceOptions(
  secretOutputs: string[],
  opts?: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
  return secretOutputs.length > 0
    ? pulumi.mergeOptions(opts, { additionalSecretOutputs: secretOutputs })
    : (opts ?? {});
}

/** Base class of MOSIP resources: type token, revision input, secret outputs. */
export abstract class MosipResource extends pulumi.dynamic.Resource {
  /** Provider revision the object was last written with (see BASE_REVISION). */
  declare readonly revision: pulumi.Output<string>;

  protected constructor(
    provider: MosipProvider<Record<string, unknown>> | pulumi.dynamic.ResourceProvider,
    spec: { type: string; revision: string; secretOutputs?: string[] },
    name: string,
    inputs: Record<string, unknown>,
    outputs: string[],
    opts?: pulumi.CustomResourceOptions,
  ) {
    const props: Record<string, unknown> = Object.fromEntries(outputs.map((o) => [o, undefined]));
    Object.assign(props, inputs, { revision: `${BASE_REVISION}.${spec.revision}` });
    super(
      provider,
      name,
      props,
      resourceOptions(spec.secretOutputs ?? [], opts),
      "mosip",
      spec.type,
    );
  }
}
