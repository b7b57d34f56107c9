// The MOSIP client against the team's MOSIP sandbox (test/sandbox): authmanager's real token
// hand-over, the sandbox Keycloak for eSignet Bearer tokens, masterdata's envelope, and the
// sandbox's fault injection (5xx pages, connection resets) absorbed by the client's retries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MosipClient, type MosipClientOptions } from "../../components/mosip/client";
import { MosipApiError, MosipAuthError, type MosipError } from "../../components/mosip/errors";
import { seededSecret } from "../sandbox/keycloak";
import { startSandbox, type Sandbox } from "../sandbox/server";

let sb: Sandbox;
const logs: string[] = [];
const clients: MosipClient[] = [];

function client(extra: Partial<MosipClientOptions> = {}): MosipClient {
  const c = new MosipClient({
    apiBaseUrl: sb.url,
    credentials: {
      clientId: sb.context.options.adminClientId,
      secretKey: sb.context.options.adminClientSecret,
      appId: "partner",
    },
    keycloak: { url: `${sb.url}/auth`, realm: "mosip" },
    retryDelayMs: 5,
    retries: 8,
    log: (l) => logs.push(l),
    ...extra,
  });
  clients.push(c);
  return c;
}

async function faults(body: unknown): Promise<void> {
  const r = await fetch(`${sb.url}/__sandbox/faults`, {
    method: body ? "POST" : "DELETE",
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(r.ok).toBe(true);
}

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb?.close();
});

describe("MosipClient against the sandbox", () => {
  it("logs in with clientidsecretkey and is recognised by validateToken through the cookie", async () => {
    const c = client();
    const me = await c.kernel<{ userId: string; role: string }>(
      "GET",
      "/v1/authmanager/authorize/admin/validateToken",
    );
    expect(me.userId).toBe(`service-account-${sb.context.options.adminClientId}`);
    expect(me.role).toMatch(/,$/);
  });

  it("turns masterdata's HTTP 200 + errors[] into MosipApiError with MOSIP's code", async () => {
    // No registration centre is seeded, so masterdata answers KER-MSD-215 in the envelope.
    const e = (await client()
      .kernel("GET", "/v1/masterdata/registrationcenters/all")
      .catch((x: unknown) => x)) as MosipError;
    expect(e).toBeInstanceOf(MosipApiError);
    expect(e.errorCode).toBe("KER-MSD-215");
    expect(e.status).toBe(200);
  });

  it("reports a wrong secret as MosipAuthError (authmanager's HTTP 500 + code 500), without retrying", async () => {
    const before = sb.requests.filter((r) => r.path.endsWith("/clientidsecretkey")).length;
    const wrong = "sandbox-test-wrong-secret-0009";
    const c = client({
      credentials: {
        clientId: sb.context.options.adminClientId,
        secretKey: wrong,
        appId: "partner",
      },
    });
    const e = (await c
      .kernel("GET", "/v1/authmanager/authorize/admin/validateToken")
      .catch((x: unknown) => x)) as MosipError;
    expect(e).toBeInstanceOf(MosipAuthError);
    expect(e.errorCode).toBe("500");
    expect(e.message).toContain(sb.context.options.adminClientId);
    expect(e.message).not.toContain(wrong);
    expect(sb.requests.filter((r) => r.path.endsWith("/clientidsecretkey")).length).toBe(
      before + 1,
    );
  });

  it("gets an eSignet answer through a Keycloak Bearer token (eSignet envelope and errors)", async () => {
    // mosip-pms-client holds the add_oidc_client scope. An empty request fails eSignet's bean
    // validation: an answered MosipApiError proves the token, the scope check and the envelope.
    const pms = client({
      credentials: {
        clientId: "mosip-pms-client",
        secretKey: seededSecret("mosip-pms-client"),
        appId: "partner",
      },
    });
    const e = (await pms
      .esignet("POST", "/v1/esignet/client-mgmt/oidc-client", {})
      .catch((x: unknown) => x)) as MosipError;
    expect(e).toBeInstanceOf(MosipApiError);
    expect(e.errors.length).toBeGreaterThan(0);
    expect(e.errors.every((x) => x.message.length > 0)).toBe(true);
  });

  it("explains a missing eSignet scope (HTTP 403) as MosipAuthError naming the scope", async () => {
    const e = (await client()
      .esignet("POST", "/v1/esignet/client-mgmt/oidc-client", {})
      .catch((x: unknown) => x)) as MosipError;
    expect(e).toBeInstanceOf(MosipAuthError);
    expect(e.status).toBe(403);
    expect(e.message).toContain("add_oidc_client");
    expect(e.message).toContain(sb.context.options.adminClientId);
  });

  it("absorbs injected 5xx pages and connection resets on GETs", async () => {
    const c = client();
    await c.kernel("GET", "/v1/authmanager/authorize/admin/validateToken");
    const path = "/v1/authmanager/authorize/admin/validateToken";
    const before = sb.requests.filter((r) => r.path === path).length;
    await faults({ rate: 0.5, kinds: ["5xx", "reset"], paths: [path], seed: 7 });
    try {
      for (let i = 0; i < 6; i++) await c.kernel("GET", path);
    } finally {
      await faults(undefined);
    }
    const seen = sb.requests.filter((r) => r.path === path).slice(before);
    expect(seen.some((r) => r.fault === "5xx")).toBe(true);
    expect(seen.some((r) => r.fault === "reset")).toBe(true);
    expect(seen.filter((r) => !r.fault)).toHaveLength(6);
  });

  it("leaks no secret or token into the log", () => {
    expect(logs.length).toBeGreaterThan(10);
    const text = logs.join("\n");
    expect(text).not.toContain(sb.context.options.adminClientSecret);
    expect(text).not.toContain(seededSecret("mosip-pms-client"));
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
