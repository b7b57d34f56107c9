// Reliability: bad input. A corpus (bad-input-cases.ts, one test per case) of malformed stack
// configs, checked through components/config.ts parseStackConfig, check-config (in-process and as
// the command) and the program itself, and of malformed MOSIP answers from a tiny local server,
// consumed through components/mosip/client.ts and the providers' lookups. Every case must give a
// clear error (the setting or the call it is about, and what to do), no stack trace, and no write.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, formatProblems } from "../../components/config";
import { MosipClient } from "../../components/mosip/client";
import { partnerProvider } from "../../components/mosip/partner";
import { policyGroupProvider } from "../../components/mosip/policy-group";
import { checkStackFile } from "../../scripts/check-config";
import { runEngine } from "../harness/engine";
import { startSandbox } from "../sandbox/server";
import {
  CLIENT_CASES,
  CONFIG_CASES,
  PROVIDER_CASES,
  type AnswerCase,
  type ConfigCase,
  type ProviderCase,
} from "./bad-input-cases";
import { isWrite, ROOT } from "./stack";

const TRACE = /^\s+at .+[(:]\d+/m;
const stackFile = parse(readFileSync(join(ROOT, "Pulumi.local.yaml"), "utf8")) as {
  config: Record<string, unknown>;
};
/** The local stack's values, keys without the `mosip-crvs:` prefix. */
function baseValues(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackFile.config))
    if (k.startsWith("mosip-crvs:")) out[k.slice("mosip-crvs:".length)] = v;
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}
const dir = mkdtempSync(join(tmpdir(), "bad-input-"));

describe("bad stack config: parseStackConfig", () => {
  it("the corpus has at least 50 cases in all", () => {
    expect(
      CONFIG_CASES.length + CLIENT_CASES.length + PROVIDER_CASES.length,
    ).toBeGreaterThanOrEqual(50);
    expect(parseStackConfig(baseValues(), {}).ok).toBe(true); // the base itself is valid
  });

  it.each(CONFIG_CASES.map((c) => [c.name, c] as const))("%s", (_n, c: ConfigCase) => {
    const values = baseValues();
    c.mutate(values);
    let r: ReturnType<typeof parseStackConfig> | undefined;
    expect(() => (r = parseStackConfig(values, c.env ?? {}))).not.toThrow();
    expect(r!.ok).toBe(false);
    if (r!.ok) return;
    const text = formatProblems(r!.problems);
    const at = r!.problems.filter((p) => c.path.test(p.path));
    expect(at, text).not.toEqual([]);
    // `<what was wrong> (<what is allowed / how to fix>)`, never a trace.
    for (const p of at) expect(p.message, p.path).toMatch(/\(.{3,}\)\s*$|did you mean/i);
    expect(text).not.toMatch(TRACE);
  });
});

