// The MOSIP client against a local server that answers like MOSIP per the contract (§1, §7.1, §9,
// §10): real HTTP on 127.0.0.1, real TLS with a generated CA, counted requests.
import "reflect-metadata"; // @peculiar/x509 (tsyringe) needs a Reflect polyfill before it loads
import { createServer as createHttpsServer } from "node:https";
import { KeyObject, webcrypto } from "node:crypto";
import type { AddressInfo } from "node:net";
import * as x509 from "@peculiar/x509";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MosipClient, type MosipClientOptions } from "../../components/mosip/client";
import {
  isErrorCode,
  MosipApiError,
  MosipAuthError,
  MosipConfigError,
  MosipError,
  MosipHttpError,
  MosipHubError,
  MosipNetworkError,
} from "../../components/mosip/errors";

import {
  CLIENT_ID,
  FakeMosip,
  HUB_SECRET,
  issued,
  KERNEL_TIME,
  SECRET_KEY,
  USER,
} from "./fake-mosip";

x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto);

/** Everything a test saw that a person could read: log lines and error messages/fields. */
const seen: string[] = [];

let mosip: FakeMosip;
let base: string;
let clients: MosipClient[] = [];
const logs: string[] = [];

function client(extra: Partial<MosipClientOptions> = {}): MosipClient {
  const c = new MosipClient({
    apiBaseUrl: base,
    credentials: { clientId: CLIENT_ID, secretKey: SECRET_KEY, appId: "partner" },
    keycloak: { url: `${base}/auth`, realm: "mosip" },
    retries: 3,
    retryDelayMs: 5,
    timeoutMs: 2000,
    log: (l) => logs.push(l),
    ...extra,
  });
  clients.push(c);
  return c;
}

/** Awaits a rejection and records everything readable about the error. */
async function failure<E extends MosipError>(
  p: Promise<unknown>,
  cls: new (...a: never[]) => E,
): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  const e = err as E;
  seen.push(e.message, JSON.stringify({ ...e }), String(e.stack));
  return e;
}

beforeEach(async () => {
  mosip = new FakeMosip();
  base = await mosip.start();
  logs.length = 0;
});
afterEach(async () => {
  seen.push(...logs);
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  await mosip.stop();
});

