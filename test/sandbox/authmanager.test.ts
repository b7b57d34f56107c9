// The sandbox's authmanager: token hand-over shapes (header + cookie, body), appId -> realm
// mapping, the errors MOSIP's controller produces, and validateToken as the WebSub hub uses it.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "./server";
import {
  newUser,
  roleByName,
  setPassword,
  type KcRealm,
  type KcRole,
  type KeycloakSeed,
  type KeycloakState,
} from "./keycloak";

let sandbox: Sandbox;
let kc: KeycloakSeed;

beforeAll(async () => {
  sandbox = await startSandbox();
  kc = sandbox.context.seed.keycloak as KeycloakSeed;
});
afterAll(async () => {
  await sandbox?.close();
});

interface Envelope {
  id: string | null;
  version: string | null;
  response: Record<string, unknown> | null;
  errors: Array<{ errorCode: string; message: string }>;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.url}/v1/authmanager${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, body: (await res.json()) as Envelope };
}

function clientSecretKey(clientId: string, secretKey: string, appId: string) {
  return post("/authenticate/clientidsecretkey", {
    id: "string",
    version: "string",
    requesttime: new Date().toISOString(),
    metadata: {},
    request: { clientId, secretKey, appId },
  });
}

async function validate(cookie?: string) {
  const res = await fetch(`${sandbox.url}/v1/authmanager/authorize/admin/validateToken`, {
    headers: cookie ? { cookie } : {},
  });
  return { res, body: (await res.json()) as Envelope };
}

describe("clientidsecretkey", () => {
  it("returns the raw JWT in the Authorization header and an HttpOnly cookie, not in the body", async () => {
    const o = sandbox.context.options;
    const { res, body } = await clientSecretKey(o.adminClientId, o.adminClientSecret, "ida");
    expect(res.status).toBe(200);
    expect(body.errors).toEqual([]);
    expect(body.id).toBe("string");
    expect(body.response).toEqual({
      status: "Success",
      message: "Clientid and Token combination had been validated successfully",
    });
    const header = res.headers.get("authorization");
    expect(header).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    const cookie = res.headers.get("set-cookie") ?? "";
    const parts = cookie.split(";").map((s) => s.trim());
    expect(parts[0]).toBe(`Authorization=${header}`);
    // auth.jwt.expiry of kernel-default.properties.
    expect(parts).toContain("Max-Age=6000000");
    expect(parts).toContain("Path=/");
    expect(parts).toContain("HttpOnly");
    expect(JSON.stringify(body)).not.toContain(String(header));
    const claims = decodeJwt(String(header));
    expect(claims.azp).toBe(o.adminClientId);
    expect(claims.iss).toBe(`${sandbox.url}/auth/realms/mosip`);
  });

  it("maps every 1.2.0.1 appId to realm mosip and rejects others with KER-ATH-026", async () => {
    const secret = kc.clients["mosip-regproc-client"].secret;
    for (const appId of ["regproc", "partner", "admin", "resident"]) {
      const { res } = await clientSecretKey("mosip-regproc-client", secret, appId);
      expect(res.status).toBe(200);
      expect(res.headers.get("authorization")).toBeTruthy();
    }
    const { res, body } = await clientSecretKey("mosip-regproc-client", secret, "opencrvs");
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(body.response).toBeNull();
    expect(body.errors).toEqual([
      { errorCode: "KER-ATH-026", message: "Realm not found:: opencrvs" },
    ]);
  });

  it("answers a wrong secret with HTTP 500 errorCode 500 carrying Keycloak's 401", async () => {
    const { res, body } = await clientSecretKey("mosip-regproc-client", "wrong-secret", "regproc");
    expect(res.status).toBe(500);
    expect(res.headers.get("authorization")).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].errorCode).toBe("500");
    expect(body.errors[0].message).toMatch(/^401 Unauthorized: \[\{"error":"invalid_client"/);
  });

  it("rejects a body without request", async () => {
    const { res, body } = await post("/authenticate/clientidsecretkey", { id: "x" });
    expect(res.status).toBe(200);
    expect(body.errors[0].errorCode).toBe("KER-ATH-019");
  });
});

