// A stand-in for the CRVS adapter's WebSub callbacks (OpenCRVS `mosip-api` serves
// `/websub/callback`, contract §12.2), for end-to-end runs on one machine: a loopback HTTP server
// that
//  - answers the hub's intent verification (`GET ?hub.mode=subscribe|unsubscribe&hub.topic=...
//    &hub.challenge=...`, §7.4) with the challenge, only on a callback path it was told about and
//    only for the topic(s) subscribed there; anything else gets 404 (W3C WebSub §5.3);
//  - records denials (`hub.mode=denied`, §7.4 step 2);
//  - accepts a delivery (`POST`, §7.6) only when `X-Hub-Signature: sha256=<hex HMAC of the body>`
//    matches the secret of that callback's subscription; a missing or wrong signature, or a
//    callback whose secret is not known yet, is rejected with 403 and never parsed;
//  - for `<partnerId>/CREDENTIAL_ISSUED` events, decrypts `event.data.credential` with the
//    partner's private key as far as the sandbox's format allows (test/sandbox/credential-crypto.ts:
//    JWE compact, RSA-OAEP-256 + A256GCM; MOSIP's own keymanager byte layout is NOT supported, and
//    is reported as such), or decodes it when the policy shares it unencrypted (base64 JSON).
// It keeps no secret in what it records: deliveries hold the event's ids and the credential's
// attribute names and values, never the hub secret or the key.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { compactDecrypt, importPKCS8 } from "jose";

/** One callback of the adapter and the subscription(s) made for it. */
export interface CallbackRoute {
  /** Path of the callback, e.g. `/websub/callback` (a trailing slash is tolerated, as MOSIP may add one). */
  path: string;
  /** The topic subscribed with this callback, or a test for the topics accepted there. */
  topic: string | ((topic: string) => boolean);
  /** The subscription's `hub.secret`. Until it is known every delivery here is rejected. */
  secret?: string;
  /** PKCS#8 PEM of the partner's private key: decrypts "Partner Based" credentials. */
  partnerPrivateKeyPem?: string;
  /** Hub modes confirmed here. @default ["subscribe", "unsubscribe"] */
  modes?: string[];
}

export interface IntentRecord {
  path: string;
  mode: string;
  topic: string;
  confirmed: boolean;
  at: number;
}

export interface DenialRecord {
  path: string;
  topic: string;
  reason: string;
  at: number;
}

/** What decrypting (or decoding) a credential gave. */
export type CredentialReading =
  | {
      ok: true;
      encrypted: boolean;
      /** `type` of the credential document. */
      type?: string;
      /** The credential subject (the registrant's shared attributes). */
      subject: Record<string, unknown>;
    }
  | { ok: false; reason: string };

export interface DeliveryRecord {
  path: string;
  topic: string;
  /** Always true: deliveries with a bad signature are in `rejected`, not here. */
  signatureValid: true;
  eventId?: string;
  registrationId?: string;
  credentialType?: string;
  /** Set for CREDENTIAL_ISSUED events that carry a credential. */
  credential?: CredentialReading;
  /** The parsed body. */
  body: unknown;
  at: number;
}

export interface RejectedRecord {
  path: string;
  status: number;
  reason: string;
  at: number;
}

const HMAC_METHODS = new Set(["sha1", "sha256", "sha384", "sha512"]);

/**
 * `X-Hub-Signature: <method>=<hex>` (W3C WebSub §8; MOSIP's hub sends sha256, §7.6) checked in
 * constant time against the HMAC of the raw body with `secret`.
 */