describe("authentication", () => {
  it("takes the token from the Authorization header and sends it back as the first cookie", async () => {
    mosip.tokenIn = "header";
    const c = client();
    const r = await c.kernel<{ zones: { code: string }[] }>("GET", "/v1/masterdata/zones");
    expect(r.zones[0]!.code).toBe("NTH");
    const call = mosip.requests.find((x) => x.path === "/v1/masterdata/zones")!;
    expect(call.headers.cookie).toBe(`Authorization=${issued.at(-1)}`);
    expect(call.headers.authorization).toBeUndefined();
    const login = JSON.parse(mosip.requests[0]!.body);
    expect(login.request).toEqual({ clientId: CLIENT_ID, secretKey: SECRET_KEY, appId: "partner" });
    expect(login.requesttime).toMatch(KERNEL_TIME);
  });

  it("takes the token from the Set-Cookie Authorization cookie when there is no header", async () => {
    mosip.tokenIn = "cookie";
    const c = client();
    await c.kernel("GET", "/v1/masterdata/zones");
    expect(mosip.requests.at(-1)!.headers.cookie).toBe(`Authorization=${issued.at(-1)}`);
  });

  it("logs in lazily, once, and reuses the token per client instance", async () => {
    const c = client();
    expect(mosip.requests).toHaveLength(0);
    await Promise.all([
      c.kernel("GET", "/v1/masterdata/zones"),
      c.kernel("GET", "/v1/masterdata/zones"),
    ]);
    await c.kernel("GET", "/v1/masterdata/zones");
    expect(mosip.count("/v1/authmanager/authenticate/clientidsecretkey")).toBe(1);
    // A second instance has its own token (no module-level cache).
    await client().kernel("GET", "/v1/masterdata/zones");
    expect(mosip.count("/v1/authmanager/authenticate/clientidsecretkey")).toBe(2);
  });

  it("re-authenticates exactly once on 401 and on a KER-ATH-401 body", async () => {
    const c = client();
    await c.kernel("GET", "/v1/masterdata/zones");
    mosip.fault("/v1/masterdata/zones", "401");
    await c.kernel("GET", "/v1/masterdata/zones");
    expect(mosip.count("/v1/authmanager/authenticate/clientidsecretkey")).toBe(2);
    expect(mosip.count("/v1/masterdata/zones")).toBe(3);
    mosip.fault("/v1/masterdata/zones", "ath401body");
    await c.kernel("GET", "/v1/masterdata/zones");
    expect(mosip.count("/v1/authmanager/authenticate/clientidsecretkey")).toBe(3);
  });

  it("gives up with MosipAuthError when a fresh token is refused too (no loop)", async () => {
    const c = client();
    mosip.fault("/v1/masterdata/zones", "401", "401", "401");
    const e = await failure(c.kernel("GET", "/v1/masterdata/zones"), MosipAuthError);
    expect(mosip.count("/v1/masterdata/zones")).toBe(2);
    expect(mosip.count("/v1/authmanager/authenticate/clientidsecretkey")).toBe(2);
    expect(e.status).toBe(401);
    expect(e.errorCode).toBe("KER-ATH-401");
    expect(e.message).toContain(`GET ${base}/v1/masterdata/zones`);
  });

  it("names the client and what to check when the secret is wrong, without retrying or leaking it", async () => {
    const c = client({
      credentials: {
        clientId: CLIENT_ID,
        secretKey: "sandbox-test-wrong-secret",
        appId: "partner",
      },
    });
    const e = await failure(c.kernel("GET", "/v1/masterdata/zones"), MosipAuthError);
    expect(e.credential).toContain(CLIENT_ID);
    expect(e.message).toMatch(/mosip\.secretKey/);
    expect(e.message).not.toContain("sandbox-test-wrong-secret");
    expect(mosip.count("/v1/authmanager/authenticate/clientidsecretkey")).toBe(1);
    expect(mosip.count("/v1/masterdata/zones")).toBe(0);
  });

  it("reports an unknown appId (KER-ATH-026) as an authentication error with its code", async () => {
    const c = client({
      credentials: { clientId: CLIENT_ID, secretKey: SECRET_KEY, appId: "nope" },
    });
    const e = await failure(c.kernel("GET", "/v1/masterdata/zones"), MosipAuthError);
    expect(isErrorCode(e, "KER-ATH-026")).toBe(true);
    expect(e.message).toMatch(/mosip\.appId/);
  });

  it("asUser logs in through useridPwd (token in the body) and uses that token", async () => {
    const c = client().asUser(USER);
    clients.push(c);
    await c.kernel("GET", "/v1/partnermanager/partners/new");
    const login = mosip.requests.find((r) => r.path.endsWith("/useridPwd"))!;
    expect(JSON.parse(login.body).request).toEqual(USER);
    expect(mosip.requests.at(-1)!.headers.cookie).toBe(`Authorization=${issued.at(-1)}`);
    const bad = client().asUser({ ...USER, password: "sandbox-test-bad-password" });
    clients.push(bad);
    const e = await failure(bad.kernel("GET", "/v1/partnermanager/partners/new"), MosipAuthError);
    expect(e.message).toContain(`user "${USER.userName}"`);
    expect(e.message).not.toContain("sandbox-test-bad-password");
  });

  it("asUser takes the login's appId and client from the caller's credentials unless given", async () => {
    const admin = client({
      credentials: { clientId: USER.clientId, secretKey: USER.clientSecret, appId: USER.appId },
    });
    const c = admin.asUser({ userName: USER.userName, password: USER.password });
    clients.push(c);
    await c.kernel("GET", "/v1/partnermanager/partners/new");
    const login = mosip.requests.find((r) => r.path.endsWith("/useridPwd"))!;
    expect(JSON.parse(login.body).request).toEqual(USER);
  });

  it("withCredentials logs in with the other client's credentials over the same connection", async () => {
    const wrong = client({
      credentials: {
        clientId: "sandbox-test-other",
        secretKey: "sandbox-test-other-secret",
        appId: "partner",
      },
    });
    const c = wrong.withCredentials({ clientId: CLIENT_ID, secretKey: SECRET_KEY });
    clients.push(c);
    const before = logs.length;
    await c.kernel("GET", "/v1/masterdata/zones");
    const login = mosip.requests.find((r) => r.path.endsWith("/clientidsecretkey"))!;
    // appId comes from the original client; the fake refuses any other.
    expect(JSON.parse(login.body).request).toMatchObject({
      clientId: CLIENT_ID,
      secretKey: SECRET_KEY,
      appId: "partner",
    });
    // The original's log function sees the new client's requests.
    expect(logs.slice(before).some((l) => l.includes("/v1/masterdata/zones"))).toBe(true);
    // The original is unchanged: it still fails with its own credentials.
    const e = await failure(wrong.kernel("GET", "/v1/masterdata/zones"), MosipAuthError);
    expect(e.message).toContain("sandbox-test-other");
    expect(e.message).not.toContain("sandbox-test-other-secret");
  });
});

