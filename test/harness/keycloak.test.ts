// The engine applies @pulumi/keycloak resources to a Keycloak admin API (the sandbox's) as the
// Keycloak provider plugin would, and sees changes made by hand on refresh.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../sandbox/server";
import { runEngine, type EngineOptions } from "./engine";

let sandbox: Sandbox;
const dir = mkdtempSync(join(tmpdir(), "engine-kc-"));
const stateFile = join(dir, "state.json");

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => sandbox.close());

function opts(op: EngineOptions["op"], extra: Record<string, unknown> = {}): EngineOptions {
  const o = sandbox.context.options;
  return {
    op,
    stack: "kc",
    project: "mosip-crvs",
    stateFile,
    passphrase: "test-passphrase",
    program: "test/harness/fixtures/keycloak.ts",
    config: {
      "fixture:keycloakUrl": `${sandbox.url}/auth`,
      "fixture:adminUser": o.keycloakAdminUser,
      "fixture:adminPassword": o.keycloakAdminPassword,
      "fixture:roleName": "CRVS_FIXTURE_ROLE",
      "fixture:clientId": "crvs-fixture-client",
      ...extra,
    },
    secretKeys: ["fixture:adminPassword"],
  };
}

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  const o = sandbox.context.options;
  const tok = await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  return fetch(`${sandbox.url}/auth/admin/realms/mosip/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${tok.access_token}`, "content-type": "application/json" },
  });
}

describe("harness engine with Keycloak", () => {
  it("creates the client, roles and mappings, then converges with no writes, detects a hand-made change and destroys", async () => {
    const up = await runEngine(opts("up"));
    expect(
      up.steps
        .filter((s) => s.op === "create")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["crvs-client", "crvs-role", "kc", "sa-own", "sa-shipped"].sort());
    const clients = (await (await admin("clients?clientId=crvs-fixture-client")).json()) as {
      id: string;
    }[];
    expect(clients).toHaveLength(1);
    const sa = (await (await admin(`clients/${clients[0].id}/service-account-user`)).json()) as {
      id: string;
    };
    const roles = (await (await admin(`users/${sa.id}/role-mappings/realm`)).json()) as {
      name: string;
    }[];
    expect(roles.map((r) => r.name)).toEqual(
      expect.arrayContaining(["CRVS_FIXTURE_ROLE", "REGISTRATION_PROCESSOR"]),
    );

    // The client secret Keycloak generated is a secret output: encrypted in state.
    const secret = (
      (await (await admin(`clients/${clients[0].id}/client-secret`)).json()) as { value: string }
    ).value;
    expect(secret.length).toBeGreaterThan(8);
    expect(readFileSync(stateFile, "utf8")).not.toContain(secret);

    const before = sandbox.requests.length;
    const again = await runEngine(opts("up"));
    expect(again.changes).toBe(0);
    const writes = sandbox.requests
      .slice(before)
      .filter((r) => r.method !== "GET" && !r.path.endsWith("/token"));
    expect(writes).toEqual([]);

    // Someone removes the role mapping by hand: refresh sees it, up restores it.
    const own = ((await (await admin("roles/CRVS_FIXTURE_ROLE")).json()) as { id: string }).id;
    await admin(`users/${sa.id}/role-mappings/realm`, {
      method: "DELETE",
      body: JSON.stringify([{ id: own, name: "CRVS_FIXTURE_ROLE" }]),
    });
    const drift = await runEngine(opts("refresh", {}));
    expect(drift.steps.find((s) => s.name === "sa-own")?.op).toBe("gone");
    const repair = await runEngine(opts("up"));
    expect(repair.steps.find((s) => s.name === "sa-own")?.op).toBe("create");

    await runEngine(opts("destroy"));
    expect(await (await admin("clients?clientId=crvs-fixture-client")).json()).toEqual([]);
    expect((await admin("roles/CRVS_FIXTURE_ROLE")).status).toBe(404);
    // The role MOSIP ships is only looked up, never deleted.
    expect((await admin("roles/REGISTRATION_PROCESSOR")).status).toBe(200);
  }, 600_000);
});
