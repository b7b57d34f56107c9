// Test helpers for the PMS sandbox tests: tokens the way the partner onboarder gets them (the
// deployment client through `clientidsecretkey`, a partner's own Keycloak user through
// `internal/useridPwd`), a small kernel-envelope client, and policy fixtures.
import { randomBytes } from "node:crypto";
import type { Sandbox } from "./server";
import { makeCa, makeLeaf, type CertAndKey } from "./testing-certs";

export interface Answer {
  status: number;
  body: {
    id?: string | null;
    version?: string | null;
    response: unknown;
    errors: Array<{ errorCode: string | null; message: string }>;
  } & Record<string, unknown>;
}

/** Sends a kernel request (`{id, version, requesttime, metadata, request}`) with the token cookie. */
export async function call(
  sandbox: Sandbox,
  token: string | undefined,
  method: string,
  path: string,
  request?: unknown,
  opts: { envelope?: "kernel" | "esignet"; raw?: unknown } = {},
): Promise<Answer> {
  let body: string | undefined;
  if (opts.raw !== undefined) body = JSON.stringify(opts.raw);
  else if (request !== undefined) {
    body = JSON.stringify(
      opts.envelope === "esignet"
        ? { requestTime: new Date().toISOString(), request }
        : {
            id: "mosip.pms.test",
            version: "1.0",
            requesttime: new Date().toISOString(),
            metadata: {},
            request,
          },
    );
  }
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      ...(token ? { cookie: `Authorization=${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} } as Answer;
}

/** The errors' codes of an answer (empty on success). */
export function codes(a: Answer): Array<string | null> {
  return (a.body.errors ?? []).map((e) => e.errorCode);
}

/** `POST /v1/authmanager/authenticate/clientidsecretkey`, appId `partner`; token from the header. */
export async function clientToken(
  sandbox: Sandbox,
  clientId: string,
  secretKey: string,
): Promise<string> {
  const res = await fetch(`${sandbox.url}/v1/authmanager/authenticate/clientidsecretkey`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: "string",
      version: "string",
      requesttime: new Date().toISOString(),
      metadata: {},
      request: { clientId, secretKey, appId: "partner" },
    }),
  });
  const token = res.headers.get("authorization");
  if (res.status !== 200 || !token) {
    throw new Error(`authenticate ${clientId}: HTTP ${res.status} ${await res.text()}`);
  }
  return token;
}

/** The onboarder's deployment client (PARTNER_ADMIN, POLICYMANAGER, PARTNERMANAGER ...). */
export function adminToken(sandbox: Sandbox): Promise<string> {
  const o = sandbox.context.options;
  return clientToken(sandbox, o.adminClientId, o.adminClientSecret);
}

async function keycloakAdminToken(sandbox: Sandbox): Promise<string> {
  const o = sandbox.context.options;
  const res = await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`keycloak admin token: HTTP ${res.status}`);
  return body.access_token;
}

/**
 * The onboarder's `create_keycloak_user`: a user of realm `mosip` named like the partner, with a
 * password and realm roles, through the Keycloak admin REST API.
 */
export async function createKeycloakUser(
  sandbox: Sandbox,
  username: string,
  password: string,
  roles: string[],
): Promise<void> {
  const admin = await keycloakAdminToken(sandbox);
  const base = `${sandbox.url}/auth/admin/realms/mosip`;
  const kc = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) {
      throw new Error(`keycloak admin ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    }
    return res;
  };
  await kc("POST", "/users", {
    username,
    firstName: username,
    lastName: "partner",
    email: `${username}@sandbox.test`,
    enabled: true,
    credentials: [{ temporary: false, type: "password", value: password }],
  });
  const [user] = (await (
    await kc("GET", `/users?username=${encodeURIComponent(username)}&exact=true`)
  ).json()) as Array<{ id: string }>;
  const all = (await (await kc("GET", "/roles")).json()) as Array<{ id: string; name: string }>;
  const reps = all.filter((r) => roles.includes(r.name));
  if (reps.length > 0) await kc("POST", `/users/${user.id}/role-mappings/realm`, reps);
}

/** `POST /v1/authmanager/authenticate/internal/useridPwd` through `mosip-pms-client`. */
export async function userToken(
  sandbox: Sandbox,
  username: string,
  password: string,
): Promise<string> {
  const seed = sandbox.context.seed.keycloak as
    { clients: Record<string, { secret: string }> } | undefined;
  const clientSecret = seed?.clients["mosip-pms-client"]?.secret ?? "";
  const res = await fetch(`${sandbox.url}/v1/authmanager/authenticate/internal/useridPwd`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: "string",
      version: "string",
      requesttime: new Date().toISOString(),
      metadata: {},
      request: {
        userName: username,
        password,
        appId: "partner",
        clientId: "mosip-pms-client",
        clientSecret,
      },
    }),
  });
  const body = (await res.json()) as { response?: { token?: string } };
  const token = body.response?.token;
  if (!token) throw new Error(`useridPwd ${username}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return token;
}

/** A partner's own Keycloak user with the given roles, logged in. */
export async function partnerUserToken(
  sandbox: Sandbox,
  username: string,
  roles: string[],
): Promise<string> {
  const password = `sandbox-test-${randomBytes(6).toString("hex")}`;
  await createKeycloakUser(sandbox, username, password, roles);
  return userToken(sandbox, username, password);
}

/** The onboarder's default DataShare policy (default-datashare-policy.json shape). */
export function dataSharePolicy(encryptionType = "Partner Based"): Record<string, unknown> {
  return {
    dataSharePolicies: {
      typeOfShare: "Data Share",
      validForInMinutes: "30",
      transactionsAllowed: "2",
      encryptionType,
      shareDomain: "datashare-service",
      source: "ID Repository",
    },
    shareableAttributes: [
      { attributeName: "fullName", source: [{ attribute: "fullName" }], encrypted: false },
      {
        attributeName: "dateOfBirth",
        source: [{ attribute: "dateOfBirth", filter: [] }],
        encrypted: true,
        format: "yyyy-MM-dd",
      },
    ],
  };
}

/** An Auth policy: non-mandatory OTP + demo + bio, KYC attributes mapping to OIDC claims. */
export function authPolicy(mandatory = false): Record<string, unknown> {
  return {
    authTokenType: "policy",
    allowedAuthTypes: [
      { authType: "otp", authSubType: "", mandatory },
      { authType: "demo", authSubType: "", mandatory: false },
      { authType: "bio", authSubType: "FACE", mandatory: false },
    ],
    allowedKycAttributes: [
      { attributeName: "fullName" },
      { attributeName: "gender" },
      { attributeName: "dateOfBirth" },
      { attributeName: "individual_id" },
    ],
    kycLanguages: ["eng"],
  };
}

/** A CA and a leaf whose O= is `org` (what keymanager compares to the organisation name). */
export async function partnerCerts(org: string): Promise<{ ca: CertAndKey; leaf: CertAndKey }> {
  const ca = await makeCa({ cn: `Sandbox Test CA ${org}`, org });
  const leaf = await makeLeaf(ca, { cn: `sandbox-test-${org}`, org });
  return { ca, leaf };
}
