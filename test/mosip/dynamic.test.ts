// The dynamic-resource base: its pure parts (comparison, connection config, check failures, diff)
// in plain vitest; what every serialized MOSIP provider must satisfy (no credential in the text, no
// reference the serializer cannot carry, under 16 KB) through the provider-host harness; and the
// build of the provider package the serialized providers require.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { z } from "zod";
import { parseStackConfig } from "../../components/config";
import { MosipApiError, MosipNetworkError } from "../../components/mosip/errors";
import {
  canonical,
  checkFailures,
  MosipProvider,
  readConnection,
  resourceOptions,
  sameValue,
  type MosipObjectSpec,
} from "../../components/mosip/dynamic";
import { PolicyGroup, policyGroupSpec } from "../../components/mosip/policy-group";
import { loadProviders } from "../../components/mosip/provider-ref";
import {
  findLeaks,
  PROJECT_ROOT,
  serializeResourceProviders,
  type SerializedProvider,
} from "../provider-host/harness";

// Child processes (ts-node serializer, provider host) are slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const config = (values: Record<string, unknown>) => ({
  get: (k: string) => values[k],
});

describe("key-order-independent comparison", () => {
  test.each([
    [{ a: 1, b: { c: [1, 2], d: "x" } }, { b: { d: "x", c: [1, 2] }, a: 1 }, true],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: "1" }, { a: 1 }, false],
    ["x", "x", true],
    [null, undefined, false],
  ])("sameValue(%j, %j) is %s", (a, b, same) => {
    expect(sameValue(a, b)).toBe(same);
  });

  test("canonical sorts nested keys", () => {
    expect(canonical({ z: 1, a: { y: 2, b: 3 } })).toBe('{"a":{"b":3,"y":2},"z":1}');
  });
});

