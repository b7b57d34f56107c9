// OidcClient through the path `pulumi up` uses (closure-serialized provider, the SDK's
// dynamic-provider host) against the sandbox: via PMS (with read-back) and via eSignet directly (no
// read-back). The Auth partner, its Auth policy and the approved mapping are set up through the
// sandbox's HTTP API, as the partner onboarder does (§11.2).
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { generateRsaKeyPair, oidcClientId } from "../../components/mosip/jwk";
import type { EsignetState } from "../sandbox/esignet";
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
import { adminToken, authPolicy, call, type Answer } from "../sandbox/pms-testkit";
import { startSandbox, type Sandbox } from "../sandbox/server";
import { makeCa, makeLeaf } from "../sandbox/testing-certs";
import { expectProviderReference, unusedPort } from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:OidcClient";
const PT = "/v1/partnermanager";
const PM = "/v1/policymanager";
const REV = "1.1";
const PARTNER = "crvs-oidc-rp";

let sandbox: Sandbox;
let adminSecret: string;
let admin: string;
let provider: SerializedProvider;
let host: ProviderHost;
let policyId: string;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return {
    "mosip-crvs:mosip": {
      apiBaseUrl,
      clientId: "mosip-deployment-client",
      appId: "partner",
      ...extra,
    },
    "mosip-crvs:keycloak": { url: `${apiBaseUrl}/auth`, realm: "mosip" },
    "mosip-crvs:mosipClientSecret": adminSecret,
  };
}

function ok(a: Answer): Record<string, unknown> {
  expect(a.body.errors, JSON.stringify(a.body.errors)).toEqual([]);
  return a.body.response as Record<string, unknown>;
}

interface PmsRow {
  id: string;
  name: string;
  status: string;
  rpId: string;
}
const pmsClients = () => [
  ...(sandbox.context.state.pms as { oidcClients: Map<string, PmsRow> }).oidcClients.values(),
];
const esignetClients = () => (sandbox.context.state.esignet as EsignetState).clients;

/** Auth policy published, Auth_Partner with certificates, mapping requested and approved. */
async function authPartnerSetup(): Promise<string> {
  const g = ok(
    await call(sandbox, admin, "POST", `${PM}/policies/group/new`, { name: "rp-group", desc: "g" }),
  );
  const p = ok(
    await call(sandbox, admin, "POST", `${PM}/policies`, {
      policyGroupName: "rp-group",
      policyType: "Auth",
      name: "rp-auth-policy",
      desc: "d",
      version: "1.0",
      policies: authPolicy(),
    }),
  );
  ok(await call(sandbox, admin, "POST", `${PM}/policies/${p.id}/group/${g.id}/publish`));
  ok(
    await call(sandbox, admin, "POST", `${PT}/partners`, {
      partnerId: PARTNER,
      organizationName: "CRVS RP Org",
      address: "1 Registry Road",
      contactNumber: "+15550100",
      emailId: `${PARTNER}@crvs.example.org`,
      partnerType: "Auth_Partner",
      policyGroup: "rp-group",
    }),
  );
  const ca = await makeCa({ cn: "Sandbox Test OIDC CA", org: "Sandbox Test OIDC" });
  ok(
    await call(sandbox, admin, "POST", `${PT}/partners/certificate/ca/upload`, {
      certificateData: ca.certPem,
      partnerDomain: "AUTH",
    }),
  );
  const leaf = await makeLeaf(ca, { cn: "sandbox-test-rp", org: "CRVS RP Org" });
  ok(
    await call(sandbox, admin, "POST", `${PT}/partners/certificate/upload`, {
      partnerId: PARTNER,
      certificateData: leaf.certPem,
      partnerDomain: "AUTH",
    }),
  );
  const m = ok(
    await call(sandbox, admin, "POST", `${PT}/partners/${PARTNER}/policy/map`, {
      policyName: "rp-auth-policy",
      useCaseDescription: "CRVS relying party",
    }),
  );
  ok(
    await call(sandbox, admin, "PUT", `${PT}/partners/policy/${m.mappingkey}`, {
      status: "Approved",
    }),
  );
  return p.id as string;
}

const stateOf = (p: Props) => stripProvider(p);

/**
 * What an operator does for the eSignet path: give the deployment client the client scopes
 * eSignet's client management needs (mosip-pms-client has them in keycloak-init).
 */
