// MOSIP's configuration: a real git repository (the sandbox's mosip-config) and a Spring Cloud
// Config server in front of it, as MOSIP 1.2.0.1 deploys them (chart `mosip/config-server`, git
// backend, one label). The repository is served over git smart HTTP (the system's
// `git http-backend`, behind HTTP basic auth with a sandbox token) so the stack can clone, commit and
// push exactly as it would to the real config repo; the config server reads whatever the label's
// branch points at, so a push is visible on the next request.
import { spawn, execFile } from "node:child_process";
import * as fs from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import git from "isomorphic-git";
import { getProperties } from "properties-file";
import type { SandboxRequest, SandboxResponse } from "./http";
import type { SandboxContext } from "./types";

const run = promisify(execFile);

/** The label MOSIP deployments pin (`spring_config_label_env`); `develop` is never deployed. */
export const CONFIG_LABEL = "release-1.2.0.1";
export const CONFIG_REPO_NAME = "mosip-config.git";
/** Sandbox test credential for the config repo (basic-auth password, or username as GitHub allows). */
export const DEFAULT_CONFIG_REPO_TOKEN = "sandbox-config-repo-token";

export interface ConfigSeed {
  /** Clone URL of the config repository (smart HTTP, basic auth). */
  repoUrl: string;
  /** Token accepted as the basic-auth password (any username). */
  token: string;
  label: string;
  /** Spring Cloud Config server base URL (`spring_config_url_env`). */
  serverUrl: string;
  /** Files seeded at the label's first commit. */
  files: string[];
}

// ---------------------------------------------------------------------------------------------
// Spring placeholders
// ---------------------------------------------------------------------------------------------

/**
 * Resolves `${key}` / `${key:default}` placeholders (nested allowed) the way Spring's
 * PropertyPlaceholderHelper does with `ignoreUnresolvablePlaceholders`: an unresolvable placeholder
 * without a default is left as written.
 */
export function resolvePlaceholders(
  value: string,
  lookup: (key: string) => string | undefined,
  seen: Set<string> = new Set(),
): string {
  let out = "";
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf("${", i);
    if (start < 0) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, start);
    // Find the matching `}` taking nested `${` into account.
    let depth = 1;
    let j = start + 2;
    while (j < value.length && depth > 0) {
      if (value.startsWith("${", j)) {
        depth++;
        j += 2;
        continue;
      }
      if (value[j] === "}") depth--;
      j++;
    }
    if (depth > 0) {
      out += value.slice(start);
      break;
    }
    const inner = value.slice(start + 2, j - 1);
    // Split at the first `:` that is not inside a nested placeholder.
    let sep = -1;
    let d = 0;
    for (let k = 0; k < inner.length; k++) {
      if (inner.startsWith("${", k)) {
        d++;
        k++;
        continue;
      }
      if (inner[k] === "}") d--;
      else if (inner[k] === ":" && d === 0) {
        sep = k;
        break;
      }
    }
    const rawKey = sep < 0 ? inner : inner.slice(0, sep);
    const key = resolvePlaceholders(rawKey, lookup, seen);
    let resolved: string | undefined;
    if (!seen.has(key)) {
      const v = lookup(key);
      if (v !== undefined) {
        const next = new Set(seen);
        next.add(key);
        resolved = resolvePlaceholders(v, lookup, next);
      }
    }
    if (resolved === undefined && sep >= 0) {
      resolved = resolvePlaceholders(inner.slice(sep + 1), lookup, seen);
    }
    out += resolved ?? value.slice(start, j);
    i = j;
  }
  return out;
}

