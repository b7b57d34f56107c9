// The sandbox's Keycloak: the OIDC token endpoint and JWKS as MOSIP's services and the stack use
// them, and the admin REST API driven by Keycloak's own admin client.
import { createPublicKey } from "node:crypto";
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
    // Keycloak 16's realm page carries the same key as base64 DER.
    const info = (await (await fetch(`${sandbox.url}/auth/realms/mosip`)).json()) as {
      public_key: string;
    };
    const key = createPublicKey({
      key: Buffer.from(info.public_key, "base64"),
      format: "der",
      type: "spki",
    });
    expect(key.export({ format: "jwk" }).n).toBe((jwks.keys[0] as { n: string }).n);
  });
});

describe("admin REST API (driven by @keycloak/keycloak-admin-client)", () => {
  async function adminClient() {
    const { default: KcAdminClient } = await import("@keycloak/keycloak-admin-client");
    const kc = new KcAdminClient({ baseUrl: `${sandbox.url}/auth`, realmName: "master" });
    const o = sandbox.context.options;
    await kc.auth({
      grantType: "password",
      clientId: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    });
    kc.setConfig({ realmName: "mosip" });
    return kc;
  }

  async function status(p: Promise<unknown>): Promise<{ status?: number; body?: unknown }> {
    try {
      await p;
      return {};
    } catch (e) {
      const err = e as { response?: { status: number }; responseData?: unknown };
      return { status: err.response?.status, body: err.responseData };
    }
  }

  it("refuses unauthenticated callers (401) and non-admin tokens (403)", async () => {
    const anon = await fetch(`${sandbox.url}/auth/admin/realms/mosip/clients`);
    expect(anon.status).toBe(401);
    const bogus = await fetch(`${sandbox.url}/auth/admin/realms/mosip/clients`, {
      headers: { authorization: "Bearer not-a-token" },
    });
    expect(bogus.status).toBe(401);
    const o = sandbox.context.options;
    const r = await sandbox.context.keycloak.clientCredentials(
      "mosip",
      o.adminClientId,
      o.adminClientSecret,
    );
    if (!("token" in r)) throw new Error("no token");
    const mosipToken = await fetch(`${sandbox.url}/auth/admin/realms/mosip/clients`, {
      headers: { authorization: `Bearer ${r.token}` },
    });
    expect(mosipToken.status).toBe(403);
  });

  it("creates a confidential client, roles and service-account mappings that show in its token", async () => {
    const kc = await adminClient();

    // The stack's CRVS client.
    const { id } = await kc.clients.create({
      clientId: "mosip-crvs1-client",
      name: "CRVS client",
      enabled: true,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      redirectUris: [],
      protocol: "openid-connect",
      attributes: { "access.token.lifespan": "300" },
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const dup = await status(kc.clients.create({ clientId: "mosip-crvs1-client" }));
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ errorMessage: "Client mosip-crvs1-client already exists" });

    const [found] = await kc.clients.find({ clientId: "mosip-crvs1-client" });
    expect(found.id).toBe(id);
    expect(found.serviceAccountsEnabled).toBe(true);
    expect(found.attributes?.["access.token.lifespan"]).toBe("300");
    expect(found.defaultClientScopes).toEqual(expect.arrayContaining(["profile", "email"]));
    expect(await kc.clients.find({ clientId: "mosip-crvs1" })).toEqual([]);

    const secret = await kc.clients.getClientSecret({ id });
    expect(secret.value).toMatch(/^[A-Za-z0-9]{32}$/);

    // The role 1.2.0.1 does not ship, created by the stack; a composite role on top.
    expect(await status(kc.roles.findOneByName({ name: "ONLINE_REGISTRATION_CLIENT" }))).toEqual(
      {},
    );
    expect(await kc.roles.findOneByName({ name: "ONLINE_REGISTRATION_CLIENT" })).toBeNull();
    await kc.roles.create({ name: "ONLINE_REGISTRATION_CLIENT", description: "CRVS packets" });
    const dupRole = await status(kc.roles.create({ name: "ONLINE_REGISTRATION_CLIENT" }));
    expect(dupRole.status).toBe(409);
    const online = await kc.roles.findOneByName({ name: "ONLINE_REGISTRATION_CLIENT" });
    expect(online?.description).toBe("CRVS packets");
    await kc.roles.create({ name: "CRVS_BUNDLE" });
    const bundle = await kc.roles.findOneByName({ name: "CRVS_BUNDLE" });
    const subscribe = await kc.roles.findOneByName({
      name: "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
    });
    await kc.roles.createComposite({ roleId: String(bundle?.id) }, [
      { id: subscribe?.id, name: subscribe?.name },
    ]);
    expect((await kc.roles.findOneById({ id: String(bundle?.id) }))?.composite).toBe(true);

    // Service-account role mappings (what keycloak_openid_client_service_account_realm_role does).
    const sa = await kc.clients.getServiceAccountUser({ id });
    expect(sa.username).toBe("service-account-mosip-crvs1-client");
    expect(sa.serviceAccountClientId).toBe(id);
    const rp = await kc.roles.findOneByName({ name: "REGISTRATION_PROCESSOR" });
    await kc.users.addRealmRoleMappings({
      id: String(sa.id),
      roles: [
        { id: String(rp?.id), name: "REGISTRATION_PROCESSOR" },
        { id: String(online?.id), name: "ONLINE_REGISTRATION_CLIENT" },
        { id: String(bundle?.id), name: "CRVS_BUNDLE" },
      ],
    });
    // A role given by name with a wrong id is refused, as Keycloak does.
    const wrongId = await status(
      kc.users.addRealmRoleMappings({
        id: String(sa.id),
        roles: [{ id: "00000000-0000-0000-0000-000000000000", name: "GLOBAL_ADMIN" }],
      }),
    );
    expect(wrongId.status).toBe(404);
    const direct = (await kc.users.listRealmRoleMappings({ id: String(sa.id) })).map((x) => x.name);
    expect(direct).toEqual(
      expect.arrayContaining([
        "REGISTRATION_PROCESSOR",
        "ONLINE_REGISTRATION_CLIENT",
        "CRVS_BUNDLE",
      ]),
    );
    expect(direct).not.toContain("SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL");
    const effective = (await kc.users.listCompositeRealmRoleMappings({ id: String(sa.id) })).map(
      (x) => x.name,
    );
    expect(effective).toContain("SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL");
    const available = (await kc.users.listAvailableRealmRoleMappings({ id: String(sa.id) })).map(
      (x) => x.name,
    );
    expect(available).toContain("GLOBAL_ADMIN");
    expect(available).not.toContain("SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL");

    // A MOSIP custom scope as a default client scope.
    const scopes = await kc.clientScopes.find();
    const addOidc = scopes.find((s) => s.name === "add_oidc_client");
    await kc.clients.addDefaultClientScope({ id, clientScopeId: String(addOidc?.id) });
    expect((await kc.clients.listDefaultClientScopes({ id })).map((s) => s.name)).toContain(
      "add_oidc_client",
    );

    // The token the client now gets.
    const { status: st, body } = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "mosip-crvs1-client",
      client_secret: String(secret.value),
    });
    expect(st).toBe(200);
    const jwks = createRemoteJWKSet(
      new URL(`${sandbox.url}/auth/realms/mosip/protocol/openid-connect/certs`),
    );
    const { payload } = await jwtVerify(String(body.access_token), jwks);
    expect(payload.azp).toBe("mosip-crvs1-client");
    expect(payload.sub).toBe(sa.id);
    expect(payload.preferred_username).toBe("service-account-mosip-crvs1-client");
    const roles = (payload.realm_access as { roles: string[] }).roles;
    expect(roles).toEqual(
      expect.arrayContaining([
        "REGISTRATION_PROCESSOR",
        "ONLINE_REGISTRATION_CLIENT",
        "CRVS_BUNDLE",
        "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
      ]),
    );
    expect(String(payload.scope).split(" ")).toContain("add_oidc_client");

    // Regenerating the secret invalidates the old one.
    const fresh = await kc.clients.generateNewClientSecret({ id });
    expect(fresh.value).not.toBe(secret.value);
    const stale = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "mosip-crvs1-client",
      client_secret: String(secret.value),
    });
    expect(stale.status).toBe(401);
    expect(stale.body.error).toBe("invalid_client");

    // Removing a mapping shows in the next token.
    await kc.users.delRealmRoleMappings({
      id: String(sa.id),
      roles: [{ id: String(online?.id), name: "ONLINE_REGISTRATION_CLIENT" }],
    });
    const after = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "mosip-crvs1-client",
      client_secret: String(fresh.value),
    });
    expect(
      (decodeJwt(String(after.body.access_token)).realm_access as { roles: string[] }).roles,
    ).not.toContain("ONLINE_REGISTRATION_CLIENT");

    // A disabled client gets no token; a deleted one is gone.
    await kc.clients.update({ id }, { enabled: false });
    expect((await kc.clients.findOne({ id }))?.enabled).toBe(false);
    const disabled = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "mosip-crvs1-client",
      client_secret: String(fresh.value),
    });
    expect(disabled.status).toBe(401);
    expect(disabled.body.error).toBe("invalid_client");
    await kc.clients.del({ id });
    const gone = await status(kc.clients.findOne({ id }));
    // The admin client maps 404 on findOne to undefined; ask over HTTP for the body.
    expect(gone).toEqual({});
    const raw = await fetch(`${sandbox.url}/auth/admin/realms/mosip/clients/${id}`, {
      headers: { authorization: `Bearer ${kc.accessToken}` },
    });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({ error: "Could not find client" });
    expect(await status(kc.users.findOne({ id: String(sa.id) }))).toEqual({});
    expect(await kc.users.findOne({ id: String(sa.id) })).toBeNull();
  });

  it("creates a partner user with a password as the onboarder does, and logs in as it", async () => {
    const kc = await adminClient();
    const { id } = await kc.users.create({
      username: "CRVS-Partner-1",
      firstName: "CRVS",
      lastName: "Partner",
      email: "crvs-partner-1@example.invalid",
      enabled: true,
      credentials: [{ type: "password", value: "sandbox-partner-password", temporary: false }],
    });
    const dup = await status(kc.users.create({ username: "crvs-partner-1", enabled: true }));
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ errorMessage: "User exists with same username" });
    const dupMail = await status(
      kc.users.create({ username: "other", email: "CRVS-partner-1@example.invalid" }),
    );
    expect(dupMail.status).toBe(409);
    expect(dupMail.body).toEqual({ errorMessage: "User exists with same email" });

    // Usernames are stored lower-cased; `username` matches substrings unless `exact`.
    const [u] = await kc.users.find({ username: "crvs-partner-1", exact: true });
    expect(u.id).toBe(id);
    expect(u.username).toBe("crvs-partner-1");
    expect((await kc.users.find({ username: "partner" })).map((x) => x.id)).toContain(id);
    // Service-account users stay out of user searches.
    expect(await kc.users.find({ username: "service-account-" })).toEqual([]);

    const roles = await kc.roles.find();
    const pick = roles.filter((x) => x.name === "PARTNER_ADMIN" || x.name === "AUTH_PARTNER");
    expect(pick).toHaveLength(2);
    await kc.users.addRealmRoleMappings({
      id,
      roles: pick.map((x) => ({ id: String(x.id), name: String(x.name) })),
    });

    const login = () =>
      tokenRequest("mosip", {
        grant_type: "password",
        client_id: "mosip-pms-client",
        client_secret: seed.clients["mosip-pms-client"].secret,
        username: "crvs-partner-1",
        password: "sandbox-partner-password",
      });
    const ok = await login();
    expect(ok.status).toBe(200);
    const claims = decodeJwt(String(ok.body.access_token));
    expect(claims.preferred_username).toBe("crvs-partner-1");
    expect(claims.email).toBe("crvs-partner-1@example.invalid");
    expect((claims.realm_access as { roles: string[] }).roles).toEqual(
      expect.arrayContaining(["PARTNER_ADMIN", "AUTH_PARTNER"]),
    );

    // A temporary password blocks the direct grant until it is changed.
    await kc.users.resetPassword({
      id,
      credential: { type: "password", value: "sandbox-temporary", temporary: true },
    });
    const pending = await tokenRequest("mosip", {
      grant_type: "password",
      client_id: "mosip-pms-client",
      client_secret: seed.clients["mosip-pms-client"].secret,
      username: "crvs-partner-1",
      password: "sandbox-temporary",
    });
    expect(pending.status).toBe(400);
    expect(pending.body.error_description).toBe("Account is not fully set up");
    await kc.users.resetPassword({
      id,
      credential: { type: "password", value: "sandbox-partner-password", temporary: false },
    });
    expect((await login()).status).toBe(200);

    // The credential list terraform reads, and the mapping summary.
    const creds = await kc.users.getCredentials({ id });
    expect(creds.map((c) => c.type)).toEqual(["password"]);
    const mappings = await kc.users.listRoleMappings({ id });
    expect(mappings.realmMappings?.map((x) => x.name)).toEqual(
      expect.arrayContaining(["PARTNER_ADMIN", "AUTH_PARTNER", "default-roles-mosip"]),
    );

    // Disabled, then deleted.
    await kc.users.update({ id }, { enabled: false });
    const disabled = await login();
    expect(disabled.status).toBe(400);
    expect(disabled.body.error_description).toBe("Account disabled");
    await kc.users.del({ id });
    expect((await login()).status).toBe(401);
    const missing = await status(kc.users.del({ id }));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "User not found" });
  });

  it("refuses the password grant on a client without direct access grants", async () => {
    const kc = await adminClient();
    const { id } = await kc.clients.create({
      clientId: "no-direct-grants",
      serviceAccountsEnabled: false,
      directAccessGrantsEnabled: false,
    });
    const secret = await kc.clients.getClientSecret({ id });
    const o = sandbox.context.options;
    const res = await tokenRequest("mosip", {
      grant_type: "password",
      client_id: "no-direct-grants",
      client_secret: String(secret.value),
      username: "nobody",
      password: "x",
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("unauthorized_client");
    const cc = await tokenRequest("mosip", {
      grant_type: "client_credentials",
      client_id: "no-direct-grants",
      client_secret: String(secret.value),
    });
    expect(cc.status).toBe(401);
    expect(cc.body.error).toBe("unauthorized_client");
    const sa = await status(kc.clients.getServiceAccountUser({ id }));
    expect(sa.status).toBe(400);
    expect(o.adminClientId).toBeTruthy();
  });

  it("reads realms and server info as the terraform provider does", async () => {
    const kc = await adminClient();
    const realm = await kc.realms.findOne({ realm: "mosip" });
    expect(realm?.realm).toBe("mosip");
    expect(realm?.enabled).toBe(true);
    expect(await kc.realms.findOne({ realm: "nope" })).toBeNull();
    const info = await kc.serverInfo.find();
    expect(info.systemInfo?.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("applies protocol mappers: user attributes (mosip-pms-client) and an added audience", async () => {
    const kc = await adminClient();
    const { id: userId } = await kc.users.create({
      username: "crvs-org-user",
      enabled: true,
      attributes: { organizationName: ["CRVS Org"], partnerType: ["Credential_Partner"] },
      credentials: [{ type: "password", value: "sandbox-org-password", temporary: false }],
    });
    const login = async () =>
      decodeJwt(
        String(
          (
            await tokenRequest("mosip", {
              grant_type: "password",
              client_id: "mosip-pms-client",
              client_secret: seed.clients["mosip-pms-client"].secret,
              username: "crvs-org-user",
              password: "sandbox-org-password",
            })
          ).body.access_token,
        ),
      );
    const claims = await login();
    expect(claims.organizationName).toBe("CRVS Org");
    expect(claims.partnerType).toBe("Credential_Partner");
    expect(claims.phoneNumber).toBeUndefined();

    const [pms] = await kc.clients.find({ clientId: "mosip-pms-client" });
    await kc.clients.addProtocolMapper(
      { id: String(pms.id) },
      {
        name: "regproc-audience",
        protocol: "openid-connect",
        protocolMapper: "oidc-audience-mapper",
        config: {
          "included.client.audience": "mosip-regproc-client",
          "access.token.claim": "true",
        },
      },
    );
    const withAud = await login();
    expect(withAud.aud).toEqual(["account", "mosip-regproc-client"]);
    const mapper = (await kc.clients.listProtocolMappers({ id: String(pms.id) })).find(
      (m) => m.name === "regproc-audience",
    );
    await kc.clients.delProtocolMapper({ id: String(pms.id), mapperId: String(mapper?.id) });
    expect((await login()).aud).toBe("account");
    await kc.users.del({ id: userId });
  });

  it("creates a composite role from RoleRepresentation.composites and refuses unknown ones", async () => {
    const kc = await adminClient();
    await kc.roles.create({
      name: "CRVS_WEBSUB",
      composite: true,
      composites: {
        realm: [
          "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
          "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
        ],
      },
    });
    const role = await kc.roles.findOneByName({ name: "CRVS_WEBSUB" });
    expect(role?.composite).toBe(true);
    const names = (await kc.roles.getCompositeRoles({ id: String(role?.id) })).map((x) => x.name);
    expect(names.sort()).toEqual([
      "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
      "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
    ]);
    const bad = await status(
      kc.roles.create({ name: "CRVS_BAD", composites: { realm: ["NO_SUCH_ROLE"] } }),
    );
    expect(bad.status).toBe(404);
    expect(await kc.roles.findOneByName({ name: "CRVS_BAD" })).toBeNull();
    await kc.roles.delByName({ name: "CRVS_WEBSUB" });
    expect(await kc.roles.findOneByName({ name: "CRVS_WEBSUB" })).toBeNull();
  });
});
