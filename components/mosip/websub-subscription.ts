// A subscription at MOSIP's WebSub hub (contract §7): `<partnerId>/CREDENTIAL_ISSUED` or the
// packet-status topic, delivered to the CRVS adapter's callback, signed with a hub secret (a secret
// output the adapter verifies X-Hub-Signature with): the `hubSecret` input when given (so the
// adapter can hold it before the subscription exists), else one generated here at create.
//
// What MOSIP 1.2.0.1 lets this resource see and do (§7.4, §7.5, §7.7):
// - Subscribe / unsubscribe are form posts answered 202 Accepted; the hub then verifies intent
//   asynchronously with a GET to the callback, which belongs to the adapter. The resource cannot see
//   that GET: a 202 means "authorised and queued", not "subscribed". If the adapter does not echo
//   the challenge, the subscription is silently not stored.
// - No read-back: the hub has no list/get API. `read` returns the stored state; refresh cannot see
//   a subscription removed by hand, a failed intent verification, or the hub losing its Kafka state.
// - Re-subscribing an existing (topic, callback) is harmless: the hub denies it asynchronously (a
//   `hub.mode=denied` GET to the callback, "Subscriber has already registered with the Hub") and the
//   original subscription stays, with the secret it was made with. So create is safe to repeat, but
//   a subscription made earlier by someone else keeps ITS secret: create warns about that.
// - Lease: stored by the hub but not enforced in its code (UNCONFIRMED). The resource still renews:
//   `leaseExpiresAt` (an output) is counted from the last subscribe it sent, and `diff` asks for an
//   update once fewer than `renewBeforeSeconds` are left; the update re-subscribes with the same
//   secret, which re-creates the subscription if it has gone (and is denied as a duplicate if not).
//   That is also the only way a hand-made unsubscribe gets repaired.
// - A new `hubSecret` input (a rotation) is updated in place as UNSUBSCRIBE, then SUBSCRIBE with the
//   new secret: a subscribe alone would be denied as a duplicate and the hub would go on signing
//   with the old secret (§7.4 step 2; test/sandbox/websub.ts `validateSubscription`). Both are
//   asynchronous at the hub and neither outcome is visible here, so the subscribe is sent
//   `resubscribeDelaySeconds` after the unsubscribe (time for the hub to verify the unsubscribe
//   with the callback and drop the old subscription) and once more after twice that delay, in
//   case the first still found the old one; a subscribe that arrives after the new subscription
//   exists is denied as a duplicate, which is harmless. How long MOSIP's hub takes to drop an
//   unsubscribed subscriber from its cache (via its Kafka meta-topics) is UNCONFIRMED; the default
//   of 5 s fits a callback that answers at once. Until the new subscribe is verified, deliveries
//   are signed with the old secret (or, between the two, not made at all): an adapter already
//   holding the new secret rejects them and the hub keeps them uncommitted (§7.6).
// - Delete = unsubscribe (202; the hub asks the callback to confirm).
//
// Credentials: the hub lets only the partner itself subscribe to `<partnerId>/...` (§7.3: token user
// `service-account-<partnerId>` with SUBSCRIBE_<EVENT>_INDIVIDUAL), so this resource authenticates as
// the CRVS Keycloak client (client id = partner id), not with the deployment credentials. That
// client's secret is made by the same stack (the Keycloak client resource), so it can only arrive as
// an input: `subscriberClientSecret`, which the class wraps in `pulumi.secret()` (encrypted in state,
// masked in output) and which is also a secret output. Stack config or an environment variable
// would need the secret before the stack has created it.
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { MosipClient } from "./client";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";
import { MosipAuthError, MosipHubError } from "./errors";

export interface WebSubSubscriptionArgs {
  /** The hub, e.g. https://api-internal.mosip.example.org/hub. @default `<mosip.apiBaseUrl>/hub` */
  hubUrl?: pulumi.Input<string>;
  /** e.g. `<partnerId>/CREDENTIAL_ISSUED`. Changing it replaces the subscription. */
  topic: pulumi.Input<string>;
  /** The adapter's callback (it must echo the hub's challenge). Changing it replaces. */
  callback: pulumi.Input<string>;
  /** Lease asked of the hub. @default 864000 (10 days, the hub's default) */
  leaseSeconds?: pulumi.Input<number>;
  /** Re-subscribe when fewer seconds than this are left on the lease. @default 86400 */
  renewBeforeSeconds?: pulumi.Input<number>;
  /** The subscribing Keycloak client: for `<partnerId>/...` topics, the partner id itself. */
  subscriberClientId: pulumi.Input<string>;
  /** That client's secret (made secret by this class). */
  subscriberClientSecret: pulumi.Input<string>;
  /**
   * The hub secret (made secret by this class): sent with every subscribe and renewal, never
   * generated. Changing it unsubscribes and subscribes again with the new secret (in place). A
   * stack that gives it can hand the same value to the adapter before the subscription exists.
   * @default generated at create (43 base64url characters) and kept in state
   */
  hubSecret?: pulumi.Input<string>;
  /**
   * On a `hubSecret` change, seconds between the unsubscribe and the subscribe with the new secret
   * (a second subscribe follows after twice as long). @default 5
   */
  resubscribeDelaySeconds?: pulumi.Input<number>;
}

