// WebSubSubscription's `hubSecret` input through the path `pulumi up` uses (closure-serialized
// provider, the SDK's dynamic-provider host) against the sandbox hub: the given secret is the one
// the hub signs with, never one generated; a new secret is applied in place by unsubscribe +
// subscribe (a subscribe alone is denied as a duplicate and the hub keeps signing with the old
// secret, §7.4); without the input nothing changes. The callback is a receiver of this file that
// echoes every intent verification (subscribe and unsubscribe), as a running adapter does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  findLeaks,
  serializeResourceProviders,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import { clientToken } from "../sandbox/pms-testkit";
import { startSandbox, type Sandbox } from "../sandbox/server";
import { verifyHubSignature } from "../sandbox/testing-subscriber";
import type { WebSubState } from "../sandbox/websub";
import { expectProviderReference } from "./lifecycle";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:WebSubSubscription";
const PARTNER = "crvs-hs-partner";
const PARTNER_SECRET = "sandbox-test-crvs-hs-subscriber-secret";
const TOPIC = `${PARTNER}/CREDENTIAL_ISSUED`;
const HUB_SECRET_1 = "sandbox-test-hub-secret-one-0001";
const HUB_SECRET_2 = "sandbox-test-hub-secret-two-0002";
const SERIALIZED_HUB_SECRET = "sandbox-test-hub-secret-serialized";
const REV = "1.1";

