// ConfigProperties through the path `pulumi up` uses: serialized by Pulumi's closure serializer
// (CommonJS ts-node child), run by the SDK's dynamic-provider host over gRPC, against the sandbox's
// config repo (real git over smart HTTP) and Spring Cloud Config server.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  findLeaks,
  ProviderHostError,
  serializeResourceProviders,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import type { ConfigSeed } from "../sandbox/config-server";
import { startSandbox, type Sandbox } from "../sandbox/server";
import { expectProviderReference } from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:ConfigProperties";
const REV = "1.1";
const AUD = "auth.server.admin.allowed.audience";
const ROLE = "mosip.role.commons-packet.putcreatepacket";
const CLIENT = "mosip-crvs1-client";
const PM = "packet-manager-default.properties";
const RP = "registration-processor-default.properties";
const KERNEL = "kernel-default.properties";

let sandbox: Sandbox;
let seed: ConfigSeed;
let provider: SerializedProvider;
let host: ProviderHost;
const dirs: string[] = [];

function stackConfig(repoUrl = seed.repoUrl, token = seed.token) {
  return {
    "mosip-crvs:configServer": { url: seed.serverUrl, label: seed.label, repo: { url: repoUrl } },
    "mosip-crvs:configRepoToken": token,
  };
}

const stateOf = (p: Props) => stripProvider(p);
const auth = () => ({ username: "someone-else", password: seed.token });

/** A second git client: someone editing the config repo by hand. */
async function clone(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "config-properties-test-"));
  dirs.push(dir);
  await git.clone({
    fs,
    http,
    dir,
    url: seed.repoUrl,
    ref: seed.label,
    singleBranch: true,
    onAuth: auth,
  });
  return dir;
}

async function fileAtHead(file: string): Promise<string> {
  const dir = await clone();
  return fs.readFileSync(path.join(dir, file), "utf8");
}

async function handEdit(
  file: string,
  edit: (s: string) => string,
  message: string,
  url = seed.repoUrl,
) {
  const dir = await clone();
  const p = path.join(dir, file);
  fs.writeFileSync(p, edit(fs.readFileSync(p, "utf8")));
  await git.add({ fs, dir, filepath: file });
  await git.commit({ fs, dir, message, author: { name: "Operator", email: "op@example.invalid" } });
  const r = await git.push({ fs, http, dir, url, ref: seed.label, onAuth: auth });
  expect(r.ok).toBe(true);
}

async function history(): Promise<
  { oid: string; message: string; author: string; parent: string[] }[]
> {
  const dir = await clone();
  const log = await git.log({ fs, dir, ref: seed.label });
  return log.map((c) => ({
    oid: c.oid,
    message: c.commit.message,
    author: c.commit.author.name,
    parent: c.commit.parent,
  }));
}

/** What the config server serves for `key` to `app` (first source holding it). */
async function served(app: string, key: string): Promise<string | undefined> {
  const res = await fetch(`${seed.serverUrl}/${app}/default/${seed.label}`);
  const env = (await res.json()) as { propertySources: { source: Record<string, string> }[] };
  return env.propertySources.find((s) => key in s.source)?.source[key];
}

const configState = () =>
  sandbox.context.state.configServer as { pushes: number; overrides: Record<string, string> };

beforeAll(async () => {
  sandbox = await startSandbox();
  seed = sandbox.context.seed.config as ConfigSeed;
  [provider] = await serializeResourceProviders([
    {
      module: "components/mosip/config-properties.ts",
      export: "ConfigProperties",
      args: { file: PM, keys: { [AUD]: { contains: [CLIENT] } }, stackName: "dev" },
    },
  ]);
  host = await startProviderHost({
    config: stackConfig(),
    secretKeys: ["mosip-crvs:configRepoToken"],
  });
});