export function hubSignatureValid(
  header: string | string[] | undefined,
  secret: string,
  body: Buffer,
): boolean {
  if (typeof header !== "string") return false;
  const i = header.indexOf("=");
  if (i < 0) return false;
  const method = header.slice(0, i).trim().toLowerCase();
  const hex = header.slice(i + 1).trim();
  if (!HMAC_METHODS.has(method) || !/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0) {
    return false;
  }
  const expected = createHmac(method, secret).update(body).digest();
  const given = Buffer.from(hex, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The `rel="self"` URL of a `Link` header (the topic, W3C §7), with or without angle brackets. */
function linkSelf(link: string | string[] | undefined): string | undefined {
  if (typeof link !== "string") return undefined;
  for (const part of link.split(",")) {
    const m = /^\s*<?([^<>;]*?)>?\s*;\s*rel="?self"?\s*$/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

const normalisePath = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

/**
 * Reads `event.data.credential`: JWE compact (5 base64url parts) is decrypted with the partner's
 * key; otherwise base64 of a JSON document (a policy with encryptionType "none").
 */
export async function readCredential(
  credential: unknown,
  partnerPrivateKeyPem: string | undefined,
): Promise<CredentialReading> {
  if (typeof credential !== "string" || credential === "") {
    return { ok: false, reason: "the event carries no credential" };
  }
  let text: string;
  let encrypted: boolean;
  if (/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/.test(credential)) {
    encrypted = true;
    if (!partnerPrivateKeyPem) {
      return { ok: false, reason: "encrypted for the partner, and no partner private key is set" };
    }
    try {
      const key = await importPKCS8(partnerPrivateKeyPem, "RSA-OAEP-256");
      const { plaintext } = await compactDecrypt(credential, key, {
        keyManagementAlgorithms: ["RSA-OAEP-256"],
        contentEncryptionAlgorithms: ["A256GCM"],
      });
      text = Buffer.from(plaintext).toString("utf8");
    } catch (err) {
      return {
        ok: false,
        reason: `cannot decrypt with the partner's private key (${(err as Error).name}): not encrypted for this partner's certificate`,
      };
    }
  } else {
    encrypted = false;
    text = Buffer.from(credential, "base64").toString("utf8");
  }
  try {
    const doc = JSON.parse(text) as { type?: unknown; credentialSubject?: unknown };
    const subject =
      doc.credentialSubject && typeof doc.credentialSubject === "object"
        ? (doc.credentialSubject as Record<string, unknown>)
        : {};
    return {
      ok: true,
      encrypted,
      type: typeof doc.type === "string" ? doc.type : undefined,
      subject,
    };
  } catch {
    return {
      ok: false,
      reason: encrypted
        ? "decrypted, but the plaintext is not a JSON credential"
        : "not a JWE and not base64 JSON: MOSIP keymanager's own encrypted layout is not supported here",
    };
  }
}

export class CallbackReceiver {
  readonly intents: IntentRecord[] = [];
  readonly denials: DenialRecord[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  readonly rejected: RejectedRecord[] = [];
  private readonly routes = new Map<string, CallbackRoute>();
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`. */
    readonly url: string,
  ) {}

  /** Starts on a loopback port (0 = a free one). */
  static async start(opts: { port?: number; host?: string } = {}): Promise<CallbackReceiver> {
    const host = opts.host ?? "127.0.0.1";
    if (!["127.0.0.1", "::1", "localhost"].includes(host)) {
      throw new Error(`the callback receiver listens on loopback only, not ${host}`);
    }
    const holder: { r?: CallbackReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const job = holder
          .r!.handle(req, Buffer.concat(chunks))
          .catch(() => ({ status: 500, body: "receiver error" }))
          .then((out) => {
            res.writeHead(out.status, { "content-type": "text/plain" });
            res.end(out.body ?? "");
          })
          .finally(() => holder.r!.pending.delete(job));
        holder.r!.pending.add(job);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const shown = host.includes(":") ? `[${host}]` : host;
    holder.r = new CallbackReceiver(server, `http://${shown}:${port}`);
    return holder.r;
  }

  /** Declares a callback; returns its URL (what the subscription's `hub.callback` must be). */
  route(r: CallbackRoute): string {
    const path = normalisePath(r.path.startsWith("/") ? r.path : `/${r.path}`);
    this.routes.set(path, { ...r, path });
    return this.url + path;
  }

  /** Sets what becomes known after the subscription was made: its secret, the partner's key. */
  configure(path: string, update: Pick<CallbackRoute, "secret" | "partnerPrivateKeyPem">): void {
    const r = this.routes.get(normalisePath(path));
    if (!r) throw new Error(`no callback ${path} on the receiver`);
    if (update.secret !== undefined) r.secret = update.secret;
    if (update.partnerPrivateKeyPem !== undefined)
      r.partnerPrivateKeyPem = update.partnerPrivateKeyPem;
  }

  /** The accepted CREDENTIAL_ISSUED delivery for a registration id, if any. */
  credentialFor(registrationId: string, topic?: string): DeliveryRecord | undefined {
    return this.deliveries.find(
      (d) =>
        d.registrationId === registrationId &&
        d.topic.endsWith("CREDENTIAL_ISSUED") &&
        (topic === undefined || d.topic === topic),
    );
  }

  /** Polls `check` every 25 ms until it gives a value; undefined after `timeoutMs`. */
  async waitFor<T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      if (Date.now() >= until) return undefined;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pending]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accepts(r: CallbackRoute, topic: string): boolean {
    return typeof r.topic === "string" ? r.topic === topic : r.topic(topic);
  }

  private async handle(
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ status: number; body?: string }> {
    const url = new URL(req.url ?? "/", this.url);
    const path = normalisePath(url.pathname);
    const r = this.routes.get(path);
    const at = Date.now();
    if (req.method === "GET") {
      const q = url.searchParams;
      const mode = q.get("hub.mode") ?? "";
      const topic = q.get("hub.topic") ?? "";
      if (mode === "denied") {
        if (!r) return { status: 404 };
        this.denials.push({ path, topic, reason: q.get("hub.reason") ?? "", at });
        return { status: 200 };
      }
      const challenge = q.get("hub.challenge");
      if (challenge === null || (mode !== "subscribe" && mode !== "unsubscribe")) {
        return { status: 404 };
      }
      const ok =
        !!r && (r.modes ?? ["subscribe", "unsubscribe"]).includes(mode) && this.accepts(r, topic);
      this.intents.push({ path, mode, topic, confirmed: ok, at });
      return ok ? { status: 200, body: challenge } : { status: 404 };
    }
    if (req.method !== "POST" || !r) return { status: 404 };

    const reject = (status: number, reason: string) => {
      this.rejected.push({ path, status, reason, at });
      return { status, body: reason };
    };
    if (r.secret === undefined) {
      return reject(403, "no hub secret is known for this callback yet");
    }
    const header = req.headers["x-hub-signature"];
    if (header === undefined) return reject(403, "no X-Hub-Signature");
    if (!hubSignatureValid(header, r.secret, raw)) {
      return reject(403, "X-Hub-Signature does not match the subscription's secret");
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return reject(400, "the body is not JSON");
    }
    const b = (body ?? {}) as {
      topic?: unknown;
      event?: { id?: unknown; data?: Record<string, unknown> };
    };
    const topic =
      typeof b.topic === "string" ? b.topic : (linkSelf(req.headers.link) ?? "(no topic)");
    if (!this.accepts(r, topic)) {
      return reject(400, `topic ${topic} is not the one subscribed at this callback`);
    }
    const data = b.event?.data ?? {};
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const record: DeliveryRecord = {
      path,
      topic,
      signatureValid: true,
      eventId: str(b.event?.id),
      registrationId: str(data.registrationId),
      credentialType: str(data.credentialType),
      body,
      at,
    };
    if (topic.endsWith("/CREDENTIAL_ISSUED") && "credential" in data) {
      record.credential = await readCredential(data.credential, r.partnerPrivateKeyPem);
    }
    this.deliveries.push(record);
    return { status: 200 };
  }
}
