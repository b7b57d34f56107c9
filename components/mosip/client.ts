// The one module that does HTTP to MOSIP (contract §1, §7.1, §9, §10). Pulumi's closure serializer
// copies it into every dynamic provider's state, as functions: no module-level mutable state, no
// top-level side effects, no class field initializers (the serializer drops them), third-party
// modules imported at the top (they serialize as require() calls), few methods (each costs bytes).
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
  // Keycloak's token endpoint
  access_token?: unknown;
  error?: string;
  error_description?: string;
}
export interface MosipUser {
  userName: string;
  password: string;
  appId: string;
  clientId: string;
  clientSecret: string;
}

const FORM = "application/x-www-form-urlencoded";

/** authmanager hands the token over in the `Authorization` header and the `Authorization` cookie. */
/** A JWT's claims; empty for an opaque token. */
function claimsOf(token: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token?.split(".")[1] ?? "", "base64url").toString()) ?? {};
  } catch {
    return {};
  }
}

function tokenOf(raw: Raw): string | undefined {
  const h = [raw.headers["authorization"] ?? []].flat()[0];
  const c = [raw.headers["set-cookie"] ?? []].flat().find((x) => /^\s*Authorization=[^;]/i.test(x));
  return h ? h.replace(/^Bearer\s+/i, "") : c?.split(";")[0]!.replace(/^\s*Authorization=/i, "");
}

