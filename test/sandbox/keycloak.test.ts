// The sandbox's Keycloak: the OIDC token endpoint and JWKS as MOSIP's services and the stack use
// them, and the admin REST API driven by Keycloak's own admin client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet, jwtVerify, decodeJwt } from "jose";
import { startSandbox, type Sandbox } from "./server";
import type { KeycloakSeed } from "./keycloak";

let sandbox: Sandbox;
let seed: KeycloakSeed;

beforeAll(async () => {
  sandbox = await startSandbox();
  seed = sandbox.context.seed.keycloak as KeycloakSeed;
});
afterAll(async () => {
  await sandbox?.close();
});

async function tokenRequest(
  realm: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}/auth/realms/${realm}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("OIDC token endpoint", () => {
  it("issues a client-credentials token MOSIP's services accept, verifiable with the JWKS", async () => {
    const o = sandbox.context.options;
    const { status, body } = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: o.adminClientId,
      client_secret: o.adminClientSecret,
    });
    expect(status).toBe(200);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(o.tokenLifetime);
    expect(body.refresh_token).toBeUndefined();

    const jwks = createRemoteJWKSet(
      new URL(`${sandbox.url}/auth/realms/mosip/protocol/openid-connect/certs`),
    );
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), jwks, {
      issuer: `${sandbox.url}/auth/realms/mosip`,
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.azp).toBe(o.adminClientId);
    expect(payload.preferred_username).toBe(`service-account-${o.adminClientId}`);
    expect(payload.typ).toBe("Bearer");
    expect(payload.clientId).toBe(o.adminClientId);
    expect((payload.exp as number) - (payload.iat as number)).toBe(o.tokenLifetime);
    const roles = (payload.realm_access as { roles: string[] }).roles;
    for (const r of seed.clients[o.adminClientId].roles) expect(roles).toContain(r);
    // Composite default role expanded, as Keycloak does.
    expect(roles).toEqual(
      expect.arrayContaining(["default-roles-mosip", "offline_access", "uma_authorization"]),
    );
    expect(roles).not.toContain("REGISTRATION_PROCESSOR");
    expect(String(payload.scope).split(" ")).toEqual(expect.arrayContaining(["profile", "email"]));

    // The in-process verifier agrees.
    const claims = await sandbox.context.keycloak.verify(String(body.access_token));
    expect(claims?.sub).toBe(payload.sub);
  });

  it("puts custom default client scopes into the scope claim (mosip-pms-client)", async () => {
    const r = await sandbox.context.keycloak.clientCredentials(
      "mosip",
      "mosip-pms-client",
      seed.clients["mosip-pms-client"].secret,
    );
    if (!("token" in r)) throw new Error(JSON.stringify(r));
    const scopes = String(decodeJwt(r.token).scope).split(" ");
    expect(scopes).toEqual(expect.arrayContaining(["add_oidc_client", "update_oidc_client"]));
  });

  it("accepts client_secret_basic", async () => {
    const basic = Buffer.from(
      `mosip-regproc-client:${seed.clients["mosip-regproc-client"].secret}`,
    ).toString("base64");
    const { status, body } = await tokenRequest(
      "mosip",
      { grant_type: "client_credentials" },
      { authorization: `Basic ${basic}` },
    );
    expect(status).toBe(200);
    expect(decodeJwt(String(body.access_token)).azp).toBe("mosip-regproc-client");
  });

  it("rejects a wrong secret and an unknown client with 401 invalid_client", async () => {
    const bad = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "mosip-regproc-client",
      client_secret: "not-the-secret",
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe("invalid_client");
    const unknown = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "no-such-client",
      client_secret: "x",
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe("invalid_client");
    const api = await sandbox.context.keycloak.clientCredentials(
      "mosip",
      "mosip-regproc-client",
      "x",
    );
    expect(api).toMatchObject({ status: 401, error: "invalid_client" });
  });

  it("answers unknown realms, grant types and missing grant_type like Keycloak", async () => {
    const realm = await tokenRequest("nope", { grant_type: "client_credentials" });
    expect(realm.status).toBe(404);
    expect(realm.body.error).toBe("Realm does not exist");
    const missing = await tokenRequest("mosip", { client_id: "mosip-regproc-client" });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("invalid_request");
    const unsupported = await tokenRequest("mosip", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: "mosip-regproc-client",
      client_secret: seed.clients["mosip-regproc-client"].secret,
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toBe("unsupported_grant_type");
  });

  it("lets the master admin log in through admin-cli with the password grant", async () => {
    const o = sandbox.context.options;
    const ok = await tokenRequest("master", {
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toBeTypeOf("string");
    const claims = decodeJwt(String(ok.body.access_token));
    expect(claims.iss).toBe(`${sandbox.url}/auth/realms/master`);
    expect(claims.azp).toBe("admin-cli");
    expect(claims.preferred_username).toBe(o.keycloakAdminUser);
    expect((claims.realm_access as { roles: string[] }).roles).toContain("admin");

    const wrong = await tokenRequest("master", {
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: "wrong-password",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      error: "invalid_grant",
      error_description: "Invalid user credentials",
    });

    // A refresh token gives a new access token for the same user.
    const refreshed = await tokenRequest("master", {
      grant_type: "refresh_token",
      client_id: "admin-cli",
      refresh_token: String(ok.body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access_token)).sub).toBe(claims.sub);
    // ...but a refresh token is not an access token.
    expect(await sandbox.context.keycloak.verify(String(ok.body.refresh_token))).toBeNull();
  });

  it("does not verify a token signed by another realm's key or tampered with", async () => {
    const o = sandbox.context.options;
    const r = await sandbox.context.keycloak.clientCredentials(
      "mosip",
      o.adminClientId,
      o.adminClientSecret,
    );
    if (!("token" in r)) throw new Error("no token");
    const [h, p, s] = r.token.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    claims.realm_access.roles.push("REGISTRATION_PROCESSOR");
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    expect(await sandbox.context.keycloak.verify(forged)).toBeNull();
    // Claim the master issuer with the mosip signature: wrong key.
    claims.iss = `${sandbox.url}/auth/realms/master`;
    const wrongRealm = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    expect(await sandbox.context.keycloak.verify(wrongRealm)).toBeNull();
    expect(await sandbox.context.keycloak.verify("not-a-jwt")).toBeNull();
  });

  it("publishes discovery metadata pointing at its endpoints", async () => {
    const res = await fetch(`${sandbox.url}/auth/realms/mosip/.well-known/openid-configuration`);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(`${sandbox.url}/auth/realms/mosip`);
    expect(meta.token_endpoint).toBe(
      `${sandbox.url}/auth/realms/mosip/protocol/openid-connect/token`,
    );
    const jwks = (await (await fetch(String(meta.jwks_uri))).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
  });
});
