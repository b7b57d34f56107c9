// The one module that does HTTP to MOSIP (contract §1, §7.1, §9, §10). Pulumi's closure serializer
// carries it into dynamic providers: no module-level mutable state, no top-level side effects,
// third-party modules imported at the top so they serialize as require() calls.
import { rootCertificates } from "node:tls";
import { ExponentialBackoff, fullJitterGenerator, handleWhen, retry } from "cockatiel";
import { Agent, request as httpRequest } from "undici";
import {
  MosipApiError,
  MosipAuthError,
  MosipConfigError,
  MosipError,
  MosipHttpError,
  MosipHubError,
  MosipNetworkError,
  type MosipServiceError,
} from "./errors";
import { scrub, showUrl } from "./redact";

export interface MosipClientOptions {
  /** e.g. https://api-internal.mosip.example */
  apiBaseUrl: string;
  /** authmanager `clientidsecretkey` credentials; also the Keycloak client for eSignet. */
  credentials: { clientId: string; secretKey: string; appId: string };
  /** Keycloak for eSignet Bearer tokens (`url` ends with /auth on MOSIP 1.2.0.1). */
  keycloak?: { url: string; realm: string };
  /** PEM bundle trusted in addition to the bundled public CAs. */
  caBundle?: string;
  /** Plain http is refused to non-loopback hosts unless true. @default false */
  allowInsecureHttp?: boolean;
  /** Per attempt. @default 30000 */
  timeoutMs?: number;
  /** Transient-failure retries for idempotent calls. @default 4 */
  retries?: number;
  /** First backoff delay; doubles per retry (full jitter), capped at 30 s. @default 500 */
  retryDelayMs?: number;
  /** One line per request; secrets redacted. */
  log?: (line: string) => void;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Kind = "kernel" | "bearer";
interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  attempts: number;
}
interface Envelope {
  response?: unknown;
  errors?: { errorCode?: string | null; message?: string; errorMessage?: string }[] | null;
}
export interface MosipUser {
  userName: string;
  password: string;
  appId: string;
  clientId: string;
  clientSecret: string;
}

/** MOSIP's `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (UTC). */
const now = (): string => new Date().toISOString();
const FORM = "application/x-www-form-urlencoded";

/** True when the JWT expires within 30 s (opaque tokens: false). */
function expiresSoon(jwt: string): boolean {
  try {
    const p = Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString();
    const exp = (JSON.parse(p) as { exp?: unknown }).exp;
    return typeof exp === "number" && exp * 1000 < Date.now() + 30_000;
  } catch {
    return false;
  }
}

/** authmanager returns the token in the `Authorization` header and the `Authorization` cookie. */
function headerToken(raw: Raw): string | undefined {
  const h = [raw.headers["authorization"] ?? []].flat()[0];
  if (h) return h.replace(/^Bearer\s+/i, "");
  for (const c of [raw.headers["set-cookie"] ?? []].flat())
    if (/^\s*Authorization=[^;]/i.test(c)) return c.split(";")[0]!.split("=").slice(1).join("=");
  return undefined;
}

// Fields are assigned in the constructor, never initialised in place: Pulumi's closure serializer
// drops class field initializers.
export class MosipClient {
  private secrets: Set<string>;
  private user?: MosipUser;
  private tokens: Partial<Record<Kind, Promise<string>>>;
  private dispatcher?: Agent;
  private readonly opts: MosipClientOptions;

  constructor(opts: MosipClientOptions) {
    this.opts = opts;
    this.secrets = new Set();
    this.tokens = {};
    this.redact(opts.credentials.secretKey);
    if (opts.caBundle !== undefined && !opts.caBundle.includes("-----BEGIN CERTIFICATE-----"))
      throw new MosipConfigError(
        "mosip.caBundle is not a PEM certificate bundle: give the CA certificates' text (-----BEGIN CERTIFICATE-----...), not a file path.",
      );
  }

