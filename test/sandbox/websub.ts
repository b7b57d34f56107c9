// MOSIP's WebSub hub (mosip/websub 1.2.0.1, a Ballerina hub built on websubhub 1.2.0), contract §7.
//
// One endpoint, `POST /hub` (and `/hub/`): register / deregister / subscribe / unsubscribe as
// form posts, publish with `hub.mode` and `hub.topic` in the query string. Authorization follows
// the hub's security module (§7.3): the token is read ONLY from the `Cookie` header (split on
// "; "), validated the way authmanager's `validateToken` does (in-process: `sb.keycloak.verify`),
// and the roles and user id of the token decide what the caller may do.
//
// Subscriptions are verified asynchronously (202, then a GET to the callback with a challenge),
// stored with the secret AES-GCM encrypted (`cipher{...}`, as the hub stores it in Kafka), and
// content is delivered as a JSON POST signed with `X-Hub-Signature: sha256=<hex>`.
//
// Delivery follows the hub's one-consumer-per-subscriber model (start_hub.bal): messages are
// delivered in order and committed on 2xx; a 410 or a failed delivery stops that subscriber's
// consumer (it leaves the in-memory cache, the message stays uncommitted); the next change of the
// persisted subscriber list restarts it and redelivers from the uncommitted message. A stopped
// subscriber is not a duplicate, so subscribing again is accepted. Not read from MOSIP's code:
// a new subscription starts after the messages already published (UNCONFIRMED).
//
// Sandbox-only rule: callbacks must be loopback URLs; the sandbox never sends traffic off the
// machine. Every intent verification, denial and delivery attempt is recorded in
// `sb.state.websub` (the hub itself has no read-back API, §7.7).
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from "node:crypto";
import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from "cockatiel";
import { request } from "undici";
import type { SandboxRequest, SandboxResponse } from "./http";
import type { SandboxContext, TokenClaims } from "./types";

/**
 * The hub's timing. Defaults are MOSIP's `websub-service.toml` values (§7.4, §7.6); tests may
 * shorten them through `webSubSettings(sb)`. Retries apply to transport failures only (connection
 * refused, reset, timeout): any HTTP answer is final, as with Ballerina's `retryConfig` without
 * `statusCodes` that mosip/websub 1.2.0.1 configures.
 */
export interface WebSubSettings {
  /** `INTENT_VERIFICATION_RETRY_INTERVAL`: first delay before retrying a verification. @default 3000 */
  intentRetryIntervalMs: number;
  /** `INTENT_VERIFICATION_COUNT`: retries after the first attempt. @default 3 */
  intentRetryCount: number;
  /** `INTENT_VERIFICATION_BACKOFF_FACTOR`. @default 2 */
  intentBackoffFactor: number;
  /** `INTENT_VERIFICATION_MAX_INTERVAL`. @default 20000 */
  intentMaxIntervalMs: number;
  /** `MESSAGE_DELIVERY_RETRY_INTERVAL`: first delay before retrying a delivery. @default 3000 */
  deliveryRetryIntervalMs: number;
  /** `MESSAGE_DELIVERY_COUNT`: retries after the first attempt. @default 3 */
  deliveryRetryCount: number;
  /** The hub client's `backOffFactor` (hard-coded in start_hub.bal). @default 2 */
  deliveryBackoffFactor: number;
  /** The hub client's `maxWaitInterval` (hard-coded in start_hub.bal). @default 20000 */
  deliveryMaxIntervalMs: number;
  /** `MESSAGE_DELIVERY_TIMEOUT` per attempt. @default 30000 */
  deliveryTimeoutMs: number;
  /** Default `hub.lease_seconds` when absent or not an integer. @default 864000 */
  defaultLeaseSeconds: number;
}

