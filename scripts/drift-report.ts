// Turns the JSON of `pulumi refresh --preview-only --json` (or `pulumi preview --json`) into a
// Markdown drift report: which objects drifted and which properties, never the values (they may
// be secrets). Usage: tsx scripts/drift-report.ts [--stack NAME] FILE
import { readFileSync } from "node:fs";

interface Step {
  op: string;
  urn: string;
  oldState?: { outputs?: Record<string, unknown>; inputs?: Record<string, unknown> };
  newState?: { outputs?: Record<string, unknown>; inputs?: Record<string, unknown> };
  diffReasons?: string[];
  detailedDiff?: Record<string, unknown> | null;
}

export interface Drift {
  op: string;
  type: string;
  name: string;
  properties: string[];
}

const quiet = new Set(["same", "read", "refresh"]);

function stable(v: unknown): string {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return Array.isArray(v) ? `[${v.map(stable).join(",")}]` : JSON.stringify(v);
}

function changedKeys(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => k !== "__provider" && stable(a[k]) !== stable(b[k]))
    .sort();
}

/** The drifted objects of a Pulumi JSON preview/refresh digest. */
export function findDrift(digest: { steps?: Step[] }): Drift[] {
  const out: Drift[] = [];
  for (const s of digest.steps ?? []) {
    const parts = s.urn.split("::");
    const type = parts[2] ?? "?";
    const name = parts[3] ?? s.urn;
    if (type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) continue;
    const fromDiff = [...Object.keys(s.detailedDiff ?? {}), ...(s.diffReasons ?? [])];
    const fromStates = changedKeys(s.oldState?.outputs, s.newState?.outputs);
    const properties = [...new Set([...fromDiff, ...fromStates])].sort();
    if (!quiet.has(s.op) || properties.length > 0) {
      out.push({ op: s.op === "refresh" ? "drifted" : s.op, type, name, properties });
    }
  }
  return out;
}

export function renderReport(stack: string, drift: Drift[]): string {
  if (drift.length === 0)
    return `### Drift in ${stack}: none\n\nEvery managed object matches its state.\n`;
  const rows = drift.map(
    (d) =>
      `| ${d.name} | \`${d.type}\` | ${d.op} | ${d.properties.join(", ") || "(whole object)"} |`,
  );
  return [
    `### Drift in ${stack}: ${drift.length} object(s) changed outside the stack`,
    "",
    "| object | type | change | properties |",
    "|---|---|---|---|",
    ...rows,
    "",
    "Run `pulumi up` to restore the declared state, or change the stack's config if the change was intended.",
    "",
  ].join("\n");
}

function main(argv: string[]): void {
  let stack = "stack";
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack") stack = argv[++i] ?? stack;
    else files.push(argv[i]);
  }
  if (files.length !== 1) {
    process.stderr.write("usage: drift-report [--stack NAME] FILE\n");
    process.exit(2);
  }
  const text = readFileSync(files[0], "utf8");
  let digest: { steps?: Step[] };
  try {
    digest = JSON.parse(text);
  } catch {
    process.stdout.write(
      `### Drift in ${stack}: the refresh did not produce JSON\n\nSee the job log.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(renderReport(stack, findDrift(digest)));
}

if (require.main === module) main(process.argv.slice(2));
