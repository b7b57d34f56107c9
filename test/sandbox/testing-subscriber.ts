// A WebSub subscriber for tests, written from the W3C WebSub recommendation (§5.3 hub verifies
// intent, §5.2 denial, §7 content distribution, §8 authenticated content distribution), not from
// the sandbox hub: it only confirms subscriptions it asked for, and checks every delivery's
// `X-Hub-Signature` against the secret it gave the hub.
//
// Each expected subscription gets its own callback path (as the recommendation advises), so the
// subscriber knows which secret a delivery must be signed with without trusting the request.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Intent {
  mode: string;
  topic: string;
  challenge: string;
  leaseSeconds?: number;
  path: string;
  /** Whether we confirmed it (echoed the challenge). */
  confirmed: boolean;
  at: number;
}

export interface Denial {
  topic: string;
  reason: string;
  path: string;
  at: number;
}

export interface Delivery {
  path: string;
  topic?: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
  /** Parsed JSON body, when it is JSON. */
  json: unknown;
  /** `X-Hub-Signature` present and equal to the HMAC of the body with this callback's secret. */
  signatureValid: boolean;
  /** The status we answered with. */
  answered: number;
  at: number;
}

interface Expectation {
  topic: string;
  secret: string;
  /** Modes we will confirm for this callback. */
  modes: Set<string>;
  /** Test hook: echo something other than the challenge (a broken subscriber). */
  wrongChallenge: boolean;
  /** Status to answer deliveries with (2xx = received). */
  deliveryStatus: number;
}

const HMAC_METHODS = new Set(["sha1", "sha256", "sha384", "sha512"]);

/** W3C §8: `X-Hub-Signature: method=signature`, signature = hex HMAC(body, secret). */
export function verifyHubSignature(
  header: string | string[] | undefined,
  secret: string,
  body: Buffer,
): boolean {
  if (typeof header !== "string") return false;
  const i = header.indexOf("=");
  if (i < 0) return false;
  const method = header.slice(0, i).toLowerCase();
  const given = header.slice(i + 1);
  if (!HMAC_METHODS.has(method) || !/^[0-9a-fA-F]+$/.test(given)) return false;
  const expected = createHmac(method, secret).update(body).digest();
  const actual = Buffer.from(given, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The topic of a delivery from its `Link: <...>; rel="self"` header (W3C §7). Hubs built on
 * Ballerina's websubhub send the URLs without angle brackets; both forms are read.
 */
function selfTopic(link: string | string[] | undefined): string | undefined {
  if (typeof link !== "string") return undefined;
  for (const part of link.split(",")) {
    const m = /^\s*<?([^<>;]*?)>?\s*;\s*rel="?self"?\s*$/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

export class TestingSubscriber {
  readonly intents: Intent[] = [];
  readonly denials: Denial[] = [];
  readonly deliveries: Delivery[] = [];
  /** Requests we refused (unknown callback path or unexpected mode/topic): 404 per W3C §5.3. */
  readonly refused: Array<{ method: string; url: string }> = [];
  private readonly expectations = new Map<string, Expectation>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<TestingSubscriber> {
    const holder: { sub?: TestingSubscriber } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const out = holder.sub!.handle(req, Buffer.concat(chunks));
        res.writeHead(out.status, { "content-type": "text/plain" });
        res.end(out.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    holder.sub = new TestingSubscriber(server, `http://127.0.0.1:${port}`);
    return holder.sub;
  }

  /**
   * Expects a subscription to `topic` with `secret`; returns the callback URL to give the hub.
   * Pass `path` to reuse a callback (e.g. to subscribe twice with the same callback).
   */
  expect(
    topic: string,
    secret: string,
    opts: { path?: string; wrongChallenge?: boolean; deliveryStatus?: number } = {},
  ): string {
    const path = opts.path ?? `/callback/${randomUUID()}`;
    this.expectations.set(path, {
      topic,
      secret,
      modes: new Set(["subscribe"]),
      wrongChallenge: opts.wrongChallenge ?? false,
      deliveryStatus: opts.deliveryStatus ?? 200,
    });
    return this.baseUrl + path;
  }

  /** We now want to leave: confirm an unsubscribe intent for this callback. */
  expectUnsubscribe(callbackUrl: string): void {
    const e = this.expectation(callbackUrl);
    e.modes.add("unsubscribe");
    e.modes.delete("subscribe");
  }

  /** Changes how deliveries to this callback are answered (e.g. 410 to end the subscription). */
  answerDeliveries(callbackUrl: string, status: number): void {
    this.expectation(callbackUrl).deliveryStatus = status;
  }

  deliveriesTo(callbackUrl: string): Delivery[] {
    const path = new URL(callbackUrl).pathname;
    return this.deliveries.filter((d) => d.path === path);
  }

  /** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
  async waitFor<T>(
    what: string,
    check: () => T | undefined | false,
    timeoutMs = 10_000,
  ): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private expectation(callbackUrl: string): Expectation {
    const e = this.expectations.get(new URL(callbackUrl).pathname);
    if (!e) throw new Error(`no expectation for ${callbackUrl}`);
    return e;
  }

  private handle(req: IncomingMessage, body: Buffer): { status: number; body?: string } {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const e = this.expectations.get(url.pathname);
    const q = url.searchParams;
    if (req.method === "GET") {
      const mode = q.get("hub.mode") ?? "";
      const topic = q.get("hub.topic") ?? "";
      if (mode === "denied") {
        // W3C §5.2: the hub tells us a subscription was rejected.
        this.denials.push({
          topic,
          reason: q.get("hub.reason") ?? "",
          path: url.pathname,
          at: Date.now(),
        });
        return { status: 200 };
      }
      const challenge = q.get("hub.challenge");
      if ((mode === "subscribe" || mode === "unsubscribe") && challenge !== null) {
        const lease = q.get("hub.lease_seconds");
        const ok = !!e && e.topic === topic && e.modes.has(mode);
        this.intents.push({
          mode,
          topic,
          challenge,
          leaseSeconds: lease === null ? undefined : Number(lease),
          path: url.pathname,
          confirmed: ok && !e.wrongChallenge,
          at: Date.now(),
        });
        if (!ok) return { status: 404 };
        return { status: 200, body: e.wrongChallenge ? `not-${challenge}` : challenge };
      }
    }
    if (req.method === "POST" && e) {
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        json = undefined;
      }
      this.deliveries.push({
        path: url.pathname,
        topic: selfTopic(req.headers.link),
        headers: req.headers,
        body,
        json,
        signatureValid: verifyHubSignature(req.headers["x-hub-signature"], e.secret, body),
        answered: e.deliveryStatus,
        at: Date.now(),
      });
      return { status: e.deliveryStatus };
    }
    this.refused.push({ method: req.method ?? "", url: url.pathname + url.search });
    return { status: 404 };
  }
}