export const DEFAULT_WEBSUB_SETTINGS: Readonly<WebSubSettings> = Object.freeze({
  intentRetryIntervalMs: 3000,
  intentRetryCount: 3,
  intentBackoffFactor: 2,
  intentMaxIntervalMs: 20000,
  deliveryRetryIntervalMs: 3000,
  deliveryRetryCount: 3,
  deliveryBackoffFactor: 2,
  deliveryMaxIntervalMs: 20000,
  deliveryTimeoutMs: 30000,
  defaultLeaseSeconds: 864000,
});

/**
 * A persisted subscription, as the hub keeps it in `registered-websub-subscribers`. The lease is
 * stored but not enforced: MOSIP's hub has no expiry in its code (UNCONFIRMED), nor has the sandbox.
 */
export interface StoredSubscription {
  topic: string;
  callback: string;
  /** `cipher{<base64 iv|ciphertext|tag>}`; never the plain secret. */
  secret: string;
  leaseSeconds: number;
  /** The subscriber's user id as the hub saw it (after `validateToken`). */
  subscriber: string;
  subscribedAt: string;
  /**
   * Whether the subscriber's consumer runs (it is in the hub's in-memory cache). It stops on 410
   * or a failed delivery and starts again on the next change of the persisted subscriber list.
   */
  consumer: "running" | "stopped";
  stoppedReason?: string;
}

export interface VerificationRecord {
  mode: "subscribe" | "unsubscribe";
  topic: string;
  callback: string;
  challenge: string;
  attempt: number;
  /** HTTP status of the callback's answer; null on a transport error. */
  status: number | null;
  outcome: "verified" | "challenge-mismatch" | "retry" | "failed";
  error?: string;
  at: string;
}

export interface DenialRecord {
  topic: string;
  callback: string;
  reason: string;
  status: number | null;
  at: string;
}

export interface DeliveryRecord {
  /** One id per published message and subscriber (all attempts share it). */
  deliveryId: string;
  topic: string;
  callback: string;
  attempt: number;
  status: number | null;
  /**
   * delivered: 2xx (committed); retry: will try again; gone: 410, the consumer stopped; failed:
   * retries exhausted, the consumer stopped. The message of a stopped consumer is not committed.
   */
  outcome: "delivered" | "gone" | "retry" | "failed";
  error?: string;
  at: string;
}

export interface WebSubState {
  /** Registered topics by their sanitised (Kafka) name. */
  topics: Map<string, string>;
  /** By `<sanitised topic>:::<callback>`. */
  subscriptions: Map<string, StoredSubscription>;
  verifications: VerificationRecord[];
  denials: DenialRecord[];
  deliveries: DeliveryRecord[];
  published: Array<{ topic: string; contentType: string; bytes: number; at: string }>;
}

const settingsBySandbox = new WeakMap<SandboxContext, WebSubSettings>();

/** The live timing settings of a sandbox's hub (mutable, for tests). */
export function webSubSettings(sb: SandboxContext): WebSubSettings {
  let s = settingsBySandbox.get(sb);
  if (!s) {
    s = { ...DEFAULT_WEBSUB_SETTINGS };
    settingsBySandbox.set(sb, s);
  }
  return s;
}

/** Kafka topic names: every character outside [a-zA-Z0-9] becomes `_` (so `a/b` == `a_b`). */
export function sanitiseTopic(topic: string): string {
  return topic.replace(/[^a-zA-Z0-9]/g, "_");
}

/** Whether a callback URL points at this machine (the only place the sandbox sends traffic). */
export function isLoopbackUrl(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  const h = u.hostname.toLowerCase();
  return h === "localhost" || h === "[::1]" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** `X-Hub-Signature` value: `sha256=` + lowercase hex HMAC-SHA256 of the body bytes. */
export function hubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", Buffer.from(secret, "utf8")).update(body).digest("hex")}`;
}

const FORM = "application/x-www-form-urlencoded";
const CONTENT_TYPES = [
  FORM,
  "application/json",
  "application/xml",
  "application/octet-stream",
  "text/plain",
];

function formReply(status: number, fields: Record<string, string>): SandboxResponse {
  const body = Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
  return { status, headers: { "content-type": FORM }, body };
}

