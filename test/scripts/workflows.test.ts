// The GitOps workflows are validated against GitHub's own workflow schema and parser, and
// checked for the properties operators rely on.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const dir = join(__dirname, "../../.github/workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
const load = (f: string) => readFileSync(join(dir, f), "utf8");

describe.each(files)("%s", (file) => {
  it("is a valid GitHub Actions workflow", () => {
    const result = parseWorkflow({ name: file, content: load(file) }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  it("takes credentials only from secrets, never literal values", () => {
    const text = load(file);
    for (const m of text.matchAll(/^\s*(\w*(SECRET|TOKEN|PASSWORD|PASSPHRASE)\w*):\s*(.+)$/gm)) {
      expect(m[3], `${m[1]} in ${file}`).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/);
    }
  });
});

describe("the validator itself", () => {
  it("rejects a workflow with an unknown key and a job without runs-on", () => {
    const bad =
      "on: push\njobs:\n  x:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: echo\n";
    const result = parseWorkflow({ name: "bad.yml", content: bad }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().length).toBeGreaterThan(0);
  });
});

describe("GitOps behaviour", () => {
  it("previews on pull requests with the diff posted for review", () => {
    const wf = parse(load("preview.yml"));
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const step = wf.jobs.preview.steps.find((s: { uses?: string }) =>
      s.uses?.startsWith("pulumi/actions"),
    );
    expect(step.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true });
  });

  it("runs up on merge, one environment at a time, never two updates of a stack at once", () => {
    const wf = parse(load("up.yml"));
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.jobs.up.strategy["max-parallel"]).toBe(1);
    expect(wf.jobs.up.concurrency["cancel-in-progress"]).toBe(false);
  });

  it("checks drift on a schedule with refresh --preview-only --expect-no-changes", () => {
    const wf = parse(load("drift.yml"));
    expect(wf.on.schedule[0].cron).toMatch(/^[\d*/ ,-]+$/);
    expect(load("drift.yml")).toMatch(/pulumi refresh .*--preview-only --expect-no-changes/);
  });
});