describe("envelopes and MOSIP's error conventions", () => {
  it("wraps requests in the kernel envelope and returns `response`", async () => {
    const c = client();
    const r = await c.kernel<{ workflowInstanceId: string }>(
      "POST",
      "/registrationprocessor/v1/workflowmanager/workflowinstance",
      {
        request: { registrationId: "10001100010000120250101000000", process: "CRVS_NEW" },
        id: "mosip.registration.processor.workflow.instance",
        version: "v1",
      },
    );
    expect(r.workflowInstanceId).toMatch(/^7c8e/); // errors: null on success (§10)
    const b = JSON.parse(mosip.requests.at(-1)!.body);
    expect(b).toMatchObject({
      id: "mosip.registration.processor.workflow.instance",
      version: "v1",
      metadata: {},
    });
    expect(b.requesttime).toMatch(KERNEL_TIME);
    expect(mosip.requests.at(-1)!.headers["content-type"]).toBe("application/json");
  });

  it("sends the eSignet-style request envelope to PMS OIDC endpoints when asked (cookie auth)", async () => {
    await client().kernel("POST", "/v1/masterdata/zones", {
      request: { name: "c" },
      envelope: "esignet-request",
    });
    const call = mosip.requests.at(-1)!;
    const b = JSON.parse(call.body);
    expect(Object.keys(b).sort()).toEqual(["request", "requestTime"]);
    expect(b.requestTime).toMatch(KERNEL_TIME);
    expect(call.headers.cookie).toBe(`Authorization=${issued.at(-1)}`);
  });

  it("passes query parameters", async () => {
    const r = await client().kernel<{ query: string }>("GET", "/v1/masterdata/zones", {
      query: { langCode: "eng", page: 2, all: true },
    });
    expect(r.query).toBe("?langCode=eng&page=2&all=true");
  });

  it("turns HTTP 200 + errors[] into MosipApiError carrying every error", async () => {
    const e = await failure(
      client().kernel("POST", "/v1/partnermanager/partners", { request: { partnerId: "p1" } }),
      MosipApiError,
    );
    expect(e.errorCode).toBe("PMS_PRT_005");
    expect(e.errors).toHaveLength(2);
    expect(isErrorCode(e, "PMS_COR_001")).toBe(true);
    expect(isErrorCode(e, "PMS_PRT_999")).toBe(false);
    expect(e.method).toBe("POST");
    expect(e.url).toBe(`${base}/v1/partnermanager/partners`);
    expect(e.message).toContain("Partner already registered");
  });

  it("treats createPacket's HTTP 200 with response: null as a failure (§9)", async () => {
    const e = await failure(
      client().kernel("PUT", "/commons/v1/packetmanager/createPacket", { request: { id: "1" } }),
      MosipApiError,
    );
    expect(e.errorCode).toBe("MOSIP-NULL-RESPONSE");
    expect(e.message).toMatch(/packet manager/i);
  });

  it("summarises an HTML error page instead of dumping it, after retrying a GET", async () => {
    mosip.fault("/v1/masterdata/zones", "502html", "502html", "502html", "502html");
    const e = await failure(client().kernel("GET", "/v1/masterdata/zones"), MosipHttpError);
    expect(e.status).toBe(502);
    expect(e.excerpt).toBe('an HTML page "502 Bad Gateway"');
    expect(e.message).not.toContain("<");
    expect(e.message).toContain("after 4 attempts");
    expect(mosip.count("/v1/masterdata/zones")).toBe(4);
  });

  it("reports truncated JSON on HTTP 200 as MosipHttpError", async () => {
    const e = await failure(client().kernel("GET", "/v1/masterdata/truncated"), MosipHttpError);
    expect(e.status).toBe(200);
    expect(e.message).toMatch(/not a MOSIP JSON envelope/);
    expect(e.message).toMatch(/invalid JSON/);
    expect(mosip.count("/v1/masterdata/truncated")).toBe(1);
  });

  it("reports a 404 with the setting to check", async () => {
    const e = await failure(client().kernel("GET", "/v1/nowhere"), MosipHttpError);
    expect(e.status).toBe(404);
    expect(e.message).toMatch(/mosip\.apiBaseUrl/);
  });
});

