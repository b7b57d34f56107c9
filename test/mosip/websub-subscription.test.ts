// WebSubSubscription through the path `pulumi up` uses (closure-serialized provider, the SDK's
// dynamic-provider host) against the sandbox hub, with a real subscriber answering intent
// verification at the callback. The subscriber is the CRVS Keycloak client (client id = partner id),
// made here through the sandbox's Keycloak admin API.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  findLeaks,
  ProviderHostError,
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
import { TestingSubscriber, verifyHubSignature } from "../sandbox/testing-subscriber";
import type { WebSubState } from "../sandbox/websub";
import { expectProviderReference, unusedPort } from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:WebSubSubscription";
const PARTNER = "crvs-ws-partner";
const PARTNER_SECRET = "sandbox-test-crvs-subscriber-secret";
const NO_ROLE = "crvs-ws-norole";
const TOPIC = `${PARTNER}/CREDENTIAL_ISSUED`;
const REV = "1.1";

let sandbox: Sandbox;
let adminSecret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let subscriber: TestingSubscriber;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return {
    "mosip-crvs:mosip": {
      apiBaseUrl,
      clientId: "mosip-deployment-client",
      appId: "partner",
      ...extra,
    },
    "mosip-crvs:mosipClientSecret": adminSecret,
  };
}

/** A confidential client with a service account holding `roles`, as the stack's Keycloak client. */
async function keycloakClient(clientId: string, secret: string, roles: string[]): Promise<void> {
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
  const base = `${sandbox.url}/auth/admin/realms/mosip`;
  const kc = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res;
  };
  await kc("POST", "/clients", {
    clientId,
    secret,
    publicClient: false,
    serviceAccountsEnabled: true,
  });
  const [c] = (await (await kc("GET", `/clients?clientId=${clientId}`)).json()) as {
    id: string;
  }[];
  const user = (await (await kc("GET", `/clients/${c!.id}/service-account-user`)).json()) as {
    id: string;
  };
  const all = (await (await kc("GET", "/roles")).json()) as { name: string }[];
  const reps = all.filter((r) => roles.includes(r.name));
  expect(reps).toHaveLength(roles.length);
  if (reps.length) await kc("POST", `/users/${user.id}/role-mappings/realm`, reps);
}

function hubState(): WebSubState {
  return sandbox.context.state.websub as WebSubState;
}
const subscriptionsFor = (topic: string, callback: string) =>
  [...hubState().subscriptions.values()].filter(
    (s) => s.topic === topic && s.callback === callback,
  );

/** A form post to the hub as the partner itself (what someone does by hand with curl). */
async function hubByHand(form: Record<string, string>): Promise<number> {
  const token = await clientToken(sandbox, PARTNER, PARTNER_SECRET);
  const res = await fetch(`${sandbox.url}/hub`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: `Authorization=${token}`,
    },
    body: new URLSearchParams(form),
  });
  await res.text();
  return res.status;
}

/** Publishes one event and returns the delivery to `callback`. */
async function deliverOne(topic: string, callback: string) {
  const n = subscriber.deliveriesTo(callback).length;
  await sandbox.context.websub.publish(topic, { event: { id: `e-${Date.now()}` } });
  return subscriber.waitFor("a delivery", () => subscriber.deliveriesTo(callback)[n]);
}

const stateOf = (p: Props) => stripProvider(p);

beforeAll(async () => {
  sandbox = await startSandbox();
  adminSecret = sandbox.context.options.adminClientSecret;
  subscriber = await TestingSubscriber.start();
  await keycloakClient(PARTNER, PARTNER_SECRET, ["SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL"]);
  await keycloakClient(NO_ROLE, "sandbox-test-norole-secret", []);
  [provider] = await serializeResourceProviders([
    {
      module: "components/mosip/websub-subscription.ts",
      export: "WebSubSubscription",
      args: {
        topic: TOPIC,
        callback: "http://127.0.0.1/cb",
        subscriberClientId: PARTNER,
        subscriberClientSecret: "serialized",
      },
    },
  ]);
  host = await startProviderHost({
    config: stackConfig(sandbox.url),
    secretKeys: ["mosip-crvs:mosipClientSecret"],
  });
});

afterAll(async () => {
  await host?.close();
  await subscriber?.close();
  await sandbox?.close();
});

