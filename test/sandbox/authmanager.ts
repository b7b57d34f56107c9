// MOSIP's authmanager (kernel-auth-service, mosip-openid-bridge v1.2.0.1): the token front door of
// every MOSIP client. It maps `appId` to a Keycloak realm, runs the grant against the sandbox's
// Keycloak and hands the token back the way the real controller does (header + cookie for
// `clientidsecretkey`, body for `internal/useridPwd`). `authorize/admin/validateToken` is what the
// WebSub hub calls to learn a caller's user id and roles.
import { kernelErr, kernelOk, Reply, type SandboxRequest, type SandboxResponse } from "./http";
import type { SandboxContext } from "./types";

/** `mosip.kernel.auth.appid-realm-map` of application-default.properties (1.2.0.1). */
const DEFAULT_REALM_MAP: Record<string, string> = Object.fromEntries(
  [
    "prereg",
    "ida",
    "registrationclient",
    "regproc",
    "partner",
    "resident",
    "admin",
    "crereq",
    "creser",
    "datsha",
    "idrepo",
    "hotlist",
    "digitalcard",
    "signup",
  ].map((a) => [a, "mosip"]),
);

const CLIENT_SECRET_SUCCESS = "Clientid and Token combination had been validated successfully";
const USERPWD_SUCCESS = "Username and password combination had been validated successfully";

/** Parses a Spring SpEL map literal such as `{prereg:'mosip',ida:'mosip'}`. */
export function parseSpelMap(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/([\w.-]+)\s*:\s*'([^']*)'/g)) out[m[1]] = m[2];
  return out;
}

/** Reason phrases Spring's RestTemplate puts into `HttpClientErrorException` messages. */
const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
};

/** The token cookie as Tomcat writes `new Cookie("Authorization", jwt)` with MaxAge/Path/HttpOnly. */
function tokenCookie(name: string, token: string, maxAge: number): string {
  const expires = new Date(Date.now() + maxAge * 1000).toUTCString();
  return `${name}=${token}; Max-Age=${maxAge}; Expires=${expires}; Path=/; HttpOnly`;
}

/** The authmanager finds the token in the last cookie whose *name contains* `Authorization`. */
function tokenFromCookies(req: SandboxRequest): { cookies: boolean; token?: string } {
  const header = req.headers.cookie;
  if (!header) return { cookies: false };
  let token: string | undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim().includes("Authorization")) token = part.slice(i + 1).trim();
  }
  return { cookies: true, token };
}

