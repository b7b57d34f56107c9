// `npm run check-config -- --file Pulumi.<stack>.yaml [--json] [--require-secrets]`
//
// Validates a stack settings file offline with the same schema loadConfig uses: no Pulumi CLI, no
// decryption, no network. Exit 0 with a one-line summary when valid; exit 1 with every problem
// (`<key path>: <what was wrong> (<what is allowed>)`) otherwise; exit 2 on a usage error.
//
// Credentials: a `{secure: ...}` value counts as present (it is never decrypted or printed). A
// credential missing from the file is "to be supplied at deploy time" (pulumi config set --secret,
// or its environment variable) and listed in the summary, because a committed stack file
// legitimately lacks them until an operator sets them; `--require-secrets` makes a credential that
// is neither in the file nor in this process's environment a problem, as `pulumi up` would.
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import {
  PROJECT,
  formatProblems,
  parseStackConfig,
  resolveCaBundleFile,
  type ConfigProblem,
  type StackConfig,
} from "../components/config";

export interface CheckResult {
  ok: boolean;
  file: string;
  stack: string;
  problems: ConfigProblem[];
  /** Credentials to be supplied at deploy time (config key and environment variable). */
  pendingCredentials: Array<{ configKey: string; env: string }>;
  summary?: string;
}

function stackName(file: string): string {
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(file));
  return m ? m[1] : basename(file);
}

/**
 * Linux's limit on one environment variable (MAX_ARG_STRLEN, 32 pages of 4 KiB). The Pulumi CLI's
 * Node.js language host hands the whole stack config to the program in one, PULUMI_CONFIG, so a
 * bigger config makes `pulumi up` fail with "argument list too long" (pulumi/pulumi#8680).
 */
export const ENV_VALUE_LIMIT = 128 * 1024;

/** The bytes of `PULUMI_CONFIG=<json>` as the language host sets it (object values as JSON text;
 * a secure value counted at its ciphertext's length, which is longer than the plain text). */
export function pulumiConfigBytes(cfg: Record<string, unknown>): number {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg)) {
    const key = k.includes(":") ? k : `${PROJECT}:${k}`;
    const secure = v && typeof v === "object" && "secure" in v ? String(v.secure) : undefined;
    flat[key] = secure ?? (typeof v === "string" ? v : JSON.stringify(v));
  }
  return Buffer.byteLength(`PULUMI_CONFIG=${JSON.stringify(flat)}`) + 1;
}

function summarize(stack: string, c: StackConfig, pending: CheckResult["pendingCredentials"]) {
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? "" : "s"}`;
  const systems = c.crvsSystems.map((s) => s.partnerId).join(", ");
  const parts = [
    `stack ${stack} is valid`,
    `environment ${c.environment}`,
    `MOSIP ${c.mosip.release}`,
    `${n(c.crvsSystems.length, "CRVS system")} (${systems})`,
    n(c.registrationOffices.length, "registration office"),
    c.adapter.enabled
      ? `adapter ${c.adapter.image} x${c.adapter.replicas}`
      : "adapter not deployed",
  ];
  if (pending.length > 0) {
    parts.push(
      `credentials to supply at deploy time: ${pending.map((p) => `${p.configKey} or ${p.env}`).join(", ")}`,
    );
  }
  return parts.join("; ");
}

/** Checks one stack file; never throws for a bad file (that is a problem in the result). */
export function checkStackFile(
  file: string,
  opts: { requireSecrets?: boolean; env?: Record<string, string | undefined> } = {},
): CheckResult {
  const stack = stackName(file);
  const base: CheckResult = { ok: false, file, stack, problems: [], pendingCredentials: [] };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    return {
      ...base,
      problems: [
        { path: file, message: `cannot read the file: ${code} (a Pulumi.<stack>.yaml path)` },
      ],
    };
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ...base,
      problems: doc.errors.map((e) => ({
        path: file,
        message: `is not valid YAML: ${e.message.split("\n")[0]} (fix the syntax)`,
      })),
    };
  }
  const root: unknown = doc.toJS();
  const rootObj =
    root && typeof root === "object" && !Array.isArray(root)
      ? (root as Record<string, unknown>)
      : {};
  const cfg = rootObj.config;
  if (cfg === undefined || cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) {
    return {
      ...base,
      problems: [
        {
          path: file,
          message: "has no config: map (a stack settings file with a config: section)",
        },
      ],
    };
  }
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(cfg as Record<string, unknown>)) {
    const colon = key.indexOf(":");
    // Keys of other namespaces (kubernetes:context, keycloak:...) belong to providers.
    if (colon >= 0 && key.slice(0, colon) !== PROJECT) continue;
    const short = colon >= 0 ? key.slice(colon + 1) : key;
    if (short in values) {
      problems.push({
        path: `${PROJECT}:${short}`,
        message: `is set twice (as ${short} and ${PROJECT}:${short}; keep one)`,
      });
    }
    values[short] = value;
  }
  const r = parseStackConfig(values, opts.env ?? process.env, {
    missingCredentials: opts.requireSecrets ? "error" : "defer",
  });
  if (!r.ok) return { ...base, problems: [...problems, ...r.problems] };
  problems.push(...resolveCaBundleFile(r.config, dirname(resolve(file))));
  const bytes = pulumiConfigBytes(cfg as Record<string, unknown>);
  if (bytes > ENV_VALUE_LIMIT) {
    const offices = r.config.registrationOffices.length;
    const key = Object.keys(cfg).find(
      (k) => k.replace(`${PROJECT}:`, "") === "registrationOffices",
    );
    const fixed = pulumiConfigBytes({ ...(cfg as Record<string, unknown>), [key!]: [] });
    const fit = Math.max(0, Math.floor((ENV_VALUE_LIMIT - fixed) / ((bytes - fixed) / offices)));
    problems.push({
      path: file,
      message: `holds ${Math.ceil(bytes / 1024)} KiB of config as the Pulumi CLI passes it to the program, in one environment variable (PULUMI_CONFIG) that Linux limits to 128 KiB: pulumi up would fail with "argument list too long" (pulumi/pulumi#8680). Split the ${offices} registration offices across stacks (e.g. one per region; about ${fit} offices like these fit in this one)`,
    });
  }
  if (problems.length > 0) return { ...base, problems };
  const pendingCredentials = Object.values(r.config.credentials)
    .filter((c) => c.source === "pending")
    .map((c) => ({ configKey: c.configKey, env: c.env }));
  return {
    ...base,
    ok: true,
    pendingCredentials,
    summary: summarize(stack, r.config, pendingCredentials),
  };
}

const USAGE =
  "usage: npm run check-config -- --file Pulumi.<stack>.yaml [--json] [--require-secrets]";

export function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        file: { type: "string", short: "f" },
        json: { type: "boolean", default: false },
        "require-secrets": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = args.values.file;
  if (!file) {
    process.stderr.write(`--file is required\n${USAGE}\n`);
    return 2;
  }
  const result = checkStackFile(file, { requireSecrets: args.values["require-secrets"] });
  if (args.values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    process.stdout.write(`OK ${file}: ${result.summary}\n`);
  } else {
    const n = result.problems.length;
    process.stdout.write(
      `FAIL ${file}: ${n} problem${n === 1 ? "" : "s"} in stack ${result.stack}:\n${formatProblems(result.problems)}\n`,
    );
  }
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