describe("retries", () => {
  it("retries a GET on 503 and on a connection reset, with backoff", async () => {
    const c = client({ retryDelayMs: 40 });
    mosip.fault("/v1/masterdata/zones", "503", "reset", "503");
    const t0 = Date.now();
    await c.kernel("GET", "/v1/masterdata/zones");
    expect(mosip.count("/v1/masterdata/zones")).toBe(4);
    // Full jitter: each delay is random in [0, 40 * 2^n), so only an upper bound is certain.
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(logs.filter((l) => l.includes("/v1/masterdata/zones"))).toHaveLength(4);
  });

  it("gives up after `retries` retries on persistent 503", async () => {
    mosip.fault("/v1/masterdata/zones", "503", "503", "503", "503", "503");
    const e = await failure(
      client({ retries: 2 }).kernel("GET", "/v1/masterdata/zones"),
      MosipHttpError,
    );
    expect(mosip.count("/v1/masterdata/zones")).toBe(3);
    expect(e.status).toBe(503);
    expect(e.transient).toBe(true);
  });

  it("retries a timed-out attempt (timeout per attempt)", async () => {
    mosip.fault("/v1/masterdata/zones", "hang", "hang");
    const c = client({ timeoutMs: 150 });
    await c.kernel("GET", "/v1/masterdata/zones");
    expect(mosip.count("/v1/masterdata/zones")).toBe(3);
    mosip.fault("/v1/masterdata/zones", "hang", "hang");
    const e = await failure(
      client({ timeoutMs: 150, retries: 1 }).kernel("GET", "/v1/masterdata/zones"),
      MosipNetworkError,
    );
    expect(e.code).toBe("ETIMEDOUT");
    expect(e.message).toMatch(/mosip\.timeoutMs/);
  });

  it("retries a POST marked idempotent", async () => {
    mosip.fault("/registrationprocessor/v1/workflowmanager/workflowinstance", "503", "reset");
    await client().kernel("POST", "/registrationprocessor/v1/workflowmanager/workflowinstance", {
      request: {},
      idempotent: true,
    });
    expect(mosip.count("/registrationprocessor/v1/workflowmanager/workflowinstance")).toBe(3);
  });

  it("never retries a plain POST (503 or reset mid-flight)", async () => {
    const path = "/registrationprocessor/v1/workflowmanager/workflowinstance";
    mosip.fault(path, "503");
    const e1 = await failure(client().kernel("POST", path, { request: {} }), MosipHttpError);
    expect(e1.status).toBe(503);
    expect(mosip.count(path)).toBe(1);
    mosip.fault(path, "reset");
    const e2 = await failure(client().kernel("POST", path, { request: {} }), MosipNetworkError);
    expect(e2.message).toMatch(/Not retried/);
    expect(mosip.count(path)).toBe(2);
  });

  it("names the host of an unreachable service", async () => {
    const dead = new FakeMosip();
    const deadBase = await dead.start();
    await dead.stop();
    const e = await failure(
      client({ apiBaseUrl: deadBase, retries: 1 }).kernel("GET", "/v1/masterdata/zones"),
      MosipNetworkError,
    );
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.host).toBe(new URL(deadBase).host);
    expect(e.message).toContain(new URL(deadBase).host);
    expect(e.message).toContain("(attempt 2)");
  });
});