describe("readConnection", () => {
  const base = {
    "mosip-crvs:mosip": { apiBaseUrl: "https://api.mosip.example.org" },
    "mosip-crvs:mosipClientSecret": "config-test-secret",
  };

  test("defaults match what components/config.ts fills in", () => {
    const values = parse(readFileSync(join(__dirname, "../../Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const stack = Object.fromEntries(
      Object.entries(values.config).map(([k, v]) => [k.replace(/^mosip-crvs:/, ""), v]),
    ) as Record<string, Record<string, unknown>>;
    // Leave every connection setting that has a default to its default.
    const {
      clientId: _c,
      appId: _a,
      requestTimeoutSeconds: _t,
      maxRetries: _r,
      ...mosip
    } = stack.mosip!;
    const { realm: _realm, ...keycloak } = stack.keycloak!;
    const env = {
      MOSIP_CLIENT_SECRET: "env-test-secret",
      KEYCLOAK_ADMIN_PASSWORD: "env-test-password",
      CONFIG_REPO_TOKEN: "env-test-token",
    };
    const parsed = parseStackConfig({ ...stack, mosip, keycloak }, env);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    if (!parsed.ok) return;
    const r = readConnection(
      config({ "mosip-crvs:mosip": mosip, "mosip-crvs:keycloak": keycloak }),
      env,
    );
    expect(r.missing).toEqual([]);
    expect(r.connection).toMatchObject({
      apiBaseUrl: parsed.config.mosip.apiBaseUrl,
      clientId: parsed.config.mosip.clientId,
      appId: parsed.config.mosip.appId,
      timeoutMs: parsed.config.mosip.requestTimeoutSeconds * 1000,
      retries: parsed.config.mosip.maxRetries,
      keycloak: { url: parsed.config.keycloak.url, realm: parsed.config.keycloak.realm },
      secretKey: "env-test-secret",
      allowInsecureHttp: false,
    });
  });

  test("structured values may arrive as JSON text", () => {
    const r = readConnection(
      config({ ...base, "mosip-crvs:mosip": JSON.stringify(base["mosip-crvs:mosip"]) }),
      {},
    );
    expect(r.connection?.apiBaseUrl).toBe("https://api.mosip.example.org");
  });

  test("the secret comes from stack config first, then MOSIP_CLIENT_SECRET", () => {
    expect(readConnection(config(base), { MOSIP_CLIENT_SECRET: "env" }).connection?.secretKey).toBe(
      "config-test-secret",
    );
    const { "mosip-crvs:mosipClientSecret": _s, ...noSecret } = base;
    expect(
      readConnection(config(noSecret), { MOSIP_CLIENT_SECRET: "env" }).connection?.secretKey,
    ).toBe("env");
  });

  test("missing settings are listed, not thrown", () => {
    expect(readConnection(config({}), {})).toEqual({
      missing: [
        "mosip-crvs:mosip.apiBaseUrl",
        "the secret mosip-crvs:mosipClientSecret (pulumi config set --secret) or env MOSIP_CLIENT_SECRET",
      ],
    });
  });

  test("plain http: a listed insecure host, or any host in a development stack only", () => {
    const http = { "mosip-crvs:mosip": { apiBaseUrl: "http://pms.mosip.svc.cluster.local" } };
    const secret = { "mosip-crvs:mosipClientSecret": "s" };
    const allow = (v: Record<string, unknown>) =>
      readConnection(config({ ...http, ...secret, ...v }), {}).connection?.allowInsecureHttp;
    expect(allow({})).toBe(false);
    expect(
      allow({ "mosip-crvs:tls": { insecureHttpHosts: ["PMS.mosip.svc.cluster.local"] } }),
    ).toBe(true);
    expect(allow({ "mosip-crvs:tls": { allowInsecureHttp: true } })).toBe(false);
    expect(
      allow({
        "mosip-crvs:environment": "development",
        "mosip-crvs:tls": { allowInsecureHttp: true },
      }),
    ).toBe(true);
  });

  test("tls.caBundleFile is read; an unreadable one is reported", () => {
    const dir = mkdtempSync(join(tmpdir(), "dynamic-test-"));
    try {
      const file = join(dir, "ca.pem");
      writeFileSync(file, "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n");
      const ok = readConnection(config({ ...base, "mosip-crvs:tls": { caBundleFile: file } }), {});
      expect(ok.connection?.caBundle).toContain("BEGIN CERTIFICATE");
      const bad = readConnection(
        config({ ...base, "mosip-crvs:tls": { caBundleFile: join(dir, "nope.pem") } }),
        {},
      );
      expect(bad.connection).toBeUndefined();
      expect(bad.missing[0]).toMatch(/^mosip-crvs:tls\.caBundleFile \(cannot read .*nope\.pem/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("check failures", () => {
  const schema = z.strictObject({
    name: z.string({ error: "give a name" }),
    nested: z.object({ size: z.number({ error: "a number" }) }),
  });

  test("one failure per issue, with the property path and a reason saying the fix", () => {
    const news = { nested: { size: "big" }, extra: 1 };
    const r = schema.safeParse(news);
    expect(r.success).toBe(false);
    const failures = checkFailures(r.error!.issues, news);
    expect(failures).toEqual(
      expect.arrayContaining([
        { property: "name", reason: "name is required: give a name" },
        { property: "nested.size", reason: "nested.size: a number" },
        { property: "extra", reason: expect.stringMatching(/^extra: /) },
      ]),
    );
    expect(failures).toHaveLength(3);
  });

  test("values unknown during preview are not reported", () => {
    const news = { name: 1, nested: { size: 1 } };
    const r = schema.safeParse(news);
    expect(checkFailures(r.error!.issues, news, ["name"])).toEqual([]);
  });
});

describe("MosipProvider check and diff (no MOSIP needed)", () => {
  const provider = new MosipProvider(policyGroupSpec);
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

  test("check keeps unknown values and adds the revision", async () => {
    const r = await provider.check({}, { name: UNKNOWN, description: "d" });
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toEqual({ name: UNKNOWN, description: "d", revision: "1.1" });
  });

  test.each([
    [{ description: "x" }, { changes: true, replaces: [], deleteBeforeReplace: false }],
    [{ name: "other" }, { changes: true, replaces: ["name"], deleteBeforeReplace: false }],
    [{ revision: "1.2" }, { changes: true, replaces: [], deleteBeforeReplace: false }],
    // Outputs and undeclared fields are not the user's: they never make a diff.
    [
      { policyGroupId: "other", active: false },
      { changes: false, replaces: [], deleteBeforeReplace: false },
    ],
  ])("diff of %j", async (change, expected) => {
    const olds = {
      name: "g",
      description: "d",
      revision: "1.1",
      policyGroupId: "1",
      active: true,
    };
    const news = { name: "g", description: "d", revision: "1.1", ...change };
    expect(await provider.diff("1", olds, news)).toEqual(expected);
  });

  test("deleteBeforeReplace is set for objects whose ids are unique in MOSIP", async () => {
    const unique: MosipObjectSpec<{ name: string }> = {
      ...(policyGroupSpec as unknown as MosipObjectSpec<{ name: string }>),
      deleteBeforeReplace: true,
    };
    const p = new MosipProvider(unique);
    expect(
      await p.diff("1", { name: "a", description: "d" }, { name: "b", description: "d" }),
    ).toEqual({ changes: true, replaces: ["name"], deleteBeforeReplace: true });
  });
});

describe("MosipProvider create: adoption and lost answers (fake object, no MOSIP)", () => {
  interface Thing extends Record<string, unknown> {
    key: string;
    kind: string;
    note: string;
  }
  /** An in-memory MOSIP object type whose create can lose its answer. */
  function fakeSpec(store: Map<string, Thing>, behaviour: { loseAnswers?: number; fail?: Error }) {
    const calls = { create: 0, update: 0 };
    const spec: MosipObjectSpec<Thing> = {
      type: "Thing",
      revision: "1",
      schema: (zod) =>
        zod.strictObject({ key: zod.string(), kind: zod.string(), note: zod.string() }),
      describe: (i) => `thing "${i.key}"`,
      immutable: ["key", "kind"],
      async find(_ctx, i) {
        const t = store.get(i.key);
        return t && { id: `id-${t.key}`, inputs: { ...t } };
      },
      async read(_ctx, id) {
        const t = store.get(id.replace(/^id-/, ""));
        return t && { id, inputs: { ...t } };
      },
      async create(_ctx, i) {
        calls.create++;
        if (behaviour.fail) throw behaviour.fail;
        store.set(i.key, { ...i });
        if ((behaviour.loseAnswers ?? 0) >= calls.create)
          throw new MosipNetworkError("POST http://mosip/things failed: reset", {
            host: "mosip",
            code: "ECONNRESET",
            transient: true,
          });
        return { id: `id-${i.key}`, inputs: { ...i } };
      },
      async update(_ctx, live, i) {
        calls.update++;
        store.set(live.inputs.key, { ...i });
      },
      async delete() {},
    };
    return { spec, calls };
  }
  async function configured(spec: MosipObjectSpec<Thing>) {
    const p = new MosipProvider(spec);
    await p.configure({
      config: config({
        "mosip-crvs:mosip": { apiBaseUrl: "http://127.0.0.1:9" },
        "mosip-crvs:mosipClientSecret": "unit-test-secret",
      }),
    } as never);
    return p;
  }
  const want = { key: "k", kind: "a", note: "n", revision: "1.1" };

  test("an existing object with the same immutable fields is adopted and converged", async () => {
    const store = new Map([["k", { key: "k", kind: "a", note: "old" }]]);
    const { spec, calls } = fakeSpec(store, {});
    const r = await (await configured(spec)).create(want);
    expect(r.id).toBe("id-k");
    expect(calls).toEqual({ create: 0, update: 1 });
    expect(store.get("k")?.note).toBe("n");
    expect(r.outs).toEqual({ key: "k", kind: "a", note: "n", revision: "1.1" });
  });

  test("an existing object with a different immutable field is refused, naming it", async () => {
    const store = new Map([["k", { key: "k", kind: "b", note: "n" }]]);
    const { spec, calls } = fakeSpec(store, {});
    await expect((await configured(spec)).create(want)).rejects.toThrow(
      'Thing thing "k": create failed: thing "k" already exists in MOSIP (id id-k) with a different kind (MOSIP has "b", the program says "a"); MOSIP cannot change it in place. Make the program match MOSIP, or use another natural key.',
    );
    expect(calls).toEqual({ create: 0, update: 0 });
  });

  test("a create whose answer was lost is found again, not repeated", async () => {
    const store = new Map<string, Thing>();
    const { spec, calls } = fakeSpec(store, { loseAnswers: 1 });
    const r = await (await configured(spec)).create(want);
    expect(r.id).toBe("id-k");
    expect(calls.create).toBe(1);
  });

  test("a business error is not retried and keeps its errorCode", async () => {
    const { spec, calls } = fakeSpec(new Map(), {
      fail: new MosipApiError('MOSIP rejected POST http://mosip/things: X_001 "bad"', {
        errorCode: "X_001",
      }),
    });
    const err = (await (await configured(spec)).create(want).catch((e) => e)) as Error & {
      errorCode?: string;
    };
    expect(err.message).toBe(
      'Thing thing "k": create failed: MOSIP rejected POST http://mosip/things: X_001 "bad"',
    );
    expect(err.errorCode).toBe("X_001");
    expect(calls.create).toBe(1);
  });
});

describe("resource options", () => {
  test("secret outputs become additionalSecretOutputs, merged with the caller's", () => {
    const opts = resourceOptions(["clientSecret"], {
      protect: true,
      additionalSecretOutputs: ["x"],
    });
    expect(opts.protect).toBe(true);
    expect([...(opts.additionalSecretOutputs ?? [])].sort()).toEqual(["clientSecret", "x"]);
    expect(resourceOptions([], { protect: true })).toEqual({ protect: true });
  });
});

/** Every MOSIP resource class, by type name: what a program constructs. */
const RESOURCES: Record<string, { module: string; export: string }> = {
  PolicyGroup: { module: "policy-group", export: "PolicyGroup" },
  Policy: { module: "policy", export: "Policy" },
  Partner: { module: "partner", export: "Partner" },
  CaCertificate: { module: "ca-certificate", export: "CaCertificate" },
  PartnerCertificate: { module: "partner-certificate", export: "PartnerCertificate" },
  PolicyMapping: { module: "policy-mapping", export: "PolicyMapping" },
  CredentialTypeMapping: { module: "credential-type-mapping", export: "CredentialTypeMapping" },
  ApiKey: { module: "api-key", export: "ApiKey" },
  OidcClient: { module: "oidc-client", export: "OidcClient" },
  WebSubSubscription: { module: "websub-subscription", export: "WebSubSubscription" },
  RegistrationCentre: { module: "registration-centre", export: "RegistrationCentre" },
  Machine: { module: "machine", export: "Machine" },
  OfficerMapping: { module: "officer-mapping", export: "OfficerMapping" },
  ConfigProperties: { module: "config-properties", export: "ConfigProperties" },
  IdSchemaRequirement: { module: "id-schema-requirement", export: "IdSchemaRequirement" },
};

describe("serialized MOSIP providers (every resource type, through the real serializer)", () => {
  const CLIENT_SECRET = "sandbox-serialization-probe-secret";
  const TOKEN = "sandbox-serialization-probe-token";
  const serialized = new Map<string, SerializedProvider>();

  beforeAll(async () => {
    const types = Object.keys(RESOURCES);
    // The credentials are everywhere the program could see them: stack config and the environment.
    const results = await serializeResourceProviders(
      types.map((t) => ({
        module: `components/mosip/${RESOURCES[t]!.module}.ts`,
        export: RESOURCES[t]!.export,
        args: {},
      })),
      {
        config: {
          "mosip-crvs:mosip": JSON.stringify({ apiBaseUrl: "http://127.0.0.1:1" }),
          "mosip-crvs:mosipClientSecret": CLIENT_SECRET,
          "mosip-crvs:configRepoToken": TOKEN,
        },
        env: { MOSIP_CLIENT_SECRET: CLIENT_SECRET, CONFIG_REPO_TOKEN: TOKEN },
      },
    );
    types.forEach((t, i) => serialized.set(t, results[i]!));
  });

  test("every resource class in components/mosip is in the provider package and measured here", () => {
    const dir = join(PROJECT_ROOT, "components/mosip");
    const classes = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) =>
        [
          ...readFileSync(join(dir, f), "utf8").matchAll(
            /export class (\w+) extends MosipResource/g,
          ),
        ].map((m) => m[1]),
      );
    expect(classes.sort()).toEqual(
      Object.values(RESOURCES)
        .map((r) => r.export)
        .sort(),
    );
    expect([...loadProviders().types()].sort()).toEqual(Object.keys(RESOURCES).sort());
  });

  test("sizes: every serialized provider is under 16 KB", () => {
    const report = [...serialized].map(([t, s]) => `${t} ${s.size} B`).join(", ");
    console.log(`serialized provider sizes: ${report}`);
    const over = [...serialized].filter(([, s]) => s.size >= 16 * 1024);
    expect(over.map(([t, s]) => `${t} ${s.size} B`)).toEqual([]);
  });

  test.each(Object.keys(RESOURCES))(
    "%s: its type token, no credential, and only a require of the provider package",
    (type) => {
      const s = serialized.get(type)!;
      expect(s.type).toBe(`pulumi-nodejs:dynamic/mosip:${type}`);
      expect(findLeaks(s.text, [CLIENT_SECRET, TOKEN])).toEqual([]);
      expect(s.containsSecrets).toBe(false);
      const requires = [...s.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      expect(requires).toEqual(["@mosip-crvs/mosip-providers"]);
      expect(s.text).toContain(`type: "${type}"`);
      // No copy of the local modules (the client, the base, the object's MOSIP calls).
      expect(s.text).not.toMatch(/MosipClient|readConnection|scrub|kernel\(/);
      // No same-module `exports.x` reference (undefined once deserialized).
      expect(s.text.match(/\bexports\.(?!handler\b)\w+/g)).toBeNull();
    },
  );

  test("the text runs: evaluated as the host does, it drives the installed provider of its type", async () => {
    const text = serialized.get("PolicyGroup")!.text;
    // What require-from-string does in the host: compile the text as a module of the project root.
    const m = new Module("provider.js") as Module & { _compile(code: string, file: string): void };
    const internals = Module as unknown as { _nodeModulePaths(dir: string): string[] };
    m.paths = internals._nodeModulePaths(PROJECT_ROOT);
    m._compile(text, join(PROJECT_ROOT, "provider.js"));
    const provider = (m.exports as { handler(): pulumi.dynamic.ResourceProvider }).handler();
    await provider.configure!({ config: config({}) } as never);
    const r = await provider.check!({}, { name: "g", description: "d" });
    expect(r).toEqual({ inputs: { name: "g", description: "d", revision: "1.1" } });
    // Without connection settings create fails in the installed code, naming what is missing.
    await expect(provider.create({ name: "g", description: "d" })).rejects.toThrow(
      /^PolicyGroup policy group "g": cannot reach MOSIP: .*mosip-crvs:mosip\.apiBaseUrl/,
    );
  });
});

describe("serialization inside vitest", () => {
  // vitest's module transform used to leave zod's `navigator` reference unresolved for the
  // serializer; a provider reference reaches no zod and no transformed module, so it serializes
  // here as under ts-node.
  test("a resource constructed under vitest registers the same small provider", async () => {
    const registered = new Promise<Record<string, unknown>>((resolve) =>
      pulumi.runtime.setMocks(
        {
          newResource(a) {
            if (a.custom) resolve(a.inputs);
            return { id: `${a.name}-id`, state: {} };
          },
          call: () => ({}),
        },
        "mosip-crvs",
        "vitest",
        false,
      ),
    );
    new PolicyGroup("g", { name: "g", description: "d" });
    const text = String((await registered).__provider);
    expect(text).toContain('require("@mosip-crvs/mosip-providers")');
    expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024);
  });
});

describe("the provider package build (scripts/build-providers.mjs)", () => {
  test("the installed build is current: --if-stale has nothing to do", () => {
    const out = execFileSync(
      process.execPath,
      [join(PROJECT_ROOT, "scripts/build-providers.mjs"), "--if-stale"],
      { cwd: PROJECT_ROOT, encoding: "utf8" },
    );
    expect(out).toBe("");
  });

  test("a missing or stale build is rebuilt, a current one is left alone", () => {
    // A copy of the sources whose node_modules holds only esbuild: the real build is not touched.
    const dir = mkdtempSync(join(tmpdir(), "build-providers-"));
    try {
      cpSync(join(PROJECT_ROOT, "components/mosip"), join(dir, "components/mosip"), {
        recursive: true,
      });
      cpSync(join(PROJECT_ROOT, "scripts/build-providers.mjs"), join(dir, "scripts/b.mjs"));
      cpSync(join(PROJECT_ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(join(PROJECT_ROOT, "node_modules/esbuild"), join(dir, "node_modules/esbuild"));
      const run = () =>
        execFileSync(process.execPath, [join(dir, "scripts/b.mjs"), "--if-stale"], {
          cwd: dir,
          encoding: "utf8",
        });
      const pkgDir = join(dir, "node_modules/@mosip-crvs/mosip-providers");
      expect(run()).toMatch(/^built @mosip-crvs\/mosip-providers /);
      const first = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
        sourceHash: string;
        exports: string;
      };
      expect(first.exports).toBe("./index.js");
      expect(readFileSync(join(pkgDir, "index.js"), "utf8")).toContain("function host(type)");
      expect(run()).toBe("");
      writeFileSync(join(dir, "components/mosip/redact.ts"), "\n// changed\n", { flag: "a" });
      expect(run()).toMatch(/^built /);
      const second = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
        sourceHash: string;
      };
      expect(second.sourceHash).not.toBe(first.sourceHash);
      expect(readdirSync(pkgDir).sort()).toEqual(["index.js", "package.json"]);
      rmSync(join(pkgDir, "index.js"));
      expect(run()).toMatch(/^built /);
      expect(readdirSync(pkgDir).sort()).toEqual(["index.js", "package.json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a program on a checkout without the build builds it on first use, once, and runs it", () => {
    // A checkout whose node_modules has every package but the build (as after `npm install <pkg>`,
    // which prunes it): providerRef() must build it before the serializer needs it.
    const dir = mkdtempSync(join(tmpdir(), "provider-ref-"));
    try {
      cpSync(join(PROJECT_ROOT, "components/mosip"), join(dir, "components/mosip"), {
        recursive: true,
      });
      cpSync(
        join(PROJECT_ROOT, "scripts/build-providers.mjs"),
        join(dir, "scripts/build-providers.mjs"),
      );
      cpSync(join(PROJECT_ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
      mkdirSync(join(dir, "node_modules"));
      for (const entry of readdirSync(join(PROJECT_ROOT, "node_modules")))
        if (entry !== "@mosip-crvs" && entry !== ".bin")
          symlinkSync(join(PROJECT_ROOT, "node_modules", entry), join(dir, "node_modules", entry));
      writeFileSync(
        join(dir, "probe.ts"),
        [
          'import { providerRef } from "./components/mosip/provider-ref";',
          'const p = providerRef("Machine");',
          'providerRef("Partner");',
          "console.log(JSON.stringify(Object.keys(p)));",
        ].join("\n"),
      );
      const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "probe.ts")], {
        cwd: dir,
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([
        "configure",
        "check",
        "diff",
        "create",
        "read",
        "update",
        "delete",
      ]);
      // One build, announced on one line; later calls in the process reuse the loaded package.
      expect(r.stderr.match(/built @mosip-crvs\/mosip-providers/g)).toHaveLength(1);
      expect(readdirSync(join(dir, "node_modules/@mosip-crvs/mosip-providers")).sort()).toEqual([
        "index.js",
        "package.json",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
