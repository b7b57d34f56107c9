// What a MOSIP resource hands to `pulumi.dynamic.Resource` as its provider: a small object whose
// methods forward to the provider of its type in the bundled package @mosip-crvs/mosip-providers
// (built from components/mosip by scripts/build-providers.mjs into node_modules).
//
// Why: the closure serializer stores the provider in state once per resource. It copies local
// modules by value (the MOSIP client, the dynamic base and the object's file came to 57-74 KB a
// resource) but writes a bare `require("<pkg>")` for a module that lives under node_modules. The
// methods below capture only `type` and `providers` (that package's exports), so each resource's
// `__provider` is the require plus a few hundred bytes, and the provider host runs the code
// installed in node_modules: `pulumi refresh` and `destroy` run the current read/delete, not a
// copy stored in state (pulumi/pulumi#6490).
//
// This is the one module whose functions are serialized. Its serializer rules (see dynamic.ts's
// header for the why): the methods reference no other function of this module, no `exports.x`,
// and nothing but `type` and `providers`. Nothing may run at module load either: the bundle
// includes this module (the resource files import it), and it must stay inert there.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/** The bundled package's exports (components/mosip/registry.ts). */
interface Providers {
  host(type: string): pulumi.dynamic.ResourceProvider;
  types(): string[];
}

/** Set on first use; the serialized methods capture it, which the serializer emits as a require. */
let providers: Providers | undefined;

const PACKAGE = "@mosip-crvs/mosip-providers";

/**
 * Makes sure node_modules holds a build of the current components/mosip sources (rebuilding it,
 * with one line of output, when it is missing or stale), then loads it. Synchronous, because
 * resource constructors are: the serializer reads `providers` after the constructor returns.
 */
export function loadProviders(): Providers {
  if (providers) return providers;
  const root = path.resolve(__dirname, "..", "..");
  const script = path.join(root, "scripts", "build-providers.mjs");
  // Without the build script (an installed copy of the project), node_modules is what it is.
  if (existsSync(script)) {
    const r = spawnSync(process.execPath, [script, "--if-stale"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (r.status !== 0)
      throw new Error(
        `cannot build ${PACKAGE} (node scripts/build-providers.mjs, exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim()}. Run \`npm ci\` in ${root}.`,
      );
    const line = r.stdout.trim();
    if (line) process.stderr.write(`mosip-crvs: ${line}\n`);
  }
  providers = require("@mosip-crvs/mosip-providers") as Providers;
  return providers;
}

/**
 * The provider a MOSIP resource of `type` registers. Its methods run in the provider host, where
 * `providers` is the package `require`d afresh from the project's node_modules.
 */
export function providerRef(type: string): pulumi.dynamic.ResourceProvider {
  const known = loadProviders().types();
  if (!known.includes(type))
    throw new Error(
      `${PACKAGE} has no provider for "${type}" (it has ${known.join(", ")}): list the type in components/mosip/registry.ts.`,
    );
  return {
    configure: async (req) => {
      await providers!.host(type).configure?.(req);
    },
    check: (olds, news) => providers!.host(type).check!(olds, news),
    diff: (id, olds, news) => providers!.host(type).diff!(id, olds, news),
    create: (inputs) => providers!.host(type).create(inputs),
    read: (id, props) => providers!.host(type).read!(id, props),
    update: (id, olds, news) => providers!.host(type).update!(id, olds, news),
    delete: (id, props) => providers!.host(type).delete!(id, props),
  };
}
