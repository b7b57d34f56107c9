// A fake MOSIP for the client's tests: authmanager (clientidsecretkey with the token in the
// Authorization header and/or cookie, useridPwd with the token in the body), the Keycloak token
// endpoint, and a few kernel/PMS/packet-manager/regproc/eSignet/hub routes answering per the
// contract (§1, §7.1, §9, §10), with injectable faults and a log of every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";

export const CLIENT_ID = "sandbox-test-crvs-client";
export const SECRET_KEY = "sandbox-test-secret-key-0001";
export const USER = {
  userName: "sandbox-test-partner",
  password: "sandbox-test-user-password-0002",
  appId: "partner",
  clientId: "sandbox-test-pms-client",
  clientSecret: "sandbox-test-pms-client-secret-0003",
};
export const HUB_SECRET = "sandbox-test-hub-secret-0004";
export const KERNEL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every token the fake MOSIP issued. */
export const issued: string[] = [];

export type Fault = "503" | "502html" | "reset" | "hang" | "401" | "ath401body";

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A fake MOSIP: authmanager, Keycloak token endpoint, a few kernel/PMS/eSignet/hub routes. */
export class FakeMosip {
  requests: Seen[] = [];
  valid = new Set<string>();
  tokenIn: "header" | "cookie" | "both" = "both";
  faults = new Map<string, Fault[]>();
  server: Server;
  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }
  fault(path: string, ...f: Fault[]): void {
    this.faults.set(path, f);
  }
  issue(): string {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const t = `${b64({ alg: "RS256" })}.${b64({ sub: CLIENT_ID, exp, jti: randomBytes(8).toString("hex") })}.${randomBytes(24).toString("base64url")}`;
    this.valid.add(t);
    issued.push(t);
    return t;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    this.requests.push({ method: req.method ?? "", path, headers: req.headers, body });
    const send = (
      status: number,
      b: unknown,
      headers: Record<string, string | string[]> = {},
    ): void => {
      const text = typeof b === "string" ? b : JSON.stringify(b);
      res.writeHead(status, {
        "content-type": typeof b === "string" ? "text/html" : "application/json",
        ...headers,
      });
      res.end(text);
    };
    const envelope = (response: unknown, errors: unknown = []): object => ({
      id: "mosip.test",
      version: "v1",
      responsetime: new Date().toISOString(),
      metadata: null,
      response,
      errors,
    });
    const fault = this.faults.get(path)?.shift();
    if (fault === "503")
      return send(503, envelope(null, [{ errorCode: "503", message: "Service Unavailable" }]));
    if (fault === "502html")
      return send(
        502,
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
      );
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "hang") return;
    if (fault === "401") this.valid.clear();
    const json = (): { request?: Record<string, unknown> } & Record<string, unknown> =>
      JSON.parse(body);

    if (path === "/v1/authmanager/authenticate/clientidsecretkey") {
      const r = json().request ?? {};
      if (r.appId !== "partner")
        return send(
          200,
          envelope(null, [
            { errorCode: "KER-ATH-026", message: `Realm not found:: ${String(r.appId)}` },
          ]),
        );
      if (r.clientId !== CLIENT_ID || r.secretKey !== SECRET_KEY)
        return send(
          500,
          envelope(null, [
            {
              errorCode: "500",
              message:
                '401 Unauthorized: [{"error":"unauthorized_client","error_description":"Invalid client secret"}]',
            },
          ]),
        );
      const t = this.issue();
      const h: Record<string, string | string[]> = {};
      if (this.tokenIn !== "cookie") h.authorization = t;
      if (this.tokenIn !== "header")
        h["set-cookie"] = [`Other=1; Path=/`, `Authorization=${t}; Max-Age=3600; Path=/; HttpOnly`];
      return send(
        200,
        envelope({
          status: "Success",
          message: "Clientid and Token combination had been validated successfully",
        }),
        h,
      );
    }
    if (path === "/v1/authmanager/authenticate/internal/useridPwd") {
      const r = json().request ?? {};
      if (
        r.userName !== USER.userName ||
        r.password !== USER.password ||
        r.clientSecret !== USER.clientSecret
      )
        return send(
          200,
          envelope(null, [{ errorCode: "KER-ATH-007", message: "Invalid user credentials" }]),
        );
      return send(
        200,
        envelope({
          token: this.issue(),
          refreshToken: "r",
          expiryTime: 3600,
          userId: USER.userName,
          status: "success",
        }),
      );
    }
    if (path === "/auth/realms/mosip/protocol/openid-connect/token") {
      const f = new URLSearchParams(body);
      if (f.get("grant_type") !== "client_credentials" || f.get("client_secret") !== SECRET_KEY)
        return send(401, {
          error: "unauthorized_client",
          error_description: "Invalid client or Invalid client credentials",
        });
      return send(200, { access_token: this.issue(), expires_in: 300, token_type: "Bearer" });
    }

    // Protected routes. eSignet wants a Bearer token; everything else the cookie (first cookie).
    const esignet = path.startsWith("/v1/esignet/");
    const token = esignet
      ? /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]
      : /^Authorization=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    if (!token || !this.valid.has(token) || fault === "401")
      return send(
        401,
        envelope(null, [{ errorCode: "KER-ATH-401", message: "Authentication Failed" }]),
      );
    if (fault === "ath401body")
      return send(
        200,
        envelope(null, [{ errorCode: "KER-ATH-401", message: "Authentication Failed" }]),
      );

    if (path === "/v1/masterdata/zones")
      return send(200, envelope({ zones: [{ code: "NTH" }], query: url.search }));
    if (path === "/v1/masterdata/truncated") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end('{"id":"mosip.test","response":{"zones":[{"code":"NT');
    }
    if (path === "/v1/partnermanager/partners" && req.method === "POST")
      return send(
        200,
        envelope(null, [
          { errorCode: "PMS_PRT_005", message: "Partner already registered with id" },
          { errorCode: "PMS_COR_001", message: "second" },
        ]),
      );
    if (path === "/v1/partnermanager/partners/new")
      return send(200, envelope({ partnerId: "p1", status: "InProgress" }));
    if (path === "/commons/v1/packetmanager/createPacket") return send(200, envelope(null));
    if (path === "/registrationprocessor/v1/workflowmanager/workflowinstance")
      return send(200, {
        ...envelope({ workflowInstanceId: "7c8e3f5a-0000-4000-8000-000000000001" }),
        errors: null,
      });
    if (path === "/v1/esignet/client-mgmt/oidc-client") {
      const b = json();
      const skew = Math.abs(Date.parse(String(b.requestTime)) - Date.now());
      if (!(skew < 120_000) || "id" in b)
        return send(200, {
          responseTime: new Date().toISOString(),
          response: null,
          errors: [{ errorCode: "invalid_request", errorMessage: "invalid_request" }],
        });
      if (b.request?.clientId === "dup")
        return send(200, {
          responseTime: new Date().toISOString(),
          response: null,
          errors: [{ errorCode: "duplicate_client_id", errorMessage: "Client id already exists" }],
        });
      return send(200, {
        responseTime: new Date().toISOString(),
        response: { clientId: b.request?.clientId, status: "ACTIVE" },
        errors: [],
      });
    }
    if (path === "/hub") {
      const f = new URLSearchParams(body);
      const h = { "content-type": "application/x-www-form-urlencoded" };
      if (f.get("hub.topic") === "other-partner/CREDENTIAL_ISSUED")
        return send(500, "hub.mode=denied&hub.reason=Subscriber+is+not+authorized", h);
      if (f.get("hub.mode") === "register")
        return send(200, "hub.mode=denied&hub.reason=Topic+has+already+registered+with+the+Hub", h);
      return send(202, "", h);
    }
    return send(404, "<html><head><title>404 Not Found</title></head><body>nope</body></html>");
  }
}