export interface WebSubSubscriptionInputs extends Record<string, unknown> {
  hubUrl?: string;
  topic: string;
  callback: string;
  leaseSeconds: number;
  renewBeforeSeconds: number;
  subscriberClientId: string;
  subscriberClientSecret: string;
  hubSecret?: string;
  resubscribeDelaySeconds?: number;
}

/**
 * The base hands one context to every spec call of one provider operation: facts that must hold
 * across the attempts of one create (the secret) or between update and the read after it (the new
 * subscription time) travel on it.
 */
type OpContext = MosipContext & {
  webSub?: { secret?: string; subscribedAt?: string; inputs?: WebSubSubscriptionInputs };
};

/** A client that logs in as the subscriber, with the connection's URL, TLS and retry settings. */
function subscriberClient(ctx: MosipContext, i: WebSubSubscriptionInputs): MosipClient {
  return ctx.client.withCredentials({
    clientId: i.subscriberClientId,
    secretKey: i.subscriberClientSecret,
  });
}

/**
 * One hub request as the subscriber. The hub cannot tell an expired token from a refused one (both
 * come back as `hub.mode=denied`), so a denial is tried once more with a fresh login.
 */
async function hubAs(
  ctx: MosipContext,
  i: WebSubSubscriptionInputs,
  form: Record<string, string>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const c = subscriberClient(ctx, i);
    try {
      return (await c.hub(form, { hubUrl: i.hubUrl })).status;
    } catch (e) {
      if (e instanceof MosipHubError && !e.transient && attempt === 1) continue;
      if (e instanceof MosipAuthError)
        throw new Error(
          `the subscriber client "${i.subscriberClientId}" could not log in (${e.message}) Check subscriberClientId/subscriberClientSecret: the CRVS Keycloak client whose id is the partner id.`,
        );
      throw e;
    } finally {
      await c.close();
    }
  }
}

function secondsLeft(expiresAt: unknown): number | undefined {
  const t = typeof expiresAt === "string" ? Date.parse(expiresAt) : NaN;
  return Number.isNaN(t) ? undefined : Math.floor((t - Date.now()) / 1000);
}

async function subscribe(
  ctx: OpContext,
  i: WebSubSubscriptionInputs,
  secret: string,
): Promise<string> {
  ctx.client.redact(secret, i.subscriberClientSecret);
  const status = await hubAs(ctx, i, {
    "hub.mode": "subscribe",
    "hub.topic": i.topic,
    "hub.callback": i.callback,
    "hub.secret": secret,
    "hub.lease_seconds": String(i.leaseSeconds),
  });
  const at = new Date().toISOString();
  ctx.webSub = { ...ctx.webSub, subscribedAt: at, inputs: i };
  ctx.log(
    `the hub accepted the subscription (HTTP ${status}); it now verifies intent with a GET to ${i.callback}, which must echo hub.challenge. This cannot be seen from here: check the adapter's log. If (topic, callback) was already subscribed, the hub denies this one to the callback and keeps the existing subscription and its secret.`,
  );
  return at;
}

/**
 * The subscription as this stack last made it: the state, overlaid with what a subscribe earlier in
 * the same operation sent (so the read after an update reports the new lease, not the old one).
 */
function fromState(
  ctx: OpContext,
  id: string,
  stored: Record<string, unknown>,
): Live<WebSubSubscriptionInputs> | undefined {
  const s = { ...stored, ...ctx.webSub?.inputs };
  if (typeof s.hubSecret !== "string" || typeof s.topic !== "string") return undefined;
  const inputs = {
    topic: s.topic,
    callback: String(s.callback),
    leaseSeconds: Number(s.leaseSeconds),
    renewBeforeSeconds: Number(s.renewBeforeSeconds),
    subscriberClientId: String(s.subscriberClientId),
  } as WebSubSubscriptionInputs;
  if (typeof s.hubUrl === "string") inputs.hubUrl = s.hubUrl;
  if (typeof s.resubscribeDelaySeconds === "number")
    inputs.resubscribeDelaySeconds = s.resubscribeDelaySeconds;
  const subscribedAt = ctx.webSub?.subscribedAt ?? String(s.subscribedAt);
  return {
    id,
    inputs,
    extra: {
      subscriberClientSecret: s.subscriberClientSecret,
      hubSecret: s.hubSecret,
      subscribedAt,
      leaseExpiresAt: new Date(Date.parse(subscribedAt) + inputs.leaseSeconds * 1000).toISOString(),
    },
  };
}

