// One properties file of MOSIP's config repo (contract §3), as a Pulumi dynamic resource: a set of
// keys each either "contains these values" (merged into the comma-separated list) or "equals this
// value" (edits: properties-edit.ts).
//
// - Writes: a shallow clone of the label's branch with isomorphic-git (pure JS git over smart
//   HTTP), one commit per file per change (author "mosip-crvs", the message naming the keys and the
//   stack), pushed with the token from stack config (`mosip-crvs:configRepoToken`) or the
//   environment (CONFIG_REPO_TOKEN), never an input. A push the repo rejects because someone else
//   pushed meanwhile is never forced: the new head is fetched, the edit is made again on it and
//   pushed again (5 times at most). Transient transport failures (5xx, resets) are retried too; the
//   edit is idempotent, so a push whose answer was lost is found done on the next attempt.
// - Reads: the file at the branch head (what `keys` reports, so refresh shows per-key drift) and the
//   config server's effective value of each key (`GET {url}/{application}/{profile}/{label}`, first
//   property source holding the key, MOSIP's `${key.module.override:default}` resolved): an
//   override on the config server can hide the file's value, which `drift` then says.
// - Outputs: `commit` (the commit holding the stack's edit), `priorValues` (what each key held
//   before the stack touched it: delete and key removal restore it), `changeHash` (sha-256 of the
//   managed keys' values in the file: put it on the consumers' pod templates so they restart exactly
//   when it changes, since MOSIP reads most of these, e.g. the audience list, once at start-up).
// - Delete: restores the prior values in one commit; values changed by someone else since are left
//   as they are, with a warning.
//
// The repo settings come from stack config `mosip-crvs:configServer` (components/config.ts), read in
// `configure`. Serialized provider: see the header of dynamic.ts (no module-level objects, function
// declarations only, comments above functions).
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { z } from "zod";
import { BASE_REVISION, MosipResource, checkFailures, sameValue } from "./dynamic";
import { providerRef } from "./provider-ref";
import {
  applyEdits,
  holds,
  placeholder,
  restoreKey,
  valueOf,
  type KeyCondition,
  type PriorValue,
} from "./properties-edit";

export type { KeyCondition, PriorValue } from "./properties-edit";

export interface ConfigPropertiesArgs {
  /** File name in the config repo (under configServer.repo.searchPath), e.g. packet-manager-default.properties. */
  file: pulumi.Input<string>;
  /** Managed keys: `{contains: [...]}` merges into a comma-separated list, `{equals: "..."}` sets. */
  keys: pulumi.Input<Record<string, pulumi.Input<KeyCondition>>>;
  /** Named in commit messages and in the comment above an appended key. */
  stackName: pulumi.Input<string>;
  /** Spring application for the read-back; @default derived from `file` (packet-manager). */
  application?: pulumi.Input<string>;
  /** Spring profile for the read-back; @default derived from `file` (default). */
  profile?: pulumi.Input<string>;
}

interface Inputs {
  file: string;
  keys: Record<string, KeyCondition>;
  stackName: string;
  application: string;
  profile: string;
}

interface Settings {
  repoUrl: string;
  branch: string;
  username: string;
  searchPath: string;
  serverUrl: string;
  label: string;
  token?: string;
}

type State = Record<string, unknown>;

const REVISION = "1";

const TYPE = "ConfigProperties";
/** The resource type name (token `pulumi-nodejs:dynamic/mosip:ConfigProperties`). */
export const CONFIG_PROPERTIES_TYPE = TYPE;

/** The engine's marker for a value not known during preview: such inputs are checked at `up`. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function obj(v: unknown): Record<string, unknown> {
  if (typeof v === "string" && v !== "") {
    try {
      return obj(JSON.parse(v));
    } catch {
      return {};
    }
  }
  return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The repo and config-server settings, from stack config (fully qualified keys) and env. */
