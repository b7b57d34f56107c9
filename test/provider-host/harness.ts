// Runs dynamic providers the way `pulumi up` runs them (testing ladder step 2):
//
// 1. serializeResourceProvider(): in a child Node process with ts-node registered as the Pulumi Node
//    runtime registers it for a CommonJS TypeScript program (cmd/run/run.js: compiler "typescript",
//    project tsconfig.json, compilerOptions {target ES2020, module/moduleResolution nodenext,
//    sourceMap} overlaid with the tsconfig's), the provider is serialized with the SDK's own closure
//    serializer (`runtime.serializeFunction(() => provider, { allowSecrets: true })`, as
//    `pulumi.dynamic.Resource` does). The text is the `__provider` string stored in state.
// 2. startProviderHost(): starts the SDK's own dynamic-provider host
//    (`@pulumi/pulumi/cmd/dynamic-provider/index.js <engine address>`) as a child process, with a
//    minimal Engine gRPC service standing in for the engine, and drives it with the SDK's generated
//    gRPC client and messages: GetPluginInfo, Configure, Check, Diff, Create, Read, Update, Delete.
//
// Vitest's module transform breaks closure serialization, which is why both run in child processes
// and the tests only talk to them.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";

/** The project root: the working directory `pulumi up` gives the program and the provider host. */
export const PROJECT_ROOT = path.resolve(__dirname, "../..");
const RESULT_MARKER = "@@provider-host-result@@";
export const PROVIDER_KEY = "__provider";

// ---------------------------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------------------------

export interface SerializedProvider {
  /** The `__provider` text, as stored in state. */
  text: string;
  /** Size of `text` in bytes (UTF-8). */
  size: number;
  /** The resource type token the class registers (class exports only). */
  type?: string;
  /** Whether the serializer saw a secret Output in the closure. */
  containsSecrets: boolean;
}

export interface SerializeOptions {
  /** Constructor args when the export is a Resource class (defaults to `{}`). */
  args?: Record<string, unknown>;
  /** Program config (`project:key` -> string) visible while constructing the resource. */
  config?: Record<string, string>;
  /** Extra environment for the child. */
  env?: Record<string, string>;
}

// Registers ts-node with the options the Pulumi Node runtime uses for a non-ESM TypeScript program
// (@pulumi/pulumi cmd/run/run.js) and then loads the serializer entry through it. Transpile-only is
// what the runtime does when PULUMI_NODEJS_TRANSPILE_ONLY=true or tsconfig sets noCheck; the code
// that comes out is the same either way, and type errors are tsc's job in CI.
const SERIALIZE_BOOTSTRAP = `
const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
require("ts-node").register({
  compiler: "typescript",
  transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY !== "false",
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...compilerOptions,
  },
});
require("./test/provider-host/serialize-child.ts");
`;

/**
 * Serializes the provider of `exportName` in `modulePath` (relative to the project root) exactly as
 * `pulumi.dynamic.Resource` does, in a child process. `exportName` may name a dynamic Resource class
 * (constructed under mocks with `opts.args`; the registered `__provider` is returned with the type
 * token) or a provider object.
 */
export async function serializeResourceProvider(
  modulePath: string,
  exportName: string,
  opts: SerializeOptions = {},
): Promise<SerializedProvider> {
  const [one] = await serializeResourceProviders(
    [{ module: modulePath, export: exportName, args: opts.args }],
    opts,
  );
  return one!;
}

/** Several at once, in one child (loading the SDK under ts-node takes seconds). */
export async function serializeResourceProviders(
  items: { module: string; export: string; args?: Record<string, unknown> }[],
  opts: Omit<SerializeOptions, "args"> = {},
): Promise<SerializedProvider[]> {
  const request = JSON.stringify({ items, config: opts.config });
  const child = spawn(process.execPath, ["-e", SERIALIZE_BOOTSTRAP], {
    cwd: PROJECT_ROOT,
    env: { ...childEnv(), ...opts.env, PROVIDER_HOST_REQUEST: request },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
  if (!line) {
    throw new Error(
      `serializer child exited with ${code} and no result.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
    );
  }
  const result = JSON.parse(line.slice(RESULT_MARKER.length)) as
    | { ok: true; results: { text: string; type?: string; secret: boolean }[] }
    | { ok: false; error: string };
  if (!result.ok) {
    const what = items.map((i) => `${i.module}#${i.export}`).join(", ");
    throw new Error(`serializing ${what} failed: ${result.error}`);
  }
  return result.results.map((r) => ({
    text: r.text,
    size: Buffer.byteLength(r.text, "utf8"),
    type: r.type,
    containsSecrets: r.secret,
  }));
}

/** The environment children get: the parent's minus vitest's and Pulumi's own variables. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(VITEST|PULUMI_|NODE_OPTIONS$|TEST$|MOSIP_)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Struct conversion and errors
// ---------------------------------------------------------------------------------------------

export type Props = Record<string, unknown>;

/** JS object -> google.protobuf.Struct (undefined values dropped, as JSON would). */
export function toStruct(obj: Props): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(obj)) as Record<string, never>);
}