export const webSubSubscriptionSpec: MosipObjectSpec<WebSubSubscriptionInputs> = {
  type: "WebSubSubscription",
  revision: "1",
  secretOutputs: ["hubSecret", "subscriberClientSecret"],
  schema: (zod: typeof z) => {
    const url = (field: string) =>
      zod
        .string({ error: `${field} must be a URL string` })
        .refine((s) => /^https?:\/\/[^\s/]+/i.test(s) && URL.canParse(s), {
          error: `${field} must be an http(s) URL`,
        });
    return zod
      .strictObject(
        {
          hubUrl: url("hubUrl").optional(),
          topic: zod
            .string({ error: "topic must be a string, e.g. <partnerId>/CREDENTIAL_ISSUED" })
            .regex(/^\S+$/, { error: "topic must not be blank or contain spaces" }),
          callback: url("callback"),
          leaseSeconds: zod
            .number({ error: "leaseSeconds must be a number of seconds" })
            .int({ error: "leaseSeconds must be a whole number" })
            .min(60, { error: "leaseSeconds must be at least 60" })
            .max(31_536_000, { error: "leaseSeconds must be at most a year (31536000)" })
            .default(864000),
          renewBeforeSeconds: zod
            .number({ error: "renewBeforeSeconds must be a number of seconds" })
            .int({ error: "renewBeforeSeconds must be a whole number" })
            .min(0, { error: "renewBeforeSeconds must not be negative" })
            .default(86400),
          subscriberClientId: zod
            .string({ error: "subscriberClientId must be a string: the CRVS Keycloak client id" })
            .regex(/^\S+$/, { error: "subscriberClientId must not be blank" }),
          subscriberClientSecret: zod
            .string({ error: "subscriberClientSecret must be a string: that client's secret" })
            .min(1, { error: "subscriberClientSecret must not be empty" }),
          // The hub HMACs with it: a short one would make forged deliveries guessable.
          hubSecret: zod
            .string({ error: "hubSecret must be a string" })
            .min(16, { error: "hubSecret must be at least 16 characters" })
            .optional(),
          resubscribeDelaySeconds: zod
            .number({ error: "resubscribeDelaySeconds must be a number of seconds" })
            .min(0, { error: "resubscribeDelaySeconds must not be negative" })
            .max(600, { error: "resubscribeDelaySeconds must be at most 600" })
            .optional(),
        },
        {
          error:
            "unknown argument: WebSubSubscription takes hubUrl, topic, callback, leaseSeconds, renewBeforeSeconds, subscriberClientId, subscriberClientSecret, hubSecret, resubscribeDelaySeconds",
        },
      )
      .superRefine((v, c) => {
        const slash = v.topic.indexOf("/");
        const partner = slash < 0 ? undefined : v.topic.slice(0, slash);
        if (partner !== undefined && partner !== v.subscriberClientId)
          c.addIssue({
            code: "custom",
            path: ["subscriberClientId"],
            message: `subscriberClientId must be "${partner}": the hub lets only the partner itself (its Keycloak client, id = partner id) subscribe to ${v.topic}`,
          });
      }) as unknown as z.ZodType<WebSubSubscriptionInputs>;
  },
  describe: (i) => `subscription to "${i.topic}" for ${i.callback}`,
  // (topic, callback) is the hub's key. hubUrl stays mutable: a new address is most often the same
  // hub, and a replacement (subscribe, then unsubscribe the old) at the same hub would end with no
  // subscription at all, since the new subscribe is denied as a duplicate.
  immutable: ["topic", "callback"],
  deleteBeforeReplace: false,

  find: async () => undefined,

  read: async (ctx, id, state) => fromState(ctx, id, state),

  async create(ctx: OpContext, i) {
    ctx.webSub = { ...ctx.webSub };
    const secret = (ctx.webSub.secret ??= i.hubSecret ?? randomBytes(32).toString("base64url"));
    await subscribe(ctx, i, secret);
    return fromState(ctx, `${i.topic} ${i.callback}`, { ...i, hubSecret: secret });
  },

  async update(ctx: OpContext, live, i) {
    const old = String(live.extra?.hubSecret);
    if (i.hubSecret === undefined || i.hubSecret === old) {
      // Renewal, or another mutable field: the same secret (no input keeps the stored one).
      await subscribe(ctx, { ...i, hubSecret: old }, old);
      return;
    }
    // A new secret: the hub keeps (topic, callback)'s first secret until it is unsubscribed.
    ctx.client.redact(old, i.hubSecret, i.subscriberClientSecret);
    const status = await hubAs(ctx, i, {
      "hub.mode": "unsubscribe",
      "hub.topic": i.topic,
      "hub.callback": i.callback,
    });
    const delayMs = (i.resubscribeDelaySeconds ?? 5) * 1000;
    ctx.log(
      `hub secret changed: the hub accepted the unsubscription (HTTP ${status}); subscribing with the new secret in ${delayMs / 1000} s, and again ${(2 * delayMs) / 1000} s later (a duplicate is denied, harmlessly)`,
    );
    await new Promise((r) => setTimeout(r, delayMs));
    await subscribe(ctx, i, i.hubSecret);
    await new Promise((r) => setTimeout(r, 2 * delayMs));
    await subscribe(ctx, i, i.hubSecret);
  },

  async delete(ctx, _id, state) {
    const live = fromState(ctx, _id, state);
    if (!live) return;
    const i = { ...live.inputs, subscriberClientSecret: String(state.subscriberClientSecret) };
    ctx.client.redact(i.subscriberClientSecret);
    const status = await hubAs(ctx, i, {
      "hub.mode": "unsubscribe",
      "hub.topic": i.topic,
      "hub.callback": i.callback,
    });
    ctx.log(
      `the hub accepted the unsubscription (HTTP ${status}); it removes the subscription once ${i.callback} confirms the intent`,
    );
  },
};

