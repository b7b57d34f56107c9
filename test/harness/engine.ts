// A small Pulumi engine for machines without the Pulumi CLI. It runs the program exactly as the
// CLI's Node language host does (`@pulumi/pulumi/cmd/run`, which registers ts-node and reads
// PULUMI_CONFIG), serves the ResourceMonitor and Engine gRPC services the program talks to, and
// carries out each registration: dynamic resources through Pulumi's own dynamic-provider host
// (check, diff, create, update, delete, read), Keycloak resources against the Keycloak admin API
// (keycloak.ts), Kubernetes resources recorded as declared. State is a JSON file whose secrets
// are encrypted (state.ts). up, preview, refresh and destroy follow the CLI's semantics.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import {
  PROJECT_ROOT,
  ProviderHostError,
  startProviderHost,
  type ProviderHost,
} from "../provider-host/harness";
import { KeycloakApplier, keycloakDiff, type KeycloakProviderConfig } from "./keycloak";
import { loadState, saveState, type ResourceState, type StackState } from "./state";
import {
  changedKeys,
  fromStruct,
  markSecrets,
  reveal,
  revealProps,
  secretKeysOf,
  toStruct,
  type Props,
} from "./values";

export type Operation = "up" | "preview" | "refresh" | "destroy";

export interface StepEvent {
  op: "create" | "update" | "replace" | "delete" | "same" | "drift" | "gone";
  urn: string;
  type: string;
  name: string;
  /** Property names that differ (never values). */
  changes: string[];
  ms?: number;
}

export interface EngineOptions {
  op: Operation;
  stack: string;
  project: string;
  stateFile: string;
  /** Fully qualified config (`mosip-crvs:mosip` -> value); objects are passed as JSON. */
  config: Record<string, unknown>;
  secretKeys?: string[];
  /** Passphrase that encrypts the state's secrets. */
  passphrase: string;
  /** Extra environment for the program and the provider host (e.g. credentials). */
  env?: Record<string, string>;
  /** refresh: report drift without writing state (`pulumi refresh --preview-only`). */
  previewOnly?: boolean;
  onStep?: (e: StepEvent) => void;
  onLog?: (line: string) => void;
  /** The program to run, relative to the project root; `.` runs package.json's main (index.ts). */
  program?: string;
  /**
   * Minimum time between two state saves during `up`. 0 (the default) saves after every step, as
   * the CLI checkpoints; a larger value saves at most that often and always at the end, so a run
   * killed in between loses the last steps from the state (the next `up` adopts those objects).
   * The whole file is rewritten per save, which at thousands of resources costs more than MOSIP.
   */
  checkpointIntervalMs?: number;
}

export interface EngineResult {
  steps: StepEvent[];
  outputs: Props;
  /** Steps other than "same". */
  changes: number;
  diagnostics: string[];
}

const DYNAMIC = "pulumi-nodejs:dynamic";
const PROVIDER_KEY = "__provider";

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
function typeOf(urn: string): string {
  const t = urn.split("::")[2] ?? "";
  return t.slice(t.lastIndexOf("$") + 1);
}
const isDynamic = (type: string) =>
  type.startsWith(`${DYNAMIC}:`) || type.startsWith(`${DYNAMIC}/`);

/** Resources in an order where everything comes after what it depends on. */
function topo(resources: ResourceState[]): ResourceState[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const out: ResourceState[] = [];
  const visit = (r: ResourceState) => {
    if (seen.has(r.urn)) return;
    seen.add(r.urn);
    for (const d of [
      ...r.dependencies,
      ...(r.parent ? [r.parent] : []),
      ...(r.provider ? [r.provider.split("::").slice(0, -1).join("::")] : []),
    ]) {
      const dep = byUrn.get(d);
      if (dep) visit(dep);
    }
    out.push(r);
  };
  resources.forEach(visit);
  return out;
}