  /** Kernel/PMS/masterdata call: envelope in and out, cookie token, returns `response`. */
  async kernel<T>(
    method: Method,
    path: string,
    o: {
      request?: unknown;
      query?: Record<string, string | number | boolean>;
      idempotent?: boolean;
      id?: string;
      version?: string;
      envelope?: "kernel" | "esignet-request";
    } = {},
  ): Promise<T> {
    const url = this.url(path, o.query);
    const r = o.request;
    const body =
      r === undefined
        ? undefined
        : JSON.stringify(
            o.envelope === "esignet-request"
              ? { requestTime: now(), request: r }
              : {
                  id: o.id ?? "mosip.crvs",
                  version: o.version ?? "v1",
                  requesttime: now(),
                  metadata: {},
                  request: r,
                },
          );
    const idem = o.idempotent ?? method !== "POST";
    const raw = await this.authed("kernel", (t) =>
      this.send(method, url, { cookie: `Authorization=${t}` }, body, idem),
    );
    return this.unwrap<T>(method, url, raw, "kernel", /\/createPacket\/?$/i.test(url.pathname));
  }

  /** eSignet client management: eSignet envelope, Bearer token. */
  async esignet<T>(method: "POST" | "PUT", path: string, request: unknown): Promise<T> {
    const url = this.url(path);
    const body = JSON.stringify({ requestTime: now(), request });
    const raw = await this.authed("bearer", (t) =>
      this.send(method, url, { authorization: `Bearer ${t}` }, body, method === "PUT"),
    );
    return this.unwrap<T>(method, url, raw, "bearer");
  }

  /** WebSub hub form post; resolves with the parsed answer, throws MosipHubError on denial/5xx. */
  async hub(
    form: Record<string, string>,
    o: { hubUrl?: string } = {},
  ): Promise<{ status: number; body: URLSearchParams }> {
    const url = new URL(o.hubUrl ?? `${this.opts.apiBaseUrl.replace(/\/+$/, "")}/hub`);
    if (form["hub.secret"]) this.redact(form["hub.secret"]);
    const mode = form["hub.mode"] ?? "";
    const raw = await this.authed("kernel", (t) =>
      this.send(
        "POST",
        url,
        { cookie: `Authorization=${t}`, "content-type": FORM },
        new URLSearchParams(form).toString(),
        mode !== "publish",
        (r) => r.status >= 500 && !r.text.includes("hub.mode=denied"),
      ),
    );
    const body = new URLSearchParams(raw.text.trim());
    const denied = body.get("hub.mode") === "denied";
    if (!denied && raw.status < 300) return { status: raw.status, body };
    const reason = this.s(body.get("hub.reason") ?? this.excerpt(raw));
    const hint = /not authori[sz]ed/i.test(reason)
      ? "The token's user must be the partner itself (service-account-<partnerId> for <partnerId>/... topics) and hold the SUBSCRIBE_/PUBLISH_<EVENT>_... realm role"
      : "Check the hub's logs and the form fields";
    throw new MosipHubError(
      this.s(
        `WebSub hub at POST ${showUrl(url)} ${denied ? "denied" : `failed (HTTP ${raw.status}) on`} hub.mode=${mode} for topic "${form["hub.topic"] ?? ""}": ${reason}. ${hint}.`,
      ),
      { method: "POST", url: showUrl(url), status: raw.status, reason, transient: !denied },
    );
  }

  /** A client acting as a Keycloak user through useridPwd (PMS needs the partner itself for some calls). */
  asUser(user: MosipUser): MosipClient {
    const c = new MosipClient(this.opts);
    c.secrets = this.secrets;
    c.user = user;
    c.redact(user.password, user.clientSecret);
    return c;
  }

  /** Registers a value that must never appear in logs or errors (client secrets, keys...). */
  redact(...secrets: string[]): void {
    for (const s of secrets) if (typeof s === "string" && s.length >= 4) this.secrets.add(s);
  }

  /** Closes pooled connections (tests, short-lived scripts). */
  async close(): Promise<void> {
    await this.dispatcher?.close();
    this.dispatcher = undefined;
  }

  private s(text: string): string {
    return scrub(text, this.secrets);
  }

  private who(kind: Kind = "kernel"): string {
    const u = this.user;
    const c = this.opts.credentials;
    return u && kind === "kernel"
      ? `user "${u.userName}" (client "${u.clientId}", appId "${u.appId}")`
      : `client "${c.clientId}"${kind === "kernel" ? ` (appId "${c.appId}")` : ""}`;
  }

