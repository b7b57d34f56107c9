// The sandbox's config repo and Spring Cloud Config server: Environment JSON as Spring serves it,
// placeholder resolution, a real git clone/commit/push over smart HTTP with isomorphic-git, and
// the audience check of MOSIP's auth adapter following what was pushed.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Reply, type SandboxRequest } from "./http";
import { startSandbox, type Sandbox } from "./server";
import { resolvePlaceholders, type ConfigSeed } from "./config-server";

let sandbox: Sandbox;
let seed: ConfigSeed;
const dirs: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  seed = sandbox.context.seed.config as ConfigSeed;
});
afterAll(async () => {
  await sandbox?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "config-server-test-"));
  dirs.push(d);
  return d;
}

const auth = () => ({ username: "stack", password: seed.token });

async function cloneRepo(): Promise<string> {
  const dir = await tempDir();
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

async function commitAndPush(
  dir: string,
  file: string,
  edit: (s: string) => string,
  message: string,
) {
  const p = path.join(dir, file);
  await writeFile(p, edit(await readFile(p, "utf8")));
  await git.add({ fs, dir, filepath: file });
  const sha = await git.commit({
    fs,
    dir,
    message,
    author: { name: "Stack test", email: "stack@example.invalid" },
  });
  const res = await git.push({ fs, http, dir, remote: "origin", ref: seed.label, onAuth: auth });
  expect(res.ok).toBe(true);
  return sha;
}

function cookieRequest(token: string): SandboxRequest {
  return {
    method: "PUT",
    path: "/commons/v1/packetmanager/createPacket",
    query: new URLSearchParams(),
    params: {},
    headers: { cookie: `Authorization=${token}` },
    raw: Buffer.alloc(0),
    cookies: { Authorization: token },
    json: () => undefined,
    form: () => new URLSearchParams(),
  };
}

describe("Spring placeholders", () => {
  it("resolves nested placeholders and defaults, leaving unresolvable ones", () => {
    const values: Record<string, string> = { a: "A", b: "${a}-b", loop: "${loop}" };
    const lookup = (k: string) => values[k];
    expect(resolvePlaceholders("x ${b} y", lookup)).toBe("x A-b y");
    expect(resolvePlaceholders("${missing:${a}:z}", lookup)).toBe("A:z");
    expect(resolvePlaceholders("${missing}", lookup)).toBe("${missing}");
    expect(resolvePlaceholders("${missing:}", lookup)).toBe("");
    expect(resolvePlaceholders("${loop}", lookup)).toBe("${loop}");
  });
});

describe("Spring Cloud Config server", () => {
  it("serves the Environment of packet manager, most specific source first", async () => {
    const res = await fetch(`${seed.serverUrl}/application,packet-manager/default/${seed.label}`);
    expect(res.status).toBe(200);
    const env = (await res.json()) as {
      name: string;
      profiles: string[];
      label: string;
      version: string;
      propertySources: Array<{ name: string; source: Record<string, string> }>;
    };
    expect(env.name).toBe("application,packet-manager");
    expect(env.profiles).toEqual(["default"]);
    expect(env.label).toBe(seed.label);
    expect(env.version).toMatch(/^[0-9a-f]{40}$/);
    expect(env.propertySources.map((s) => s.name)).toEqual([
      `${seed.repoUrl}/packet-manager-default.properties`,
      `${seed.repoUrl}/application-default.properties`,
    ]);
    const [pm, app] = env.propertySources;
    expect(pm.source["auth.server.admin.allowed.audience"]).toBe("mosip-regproc-client");
    expect(pm.source["mosip.role.commons-packet.putcreatepacket"]).toBe("REGISTRATION_PROCESSOR");
    // Properties escapes are decoded; placeholders are left for the client, as Spring does.
    expect(app.source["packetmanager.default.priority"]).toContain(
      "source:OPENCRVS/process:OPENCRVS_NEW",
    );
    expect(app.source["websub.hub.url"]).toBe("${mosip.websub.url}/hub/");
    // What 1.2.0.1 does not have.
    expect(pm.source["mosip.role.commons-packet.putcreatepacket"]).not.toContain(
      "ONLINE_REGISTRATION_CLIENT",
    );
  });

  it("answers an unknown label with 404 like Spring's NoSuchLabelException", async () => {
    const res = await fetch(`${seed.serverUrl}/packet-manager/default/develop`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { message: string; status: number };
    expect(body.status).toBe(404);
    expect(body.message).toContain("develop");
  });

  it("serves raw files by label", async () => {
    const res = await fetch(
      `${seed.serverUrl}/*/default/${seed.label}/registration-processor-default.properties`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("registration.processor.main-processes=");
    const missing = await fetch(`${seed.serverUrl}/*/default/${seed.label}/no-such.json`);
    expect(missing.status).toBe(404);
  });

  it("resolves placeholders in getProperty from the file and application-default", async () => {
    const cfg = sandbox.context.config;
    expect(await cfg.getProperty("kernel-default.properties", "admin_database_url")).toBe(
      "jdbc:postgresql://postgres-postgresql.postgres:5432/mosip_kernel",
    );
    // The kernel audience is an override hook; its default is the list.
    const kernel = await cfg.getProperty(
      "kernel-default.properties",
      "auth.server.admin.allowed.audience",
    );
    expect(kernel?.split(",")).toContain("opencrvs-partner");
    expect(kernel).not.toContain("${");
    // A placeholder defined in application-default.properties.
    expect(await cfg.getProperty("application-default.properties", "websub.hub.url")).toBe(
      "http://websub.websub/hub/",
    );
    expect(
      await cfg.getProperty(
        "registration-processor-default.properties",
        "registration.processor.main-processes",
      ),
    ).toBe("NEW,UPDATE,LOST,RES_UPDATE,ACTIVATE,DEACTIVATE,OPENCRVS_NEW");
    expect(
      await cfg.getProperty(
        "registration-processor-default.properties",
        "mosip.regproc.workflow-manager.instance.api-id",
      ),
    ).toBeUndefined();
    expect(
      await cfg.getProperty(
        "partner-management-default.properties",
        "pmp.allowed.credential.types",
      ),
    ).toBe("auth,qrcode,euin,reprint,vercred,opencrvs");
    expect(await cfg.getProperty("no-such-default.properties", "x")).toBeUndefined();
  });
});

describe("config repository over git smart HTTP", () => {
  it("refuses clone and push without or with wrong credentials", async () => {
    const dir = await tempDir();
    await expect(
      git.clone({ fs, http, dir, url: seed.repoUrl, ref: seed.label }),
    ).rejects.toMatchObject({ code: "HttpError", data: { statusCode: 401 } });
    await expect(
      git.clone({
        fs,
        http,
        dir: await tempDir(),
        url: seed.repoUrl,
        onAuth: () => ({ username: "stack", password: "wrong-token" }),
      }),
    ).rejects.toMatchObject({ code: "HttpError", data: { statusCode: 401 } });

    // A clone made with the token cannot push with a wrong one.
    const work = await cloneRepo();
    await writeFile(path.join(work, "README.md"), "tampered\n");
    await git.add({ fs, dir: work, filepath: "README.md" });
    await git.commit({ fs, dir: work, message: "x", author: { name: "x", email: "x@x.invalid" } });
    await expect(
      git.push({
        fs,
        http,
        dir: work,
        ref: seed.label,
        onAuth: () => ({ username: "stack", password: "wrong-token" }),
      }),
    ).rejects.toMatchObject({ code: "HttpError", data: { statusCode: 401 } });
    const raw = await fetch(`${seed.serverUrl}/*/default/${seed.label}/README.md`);
    expect(await raw.text()).not.toContain("tampered");
  });

  it("a pushed change is what the config server and the auth adapter see next", async () => {
    const before = (await (
      await fetch(`${seed.serverUrl}/application,packet-manager/default/${seed.label}`)
    ).json()) as { version: string };

    // A token whose azp is not in packet manager's allowed audience.
    const o = sandbox.context.options;
    const granted = await sandbox.context.keycloak.clientCredentials(
      "mosip",
      o.adminClientId,
      o.adminClientSecret,
    );
    if (!("token" in granted)) throw new Error("no token");
    const req = cookieRequest(granted.token);
    const opts = { audienceFile: "packet-manager-default.properties" };
    const refused = await sandbox.context.authenticate(req, opts).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Reply);
    expect((refused as Reply).response.status).toBe(403);

    const dir = await cloneRepo();
    const sha = await commitAndPush(
      dir,
      "packet-manager-default.properties",
      (s) =>
        s.replace(
          "auth.server.admin.allowed.audience=mosip-regproc-client",
          `auth.server.admin.allowed.audience=mosip-regproc-client,${o.adminClientId}`,
        ),
      "Allow the deployment client to call packet manager",
    );

    const env = (await (
      await fetch(`${seed.serverUrl}/application,packet-manager/default/${seed.label}`)
    ).json()) as { version: string; propertySources: Array<{ source: Record<string, string> }> };
    expect(env.version).toBe(sha);
    expect(env.version).not.toBe(before.version);
    expect(env.propertySources[0].source["auth.server.admin.allowed.audience"]).toBe(
      `mosip-regproc-client,${o.adminClientId}`,
    );
    expect(
      await sandbox.context.config.getProperty(
        "packet-manager-default.properties",
        "auth.server.admin.allowed.audience",
      ),
    ).toBe(`mosip-regproc-client,${o.adminClientId}`);

    const principal = await sandbox.context.authenticate(req, opts);
    expect(principal.clientId).toBe(o.adminClientId);

    // The old commit is still addressable as a label, as in Spring.
    const old = await fetch(`${seed.serverUrl}/packet-manager/default/${before.version}`);
    expect(old.status).toBe(200);
    const oldEnv = (await old.json()) as {
      propertySources: Array<{ source: Record<string, string> }>;
    };
    expect(oldEnv.propertySources[0].source["auth.server.admin.allowed.audience"]).toBe(
      "mosip-regproc-client",
    );
  });
});

describe("config server overrides and concurrent pushes", () => {
  it("applies SPRING_CLOUD_CONFIG_SERVER_OVERRIDES-style overrides to every application", async () => {
    const cfg = sandbox.context.config;
    const set = await fetch(`${sandbox.url}/__sandbox/config/overrides`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        "auth.server.admin.allowed.audience.kernel.override": "mosip-admin-client,crvs-client",
      }),
    });
    expect(set.status).toBe(200);
    try {
      // The kernel file's override hook picks it up...
      expect(
        await cfg.getProperty("kernel-default.properties", "auth.server.admin.allowed.audience"),
      ).toBe("mosip-admin-client,crvs-client");
      // ...packet manager's literal list does not have the hook.
      expect(
        await cfg.getProperty(
          "packet-manager-default.properties",
          "auth.server.admin.allowed.audience",
        ),
      ).not.toContain("crvs-client");
      const env = (await (
        await fetch(`${seed.serverUrl}/kernel/default/${seed.label}`)
      ).json()) as {
        propertySources: Array<{ name: string; source: Record<string, string> }>;
      };
      expect(env.propertySources[0]).toEqual({
        name: "overrides",
        source: {
          "auth.server.admin.allowed.audience.kernel.override": "mosip-admin-client,crvs-client",
        },
      });
      expect(env.propertySources[1].name).toBe(`${seed.repoUrl}/kernel-default.properties`);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/config/overrides`, { method: "DELETE" });
    }
    expect(
      await cfg.getProperty("kernel-default.properties", "auth.server.admin.allowed.audience"),
    ).toContain("opencrvs-partner");
  });

  it("rejects non-fast-forward and forced pushes to the deployed label", async () => {
    const a = await cloneRepo();
    const b = await cloneRepo();
    await commitAndPush(a, "README.md", (s) => `${s}\nfirst writer\n`, "first writer");
    await writeFile(path.join(b, "README.md"), "second writer\n");
    await git.add({ fs, dir: b, filepath: "README.md" });
    await git.commit({
      fs,
      dir: b,
      message: "second writer",
      author: { name: "Stack test", email: "stack@example.invalid" },
    });
    const push = (force: boolean) =>
      git.push({ fs, http, dir: b, remote: "origin", ref: seed.label, onAuth: auth, force });
    await expect(push(false)).rejects.toMatchObject({
      code: "PushRejectedError",
      data: { reason: "not-fast-forward" },
    });
    // The deployed label is protected: the server itself refuses a forced rewrite.
    await expect(push(true)).rejects.toMatchObject({ code: "GitPushError" });
    const raw = await fetch(`${seed.serverUrl}/*/default/${seed.label}/README.md`);
    const content = await raw.text();
    expect(content).toContain("first writer");
    expect(content).not.toContain("second writer");
  });

  it("serves a pushed tag as a label, as Spring resolves branches, tags and commit ids", async () => {
    const dir = await cloneRepo();
    await git.annotatedTag({
      fs,
      dir,
      ref: "config-snapshot-1",
      message: "snapshot",
      tagger: { name: "Stack test", email: "stack@example.invalid" },
    });
    await git.push({ fs, http, dir, remote: "origin", ref: "config-snapshot-1", onAuth: auth });
    const res = await fetch(`${seed.serverUrl}/packet-manager/default/config-snapshot-1`);
    expect(res.status).toBe(200);
    const env = (await res.json()) as { version: string; label: string };
    expect(env.label).toBe("config-snapshot-1");
    expect(env.version).toBe(await git.resolveRef({ fs, dir, ref: "HEAD" }));
  });
});
