// The sandbox's HTTP plumbing: a small router, request parsing, and MOSIP's envelopes.
// Every service module registers routes on one Router; nothing here knows about MOSIP objects.
import type { IncomingMessage } from "node:http";

export type Query = URLSearchParams;

export interface SandboxRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/partnermanager/partners/p1`. */
  path: string;
  query: Query;
  params: Record<string, string>;
  headers: IncomingMessage["headers"];
  raw: Buffer;
  /** Cookies parsed from the `Cookie` header (first value wins). */
  cookies: Record<string, string>;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json(): unknown;
  /** Parsed `application/x-www-form-urlencoded` body. */
  form(): URLSearchParams;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
}

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/** Routes `METHOD /path/:param` patterns; `*` at the end matches the rest of the path. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split("/")
      .map((seg) => {
        if (seg === "*") {
          names.push("rest");
          return "(.*)";
        }
        if (seg.startsWith(":")) {
          names.push(seg.slice(1));
          return "([^/]+)";
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${source}/?$`),
      names,
      handler,
    });
    return this;
  }

  /** Finds the handler; `methodMismatch` tells a 405 from a 404. */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | { methodMismatch: boolean } {
    let methodMismatch = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== method.toUpperCase()) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? "")));
      return { handler: r.handler, params };
    }
    return { methodMismatch };
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k && !(k in out)) out[k] = part.slice(i + 1).trim();
  }
  return out;
}

/** MOSIP's `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` timestamp. */
export function mosipTime(d = new Date()): string {
  return d.toISOString();
}

export interface ServiceError {
  errorCode: string | null;
  message: string;
}

/** Reads `id`/`version` back from a kernel request body, as MOSIP echoes them. */
function echo(req?: SandboxRequest): { id: string | null; version: string | null } {
  const body = req?.json() as { id?: unknown; version?: unknown } | undefined;
  return {
    id: typeof body?.id === "string" ? body.id : null,
    version: typeof body?.version === "string" ? body.version : null,
  };
}

/** Kernel/PMS/masterdata success envelope (`errors: []`). */
export function kernelOk(
  response: unknown,
  req?: SandboxRequest,
  ids?: { id?: string; version?: string },
): SandboxResponse {
  const e = echo(req);
  return {
    status: 200,
    body: {
      id: ids?.id ?? e.id,
      version: ids?.version ?? e.version,
      responsetime: mosipTime(),
      metadata: null,
      response,
      errors: [],
    },
  };
}

/** Kernel/PMS/masterdata failure envelope: MOSIP answers HTTP 200 with `response: null`. */
export function kernelErr(
  errors: ServiceError | ServiceError[],
  req?: SandboxRequest,
  status = 200,
): SandboxResponse {
  const e = echo(req);
  return {
    status,
    body: {
      id: e.id,
      version: e.version,
      responsetime: mosipTime(),
      metadata: null,
      response: null,
      errors: Array.isArray(errors) ? errors : [errors],
    },
  };
}

/** eSignet success envelope (`responseTime`, errors carry `errorMessage`). */
export function esignetOk(response: unknown): SandboxResponse {
  return { status: 200, body: { responseTime: mosipTime(), response, errors: [] } };
}

export function esignetErr(
  errors: { errorCode: string; errorMessage: string }[],
  status = 200,
): SandboxResponse {
  return { status, body: { responseTime: mosipTime(), response: null, errors } };
}

/** Thrown inside handlers to answer with a ready response (keeps handlers linear). */
export class Reply extends Error {
  constructor(readonly response: SandboxResponse) {
    super(`reply ${response.status}`);
  }
}

/** Kernel request body `request` member, or a `PMS_COR_001`-style failure when missing. */
export function kernelRequest<T = Record<string, unknown>>(
  req: SandboxRequest,
  missingCode = "PMS_COR_001",
): T {
  const body = req.json() as { request?: unknown } | undefined;
  if (!body || typeof body !== "object" || body.request === undefined || body.request === null) {
    throw new Reply(
      kernelErr(
        {
          errorCode: missingCode,
          message: "Invalid request parameter - must not be null :request",
        },
        req,
      ),
    );
  }
  return body.request as T;
}