describe("eSignet", () => {
  it("uses a Keycloak client-credentials Bearer token and the eSignet envelope", async () => {
    const c = client();
    const r = await c.esignet<{ clientId: string }>("POST", "/v1/esignet/client-mgmt/oidc-client", {
      clientId: "c1",
    });
    expect(r.clientId).toBe("c1");
    const tokenCall = mosip.requests.find((x) => x.path.endsWith("/openid-connect/token"))!;
    const form = new URLSearchParams(tokenCall.body);
    expect(form.get("grant_type")).toBe("client_credentials");
    expect(form.get("client_id")).toBe(CLIENT_ID);
    const call = mosip.requests.at(-1)!;
    expect(call.headers.authorization).toBe(`Bearer ${issued.at(-1)}`);
    expect(call.headers.cookie).toBeUndefined();
    expect(Object.keys(JSON.parse(call.body)).sort()).toEqual(["request", "requestTime"]);
  });

  it("reads eSignet errors (errorMessage) and does not retry a POST", async () => {
    const e = await failure(
      client().esignet("POST", "/v1/esignet/client-mgmt/oidc-client", { clientId: "dup" }),
      MosipApiError,
    );
    expect(e.errorCode).toBe("duplicate_client_id");
    expect(e.errors[0]!.message).toBe("Client id already exists");
    expect(e.message).toContain("Client id already exists");
  });

  it("refreshes the Bearer token once on 401", async () => {
    const c = client();
    await c.esignet("PUT", "/v1/esignet/client-mgmt/oidc-client", { clientId: "c1" });
    mosip.valid.clear();
    await c.esignet("PUT", "/v1/esignet/client-mgmt/oidc-client", { clientId: "c1" });
    expect(mosip.count("/auth/realms/mosip/protocol/openid-connect/token")).toBe(2);
  });

  it("reports a refused Keycloak secret and a missing Keycloak setting clearly", async () => {
    const c = client({
      credentials: {
        clientId: CLIENT_ID,
        secretKey: "sandbox-test-bad-kc-secret",
        appId: "partner",
      },
    });
    const e = await failure(
      c.esignet("POST", "/v1/esignet/client-mgmt/oidc-client", {}),
      MosipAuthError,
    );
    expect(e.errorCode).toBe("unauthorized_client");
    expect(e.message).not.toContain("sandbox-test-bad-kc-secret");
    const e2 = await failure(
      client({ keycloak: undefined }).esignet("POST", "/v1/esignet/client-mgmt/oidc-client", {}),
      MosipConfigError,
    );
    expect(e2.message).toMatch(/mosip\.keycloak/);
  });
});