afterAll(async () => {
  await host?.close();
  await sandbox?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("ConfigProperties lifecycle on packet-manager-default.properties", () => {
  const urn = urnFor(TYPE, "packet-manager-audience");
  const inputs = {
    file: PM,
    keys: {
      [AUD]: { contains: [CLIENT] },
      [ROLE]: { equals: "REGISTRATION_PROCESSOR,ONLINE_REGISTRATION_CLIENT" },
    },
    stackName: "dev",
  };
  const checked = { ...inputs, application: "packet-manager", profile: "default", revision: REV };
  let original: string;
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "ConfigProperties", [seed.token]);
  });

  test("check derives application and profile from the file name", async () => {
    const r = await host.check(provider, urn, {}, { ...inputs, revision: REV });
    expect(r.failures).toEqual([]);
    expect(stateOf(r.inputs)).toEqual(checked);
  });

  test("check leaves values unknown during preview (the client id of a new Keycloak client) alone", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const news = { ...inputs, keys: { [AUD]: { contains: [unknown] } }, revision: REV };
    const r = await host.check(provider, urn, {}, news);
    expect(r.failures).toEqual([]);
    expect(stateOf(r.inputs)).toEqual(news);
  });

  test("check names each bad property and the fix", async () => {
    const r = await host.check(
      provider,
      urn,
      {},
      {
        file: "../etc/passwd",
        keys: { "bad key": { contains: ["a"] }, ok: { contains: ["with,comma"] }, x: { both: 1 } },
        stackName: "",
        token: "nope",
      },
    );
    const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(byProp.file).toMatch(/give a \.properties file of the config repo/);
    expect(byProp["keys.bad key"]).toMatch(/is not a properties key/);
    expect(byProp["keys.ok.contains.0"]).toMatch(/without commas/);
    expect(byProp["keys.x"]).toMatch(
      /give \{contains: \["value", \.\.\.\]\} or \{equals: "value"\}/,
    );
    expect(byProp.stackName).toMatch(/give the stack's name/);
    expect(byProp.token).toMatch(/token/);
  });

  test("create: one commit by mosip-crvs naming the keys and the stack; only the managed lines change", async () => {
    original = await fileAtHead(PM);
    const before = (await history()).length;
    const created = await host.create(provider, urn, checked);
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toBe(`${seed.label}:${PM}`);
    const log = await history();
    expect(log.length).toBe(before + 1);
    expect(log[0]!.author).toBe("mosip-crvs");
    expect(log[0]!.message).toContain('stack "dev"');
    expect(log[0]!.message).toContain(AUD);
    expect(log[0]!.message).toContain(ROLE);
    expect(state.commit).toBe(log[0]!.oid);

    const now = await fileAtHead(PM);
    const a = original.split("\n");
    const b = now.split("\n");
    expect(b.length).toBe(a.length);
    expect(a.filter((l, i) => l !== b[i])).toEqual([
      `${ROLE}=REGISTRATION_PROCESSOR`,
      `${AUD}=mosip-regproc-client`,
    ]);
    expect(now).toContain(`${AUD}=mosip-regproc-client,${CLIENT}\n`);
    expect(now).toContain(`${ROLE}=REGISTRATION_PROCESSOR,ONLINE_REGISTRATION_CLIENT\n`);

    expect(state.priorValues).toEqual({
      [AUD]: {
        present: true,
        value: "mosip-regproc-client",
        lines: [`${AUD}=mosip-regproc-client`],
      },
      [ROLE]: {
        present: true,
        value: "REGISTRATION_PROCESSOR",
        lines: [`${ROLE}=REGISTRATION_PROCESSOR`],
      },
    });
    const values = {
      [AUD]: `mosip-regproc-client,${CLIENT}`,
      [ROLE]: "REGISTRATION_PROCESSOR,ONLINE_REGISTRATION_CLIENT",
    };
    expect(state.fileValues).toEqual(values);
    expect(state.servedValues).toEqual(values);
    expect(state.drift).toEqual([]);
    const sorted = Object.keys(values)
      .sort()
      .map((k) => [k, values[k as keyof typeof values]]);
    expect(state.changeHash).toBe(
      createHash("sha256")
        .update(JSON.stringify([PM, sorted]))
        .digest("hex"),
    );
  });

  test("after the push the config server serves the new values, and MOSIP's audience check follows", async () => {
    expect(await served("packet-manager", AUD)).toBe(`mosip-regproc-client,${CLIENT}`);
    expect(await sandbox.context.config!.getProperty(PM, AUD)).toBe(
      `mosip-regproc-client,${CLIENT}`,
    );
  });

  test("read equals the inputs; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.inputs!)).toEqual(checked);
    expect(stateOf(r.properties)).toEqual(state);
    const d = await host.diff(provider, id, urn, state, checked);
    expect(d).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
    const f = await host.diff(provider, id, urn, state, {
      ...checked,
      file: RP,
      application: "registration-processor",
    });
    expect(f.replaces).toEqual(["file"]);
    const k = await host.diff(provider, id, urn, state, {
      ...checked,
      keys: { ...checked.keys, [AUD]: { contains: [CLIENT, "another-client"] } },
    });
    expect(k).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
  });

  test("drift by hand (client id removed from the audience) is seen by read and repaired by update", async () => {
    await handEdit(
      PM,
      (s) =>
        s.replace(
          `${AUD}=mosip-regproc-client,${CLIENT}`,
          `${AUD}=mosip-regproc-client,hand-added`,
        ),
      "Operator: tidy the audience list",
    );
    const r = await host.read(provider, id, urn, state);
    expect(r.inputs!.keys).toEqual({ [AUD]: { contains: [] }, [ROLE]: inputs.keys[ROLE] });
    expect(r.properties.drift).toEqual([
      `${AUD}: the file no longer meets {"contains":["${CLIENT}"]}`,
    ]);
    expect(r.properties.changeHash).not.toBe(state.changeHash);
    const d = await host.diff(provider, id, urn, stateOf(r.inputs!), checked);
    expect(d.changes).toBe("some");

    const u = await host.update(provider, id, urn, stateOf(r.properties), checked);
    expect(u.properties.drift).toEqual([]);
    expect(u.properties.priorValues).toEqual(state.priorValues);
    expect(await fileAtHead(PM)).toContain(`${AUD}=mosip-regproc-client,hand-added,${CLIENT}\n`);
    expect(await served("packet-manager", AUD)).toBe(`mosip-regproc-client,hand-added,${CLIENT}`);
    state = stateOf(u.properties);
  });

  test("create on a file that already holds the values adopts it: no commit", async () => {
    const pushes = configState().pushes;
    const again = await host.create(provider, urn, checked);
    expect(again.id).toBe(id);
    expect(configState().pushes).toBe(pushes);
    expect(again.properties.fileValues).toEqual(state.fileValues);
  });

  test("a key dropped from the stack gets its prior value back; a new key is recorded", async () => {
    const next = { ...checked, keys: { [AUD]: inputs.keys[AUD], "crvs.new.key": { equals: "x" } } };
    const u = await host.update(provider, id, urn, state, next);
    const now = await fileAtHead(PM);
    expect(now).toContain(`\n${ROLE}=REGISTRATION_PROCESSOR\n`);
    expect(
      now.endsWith(
        `# Added by the mosip-crvs stack "dev" (Pulumi); removed when the stack no longer manages it\ncrvs.new.key=x\n`,
      ),
    ).toBe(true);
    expect(Object.keys(u.properties.priorValues as object).sort()).toEqual([AUD, "crvs.new.key"]);
    const log = await history();
    expect(log[0]!.message).toContain(ROLE);
    expect(log[0]!.message).toContain("crvs.new.key");
    state = stateOf(u.properties);
  });

  test("delete restores the prior values in one commit, keeping what others added", async () => {
    const before = (await history()).length;
    await host.delete(provider, id, urn, state);
    expect((await history()).length).toBe(before + 1);
    // Byte for byte the original, except the entry the operator added meanwhile.
    expect(await fileAtHead(PM)).toBe(
      original.replace(`${AUD}=mosip-regproc-client\n`, `${AUD}=mosip-regproc-client,hand-added\n`),
    );
    expect(await served("packet-manager", AUD)).toBe("mosip-regproc-client,hand-added");
  });
});