function readSettings(
  config: { get(k: string): unknown },
  env: NodeJS.ProcessEnv,
): { settings?: Settings; missing: string[] } {
  const cs = obj(config.get("mosip-crvs:configServer"));
  const repo = obj(cs.repo);
  const missing: string[] = [];
  const serverUrl = text(cs.url);
  const label = text(cs.label);
  const repoUrl = text(repo.url);
  if (!serverUrl) missing.push("mosip-crvs:configServer.url");
  if (!label) missing.push("mosip-crvs:configServer.label");
  if (!repoUrl) missing.push("mosip-crvs:configServer.repo.url");
  if (!serverUrl || !label || !repoUrl) return { missing };
  return {
    missing,
    settings: {
      repoUrl,
      serverUrl: serverUrl.replace(/\/+$/, ""),
      label,
      branch: text(repo.branch) ?? label,
      username: text(repo.username) ?? "x-access-token",
      searchPath: (text(repo.searchPath) ?? "").replace(/^\/+|\/+$/g, ""),
      token: text(config.get("mosip-crvs:configRepoToken")) ?? text(env.CONFIG_REPO_TOKEN),
    },
  };
}

/** `packet-manager-default.properties` -> packet-manager / default (contract §3 file naming). */
export function splitFileName(file: string): { application: string; profile: string } {
  const base = file.replace(/^.*\//, "").replace(/\.properties$/, "");
  const i = base.lastIndexOf("-");
  return i > 0
    ? { application: base.slice(0, i), profile: base.slice(i + 1) }
    : { application: base, profile: "default" };
}

function repoPath(s: Settings, file: string): string {
  return s.searchPath ? `${s.searchPath}/${file}` : file;
}

function isRejected(e: unknown): boolean {
  const c = (e as { code?: string })?.code;
  return c === "PushRejectedError" || c === "GitPushError";
}

function isTransient(e: unknown): boolean {
  const err = e as { code?: string; data?: { statusCode?: number }; message?: string };
  if (err?.code === "HttpError") return (err.data?.statusCode ?? 0) >= 500;
  return /ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|premature close|HTTP 5\d\d/i.test(
    `${err?.code ?? ""} ${err?.message ?? ""}`,
  );
}

/** Runs `fn` again after transient failures (3 retries, growing pause). */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i > 3 || !isTransient(e)) throw e;
      await new Promise((r) => setTimeout(r, 150 * i + Math.random() * 100));
    }
  }
}

/** A failure as the user should read it: what, where, what to do; the token scrubbed. */
function explain(e: unknown, s: Settings): string {
  const err = e as { code?: string; data?: { statusCode?: number }; message?: string };
  let m = err?.message ?? String(e);
  const status = err?.data?.statusCode;
  if (status === 401 || status === 403)
    m = `the config repo ${s.repoUrl} refused the credentials (HTTP ${status}). Check the secret mosip-crvs:configRepoToken (or CONFIG_REPO_TOKEN) and that it may push to ${s.branch}`;
  else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(`${err?.code} ${m}`))
    m = `cannot reach ${m.includes("/config/") ? s.serverUrl : s.repoUrl} (${m}). Check mosip-crvs:configServer and that the host is reachable from where pulumi runs`;
  else if (err?.code === "NotFoundError" && /refs|branch|ref /i.test(m))
    m = `the config repo ${s.repoUrl} has no branch ${s.branch} (${m}). Check mosip-crvs:configServer.repo.branch / label`;
  return s.token ? m.split(s.token).join("***") : m;
}

