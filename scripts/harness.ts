// `npm run harness -- <up|preview|refresh|destroy> --stack <name> [--state FILE]
//   [--expect-no-changes] [--preview-only] [--json]`
// Runs index.ts with the stack's config through the Pulumi SDK on a machine without the Pulumi
// CLI (test/harness/engine.ts). Secrets in the stack file (`secure:` values) cannot be decrypted
// here: give them as environment variables (see README.md, "Credentials").
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  runEngine,
  type EngineResult,
  type Operation,
  type StepEvent,
} from "../test/harness/engine";
import { passphrase } from "../test/harness/state";

const SYMBOL: Record<StepEvent["op"], string> = {
  create: "+ ",
  update: "~ ",
  replace: "+-",
  delete: "- ",
  same: "  ",
  drift: "~ ",
  gone: "- ",
};
const VERB: Record<StepEvent["op"], [string, string]> = {
  create: ["create", "created"],
  update: ["update", "updated"],
  replace: ["replace", "replaced"],
  delete: ["delete", "deleted"],
  same: ["unchanged", "unchanged"],
  drift: ["drifted", "drifted"],
  gone: ["gone", "gone"],
};

export interface HarnessArgs {
  op: Operation;
  stack: string;
  state?: string;
  expectNoChanges: boolean;
  previewOnly: boolean;
  json: boolean;
}

export function parseArgs(argv: string[]): HarnessArgs {
  const ops = ["up", "preview", "refresh", "destroy"];
  const op = argv[0];
  if (!ops.includes(op ?? "")) {
    throw new Error(
      `usage: harness <${ops.join("|")}> --stack NAME [--state FILE] [--expect-no-changes] [--preview-only] [--json]`,
    );
  }
  const a: HarnessArgs = {
    op: op as Operation,
    stack: "",
    expectNoChanges: false,
    previewOnly: false,
    json: false,
  };
  for (let i = 1; i < argv.length; i++) {
    const x = argv[i];
    if (x === "--stack" || x === "-s") a.stack = argv[++i] ?? "";
    else if (x === "--state") a.state = argv[++i];
    else if (x === "--expect-no-changes") a.expectNoChanges = true;
    else if (x === "--preview-only") a.previewOnly = true;
    else if (x === "--json") a.json = true;
    else throw new Error(`unknown option ${x}`);
  }
  if (!a.stack) throw new Error("--stack is required (the NAME of Pulumi.NAME.yaml)");
  return a;
}

/** The stack file's config, fully qualified; `secure:` values are left to environment variables. */
/** The stack file's `mosip.release` (what the sandbox seeds its Keycloak as). @default 1.2.0.1 */
export function stackRelease(config: Record<string, unknown>): "1.2.0.1" | "1.2.1" | "1.3" {
  const mosip = config["mosip-crvs:mosip"] as { release?: unknown } | undefined;
  const r = String(mosip?.release ?? "1.2.0.1");
  return r === "1.2.1" || r === "1.3" ? r : "1.2.0.1";
}

export function stackConfig(
  root: string,
  stack: string,
): { project: string; config: Record<string, unknown>; skipped: string[] } {
  const project = (parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name: string }).name;
  const file = join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new Error(`no stack file Pulumi.${stack}.yaml in ${root}`);
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, unknown> = {};
  const skipped: string[] = [];
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    const key = k.includes(":") ? k : `${project}:${k}`;
    if (v && typeof v === "object" && "secure" in (v as object)) skipped.push(key);
    else config[key] = v;
  }
  return { project, config, skipped };
}

function line(e: StepEvent): string {
  const type = e.type.replace(/^pulumi-nodejs:dynamic\//, "");
  const diff = e.changes.length ? ` [diff: ${e.changes.map((c) => `~${c}`).join(", ")}]` : "";
  const ms = e.ms !== undefined ? ` (${(e.ms / 1000).toFixed(1)}s)` : "";
  return ` ${SYMBOL[e.op]} ${type.padEnd(48)} ${e.name.padEnd(36)} ${VERB[e.op][1]}${diff}${ms}`;
}

function summary(r: EngineResult): string {
  const counts = new Map<string, number>();
  for (const s of r.steps) counts.set(VERB[s.op][0], (counts.get(VERB[s.op][0]) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "no resources";
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const root = join(__dirname, "..");
  const { project, config, skipped } = stackConfig(root, args.stack);
  const log = (s: string) =>
    args.json ? process.stderr.write(`${s}\n`) : process.stdout.write(`${s}\n`);
  for (const k of skipped) {
    log(
      `note: ${k} is encrypted in the stack file; the harness reads that credential from the environment instead`,
    );
  }
  const result = await runEngine({
    op: args.op,
    stack: args.stack,
    project,
    stateFile: args.state ?? join(root, ".harness", `${args.stack}.state.json`),
    config,
    passphrase: passphrase(),
    previewOnly: args.previewOnly,
    env: Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    onStep: args.json ? undefined : (e) => log(line(e)),
  });
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ operation: args.op, stack: args.stack, steps: result.steps, changes: result.changes, diagnostics: result.diagnostics }, null, 2)}\n`,
    );
  } else {
    log(`\n${args.op}: ${summary(result)}`);
  }
  if (args.expectNoChanges && result.changes > 0) {
    process.stderr.write(`error: no changes were expected but ${result.changes} were found\n`);
    return 1;
  }
  return 0;
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