export function register(sb: SandboxContext): void {
  const state = { issued: 0, validated: 0 };
  sb.state.authmanager = state;
  const base = "/v1/authmanager";

  async function property(file: string, key: string): Promise<string | undefined> {
    try {
      return await sb.config.getProperty(file, key);
    } catch {
      // The config server is not up (e.g. a test registering only some services).
      return undefined;
    }
  }

  async function realmOf(appId: unknown, req: SandboxRequest): Promise<string> {
    const raw = await property(
      "application-default.properties",
      "mosip.kernel.auth.appid-realm-map",
    );
    const map = raw ? parseSpelMap(raw) : DEFAULT_REALM_MAP;
    const realm = typeof appId === "string" ? map[appId] : undefined;
    if (!realm) {
      throw new Reply(
        kernelErr(
          { errorCode: "KER-ATH-026", message: `Realm not found:: ${String(appId ?? null)}` },
          req,
        ),
      );
    }
    return realm.toLowerCase();
  }

  async function cookieSettings(): Promise<{ name: string; maxAge: number }> {
    const name =
      (await property("kernel-default.properties", "auth.token.header")) ?? "Authorization";
    const expiry = Number(await property("kernel-default.properties", "auth.jwt.expiry"));
    return { name, maxAge: Number.isFinite(expiry) && expiry > 0 ? expiry : 6000000 };
  }

  /** `@RequestBody @Valid RequestWrapper<T>`: a body that is not JSON or has no `request`. */
  function requestOf(req: SandboxRequest): Record<string, unknown> {
    const body = req.json();
    if (body === undefined || typeof body !== "object" || body === null) {
      throw new Reply(
        kernelErr(
          {
            errorCode: "KER-ATH-019",
            message: "Required request body is missing or is not readable JSON",
          },
          req,
        ),
      );
    }
    const request = (body as { request?: unknown }).request;
    if (request === undefined || request === null || typeof request !== "object") {
      throw new Reply(
        kernelErr({ errorCode: "KER-ATH-019", message: "request must not be null" }, req),
      );
    }
    return request as Record<string, unknown>;
  }

  const str = (v: unknown) => (typeof v === "string" ? v : "");

  sb.router.add("POST", `${base}/authenticate/clientidsecretkey`, async (req) => {
    const r = requestOf(req);
    const realm = await realmOf(r.appId, req);
    const result = await sb.keycloak.clientCredentials(realm, str(r.clientId), str(r.secretKey));
    if (!("token" in result)) {
      // AuthServiceImpl does not catch the RestTemplate exception, so the generic handler answers
      // HTTP 500 with code "500" and Spring's exception text (UNCONFIRMED at runtime, from code).
      const body = JSON.stringify({
        error: result.error,
        ...(result.errorDescription ? { error_description: result.errorDescription } : {}),
      });
      return kernelErr(
        {
          errorCode: "500",
          message: `${result.status} ${REASONS[result.status] ?? ""}: [${body}]`,
        },
        req,
        500,
      );
    }
    state.issued++;
    const { name, maxAge } = await cookieSettings();
    const res: SandboxResponse = kernelOk(
      { status: "Success", message: CLIENT_SECRET_SUCCESS },
      req,
    );
    res.headers = {
      [name]: result.token,
      "set-cookie": tokenCookie(name, result.token, maxAge),
    };
    return res;
  });

  sb.router.add("POST", `${base}/authenticate/internal/useridPwd`, async (req) => {
    const r = requestOf(req);
    const realm = await realmOf(r.appId, req);
    const res = await sb.keycloak.passwordGrant(
      realm,
      str(r.clientId),
      str(r.clientSecret),
      str(r.userName),
      str(r.password),
    );
    if ("error" in res) {
      if (res.status === 401) {
        return kernelErr({ errorCode: "KER-ATH-023", message: "Invalid Credentials" }, req);
      }
      if (res.status === 400) {
        return kernelErr(
          { errorCode: "KER-ATH-004", message: "Error while validating the request" },
          req,
        );
      }
      // AuthServiceImpl passes the error code as the message here.
      return kernelErr({ errorCode: "KER-ATH-500", message: "KER-ATH-500" }, req);
    }
    state.issued++;
    // AuthNResponseDto as authenticateUser fills it: userId is left null by the real service.
    return kernelOk(
      {
        token: res.token,
        message: USERPWD_SUCCESS,
        refreshToken: res.refreshToken ?? null,
        expiryTime: res.expiresIn,
        userId: null,
        refreshExpiryTime: res.refreshExpiresIn ?? 0,
        status: "success",
      },
      req,
    );
  });

  sb.router.add("GET", `${base}/authorize/admin/validateToken`, async (req) => {
    const { cookies, token } = tokenFromCookies(req);
    if (!cookies) {
      return kernelErr({ errorCode: "KER-ATH-006", message: "Cookies are empty" }, req);
    }
    if (!token) {
      return kernelErr(
        { errorCode: "KER-ATH-007", message: "Token is not present in cookies" },
        req,
      );
    }
    const claims = sb.faults.expireNextToken() ? null : await sb.keycloak.verify(token);
    if (!claims) {
      // The real service asks Keycloak's userinfo endpoint; its 401 becomes an
      // AuthenticationServiceException that only the catch-all handler maps: HTTP 500, code "500"
      // (from code, UNCONFIRMED at runtime).
      return kernelErr(
        {
          errorCode: "500",
          message: "Authentication Failed : Invalid Token :Token verification failed",
        },
        req,
        500,
      );
    }
    state.validated++;
    const roles = claims.realm_access?.roles ?? [];
    const { name, maxAge } = await cookieSettings();
    const res = kernelOk(
      {
        userId: claims.preferred_username,
        mobile: typeof claims.mobile === "string" ? claims.mobile : null,
        mail: typeof claims.email === "string" ? claims.email : null,
        langCode: null,
        userPassword: null,
        name: claims.preferred_username,
        // Comma-joined with a trailing comma, as getClaims builds it.
        role: roles.map((r) => `${r},`).join(""),
        rId: typeof claims.rid === "string" ? claims.rid : null,
        token,
      },
      req,
    );
    res.headers = { "set-cookie": tokenCookie(name, token, maxAge) };
    return res;
  });
}