/** A shallow clone of the branch in a temp dir, removed after `fn`. */
async function inClone<T>(
  s: Settings,
  checkout: boolean,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const dir = await fs.promises.mkdtemp(`${os.tmpdir()}/mosip-crvs-config-`);
  try {
    await retrying(() =>
      git.clone({
        ...remote(s),
        fs,
        dir,
        singleBranch: true,
        depth: 1,
        noTags: true,
        noCheckout: !checkout,
      }),
    );
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

function remote(s: Settings) {
  const onAuth = s.token ? () => ({ username: s.username, password: s.token }) : undefined;
  return { http, url: s.repoUrl, ref: s.branch, onAuth };
}

/**
 * Runs the edits of one branch made by this provider process one after another. Pulumi runs the
 * files' resources in parallel and they share the branch: pushed together, all but one would be
 * rejected and pushed again (a wasted clone, fetch and push each). Other writers are still met by
 * the rebase loop in commitEdit.
 */
function oneAtATime<T>(branch: string, fn: () => Promise<T>): Promise<T> {
  const g = globalThis as { __mosipCrvsBranchQueues?: Map<string, Promise<unknown>> };
  const queues = (g.__mosipCrvsBranchQueues ??= new Map());
  const run = (queues.get(branch) ?? Promise.resolve()).then(fn);
  queues.set(
    branch,
    run.catch(() => undefined),
  );
  return run;
}

/**
 * Lets `edit` change the file in a fresh clone, commits and pushes; on a rejected push, takes the
 * new head and edits again. Returns the head commit and the text.
 */
function commitEdit(
  s: Settings,
  file: string,
  edit: (before: string) => { text: string; changed: string[] },
  message: (changed: string[]) => string,
): Promise<{ commit: string; text: string; changed: string[] }> {
  const fs = require("node:fs") as typeof import("node:fs");
  const ref = s.branch;
  const at = repoPath(s, file);
  return oneAtATime(`${s.repoUrl}#${ref}`, () =>
    inClone(s, true, async (dir) => {
      for (let attempt = 1; ; attempt++) {
        const head = await git.resolveRef({ fs, dir, ref });
        const full = `${dir}/${at}`;
        if (!fs.existsSync(full))
          throw new Error(
            `the config repo ${s.repoUrl} has no ${at} on ${ref}. Check the file name and mosip-crvs:configServer.repo.searchPath`,
          );
        const before = fs.readFileSync(full, "utf8");
        const r = edit(before);
        if (r.text === before) return { commit: head, text: before, changed: [] };
        fs.writeFileSync(full, r.text);
        await git.add({ fs, dir, filepath: at });
        const author = { name: "mosip-crvs", email: "mosip-crvs@users.noreply.github.com" };
        const commit = await git.commit({ fs, dir, message: message(r.changed), author });
        try {
          await retrying(() => git.push({ ...remote(s), fs, dir }));
          return { commit, text: r.text, changed: r.changed };
        } catch (e) {
          if (!isRejected(e) || attempt >= 5) throw e;
        }
        await retrying(() => git.fetch({ ...remote(s), fs, dir, singleBranch: true, depth: 1 }));
        const theirs = await git.resolveRef({ fs, dir, ref: `refs/remotes/origin/${ref}` });
        await git.writeRef({ fs, dir, ref: `refs/heads/${ref}`, value: theirs, force: true });
        await git.checkout({ fs, dir, ref, force: true });
      }
    }),
  );
}

/** The file at the branch head, or undefined when the repo no longer has it. */
function readFile(s: Settings, file: string): Promise<string | undefined> {
  const fs = require("node:fs") as typeof import("node:fs");
  return inClone(s, false, async (dir) => {
    const oid = await git.resolveRef({ fs, dir, ref: s.branch });
    try {
      const { blob } = await git.readBlob({ fs, dir, oid, filepath: repoPath(s, file) });
      return Buffer.from(blob).toString("utf8");
    } catch (e) {
      if ((e as { code?: string }).code === "NotFoundError") return undefined;
      throw e;
    }
  });
}

/** What the config server serves for each key (overrides first, placeholders of one level). */
async function served(s: Settings, i: Inputs): Promise<Record<string, string | null>> {
  const label = s.label.replace(/\//g, "(_)");
  const url = `${s.serverUrl}/${encodeURIComponent(i.application)}/${encodeURIComponent(i.profile)}/${encodeURIComponent(label)}`;
  const body = await retrying(async () => {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`the config server answered HTTP ${res.status} for ${url}`);
    return (await res.json()) as { propertySources?: { source?: Record<string, unknown> }[] };
  });
  const sources = (body.propertySources ?? []).map((p) => p.source ?? {});
  const lookup = (k: string) => {
    const hit = sources.find((src) => k in src);
    return hit ? String(hit[k]) : undefined;
  };
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(i.keys)) {
    const v = lookup(k);
    const p = v === undefined ? undefined : placeholder(v);
    out[k] = (p ? (lookup(p.name) ?? p.fallback) : v) ?? null;
  }
  return out;
}

function hashOf(file: string, values: Record<string, string | null>): string {
  const sorted = Object.keys(values)
    .sort()
    .map((k) => [k, values[k]]);
  return createHash("sha256")
    .update(JSON.stringify([file, sorted]))
    .digest("hex");
}

/** The file's state in the input shape: a `contains` lists only the declared values present. */
function liveKeys(fileText: string, keys: Record<string, KeyCondition>) {
  const live: Record<string, KeyCondition> = {};
  const values: Record<string, string | null> = {};
  for (const [k, c] of Object.entries(keys)) {
    const v = valueOf(fileText, k);
    values[k] = v ?? null;
    if (v === undefined) continue;
    live[k] =
      "equals" in c
        ? { equals: v }
        : { contains: c.contains.filter((x) => holds(v, { contains: [x] })) };
  }
  return { live, values };
}

function driftOf(
  i: Inputs,
  file: Record<string, string | null>,
  eff: Record<string, string | null> | undefined,
) {
  const out: string[] = [];
  for (const [k, c] of Object.entries(i.keys)) {
    if (!holds(file[k] ?? undefined, c))
      out.push(`${k}: the file no longer meets ${JSON.stringify(c)}`);
    else if (eff && !holds(eff[k] ?? undefined, c))
      out.push(
        `${k}: the config server serves ${JSON.stringify(eff[k])} (an override?), which does not meet ${JSON.stringify(c)}`,
      );
  }
  return out;
}

function describeChange(stack: string, file: string, verb: string, changed: string[]): string {
  return `mosip-crvs (stack "${stack}"): ${verb} ${changed.join(", ")} in ${file}\n\nWritten by the mosip-crvs Pulumi stack "${stack}" (ConfigProperties ${file}).`;
}

/** The dynamic provider of ConfigProperties. */
export class ConfigPropertiesProvider implements pulumi.dynamic.ResourceProvider {
  declare private settings?: Settings;
  declare private missing: string[];

  constructor() {
    this.missing = [];
  }

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    const r = readSettings(req.config, process.env);
    this.settings = r.settings;
    this.missing = r.missing;
  }

  private schema() {
    const entry = z
      .string()
      .regex(/^[^\s,]+$/, { error: "list entries are non-empty, without commas or spaces" });
    const cond = z.union(
      [z.strictObject({ contains: z.array(entry).min(1) }), z.strictObject({ equals: z.string() })],
      { error: 'give {contains: ["value", ...]} or {equals: "value"}' },
    );
    return z.strictObject({
      file: z.string().regex(/^(?!.*\.\.)[A-Za-z0-9._/-]+\.properties$/, {
        error: "give a .properties file of the config repo, e.g. packet-manager-default.properties",
      }),
      keys: z
        .record(z.string(), cond)
        .refine((k) => Object.keys(k).length > 0, { error: "declare at least one key" }),
      stackName: z
        .string()
        .min(1, { error: "give the stack's name (it goes into commit messages)" }),
      application: z.string().min(1).optional(),
      profile: z.string().min(1).optional(),
    });
  }

  private run<T>(label: string, what: string, fn: (s: Settings) => Promise<T>): Promise<T> {
    const s = this.settings;
    if (!s)
      return Promise.reject(
        new Error(
          `${label}: ${what} failed: the config repo settings are missing: ${this.missing.join(", ")}. Set them in the stack config (see README).`,
        ),
      );
    return fn(s).catch((e: unknown) => {
      throw new Error(`${label}: ${what} failed: ${explain(e, s)}`);
    });
  }

  private inputs(p: State): Inputs {
    const file = String(p.file);
    const d = splitFileName(file);
    return {
      file,
      keys: (p.keys ?? {}) as Record<string, KeyCondition>,
      stackName: String(p.stackName),
      application: text(p.application) ?? d.application,
      profile: text(p.profile) ?? d.profile,
    };
  }

  private async outs(
    s: Settings,
    i: Inputs,
    commit: string,
    fileText: string,
    prior: State,
    warn: boolean,
  ) {
    const { values } = liveKeys(fileText, i.keys);
    let eff: Record<string, string | null> | undefined;
    try {
      eff = await served(s, i);
    } catch (e) {
      pulumi.log.warn(
        `ConfigProperties ${i.file}: cannot read back through the config server: ${explain(e, s)}`,
      );
    }
    const drift = driftOf(i, values, eff);
    if (warn) for (const d of drift) pulumi.log.warn(`ConfigProperties ${i.file}: ${d}`);
    return {
      ...i,
      commit,
      priorValues: prior,
      fileValues: values,
      servedValues: eff ?? null,
      drift,
      changeHash: hashOf(i.file, values),
    };
  }

  async check(_olds: State, news: State): Promise<pulumi.dynamic.CheckResult> {
    const { __provider: _p, revision, ...given } = news;
    if (JSON.stringify(given).includes(UNKNOWN)) return { inputs: news };
    const r = this.schema().safeParse(given);
    const failures = Object.keys(obj(given.keys))
      .filter((k) => !/^[^\s=:#!][^\s=:]*$/.test(k))
      .map((k) => ({
        property: `keys.${k}`,
        reason: `keys.${k}: is not a properties key (no spaces, '=' or ':')`,
      }));
    if (!r.success) failures.push(...checkFailures(r.error.issues, given));
    if (!r.success || failures.length > 0) return { inputs: news, failures };
    return { inputs: { ...this.inputs(r.data), revision } };
  }

  async diff(_id: string, olds: State, news: State): Promise<pulumi.dynamic.DiffResult> {
    const o = this.inputs(olds);
    const n = this.inputs(news);
    const fields: (keyof Inputs)[] = ["file", "keys", "stackName", "application", "profile"];
    const changed = fields.filter((f) => !sameValue(o[f], n[f])).length > 0;
    return {
      changes: changed || !sameValue(olds.revision, news.revision),
      replaces: o.file === n.file ? [] : ["file"],
    };
  }

  async create(news: State): Promise<pulumi.dynamic.CreateResult> {
    const i = this.inputs(news);
    const label = `ConfigProperties ${i.file}`;
    return this.run(label, "create", async (s) => {
      let prior: Record<string, PriorValue> | undefined;
      const r = await commitEdit(
        s,
        i.file,
        (t) => {
          const e = applyEdits(t, i.keys, i.stackName, prior);
          prior ??= e.prior;
          return e;
        },
        (c) => describeChange(i.stackName, i.file, "set", c),
      );
      pulumi.log.info(
        `${label}: ${r.changed.length ? `committed ${r.commit.slice(0, 12)} (${r.changed.join(", ")})` : "already as declared"}`,
      );
      const outs = await this.outs(s, i, r.commit, r.text, prior ?? {}, true);
      return {
        id: `${s.branch}:${repoPath(s, i.file)}`,
        outs: { ...outs, revision: news.revision },
      };
    });
  }

  async read(id: string, props: State): Promise<pulumi.dynamic.ReadResult> {
    const i = this.inputs(props);
    return this.run(`ConfigProperties ${i.file}`, "read", async (s) => {
      const t = await readFile(s, i.file);
      if (t === undefined) return {};
      const { live } = liveKeys(t, i.keys);
      const prior = (props.priorValues ?? {}) as State;
      const outs = await this.outs(
        s,
        { ...i, keys: i.keys },
        String(props.commit ?? ""),
        t,
        prior,
        false,
      );
      const inputs = {
        file: i.file,
        keys: live,
        stackName: i.stackName,
        application: i.application,
        profile: i.profile,
        revision: props.revision,
      };
      return { id, props: { ...outs, keys: live, revision: props.revision }, inputs };
    });
  }

  async update(_id: string, olds: State, news: State): Promise<pulumi.dynamic.UpdateResult> {
    const o = this.inputs(olds);
    const i = this.inputs(news);
    const label = `ConfigProperties ${i.file}`;
    return this.run(label, "update", async (s) => {
      const oldPrior = (olds.priorValues ?? {}) as Record<string, PriorValue>;
      let prior: Record<string, PriorValue> | undefined;
      const r = await commitEdit(
        s,
        i.file,
        (t) => {
          const kept: Record<string, PriorValue> = {};
          for (const k of Object.keys(i.keys)) if (oldPrior[k]) kept[k] = oldPrior[k];
          for (const [k, was] of Object.entries(o.keys)) {
            const now = i.keys[k];
            const p = oldPrior[k];
            if (!p) continue;
            if (now && "contains" in now && "contains" in was) {
              const gone = was.contains.filter((v) => !now.contains.includes(v));
              if (gone.length) t = restoreKey(t, k, { contains: gone }, p).text;
            } else if (!now || "contains" in now !== "contains" in was) {
              const back = restoreKey(t, k, was, p);
              if (back.note) pulumi.log.warn(`${label}: ${back.note}`);
              t = back.text;
            }
          }
          const e = applyEdits(t, i.keys, i.stackName, { ...kept, ...prior });
          prior ??= e.prior;
          const changed = [
            ...new Set([...Object.keys(o.keys).filter((k) => !i.keys[k]), ...e.changed]),
          ];
          return { text: e.text, changed };
        },
        (c) => describeChange(i.stackName, i.file, "set", c),
      );
      pulumi.log.info(
        `${label}: ${r.changed.length ? `committed ${r.commit.slice(0, 12)} (${r.changed.join(", ")})` : "already as declared"}`,
      );
      const outs = await this.outs(
        s,
        i,
        r.changed.length ? r.commit : String(olds.commit ?? r.commit),
        r.text,
        prior ?? {},
        true,
      );
      return { outs: { ...outs, revision: news.revision } };
    });
  }

  async delete(_id: string, props: State): Promise<void> {
    const i = this.inputs(props);
    const label = `ConfigProperties ${i.file}`;
    const prior = (props.priorValues ?? {}) as Record<string, PriorValue>;
    await this.run(label, "delete", async (s) => {
      if (!(await readFile(s, i.file))) return;
      const r = await commitEdit(
        s,
        i.file,
        (t) => {
          const changed: string[] = [];
          for (const [k, c] of Object.entries(i.keys)) {
            if (!prior[k]) continue;
            const back = restoreKey(t, k, c, prior[k]);
            if (back.note) pulumi.log.warn(`${label}: ${back.note}`);
            if (back.changed) changed.push(k);
            t = back.text;
          }
          return { text: t, changed };
        },
        (c) => describeChange(i.stackName, i.file, "restored", c),
      );
      if (r.changed.length)
        pulumi.log.info(`${label}: restored ${r.changed.join(", ")} in ${r.commit.slice(0, 12)}`);
    });
  }
}

/** What the provider host runs for ConfigProperties (registry.ts); the resource registers providerRef. */
export const configPropertiesProvider = new ConfigPropertiesProvider();

/**
 * Keys of one properties file of MOSIP's config repo, committed and pushed (never forced), read
 * back from the repo and the config server. Deleting it restores what the keys held before.
 */
export class ConfigProperties extends MosipResource {
  declare readonly file: pulumi.Output<string>;
  declare readonly keys: pulumi.Output<Record<string, KeyCondition>>;
  /** The commit holding the stack's edit. */
  declare readonly commit: pulumi.Output<string>;
  /** What each key held before the stack first touched it. */
  declare readonly priorValues: pulumi.Output<Record<string, PriorValue>>;
  /** The managed keys' values in the file. */
  declare readonly fileValues: pulumi.Output<Record<string, string | null>>;
  /** What the config server serves for each key (null when it cannot be read). */
  declare readonly servedValues: pulumi.Output<Record<string, string | null> | null>;
  /** Keys whose declared condition does not hold in the file or at the config server. */
  declare readonly drift: pulumi.Output<string[]>;
  /** sha-256 of the managed values: a pod-template annotation that restarts the consumers. */
  declare readonly changeHash: pulumi.Output<string>;

  constructor(name: string, args: ConfigPropertiesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(TYPE),
      { type: TYPE, revision: REVISION },
      name,
      { ...args },
      ["commit", "priorValues", "fileValues", "servedValues", "drift", "changeHash"],
      opts,
    );
  }
}

/** The revision input the resource carries (for tests and callers that build raw inputs). */
export const CONFIG_PROPERTIES_REVISION = `${BASE_REVISION}.${REVISION}`;