describe("WebSub hub", () => {
  it("form-posts with the cookie only and returns the answer", async () => {
    const c = client();
    const r = await c.hub({
      "hub.mode": "subscribe",
      "hub.topic": "p1/CREDENTIAL_ISSUED",
      "hub.callback": "http://127.0.0.1:1/cb",
      "hub.secret": HUB_SECRET,
    });
    expect(r.status).toBe(202);
    const call = mosip.requests.at(-1)!;
    expect(call.path).toBe("/hub");
    expect(call.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(call.headers.cookie).toBe(`Authorization=${issued.at(-1)}`);
    expect(call.headers.authorization).toBeUndefined();
    expect(new URLSearchParams(call.body).get("hub.secret")).toBe(HUB_SECRET);
  });

  it("throws MosipHubError with the hub's reason on a 500 denial and on a 200 denial", async () => {
    const c = client();
    const e = await failure(
      c.hub({
        "hub.mode": "subscribe",
        "hub.topic": "other-partner/CREDENTIAL_ISSUED",
        "hub.callback": "http://127.0.0.1:1/cb",
        "hub.secret": HUB_SECRET,
      }),
      MosipHubError,
    );
    expect(e.reason).toBe("Subscriber is not authorized");
    expect(e.status).toBe(500);
    expect(e.message).toMatch(/service-account-<partnerId>/);
    expect(mosip.count("/hub")).toBe(1); // a denial is an answer, not a transient failure
    const e2 = await failure(
      c.hub({ "hub.mode": "register", "hub.topic": "T" }, { hubUrl: `${base}/hub` }),
      MosipHubError,
    );
    expect(e2.reason).toBe("Topic has already registered with the Hub");
    expect(e2.status).toBe(200);
  });

  it("retries a subscribe on 503", async () => {
    mosip.fault("/hub", "503");
    const r = await client().hub({
      "hub.mode": "subscribe",
      "hub.topic": "p1/X",
      "hub.callback": "http://127.0.0.1:1/cb",
      "hub.secret": HUB_SECRET,
    });
    expect(r.status).toBe(202);
    expect(mosip.count("/hub")).toBe(2);
  });
});

describe("transport security", () => {
  it("refuses plain http to a non-loopback host, naming mosip.allowInsecureHttp, before any request", async () => {
    const e = await failure(
      client({ apiBaseUrl: "http://mosip.example" }).kernel("GET", "/v1/masterdata/zones"),
      MosipConfigError,
    );
    expect(e.message).toContain("mosip.allowInsecureHttp");
    const e2 = await failure(
      client({ keycloak: { url: "http://iam.example/auth", realm: "mosip" } }).esignet(
        "POST",
        "/v1/esignet/client-mgmt/oidc-client",
        {},
      ),
      MosipConfigError,
    );
    expect(e2.message).toContain("http://iam.example/auth/realms/mosip");
    expect(mosip.requests).toHaveLength(0);
  });

  it("rejects a caBundle that is not PEM", () => {
    expect(() => client({ caBundle: "/etc/ssl/mosip-ca.pem" })).toThrow(/mosip\.caBundle/);
  });

  it("trusts a private CA only when it is given as caBundle", async () => {
    const { caPem, certPem, keyPem } = await makeTlsCerts();
    const https = createHttpsServer({ key: keyPem, cert: certPem }, (req, res) => {
      mosip.server.emit("request", req, res); // same fake MOSIP behind TLS
    });
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    const httpsBase = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    try {
      const e = await failure(
        client({ apiBaseUrl: httpsBase }).kernel("GET", "/v1/masterdata/zones"),
        MosipNetworkError,
      );
      expect(e.message).toMatch(/TLS verification/);
      expect(e.message).toContain("mosip.caBundle");
      expect(e.transient).toBe(false);
      expect(mosip.requests).toHaveLength(0);
      const r = await client({ apiBaseUrl: httpsBase, caBundle: caPem }).kernel<{
        zones: unknown[];
      }>("GET", "/v1/masterdata/zones");
      expect(r.zones).toHaveLength(1);
    } finally {
      https.closeAllConnections();
      await new Promise((r) => https.close(r));
    }
  });
});

describe("secrets", () => {
  it("logs one line per request with method, URL and status", async () => {
    const c = client();
    c.redact("sandbox-test-extra-secret-0005");
    await c.kernel("GET", "/v1/masterdata/zones", {
      query: { note: "sandbox-test-extra-secret-0005", apiKey: "k-12345" },
    });
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/POST .*\/clientidsecretkey -> 200/);
    expect(logs[1]).toMatch(/GET .*\/v1\/masterdata\/zones\?note=.*-> 200/);
    expect(logs[1]).not.toContain("sandbox-test-extra-secret-0005");
    expect(logs[1]).not.toContain("k-12345");
  });

  it("never shows a registered secret, a token or a password in any log line or error above", () => {
    expect(seen.length).toBeGreaterThan(40);
    const secrets = [
      SECRET_KEY,
      USER.password,
      USER.clientSecret,
      HUB_SECRET,
      "sandbox-test-extra-secret-0005",
      ...issued,
    ];
    expect(issued.length).toBeGreaterThan(10);
    for (const text of seen) for (const s of secrets) expect(text).not.toContain(s);
  });
});

afterAll(() => {
  expect(seen.some((s) => /REDACTED/.test(s))).toBe(true);
});

/** A private CA and a leaf for 127.0.0.1, ECDSA P-256. */
async function makeTlsCerts(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Sandbox Test MOSIP CA",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  const leafKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=127.0.0.1",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const keyPem = KeyObject.from(leafKeys.privateKey)
    .export({ type: "pkcs8", format: "pem" })
    .toString();
  return { caPem: ca.toString("pem"), certPem: leaf.toString("pem"), keyPem };
}