describe("restore and merge rules", () => {
  test("delete returns an untouched file byte for byte", async () => {
    const urn = urnFor(TYPE, "regproc-audience");
    const original = await fileAtHead(RP);
    const c = await host.create(provider, urn, {
      file: RP,
      keys: { [AUD]: { contains: [CLIENT] } },
      stackName: "dev",
      application: "registration-processor",
      profile: "default",
      revision: REV,
    });
    expect(await fileAtHead(RP)).not.toBe(original);
    await host.delete(provider, c.id, urn, stateOf(c.properties));
    expect(await fileAtHead(RP)).toBe(original);
  });

  test("kernel-default's placeholder: merged into its default; an override on the config server is reported as drift", async () => {
    const urn = urnFor(TYPE, "kernel-audience");
    const original = await fileAtHead(KERNEL);
    const c = await host.create(provider, urn, {
      file: KERNEL,
      keys: { [AUD]: { contains: [CLIENT] } },
      stackName: "dev",
      application: "kernel",
      profile: "default",
      revision: REV,
    });
    const now = await fileAtHead(KERNEL);
    expect(now).toContain(`,mosip-signup-client,${CLIENT}}\n`);
    expect(c.properties.servedValues).toEqual({
      [AUD]: expect.stringMatching(new RegExp(`,${CLIENT}$`)),
    });
    expect(c.properties.drift).toEqual([]);

    configState().overrides = { [`${AUD}.kernel.override`]: "mosip-admin-client" };
    try {
      const r = await host.read(provider, c.id, urn, stateOf(c.properties));
      expect(r.properties.servedValues).toEqual({ [AUD]: "mosip-admin-client" });
      expect(r.properties.drift).toEqual([
        `${AUD}: the config server serves "mosip-admin-client" (an override?), which does not meet {"contains":["${CLIENT}"]}`,
      ]);
    } finally {
      configState().overrides = {};
    }
    await host.delete(provider, c.id, urn, stateOf(c.properties));
    expect(await fileAtHead(KERNEL)).toBe(original);
  });

  test("a push rejected because someone else pushed after the clone is rebased, never overwritten", async () => {
    // A proxy in front of the repo: on the stack's first push it lets "someone else" push first.
    const target = new URL(seed.repoUrl);
    let raced = false;
    const proxy: Server = createServer((req, res) => {
      const forward = () => {
        const up = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        req.pipe(up);
      };
      if (!raced && req.method === "POST" && req.url?.endsWith("/git-receive-pack")) {
        raced = true;
        req.pause();
        handEdit(
          RP,
          (s) => `${s}# someone else's change\nsomeone.else=1\n`,
          "Someone else's change",
        ).then(
          () => {
            req.resume();
            forward();
          },
          (e) => res.destroy(e as Error),
        );
        return;
      }
      forward();
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const port = (proxy.address() as { port: number }).port;
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}${target.pathname}`),
      secretKeys: ["mosip-crvs:configRepoToken"],
    });
    try {
      const urn = urnFor(TYPE, "raced");
      const c = await h.create(provider, urn, {
        file: RP,
        keys: { [AUD]: { contains: [CLIENT] } },
        stackName: "dev",
        application: "registration-processor",
        profile: "default",
        revision: REV,
      });
      expect(raced).toBe(true);
      const now = await fileAtHead(RP);
      expect(now).toContain(`someone.else=1\n`);
      expect(now).toMatch(new RegExp(`\\n${AUD.replace(/\./g, "\\.")}=[^\\n]*,${CLIENT}\\n`));
      const [ours, theirs] = await history();
      expect(ours!.author).toBe("mosip-crvs");
      expect(theirs!.message).toBe("Someone else's change\n");
      expect(ours!.parent).toEqual([theirs!.oid]);
      expect(c.properties.commit).toBe(ours!.oid);
      await h.delete(provider, c.id, urn, stateOf(c.properties));
      expect(await fileAtHead(RP)).toContain("someone.else=1\n");
      expect(await fileAtHead(RP)).not.toContain(CLIENT);
    } finally {
      await h.close();
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe("under injected faults", () => {
  test("create, update and delete succeed, one commit per change", async () => {
    const urn = urnFor(TYPE, "faulty");
    const original = await fileAtHead(RP);
    const base = {
      file: RP,
      stackName: "dev",
      application: "registration-processor",
      profile: "default",
      revision: REV,
    };
    const before = (await history()).length;
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rate: 0.2,
        kinds: ["5xx", "reset", "delay", "expired-token"],
        delayMs: 300,
        seed: 11,
      }),
    });
    expect(res.status).toBe(200);
    const start = sandbox.requests.length;
    try {
      const c = await host.create(provider, urn, {
        ...base,
        keys: { [AUD]: { contains: [CLIENT] } },
      });
      const u = await host.update(provider, c.id, urn, stateOf(c.properties), {
        ...base,
        keys: { [AUD]: { contains: [CLIENT, "second-client"] } },
      });
      await host.delete(provider, c.id, urn, stateOf(u.properties));
      expect(sandbox.requests.slice(start).filter((r) => r.fault).length).toBeGreaterThan(2);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    expect(await fileAtHead(RP)).toBe(original);
    const log = await history();
    expect(log.length - before).toBe(3);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const inputs = {
    file: PM,
    keys: { [AUD]: { contains: [CLIENT] } },
    stackName: "dev",
    application: "packet-manager",
    profile: "default",
    revision: REV,
  };

  test("a wrong token", async () => {
    const wrong = "sandbox-wrong-config-token";
    const h = await startProviderHost({
      config: stackConfig(seed.repoUrl, wrong),
      secretKeys: ["mosip-crvs:configRepoToken"],
    });
    try {
      const err = (await h
        .create(provider, urnFor(TYPE, "x"), inputs)
        .catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        new RegExp(
          `^ConfigProperties ${PM}: create failed: the config repo ${seed.repoUrl} refused the credentials \\(HTTP 401\\)`,
        ),
      );
      expect(err.details).toMatch(
        /Check the secret mosip-crvs:configRepoToken \(or CONFIG_REPO_TOKEN\)/,
      );
      expect(findLeaks(err.details, [wrong, seed.token])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable repo", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = netServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}/git/mosip-config.git`;
    const h = await startProviderHost({
      config: stackConfig(url),
      secretKeys: ["mosip-crvs:configRepoToken"],
    });
    try {
      const err = (await h
        .create(provider, urnFor(TYPE, "x"), inputs)
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        new RegExp(`create failed: cannot reach ${url} \\(.*ECONNREFUSED`),
      );
      expect(err.details).toMatch(/Check mosip-crvs:configServer/);
      expect(findLeaks(err.details, [seed.token])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a file the repo does not have", async () => {
    const err = (await host
      .create(provider, urnFor(TYPE, "x"), { ...inputs, file: "packet-manger-default.properties" })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toBe(
      `ConfigProperties packet-manger-default.properties: create failed: the config repo ${seed.repoUrl} has no packet-manger-default.properties on ${seed.label}. Check the file name and mosip-crvs:configServer.repo.searchPath`,
    );
  });

  test("missing settings: check works, create names the keys", async () => {
    const h = await startProviderHost({ config: {} });
    try {
      expect((await h.check(provider, urnFor(TYPE, "x"), {}, inputs)).failures).toEqual([]);
      const err = (await h
        .create(provider, urnFor(TYPE, "x"), inputs)
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /the config repo settings are missing: mosip-crvs:configServer\.url, mosip-crvs:configServer\.label, mosip-crvs:configServer\.repo\.url/,
      );
    } finally {
      await h.close();
    }
  });
});
