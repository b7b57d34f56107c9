// The harness engine runs a real program through Pulumi's language entry point (cmd/run) and its
// dynamic-provider host, and behaves like the CLI for up, preview, refresh and destroy.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEngine, type EngineOptions } from "./engine";

const dir = mkdtempSync(join(tmpdir(), "engine-test-"));
const store = join(dir, "widgets.json");
const stateFile = join(dir, "state.json");
const TOKEN = "fixture-output-token-5c1e9a";

function opts(
  op: EngineOptions["op"],
  config: Record<string, unknown> = {},
  extra: Partial<EngineOptions> = {},
): EngineOptions {
  return {
    op,
    stack: "test",
    project: "mosip-crvs",
    stateFile,
    passphrase: "test-passphrase",
    program: "test/harness/fixtures/widgets.ts",
    config: {
      "fixture:firstName": "alpha",
      "fixture:size": "3",
      "fixture:token": TOKEN,
      "fixture:greeting": "hi",
      ...config,
    },
    env: { WIDGET_STORE: store },
    ...extra,
  };
}

const ops = (r: { steps: { op: string; name: string }[] }) =>
  Object.fromEntries(r.steps.map((s) => [s.name, s.op]));

describe("harness engine", () => {
  it("converges, re-runs with no changes, updates, sees drift, replaces and destroys", async () => {
    const up1 = await runEngine(opts("up"));
    expect(ops(up1)).toEqual({ "shelf-first": "create", "shelf-w2": "create" });
    const widgets = JSON.parse(readFileSync(store, "utf8"));
    expect(Object.keys(widgets)).toEqual(["w-1", "w-2"]);
    expect(widgets["w-2"].name).toBe("w-1-w2"); // the dependency's output reached the dependent

    // State holds the secret output only encrypted.
    const stateText = readFileSync(stateFile, "utf8");
    expect(stateText).not.toContain(TOKEN);
    expect(stateText).toContain("ciphertext");

    const again = await runEngine(opts("up"));
    expect(again.changes).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(store, "utf8")))).toHaveLength(2);

    const preview = await runEngine(opts("preview", { "fixture:size": "5" }));
    expect(ops(preview)["shelf-first"]).toBe("update");
    expect(JSON.parse(readFileSync(store, "utf8"))["w-1"].size).toBe(3); // preview wrote nothing

    const upd = await runEngine(opts("up", { "fixture:size": "5" }));
    expect(upd.steps.find((s) => s.name === "shelf-first")).toMatchObject({
      op: "update",
      changes: ["size"],
    });

    // Drift behind the stack's back: refresh --preview-only sees it and writes nothing.
    const live = JSON.parse(readFileSync(store, "utf8"));
    live["w-1"].size = 99;
    delete live["w-2"];
    writeFileSync(store, JSON.stringify(live));
    const before = readFileSync(stateFile, "utf8");
    const drift = await runEngine(opts("refresh", { "fixture:size": "5" }, { previewOnly: true }));
    expect(ops(drift)).toEqual({ "shelf-first": "drift", "shelf-w2": "gone" });
    expect(readFileSync(stateFile, "utf8")).toBe(before);

    // refresh then up repairs it.
    await runEngine(opts("refresh", { "fixture:size": "5" }));
    const repair = await runEngine(opts("up", { "fixture:size": "5" }));
    expect(ops(repair)).toEqual({ "shelf-first": "update", "shelf-w2": "create" });
    expect((await runEngine(opts("up", { "fixture:size": "5" }))).changes).toBe(0);

    // Dropping a resource from the program deletes it.
    const shrink = await runEngine(opts("up", { "fixture:size": "5", "fixture:count": "1" }));
    expect(ops(shrink)["shelf-w2"]).toBe("delete");
    expect(Object.keys(JSON.parse(readFileSync(store, "utf8")))).toEqual(["w-1"]);

    // A name change replaces (delete before replace, as the provider asks).
    const rep = await runEngine(
      opts("up", { "fixture:size": "5", "fixture:firstName": "beta", "fixture:count": "1" }),
    );
    expect(ops(rep)["shelf-first"]).toBe("replace");
    expect(
      Object.values(JSON.parse(readFileSync(store, "utf8"))).map(
        (w) => (w as { name: string }).name,
      ),
    ).toEqual(["beta"]);

    const gone = await runEngine(opts("destroy"));
    expect(gone.steps.map((s) => s.op)).toContain("delete");
    expect(JSON.parse(readFileSync(store, "utf8"))).toEqual({});
  }, 600_000);

  it("reports a provider's check failure with the property and the fix, and writes nothing", async () => {
    await expect(
      runEngine(opts("up", { "fixture:size": "-1" }, { stateFile: join(dir, "bad.json") })),
    ).rejects.toThrow(/size must be a positive number/);
  }, 300_000);

  it("with a checkpoint interval longer than the run, still saves every step's result at the end", async () => {
    const own = mkdtempSync(join(tmpdir(), "engine-checkpoint-"));
    const o = (op: EngineOptions["op"]) =>
      opts(
        op,
        {},
        {
          stateFile: join(own, "state.json"),
          env: { WIDGET_STORE: join(own, "widgets.json") },
          checkpointIntervalMs: 600_000,
        },
      );
    const up = await runEngine(o("up"));
    expect(ops(up)).toEqual({ "shelf-first": "create", "shelf-w2": "create" });
    const saved = JSON.parse(readFileSync(join(own, "state.json"), "utf8")) as {
      resources: { urn: string; id?: string }[];
    };
    expect(
      saved.resources.filter((r) => /shelf-(first|w2)$/.test(r.urn)).map((r) => Boolean(r.id)),
    ).toEqual([true, true]);
    expect((await runEngine(o("up"))).changes).toBe(0);
    await runEngine(o("destroy"));
  }, 300_000);
});