  private url(path: string, query: Record<string, string | number | boolean> = {}): URL {
    const base = this.opts.apiBaseUrl.replace(/\/+$/, "");
    const u = new URL(
      /^https?:/i.test(path) ? path : base + (path.startsWith("/") ? "" : "/") + path,
    );
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    return u;
  }

  /** Runs `call` with a cached token; on 401 / KER-ATH-401 logs in again and retries once. */
  private async authed(kind: Kind, call: (token: string) => Promise<Raw>): Promise<Raw> {
    for (let i = 0; ; i++) {
      let token = await this.token(kind);
      if (expiresSoon(token)) {
        this.tokens[kind] = undefined;
        token = await this.token(kind);
      }
      const raw = await call(token);
      if (i > 0 || (raw.status !== 401 && !raw.text.includes('"KER-ATH-401"'))) return raw;
      this.tokens[kind] = undefined;
    }
  }

  private token(kind: Kind): Promise<string> {
    const p = (this.tokens[kind] ??= (kind === "bearer" ? this.keycloakLogin() : this.login()).then(
      (t) => (this.redact(t), t),
    ));
    p.catch(() => this.tokens[kind] === p && (this.tokens[kind] = undefined));
    return p;
  }

  private async login(): Promise<string> {
    const u = this.user;
    const c = this.opts.credentials;
    const url = this.url(
      `/v1/authmanager/authenticate/${u ? "internal/useridPwd" : "clientidsecretkey"}`,
    );
    const request = u ?? { clientId: c.clientId, secretKey: c.secretKey, appId: c.appId };
    const body = JSON.stringify({
      id: "mosip.crvs",
      version: "v1",
      requesttime: now(),
      metadata: {},
      request,
    });
    const raw = await this.send(
      "POST",
      url,
      {},
      body,
      true,
      (r) => r.status >= 500 && !r.text.includes('"errors"'),
    );
    const { env, errors } = this.parse(raw);
    const token = u ? (env?.response as { token?: unknown } | null)?.token : headerToken(raw);
    if (raw.status === 200 && !errors.length && typeof token === "string" && token) return token;
    if (!errors.length && (raw.status >= 500 || raw.status === 404 || !env))
      throw this.httpError("POST", url, raw);
    const why = errors.length ? this.list(errors) : `HTTP ${raw.status} without a token`;
    const check = u
      ? "Check the user's password in Keycloak and the client id/secret given with it"
      : 'Check mosip.clientId and mosip.secretKey against the Keycloak client (confidential, service accounts on) and that mosip.appId is one authmanager maps to a realm (e.g. "partner")';
    throw new MosipAuthError(
      this.s(`Authentication as ${this.who()} failed at POST ${showUrl(url)}: ${why}. ${check}.`),
      {
        method: "POST",
        url: showUrl(url),
        status: raw.status,
        errors,
        credential: this.who(),
      },
    );
  }

