// eSignet client management (contract §6) driven over HTTP with Bearer tokens from the sandbox's
// Keycloak, plus the in-process API PMS's OIDC endpoints call.
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJwk, type EsignetState } from "./esignet";
import type { KeycloakSeed } from "./keycloak";
import { startSandbox, type Sandbox } from "./server";

let sandbox: Sandbox;
let pmsToken: string;
let residentToken: string;
let addOnlyToken: string;

const PATH = "/v1/esignet/client-mgmt/oidc-client";

async function token(clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${sandbox.url}/auth/realms/mosip/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: secret,
    }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A client of realm `mosip` with only `add_oidc_client`, made through Keycloak's admin API. */
async function addOnlyClientToken(): Promise<string> {
  const o = sandbox.context.options;
  const adminRes = await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }).toString(),
  });
  const admin = ((await adminRes.json()) as { access_token: string }).access_token;
  const created = await fetch(`${sandbox.url}/auth/admin/realms/mosip/clients`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
    body: JSON.stringify({
      clientId: "sandbox-test-add-only",
      secret: "sandbox-test-add-only-secret",
      serviceAccountsEnabled: true,
      publicClient: false,
      defaultClientScopes: ["add_oidc_client"],
    }),
  });
  expect(created.status).toBe(201);
  return token("sandbox-test-add-only", "sandbox-test-add-only-secret");
}

function rsaJwk(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
  return { kty: "RSA", e: jwk.e, use: "sig", kid: "sandbox-test-key", alg: "RS256", n: jwk.n };
}

let seq = 0;
function createRequest(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    clientId: `sandbox-test-client-${seq}`,
    clientName: "CRVS relying party",
    publicKey: rsaJwk(),
    relyingPartyId: "crvs-auth-partner",
    userClaims: ["name", "birthdate", "individual_id"],
    authContextRefs: ["mosip:idp:acr:generated-code", "mosip:idp:acr:biometrics"],
    logoUri: "https://crvs.example.test/logo.png",
    redirectUris: ["https://crvs.example.test/callback"],
    grantTypes: ["authorization_code"],
    clientAuthMethods: ["private_key_jwt"],
    ...over,
  };
}

function updateRequest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    logoUri: "https://crvs.example.test/logo2.png",
    redirectUris: ["https://crvs.example.test/cb2"],
    userClaims: ["name"],
    authContextRefs: ["mosip:idp:acr:static-code"],
    status: "ACTIVE",
    grantTypes: ["authorization_code"],
    clientName: "CRVS relying party v2",
    clientAuthMethods: ["private_key_jwt"],
    ...over,
  };
}

interface Answer {
  status: number;
  body: {
    responseTime?: string;
    response: { clientId: string; status: string } | null;
    errors: Array<{ errorCode: string; errorMessage: string }>;
  };
}

async function send(
  method: string,
  path: string,
  tok: string | undefined,
  request: unknown,
  requestTime: string | undefined = new Date().toISOString(),
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(tok ? { authorization: `Bearer ${tok}` } : {}),
      ...extraHeaders,
    },
    body: JSON.stringify({ requestTime, request }),
  });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

const create = (request: unknown, tok = pmsToken, requestTime?: string) =>
  send("POST", PATH, tok, request, requestTime ?? new Date().toISOString());
const update = (id: string, request: unknown, tok = pmsToken) =>
  send("PUT", `${PATH}/${encodeURIComponent(id)}`, tok, request);

function clients(): EsignetState["clients"] {
  return (sandbox.context.state.esignet as EsignetState).clients;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  const seed = sandbox.context.seed.keycloak as KeycloakSeed;
  pmsToken = await token("mosip-pms-client", seed.clients["mosip-pms-client"].secret);
  residentToken = await token(
    "mosip-resident-client",
    seed.clients["mosip-resident-client"].secret,
  );
  addOnlyToken = await addOnlyClientToken();
});
afterAll(async () => {
  await sandbox?.close();
});