const accepted = () => formReply(200, { "hub.mode": "accepted" });
const denied = (reason: string, status = 200) =>
  formReply(status, { "hub.mode": "denied", "hub.reason": reason });

/**
 * The token as the hub's security module finds it: the `Cookie` header split on "; ", the part
 * starting with `Authorization=`, its text between the first and second `=`. The hub then sends it
 * to validateToken as `Cookie: Authorization=<token>`, where a trailing `;` ends the cookie.
 */
function hubToken(req: SandboxRequest): { token?: string; reason?: string } {
  const header = req.headers.cookie;
  if (typeof header !== "string") return { reason: "Http header does not exist" };
  for (const part of header.split("; ")) {
    if (part.startsWith("Authorization=")) {
      return { token: (part.split("=")[1] ?? "").split(";")[0] };
    }
  }
  return { reason: "Authorization token cannot be found" };
}

/** `<partnerId>/<EVENT>` or `<EVENT>`. */
function splitTopic(topic: string): { partnerId?: string; event: string } {
  const i = topic.indexOf("/");
  return i < 0 ? { event: topic } : { partnerId: topic.slice(0, i), event: topic.slice(i + 1) };
}

const PARTNER_USER_ID_PREFIX = "service-account-";

/** What authmanager's `validateToken` hands the hub: `userId` and `role` (comma-joined, trailing comma). */
function mosipUser(claims: TokenClaims): { userId: string; role: string } {
  const roles = claims.realm_access?.roles ?? [];
  return { userId: claims.preferred_username, role: roles.map((r) => `${r},`).join("") };
}

/** §7.3: subscribe/unsubscribe need SUBSCRIBE_<EVENT>_INDIVIDUAL + userId == partner prefix. */
function subscriberAllowed(claims: TokenClaims, topic: string): boolean {
  const { userId, role } = mosipUser(claims);
  const roles = role.split(",").filter(Boolean);
  const { partnerId, event } = splitTopic(topic);
  if (partnerId === undefined) return roles.includes(`SUBSCRIBE_${event}_GENERAL`);
  const user = userId.startsWith(PARTNER_USER_ID_PREFIX)
    ? userId.slice(PARTNER_USER_ID_PREFIX.length)
    : userId;
  return roles.includes(`SUBSCRIBE_${event}_INDIVIDUAL`) && user === partnerId;
}

/** §7.3: publish/register/deregister need PUBLISH_<EVENT>_ALL_INDIVIDUAL or _GENERAL. */
function publisherAllowed(claims: TokenClaims, topic: string): boolean {
  const roles = mosipUser(claims).role.split(",").filter(Boolean);
  const { partnerId, event } = splitTopic(topic);
  return roles.includes(
    partnerId === undefined ? `PUBLISH_${event}_GENERAL` : `PUBLISH_${event}_ALL_INDIVIDUAL`,
  );
}