describe("bad stack files: check-config", () => {
  const files: Array<[string, string, RegExp]> = [
    ["not YAML", "config:\n  mosip-crvs:mosip: {apiBaseUrl: [\n", /not valid YAML/],
    ["no config section", "name: local\n", /has no config/],
    [
      "a key set twice",
      stringify({
        config: { ...stackFile.config, environment: "development" },
      }),
      /set twice/,
    ],
    [
      "a bad value",
      stringify({
        config: { ...stackFile.config, "mosip-crvs:crvsSystems": [{ partnerId: "" }] },
      }),
      /crvsSystems\[0\]/,
    ],
  ];
  it.each(files)("in-process: %s", (name, text, expected) => {
    const file = join(dir, `Pulumi.${name.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(file, text);
    const r = checkStackFile(file, { env: {} });
    expect(r.ok).toBe(false);
    const shown = formatProblems(r.problems);
    expect(shown).toMatch(expected);
    expect(shown).not.toMatch(TRACE);
  });

  it("as the command: exit 1, every problem listed, no trace", () => {
    const file = join(dir, "Pulumi.cli.yaml");
    const cfg = { ...stackFile.config } as Record<string, unknown>;
    cfg["mosip-crvs:mosip"] = { ...(cfg["mosip-crvs:mosip"] as object), release: "0.9" };
    cfg["mosip-crvs:crvsSystm"] = [];
    writeFileSync(file, stringify({ config: cfg }));
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/check-config.ts", "--file", file],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/mosip\.release/);
    expect(r.stdout).toMatch(/crvsSystm.*did you mean/i);
    expect(r.stdout + r.stderr).not.toMatch(TRACE);
  }, 150_000);
});

let programError = "";
describe("bad stack config: the program", () => {
  it("fails before any request, naming the setting, without a trace", async () => {
    const sb = await startSandbox();
    try {
      const cfg: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(stackFile.config))
        cfg[k] = typeof v === "string" ? v.replace("http://127.0.0.1:8090", sb.url) : v;
      const systems = JSON.parse(JSON.stringify(cfg["mosip-crvs:crvsSystems"])) as Array<
        Record<string, unknown>
      >;
      systems[0].identifier = "UIN";
      cfg["mosip-crvs:crvsSystems"] = systems;
      cfg["mosip-crvs:mosip"] = { ...(cfg["mosip-crvs:mosip"] as object), maxRetries: -1 };
      const err = await runEngine({
        op: "up",
        stack: "local",
        project: "mosip-crvs",
        stateFile: join(dir, "program.json"),
        config: cfg,
        passphrase: "bad-input",
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/crvsSystems\[0\]\.identifier: .*legallyMandated/);
      expect(err!.message).toMatch(/mosip\.maxRetries/);
      expect(sb.requests).toEqual([]);
      programError = err!.message;
    } finally {
      await sb.close();
    }
  }, 180_000);

  // index.ts turns StackConfigError into a pulumi.RunError, which the language host prints as the
  // message alone.
  it("... and without a stack trace", () => {
    expect(programError).not.toEqual("");
    expect(programError).not.toMatch(TRACE);
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed MOSIP answers
// ---------------------------------------------------------------------------------------------

const SECRET = "bad-input-test-client-secret";
let server: Server;
let url = "";
let answer: AnswerCase = CLIENT_CASES[0];
const seen: Array<{ method: string; path: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      seen.push({ method: req.method ?? "GET", path });
      if (path.includes("/authmanager/authenticate/")) {
        res.writeHead(200, {
          "content-type": "application/json",
          "set-cookie": "Authorization=bad-input-opaque-token; Path=/",
        });
        res.end(JSON.stringify({ response: { status: "Success" }, errors: null }));
        return;
      }
      if (answer.reset) {
        req.socket.destroy();
        return;
      }
      res.writeHead(
        answer.status,
        answer.contentType ? { "content-type": answer.contentType } : {},
      );
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config: Record<string, unknown> = {
    "mosip-crvs:mosip": JSON.stringify({ apiBaseUrl: url, maxRetries: 1 }),
    "mosip-crvs:mosipClientSecret": SECRET,
    "mosip-crvs:environment": "development",
  };
  process.env.MOSIP_RETRY_DELAY_MS = "1";
  for (const p of [policyGroupProvider, partnerProvider])
    await p.configure!({ config: { get: (k: string) => config[k] } } as never);
});
afterAll(async () => {
  delete process.env.MOSIP_RETRY_DELAY_MS;
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const writes = () => seen.filter(isWrite);

function clear(e: unknown, what: RegExp, call: RegExp) {
  expect(e).toBeInstanceOf(Error);
  const m = (e as Error).message;
  expect(m).toMatch(what);
  expect(m).toMatch(call); // names the service call or the object
  expect(m).toMatch(/check|fix|re-run|look .* up|give|raise/i); // and what to do
  expect(m).not.toMatch(TRACE);
  expect(m).not.toContain(SECRET);
}

describe("malformed MOSIP answers: the client", () => {
  it.each(CLIENT_CASES.map((c) => [c.name, c] as const))("%s", async (_n, c) => {
    answer = c;
    seen.length = 0;
    const client = new MosipClient({
      apiBaseUrl: url,
      credentials: { clientId: "bad-input-client", secretKey: SECRET, appId: "admin" },
      retries: 1,
      retryDelayMs: 1,
      timeoutMs: 5000,
    });
    try {
      const e = await client.kernel("GET", "/v1/partnermanager/partners/p-1").then(
        (v) => new Error(`resolved with ${JSON.stringify(v)}`),
        (x: unknown) => x,
      );
      clear(e, c.expect, /GET \S*\/v1\/partnermanager\/partners\/p-1/);
      expect(writes()).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

async function lookup(c: ProviderCase): Promise<unknown> {
  answer = c;
  seen.length = 0;
  const settle = (p: Promise<unknown>) =>
    p.then(
      (v) => new Error(`resolved with ${JSON.stringify(v)}`),
      (x: unknown) => x,
    );
  if (c.provider === "Partner") return settle(partnerProvider.read!("p-1", { partnerId: "p-1" }));
  const group = { name: "crvs-group", description: "CRVS" };
  return settle(
    c.op === "create"
      ? policyGroupProvider.create!(group)
      : policyGroupProvider.read!("pg-1", group),
  );
}

describe("malformed MOSIP answers: provider lookups", () => {
  const full = async (c: ProviderCase) => {
    const e = await lookup(c);
    clear(e, c.expect, new RegExp(`${c.provider}|/v1/`));
    expect(writes()).toEqual([]); // nothing was written after the bad answer
  };
  const ok = PROVIDER_CASES.filter((c) => !c.gap);
  const gaps = PROVIDER_CASES.filter((c) => c.gap);
  it.each(ok.map((c) => [c.name, c] as const))("%s", async (_n, c) => full(c));
  // Known gaps (see `gap` in the corpus): the full check fails today...
  it.fails.each(gaps.map((c) => [c.name, c] as const))("gap: %s", async (_n, c) => full(c));
  // ...but the bad answer still makes no write, leaks no secret and prints no trace.
  it.each(gaps.map((c) => [c.name, c] as const))("gap, minimum: %s", async (_n, c) => {
    const e = await lookup(c);
    expect(seen.length).toBeGreaterThan(0);
    expect(writes()).toEqual([]);
    expect(String((e as Error).message)).not.toMatch(TRACE);
    expect(String((e as Error).message)).not.toContain(SECRET);
  });
});
