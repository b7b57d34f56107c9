// Proves the harness itself: a tiny provider fixture serialized by Pulumi's closure serializer in a
// CommonJS ts-node child, then driven through the SDK's own dynamic-provider host over gRPC.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  findLeaks,
  ProviderHostError,
  serializeResourceProviders,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type SerializedProvider,
} from "./harness";

// Child processes (ts-node serializer, provider host) are slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const WIDGET = "test/provider-host/fixtures/widget.ts";
const LEAKY = "test/provider-host/fixtures/leaky.ts";

// Serialized once for the whole file: loading the SDK under ts-node takes seconds.
let widget: SerializedProvider;
let widgetObject: SerializedProvider;
let capturesSecret: SerializedProvider;
let capturesClient: SerializedProvider;
beforeAll(async () => {
  [widget, widgetObject, capturesSecret, capturesClient] = (await serializeResourceProviders([
    { module: WIDGET, export: "Widget", args: { name: "w", size: 1 } },
    { module: WIDGET, export: "widgetProvider" },
    { module: LEAKY, export: "capturesSecret" },
    { module: LEAKY, export: "capturesClient" },
  ])) as [SerializedProvider, SerializedProvider, SerializedProvider, SerializedProvider];
});

describe("provider host harness (fixture Widget)", () => {
  let dir: string;
  let store: string;
  let host: ProviderHost;
  let urn: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "provider-host-"));
    store = path.join(dir, "widgets.json");
    host = await startProviderHost({
      config: { "fixture:greeting": "hello from stack config" },
      env: { WIDGET_STORE: store },
    });
    urn = urnFor(widget.type!, "my-widget");
  });
  afterAll(async () => {
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("serializes the provider the class registers, with the class's type token", () => {
    expect(widget.type).toBe("pulumi-nodejs:dynamic/fixture:Widget");
    expect(widget.text.startsWith("exports.handler = ")).toBe(true);
    // node_modules imports travel as require(), local code by value.
    expect(widget.text).toContain('require("@pulumi/pulumi/log/index.js")');
    expect(widget.text).toContain("WIDGET_STORE");
    expect(widget.size).toBe(Buffer.byteLength(widget.text));
    expect(widget.size).toBeLessThan(16_384);
  });

  test("serializing a provider object gives the same code as serializing through the class", () => {
    expect(widgetObject.text).toBe(widget.text);
    expect(widgetObject.type).toBeUndefined();
  });

  test("GetPluginInfo answers the SDK version", async () => {
    const info = await host.getPluginInfo();
    const sdk = JSON.parse(
      readFileSync(
        path.resolve(__dirname, "../../node_modules/@pulumi/pulumi/package.json"),
        "utf8",
      ),
    ) as { version: string };
    expect(info.version).toBe(sdk.version);
  });

  test("Check surfaces CheckFailures as plain JS", async () => {
    const r = await host.check(widget, urn, {}, { name: "", size: -2 });
    expect(r.failures).toEqual([
      { property: "name", reason: "name must be a non-empty string" },
      { property: "size", reason: "size must be a positive number" },
    ]);
    const ok = await host.check(widget, urn, {}, { name: "a", size: 3 });
    expect(ok.failures).toEqual([]);
    expect(stripProvider(ok.inputs)).toEqual({ name: "a", size: 3 });
    // The host puts the provider back into the checked inputs, as the engine expects.
    expect(ok.inputs.__provider).toBe(widget.text);
  });

  test("create, diff, update, read and delete round-trip through the host", async () => {
    const created = await host.create(widget, urn, { name: "a", size: 3 });
    expect(created.id).toMatch(/^w-\d+$/);
    // Outputs carry what configure() read from the stack config, and the provider for the state.
    expect(stripProvider(created.properties)).toEqual({
      name: "a",
      size: 3,
      serial: created.id,
      greeting: "hello from stack config",
    });
    expect(created.properties.__provider).toBe(widget.text);

    const olds = stripProvider(created.properties);
    expect(await host.diff(widget, created.id, urn, olds, { name: "a", size: 3 })).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await host.diff(widget, created.id, urn, olds, { name: "b", size: 3 })).toEqual({
      changes: "some",
      replaces: ["name"],
      deleteBeforeReplace: true,
    });

    const updated = await host.update(widget, created.id, urn, olds, { name: "a", size: 9 });
    expect(updated.properties.size).toBe(9);

    const read = await host.read(widget, created.id, urn, stripProvider(updated.properties));
    expect(read.id).toBe(created.id);
    expect(stripProvider(read.properties)).toMatchObject({ name: "a", size: 9 });
    // SDK 3.248.0 forwards ReadResult.inputs (pulumi/pulumi#21315).
    expect(read.inputs && stripProvider(read.inputs)).toEqual({ name: "a", size: 9 });

    await host.delete(widget, created.id, urn, stripProvider(updated.properties));
    expect(JSON.parse(readFileSync(store, "utf8"))).toEqual({});
  });

  test("a read result without id reaches the engine as an empty id: the resource is gone", async () => {
    const created = await host.create(widget, urn, { name: "gone", size: 1 });
    // Remove it behind the provider's back.
    writeFileSync(store, "{}");
    const read = await host.read(widget, created.id, urn, stripProvider(created.properties));
    // The engine treats an empty id from Read as "the resource no longer exists" and drops it
    // from state on refresh. The host still echoes the provider in the properties.
    expect(read.id).toBe("");
    expect(stripProvider(read.properties)).toEqual({});
    expect(read.inputs).toBeUndefined();
  });

  test("provider errors surface as ProviderHostError with the provider's message", async () => {
    const err = await host.delete(widget, "w-404", urn, { name: "x", size: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderHostError);
    expect((err as ProviderHostError).rpc).toBe("Delete");
    expect((err as ProviderHostError).details).toBe("widget w-404 does not exist");
  });

  test("pulumi.log lines from the provider reach the output as under pulumi up", async () => {
    await host.create(widget, urn, { name: "logged", size: 1 });
    await host.flushLogs();
    expect(host.logs.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/info: \[runtime\] created widget logged as w-\d+/),
    );
  });
});