export async function runEngine(opts: EngineOptions): Promise<EngineResult> {
  const state = loadState(opts.stateFile, opts.stack, opts.project, opts.passphrase);
  const steps: StepEvent[] = [];
  const diagnostics: string[] = [];
  const log = (l: string) => {
    diagnostics.push(l);
    opts.onLog?.(l);
  };
  const record = (e: StepEvent) => {
    steps.push(e);
    opts.onStep?.(e);
  };

  let host: ProviderHost | undefined;
  const hostFor = async () =>
    (host ??= await startProviderHost({
      config: opts.config,
      secretKeys: opts.secretKeys,
      env: opts.env,
    }));
  const appliers = new Map<string, KeycloakApplier>();
  const applierFor = (providerRef: string | undefined, resources: Map<string, ResourceState>) => {
    const urn = (providerRef ?? "").split("::").slice(0, -1).join("::");
    const p = resources.get(urn);
    if (!p || !p.type.startsWith("pulumi:providers:keycloak")) {
      throw new Error(
        "Keycloak resources need an explicit keycloak.Provider (the harness has no default provider)",
      );
    }
    let a = appliers.get(urn);
    if (!a) {
      a = new KeycloakApplier(revealProps(p.inputs) as unknown as KeycloakProviderConfig);
      appliers.set(urn, a);
    }
    return a;
  };

  try {
    if (opts.op === "refresh") {
      await refresh(state, opts, hostFor, applierFor, record);
      if (!opts.previewOnly) saveState(opts.stateFile, state, opts.passphrase);
    } else if (opts.op === "destroy") {
      await destroy(state, opts, hostFor, applierFor, record);
      saveState(opts.stateFile, state, opts.passphrase);
    } else {
      await deploy(state, opts, hostFor, applierFor, record, log);
    }
  } finally {
    if (host) {
      await host.flushLogs().catch(() => undefined);
      for (const l of host.logs) if (l.message.trim()) log(l.message.trim());
      await host.close();
    }
  }
  return {
    steps,
    outputs: state.outputs,
    changes: steps.filter((s) => s.op !== "same").length,
    diagnostics,
  };
}

type HostFor = () => Promise<ProviderHost>;
type ApplierFor = (
  ref: string | undefined,
  resources: Map<string, ResourceState>,
) => KeycloakApplier;

async function refresh(
  state: StackState,
  opts: EngineOptions,
  hostFor: HostFor,
  applierFor: ApplierFor,
  record: (e: StepEvent) => void,
): Promise<void> {
  const byUrn = new Map(state.resources.map((r) => [r.urn, r]));
  const kept: ResourceState[] = [];
  for (const r of state.resources) {
    const base = { urn: r.urn, type: r.type, name: nameOf(r.urn) };
    if (
      !r.custom ||
      !r.id ||
      r.type.startsWith("pulumi:providers:") ||
      r.type.startsWith("kubernetes:")
    ) {
      kept.push(r);
      continue;
    }
    let live: Props | undefined;
    if (isDynamic(r.type)) {
      const h = await hostFor();
      const res = await h.read(
        String(reveal(r.outputs[PROVIDER_KEY])),
        r.id,
        r.urn,
        revealProps(r.outputs),
        revealProps(r.inputs),
      );
      live = res.id ? { ...res.properties } : undefined;
    } else {
      live = await applierFor(r.provider, byUrn).read(r.type, r.id, r.inputs);
    }
    if (!live) {
      record({ ...base, op: "gone", changes: [] });
      continue;
    }
    const changes = changedKeys(r.outputs, live, [PROVIDER_KEY]);
    record({ ...base, op: changes.length ? "drift" : "same", changes });
    kept.push({
      ...r,
      outputs: markSecrets(live, [
        ...(r.additionalSecretOutputs ?? []),
        ...secretKeysOf(r.outputs),
      ]),
    });
  }
  if (!opts.previewOnly) state.resources = kept;
}

async function deleteOne(
  r: ResourceState,
  byUrn: Map<string, ResourceState>,
  hostFor: HostFor,
  applierFor: ApplierFor,
): Promise<void> {
  if (
    !r.custom ||
    !r.id ||
    r.type.startsWith("pulumi:providers:") ||
    r.type.startsWith("kubernetes:")
  )
    return;
  if (isDynamic(r.type)) {
    await (
      await hostFor()
    ).delete(String(reveal(r.outputs[PROVIDER_KEY])), r.id, r.urn, revealProps(r.outputs));
  } else {
    await applierFor(r.provider, byUrn).delete(r.type, r.id, r.inputs);
  }
}

async function destroy(
  state: StackState,
  _opts: EngineOptions,
  hostFor: HostFor,
  applierFor: ApplierFor,
  record: (e: StepEvent) => void,
): Promise<void> {
  const byUrn = new Map(state.resources.map((r) => [r.urn, r]));
  for (const r of topo(state.resources).reverse()) {
    const started = Date.now();
    await deleteOne(r, byUrn, hostFor, applierFor);
    state.resources = state.resources.filter((x) => x.urn !== r.urn);
    record({
      op: "delete",
      urn: r.urn,
      type: r.type,
      name: nameOf(r.urn),
      changes: [],
      ms: Date.now() - started,
    });
  }
  state.outputs = {};
}