/** google.protobuf.Struct -> JS object. */
export function fromStruct(s: Struct | undefined): Props {
  return s ? (s.toJavaScript() as Props) : {};
}

/** An RPC that failed, as plain JS: the gRPC code, the message, and any init-failure details. */
export class ProviderHostError extends Error {
  constructor(
    readonly rpc: string,
    readonly code: number,
    readonly details: string,
    /** Set when the host packed an ErrorResourceInitFailed (object created but not healthy). */
    readonly initFailed?: { id: string; properties: Props; reasons: string[] },
  ) {
    super(`${rpc} failed (gRPC ${grpc.status[code] ?? code}): ${details}`);
    this.name = "ProviderHostError";
  }
}

function toHostError(rpc: string, err: grpc.ServiceError): ProviderHostError {
  let initFailed: ProviderHostError["initFailed"];
  const bin = err.metadata?.get("grpc-status-details-bin")?.[0];
  if (bin) {
    const status = statusproto.Status.deserializeBinary(
      new Uint8Array(typeof bin === "string" ? Buffer.from(bin) : bin),
    );
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
        const d = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
        initFailed = {
          id: d.getId(),
          properties: fromStruct(d.getProperties()),
          reasons: d.getReasonsList(),
        };
      }
    }
  }
  return new ProviderHostError(rpc, err.code, err.details || err.message, initFailed);
}

// ---------------------------------------------------------------------------------------------
// Engine stand-in
// ---------------------------------------------------------------------------------------------

export interface LogEntry {
  /** "engine" for structured pulumi.log calls that reached the Engine service; else the stream. */
  source: "engine" | "stdout" | "stderr";
  severity: string;
  message: string;
  urn?: string;
}

const SEVERITY: Record<number, string> = {
  [engproto.LogSeverity.DEBUG]: "debug",
  [engproto.LogSeverity.INFO]: "info",
  [engproto.LogSeverity.WARNING]: "warning",
  [engproto.LogSeverity.ERROR]: "error",
};

async function startEngine(logs: LogEntry[]): Promise<{ address: string; server: grpc.Server }> {
  const server = new grpc.Server();
  const impl: grpc.UntypedServiceImplementation = {
    log(call: grpc.ServerUnaryCall<engproto.LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) {
      const r = call.request;
      logs.push({
        source: "engine",
        severity: SEVERITY[r.getSeverity()] ?? String(r.getSeverity()),
        message: r.getMessage(),
        urn: r.getUrn() || undefined,
      });
      cb(null, new Empty());
    },
    getRootResource(_call: unknown, cb: grpc.sendUnaryData<engproto.GetRootResourceResponse>) {
      cb(null, new engproto.GetRootResourceResponse());
    },
    setRootResource(_call: unknown, cb: grpc.sendUnaryData<engproto.SetRootResourceResponse>) {
      cb(null, new engproto.SetRootResourceResponse());
    },
    startDebugging(_call: unknown, cb: grpc.sendUnaryData<Empty>) {
      cb(null, new Empty());
    },
  };
  server.addService(engrpc.EngineService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, server };
}

// ---------------------------------------------------------------------------------------------
// The provider host
// ---------------------------------------------------------------------------------------------

export interface ProviderHostOptions {
  /**
   * Stack config as the engine sends it in Configure: fully qualified keys (`mosip-crvs:mosip`)
   * to values. Objects are sent as JSON strings in `variables` and as values in `args`.
   */
  config?: Record<string, unknown>;
  /** Keys of `config` that are secret (wrapped as secrets in `args`, as the engine does). */
  secretKeys?: string[];
  /** Extra environment for the host process (e.g. MOSIP_CLIENT_SECRET). */
  env?: Record<string, string>;
  /**
   * Also export PULUMI_NODEJS_ENGINE to the host so `pulumi.log` reaches the Engine service. The
   * CLI does not do this for dynamic providers (pulumi/pulumi#6065: the address is validated but not
   * plumbed; since #18253 the CLI passes the host's stdout/stderr through instead), so the default
   * is false: logs then arrive as stdout/stderr lines, as they do under `pulumi up`.
   */
  structuredLogs?: boolean;
  /** Skip the Configure call (the engine always makes it; only for testing the host). */
  skipConfigure?: boolean;
}