  private async keycloakLogin(): Promise<string> {
    const k = this.opts.keycloak;
    const c = this.opts.credentials;
    if (!k)
      throw new MosipConfigError(
        "eSignet calls need a Keycloak token but mosip.keycloak is not set: give its url (ending with /auth on MOSIP 1.2.0.1) and realm (mosip).",
      );
    const url = new URL(
      `${k.url.replace(/\/+$/, "")}/realms/${encodeURIComponent(k.realm)}/protocol/openid-connect/token`,
    );
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.secretKey,
    });
    const raw = await this.send("POST", url, { "content-type": FORM }, form.toString(), true);
    let j: { access_token?: unknown; error?: string; error_description?: string } | undefined;
    try {
      j = JSON.parse(raw.text) as typeof j;
    } catch {
      // handled below
    }
    if (raw.status === 200 && typeof j?.access_token === "string") return j.access_token;
    if (raw.status >= 500 || !j?.error) throw this.httpError("POST", url, raw);
    throw new MosipAuthError(
      this.s(
        `Keycloak refused a token to ${this.who("bearer")} at POST ${showUrl(url)}: HTTP ${raw.status} ${j.error} "${j.error_description ?? ""}". Check mosip.clientId/mosip.secretKey, that the client is confidential with service accounts on, and mosip.keycloak url/realm.`,
      ),
      {
        method: "POST",
        url: showUrl(url),
        status: raw.status,
        errorCode: j.error,
        credential: this.who("bearer"),
      },
    );
  }

  /** One logical request with retries (cockatiel, exponential backoff + full jitter) when idempotent. */
  private send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    idempotent: boolean,
    transient = (r: Raw): boolean => r.status >= 500,
  ): Promise<Raw> {
    const o = this.opts;
    const backoff = new ExponentialBackoff({
      initialDelay: o.retryDelayMs ?? 500,
      maxDelay: 30_000,
      generator: fullJitterGenerator,
    });
    const policy = retry(
      handleWhen((e) => e instanceof MosipError && e.transient).orWhenResult((r) =>
        transient(r as Raw),
      ),
      { maxAttempts: idempotent ? (o.retries ?? 4) : 0, backoff },
    );
    return policy.execute(({ attempt }) =>
      this.once(method, url, headers, body, attempt + 1, idempotent),
    );
  }

  private async once(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    attempt: number,
    idempotent: boolean,
  ): Promise<Raw> {
    const where = `${method} ${showUrl(url)}`;
    const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$/i.test(url.hostname);
    if (
      url.protocol !== "https:" &&
      !(url.protocol === "http:" && (loopback || this.opts.allowInsecureHttp))
    )
      throw new MosipConfigError(
        `Refusing ${where}: plain http to a non-loopback host would carry MOSIP tokens and secrets unencrypted. Use https, or set mosip.allowInsecureHttp to true for a trusted in-cluster address.`,
        { method, url: showUrl(url) },
      );
    const ms = this.opts.timeoutMs ?? 30_000;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), ms);
    const t0 = Date.now();
    const done = (what: string): void =>
      this.opts.log?.(
        this.s(`mosip ${where} -> ${what} (${Date.now() - t0} ms, attempt ${attempt})`),
      );
    try {
      const h = {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      };
      const res = await httpRequest(url, {
        method,
        headers: h,
        body,
        dispatcher: this.agent(),
        signal: ac.signal,
      });
      const raw = {
        status: res.statusCode,
        headers: res.headers,
        text: await res.body.text(),
        attempts: attempt,
      };
      done(String(raw.status));
      return raw;
    } catch (e) {
      const err = e as { code?: string; cause?: { code?: string }; message?: string };
      const code = ac.signal.aborted
        ? "ETIMEDOUT"
        : String(err.code ?? err.cause?.code ?? "EUNKNOWN");
      const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
      const [what, hint] = ac.signal.aborted
        ? [
            `no answer within ${ms} ms`,
            "Check the service's health; raise mosip.timeoutMs if it is only slow",
          ]
        : tls
          ? [
              `TLS verification of ${url.host} failed (${code})`,
              "If MOSIP uses a private CA, put its PEM in mosip.caBundle; check the certificate matches the host name",
            ]
          : /ENOTFOUND|EAI_AGAIN/.test(code)
            ? [
                `DNS lookup of ${url.hostname} failed`,
                "Check the host name in mosip.apiBaseUrl (or the Keycloak/hub URL) and DNS",
              ]
            : [
                `connection to ${url.host} failed (${code}${code === "ECONNREFUSED" ? ", refused" : ""})`,
                "Check the host and port and that the gateway and service are running",
              ];
      const note = idempotent
        ? ""
        : " Not retried: the request may have reached MOSIP, so look the object up before trying again.";
      done(code);
      throw new MosipNetworkError(
        this.s(
          `${where} failed: ${what}${attempt > 1 ? ` (attempt ${attempt})` : ""}. ${hint}.${note}`,
        ),
        {
          method,
          url: showUrl(url),
          host: url.host,
          code,
          transient: !tls && code !== "ENOTFOUND",
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private agent(): Agent {
    const ca = this.opts.caBundle;
    return (this.dispatcher ??= new Agent(
      ca ? { connect: { ca: [...rootCertificates, ca] } } : {},
    ));
  }

  private parse(raw: Raw): { env?: Envelope; errors: MosipServiceError[] } {
    let env: unknown;
    try {
      env = JSON.parse(raw.text);
    } catch {
      return { errors: [] };
    }
    if (!env || typeof env !== "object" || Array.isArray(env)) return { errors: [] };
    const list = (env as Envelope).errors;
    const errors = (Array.isArray(list) ? list : []).map((e) => ({
      errorCode: e?.errorCode ?? null,
      message: this.s(String(e?.message ?? e?.errorMessage ?? "")),
    }));
    return { env: env as Envelope, errors };
  }

  private list(errors: MosipServiceError[]): string {
    return errors
      .map((e) => `${e.errorCode ?? "(no code)"} "${e.message}"`)
      .join("; ")
      .slice(0, 600);
  }

  private excerpt(raw: Raw): string {
    const title = /<(title|h1)[^>]*>([^<]*)/i.exec(raw.text)?.[2]?.trim();
    if (/^\s*</.test(raw.text)) return `an HTML page${title ? ` "${title}"` : ""}`;
    const t = raw.text.replace(/\s+/g, " ").trim();
    return t ? `"${this.s(t).slice(0, 200)}${t.length > 200 ? "..." : ""}"` : "an empty body";
  }

  private httpError(method: string, url: URL, raw: Raw): MosipHttpError {
    const { env, errors } = this.parse(raw);
    const s = raw.status;
    const excerpt = this.s(errors.length ? this.list(errors) : this.excerpt(raw));
    const what = s < 300 ? `a body that is not a MOSIP JSON envelope: ${excerpt}` : excerpt;
    const hint =
      s === 404
        ? "Check mosip.apiBaseUrl and that this MOSIP service is deployed at that path"
        : s >= 502 && s <= 504
          ? "The gateway could not reach the MOSIP service: check its pods, then re-run"
          : s >= 500
            ? "The MOSIP service failed: check its logs, then re-run"
            : s < 300
              ? `A proxy may be answering instead of MOSIP, or the body was cut off${env ? "" : " (invalid JSON)"}: check mosip.apiBaseUrl, then re-run`
              : "Check the request against the MOSIP API contract";
    return new MosipHttpError(
      this.s(
        `${method} ${showUrl(url)} answered HTTP ${s}${raw.attempts > 1 ? ` after ${raw.attempts} attempts` : ""} with ${what}. ${hint}.`,
      ),
      { method, url: showUrl(url), status: s, errors, excerpt, transient: s >= 500 },
    );
  }

  private unwrap<T>(method: string, url: URL, raw: Raw, kind: Kind, nullFails = false): T {
    const { env, errors } = this.parse(raw);
    const where = `${method} ${showUrl(url)}`;
    const facts = { method, url: showUrl(url), status: raw.status, errors };
    if (
      raw.status === 401 ||
      raw.status === 403 ||
      errors.some((e) => /^KER-ATH-40[13]$/.test(e.errorCode ?? ""))
    ) {
      const why = errors.length ? this.list(errors) : `HTTP ${raw.status}`;
      const hint =
        raw.status === 401 || errors.some((e) => e.errorCode === "KER-ATH-401")
          ? "A freshly issued token was refused too: check that the service trusts the same Keycloak realm as authmanager and that clocks agree"
          : `Give ${this.who()} the realm role (eSignet: scope add_oidc_client/update_oidc_client) this API needs, and add its client id to auth.server.admin.allowed.audience of the service (read at start-up: restart it)`;
      throw new MosipAuthError(this.s(`${where} refused ${this.who(kind)}: ${why}. ${hint}.`), {
        ...facts,
        credential: this.who(kind),
      });
    }
    if (raw.status < 200 || raw.status >= 300 || !env) throw this.httpError(method, url, raw);
    if (errors.length)
      throw new MosipApiError(
        this.s(
          `MOSIP rejected ${where}: ${this.list(errors)}. The code and message are MOSIP's: fix the input or the MOSIP state they name, then re-run.`,
        ),
        facts,
      );
    if (env.response == null && nullFails)
      throw new MosipApiError(
        `MOSIP packet manager answered ${where} with HTTP 200, response: null and no error: the packet was not created. The packet manager catches writer failures (field/schema validation, keymanager keys for refId <centreId>_<machineId>, object store) and only logs them: check its logs for this registration id.`,
        { ...facts, errorCode: "MOSIP-NULL-RESPONSE" },
      );
    return env.response as T;
  }
}
