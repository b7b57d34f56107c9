// Starts the MOSIP sandbox: one HTTP server on loopback hosting every emulated service, plus the
// `/__sandbox/*` control endpoints (request log, fault injection, state dump, seed data).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticate } from "./auth";
import { parseCookies, Reply, Router, type SandboxRequest, type SandboxResponse } from "./http";
import { defaultOptions } from "./seed";
import type { FaultSettings, SandboxContext, SandboxOptions } from "./types";
import * as authmanager from "./authmanager";
import * as configServer from "./config-server";
import * as esignet from "./esignet";
import * as keycloak from "./keycloak";
import * as keymanager from "./keymanager";
import * as masterdata from "./masterdata";
import * as packetManager from "./packet-manager";
import * as pmsPartner from "./pms-partner";
import * as pmsPolicy from "./pms-policy";
import * as regproc from "./regproc";
import * as websub from "./websub";

export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  status: number;
  /** Milliseconds spent answering. */
  ms: number;
  time: string;
  /** Set when the fault injector changed the answer. */
  fault?: string;
}

export interface Sandbox {
  url: string;
  port: number;
  context: SandboxContext;
  requests: RequestLogEntry[];
  close(): Promise<void>;
}

const notReady = (what: string) => () => {
  throw new Error(`sandbox: ${what} is not registered`);
};