export interface CheckResult {
  inputs: Props;
  failures: { property: string; reason: string }[];
}
export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface ReadResult {
  id: string;
  properties: Props;
  inputs?: Props;
}

/** A running dynamic-provider host. `provider` arguments are SerializedProviders or raw text. */
export interface ProviderHost {
  /** Every log line the provider produced (engine Log calls plus host stdout/stderr after startup). */
  logs: LogEntry[];
  /** Host process id. */
  pid: number;
  getPluginInfo(): Promise<{ version: string }>;
  configure(
    config: Record<string, unknown>,
    secretKeys?: string[],
  ): Promise<{ acceptSecrets: boolean }>;
  check(provider: Provider, urn: string, olds: Props, news: Props): Promise<CheckResult>;
  diff(provider: Provider, id: string, urn: string, olds: Props, news: Props): Promise<DiffResult>;
  create(provider: Provider, urn: string, news: Props): Promise<{ id: string; properties: Props }>;
  read(
    provider: Provider,
    id: string,
    urn: string,
    state: Props,
    inputs?: Props,
  ): Promise<ReadResult>;
  update(
    provider: Provider,
    id: string,
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ properties: Props }>;
  delete(provider: Provider, id: string, urn: string, state: Props): Promise<void>;
  /** Waits until the host has printed everything pending (logs are asynchronous). */
  flushLogs(): Promise<void>;
  close(): Promise<void>;
}

export type Provider = SerializedProvider | string;

const textOf = (p: Provider) => (typeof p === "string" ? p : p.text);
const withProvider = (p: Provider, props: Props): Props => ({
  ...props,
  [PROVIDER_KEY]: textOf(p),
});
/** Props as the program sees them: without `__provider`. */
export const stripProvider = (props: Props): Props => {
  const { [PROVIDER_KEY]: _p, ...rest } = props;
  return rest;
};

/** Builds a URN as the engine would for a resource of `type` named `name`. */
export function urnFor(type: string, name: string, stack = "test", project = "mosip-crvs"): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

/**
 * Runs the SDK's dynamic-provider host (argv[1], its engine address argv[2], as the CLI passes
 * them) and exits when its stdin closes. The host is a gRPC server that never exits on its own, so
 * a parent that dies without close() (a killed test worker or harness run) would leave it behind
 * holding ~100 MB; only the parent holds the pipe, and the OS closes it when the parent dies.
 */
const HOST_BOOTSTRAP = [
  'process.stdin.on("end", () => process.exit(0));',
  'process.stdin.on("error", () => process.exit(0));',
  "process.stdin.resume();",
  "require(process.argv[1]);",
].join(" ");

