// Issue 6's ID-schema prerequisite through the whole program (index.ts, the local stack) and the
// harness engine: when MOSIP's published ID schema lacks a field the CRVS field mapping marks
// mandatory, `up` fails naming the missing fields, and nothing at all is written - not in MOSIP,
// not in Keycloak, not in the config repo. With the field published again, the same `up` converges.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import { stackRelease } from "../../scripts/harness";
import { runEngine, type EngineOptions } from "../harness/engine";
import { localStack, type LocalStack } from "../reliability/stack";
import { startSandbox, type Sandbox } from "../sandbox/server";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 120_000 });

let sb: Sandbox;
let receiver: CallbackReceiver;
let stack: LocalStack;
const stateFile = join(mkdtempSync(join(tmpdir(), "id-schema-gate-")), "state.json");

beforeAll(async () => {
  receiver = await CallbackReceiver.start();
  // Seeded as the release the local stack targets; the URL is only known once it listens.
  const probe = localStack({ url: "http://127.0.0.1:8090" }, receiver);
  sb = await startSandbox({ release: stackRelease(probe.config) });
  stack = localStack(sb, receiver);
});
afterAll(async () => {
  await sb?.close();
  await receiver?.close();
});

const options = (): EngineOptions => ({
  op: "up",
  stack: "local",
  project: stack.project,
  stateFile,
  config: stack.config,
  secretKeys: stack.secretKeys,
  passphrase: "id-schema-gate-passphrase",
  env: { MOSIP_RETRY_DELAY_MS: "100" },
});

async function publish(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sb.url}/__sandbox/masterdata/idschema`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** Requests that change something: everything but reads and logins. */
const writes = (from: number) =>
  sb.requests
    .slice(from)
    .filter(
      (r) =>
        r.method !== "GET" &&
        !r.path.includes("/authmanager/authenticate") &&
        !r.path.endsWith("/protocol/openid-connect/token") &&
        !r.path.includes("/git/mosip-config.git/info/refs") &&
        !r.path.endsWith("/git-upload-pack"),
    )
    .map((r) => `${r.method} ${r.path}`);

describe("the ID-schema check gates every write of the stack", () => {
  test("a mandatory mapped field missing from the schema: up fails with the list, and nothing is written", async () => {
    await publish({ removeFields: ["province", "zone"] });
    const from = sb.requests.length;
    const logs: string[] = [];
    const result = await runEngine({ ...options(), onLog: (l) => logs.push(l) }).catch(
      (e: Error) => e,
    );
    expect(result).toBeInstanceOf(Error);
    const text = `${(result as Error).message}\n${logs.join("\n")}`;
    expect(text).toContain("child.address.province -> province");
    expect(text).toContain("child.address.zone -> zone");
    expect(text).toContain("mosip-crvs:crvsSystems[0].fieldMapping");
    expect(writes(from)).toEqual([]);
    expect(sb.requests.slice(from).map((r) => r.path)).toContain("/v1/masterdata/idschema/latest");
  });

  test("with the fields published again, the same up converges", async () => {
    await publish({ removeFields: [] });
    const r = await runEngine(options());
    const created = r.steps.filter((s) => s.op === "create").map((s) => s.type);
    expect(created.length).toBeGreaterThan(20);
    expect(created).toContain("pulumi-nodejs:dynamic/mosip:IdSchemaRequirement");
  });
});