describe("WebSubSubscription lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "credential-issued");
  let callback: string;
  let inputs: Props;
  let state: Props;
  let id: string;

  beforeAll(() => {
    callback = subscriber.expect(TOPIC, "not-known-before-create");
    inputs = {
      topic: TOPIC,
      callback,
      leaseSeconds: 864000,
      subscriberClientId: PARTNER,
      subscriberClientSecret: PARTNER_SECRET,
    };
  });

  test("type token, no credential, and a reference to the installed provider package", () => {
    expectProviderReference(provider, "WebSubSubscription", [adminSecret, PARTNER_SECRET]);
  });

  test("check applies defaults and names bad properties with the fix", async () => {
    const ok = await host.check(provider, urn, {}, inputs);
    expect(ok.failures).toEqual([]);
    expect(stateOf(ok.inputs)).toEqual({ ...inputs, renewBeforeSeconds: 86400, revision: REV });
    const bad = await host.check(
      provider,
      urn,
      {},
      {
        ...inputs,
        callback: "not a url",
        subscriberClientId: "someone-else",
        leaseSeconds: 1.5,
        secret: "x",
      },
    );
    const by = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(by).sort()).toEqual(["callback", "leaseSeconds", "secret"]);
    expect(by.callback).toMatch(/callback must be an http\(s\) URL/);
    expect(by.leaseSeconds).toMatch(/whole number/);
    // The partner rule is checked once the fields themselves are valid.
    const mismatch = await host.check(provider, urn, {}, { ...inputs, subscriberClientId: "x" });
    expect(mismatch.failures).toEqual([
      {
        property: "subscriberClientId",
        reason: expect.stringMatching(
          /subscriberClientId must be "crvs-ws-partner": the hub lets only the partner itself/,
        ),
      },
    ]);
    expect(findLeaks(JSON.stringify(bad.failures), [PARTNER_SECRET])).toEqual([]);
  });

  test("create subscribes as the partner's own client with a generated secret the hub signs with", async () => {
    const checked = stateOf((await host.check(provider, urn, {}, inputs)).inputs);
    const before = Date.now();
    const created = await host.create(provider, urn, checked);
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toBe(`${TOPIC} ${callback}`);
    expect(state).toMatchObject({ ...inputs, renewBeforeSeconds: 86400, revision: REV });
    const hubSecret = state.hubSecret as string;
    expect(hubSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(state.leaseExpiresAt as string);
    expect(expires - Date.parse(state.subscribedAt as string)).toBe(864000 * 1000);
    expect(Date.parse(state.subscribedAt as string)).toBeGreaterThanOrEqual(before - 1000);

    // The hub verified intent with the callback, and stored one subscription, made by the partner.
    await subscriber.waitFor("intent verification", () =>
      subscriber.intents.find((i) => i.mode === "subscribe" && i.confirmed),
    );
    await subscriber.waitFor("stored", () => subscriptionsFor(TOPIC, callback).length === 1);
    expect(subscriptionsFor(TOPIC, callback)[0]).toMatchObject({
      subscriber: `service-account-${PARTNER}`,
      leaseSeconds: 864000,
    });
    const d = await deliverOne(TOPIC, callback);
    expect(verifyHubSignature(d.headers["x-hub-signature"], hubSecret, d.body)).toBe(true);
    await host.flushLogs();
    const logs = host.logs.map((l) => l.message).join("\n");
    expect(logs).toMatch(/the hub accepted the subscription \(HTTP 202\); it now verifies intent/);
    expect(findLeaks(logs, [hubSecret, PARTNER_SECRET, adminSecret])).toEqual([]);
  });

  test("read returns the stored subscription in the input shape; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(r.id).toBe(id);
    expect(stateOf(r.properties)).toEqual(state);
    const { subscriberClientSecret: _s, ...readable } = inputs;
    expect(stateOf(r.inputs!)).toEqual({ ...readable, renewBeforeSeconds: 86400, revision: REV });
    const d = await host.diff(provider, id, urn, state, {
      ...inputs,
      renewBeforeSeconds: 86400,
      revision: REV,
    });
    expect(d).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
  });

  test("an unsubscribe made by hand at the hub is NOT visible to refresh (no read-back, §7.7)", async () => {
    subscriber.expectUnsubscribe(callback);
    expect(
      await hubByHand({ "hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.callback": callback }),
    ).toBe(202);
    await subscriber.waitFor(
      "hand unsubscribe",
      () => subscriptionsFor(TOPIC, callback).length === 0,
    );
    const r = await host.read(provider, id, urn, state);
    expect(stateOf(r.properties)).toEqual(state);
    const d = await host.diff(provider, id, urn, stateOf(r.properties), {
      ...inputs,
      renewBeforeSeconds: 86400,
      revision: REV,
    });
    expect(d.changes).toBe("none");
  });

  test("a lease near its end makes diff ask for an update, which re-subscribes with the same secret", async () => {
    // As if the subscription had been made 9.5 days ago: half a day of the lease left.
    const old = {
      ...state,
      subscribedAt: new Date(Date.now() - 820800 * 1000).toISOString(),
      leaseExpiresAt: new Date(Date.now() + 43200 * 1000).toISOString(),
    };
    const news = { ...inputs, renewBeforeSeconds: 86400, revision: REV };
    expect(await host.diff(provider, id, urn, old, news)).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    subscriber.expect(TOPIC, "again", { path: new URL(callback).pathname });
    const u = await host.update(provider, id, urn, old, news);
    const renewed = stateOf(u.properties);
    expect(renewed.hubSecret).toBe(state.hubSecret);
    expect(Date.parse(renewed.leaseExpiresAt as string)).toBeGreaterThan(
      Date.now() + 863000 * 1000,
    );
    // The renewal re-created the subscription the hand-made unsubscribe had removed...
    await subscriber.waitFor("re-subscribed", () => subscriptionsFor(TOPIC, callback).length === 1);
    const d = await deliverOne(TOPIC, callback);
    expect(
      verifyHubSignature(d.headers["x-hub-signature"], state.hubSecret as string, d.body),
    ).toBe(true);
    // ...and the renewed state does not ask for another renewal.
    expect((await host.diff(provider, id, urn, renewed, news)).changes).toBe("none");
    state = renewed;
  });

  test("leaseSeconds changes in place; topic or callback changes replace", async () => {
    const news = { ...inputs, renewBeforeSeconds: 86400, revision: REV };
    expect(await host.diff(provider, id, urn, state, { ...news, leaseSeconds: 3_600_000 })).toEqual(
      {
        changes: "some",
        replaces: [],
        deleteBeforeReplace: false,
      },
    );
    const r = await host.diff(provider, id, urn, state, { ...news, topic: `${PARTNER}/OTHER` });
    expect(r).toEqual({ changes: "some", replaces: ["topic"], deleteBeforeReplace: false });
  });

  test("create on an existing (topic, callback) makes no second subscription; the original keeps its secret", async () => {
    const denials = subscriber.denials.length;
    const again = await host.create(provider, urn, {
      ...inputs,
      renewBeforeSeconds: 86400,
      revision: REV,
    });
    expect(again.id).toBe(id);
    const reason = await subscriber.waitFor("denial", () => subscriber.denials[denials]);
    expect(reason).toMatchObject({
      topic: TOPIC,
      reason: "Subscriber has already registered with the Hub",
    });
    expect(subscriptionsFor(TOPIC, callback)).toHaveLength(1);
    // What MOSIP's hub does (§7.4): the original stays, with the secret it was made with. The new
    // create's hubSecret is not the one the hub signs with: the limit the module documents.
    const d = await deliverOne(TOPIC, callback);
    expect(
      verifyHubSignature(d.headers["x-hub-signature"], state.hubSecret as string, d.body),
    ).toBe(true);
    expect(
      verifyHubSignature(
        d.headers["x-hub-signature"],
        again.properties.hubSecret as string,
        d.body,
      ),
    ).toBe(false);
  });

  test("delete unsubscribes; deleting again is harmless", async () => {
    subscriber.expectUnsubscribe(callback);
    await host.delete(provider, id, urn, state);
    await subscriber.waitFor("unsubscribed", () => subscriptionsFor(TOPIC, callback).length === 0);
    const denials = subscriber.denials.length;
    await host.delete(provider, id, urn, state);
    const d = await subscriber.waitFor("denial", () => subscriber.denials[denials]);
    expect(d.reason).toMatch(/Could not find a valid subscriber/);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");
  const base = () => ({
    topic: TOPIC,
    callback: subscriber.expect(TOPIC, "x"),
    leaseSeconds: 3600,
    renewBeforeSeconds: 60,
    subscriberClientId: PARTNER,
    subscriberClientSecret: PARTNER_SECRET,
    revision: REV,
  });

  test("a wrong subscriber secret", async () => {
    const wrong = "sandbox-test-wrong-subscriber-secret";
    const err = (await host
      .create(provider, urn, { ...base(), subscriberClientSecret: wrong })
      .catch((e) => e)) as ProviderHostError;
    expect(err).toBeInstanceOf(ProviderHostError);
    expect(err.details).toMatch(
      /^WebSubSubscription subscription to "crvs-ws-partner\/CREDENTIAL_ISSUED"/,
    );
    expect(err.details).toMatch(/the subscriber client "crvs-ws-partner" could not log in/);
    expect(err.details).toMatch(/Check subscriberClientId\/subscriberClientSecret/);
    expect(findLeaks(err.details, [wrong, PARTNER_SECRET, adminSecret])).toEqual([]);
  });

  test("a subscriber the hub refuses (no SUBSCRIBE_ role, not the partner)", async () => {
    const err = (await host
      .create(provider, urn, {
        ...base(),
        subscriberClientId: NO_ROLE,
        subscriberClientSecret: "sandbox-test-norole-secret",
      })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /WebSub hub denied hub.mode=subscribe for topic "crvs-ws-partner\/CREDENTIAL_ISSUED"/,
    );
    expect(err.details).toMatch(/Subscriber is not authorized/);
    expect(err.details).toMatch(/service-account-<partnerId>/);
    expect(findLeaks(err.details, ["sandbox-test-norole-secret"])).toEqual([]);
  });

  test("an unreachable hub", async () => {
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(sandbox.url, { maxRetries: 1 }),
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, { ...base(), hubUrl: `http://127.0.0.1:${port}/hub` })
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(
        /create failed: POST http:\/\/127\.0\.0\.1:\d+\/hub failed: cannot connect/,
      );
      expect(err.details).toMatch(/ECONNREFUSED/);
      expect(err.details).toMatch(/Check the host name and port/);
      expect(findLeaks(err.details, [PARTNER_SECRET, adminSecret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a hub validation error", async () => {
    const err = (await host
      .create(provider, urn, { ...base(), callback: "ftp://127.0.0.1/cb" })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(/WebSub hub denied hub.mode=subscribe/);
    expect(err.details).toMatch(/Invalid value found for parameter 'hub.callback'/);
    expect(findLeaks(err.details, [PARTNER_SECRET])).toEqual([]);
  });
});

describe("under injected faults", () => {
  test("create and update succeed and each (topic, callback) is subscribed once", async () => {
    const h = await startProviderHost({
      config: stackConfig(sandbox.url),
      env: { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    const callbacks = Array.from({ length: 5 }, () => subscriber.expect(TOPIC, "f"));
    try {
      const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rate: 0.2,
          kinds: ["5xx", "reset", "delay", "expired-token"],
          delayMs: 300,
          seed: 11,
        }),
      });
      expect(res.status).toBe(200);
      const before = sandbox.requests.length;
      for (const [n, cb] of callbacks.entries()) {
        const urn = urnFor(TYPE, `fault-${n}`);
        const i = {
          topic: TOPIC,
          callback: cb,
          leaseSeconds: 3600,
          renewBeforeSeconds: 60,
          subscriberClientId: PARTNER,
          subscriberClientSecret: PARTNER_SECRET,
          revision: REV,
        };
        const c = await h.create(provider, urn, i);
        const u = await h.update(provider, c.id, urn, stateOf(c.properties), {
          ...i,
          leaseSeconds: 7200,
        });
        expect(u.properties.leaseSeconds).toBe(7200);
        expect(u.properties.hubSecret).toBe(c.properties.hubSecret);
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(1);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
      await h.close();
    }
    for (const cb of callbacks)
      await subscriber.waitFor(
        `one subscription for ${cb}`,
        () => subscriptionsFor(TOPIC, cb).length === 1,
      );
    await new Promise((r) => setTimeout(r, 300));
    for (const cb of callbacks) expect(subscriptionsFor(TOPIC, cb)).toHaveLength(1);
  });
});