/** A small deterministic PRNG so fault runs can be replayed with a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toJsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => {
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      if (typeof v === "function") return undefined;
      return v;
    }),
  );
}

export async function startSandbox(
  opts: Partial<SandboxOptions> & { port?: number; host?: string } = {},
): Promise<Sandbox> {
  const options: SandboxOptions = { ...defaultOptions(), ...opts };
  const router = new Router();
  const requests: RequestLogEntry[] = [];
  const faultSettings: FaultSettings = { rate: 0, kinds: [], delayMs: 1500, paths: [] };
  let random = mulberry32(Date.now());
  let pendingExpiry = false;

  const sb: SandboxContext = {
    router,
    baseUrl: "",
    options,
    state: {},
    keycloak: {
      issuer: notReady("keycloak"),
      verify: notReady("keycloak"),
      clientCredentials: notReady("keycloak"),
      passwordGrant: notReady("keycloak"),
    },
    config: { getProperty: notReady("config server") },
    websub: { publish: notReady("websub") },
    keymanager: {
      uploadCaCertificate: notReady("keymanager"),
      uploadPartnerCertificate: notReady("keymanager"),
    },
    esignet: {
      createClient: notReady("esignet"),
      updateClient: notReady("esignet"),
      claimsSupported: notReady("esignet"),
    },
    masterdata: {
      centreActive: notReady("masterdata"),
      machineActive: notReady("masterdata"),
      latestIdSchema: notReady("masterdata"),
    },
    pms: { credentialPartners: notReady("pms") },
    authenticate: (req, o) => authenticate(sb, req, o),
    faults: {
      settings: faultSettings,
      expireNextToken() {
        if (!pendingExpiry) return false;
        pendingExpiry = false;
        return true;
      },
    },
    onClose: [],
    seed: {},
  };

  // Control endpoints first, so no service can shadow them.
  router.add("GET", "/__sandbox/requests", () => ({ status: 200, body: requests }));
  router.add("DELETE", "/__sandbox/requests", () => {
    requests.length = 0;
    return { status: 204 };
  });
  router.add("GET", "/__sandbox/state", () => ({ status: 200, body: toJsonSafe(sb.state) }));
  router.add("GET", "/__sandbox/seed", () => ({ status: 200, body: toJsonSafe(sb.seed) }));
  router.add("GET", "/__sandbox/faults", () => ({ status: 200, body: faultSettings }));
  router.add("POST", "/__sandbox/faults", (req) => {
    const b = (req.json() ?? {}) as Partial<FaultSettings> & { seed?: number };
    const kinds = b.kinds ?? ["5xx", "reset", "delay", "expired-token"];
    const allowed = ["5xx", "reset", "delay", "expired-token"];
    const bad = kinds.filter((k) => !allowed.includes(k));
    if (typeof b.rate !== "number" || b.rate < 0 || b.rate > 1 || bad.length > 0) {
      return {
        status: 400,
        body: {
          error: `rate must be a number in 0..1 and kinds a subset of ${allowed.join(", ")}`,
        },
      };
    }
    faultSettings.rate = b.rate;
    faultSettings.kinds = kinds;
    faultSettings.delayMs = b.delayMs ?? faultSettings.delayMs;
    faultSettings.paths = b.paths ?? [];
    if (typeof b.seed === "number") random = mulberry32(b.seed);
    return { status: 200, body: faultSettings };
  });
  router.add("DELETE", "/__sandbox/faults", () => {
    faultSettings.rate = 0;
    return { status: 204 };
  });

  for (const service of [
    keycloak,
    configServer,
    authmanager,
    keymanager,
    esignet,
    pmsPolicy,
    pmsPartner,
    masterdata,
    websub,
    packetManager,
    regproc,
  ]) {
    await service.register(sb);
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Longer than any client's idle keep-alive (undici: 4 s), as gateways in front of MOSIP are: with
  // Node's 5 s default, a loaded machine lets the server close an idle socket just as a client
  // reuses it, and a POST sent on it fails with no answer.
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://sandbox");
    const method = (req.method ?? "GET").toUpperCase();
    const entry: RequestLogEntry = {
      seq: requests.length + 1,
      method,
      path: url.pathname,
      status: 0,
      ms: 0,
      time: new Date(started).toISOString(),
    };
    const isControl = url.pathname.startsWith("/__sandbox/");
    if (!isControl) requests.push(entry);

    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);

    // Fault injection applies to MOSIP traffic only, never to the control endpoints.
    if (
      !isControl &&
      faultSettings.rate > 0 &&
      faultSettings.kinds.length > 0 &&
      (faultSettings.paths.length === 0 ||
        faultSettings.paths.some((p) => url.pathname.startsWith(p))) &&
      random() < faultSettings.rate
    ) {
      const kind = faultSettings.kinds[Math.floor(random() * faultSettings.kinds.length)];
      entry.fault = kind;
      if (kind === "reset") {
        entry.status = -1;
        entry.ms = Date.now() - started;
        req.socket.destroy();
        return;
      }
      if (kind === "5xx") {
        entry.status = 503;
        entry.ms = Date.now() - started;
        res.writeHead(503, { "content-type": "text/html" });
        res.end("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
        return;
      }
      if (kind === "delay") await new Promise((r) => setTimeout(r, faultSettings.delayMs));
      if (kind === "expired-token") pendingExpiry = true;
    }

    let parsedJson: unknown;
    let jsonParsed = false;
    const sreq: SandboxRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      params: {},
      headers: req.headers,
      raw,
      cookies: parseCookies(req.headers.cookie),
      json() {
        if (!jsonParsed) {
          jsonParsed = true;
          try {
            parsedJson = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
          } catch {
            parsedJson = undefined;
          }
        }
        return parsedJson;
      },
      form() {
        return new URLSearchParams(raw.toString("utf8"));
      },
    };

    let out: SandboxResponse;
    const m = router.match(method, url.pathname);
    if ("handler" in m) {
      sreq.params = m.params;
      try {
        out = await m.handler(sreq);
      } catch (err) {
        if (err instanceof Reply) out = err.response;
        else {
          // An unhandled exception is what a Spring service answers with HTTP 500.
          out = {
            status: 500,
            body: { errors: [{ errorCode: "500", message: (err as Error).message }] },
          };
        }
      }
    } else {
      out = {
        status: m.methodMismatch ? 405 : 404,
        body: { error: m.methodMismatch ? "Method Not Allowed" : "Not Found", path: url.pathname },
      };
    }
    pendingExpiry = false;

    const headers: Record<string, string | string[]> = { ...(out.headers ?? {}) };
    let body: Buffer | string | undefined;
    if (out.body === undefined || out.body === null) body = undefined;
    else if (Buffer.isBuffer(out.body) || typeof out.body === "string") body = out.body;
    else {
      body = JSON.stringify(out.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
        headers["content-type"] = "application/json";
      }
    }
    entry.status = out.status;
    entry.ms = Date.now() - started;
    if (!res.headersSent) {
      res.writeHead(out.status, headers);
      res.end(body);
    }
  }

  await new Promise<void>((resolve) =>
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve),
  );
  const port = (server.address() as AddressInfo).port;
  sb.baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: sb.baseUrl,
    port,
    context: sb,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const f of sb.onClose.reverse()) await f();
    },
  };
}