describe("create", () => {
  it("registers an ACTIVE client and stores the canonical public key", async () => {
    const req = createRequest();
    const a = await create(req);
    expect(a.status).toBe(200);
    expect(a.body.errors).toEqual([]);
    expect(a.body.response).toEqual({ clientId: req.clientId, status: "ACTIVE" });
    expect(Date.parse(a.body.responseTime ?? "")).not.toBeNaN();
    const stored = clients().get(req.clientId as string);
    expect(stored).toMatchObject({
      clientName: "CRVS relying party",
      relyingPartyId: "crvs-auth-partner",
      userClaims: ["name", "birthdate", "individual_id"],
      status: "ACTIVE",
    });
    const jwk = req.publicKey as Record<string, string>;
    expect(stored?.publicKey).toBe(
      JSON.stringify({ kty: "RSA", kid: jwk.kid, use: "sig", alg: "RS256", n: jwk.n, e: jwk.e }),
    );
  });

  it("refuses a second client with the same id (duplicate_client_id)", async () => {
    const req = createRequest();
    expect((await create(req)).body.errors).toEqual([]);
    const again = await create({ ...req, publicKey: rsaJwk() });
    expect(again.status).toBe(200);
    expect(again.body.response).toBeNull();
    expect(again.body.errors).toEqual([
      { errorCode: "duplicate_client_id", errorMessage: "duplicate_client_id" },
    ]);
  });

  it("refuses the same public key under another id, compared canonically (duplicate_public_key)", async () => {
    const req = createRequest();
    expect((await create(req)).body.errors).toEqual([]);
    const key = req.publicKey as Record<string, unknown>;
    // Same key, members in another order, a private-looking member dropped, n with a leading
    // zero byte: the same canonical JWK.
    const padded = Buffer.concat([Buffer.from([0]), Buffer.from(key.n as string, "base64url")]);
    const reordered = {
      n: padded.toString("base64url"),
      alg: key.alg,
      e: key.e,
      kid: key.kid,
      use: key.use,
      kty: "RSA",
    };
    const again = await create(createRequest({ publicKey: reordered }));
    expect(again.body.errors.map((e) => e.errorCode)).toEqual(["duplicate_public_key"]);
    // A different kid is a different stored key text: accepted, as eSignet's UNIQUE column does.
    const otherKid = await create(createRequest({ publicKey: { ...key, kid: "another-kid" } }));
    expect(otherKid.body.errors).toEqual([]);
  });

  it("refuses a JWK that is not an RSA public key (invalid_public_key)", async () => {
    const a = await create(createRequest({ publicKey: { kty: "RSA", e: "AQAB" } }));
    expect(a.body.errors).toEqual([
      { errorCode: "invalid_public_key", errorMessage: "invalid_public_key" },
    ]);
    const empty = await create(createRequest({ publicKey: {} }));
    expect(empty.body.errors).toEqual([
      { errorCode: "invalid_public_key", errorMessage: "request.publicKey: invalid_public_key" },
    ]);
    const bad = await create(createRequest({ publicKey: { kty: "RSA", e: "AQAB", n: "!!" } }));
    expect(bad.body.errors.map((e) => e.errorCode)).toEqual(["invalid_public_key"]);
  });

  it.each([
    ["clientId", "", "invalid_client_id"],
    ["clientId", "has space", "invalid_client_id"],
    ["clientId", "x".repeat(101), "invalid_client_id"],
    ["clientName", " ", "invalid_client_name"],
    ["clientName", "n".repeat(257), "invalid_client_name"],
    ["relyingPartyId", "rp id", "invalid_rp_id"],
    ["relyingPartyId", null, "invalid_rp_id"],
    ["userClaims", null, "invalid_claim"],
    ["authContextRefs", [], "invalid_acr"],
    ["logoUri", "not a url", "invalid_uri"],
    ["logoUri", "", "invalid_uri"],
    ["redirectUris", [], "invalid_redirect_uri"],
    ["grantTypes", [], "invalid_grant_type"],
    ["clientAuthMethods", null, "invalid_client_auth"],
  ])("validates %s = %j with %s", async (field, value, code) => {
    const a = await create(createRequest({ [field]: value }));
    expect(a.status).toBe(200);
    expect(a.body.response).toBeNull();
    expect(a.body.errors).toEqual([{ errorCode: code, errorMessage: `request.${field}: ${code}` }]);
  });

  it.each([
    ["userClaims", ["name", "fullName"], "invalid_claim"],
    [
      "authContextRefs",
      ["mosip:idp:acr:biometrics", "mosip:idp:acr:generated-code mosip:idp:acr:unknown"],
      "invalid_acr",
    ],
    ["redirectUris", ["https://ok.test/cb", "io.mosip.app://callback"], "invalid_redirect_uri"],
    ["grantTypes", ["authorization_code", "implicit"], "invalid_grant_type"],
    ["clientAuthMethods", ["private_key_jwt", "client_secret_basic"], "invalid_client_auth"],
  ])("validates each element of %s (%j)", async (field, value, code) => {
    const a = await create(createRequest({ [field]: value }));
    expect(a.body.errors).toEqual([
      { errorCode: code, errorMessage: `request.${field}[1]: ${code}` },
    ]);
  });

  it("accepts space-separated ACR values, an empty claim list and the password ACR", async () => {
    const a = await create(
      createRequest({
        userClaims: [],
        authContextRefs: ["mosip:idp:acr:password mosip:idp:acr:linked-wallet"],
      }),
    );
    expect(a.body.errors).toEqual([]);
  });

  it("lists every failing field at once", async () => {
    const a = await create(
      createRequest({ clientName: "", logoUri: "nope", grantTypes: ["implicit"] }),
    );
    expect(a.body.errors.map((e) => e.errorCode).sort()).toEqual([
      "invalid_client_name",
      "invalid_grant_type",
      "invalid_uri",
    ]);
  });

  it("refuses too many entries", async () => {
    const a = await create(
      createRequest({
        redirectUris: Array.from({ length: 6 }, (_, i) => `https://crvs.example.test/${i}`),
        grantTypes: Array(4).fill("authorization_code"),
      }),
    );
    expect(a.body.errors.map((e) => e.errorMessage)).toEqual([
      "request.redirectUris: invalid_redirect_uri",
      "request.grantTypes: invalid_grant_type",
    ]);
  });
});