/** `packet-manager-default.properties` -> { application: "packet-manager", profile: "default" }. */
export function splitConfigFileName(file: string): { application: string; profile?: string } {
  const base = file.replace(/\.(properties|ya?ml)$/, "");
  const i = base.lastIndexOf("-");
  if (i <= 0) return { application: base };
  return { application: base.slice(0, i), profile: base.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// The repository
// ---------------------------------------------------------------------------------------------

const GIT_ENV = {
  GIT_AUTHOR_NAME: "MOSIP sandbox",
  GIT_AUTHOR_EMAIL: "sandbox@mosip.invalid",
  GIT_COMMITTER_NAME: "MOSIP sandbox",
  GIT_COMMITTER_EMAIL: "sandbox@mosip.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

async function gitCmd(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run("git", args, {
    cwd,
    env: { ...process.env, ...GIT_ENV, HOME: cwd },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Creates the bare repository with the default files committed on the label branch. */
async function createRepository(root: string, label: string): Promise<string[]> {
  const seedDir = path.join(__dirname, "config-repo");
  const files = (await readdir(seedDir)).filter((f) => !f.startsWith(".")).sort();
  const work = path.join(root, "seed-work");
  await mkdir(work);
  for (const f of files) await writeFile(path.join(work, f), await readFile(path.join(seedDir, f)));
  await writeFile(
    path.join(work, "README.md"),
    "# mosip-config (sandbox)\n\nConfiguration served by the sandbox's Spring Cloud Config server.\n",
  );
  await gitCmd(["init", "-q", "-b", label], work);
  await gitCmd(["add", "-A"], work);
  await gitCmd(["commit", "-q", "-m", "MOSIP 1.2.0.1 default configuration"], work);
  const bare = path.join(root, CONFIG_REPO_NAME);
  await gitCmd(["clone", "-q", "--bare", work, bare], root);
  // Pushes over HTTP are authenticated by the sandbox, so receive-pack may run.
  await gitCmd(["config", "http.receivepack", "true"], bare);
  await gitCmd(["config", "receive.denyDeletes", "true"], bare);
  // The deployed label is a protected branch: history is never rewritten under running services.
  await gitCmd(["config", "receive.denyNonFastForwards", "true"], bare);
  await rm(work, { recursive: true, force: true });
  return ["README.md", ...files];
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

export async function register(sb: SandboxContext): Promise<void> {
  const token = process.env.SANDBOX_CONFIG_REPO_TOKEN ?? DEFAULT_CONFIG_REPO_TOKEN;
  const label = CONFIG_LABEL;
  const ownsRoot = !sb.options.workDir;
  const root = sb.options.workDir
    ? path.resolve(sb.options.workDir)
    : await mkdtemp(path.join(tmpdir(), "mosip-sandbox-config-"));
  if (!ownsRoot) await mkdir(root, { recursive: true });
  const gitdir = path.join(root, CONFIG_REPO_NAME);
  let files: string[];
  if (fs.existsSync(gitdir)) {
    // A kept work dir: serve the repository as it was left.
    files = [];
  } else {
    files = await createRepository(root, label);
  }
  sb.onClose.push(async () => {
    if (ownsRoot) await rm(root, { recursive: true, force: true });
  });
  const execPath = (await run("git", ["--exec-path"])).stdout.trim();
  const httpBackend = path.join(execPath, "git-http-backend");

  const state = {
    label,
    pushes: 0,
    gitRequests: 0,
    lastCommit: "",
    /**
     * `spring.cloud.config.server.overrides` (MOSIP sets them as SPRING_CLOUD_CONFIG_SERVER_OVERRIDES_*
     * on the config-server pod): served to every application with the highest precedence.
     */
    overrides: {} as Record<string, string>,
  };
  sb.state.configServer = state;

  const repoUrl = () => `${sb.baseUrl}/git/${CONFIG_REPO_NAME}`;
  const seed: ConfigSeed = {
    get repoUrl() {
      return repoUrl();
    },
    token,
    label,
    get serverUrl() {
      return `${sb.baseUrl}/config`;
    },
    files,
  };
  sb.seed.config = seed;

  // --- reading the repository ----------------------------------------------------------------

  /** Commit id of a label (branch, tag or commit id, `(_)` standing for `/` as in Spring). */
  async function resolveLabel(l: string): Promise<string | undefined> {
    const name = l.replace(/\(_\)/g, "/");
    if (name.startsWith("-") || name.includes("..")) return undefined;
    try {
      // Branches point at commits; this is the hot path (every audience check reads it).
      return await git.resolveRef({ fs, gitdir, ref: `refs/heads/${name}` });
    } catch {
      // not a branch
    }
    try {
      const oid = await git.resolveRef({ fs, gitdir, ref: `refs/tags/${name}` });
      // Peel annotated tags.
      const obj = await git.readObject({ fs, gitdir, oid });
      if (obj.type === "tag") return (await git.readTag({ fs, gitdir, oid })).tag.object;
      return oid;
    } catch {
      // not a tag
    }
    if (/^[0-9a-f]{7,40}$/i.test(name)) {
      try {
        const oid = await git.expandOid({ fs, gitdir, oid: name.toLowerCase() });
        await git.readCommit({ fs, gitdir, oid });
        return oid;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  const blobCache = new Map<string, Buffer | null>();
  async function readAt(commit: string, file: string): Promise<Buffer | null> {
    const key = `${commit}:${file}`;
    if (blobCache.has(key)) return blobCache.get(key) as Buffer | null;
    let content: Buffer | null;
    try {
      const { blob } = await git.readBlob({ fs, gitdir, oid: commit, filepath: file });
      content = Buffer.from(blob);
    } catch {
      content = null;
    }
    blobCache.set(key, content);
    return content;
  }

  const parsedCache = new Map<string, Record<string, string> | null>();
  async function propertiesAt(
    commit: string,
    file: string,
  ): Promise<Record<string, string> | null> {
    const key = `${commit}:${file}`;
    if (parsedCache.has(key)) return parsedCache.get(key) as Record<string, string> | null;
    const raw = await readAt(commit, file);
    const parsed = raw === null ? null : getProperties(raw);
    parsedCache.set(key, parsed);
    return parsed;
  }

  /** Property sources for `application` (comma-separated names) and `profile`, most specific
   * first, as Spring Cloud Config orders them. */
  async function propertySources(
    commit: string,
    application: string,
    profile: string,
  ): Promise<Array<{ file: string; source: Record<string, string> }>> {
    const names = application
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean);
    if (!names.includes("application")) names.unshift("application");
    const profiles = profile
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    // Later names and later profiles win; `application` is the most general.
    const ordered = [...names].reverse();
    const candidates: string[] = [];
    for (const p of [...profiles].reverse()) {
      for (const n of ordered) candidates.push(`${n}-${p}.properties`);
    }
    for (const n of ordered) candidates.push(`${n}.properties`);
    const out: Array<{ file: string; source: Record<string, string> }> = [];
    for (const file of [...new Set(candidates)]) {
      const source = await propertiesAt(commit, file);
      if (source) out.push({ file, source });
    }
    return out;
  }

  async function currentCommit(): Promise<string> {
    const commit = await resolveLabel(label);
    if (!commit) throw new Error(`config server: label ${label} is missing from the repository`);
    state.lastCommit = commit;
    return commit;
  }

  sb.config = {
    async getProperty(file: string, key: string): Promise<string | undefined> {
      const commit = await currentCommit();
      const own = await propertiesAt(commit, file);
      const overrides = state.overrides;
      if (!(key in overrides) && (!own || !(key in own))) return undefined;
      const { application, profile } = splitConfigFileName(file);
      const sources = await propertySources(commit, application, profile ?? "default");
      // Overrides first, then the file itself, then what the service would also see
      // (application-<profile>).
      const lookup = (k: string): string | undefined => {
        if (k in overrides) return overrides[k];
        if (own && k in own) return own[k];
        for (const s of sources) if (k in s.source) return s.source[k];
        return undefined;
      };
      return resolvePlaceholders(lookup(key) as string, lookup);
    },
  };

  // Control endpoints for the overrides (the real ones need a config-server restart; here they
  // apply to the next request).
  sb.router.add("GET", "/__sandbox/config/overrides", () => ({
    status: 200,
    body: state.overrides,
  }));
  sb.router.add("PUT", "/__sandbox/config/overrides", (req) => {
    const body = req.json();
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return { status: 400, body: { error: "expected a JSON object of property -> value" } };
    }
    state.overrides = Object.fromEntries(
      Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
    return { status: 200, body: state.overrides };
  });
  sb.router.add("DELETE", "/__sandbox/config/overrides", () => {
    state.overrides = {};
    return { status: 204 };
  });

  // --- Spring Cloud Config server HTTP API ----------------------------------------------------

  function springError(req: SandboxRequest, status: number, error: string, message: string) {
    return {
      status,
      body: { timestamp: new Date().toISOString(), status, error, message, path: req.path },
    };
  }

  async function environment(req: SandboxRequest, lbl: string): Promise<SandboxResponse> {
    const { application, profile } = req.params;
    const commit = await resolveLabel(lbl);
    if (!commit) return springError(req, 404, "Not Found", `No such label: ${lbl}`);
    const sources = await propertySources(commit, application, profile);
    return {
      status: 200,
      body: {
        name: application,
        profiles: profile.split(","),
        label: lbl,
        version: commit,
        state: null,
        propertySources: [
          ...(Object.keys(state.overrides).length > 0
            ? [{ name: "overrides", source: { ...state.overrides } }]
            : []),
          ...sources.map((s) => ({ name: `${repoUrl()}/${s.file}`, source: s.source })),
        ],
      },
    };
  }

  sb.router.add("GET", "/config/:application/:profile", (req) => environment(req, label));
  sb.router.add("GET", "/config/:application/:profile/:label", (req) =>
    environment(req, req.params.label),
  );
  // Plain-text resources (e.g. identity-mapping.json): Spring resolves placeholders in them from
  // the application's environment.
  sb.router.add("GET", "/config/:application/:profile/:label/*", async (req) => {
    const { application, profile } = req.params;
    const commit = await resolveLabel(req.params.label);
    if (!commit) return springError(req, 404, "Not Found", `No such label: ${req.params.label}`);
    const file = req.params.rest;
    const raw = await readAt(commit, file);
    if (raw === null) {
      return springError(req, 404, "Not Found", `No such resource: ${file}`);
    }
    const sources = await propertySources(
      commit,
      application === "*" ? "application" : application,
      profile,
    );
    const lookup = (k: string): string | undefined => {
      if (k in state.overrides) return state.overrides[k];
      for (const s of sources) if (k in s.source) return s.source[k];
      return undefined;
    };
    const type = file.endsWith(".json")
      ? "application/json"
      : file.endsWith(".xml")
        ? "application/xml"
        : "text/plain";
    return {
      status: 200,
      headers: { "content-type": `${type};charset=UTF-8` },
      body: resolvePlaceholders(raw.toString("utf8"), lookup),
    };
  });

  // --- git smart HTTP ---------------------------------------------------------------------------

  function authorized(req: SandboxRequest): boolean {
    const h = req.headers.authorization;
    if (typeof h !== "string" || !/^basic /i.test(h)) return false;
    const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    const user = i < 0 ? decoded : decoded.slice(0, i);
    const pass = i < 0 ? "" : decoded.slice(i + 1);
    return pass === token || user === token;
  }

  sb.router.add("GET", "/git/*", (req) => gitHttp(req));
  sb.router.add("POST", "/git/*", (req) => gitHttp(req));

  async function gitHttp(req: SandboxRequest): Promise<SandboxResponse> {
    state.gitRequests++;
    if (!authorized(req)) {
      return {
        status: 401,
        headers: {
          "www-authenticate": 'Basic realm="mosip-config"',
          "content-type": "text/plain",
        },
        body: "Authentication required\n",
      };
    }
    const pathInfo = `/${req.params.rest}`;
    if (!pathInfo.startsWith(`/${CONFIG_REPO_NAME}/`)) {
      return {
        status: 404,
        headers: { "content-type": "text/plain" },
        body: "Repository not found\n",
      };
    }
    const isPush = pathInfo.endsWith("/git-receive-pack");
    const res = await cgi(req, pathInfo);
    if (isPush && res.status === 200) {
      state.pushes++;
      // New objects may replace what a ref pointed at; cached blobs stay valid (content-addressed).
    }
    return res;
  }

  function cgi(req: SandboxRequest, pathInfo: string): Promise<SandboxResponse> {
    const header = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v.join(", ") : (v ?? "");
    };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      HOME: root,
      REQUEST_METHOD: req.method,
      PATH_INFO: pathInfo,
      QUERY_STRING: req.query.toString(),
      CONTENT_TYPE: header("content-type"),
      CONTENT_LENGTH: String(req.raw.length),
      REMOTE_USER: "sandbox",
      REMOTE_ADDR: "127.0.0.1",
      SERVER_PROTOCOL: "HTTP/1.1",
      GATEWAY_INTERFACE: "CGI/1.1",
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      GIT_PROTOCOL: header("git-protocol"),
      ...GIT_ENV,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(httpBackend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => err.push(c));
      child.on("error", reject);
      child.on("close", () => {
        const buf = Buffer.concat(out);
        let split = buf.indexOf("\r\n\r\n");
        let sepLen = 4;
        if (split < 0) {
          split = buf.indexOf("\n\n");
          sepLen = 2;
        }
        if (split < 0) {
          resolve({
            status: 500,
            headers: { "content-type": "text/plain" },
            body: Buffer.concat(err).toString("utf8") || "git http-backend failed\n",
          });
          return;
        }
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of buf.subarray(0, split).toString("latin1").split(/\r?\n/)) {
          const i = line.indexOf(":");
          if (i < 0) continue;
          const name = line.slice(0, i).trim();
          const value = line.slice(i + 1).trim();
          if (name.toLowerCase() === "status") status = parseInt(value, 10) || 200;
          else headers[name.toLowerCase()] = value;
        }
        resolve({ status, headers, body: buf.subarray(split + sepLen) });
      });
      child.stdin.on("error", () => {
        // http-backend may exit before reading everything (e.g. on errors); the status says why.
      });
      child.stdin.end(req.raw);
    });
  }
}