/**
 * The base provider with a diff that also sees time: once fewer than `renewBeforeSeconds` are left
 * before `leaseExpiresAt`, an update (a re-subscribe with the same secret) is due. The stored
 * `hubSecret` is compared with the input only when one is given.
 */
function renewingSubscriptions(
  inner: MosipProvider<WebSubSubscriptionInputs>,
): pulumi.dynamic.ResourceProvider {
  return {
    configure: (req) => inner.configure(req),
    check: (olds, news) => inner.check(olds, news),
    create: (inputs) => inner.create(inputs),
    read: (id, props) => inner.read(id, props),
    update: (id, olds, news) => inner.update(id, olds, news),
    delete: (id, props) => inner.delete(id, props),
    async diff(id, olds, news) {
      // Without a hubSecret input the stored (generated) secret is kept: nothing to compare.
      if (news.hubSecret === undefined && olds.hubSecret !== undefined) {
        const { hubSecret: _h, ...rest } = olds;
        return renewalDiff(await inner.diff(id, rest, news), olds, news);
      }
      return renewalDiff(await inner.diff(id, olds, news), olds, news);
    },
  };
}

/** A diff with no changes becomes an update when the lease is near its end. */
function renewalDiff(
  d: pulumi.dynamic.DiffResult,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): pulumi.dynamic.DiffResult {
  if (d.changes) return d;
  const left = secondsLeft(olds.leaseExpiresAt);
  const before = Number(news.renewBeforeSeconds ?? olds.renewBeforeSeconds ?? 86400);
  return left !== undefined && left < before ? { ...d, changes: true } : d;
}

export const webSubSubscriptionProvider = renewingSubscriptions(
  new MosipProvider(webSubSubscriptionSpec),
);

/**
 * A WebSub subscription at MOSIP's hub, made as the subscribing partner's own Keycloak client. The
 * hub secret (secret output `hubSecret`) is the `hubSecret` input, or generated when none is given;
 * a new input re-subscribes with it (unsubscribe, then subscribe). MOSIP has no read-back for subscriptions:
 * refresh shows the stored state; a lease near its end triggers a re-subscribe on `pulumi up`;
 * delete unsubscribes.
 */
export class WebSubSubscription extends MosipResource {
  declare readonly hubUrl: pulumi.Output<string | undefined>;
  declare readonly topic: pulumi.Output<string>;
  declare readonly callback: pulumi.Output<string>;
  declare readonly leaseSeconds: pulumi.Output<number>;
  declare readonly renewBeforeSeconds: pulumi.Output<number>;
  declare readonly subscriberClientId: pulumi.Output<string>;
  /** The secret the hub signs deliveries with (X-Hub-Signature: sha256=HMAC). Secret. */
  declare readonly hubSecret: pulumi.Output<string>;
  /** When this stack last sent a subscribe (ISO 8601). */
  declare readonly subscribedAt: pulumi.Output<string>;
  /** subscribedAt + leaseSeconds: renewal is due `renewBeforeSeconds` before it. */
  declare readonly leaseExpiresAt: pulumi.Output<string>;

  constructor(name: string, args: WebSubSubscriptionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(webSubSubscriptionSpec.type),
      webSubSubscriptionSpec,
      name,
      {
        ...args,
        subscriberClientSecret: pulumi.secret(args.subscriberClientSecret),
        hubSecret: args.hubSecret === undefined ? undefined : pulumi.secret(args.hubSecret),
      },
      ["hubSecret", "subscribedAt", "leaseExpiresAt"],
      opts,
    );
  }
}