describe("envelope", () => {
  it("wants requestTime within two minutes of the server clock (invalid_request)", async () => {
    const fine = await create(
      createRequest(),
      pmsToken,
      new Date(Date.now() - 60_000).toISOString(),
    );
    expect(fine.body.errors).toEqual([]);
    for (const t of [
      new Date(Date.now() - 3 * 60_000).toISOString(),
      new Date(Date.now() + 3 * 60_000).toISOString(),
      "2026-01-01T00:00:00Z",
      "",
    ]) {
      const req = createRequest();
      const a = await create(req, pmsToken, t);
      expect(a.body.errors).toEqual([
        { errorCode: "invalid_request", errorMessage: "requestTime: invalid_request" },
      ]);
      expect(clients().has(req.clientId as string)).toBe(false);
    }
  });

  it("wants a request object", async () => {
    const a = await send("POST", PATH, pmsToken, undefined);
    expect(a.body.errors).toEqual([
      { errorCode: "invalid_request", errorMessage: "request: invalid_request" },
    ]);
  });

  it("answers unknown_error for a body that is not JSON", async () => {
    const res = await fetch(`${sandbox.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${pmsToken}` },
      body: "{not json",
    });
    const body = (await res.json()) as Answer["body"];
    expect(res.status).toBe(200);
    expect(body.errors[0].errorCode).toBe("unknown_error");
  });
});

