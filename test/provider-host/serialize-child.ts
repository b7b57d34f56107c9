// Child-process entry that serializes a dynamic provider exactly as `pulumi.dynamic.Resource` does.
// It runs under ts-node registered the way the Pulumi Node runtime registers it (see bootstrap in
// harness.ts), never under vitest: vitest's module transform rewrites imports into getters that the
// closure serializer cannot follow, so a provider that serializes fine here could fail there and
// vice versa.
//
// Input: the JSON request in env PROVIDER_HOST_REQUEST ({ items: Request[], config }). Output: one
// line on stdout starting with RESULT_MARKER followed by JSON: { ok: true, results: [{ text, type,
// secret }] } or { ok: false, error }. Batching saves the ~5 s it takes to load the SDK under ts-node.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const RESULT_MARKER = "@@provider-host-result@@";

interface Request {
  /** Module path relative to the working directory (the project root), e.g. components/mosip/x.ts */
  module: string;
  /** Export name: a dynamic Resource class, or a provider object. */
  export: string;
  /** Constructor args when `export` is a class. */
  args?: Record<string, unknown>;
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

function emit(result: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

async function serializeProviderObject(
  provider: object,
): Promise<{ text: string; secret: boolean }> {
  // Same call as serializeFunctionMaybeSecret in @pulumi/pulumi/dynamic/index.js.
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: sf.text, secret: sf.containsSecrets };
}

type Registered = { type: string; inputs: Record<string, unknown> };
const waiting = new Map<string, (v: Registered) => void>();
let mocked: Promise<void> | undefined;

async function serializeViaResource(
  ctor: new (name: string, args: unknown, opts?: pulumi.CustomResourceOptions) => unknown,
  args: Record<string, unknown>,
  name: string,
): Promise<{ text: string; type: string; secret: boolean }> {
  // Construct the resource under mocks and take `__provider` out of what the SDK registers: this
  // exercises the class's real constructor (module/type arguments, arg mapping, opts).
  mocked ??= pulumi.runtime.setMocks(
    {
      newResource(a: pulumi.runtime.MockResourceArgs) {
        if (a.custom) waiting.get(a.name)?.({ type: a.type, inputs: a.inputs });
        return { id: `${a.name}-id`, state: {} };
      },
      call() {
        return {};
      },
    },
    "mosip-crvs",
    "provider-host",
    false,
  );
  await mocked;
  const registered = new Promise<Registered>((r) => waiting.set(name, r));
  new ctor(name, args);
  const timeout = new Promise<never>((_, rej) =>
    setTimeout(() => rej(new Error("the resource was never registered (60s)")), 60_000).unref(),
  );
  const { type, inputs } = await Promise.race([registered, timeout]);
  let p = inputs.__provider as unknown;
  let secret = false;
  if (p && typeof p === "object" && SECRET_SIG_KEY in (p as object)) {
    secret = true;
    p = (p as { value: unknown }).value;
  }
  if (typeof p !== "string") throw new Error(`__provider was not a string but ${typeof p}`);
  return { text: p, type, secret };
}

async function serializeOne(
  req: Request,
  n: number,
): Promise<{ text: string; type?: string; secret: boolean }> {
  const mod = require(path.resolve(process.cwd(), req.module)) as Record<string, unknown>;
  const target = mod[req.export];
  if (target === undefined) throw new Error(`${req.module} has no export named ${req.export}`);
  if (
    typeof target === "function" &&
    target.prototype instanceof (pulumi.dynamic.Resource as unknown as typeof Function)
  ) {
    return serializeViaResource(
      target as unknown as new (n: string, a: unknown) => unknown,
      req.args ?? {},
      `serialized-${n}`,
    );
  }
  if (target && typeof target === "object") return serializeProviderObject(target);
  throw new Error(`${req.module}#${req.export} is neither a dynamic Resource class nor a provider`);
}

async function main(): Promise<void> {
  const req = JSON.parse(process.env.PROVIDER_HOST_REQUEST ?? "{}") as {
    items: Request[];
    config?: Record<string, string>;
  };
  if (req.config) pulumi.runtime.setAllConfig(req.config);
  const results = [];
  for (const [n, item] of req.items.entries()) results.push(await serializeOne(item, n));
  emit({ ok: true, results });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(0);
  },
);