export function register(sb: SandboxContext): void {
  const settings = webSubSettings(sb);
  const state: WebSubState = {
    topics: new Map(),
    subscriptions: new Map(),
    verifications: [],
    denials: [],
    deliveries: [],
    published: [],
  };
  sb.state.websub = state;

  // HUB_SECRET_ENCRYPTION_KEY: one random key per sandbox, kept out of the state dump.
  const secretKey = randomBytes(32);
  // Layout as the hub stores it: `cipher{` base64(ciphertext | GCM tag | 16-byte IV) `}`.
  const encryptSecret = (plain: string): string => {
    const iv = randomBytes(16);
    const c = createCipheriv("aes-256-gcm", secretKey, iv);
    const ct = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return `cipher{${Buffer.concat([ct, c.getAuthTag(), iv]).toString("base64")}}`;
  };
  const decryptSecret = (stored: string): string => {
    const raw = Buffer.from(stored.slice("cipher{".length, -1), "base64");
    const iv = raw.subarray(raw.length - 16);
    const d = createDecipheriv("aes-256-gcm", secretKey, iv);
    d.setAuthTag(raw.subarray(raw.length - 32, raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(0, raw.length - 32)), d.final()]).toString("utf8");
  };

  // Everything the hub does in the background stops when the sandbox closes.
  const lifetime = new AbortController();
  const background = new Set<Promise<unknown>>();
  const inBackground = (p: Promise<unknown>) => {
    const tracked = p.catch(() => undefined).finally(() => background.delete(tracked));
    background.add(tracked);
  };
  sb.onClose.push(async () => {
    lifetime.abort();
    await Promise.all([...background]);
  });
  const now = () => new Date().toISOString();
  const subKey = (topic: string, callback: string) => `${sanitiseTopic(topic)}:::${callback}`;
  /** (topic, callback) pairs whose verification is under way, to catch concurrent duplicates. */
  const pending = new Set<string>();

  const withQuery = (callback: string, params: Record<string, string>) =>
    `${callback}${callback.includes("?") ? "&" : "?"}${new URLSearchParams(params).toString()}`;

  async function get(url: string): Promise<{ status: number; body: string }> {
    const res = await request(url, {
      method: "GET",
      signal: lifetime.signal,
      headersTimeout: settings.deliveryTimeoutMs,
      bodyTimeout: settings.deliveryTimeoutMs,
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  async function notifyDenied(topic: string, callback: string, reason: string): Promise<void> {
    const rec: DenialRecord = { topic, callback, reason, status: null, at: now() };
    state.denials.push(rec);
    try {
      rec.status = (
        await get(
          withQuery(callback, { "hub.mode": "denied", "hub.topic": topic, "hub.reason": reason }),
        )
      ).status;
    } catch {
      // The hub does not retry denial notifications.
    }
  }

  /**
   * An HTTP answer is final: MOSIP's hub clients carry a Ballerina `retryConfig` without
   * `statusCodes`, so only transport failures (refused, reset, timeout) are retried.
   */
  class Answered extends Error {}
  class Gone extends Answered {}

  /** Intent verification with MOSIP's retry policy; true when the challenge came back. */
  async function verifyIntent(
    mode: "subscribe" | "unsubscribe",
    topic: string,
    callback: string,
    leaseSeconds?: number,
  ): Promise<boolean> {
    const challenge = randomUUID();
    const params: Record<string, string> = {
      "hub.mode": mode,
      "hub.topic": topic,
      "hub.challenge": challenge,
    };
    if (leaseSeconds !== undefined) params["hub.lease_seconds"] = String(leaseSeconds);
    const url = withQuery(callback, params);
    const policy = retry(
      handleWhen((err) => !(err instanceof Answered)),
      {
        maxAttempts: settings.intentRetryCount,
        backoff: new ExponentialBackoff({
          generator: noJitterGenerator,
          initialDelay: settings.intentRetryIntervalMs,
          exponent: settings.intentBackoffFactor,
          maxDelay: settings.intentMaxIntervalMs,
        }),
      },
    );
    let attempt = 0;
    try {
      return await policy.execute(async () => {
        attempt += 1;
        const rec: VerificationRecord = {
          mode,
          topic,
          callback,
          challenge,
          attempt,
          status: null,
          outcome: "retry",
          at: now(),
        };
        state.verifications.push(rec);
        let res: { status: number; body: string };
        try {
          res = await get(url);
        } catch (err) {
          rec.error = (err as Error).message;
          throw err;
        }
        rec.status = res.status;
        if (res.status < 200 || res.status > 299) {
          rec.outcome = "failed";
          throw new Answered(`callback answered ${res.status}`);
        }
        rec.outcome = res.body === challenge ? "verified" : "challenge-mismatch";
        if (rec.outcome !== "verified") throw new Answered("challenge mismatch");
        return true;
      }, lifetime.signal);
    } catch {
      const last = state.verifications.filter((v) => v.challenge === challenge).at(-1);
      if (last && last.outcome === "retry") last.outcome = "failed";
      return false;
    }
  }

  // The hub's in-memory subscriber cache (`subscribersCache`) and each subscriber's Kafka
  // consumer: `backlog` holds the messages not yet committed for that subscriber, in order.
  interface Consumer {
    running: boolean;
    pumping: boolean;
    backlog: Array<{ deliveryId: string; body: Buffer; contentType: string }>;
  }
  const consumers = new Map<string, Consumer>();
  const isRunning = (key: string) => consumers.get(key)?.running === true;

  /**
   * `startMissingSubscribers`: whenever the persisted subscriber list changes, every persisted
   * subscriber whose consumer is not running gets one again, from its last committed message.
   */
  function syncSubscribers(): void {
    for (const [key, sub] of state.subscriptions) {
      const c = consumers.get(key);
      if (!c || c.running) continue;
      c.running = true;
      sub.consumer = "running";
      delete sub.stoppedReason;
      inBackground(pump(key));
    }
  }

  async function validateSubscription(
    topic: string,
    callback: string,
    secret: string,
    leaseSeconds: number,
    subscriber: string,
  ): Promise<void> {
    const key = subKey(topic, callback);
    if (!state.topics.has(sanitiseTopic(topic))) state.topics.set(sanitiseTopic(topic), topic);
    // The duplicate check reads the in-memory cache: a subscriber whose consumer stopped (410,
    // failed delivery) is not in it, so subscribing again is accepted, as in MOSIP.
    if (isRunning(key) || pending.has(key)) {
      await notifyDenied(topic, callback, "Subscriber has already registered with the Hub");
      return;
    }
    pending.add(key);
    try {
      if (!(await verifyIntent("subscribe", topic, callback, leaseSeconds))) return;
      state.subscriptions.set(key, {
        topic,
        callback,
        secret: encryptSecret(secret),
        leaseSeconds,
        subscriber,
        subscribedAt: now(),
        consumer: "running",
      });
      // A new consumer group (its name carries the time): it starts after the messages already
      // published (UNCONFIRMED: the offset-reset policy of MOSIP's consumers was not traced).
      consumers.set(key, { running: true, pumping: false, backlog: [] });
      syncSubscribers();
    } finally {
      pending.delete(key);
    }
  }

  async function validateUnsubscription(topic: string, callback: string): Promise<void> {
    if (!state.topics.has(sanitiseTopic(topic))) {
      await notifyDenied(topic, callback, `Topic [${topic}] is not registered with the Hub`);
      return;
    }
    const key = subKey(topic, callback);
    if (!isRunning(key)) {
      await notifyDenied(
        topic,
        callback,
        `Could not find a valid subscriber for Topic [${topic}] and Callback [${callback}]`,
      );
      return;
    }
    if (await verifyIntent("unsubscribe", topic, callback)) {
      state.subscriptions.delete(key);
      const c = consumers.get(key);
      if (c) c.running = false;
      consumers.delete(key);
      syncSubscribers();
    }
  }

  /** websubhub's HubClient: one message, MOSIP's retry config; the final outcome. */
  async function deliver(
    sub: StoredSubscription,
    msg: { deliveryId: string; body: Buffer; contentType: string },
  ): Promise<"delivered" | "gone" | "failed"> {
    const headers: Record<string, string> = {
      "content-type": msg.contentType,
      // websubhub's generateLinkUrl, verbatim: no angle brackets around the URLs.
      link: `${sb.baseUrl}/hub; rel="hub", ${sub.topic}; rel="self"`,
    };
    const secret = decryptSecret(sub.secret);
    // Content is signed whenever the subscriber gave a secret (websubhub's hub client).
    if (secret) headers["x-hub-signature"] = hubSignature(secret, msg.body);
    const policy = retry(
      handleWhen((err) => !(err instanceof Answered)),
      {
        maxAttempts: settings.deliveryRetryCount,
        backoff: new ExponentialBackoff({
          generator: noJitterGenerator,
          initialDelay: settings.deliveryRetryIntervalMs,
          exponent: settings.deliveryBackoffFactor,
          maxDelay: settings.deliveryMaxIntervalMs,
        }),
      },
    );
    let attempt = 0;
    try {
      await policy.execute(async () => {
        attempt += 1;
        const rec: DeliveryRecord = {
          deliveryId: msg.deliveryId,
          topic: sub.topic,
          callback: sub.callback,
          attempt,
          status: null,
          outcome: "retry",
          at: now(),
        };
        state.deliveries.push(rec);
        try {
          const res = await request(sub.callback, {
            method: "POST",
            headers,
            body: msg.body,
            signal: lifetime.signal,
            headersTimeout: settings.deliveryTimeoutMs,
            bodyTimeout: settings.deliveryTimeoutMs,
          });
          await res.body.dump();
          rec.status = res.statusCode;
        } catch (err) {
          rec.error = (err as Error).message;
          throw err;
        }
        if (rec.status >= 200 && rec.status <= 299) {
          rec.outcome = "delivered";
          return;
        }
        if (rec.status === 410) {
          rec.outcome = "gone";
          throw new Gone();
        }
        rec.outcome = "failed";
        throw new Answered(`subscriber answered ${rec.status}`);
      }, lifetime.signal);
      return "delivered";
    } catch (err) {
      if (err instanceof Gone) return "gone";
      const last = state.deliveries.filter((d) => d.deliveryId === msg.deliveryId).at(-1);
      if (last && last.outcome === "retry") last.outcome = "failed";
      return "failed";
    }
  }

  /**
   * `pollForNewUpdates`: delivers the backlog in order; a delivered message is committed. On 410
   * or a failed delivery the consumer stops and the subscriber leaves the in-memory cache; the
   * message stays uncommitted and is delivered again when the consumer is restarted.
   */
  async function pump(key: string): Promise<void> {
    const c = consumers.get(key);
    if (!c || c.pumping) return;
    c.pumping = true;
    try {
      while (c.running && c.backlog.length > 0 && !lifetime.signal.aborted) {
        const sub = state.subscriptions.get(key);
        if (!sub) break;
        const outcome = await deliver(sub, c.backlog[0]);
        if (consumers.get(key) !== c) break;
        if (outcome === "delivered") {
          c.backlog.shift();
          continue;
        }
        c.running = false;
        sub.consumer = "stopped";
        sub.stoppedReason =
          outcome === "gone"
            ? "the subscriber answered 410 Gone"
            : "delivery failed after the configured retries";
      }
    } finally {
      c.pumping = false;
    }
  }

  function distribute(topic: string, body: Buffer, contentType: string): void {
    if (!state.topics.has(sanitiseTopic(topic))) state.topics.set(sanitiseTopic(topic), topic);
    state.published.push({ topic, contentType, bytes: body.length, at: now() });
    for (const [key, sub] of state.subscriptions) {
      if (sub.topic !== topic) continue;
      const c = consumers.get(key);
      if (!c) continue;
      // Kafka keeps the message for a stopped consumer too.
      c.backlog.push({ deliveryId: randomUUID(), body, contentType });
      if (c.running) inBackground(pump(key));
    }
  }

  /** The caller's claims, or why the hub's security module refuses it. */
  async function claimsOf(
    req: SandboxRequest,
  ): Promise<{ claims: TokenClaims; reason?: undefined } | { claims?: undefined; reason: string }> {
    const { token, reason } = hubToken(req);
    if (token === undefined) return { reason: reason ?? "Authorization token cannot be found" };
    // authmanager's validateToken honours the sandbox's expired-token fault like every service.
    const claims = sb.faults.expireNextToken() ? null : await sb.keycloak.verify(token);
    // An invalid token: validateToken answers 500 without a user; the hub then finds no role and
    // refuses (exact text UNCONFIRMED: Ballerina's client may surface the 500 as its own error).
    return claims ? { claims } : { reason: "" };
  }

  async function handle(req: SandboxRequest): Promise<SandboxResponse> {
    const contentType = String(req.headers["content-type"] ?? "")
      .split(";")[0]
      .trim()
      .toLowerCase();
    if (!CONTENT_TYPES.includes(contentType)) {
      return {
        status: 400,
        headers: { "content-type": "text/plain" },
        body: "Endpoint only supports content type of application/x-www-form-urlencoded, application/json, application/xml, application/octet-stream and text/plain",
      };
    }
    const params = contentType === FORM ? req.form() : new URLSearchParams();
    const mode = req.query.get("hub.mode") ?? params.get("hub.mode");
    const topic = req.query.get("hub.topic") ?? params.get("hub.topic") ?? "";

    if (mode === "publish") {
      if (!topic) return denied("Empty value found for parameter 'hub.topic'", 400);
      const { claims, reason } = await claimsOf(req);
      if (!claims) return denied(reason || "Publisher is not authorized");
      if (!publisherAllowed(claims, topic)) return denied("Publisher is not authorized");
      distribute(topic, req.raw, contentType);
      return accepted();
    }
    if (
      contentType !== FORM ||
      !["register", "deregister", "subscribe", "unsubscribe"].includes(mode ?? "")
    ) {
      return {
        status: 400,
        headers: { "content-type": "text/plain" },
        body: "The request does not include valid `hub.mode` form param.",
      };
    }
    if (!topic) return denied("Empty value found for parameter 'hub.topic'", 400);

    if (mode === "register" || mode === "deregister") {
      const { claims, reason } = await claimsOf(req);
      if (!claims) return denied(reason || "Publisher is not authorized");
      if (!publisherAllowed(claims, topic)) return denied("Publisher is not authorized");
      const name = sanitiseTopic(topic);
      if (mode === "register") {
        if (state.topics.has(name)) return denied("Topic has already registered with the Hub");
        state.topics.set(name, topic);
      } else {
        if (!state.topics.has(name)) return denied("Topic has not been registered in the Hub");
        state.topics.delete(name);
      }
      return accepted();
    }

    // subscribe / unsubscribe
    const callback = params.get("hub.callback") ?? "";
    if (!callback) return denied("Empty value found for parameter 'hub.callback'", 400);
    if (!/^https?:\/\//i.test(callback)) {
      return denied(`Invalid value found for parameter 'hub.callback' : ${callback}`, 400);
    }
    if (!isLoopbackUrl(callback)) {
      // Sandbox-only: never contact anything but this machine.
      return denied(
        `The sandbox hub only calls loopback callbacks (127.0.0.1, ::1, localhost): ${callback}`,
        400,
      );
    }
    const { claims, reason } = await claimsOf(req);
    // The security module's error becomes the reason (for a missing Cookie header Ballerina's
    // own "Http header does not exist", UNCONFIRMED wording).
    if (!claims) return denied(reason || "Subscriber is not authorized", 500);
    if (!subscriberAllowed(claims, topic)) return denied("Subscriber is not authorized", 500);
    if (mode === "subscribe") {
      const secret = params.get("hub.secret");
      if (secret === null) {
        // MOSIP's hub casts hub.secret to string unconditionally; without one the request
        // fails. The status and text are UNCONFIRMED.
        return denied("hub.secret is required by the MOSIP hub", 500);
      }
      const lease = Number.parseInt(params.get("hub.lease_seconds") ?? "", 10);
      const leaseSeconds =
        Number.isInteger(lease) && lease > 0 ? lease : settings.defaultLeaseSeconds;
      inBackground(
        validateSubscription(topic, callback, secret, leaseSeconds, mosipUser(claims).userId),
      );
    } else {
      inBackground(validateUnsubscription(topic, callback));
    }
    return { status: 202 };
  }

  sb.router.add("POST", "/hub", handle);
  sb.router.add("GET", "/hub/actuator/health", () => ({ status: 200, body: { status: "UP" } }));

  sb.websub = {
    async publish(topic: string, payload: unknown): Promise<void> {
      const body = Buffer.isBuffer(payload)
        ? payload
        : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload), "utf8");
      distribute(topic, body, "application/json");
      return Promise.resolve();
    },
  };
}