/** The adapter's side of the hub: echoes every challenge, records what the hub sent. */
class EchoReceiver {
  readonly intents: { mode: string; path: string; at: number }[] = [];
  readonly denials: { path: string; reason: string }[] = [];
  readonly deliveries: { path: string; signature: unknown; body: Buffer }[] = [];
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<EchoReceiver> {
    const holder: { r?: EchoReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const r = holder.r!;
        const url = new URL(req.url ?? "/", r.baseUrl);
        const q = url.searchParams;
        if (req.method === "GET" && q.get("hub.mode") === "denied") {
          r.denials.push({ path: url.pathname, reason: q.get("hub.reason") ?? "" });
          res.end();
        } else if (req.method === "GET" && q.get("hub.challenge")) {
          r.intents.push({ mode: q.get("hub.mode") ?? "", path: url.pathname, at: Date.now() });
          res.end(q.get("hub.challenge"));
        } else if (req.method === "POST") {
          const body = Buffer.concat(chunks);
          r.deliveries.push({
            path: url.pathname,
            signature: req.headers["x-hub-signature"],
            body,
          });
          res.end();
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    holder.r = new EchoReceiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    return holder.r;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let sandbox: Sandbox;
let adminSecret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let receiver: EchoReceiver;

async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The CRVS Keycloak client (client id = partner id) with the subscribe role, as the stack makes it. */
async function partnerClient(): Promise<void> {
  const o = sandbox.context.options;
  const t = await fetch(`${sandbox.url}/auth/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: o.keycloakAdminUser,
      password: o.keycloakAdminPassword,
    }),
  });
  const admin = ((await t.json()) as { access_token: string }).access_token;
  const kc = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/auth/admin/realms/mosip${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res;
  };
  await kc("POST", "/clients", {
    clientId: PARTNER,
    secret: PARTNER_SECRET,
    publicClient: false,
    serviceAccountsEnabled: true,
  });
  const [c] = (await (await kc("GET", `/clients?clientId=${PARTNER}`)).json()) as { id: string }[];
  const user = (await (await kc("GET", `/clients/${c!.id}/service-account-user`)).json()) as {
    id: string;
  };
  const roles = (await (await kc("GET", "/roles")).json()) as { name: string }[];
  const role = roles.filter((r) => r.name === "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL");
  expect(role).toHaveLength(1);
  await kc("POST", `/users/${user.id}/role-mappings/realm`, role);
}

const stored = (callback: string) =>
  [...(sandbox.context.state.websub as WebSubState).subscriptions.values()].filter(
    (s) => s.topic === TOPIC && s.callback === callback,
  );

/** Publishes one event; resolves with its delivery to `path`. */
async function deliverOne(path: string) {
  const n = receiver.deliveries.filter((d) => d.path === path).length;
  await sandbox.context.websub.publish(TOPIC, { event: { id: `e-${Date.now()}` } });
  return waitFor("a delivery", () => receiver.deliveries.filter((d) => d.path === path)[n]);
}

const signedWith = (d: { signature: unknown; body: Buffer }, secret: string) =>
  verifyHubSignature(d.signature as string, secret, d.body);

beforeAll(async () => {
  sandbox = await startSandbox();
  adminSecret = sandbox.context.options.adminClientSecret;
  receiver = await EchoReceiver.start();
  await partnerClient();
  [provider] = await serializeResourceProviders([
    {
      module: "components/mosip/websub-subscription.ts",
      export: "WebSubSubscription",
      args: {
        topic: TOPIC,
        callback: "http://127.0.0.1/cb",
        subscriberClientId: PARTNER,
        subscriberClientSecret: "serialized",
        hubSecret: SERIALIZED_HUB_SECRET,
      },
    },
  ]);
  host = await startProviderHost({
    config: {
      "mosip-crvs:mosip": {
        apiBaseUrl: sandbox.url,
        clientId: "mosip-deployment-client",
        appId: "partner",
      },
      "mosip-crvs:mosipClientSecret": adminSecret,
    },
    secretKeys: ["mosip-crvs:mosipClientSecret"],
  });
});

afterAll(async () => {
  await host?.close();
  await receiver?.close();
  await sandbox?.close();
});

test("the hubSecret input stays out of the serialized provider", () => {
  expectProviderReference(provider, "WebSubSubscription", [SERIALIZED_HUB_SECRET, adminSecret]);
});

test("check takes hubSecret and resubscribeDelaySeconds and refuses a short secret or a negative delay", async () => {
  const urn = urnFor(TYPE, "check");
  const inputs = {
    topic: TOPIC,
    callback: `${receiver.baseUrl}/check`,
    subscriberClientId: PARTNER,
    subscriberClientSecret: PARTNER_SECRET,
  };
  const ok = await host.check(provider, urn, {}, { ...inputs, hubSecret: HUB_SECRET_1 });
  expect(ok.failures).toEqual([]);
  expect(stripProvider(ok.inputs)).toMatchObject({ hubSecret: HUB_SECRET_1 });
  // Absent, it stays absent: no default is stored for either.
  const none = stripProvider((await host.check(provider, urn, {}, inputs)).inputs);
  expect("hubSecret" in none || "resubscribeDelaySeconds" in none).toBe(false);
  const bad = await host.check(
    provider,
    urn,
    {},
    { ...inputs, hubSecret: "short", resubscribeDelaySeconds: -1 },
  );
  const by = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
  expect(Object.keys(by).sort()).toEqual(["hubSecret", "resubscribeDelaySeconds"]);
  expect(by.hubSecret).toMatch(/at least 16 characters/);
  expect(findLeaks(JSON.stringify(bad.failures), [PARTNER_SECRET])).toEqual([]);
});

describe("a subscription with a given hub secret", () => {
  const urn = urnFor(TYPE, "given-secret");
  const path = "/callback/given";
  let callback: string;
  let news: Props;
  let state: Props;
  let id: string;

  beforeAll(() => {
    callback = receiver.baseUrl + path;
    news = {
      topic: TOPIC,
      callback,
      leaseSeconds: 864000,
      renewBeforeSeconds: 86400,
      subscriberClientId: PARTNER,
      subscriberClientSecret: PARTNER_SECRET,
      hubSecret: HUB_SECRET_1,
      resubscribeDelaySeconds: 0.2,
      revision: REV,
    };
  });

  test("create subscribes with the given secret, not a generated one, and the hub signs with it", async () => {
    const created = await host.create(provider, urn, news);
    id = created.id;
    state = stripProvider(created.properties);
    expect(state.hubSecret).toBe(HUB_SECRET_1);
    await waitFor("stored", () => stored(callback).length === 1);
    const d = await deliverOne(path);
    expect(signedWith(d, HUB_SECRET_1)).toBe(true);
    // The same inputs: nothing to do.
    expect(await host.diff(provider, id, urn, state, news)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("the reason for unsubscribing first: a subscribe with another secret alone is denied and the old secret stays", async () => {
    const token = await clientToken(sandbox, PARTNER, PARTNER_SECRET);
    const denials = receiver.denials.length;
    const res = await fetch(`${sandbox.url}/hub`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `Authorization=${token}`,
      },
      body: new URLSearchParams({
        "hub.mode": "subscribe",
        "hub.topic": TOPIC,
        "hub.callback": callback,
        "hub.secret": HUB_SECRET_2,
      }),
    });
    expect(res.status).toBe(202);
    const denial = await waitFor("denial", () => receiver.denials[denials]);
    expect(denial.reason).toBe("Subscriber has already registered with the Hub");
    const d = await deliverOne(path);
    expect(signedWith(d, HUB_SECRET_1)).toBe(true);
    expect(signedWith(d, HUB_SECRET_2)).toBe(false);
  });

  test("a new hubSecret is an in-place update: unsubscribe, then subscribe; the hub then signs with the new secret", async () => {
    const rotated = { ...news, hubSecret: HUB_SECRET_2 };
    expect(await host.diff(provider, id, urn, state, rotated)).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const intents = receiver.intents.length;
    const denials = receiver.denials.length;
    const u = await host.update(provider, id, urn, state, rotated);
    const after = stripProvider(u.properties);
    expect(after.hubSecret).toBe(HUB_SECRET_2);
    expect(Date.parse(after.subscribedAt as string)).toBeGreaterThan(
      Date.parse(state.subscribedAt as string),
    );
    // The hub saw the callback confirm an unsubscribe, then a subscribe.
    await waitFor("re-subscribed", () =>
      receiver.intents.slice(intents).some((i) => i.mode === "subscribe"),
    );
    expect(receiver.intents.slice(intents).map((i) => i.mode)).toEqual([
      "unsubscribe",
      "subscribe",
    ]);
    // The second subscribe found the new subscription: denied, harmlessly.
    await waitFor("duplicate denial", () => receiver.denials.length > denials);
    expect(receiver.denials.slice(denials).map((d) => d.reason)).toEqual([
      "Subscriber has already registered with the Hub",
    ]);
    expect(stored(callback)).toHaveLength(1);
    const d = await deliverOne(path);
    expect(signedWith(d, HUB_SECRET_2)).toBe(true);
    expect(signedWith(d, HUB_SECRET_1)).toBe(false);
    // Converged: the next diff is empty.
    expect((await host.diff(provider, id, urn, after, rotated)).changes).toBe("none");
    await host.flushLogs();
    const logs = host.logs.map((l) => l.message).join("\n");
    expect(logs).toMatch(/hub secret changed: the hub accepted the unsubscription \(HTTP 202\)/);
    expect(findLeaks(logs, [HUB_SECRET_1, HUB_SECRET_2, PARTNER_SECRET, adminSecret])).toEqual([]);
    state = after;
    news = rotated;
  });

  test("a renewal with the same hubSecret re-subscribes with it and never unsubscribes", async () => {
    const old = {
      ...state,
      subscribedAt: new Date(Date.now() - 820800 * 1000).toISOString(),
      leaseExpiresAt: new Date(Date.now() + 43200 * 1000).toISOString(),
    };
    expect((await host.diff(provider, id, urn, old, news)).changes).toBe("some");
    const intents = receiver.intents.length;
    const denials = receiver.denials.length;
    const u = await host.update(provider, id, urn, old, news);
    expect(stripProvider(u.properties).hubSecret).toBe(HUB_SECRET_2);
    await waitFor("duplicate denial", () => receiver.denials.length > denials);
    expect(receiver.intents.slice(intents)).toEqual([]);
    const d = await deliverOne(path);
    expect(signedWith(d, HUB_SECRET_2)).toBe(true);
  });

  test("without the input, the stored secret is kept: no diff, and a renewal subscribes with it", async () => {
    const { hubSecret: _h, resubscribeDelaySeconds: _d, ...without } = news;
    const stateWithoutDelay = { ...state };
    delete stateWithoutDelay.resubscribeDelaySeconds;
    expect((await host.diff(provider, id, urn, stateWithoutDelay, without)).changes).toBe("none");
    const old = {
      ...stateWithoutDelay,
      leaseExpiresAt: new Date(Date.now() + 60 * 1000).toISOString(),
    };
    expect((await host.diff(provider, id, urn, old, without)).changes).toBe("some");
    const u = await host.update(provider, id, urn, old, without);
    expect(stripProvider(u.properties).hubSecret).toBe(HUB_SECRET_2);
    const d = await deliverOne(path);
    expect(signedWith(d, HUB_SECRET_2)).toBe(true);
  });

  test("delete unsubscribes", async () => {
    await host.delete(provider, id, urn, state);
    await waitFor("unsubscribed", () => stored(callback).length === 0);
  });
});

test("without a hubSecret input, create still generates one", async () => {
  const urn = urnFor(TYPE, "generated");
  const callback = `${receiver.baseUrl}/callback/generated`;
  const created = await host.create(provider, urn, {
    topic: TOPIC,
    callback,
    leaseSeconds: 864000,
    renewBeforeSeconds: 86400,
    subscriberClientId: PARTNER,
    subscriberClientSecret: PARTNER_SECRET,
    revision: REV,
  });
  const secret = stripProvider(created.properties).hubSecret as string;
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect([HUB_SECRET_1, HUB_SECRET_2]).not.toContain(secret);
  await waitFor("stored", () => stored(callback).length === 1);
  const d = await deliverOne("/callback/generated");
  expect(signedWith(d, secret)).toBe(true);
});