function list(errors: MosipServiceError[]): string {
  return errors.map((e) => `${e.errorCode ?? "(no code)"} "${e.message}"`).join("; ");
}

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
        "mosip.caBundle is not a PEM bundle: give the CA certificates' text, not a file path.",
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
    const [r, t] = [o.request, new Date().toISOString()]; // `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`
    const body =
      r === undefined
        ? undefined
        : JSON.stringify(
            o.envelope === "esignet-request"
              ? { requestTime: t, request: r }
              : {
                  id: o.id ?? "mosip.crvs",
                  version: o.version ?? "v1",
                  requesttime: t,
                  metadata: {},
                  request: r,
                },
          );
    const raw = await this.call("kernel", method, url, {}, body, o.idempotent ?? method !== "POST");
    return this.result<T>(method, url, raw, "kernel", /\/createPacket\/?$/i.test(url.pathname));
  }

  /** eSignet client management: eSignet envelope, Bearer token. */
  async esignet<T>(method: "POST" | "PUT", path: string, request: unknown): Promise<T> {
    const url = this.url(path);
    const body = JSON.stringify({ requestTime: new Date().toISOString(), request });
    const raw = await this.call("bearer", method, url, {}, body, method === "PUT");
    return this.result<T>(method, url, raw, "bearer");
  }

  /** WebSub hub form post; resolves with the parsed answer, throws MosipHubError on denial/5xx. */
  async hub(
    form: Record<string, string>,
    o: { hubUrl?: string } = {},
  ): Promise<{ status: number; body: URLSearchParams }> {
    const url = o.hubUrl ? new URL(o.hubUrl) : this.url("/hub");
    const [mode, topic = ""] = [form["hub.mode"], form["hub.topic"]];
    this.redact(form["hub.secret"] ?? "");
    const raw = await this.call(
      "kernel",
      "POST",
      url,
      { "content-type": FORM },
      new URLSearchParams(form).toString(),
      mode !== "publish",
      (r) => r.status >= 500 && !r.text.includes("hub.mode=denied"),
    );
    const body = new URLSearchParams(raw.text.trim());
    const denied = body.get("hub.mode") === "denied";
    if (!denied && raw.status < 300) return { status: raw.status, body };
    const reason = this.s(body.get("hub.reason") ?? this.parse(raw).excerpt);
    const hint = /not authori[sz]ed/i.test(reason)
      ? "The token's user must be the partner (service-account-<partnerId> for <partnerId>/... topics) with the topic's SUBSCRIBE_/PUBLISH_<EVENT>_... role"
      : "Check the hub's logs";
    throw new MosipHubError(
      this.s(
        `WebSub hub ${denied ? "denied" : `failed (HTTP ${raw.status}) on`} hub.mode=${mode} for topic "${topic}" at POST ${showUrl(url)}: ${reason}. ${hint}.`,
      ),
      { method: "POST", url: showUrl(url), status: raw.status, reason, transient: !denied },
    );
  }

  /**
   * A client acting as a Keycloak user through useridPwd (PMS needs the partner itself for some
   * calls). The login's appId, clientId and clientSecret default to this client's credentials.
   * Same connection settings; secrets are redacted by both clients.
   */
  asUser(user: Pick<MosipUser, "userName" | "password"> & Partial<MosipUser>): MosipClient {
    const own = this.opts.credentials;
    const c = new MosipClient(this.opts);
    c.secrets = this.secrets;
    c.user = {
      userName: user.userName,
      password: user.password,
      appId: user.appId ?? own.appId,
      clientId: user.clientId ?? own.clientId,
      clientSecret: user.clientSecret ?? own.secretKey,
    };
    c.redact(c.user.password, c.user.clientSecret);
    return c;
  }

  /**
   * A client for other clientidsecretkey credentials (a partner's own Keycloak client, ...) with this
   * one's connection settings (URL, TLS, timeouts, retries, log): its own login, tokens and pooled
   * connections (close() it), the appId defaulting to this client's. Secrets are redacted by both.
   */
  withCredentials(
    credentials: Pick<MosipClientOptions["credentials"], "clientId" | "secretKey"> & {
      appId?: string;
    },
  ): MosipClient {
    const c = new MosipClient({
      ...this.opts,
      credentials: {
        clientId: credentials.clientId,
        secretKey: credentials.secretKey,
        appId: credentials.appId ?? this.opts.credentials.appId,
      },
    });
    c.secrets = this.secrets;
    c.redact(credentials.secretKey);
    return c;
  }

  /**
   * The user id MOSIP records as `createdBy` on what this client writes: the token's
   * `preferred_username` (admin-service MetaDataUtils.setCreateMetaData takes the authenticated
   * name, which MOSIP's auth adapter sets from that claim), e.g. `service-account-<clientId>`.
   * Undefined for an opaque token.
   */
  async userId(): Promise<string | undefined> {
    const name = claimsOf(await this.token("kernel")).preferred_username;
    return typeof name === "string" ? name : undefined;
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

  private who(kind: Kind): string {
    const u = this.user;
    return u && kind === "kernel"
      ? `user "${u.userName}" (client "${u.clientId}")`
      : `client "${this.opts.credentials.clientId}"`;
  }

  private url(path: string, query: Record<string, string | number | boolean> = {}): URL {
    const u = new URL(
      this.opts.apiBaseUrl.replace(/\/+$/, "") + (path.startsWith("/") ? "" : "/") + path,
    );
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    return u;
  }

  /**
   * One logical request: `kind`'s token attached (cookie or Bearer), retried by cockatiel with
   * exponential backoff and full jitter when idempotent, and sent once more with a fresh token after
   * a 401 / `KER-ATH-401`.
   */
  private async call(
    kind: Kind | undefined,
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
    for (let i = 0; ; i++) {
      const t = kind && (await this.token(kind));
      const used = kind && this.tokens[kind];
      const h = !t
        ? headers
        : kind === "bearer"
          ? { ...headers, authorization: `Bearer ${t}` }
          : { ...headers, cookie: `Authorization=${t}` };
      const raw = await policy.execute(({ attempt }) =>
        this.once(method, url, h, body, attempt + 1, idempotent),
      );
      if (!kind || i > 0 || (raw.status !== 401 && !raw.text.includes('"KER-ATH-401"'))) return raw;
      if (this.tokens[kind] === used) this.tokens[kind] = undefined;
    }
  }

  /** The cached token while it has more than 30 s to live (JWT `exp`), else one shared new login. */
  private async token(kind: Kind): Promise<string> {
    const p = this.tokens[kind];
    const t = await p?.catch(() => "");
    // An opaque token has no known expiry.
    const exp = 1000 * Number(claimsOf(t).exp ?? Infinity);
    if (t && exp > Date.now() + 30_000) return t;
    if (this.tokens[kind] !== p) return this.token(kind); // a concurrent call is already logging in
    return (this.tokens[kind] = this.login(kind));
  }

  private async login(kind: Kind): Promise<string> {
    const {
      user: u,
      opts: { credentials: c, keycloak: k },
    } = this;
    const bearer = kind === "bearer";
    if (bearer && !k)
      throw new MosipConfigError(
        "eSignet calls need a Keycloak token but mosip.keycloak is not set: give its url (ending with /auth on MOSIP 1.2.0.1) and realm.",
      );
    const url = bearer
      ? new URL(
          `${k!.url.replace(/\/+$/, "")}/realms/${encodeURIComponent(k!.realm)}/protocol/openid-connect/token`,
        )
      : this.url(`/v1/authmanager/authenticate/${u ? "internal/useridPwd" : "clientidsecretkey"}`);
    const request = u ?? { clientId: c.clientId, secretKey: c.secretKey, appId: c.appId };
    const raw = await this.call(
      undefined,
      "POST",
      url,
      bearer ? { "content-type": FORM } : {},
      bearer
        ? new URLSearchParams({
            grant_type: "client_credentials",
            client_id: c.clientId,
            client_secret: c.secretKey,
          }).toString()
        : JSON.stringify({
            id: "mosip.crvs",
            version: "v1",
            requesttime: new Date().toISOString(),
            metadata: {},
            request,
          }),
      true,
      (r) => r.status >= 500 && !/"errors?"/.test(r.text), // authmanager answers a wrong secret with 500
    );
    const { env, errors } = this.parse(raw);
    const token = bearer
      ? env?.access_token
      : u
        ? (env?.response as { token?: unknown })?.token
        : tokenOf(raw);
    if (raw.status === 200 && !errors.length && typeof token === "string" && token) {
      this.redact(token);
      return token;
    }
    const why = errors.length
      ? list(errors)
      : env?.error
        ? `${env.error} "${env.error_description ?? ""}"`
        : env && raw.status === 200
          ? "no token in the answer"
          : "";
    if (!why) throw this.httpError("POST", url, raw);
    const who = this.who(kind);
    const check =
      u && !bearer
        ? "the user's password and the client id/secret given with it"
        : `mosip.clientId and mosip.secretKey against the Keycloak client (confidential, service accounts on)${bearer ? " and mosip.keycloak" : ', and that mosip.appId maps to a realm (e.g. "partner")'}`;
    throw new MosipAuthError(
      this.s(
        `Authentication as ${who} failed at POST ${showUrl(url)}: HTTP ${raw.status} ${why}. Check ${check}.`,
      ),
      {
        method: "POST",
        url: showUrl(url),
        status: raw.status,
        errors,
        errorCode: env?.error,
        credential: who,
      },
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
    if (
      url.protocol !== "https:" &&
      !(
        url.protocol === "http:" &&
        (/^(localhost|127(\.\d+){3}|\[::1\])$/i.test(url.hostname) || this.opts.allowInsecureHttp)
      )
    )
      throw new MosipConfigError(
        `Refusing ${where}: plain http to a non-loopback host would carry tokens and secrets unencrypted. Use https, or set mosip.allowInsecureHttp to true for a trusted in-cluster address.`,
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
      const ca = this.opts.caBundle; // trusted in addition to the bundled public CAs
      const res = await httpRequest(url, {
        method,
        headers: {
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body,
        signal: ac.signal,
        dispatcher: (this.dispatcher ??= new Agent(
          ca ? { connect: { ca: [...rootCertificates, ca] } } : {},
        )),
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
      const x = e as { code?: string; cause?: { code?: string } };
      const code = ac.signal.aborted ? "ETIMEDOUT" : String(x.code ?? x.cause?.code ?? "EUNKNOWN");
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
          : [
              `cannot connect to ${url.host} (${code})`,
              "Check the host name and port in the URL, DNS, and that the gateway and service are up",
            ];
      done(code);
      throw new MosipNetworkError(
        this.s(
          `${where} failed: ${what}${attempt > 1 ? ` (attempt ${attempt})` : ""}. ${hint}.${idempotent ? "" : " Not retried: the request may have reached MOSIP, so look the object up before trying again."}`,
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

  /** The envelope (when the body is a JSON object), its errors, and a short scrubbed excerpt. */
  private parse(raw: Raw): { env?: Envelope; errors: MosipServiceError[]; excerpt: string } {
    let env: Envelope | undefined;
    try {
      const v: unknown = JSON.parse(raw.text);
      if (v && typeof v === "object" && !Array.isArray(v)) env = v;
    } catch {
      // not JSON: summarised below
    }
    const errors = (Array.isArray(env?.errors) ? env.errors : []).map((e) => ({
      errorCode: e?.errorCode ?? null,
      message: this.s(String(e?.message ?? e?.errorMessage ?? "")),
    }));
    const t = this.s(raw.text.replace(/\s+/g, " ").trim());
    const title = /<(title|h1)[^>]*>([^<]*)/i.exec(t)?.[2]?.trim();
    const excerpt = errors.length
      ? list(errors).slice(0, 600)
      : t.startsWith("<")
        ? `an HTML page${title ? ` "${title}"` : ""}`
        : t
          ? `"${t.slice(0, 200)}${t.length > 200 ? "..." : ""}"`
          : "an empty body";
    return { env, errors, excerpt };
  }

  private httpError(method: string, url: URL, raw: Raw): MosipHttpError {
    const { env, errors, excerpt } = this.parse(raw);
    const s = raw.status;
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
        `${method} ${showUrl(url)} answered HTTP ${s}${raw.attempts > 1 ? ` after ${raw.attempts} attempts` : ""} with ${s < 300 ? "a body that is not a MOSIP JSON envelope: " : ""}${excerpt}. ${hint}.`,
      ),
      { method, url: showUrl(url), status: s, errors, excerpt, transient: s >= 500 },
    );
  }

  /** `response` of a 2xx envelope; every other outcome becomes the matching MosipError. */
  private result<T>(method: string, url: URL, raw: Raw, kind: Kind, nullFails = false): T {
    const { env, errors, excerpt } = this.parse(raw);
    const [s, where, who] = [raw.status, `${method} ${showUrl(url)}`, this.who(kind)];
    const facts = { method, url: showUrl(url), status: s, errors };
    if (s === 401 || s === 403 || errors.some((e) => /^KER-ATH-40[13]$/.test(e.errorCode ?? ""))) {
      const hint =
        s === 401 || errors.some((e) => e.errorCode === "KER-ATH-401")
          ? "A fresh token was refused too: check that the service trusts the Keycloak realm that issued it and that clocks agree"
          : kind === "bearer"
            ? `Give ${who} the Keycloak client scope ${method === "PUT" ? "update" : "add"}_oidc_client`
            : `Give ${who} the role this API needs and add its client id to the service's auth.server.admin.allowed.audience (read at start-up: restart the service)`;
      throw new MosipAuthError(this.s(`${where} refused ${who}: HTTP ${s} ${excerpt}. ${hint}.`), {
        ...facts,
        credential: who,
      });
    }
    if (s < 200 || s >= 300 || !env) throw this.httpError(method, url, raw);
    if (errors.length)
      throw new MosipApiError(
        this.s(
          `MOSIP rejected ${where}: ${excerpt}. The codes and messages are MOSIP's: fix what they name, then re-run.`,
        ),
        facts,
      );
    if (env.response == null && nullFails)
      throw new MosipApiError(
        this.s(
          `MOSIP packet manager answered ${where} with HTTP 200, response: null and no error: the packet was not created. It only logs writer failures (field or schema validation, keymanager keys for refId <centreId>_<machineId>, object store): check its logs for this registration id.`,
        ),
        { ...facts, errorCode: "MOSIP-NULL-RESPONSE" },
      );
    return env.response as T;
  }
}