describe("authorization", () => {
  it("needs a Bearer token (401 UNAUTHORIZED), not the cookie", async () => {
    const req = createRequest();
    const none = await create(req, "");
    expect(none.status).toBe(401);
    expect(none.body.errors).toEqual([
      { errorCode: "UNAUTHORIZED", errorMessage: expect.any(String) },
    ]);
    const cookie = await send("POST", PATH, undefined, req, new Date().toISOString(), {
      cookie: `Authorization=${pmsToken}`,
    });
    expect(cookie.status).toBe(401);
    const forged = await create(req, `${pmsToken.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    expect(clients().has(req.clientId as string)).toBe(false);
  });

  it("answers 401 when the fault injector expires the token", async () => {
    const set = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rate: 1,
        kinds: ["expired-token"],
        paths: ["/v1/esignet/client-mgmt"],
      }),
    });
    expect(set.status).toBe(200);
    try {
      const req = createRequest();
      const a = await create(req);
      expect(a.status).toBe(401);
      expect(clients().has(req.clientId as string)).toBe(false);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    expect((await create(createRequest())).status).toBe(200);
  });

  it("needs add_oidc_client to create and update_oidc_client to update (403 FORBIDDEN)", async () => {
    const req = createRequest();
    const resident = await create(req, residentToken);
    expect(resident.status).toBe(403);
    expect(resident.body.errors).toEqual([
      { errorCode: "FORBIDDEN", errorMessage: expect.any(String) },
    ]);
    // The add-only client may create but not update.
    const created = await create(req, addOnlyToken);
    expect(created.body.errors).toEqual([]);
    const upd = await update(req.clientId as string, updateRequest(), addOnlyToken);
    expect(upd.status).toBe(403);
    expect(upd.body.errors[0].errorCode).toBe("FORBIDDEN");
    expect(clients().get(req.clientId as string)?.clientName).toBe("CRVS relying party");
    expect((await update(req.clientId as string, updateRequest())).body.errors).toEqual([]);
  });
});

describe("update", () => {
  it("overwrites the mutable fields and keeps the key and relying party", async () => {
    const req = createRequest();
    expect((await create(req)).body.errors).toEqual([]);
    const before = clients().get(req.clientId as string);
    const key = before?.publicKey;
    const a = await update(req.clientId as string, updateRequest({ status: "INACTIVE" }));
    expect(a.body.errors).toEqual([]);
    expect(a.body.response).toEqual({ clientId: req.clientId, status: "INACTIVE" });
    const after = clients().get(req.clientId as string);
    expect(after).toMatchObject({
      clientName: "CRVS relying party v2",
      logoUri: "https://crvs.example.test/logo2.png",
      redirectUris: ["https://crvs.example.test/cb2"],
      userClaims: ["name"],
      authContextRefs: ["mosip:idp:acr:static-code"],
      status: "INACTIVE",
      relyingPartyId: "crvs-auth-partner",
      publicKey: key,
    });
    // publicKey / relyingPartyId in an update body are ignored.
    const b = await update(
      req.clientId as string,
      updateRequest({ publicKey: rsaJwk(), relyingPartyId: "someone-else" }),
    );
    expect(b.body.errors).toEqual([]);
    expect(clients().get(req.clientId as string)).toMatchObject({
      publicKey: key,
      relyingPartyId: "crvs-auth-partner",
    });
  });

  it("answers invalid_client_id for an unknown id", async () => {
    const a = await update("sandbox-test-unknown", updateRequest());
    expect(a.body.errors).toEqual([
      { errorCode: "invalid_client_id", errorMessage: "invalid_client_id" },
    ]);
  });

  it("matches status case-sensitively and needs at least one claim", async () => {
    const req = createRequest();
    expect((await create(req)).body.errors).toEqual([]);
    const lower = await update(req.clientId as string, updateRequest({ status: "active" }));
    expect(lower.body.errors).toEqual([
      { errorCode: "invalid_status", errorMessage: "request.status: invalid_status" },
    ]);
    const noClaims = await update(req.clientId as string, updateRequest({ userClaims: [] }));
    expect(noClaims.body.errors).toEqual([
      { errorCode: "invalid_claim", errorMessage: "request.userClaims: invalid_claim" },
    ]);
    expect(clients().get(req.clientId as string)?.status).toBe("ACTIVE");
  });

  it("has no GET for clients", async () => {
    const res = await fetch(`${sandbox.url}${PATH}/anything`, {
      headers: { authorization: `Bearer ${pmsToken}` },
    });
    expect(res.status).toBe(405);
  });
});

describe("discovery and the in-process API", () => {
  it("serves claims_supported and the ACR values at PMS's config-url", async () => {
    for (const p of [
      "/v1/esignet/oidc/.well-known/openid-configuration",
      "/v1/esignet/.well-known/openid-configuration",
    ]) {
      const res = await fetch(`${sandbox.url}${p}`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Record<string, unknown>;
      expect(doc.claims_supported).toEqual([
        "name",
        "address",
        "gender",
        "birthdate",
        "picture",
        "email",
        "phone_number",
        "individual_id",
      ]);
      expect(doc.acr_values_supported).toEqual([
        "mosip:idp:acr:static-code",
        "mosip:idp:acr:generated-code",
        "mosip:idp:acr:linked-wallet",
        "mosip:idp:acr:biometrics",
      ]);
      expect(doc.token_endpoint_auth_methods_supported).toEqual(["private_key_jwt"]);
    }
    expect(sandbox.context.esignet.claimsSupported()).toContain("individual_id");
  });

  it("applies the same rules in process, with field names without the envelope", async () => {
    const es = sandbox.context.esignet;
    const input = createRequest() as unknown as Parameters<typeof es.createClient>[0];
    expect(es.createClient(input)).toBeNull();
    expect(es.createClient(input)).toEqual([
      { errorCode: "duplicate_client_id", errorMessage: "duplicate_client_id" },
    ]);
    expect(es.createClient({ ...input, clientId: "other-id" })).toEqual([
      { errorCode: "duplicate_public_key", errorMessage: "duplicate_public_key" },
    ]);
    expect(es.createClient({ ...createRequest(), userClaims: ["nope"] } as typeof input)).toEqual([
      { errorCode: "invalid_claim", errorMessage: "userClaims[0]: invalid_claim" },
    ]);
    const upd = {
      clientName: "In-process",
      userClaims: ["email"],
      authContextRefs: ["mosip:idp:acr:biometrics"],
      logoUri: "https://crvs.example.test/l.png",
      redirectUris: ["https://crvs.example.test/r"],
      grantTypes: ["authorization_code"],
      clientAuthMethods: ["private_key_jwt"],
      status: "INACTIVE",
    };
    expect(es.updateClient(input.clientId, upd)).toBeNull();
    expect(clients().get(input.clientId)).toMatchObject({
      clientName: "In-process",
      status: "INACTIVE",
    });
    expect(es.updateClient("nobody", upd)).toEqual([
      { errorCode: "invalid_client_id", errorMessage: "invalid_client_id" },
    ]);
  });

  it("canonicalises JWKs like jose4j", () => {
    const jwk = rsaJwk();
    const text = canonicalJwk({ extra: "a/b", ...jwk, d: "private" });
    expect(text).not.toBeNull();
    expect(text).not.toContain('"d"');
    expect(Object.keys(JSON.parse(text as string))).toEqual([
      "kty",
      "kid",
      "use",
      "alg",
      "n",
      "e",
      "extra",
    ]);
    expect(text).toContain('"extra":"a\\/b"');
    expect(canonicalJwk({ kty: "RSA", n: "", e: "AQAB" })).toBeNull();
  });
});