describe("internal/useridPwd", () => {
  it("returns the token in the body for a Keycloak user", async () => {
    // A partner-manager user with PARTNER_ADMIN, created in the Keycloak model directly (the admin
    // REST API has its own tests in keycloak.test.ts).
    const realm = (sandbox.context.state.keycloak as KeycloakState).realms.get("mosip") as KcRealm;
    const user = newUser(realm, "crvs-partner-manager");
    setPassword(user, "sandbox-user-password", false);
    user.roles.add((roleByName(realm, "PARTNER_ADMIN") as KcRole).id);
    realm.users.set(user.id, user);

    const request = {
      userName: "crvs-partner-manager",
      password: "sandbox-user-password",
      appId: "partner",
      clientId: "mosip-pms-client",
      clientSecret: kc.clients["mosip-pms-client"].secret,
    };
    const { res, body } = await post("/authenticate/internal/useridPwd", {
      id: "string",
      version: "string",
      requesttime: new Date().toISOString(),
      request,
    });
    expect(res.status).toBe(200);
    expect(body.errors).toEqual([]);
    const r = body.response as Record<string, unknown>;
    expect(r.status).toBe("success");
    expect(r.message).toBe("Username and password combination had been validated successfully");
    expect(r.expiryTime).toBe(sandbox.context.options.tokenLifetime);
    expect(r.refreshToken).toBeTypeOf("string");
    const claims = decodeJwt(String(r.token));
    expect(claims.preferred_username).toBe("crvs-partner-manager");
    expect(claims.azp).toBe("mosip-pms-client");
    expect((claims.realm_access as { roles: string[] }).roles).toContain("PARTNER_ADMIN");

    const wrong = await post("/authenticate/internal/useridPwd", {
      request: { ...request, password: "wrong" },
    });
    expect(wrong.res.status).toBe(200);
    expect(wrong.body.errors).toEqual([
      { errorCode: "KER-ATH-023", message: "Invalid Credentials" },
    ]);

    const badApp = await post("/authenticate/internal/useridPwd", {
      request: { ...request, appId: "nope" },
    });
    expect(badApp.body.errors[0].errorCode).toBe("KER-ATH-026");
  });
});

describe("authorize/admin/validateToken", () => {
  it("returns userId and the comma-joined roles with a trailing comma", async () => {
    const o = sandbox.context.options;
    const { res: login } = await clientSecretKey(o.adminClientId, o.adminClientSecret, "ida");
    const token = String(login.headers.get("authorization"));
    const { res, body } = await validate(`other=1; Authorization=${token}`);
    expect(res.status).toBe(200);
    const r = body.response as Record<string, string>;
    expect(r.userId).toBe(`service-account-${o.adminClientId}`);
    expect(r.token).toBe(token);
    expect(r.role.endsWith(",")).toBe(true);
    const roles = r.role.split(",").filter(Boolean);
    expect(roles).toEqual(expect.arrayContaining(kc.clients[o.adminClientId].roles));
    expect(res.headers.get("set-cookie")).toContain(`Authorization=${token}`);
  });

  it("reports missing cookies, a missing token and an invalid token", async () => {
    const none = await validate();
    expect(none.res.status).toBe(200);
    expect(none.body.errors[0]).toEqual({ errorCode: "KER-ATH-006", message: "Cookies are empty" });
    const noToken = await validate("foo=bar");
    expect(noToken.body.errors[0].errorCode).toBe("KER-ATH-007");
    const bad = await validate("Authorization=eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    expect(bad.res.status).toBe(500);
    expect(bad.body.response).toBeNull();
    expect(bad.body.errors[0].message).toContain("Invalid Token");
  });
});