async function grantEsignetScopes(): Promise<void> {
  const o = sandbox.context.options;
  const t = await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }),
  });
  const kc = ((await t.json()) as { access_token: string }).access_token;
  const base = `${sandbox.url}/auth/admin/realms/mosip`;
  const get = async <T>(path: string) =>
    (await (await fetch(base + path, { headers: { authorization: `Bearer ${kc}` } })).json()) as T;
  const [client] = await get<{ id: string }[]>("/clients?clientId=mosip-deployment-client");
  const scopes = await get<{ id: string; name: string }[]>("/client-scopes");
  for (const name of ["add_oidc_client", "update_oidc_client"]) {
    const scope = scopes.find((s) => s.name === name)!;
    const res = await fetch(`${base}/clients/${client!.id}/default-client-scopes/${scope.id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${kc}` },
    });
    expect(res.status).toBeLessThan(300);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox();
  adminSecret = sandbox.context.options.adminClientSecret;
  admin = await adminToken(sandbox);
  policyId = await authPartnerSetup();
  [provider] = await serializeResourceProviders([
    {
      module: "components/mosip/oidc-client.ts",
      export: "OidcClient",
      args: {
        name: "x",
        logoUri: "https://a.example/l.png",
        redirectUris: ["https://a.example/cb"],
        authPartnerId: "p",
        policyId: "1",
      },
    },
  ]);
  host = await startProviderHost({
    config: stackConfig(sandbox.url),
    secretKeys: ["mosip-crvs:mosipClientSecret"],
  });
});

afterAll(async () => {
  await host?.close();
  await sandbox?.close();
});

const declared = () => ({
  name: "CRVS relying party",
  logoUri: "https://crvs.example.org/logo.png",
  redirectUris: ["https://crvs.example.org/callback"],
  authPartnerId: PARTNER,
  policyId,
});
const full = (over: Props = {}) => ({
  via: "pms",
  grantTypes: ["authorization_code"],
  clientAuthMethods: ["private_key_jwt"],
  status: "ACTIVE",
  ...declared(),
  revision: REV,
  ...over,
});