async function deploy(
  state: StackState,
  opts: EngineOptions,
  hostFor: HostFor,
  applierFor: ApplierFor,
  record: (e: StepEvent) => void,
  log: (l: string) => void,
): Promise<void> {
  const dryRun = opts.op === "preview";
  const olds = new Map(state.resources.map((r) => [r.urn, r]));
  // What this run registered; providers are looked up here first so a changed provider config wins.
  const news = new Map<string, ResourceState>();
  const lookup = new Proxy(news, {
    get(target, prop) {
      if (prop === "get") return (k: string) => target.get(k) ?? olds.get(k);
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as Map<string, ResourceState>;
  let failure: Error | undefined;
  let stackOutputs: Props = state.outputs;
  let rootUrn = "";
  let program: ReturnType<typeof spawn> | undefined;
  const diagnosticsSeen: string[] = [];

  const urnFor = (type: string, name: string, parent: string) => {
    let chain = type;
    if (parent && parent !== rootUrn) {
      const pt = parent.split("::")[2];
      chain = `${pt}$${type}`;
    }
    return `urn:pulumi:${opts.stack}::${opts.project}::${chain}::${name}`;
  };

  let lastSave = 0;
  let pendingSave: NodeJS.Timeout | undefined;
  const interval = opts.checkpointIntervalMs ?? 0;
  const persist = (final = false) => {
    if (dryRun) return;
    if (!final && interval > 0) {
      const wait = lastSave + interval - Date.now();
      if (wait > 0) {
        pendingSave ??= setTimeout(() => {
          pendingSave = undefined;
          persist();
        }, wait);
        return;
      }
    }
    clearTimeout(pendingSave);
    pendingSave = undefined;
    lastSave = Date.now();
    const merged = new Map(olds);
    for (const [k, v] of news) merged.set(k, v);
    state.resources = topo([...merged.values()]);
    state.outputs = stackOutputs;
    saveState(opts.stateFile, state, opts.passphrase);
  };

  async function register(
    req: resproto.RegisterResourceRequest,
  ): Promise<resproto.RegisterResourceResponse> {
    const type = req.getType();
    const name = req.getName();
    const custom = req.getCustom();
    const parent = req.getParent();
    const urn =
      type === "pulumi:pulumi:Stack"
        ? `urn:pulumi:${opts.stack}::${opts.project}::${type}::${name}`
        : urnFor(type, name, parent);
    if (type === "pulumi:pulumi:Stack") rootUrn = urn;
    const inputs = fromStruct(req.getObject());
    const old = olds.get(urn);
    const additionalSecretOutputs = req.getAdditionalsecretoutputsList();
    const entry: ResourceState = {
      urn,
      type,
      custom,
      parent: parent || undefined,
      provider: req.getProvider() || undefined,
      inputs,
      outputs: {},
      dependencies: req.getDependenciesList(),
      additionalSecretOutputs: additionalSecretOutputs.length ? additionalSecretOutputs : undefined,
    };
    const base = { urn, type, name };
    const started = Date.now();
    const secretKeys = [...additionalSecretOutputs, ...secretKeysOf(inputs)];
    const reply = (id: string, outputs: Props) => {
      entry.id = id || undefined;
      entry.outputs = markSecrets(outputs, secretKeys);
      news.set(urn, entry);
      persist();
      const res = new resproto.RegisterResourceResponse();
      res.setUrn(urn);
      res.setId(id);
      const { [PROVIDER_KEY]: _p, ...visible } = entry.outputs;
      res.setObject(toStruct(visible));
      return res;
    };

    if (!custom || type.startsWith("pulumi:providers:") || type.startsWith("kubernetes:")) {
      // Components, providers and recorded Kubernetes objects: outputs are the declared inputs.
      const changes = old ? changedKeys(old.inputs, inputs) : [];
      if (custom)
        record({ ...base, op: !old ? "create" : changes.length ? "update" : "same", changes });
      const id = custom
        ? (old?.id ?? (type.startsWith("kubernetes:") ? k8sId(inputs, name) : randomUUID()))
        : "";
      // A component's outputs come later, through RegisterResourceOutputs.
      return reply(id, custom ? inputs : {});
    }

    if (isDynamic(type)) {
      const h = await hostFor();
      const provider = String(inputs[PROVIDER_KEY]);
      const plain = revealProps(inputs);
      const checked = await h.check(provider, urn, old ? revealProps(old.inputs) : {}, plain);
      if (checked.failures.length) {
        throw new Error(
          `${type} ${name}: invalid inputs:\n` +
            checked.failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n"),
        );
      }
      const ins = { ...checked.inputs, [PROVIDER_KEY]: provider };
      entry.inputs = markSecrets(ins, secretKeysOf(inputs));
      if (!old?.id) {
        if (dryRun) {
          record({ ...base, op: "create", changes: [] });
          return reply("", ins);
        }
        const created = await h.create(provider, urn, checked.inputs);
        record({ ...base, op: "create", changes: [], ms: Date.now() - started });
        return reply(created.id, { ...created.properties, [PROVIDER_KEY]: provider });
      }
      const oldOuts = revealProps(old.outputs);
      const d = await h.diff(provider, old.id, urn, oldOuts, checked.inputs);
      const changes = changedKeys(old.inputs, ins, [PROVIDER_KEY]);
      if (d.changes === "none") {
        record({ ...base, op: "same", changes: [] });
        return reply(old.id, { ...old.outputs, [PROVIDER_KEY]: provider });
      }
      if (d.replaces.length === 0) {
        record({ ...base, op: "update", changes, ms: dryRun ? undefined : Date.now() - started });
        if (dryRun) return reply(old.id, { ...oldOuts, ...checked.inputs });
        const updated = await h.update(provider, old.id, urn, oldOuts, checked.inputs);
        return reply(old.id, { ...updated.properties, [PROVIDER_KEY]: provider });
      }
      record({ ...base, op: "replace", changes: d.replaces });
      if (dryRun) return reply(old.id, ins);
      // Delete first when the provider asks (MOSIP natural keys are unique), else create first.
      if (d.deleteBeforeReplace)
        await h.delete(String(reveal(old.outputs[PROVIDER_KEY])), old.id, urn, oldOuts);
      const created = await h.create(provider, urn, checked.inputs);
      if (!d.deleteBeforeReplace)
        await h.delete(String(reveal(old.outputs[PROVIDER_KEY])), old.id, urn, oldOuts);
      return reply(created.id, { ...created.properties, [PROVIDER_KEY]: provider });
    }

    if (KeycloakApplier.supports(type)) {
      const kc = applierFor(req.getProvider(), lookup);
      if (!old?.id) {
        record({ ...base, op: "create", changes: [] });
        if (dryRun) return reply("", inputs);
        const created = await kc.create(type, inputs);
        return reply(created.id, created.outputs);
      }
      const d = keycloakDiff(type, old.inputs, inputs);
      if (d.changes.length === 0) {
        record({ ...base, op: "same", changes: [] });
        return reply(old.id, { ...old.outputs });
      }
      if (d.replaces.length === 0) {
        record({ ...base, op: "update", changes: d.changes });
        if (dryRun) return reply(old.id, { ...old.outputs, ...inputs });
        return reply(old.id, await kc.update(type, old.id, inputs));
      }
      record({ ...base, op: "replace", changes: d.replaces });
      if (dryRun) return reply(old.id, inputs);
      await kc.delete(type, old.id, old.inputs);
      const created = await kc.create(type, inputs);
      return reply(created.id, created.outputs);
    }
    throw new Error(`the harness has no provider for resource type ${type} (${name})`);
  }

  const monitor = new grpc.Server();
  const wrap =
    <Req, Res>(f: (r: Req) => Promise<Res>) =>
    (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
      f(call.request).then(
        (res) => cb(null, res),
        (err: Error) => {
          const message = err instanceof ProviderHostError ? err.details : err.message;
          failure ??= new Error(message);
          // As the CLI does when a step fails: stop the deployment. Left running, the program
          // waits forever on outputs that will never resolve.
          setTimeout(() => program?.kill("SIGKILL"), 1500).unref();
          cb({ code: grpc.status.UNKNOWN, details: message } as grpc.ServiceError);
        },
      );
    };
  monitor.addService(resrpc.ResourceMonitorService, {
    supportsFeature: wrap(async (r: resproto.SupportsFeatureRequest) => {
      const res = new resproto.SupportsFeatureResponse();
      res.setHassupport(["secrets"].includes(r.getId()));
      return res;
    }),
    registerResource: wrap(register),
    registerResourceOutputs: wrap(async (r: resproto.RegisterResourceOutputsRequest) => {
      const outs = fromStruct(r.getOutputs());
      if (r.getUrn() === rootUrn) stackOutputs = outs;
      const e = news.get(r.getUrn());
      if (e) e.outputs = outs;
      persist();
      return new Empty();
    }),
    invoke: wrap(async (r: resproto.ResourceInvokeRequest) => {
      const res = new provproto.InvokeResponse();
      const tok = r.getTok();
      if (tok.startsWith("keycloak:")) {
        const kc = applierFor(r.getProvider(), lookup);
        res.setReturn(toStruct(await kc.invoke(tok, revealProps(fromStruct(r.getArgs())))));
        return res;
      }
      throw new Error(`the harness does not implement the invoke ${tok}`);
    }),
    readResource: wrap(async () => {
      throw new Error("the harness does not implement resource reads (.get)");
    }),
    registerStackTransform: wrap(async () => new Empty()),
    registerStackInvokeTransform: wrap(async () => new Empty()),
    signalAndWaitForShutdown: wrap(async () => new Empty()),
  } as grpc.UntypedServiceImplementation);
  const engine = new grpc.Server();
  engine.addService(engrpc.EngineService, {
    log: (
      call: grpc.ServerUnaryCall<engproto.LogRequest, Empty>,
      cb: grpc.sendUnaryData<Empty>,
    ) => {
      const sev = call.request.getSeverity();
      if (sev !== engproto.LogSeverity.DEBUG) {
        const m = call.request.getMessage().trim();
        if (sev === engproto.LogSeverity.ERROR) diagnosticsSeen.push(m);
        log(m);
      }
      cb(null, new Empty());
    },
    getRootResource: (_c: unknown, cb: grpc.sendUnaryData<engproto.GetRootResourceResponse>) => {
      const res = new engproto.GetRootResourceResponse();
      res.setUrn(rootUrn);
      cb(null, res);
    },
    setRootResource: (
      c: grpc.ServerUnaryCall<engproto.SetRootResourceRequest, unknown>,
      cb: grpc.sendUnaryData<engproto.SetRootResourceResponse>,
    ) => {
      rootUrn = c.request.getUrn();
      cb(null, new engproto.SetRootResourceResponse());
    },
    startDebugging: (_c: unknown, cb: grpc.sendUnaryData<Empty>) => cb(null, new Empty()),
  } as grpc.UntypedServiceImplementation);
  const bind = (s: grpc.Server) =>
    new Promise<number>((resolve, reject) =>
      s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
  const monitorPort = await bind(monitor);
  const enginePort = await bind(engine);

  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config))
    config[k] = typeof v === "string" ? v : JSON.stringify(v);
  const child = (program = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, "node_modules/@pulumi/pulumi/cmd/run/index.js"),
      `--monitor=127.0.0.1:${monitorPort}`,
      `--engine=127.0.0.1:${enginePort}`,
      `--project=${opts.project}`,
      `--stack=${opts.stack}`,
      `--organization=organization`,
      `--pwd=${PROJECT_ROOT}`,
      `--dry-run=${dryRun}`,
      "--parallel=16",
      opts.program ?? ".",
    ],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        ...opts.env,
        PULUMI_CONFIG: JSON.stringify(config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys ?? []),
        // What the Node language host sets for `runtime.options.typescript: true` (the default).
        PULUMI_NODEJS_TYPESCRIPT: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  ));
  const output: string[] = [];
  child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  monitor.forceShutdown();
  engine.forceShutdown();
  persist(true); // what the steps recorded, whether the program succeeded or not
  const text = output.join("").trim();
  if (text) for (const l of text.split("\n")) log(l);
  if (failure) throw failure;
  if (code !== 0) {
    const why = [...diagnosticsSeen, text].filter(Boolean).join("\n").slice(-3000);
    throw new Error(`the program failed (exit ${code})${why ? `:\n${why}` : ""}`);
  }

  if (!dryRun) {
    // Objects in state the program no longer declares are deleted, dependents first.
    const gone = topo([...olds.values()].filter((r) => !news.has(r.urn))).reverse();
    for (const r of gone) {
      await deleteOne(r, lookup, hostFor, applierFor);
      olds.delete(r.urn);
      record({ op: "delete", urn: r.urn, type: r.type, name: nameOf(r.urn), changes: [] });
      persist();
    }
    persist(true);
  } else {
    for (const r of olds.values())
      if (!news.has(r.urn))
        record({ op: "delete", urn: r.urn, type: typeOf(r.urn), name: nameOf(r.urn), changes: [] });
  }
}

function k8sId(inputs: Props, name: string): string {
  const md = (inputs.metadata ?? {}) as Props;
  const n = String(reveal(md.name) ?? name);
  return md.namespace ? `${String(reveal(md.namespace))}/${n}` : n;
}