/** Starts Pulumi's dynamic-provider host and, unless told not to, configures it as the engine does. */
export async function startProviderHost(opts: ProviderHostOptions = {}): Promise<ProviderHost> {
  const logs: LogEntry[] = [];
  const engine = await startEngine(logs);
  const script = path.join(
    PROJECT_ROOT,
    "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js",
  );
  const env: Record<string, string> = { ...childEnv(), ...opts.env };
  if (opts.structuredLogs) env.PULUMI_NODEJS_ENGINE = engine.address;
  const child: ChildProcess = spawn(
    process.execPath,
    ["-e", HOST_BOOTSTRAP, script, engine.address],
    {
      cwd: PROJECT_ROOT,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const stdout = readline.createInterface({ input: child.stdout! });
  const stderr = readline.createInterface({ input: child.stderr! });
  let startupErr = "";
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`provider host exited with ${code} before listening: ${startupErr}`));
    child.once("exit", onExit);
    stderr.on("line", (l) => {
      startupErr += l + "\n";
      logs.push({ source: "stderr", severity: "stderr", message: l });
    });
    let first = true;
    stdout.on("line", (l) => {
      if (first) {
        first = false;
        child.off("exit", onExit);
        // The host prints its port as the first line; the engine reads it the same way.
        const n = Number(l.trim());
        if (!Number.isInteger(n)) reject(new Error(`unexpected first line from host: ${l}`));
        else resolve(n);
        return;
      }
      logs.push({ source: "stdout", severity: "stdout", message: l });
    });
  });
  const client = new provrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );

  function unary<Req, Res>(
    name: string,
    fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
    req: Req,
  ): Promise<Res> {
    return new Promise((resolve, reject) =>
      fn.call(client, req, (err, res) => (err ? reject(toHostError(name, err)) : resolve(res))),
    );
  }

  const host: ProviderHost = {
    logs,
    pid: child.pid!,
    async getPluginInfo() {
      const r = await unary<Empty, plugproto.PluginInfo>(
        "GetPluginInfo",
        client.getPluginInfo,
        new Empty(),
      );
      return { version: r.getVersion() };
    },
    async configure(config, secretKeys = []) {
      const req = new provproto.ConfigureRequest();
      const vars = req.getVariablesMap();
      const args: Props = {};
      for (const [k, v] of Object.entries(config)) {
        vars.set(k, typeof v === "string" ? v : JSON.stringify(v));
        args[k] = secretKeys.includes(k) ? { ...SECRET_SIG, value: v } : v;
      }
      req.setArgs(toStruct(args));
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      const r = await unary<provproto.ConfigureRequest, provproto.ConfigureResponse>(
        "Configure",
        client.configure,
        req,
      );
      return { acceptSecrets: r.getAcceptsecrets() };
    },
    async check(p, urn, olds, news) {
      const req = new provproto.CheckRequest();
      req.setUrn(urn);
      req.setOlds(toStruct(Object.keys(olds).length ? withProvider(p, olds) : {}));
      req.setNews(toStruct(withProvider(p, news)));
      const r = await unary<provproto.CheckRequest, provproto.CheckResponse>(
        "Check",
        client.check,
        req,
      );
      return {
        inputs: fromStruct(r.getInputs()),
        failures: r.getFailuresList().map((f) => ({
          property: f.getProperty(),
          reason: f.getReason(),
        })),
      };
    },
    async diff(p, id, urn, olds, news) {
      const req = new provproto.DiffRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(toStruct(withProvider(p, olds)));
      req.setNews(toStruct(withProvider(p, news)));
      const r = await unary<provproto.DiffRequest, provproto.DiffResponse>(
        "Diff",
        client.diff,
        req,
      );
      const c = r.getChanges();
      return {
        changes:
          c === provproto.DiffResponse.DiffChanges.DIFF_SOME
            ? "some"
            : c === provproto.DiffResponse.DiffChanges.DIFF_NONE
              ? "none"
              : "unknown",
        replaces: r.getReplacesList(),
        deleteBeforeReplace: r.getDeletebeforereplace(),
      };
    },
    async create(p, urn, news) {
      const req = new provproto.CreateRequest();
      req.setUrn(urn);
      req.setProperties(toStruct(withProvider(p, news)));
      const r = await unary<provproto.CreateRequest, provproto.CreateResponse>(
        "Create",
        client.create,
        req,
      );
      return { id: r.getId(), properties: fromStruct(r.getProperties()) };
    },
    async read(p, id, urn, state, inputs) {
      const req = new provproto.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(toStruct(withProvider(p, state)));
      if (inputs) req.setInputs(toStruct(withProvider(p, inputs)));
      const r = await unary<provproto.ReadRequest, provproto.ReadResponse>(
        "Read",
        client.read,
        req,
      );
      return {
        id: r.getId(),
        properties: fromStruct(r.getProperties()),
        inputs: r.hasInputs() ? fromStruct(r.getInputs()) : undefined,
      };
    },
    async update(p, id, urn, olds, news) {
      const req = new provproto.UpdateRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(toStruct(withProvider(p, olds)));
      req.setNews(toStruct(withProvider(p, news)));
      const r = await unary<provproto.UpdateRequest, provproto.UpdateResponse>(
        "Update",
        client.update,
        req,
      );
      return { properties: fromStruct(r.getProperties()) };
    },
    async delete(p, id, urn, state) {
      const req = new provproto.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(toStruct(withProvider(p, state)));
      await unary<provproto.DeleteRequest, Empty>("Delete", client.delete, req);
    },
    async flushLogs() {
      await new Promise((r) => setTimeout(r, 100));
    },
    async close() {
      client.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await new Promise<void>((r) => engine.server.tryShutdown(() => r()));
    },
  };

  if (!opts.skipConfigure) await host.configure(opts.config ?? {}, opts.secretKeys);
  return host;
}

/**
 * Values in `text` that look like credentials: returns those of `secrets` that occur in it. Use it
 * on serialized providers, logs and error messages.
 */
export function findLeaks(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => s.length > 0 && text.includes(s));
}
