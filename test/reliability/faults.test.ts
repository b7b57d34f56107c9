// Reliability under faults, and secrets afterwards. The whole stack (index.ts, whatever it wires
// today) converges through the harness engine while the sandbox injects 5xx answers, connection
// resets, slow answers and expired tokens into 20% of MOSIP and Keycloak requests, with a fixed seed
// (the sequence of faults is the same on every run; which request gets which fault still depends on
// the program's parallel registrations). MOSIP calls time out after 1 s and a "delay" fault holds
// the answer 1.5 s, so a delayed create is carried out by MOSIP but its answer is lost: the case
// where a retry would duplicate an object. An operator re-runs `up` after a failed run; it must
// converge within a bounded number of runs, then an `up` without faults changes and writes nothing,
// refresh sees every object, and the sandbox holds each object once.
//
// Then the secrets check: after that converge, a refresh and a destroy, neither the state file nor
// any output, step, log line or error message holds a secret in plain text.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import { runEngine, type EngineOptions, type EngineResult } from "../harness/engine";
import { loadState } from "../harness/state";
import { isSecret, type Props } from "../harness/values";
import type { Sandbox } from "../sandbox/server";
import {
  CREDENTIAL_KEYS,
  duplicates,
  inventory,
  isWrite,
  localStack,
  startLocalSandbox,
  managed,
  objectCounts,
  secretStrings,
  STACK,
  type LocalStack,
} from "./stack";

const MAX_RUNS = 12;
const PASSPHRASE = "reliability-test-passphrase";
const dir = mkdtempSync(join(tmpdir(), "reliability-faults-"));
const stateFile = join(dir, "state.json");

let sb: Sandbox;
let receiver: CallbackReceiver;
let stack: LocalStack;
let before: Record<string, string[]>;
/** Everything the runs printed or answered: log lines, steps, errors, outputs. */
const transcript: string[] = [];
/** Secret values seen in the decrypted state at any point (destroy removes them from state). */
const stateSecrets = new Set<string>();
let converged = false;

beforeAll(async () => {
  sb = await startLocalSandbox();
  receiver = await CallbackReceiver.start();
  stack = localStack(sb, receiver);
  const mosip = stack.config["mosip-crvs:mosip"] as Props;
  stack.config["mosip-crvs:mosip"] = { ...mosip, requestTimeoutSeconds: 1 };
  before = inventory(sb);
});
afterAll(async () => {
  await sb?.close();
  await receiver?.close();
});

/** Stack outputs with every secret replaced: what `pulumi stack output` shows. */
function shown(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(shown);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, shown(x)]));
  return v;
}

async function run(op: EngineOptions["op"], extra: Partial<EngineOptions> = {}) {
  try {
    const r: EngineResult = await runEngine({
      op,
      stack: STACK,
      project: stack.project,
      stateFile,
      config: stack.config,
      secretKeys: stack.secretKeys,
      passphrase: PASSPHRASE,
      env: { MOSIP_RETRY_DELAY_MS: "100" },
      onLog: (l) => transcript.push(l),
      onStep: (e) => transcript.push(JSON.stringify(e)),
      ...extra,
    });
    transcript.push(JSON.stringify(shown(r.outputs)));
    return r;
  } catch (e) {
    transcript.push((e as Error).message, String((e as Error).stack));
    throw e;
  } finally {
    try {
      for (const s of secretStrings(loadState(stateFile, STACK, stack.project, PASSPHRASE)))
        stateSecrets.add(s);
    } catch {
      // no state yet
    }
  }
}

describe("converging under injected faults", () => {
  it("converges within a bounded number of runs, then changes and writes nothing, nothing duplicated or missing", async () => {
    const faults = await fetch(`${sb.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rate: 0.2,
        kinds: ["5xx", "reset", "delay", "expired-token"],
        delayMs: 1500,
        seed: 20261123,
      }),
    });
    expect(faults.status).toBe(200);

    const failures: string[] = [];
    for (let n = 1; n <= MAX_RUNS && !converged; n++) {
      try {
        await run("up");
        converged = true;
      } catch (e) {
        failures.push(`run ${n}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    const faulted = sb.requests.filter((r) => r.fault);
    expect(converged, `no convergence in ${MAX_RUNS} runs:\n${failures.join("\n")}`).toBe(true);
    expect(new Set(faulted.map((r) => r.fault))).toEqual(
      new Set(["5xx", "reset", "delay", "expired-token"]),
    );
    // Failures name what failed; none is a bare stack trace.
    for (const f of failures) expect(f).not.toMatch(/^\s*at /m);

    // Faults off: `up --expect-no-changes` finds nothing to do and writes nothing.
    await fetch(`${sb.url}/__sandbox/faults`, { method: "DELETE" });
    let first = sb.requests.length;
    const again = await run("up");
    expect(
      again.steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.name} [${s.changes.join(", ")}]`),
    ).toEqual([]);
    expect(sb.requests.slice(first).filter(isWrite)).toEqual([]);

    // Every object in state exists (refresh reads each one back) and nothing drifted.
    first = sb.requests.length;
    const refresh = await run("refresh", { previewOnly: true });
    expect(
      refresh.steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.name} [${s.changes.join(", ")}]`),
    ).toEqual([]);
    expect(sb.requests.slice(first).filter(isWrite)).toEqual([]);

    // Each object once, and one sandbox object per resource of the one-object types.
    const after = inventory(sb);
    expect(duplicates(after)).toEqual(duplicates(before));
    const state = loadState(stateFile, STACK, stack.project, PASSPHRASE);
    expect(
      managed(state)
        .filter((r) => !r.id)
        .map((r) => r.urn),
    ).toEqual([]);
    const languages = ((stack.config["mosip-crvs:mosip"] as Props).languages as string[]).length;
    const { want, got } = objectCounts(sb, before, state, languages);
    expect(got).toEqual(want);
    expect(Object.keys(want).length).toBeGreaterThan(0);
  }, 1_500_000);
});

describe("secrets after converge, refresh and destroy", () => {
  it("no secret the sandbox issued or the stack holds appears in plain text anywhere", async () => {
    expect(converged).toBe(true);
    const kc = sb.context.state.keycloak as {
      realms: Map<string, { clients: Map<string, Props> }>;
    };
    // Issued by the sandbox: every confidential client's secret, in every realm.
    const issued = [...kc.realms.values()].flatMap((r) =>
      [...r.clients.values()].map((c) => c.secret).filter((s): s is string => !!s),
    );
    await run("refresh");
    await run("destroy");
    const stateText = readFileSync(stateFile, "utf8");
    const configured = CREDENTIAL_KEYS.map((k) => stack.config[k]).filter(
      (v): v is string => typeof v === "string",
    );
    const secrets = new Set([...issued, ...configured, ...stateSecrets]);
    // Generated passwords, hub secrets, private keys, partner client secrets were in state.
    expect(stateSecrets.size).toBeGreaterThan(2);
    expect(configured.length).toBe(CREDENTIAL_KEYS.length);
    const text = [...transcript, stateText].join("\n");
    const leaked = [...secrets].filter((s) => s.length >= 8 && text.includes(s));
    expect(leaked.map((s) => `${s.slice(0, 4)}... (${s.length} chars)`)).toEqual([]);
    // Nor anything that is a secret by its shape: bearer tokens (JWTs), PEM private keys.
    expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(text).not.toMatch(/-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
    expect(transcript.length).toBeGreaterThan(10);
  }, 600_000);
});
