// Reliability: the harness is killed (SIGKILL to its whole process group: engine, program and
// provider host, as a lost CI runner or an OOM kill would) at several points during `up`, right
// after its Nth new resource operation, with other registrations still in flight. The next `up`
// must adopt what the killed runs created and complete; afterwards refresh sees every object, an
// `up` without changes writes nothing, and the sandbox holds each object once.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import { runEngine, type EngineOptions, type StepEvent } from "../harness/engine";
import { loadState } from "../harness/state";
import type { Props } from "../harness/values";
import type { Sandbox } from "../sandbox/server";
import {
  duplicates,
  inventory,
  isWrite,
  localStack,
  startLocalSandbox,
  managed,
  objectCounts,
  ROOT,
  STACK,
  type LocalStack,
} from "./stack";

const PASSPHRASE = "reliability-crash-passphrase";
const dir = mkdtempSync(join(tmpdir(), "reliability-crash-"));
const stateFile = join(dir, "state.json");
/** Kill after this many new resource operations (creates/updates) in each killed run. */
const KILL_AFTER = [3, 6, 6];

let sb: Sandbox;
let receiver: CallbackReceiver;
let stack: LocalStack;

beforeAll(async () => {
  sb = await startLocalSandbox();
  receiver = await CallbackReceiver.start();
  stack = localStack(sb, receiver);
});
afterAll(async () => {
  await sb?.close();
  await receiver?.close();
});

const options = (): EngineOptions => ({
  op: "up",
  stack: STACK,
  project: stack.project,
  stateFile,
  config: stack.config,
  secretKeys: stack.secretKeys,
  passphrase: PASSPHRASE,
  env: { MOSIP_RETRY_DELAY_MS: "100" },
});

/** Runs `up` in its own process group; kills the group after `n` new resource operations. */
function upKilledAfter(n: number): Promise<{ killed: boolean; ops: StepEvent[]; code: number }> {
  const file = join(dir, "opts.json");
  writeFileSync(file, JSON.stringify(options()));
  const child = spawn(
    process.execPath,
    [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(__dirname, "engine-child.ts"), file],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  const ops: StepEvent[] = [];
  let killed = false;
  let buf = "";
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith("{")) continue;
      const e = JSON.parse(line) as StepEvent;
      if (e.op === "same") continue;
      ops.push(e);
      if (ops.length >= n && !killed) {
        killed = true;
        process.kill(-child.pid!, "SIGKILL");
      }
    }
  });
  child.stderr.resume();
  return new Promise((resolve) =>
    child.on("exit", (code) => resolve({ killed, ops, code: code ?? -1 })),
  );
}

describe("the harness killed during up", () => {
  it("the next up adopts what exists and completes, with no duplicates", async () => {
    const before = inventory(sb);
    const kills: string[] = [];
    for (const n of KILL_AFTER) {
      const r = await upKilledAfter(n);
      kills.push(`${r.killed ? "killed" : `ended (${r.code})`} after ${r.ops.length} operations`);
      if (!r.killed) break;
    }
    expect(kills[0]).toMatch(/^killed/);

    const first = await runEngine(options());
    expect(first.steps.length).toBeGreaterThan(0);

    // Converged: nothing left to do, nothing written, every object still there.
    const start = sb.requests.length;
    const again = await runEngine(options());
    expect(
      again.steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.name} [${s.changes.join(", ")}]`),
    ).toEqual([]);
    expect(sb.requests.slice(start).filter(isWrite)).toEqual([]);
    const refresh = await runEngine({ ...options(), op: "refresh", previewOnly: true });
    expect(
      refresh.steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.name} [${s.changes.join(", ")}]`),
    ).toEqual([]);

    const state = loadState(stateFile, STACK, stack.project, PASSPHRASE);
    expect(
      managed(state)
        .filter((r) => !r.id)
        .map((r) => r.urn),
    ).toEqual([]);
    expect(duplicates(inventory(sb))).toEqual(duplicates(before));
    const languages = ((stack.config["mosip-crvs:mosip"] as Props).languages as string[]).length;
    const { want, got } = objectCounts(sb, before, state, languages);
    expect(got, kills.join("; ")).toEqual(want);
  }, 1_500_000);
});