describe("OidcClient via PMS, generated key", () => {
  const urn = urnFor(TYPE, "crvs-rp");
  let id: string;
  let state: Props;

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "OidcClient", [adminSecret]);
  });

  test("check applies defaults and names each bad property with the fix", async () => {
    const c = await host.check(provider, urn, {}, declared());
    expect(c.failures).toEqual([]);
    expect(stateOf(c.inputs)).toEqual(full());
    const bad = await host.check(
      provider,
      urn,
      {},
      {
        ...declared(),
        policyId: undefined,
        redirectUris: [],
        status: "paused",
        userClaims: ["name"],
        publicKey: { kty: "EC", x: "a" },
      },
    );
    const by = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(by).sort()).toEqual([
      "policyId",
      "publicKey",
      "redirectUris",
      "status",
      "userClaims",
    ]);
    expect(by.publicKey).toMatch(/publicKey kty must be "RSA"/);
    expect(by.status).toMatch(/"ACTIVE" or "INACTIVE"/);
    // The via-specific rules once the fields themselves are valid.
    const rules = await host.check(
      provider,
      urn,
      {},
      { ...declared(), policyId: undefined, userClaims: ["name"] },
    );
    expect(rules.failures.map((f) => f.reason).sort()).toEqual([
      expect.stringMatching(/^policyId: policyId is required via "pms": give the published Auth/),
      expect.stringMatching(/^userClaims: userClaims is not taken via "pms": PMS derives them/),
    ]);
    const es = await host.check(
      provider,
      urn,
      {},
      { ...declared(), via: "esignet", policyId: undefined },
    );
    expect(es.failures.map((f) => f.property).sort()).toEqual(["authContextRefs", "userClaims"]);
  });

  test("create generates a key pair, registers it through PMS under the hashed JWK as id", async () => {
    const c = await host.create(provider, urn, full());
    id = c.id;
    state = stateOf(c.properties);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(oidcClientId(state.publicJwk as Record<string, unknown>)).toBe(id);
    expect(state).toMatchObject({
      ...full(),
      clientId: id,
      keyGenerated: true,
      policyName: "rp-auth-policy",
    });
    expect(state).not.toHaveProperty("publicKey");
    // PMS derived claims and ACRs from the Auth policy.
    expect([...(state.claims as string[])].sort()).toEqual([
      "birthdate",
      "gender",
      "individual_id",
      "name",
    ]);
    expect([...(state.acrValues as string[])].sort()).toEqual([
      "mosip:idp:acr:biometrics",
      "mosip:idp:acr:generated-code",
    ]);
    // The private key (PEM and JWK) signs what the registered public key verifies.
    const pem = state.privateKeyPem as string;
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const data = Buffer.from("client_assertion");
    const pub = createPublicKey({ key: state.publicJwk as never, format: "jwk" });
    expect(verify("sha256", data, pub, sign("sha256", data, createPrivateKey(pem)))).toBe(true);
    const fromJwk = createPrivateKey({ key: state.privateJwk as never, format: "jwk" });
    expect(verify("sha256", data, pub, sign("sha256", data, fromJwk))).toBe(true);
    expect(pmsClients().filter((r) => r.id === id)).toHaveLength(1);
    expect(esignetClients().get(id)).toBeDefined();
    await host.flushLogs();
    expect(findLeaks(host.logs.map((l) => l.message).join("\n"), [pem, adminSecret])).toEqual([]);
  });

  test("read returns the client in the input shape; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    expect(stateOf(r.inputs!)).toEqual(full());
    expect(await host.diff(provider, id, urn, state, full())).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("drift made through PMS is seen by read, and update converges it", async () => {
    ok(
      await call(
        sandbox,
        admin,
        "PUT",
        `${PT}/oidc/client/${id}`,
        {
          clientName: "renamed by hand",
          logoUri: "https://crvs.example.org/logo.png",
          redirectUris: ["https://evil.example/cb"],
          status: "INACTIVE",
          grantTypes: ["authorization_code"],
          clientAuthMethods: ["private_key_jwt"],
        },
        { envelope: "esignet" },
      ),
    );
    const r = await host.read(provider, id, urn, state);
    expect(r.inputs).toMatchObject({
      name: "renamed by hand",
      status: "INACTIVE",
      redirectUris: ["https://evil.example/cb"],
    });
    // The private key survives a refresh (it exists nowhere else).
    expect(r.properties.privateKeyPem).toBe(state.privateKeyPem);
    const d = await host.diff(provider, id, urn, stateOf(r.properties), full());
    expect(d).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
    const u = await host.update(provider, id, urn, stateOf(r.properties), full());
    expect(stateOf(u.properties)).toEqual(state);
    expect(pmsClients().find((c) => c.id === id)).toMatchObject({
      name: "CRVS relying party",
      status: "ACTIVE",
    });
  });

  test("key, policy and partner changes replace; name and status change in place", async () => {
    const d = (over: Props) => host.diff(provider, id, urn, state, full(over));
    expect((await d({ policyId: "other" })).replaces).toEqual(["policyId"]);
    expect((await d({ authPartnerId: "other" })).replaces).toEqual(["authPartnerId"]);
    expect((await d({ publicKey: generateRsaKeyPair().publicJwk })).replaces).toEqual([
      "publicKey",
    ]);
    expect((await d({ via: "esignet" })).replaces).toEqual(["via"]);
    expect(await d({ name: "n2", status: "INACTIVE" })).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("delete sets the client INACTIVE (no delete in MOSIP); read then shows it inactive", async () => {
    await host.delete(provider, id, urn, state);
    expect(pmsClients().find((c) => c.id === id)?.status).toBe("INACTIVE");
    expect(esignetClients().get(id)?.status).toBe("INACTIVE");
    const r = await host.read(provider, id, urn, state);
    expect(r.properties.status).toBe("INACTIVE");
    await host.delete(provider, id, urn, { ...state, status: "INACTIVE" });
  });
});

describe("OidcClient via PMS, supplied key: adoption", () => {
  const urn = urnFor(TYPE, "crvs-rp-supplied");
  const pair = generateRsaKeyPair({ kid: "crvs/supplied-1" });
  // Member order as someone might write it: the check normalises it to PMS's canonical form.
  const given = Object.fromEntries(Object.entries(pair.publicJwk).reverse());

  test("create on a client made by hand adopts it, converging the mutable fields", async () => {
    const made = ok(
      await call(
        sandbox,
        admin,
        "POST",
        `${PT}/oidc/client`,
        {
          ...declared(),
          name: "made in the portal",
          publicKey: given,
          grantTypes: ["authorization_code"],
          clientAuthMethods: ["private_key_jwt"],
        },
        { envelope: "esignet" },
      ),
    );
    const checked = await host.check(provider, urn, {}, { ...declared(), publicKey: given });
    expect(checked.failures).toEqual([]);
    const c = await host.create(provider, urn, stateOf(checked.inputs));
    expect(c.id).toBe(made.clientId);
    expect(c.properties).toMatchObject({
      name: "CRVS relying party",
      keyGenerated: false,
      privateKeyPem: "",
      publicKey: pair.publicJwk,
    });
    expect(pmsClients().filter((r) => r.id === c.id)).toEqual([
      expect.objectContaining({ name: "CRVS relying party" }),
    ]);
    const r = await host.read(provider, c.id, urn, stateOf(c.properties));
    expect(stateOf(r.inputs!)).toEqual(stateOf(checked.inputs));
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /adopted the existing object \(id .+\) and converged name/,
    );
  });

  test("adoption fails naming an immutable field that differs", async () => {
    const err = (await host
      .create(provider, urn, full({ publicKey: pair.publicJwk, authPartnerId: "someone-else" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /already exists in MOSIP .* with a different authPartnerId \(MOSIP has "crvs-oidc-rp"/,
    );
  });
});

describe("OidcClient via eSignet directly (no read-back)", () => {
  const urn = urnFor(TYPE, "crvs-rp-esignet");

  test("without the add_oidc_client scope the failure names the scope to grant", async () => {
    const err = (await host
      .create(provider, urn, { ...stateOfChecked(), esignetClientId: "never-created" })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /refused client "mosip-deployment-client": HTTP 403 .*Give client "mosip-deployment-client" the Keycloak client scope add_oidc_client/,
    );
    await grantEsignetScopes();
    // The provider keeps its Bearer token while it is valid: a new `pulumi up` (a new host) is
    // what picks up the new scopes.
    await host.close();
    host = await startProviderHost({
      config: stackConfig(sandbox.url),
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
  });

  const inputs = () => ({
    via: "esignet",
    name: "CRVS RP direct",
    logoUri: "https://crvs.example.org/logo.png",
    redirectUris: ["https://crvs.example.org/callback"],
    authPartnerId: PARTNER,
    esignetClientId: "crvs-rp-direct",
    userClaims: ["name", "birthdate"],
    authContextRefs: ["mosip:idp:acr:generated-code"],
  });
  let state: Props;
  let checked: Props;
  const stateOfChecked = () => ({
    ...inputs(),
    grantTypes: ["authorization_code"],
    clientAuthMethods: ["private_key_jwt"],
    status: "ACTIVE",
    revision: REV,
  });

  test("create registers the client with eSignet under the chosen id, with a Bearer token", async () => {
    checked = stateOf((await host.check(provider, urn, {}, inputs())).inputs);
    const c = await host.create(provider, urn, checked);
    expect(c.id).toBe("crvs-rp-direct");
    state = stateOf(c.properties);
    expect(state).toMatchObject({
      ...checked,
      clientId: "crvs-rp-direct",
      claims: ["name", "birthdate"],
    });
    const row = esignetClients().get("crvs-rp-direct");
    expect(row).toMatchObject({
      status: "ACTIVE",
      relyingPartyId: PARTNER,
      clientName: "CRVS RP direct",
      userClaims: ["name", "birthdate"],
    });
    // Not in PMS: eSignet clients made directly are invisible to PMS's GET.
    expect(pmsClients().some((r) => r.id === "crvs-rp-direct")).toBe(false);
  });

  test("read returns the stored state; drift made in eSignet is NOT visible; update overwrites it", async () => {
    const r = await host.read(provider, state.clientId as string, urn, state);
    expect(stateOf(r.properties)).toEqual(state);
    expect(stateOf(r.inputs!)).toEqual(checked);
    expect(await host.diff(provider, "crvs-rp-direct", urn, state, checked)).toMatchObject({
      changes: "none",
    });
    const tok = await fetch(`${sandbox.url}/auth/realms/mosip/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "mosip-deployment-client",
        client_secret: adminSecret,
      }),
    });
    const bearer = ((await tok.json()) as { access_token: string }).access_token;
    const res = await fetch(`${sandbox.url}/v1/esignet/client-mgmt/oidc-client/crvs-rp-direct`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        requestTime: new Date().toISOString(),
        request: {
          clientName: "changed in eSignet",
          logoUri: "https://crvs.example.org/logo.png",
          redirectUris: ["https://crvs.example.org/callback"],
          userClaims: ["name"],
          authContextRefs: ["mosip:idp:acr:generated-code"],
          status: "ACTIVE",
          grantTypes: ["authorization_code"],
          clientAuthMethods: ["private_key_jwt"],
        },
      }),
    });
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([]);
    const again = await host.read(provider, "crvs-rp-direct", urn, state);
    expect(stateOf(again.properties)).toEqual(state);
    // A declared change makes an update, whose PUT overwrites every mutable field.
    const u = await host.update(provider, "crvs-rp-direct", urn, state, {
      ...checked,
      name: "CRVS RP v2",
    });
    expect(u.properties.name).toBe("CRVS RP v2");
    expect(esignetClients().get("crvs-rp-direct")).toMatchObject({
      clientName: "CRVS RP v2",
      userClaims: ["name", "birthdate"],
    });
    state = stateOf(u.properties);
  });

  test("create on an existing id adopts it (duplicate_client_id) and converges it; delete deactivates", async () => {
    const before = esignetClients().size;
    const c = await host.create(provider, urn, { ...checked, name: "CRVS RP again" });
    expect(c.id).toBe("crvs-rp-direct");
    expect(esignetClients().size).toBe(before);
    expect(esignetClients().get("crvs-rp-direct")).toMatchObject({ clientName: "CRVS RP again" });
    await host.flushLogs();
    expect(host.logs.map((l) => l.message).join("\n")).toMatch(
      /eSignet already has client id crvs-rp-direct; it cannot be read back/,
    );
    await host.delete(provider, c.id, urn, stateOf(c.properties));
    expect(esignetClients().get("crvs-rp-direct")?.status).toBe("INACTIVE");
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");

  test("a wrong client secret", async () => {
    const wrong = "sandbox-test-wrong-secret";
    const h = await startProviderHost({
      config: { ...stackConfig(sandbox.url), "mosip-crvs:mosipClientSecret": wrong },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, full()).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /^OidcClient OIDC client "CRVS relying party" \(via pms\): create failed: /,
      );
      expect(err.details).toMatch(/Authentication as client "mosip-deployment-client" failed/);
      expect(findLeaks(err.details, [wrong, adminSecret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable MOSIP", async () => {
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}`, { maxRetries: 0 }),
      env: { MOSIP_RETRY_DELAY_MS: "20" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h.create(provider, urn, full()).catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /create failed: .*cannot connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      expect(err.details).toMatch(/Check the host name and port/);
    } finally {
      await h.close();
    }
  });

  test("MOSIP's validation errors (PMS and eSignet) come back with their codes", async () => {
    const before = pmsClients().length;
    const pmsErr = (await host
      .create(provider, urn, full({ policyId: "no-such-policy" }))
      .catch((e) => e)) as ProviderHostError;
    expect(pmsErr.details).toMatch(
      /MOSIP rejected POST .*\/v1\/partnermanager\/oidc\/client: PMS_PRT_073 "Policy not exists\."/,
    );
    expect(pmsClients()).toHaveLength(before);
    const esErr = (await host
      .create(provider, urn, {
        via: "esignet",
        name: "x",
        logoUri: "https://a.example/l.png",
        redirectUris: ["https://a.example/cb"],
        grantTypes: ["implicit"],
        clientAuthMethods: ["private_key_jwt"],
        status: "ACTIVE",
        authPartnerId: PARTNER,
        userClaims: ["name"],
        authContextRefs: ["mosip:idp:acr:generated-code"],
        revision: REV,
      })
      .catch((e) => e)) as ProviderHostError;
    expect(esErr.details).toMatch(
      /MOSIP rejected POST .*\/v1\/esignet\/client-mgmt\/oidc-client: invalid_grant_type/,
    );
    expect(findLeaks(esErr.details + pmsErr.details, [adminSecret])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("create and update succeed and no key is registered twice", async () => {
    const h = await startProviderHost({
      config: stackConfig(sandbox.url),
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    const before = pmsClients().length;
    const ids: string[] = [];
    try {
      const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rate: 0.2,
          kinds: ["5xx", "reset", "delay", "expired-token"],
          delayMs: 300,
          seed: 5,
        }),
      });
      expect(res.status).toBe(200);
      const start = sandbox.requests.length;
      for (let n = 0; n < 4; n++) {
        const u = urnFor(TYPE, `fault-${n}`);
        const c = await h.create(provider, u, full({ name: `fault ${n}` }));
        ids.push(c.id);
        const up = await h.update(
          provider,
          c.id,
          u,
          stateOf(c.properties),
          full({ name: `fault ${n} v2` }),
        );
        expect(up.properties.name).toBe(`fault ${n} v2`);
        expect(up.properties.privateKeyPem).toBe(c.properties.privateKeyPem);
        expect(oidcClientId(c.properties.publicJwk as Record<string, unknown>)).toBe(c.id);
      }
      expect(sandbox.requests.slice(start).filter((r) => r.fault).length).toBeGreaterThan(1);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
      await h.close();
    }
    // One client per create: a lost answer was found again under the same generated key.
    expect(pmsClients()).toHaveLength(before + 4);
    for (const [n, id] of ids.entries())
      expect(pmsClients().find((c) => c.id === id)?.name).toBe(`fault ${n} v2`);
  });
});