describe("structured logs", () => {
  test("with PULUMI_NODEJS_ENGINE set, pulumi.log reaches the Engine service's Log", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "provider-host-"));
    const host = await startProviderHost({
      env: { WIDGET_STORE: path.join(dir, "w.json") },
      structuredLogs: true,
    });
    try {
      await host.create(widget, urnFor("pulumi-nodejs:dynamic/fixture:Widget", "x"), {
        name: "structured",
        size: 1,
      });
      await host.flushLogs();
      expect(host.logs).toContainEqual(
        expect.objectContaining({ source: "engine", severity: "info" }),
      );
      const entry = host.logs.find((l) => l.source === "engine");
      expect(entry?.message).toMatch(/created widget structured as w-\d+/);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("capture mistakes are visible in the serialized text", () => {
  test("a captured credential is in the text and findLeaks reports it", () => {
    expect(findLeaks(capturesSecret.text, ["fixture-captured-secret-7f3a9c", "not-there"])).toEqual(
      ["fixture-captured-secret-7f3a9c"],
    );
  });

  test("a module-level client is copied with its cached token and its data", () => {
    expect(findLeaks(capturesClient.text, ["fixture-cached-token-1b2c3d"])).toHaveLength(1);
    // The 2000-entry table rides along: far over any sane per-resource budget.
    expect(capturesClient.size).toBeGreaterThan(50_000);
  });

  test("a clean provider has neither", () => {
    expect(
      findLeaks(widget.text, ["fixture-captured-secret-7f3a9c", "fixture-cached-token-1b2c3d"]),
    ).toEqual([]);
  });
});

describe("a provider host never outlives its parent", () => {
  // A parent killed without close() (a SIGKILLed harness run, a killed test worker) used to leave
  // the host's gRPC server running forever; hundreds of them exhausted a 24 GiB machine.
  test("SIGKILL of the process that started the host ends the host", async () => {
    const { spawn } = await import("node:child_process");
    const parent = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        'require("./test/provider-host/harness").startProviderHost({ skipConfigure: true }).then((h) => { process.stdout.write(String(h.pid) + "\\n"); });',
      ],
      { cwd: path.join(__dirname, "../.."), stdio: ["ignore", "pipe", "inherit"] },
    );
    const hostPid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.on("data", (d: Buffer) => resolve(Number(String(d).trim())));
      parent.once("exit", (c) => reject(new Error(`parent exited early (${c})`)));
    });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(hostPid)).toBe(true);
    parent.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while (alive(hostPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(hostPid)).toBe(false);
  });
});
