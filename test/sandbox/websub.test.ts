// The sandbox WebSub hub driven over HTTP by a W3C-style subscriber (testing-subscriber.ts):
// intent verification, denials, unsubscribe, signed delivery, 410, retries and MOSIP's
// authorization rules (contract §7).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientToken, eventually } from "./credential-fixtures";
import { startSandbox, type Sandbox } from "./server";
import { TestingSubscriber, verifyHubSignature } from "./testing-subscriber";
import { DEFAULT_WEBSUB_SETTINGS, webSubSettings, type WebSubState } from "./websub";

let sandbox: Sandbox;
let sub: TestingSubscriber;
const PARTNER = "crvs-ws-partner";
const TOPIC = `${PARTNER}/CREDENTIAL_ISSUED`;
let partnerToken: string;
let otherToken: string;
let publisherToken: string;
let regprocToken: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  // Short timings for tests; the defaults (MOSIP's websub-service.toml) are asserted below.
  Object.assign(webSubSettings(sandbox.context), {
    intentRetryIntervalMs: 20,
    intentMaxIntervalMs: 80,
    deliveryRetryIntervalMs: 20,
  });
  sub = await TestingSubscriber.start();
  partnerToken = await clientToken(sandbox, PARTNER, ["SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL"]);
  otherToken = await clientToken(sandbox, "crvs-ws-other", [
    "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
  ]);
  publisherToken = await clientToken(sandbox, "crvs-ws-publisher", [
    "PUBLISH_CREDENTIAL_ISSUED_ALL_INDIVIDUAL",
  ]);
  // Seeded mosip-regproc-client: no SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL role.
  regprocToken = await clientToken(sandbox, "crvs-ws-norole", ["REGISTRATION_PROCESSOR"]);
});

afterAll(async () => {
  await sub?.close();
  await sandbox?.close();
});

const state = () => sandbox.context.state.websub as WebSubState;

async function hubPost(
  fields: Record<string, string>,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; form: URLSearchParams }> {
  const res = await fetch(`${sandbox.url}/hub`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(token ? { cookie: `Authorization=${token}` } : {}),
      ...headers,
    },
    body: new URLSearchParams(fields),
  });
  const text = await res.text();
  return { status: res.status, text, form: new URLSearchParams(text) };
}

async function publish(topic: string, payload: unknown, token?: string) {
  const res = await fetch(
    `${sandbox.url}/hub?${new URLSearchParams({ "hub.mode": "publish", "hub.topic": topic })}`,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { cookie: `Authorization=${token}` } : {}),
      },
      body: JSON.stringify(payload),
    },
  );
  return { status: res.status, form: new URLSearchParams(await res.text()) };
}

async function subscribed(callback: string, secret: string, token = partnerToken, topic = TOPIC) {
  const r = await hubPost(
    { "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.secret": secret },
    token,
  );
  expect(r.status).toBe(202);
  expect(r.text).toBe("");
  await eventually("subscription stored", () =>
    [...state().subscriptions.values()].some((s) => s.callback === callback),
  );
}

describe("defaults", () => {
  it("keeps MOSIP's websub-service.toml timings as the documented defaults", () => {
    expect(DEFAULT_WEBSUB_SETTINGS).toMatchObject({
      intentRetryIntervalMs: 3000,
      intentRetryCount: 3,
      intentBackoffFactor: 2,
      intentMaxIntervalMs: 20000,
      deliveryRetryIntervalMs: 3000,
      deliveryRetryCount: 3,
      deliveryTimeoutMs: 30000,
      defaultLeaseSeconds: 864000,
    });
  });
});

describe("subscribe and deliver", () => {
  it("verifies intent with a uuid challenge and the default lease, then delivers signed content", async () => {
    const secret = "sandbox-test-hub-secret-1";
    const cb = sub.expect(TOPIC, secret);
    await subscribed(cb, secret);
    const intent = sub.intents.find((i) => i.path === new URL(cb).pathname)!;
    expect(intent.mode).toBe("subscribe");
    expect(intent.challenge).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(intent.leaseSeconds).toBe(864000);

    // The secret is stored AES-GCM encrypted and never shows in the state dump.
    const dump = await (await fetch(`${sandbox.url}/__sandbox/state`)).text();
    expect(dump).not.toContain(secret);
    const stored = [...state().subscriptions.values()].find((s) => s.callback === cb)!;
    expect(stored.secret).toMatch(/^cipher\{[A-Za-z0-9+/=]+\}$/);
    expect(stored.subscriber).toBe(`service-account-${PARTNER}`);

    const payload = { event: { id: "e1", data: { registrationId: "10001" } } };
    const p = await publish(TOPIC, payload, publisherToken);
    expect(p.status).toBe(200);
    expect(p.form.get("hub.mode")).toBe("accepted");
    const [d] = await sub.waitFor(
      "delivery",
      () => sub.deliveriesTo(cb).length > 0 && sub.deliveriesTo(cb),
    );
    expect(d.json).toEqual(payload);
    expect(d.signatureValid).toBe(true);
    expect(d.headers["x-hub-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(d.headers["content-type"]).toContain("application/json");
    expect(d.topic).toBe(TOPIC);
    expect(String(d.headers.link)).toBe(`${sandbox.url}/hub; rel="hub", ${TOPIC}; rel="self"`);
    expect(state().deliveries.some((r) => r.callback === cb && r.outcome === "delivered")).toBe(
      true,
    );

    // A tampered body no longer matches the signature the subscriber checks.
    const tampered = Buffer.from(JSON.stringify({ ...payload, forged: true }));
    expect(verifyHubSignature(d.headers["x-hub-signature"], secret, d.body)).toBe(true);
    expect(verifyHubSignature(d.headers["x-hub-signature"], secret, tampered)).toBe(false);
    expect(verifyHubSignature(d.headers["x-hub-signature"], "another-secret", d.body)).toBe(false);
    const forged = await fetch(cb, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature": String(d.headers["x-hub-signature"]),
      },
      body: tampered,
    });
    expect(forged.status).toBe(200);
    expect(sub.deliveriesTo(cb).at(-1)!.signatureValid).toBe(false);
  });

  it("passes hub.lease_seconds through to the verification", async () => {
    const cb = sub.expect(TOPIC, "s");
    const r = await hubPost(
      {
        "hub.mode": "subscribe",
        "hub.topic": TOPIC,
        "hub.callback": cb,
        "hub.secret": "s",
        "hub.lease_seconds": "3600",
      },
      partnerToken,
    );
    expect(r.status).toBe(202);
    const intent = await sub.waitFor("intent", () =>
      sub.intents.find((i) => i.path === new URL(cb).pathname),
    );
    expect(intent.leaseSeconds).toBe(3600);
  });

  it("delivers in-process publishes (sb.websub.publish) as well", async () => {
    // A topic without partner prefix: SUBSCRIBE_<EVENT>_GENERAL is the rule.
    const secret = "sandbox-test-hub-secret-2";
    const topic = "INPROC_EVENT";
    const cb = sub.expect(topic, secret);
    const token = await clientToken(sandbox, "crvs-ws-general", ["SUBSCRIBE_INPROC_EVENT_GENERAL"]);
    await subscribed(cb, secret, token, topic);
    await sandbox.context.websub.publish(topic, { hello: "world" });
    const [d] = await sub.waitFor(
      "delivery",
      () => sub.deliveriesTo(cb).length > 0 && sub.deliveriesTo(cb),
    );
    expect(d.json).toEqual({ hello: "world" });
    expect(d.signatureValid).toBe(true);
  });
});

describe("verification failures and denials", () => {
  it("stores nothing when the subscriber echoes a different challenge", async () => {
    const cb = sub.expect(TOPIC, "s", { wrongChallenge: true });
    const r = await hubPost(
      { "hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": cb, "hub.secret": "s" },
      partnerToken,
    );
    expect(r.status).toBe(202);
    await eventually("verification recorded", () =>
      state().verifications.some((v) => v.callback === cb && v.outcome === "challenge-mismatch"),
    );
    // A wrong challenge is final: exactly one attempt.
    expect(state().verifications.filter((v) => v.callback === cb)).toHaveLength(1);
    expect([...state().subscriptions.values()].some((s) => s.callback === cb)).toBe(false);
    await publish(TOPIC, { x: 1 }, publisherToken);
    await new Promise((r) => setTimeout(r, 150));
    expect(sub.deliveriesTo(cb)).toHaveLength(0);
  });

  it("takes a refusal (404) as final, without retrying", async () => {
    // Not expected by the subscriber: it answers 404 (W3C: the subscriber does not agree).
    const cb = `${sub.baseUrl}/callback/not-expected`;
    const r = await hubPost(
      { "hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": cb, "hub.secret": "s" },
      partnerToken,
    );
    expect(r.status).toBe(202);
    await eventually("verification failed", () =>
      state().verifications.some((v) => v.callback === cb && v.outcome === "failed"),
    );
    await new Promise((res) => setTimeout(res, 150));
    const attempts = state().verifications.filter((v) => v.callback === cb);
    expect(attempts.map((a) => a.status)).toEqual([404]);
    expect([...state().subscriptions.values()].some((s) => s.callback === cb)).toBe(false);
  });

  it("retries an unreachable callback (MOSIP's retry count) and then gives up", async () => {
    const gone = await TestingSubscriber.start();
    const cb = gone.expect(TOPIC, "s");
    await gone.close();
    const r = await hubPost(
      { "hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": cb, "hub.secret": "s" },
      partnerToken,
    );
    expect(r.status).toBe(202);
    await eventually("verification failed", () =>
      state().verifications.some((v) => v.callback === cb && v.outcome === "failed"),
    );
    const attempts = state().verifications.filter((v) => v.callback === cb);
    expect(attempts).toHaveLength(1 + webSubSettings(sandbox.context).intentRetryCount);
    expect(attempts.every((a) => a.status === null && a.error)).toBe(true);
    expect(new Set(attempts.map((a) => a.challenge)).size).toBe(1);
    expect([...state().subscriptions.values()].some((s) => s.callback === cb)).toBe(false);
  });

  it("denies a second subscription for the same topic and callback, keeping the first", async () => {
    const secret = "sandbox-test-dup";
    const cb = sub.expect(TOPIC, secret);
    await subscribed(cb, secret);
    const again = await hubPost(
      { "hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": cb, "hub.secret": "other" },
      partnerToken,
    );
    expect(again.status).toBe(202);
    const denial = await sub.waitFor("denial", () =>
      sub.denials.find((d) => d.path === new URL(cb).pathname),
    );
    expect(denial.reason).toBe("Subscriber has already registered with the Hub");
    expect(denial.topic).toBe(TOPIC);
    expect(sub.intents.filter((i) => i.path === new URL(cb).pathname)).toHaveLength(1);
    const before = sub.deliveriesTo(cb).length;
    await publish(TOPIC, { n: 2 }, publisherToken);
    await sub.waitFor("delivery", () => sub.deliveriesTo(cb).length > before);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.deliveriesTo(cb)).toHaveLength(before + 1);
    // Still signed with the first secret.
    expect(sub.deliveriesTo(cb).at(-1)!.signatureValid).toBe(true);
  });
});

describe("unsubscribe", () => {
  it("verifies the unsubscribe intent (no lease) and stops delivery", async () => {
    const secret = "sandbox-test-unsub";
    const cb = sub.expect(TOPIC, secret);
    await subscribed(cb, secret);
    sub.expectUnsubscribe(cb);
    const r = await hubPost(
      { "hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.callback": cb, "hub.secret": "x" },
      partnerToken,
    );
    expect(r.status).toBe(202);
    await eventually(
      "unsubscribed",
      () => ![...state().subscriptions.values()].some((s) => s.callback === cb),
    );
    const intent = sub.intents.find(
      (i) => i.path === new URL(cb).pathname && i.mode === "unsubscribe",
    )!;
    expect(intent.confirmed).toBe(true);
    expect(intent.leaseSeconds).toBeUndefined();
    await publish(TOPIC, { after: "unsubscribe" }, publisherToken);
    await new Promise((r) => setTimeout(r, 150));
    expect(sub.deliveriesTo(cb).some((d) => (d.json as { after?: string }).after)).toBe(false);
  });

  it("sends a denial for an unknown subscription or topic", async () => {
    const cb = sub.expect(TOPIC, "s");
    await hubPost(
      { "hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.callback": cb },
      partnerToken,
    );
    const d = await sub.waitFor("denial", () =>
      sub.denials.find((x) => x.path === new URL(cb).pathname),
    );
    expect(d.reason).toBe(
      `Could not find a valid subscriber for Topic [${TOPIC}] and Callback [${cb}]`,
    );

    const fresh = `${PARTNER}/NEVER_USED`;
    const cb2 = sub.expect(fresh, "s");
    await hubPost(
      { "hub.mode": "unsubscribe", "hub.topic": fresh, "hub.callback": cb2 },
      partnerToken,
    );
    // partnerToken lacks SUBSCRIBE_NEVER_USED_INDIVIDUAL: refused before any validation.
    expect(sub.denials.some((x) => x.path === new URL(cb2).pathname)).toBe(false);
  });
});

describe("delivery outcomes (one Kafka consumer per subscriber)", () => {
  const sub_ = () => [...state().subscriptions.values()];

  it("stops the subscriber's consumer on 410 Gone; subscribing again is then accepted", async () => {
    const cb = sub.expect(TOPIC, "s410", { deliveryStatus: 410 });
    await subscribed(cb, "s410");
    await publish(TOPIC, { n: 410 }, publisherToken);
    await eventually("gone", () =>
      state().deliveries.some((d) => d.callback === cb && d.outcome === "gone"),
    );
    // No retry after 410; the subscription stays persisted but its consumer is stopped.
    expect(state().deliveries.filter((d) => d.callback === cb)).toHaveLength(1);
    const stopped = sub_().find((x) => x.callback === cb)!;
    expect(stopped.consumer).toBe("stopped");
    expect(stopped.stoppedReason).toContain("410");
    await publish(TOPIC, { n: 411 }, publisherToken);
    await new Promise((r) => setTimeout(r, 150));
    expect(sub.deliveriesTo(cb)).toHaveLength(1);

    // Not in the hub's subscriber cache any more: the same (topic, callback) is not a duplicate.
    sub.answerDeliveries(cb, 200);
    const again = await hubPost(
      { "hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": cb, "hub.secret": "s410" },
      partnerToken,
    );
    expect(again.status).toBe(202);
    await eventually(
      "running again",
      () => sub_().find((x) => x.callback === cb)?.consumer === "running",
    );
    expect(sub.denials.some((d) => d.path === new URL(cb).pathname)).toBe(false);
    await publish(TOPIC, { n: 412 }, publisherToken);
    const d = await sub.waitFor("delivery after resubscribe", () =>
      sub.deliveriesTo(cb).find((x) => (x.json as { n?: number }).n === 412),
    );
    expect(d.signatureValid).toBe(true);
  });

  it("stops on another status without retrying, and redelivers in order once restarted", async () => {
    const cb = sub.expect(TOPIC, "s500", { deliveryStatus: 500 });
    await subscribed(cb, "s500");
    await publish(TOPIC, { n: 500 }, publisherToken);
    await eventually("failed", () =>
      state().deliveries.some((d) => d.callback === cb && d.outcome === "failed"),
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(
      state()
        .deliveries.filter((d) => d.callback === cb)
        .map((d) => d.status),
    ).toEqual([500]);
    expect(sub_().find((x) => x.callback === cb)?.consumer).toBe("stopped");
    await publish(TOPIC, { n: 501 }, publisherToken);
    await new Promise((r) => setTimeout(r, 150));
    expect(sub.deliveriesTo(cb)).toHaveLength(1);

    // Any change of the persisted subscriber list restarts stopped consumers from their last
    // committed message: both messages arrive, in order.
    sub.answerDeliveries(cb, 200);
    const other = sub.expect(TOPIC, "s-other");
    await subscribed(other, "s-other");
    const got = await sub.waitFor("redelivery", () => {
      const ok = sub.deliveriesTo(cb).filter((x) => x.answered === 200);
      return ok.length >= 2 && ok;
    });
    expect(got.map((x) => (x.json as { n: number }).n)).toEqual([500, 501]);
    expect(got.every((x) => x.signatureValid)).toBe(true);
    expect(sub_().find((x) => x.callback === cb)?.consumer).toBe("running");
  });

  it("retries a delivery the subscriber cannot be reached for, then stops", async () => {
    const flaky = await TestingSubscriber.start();
    const cb = flaky.expect(TOPIC, "s-flaky");
    await subscribed(cb, "s-flaky");
    await flaky.close();
    await publish(TOPIC, { n: 600 }, publisherToken);
    await eventually("failed", () =>
      state().deliveries.some((d) => d.callback === cb && d.outcome === "failed"),
    );
    const attempts = state().deliveries.filter((d) => d.callback === cb);
    expect(attempts).toHaveLength(1 + webSubSettings(sandbox.context).deliveryRetryCount);
    expect(attempts.every((a) => a.status === null && a.error)).toBe(true);
    expect(sub_().find((x) => x.callback === cb)?.consumer).toBe("stopped");
  });
});

describe("authorization (§7.3)", () => {
  const subscribeAs = (token: string | undefined, cb: string, topic = TOPIC, headers = {}) =>
    hubPost(
      { "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": cb, "hub.secret": "s" },
      token,
      headers,
    );

  async function expectRefused(
    r: { status: number; text: string; form: URLSearchParams },
    cb: string,
  ) {
    expect(r.status).toBe(500);
    expect(r.text.startsWith("hub.mode=denied&hub.reason=")).toBe(true);
    await new Promise((res) => setTimeout(res, 100));
    // Refused synchronously: the hub never calls the callback.
    expect(sub.intents.some((i) => i.path === new URL(cb).pathname)).toBe(false);
    expect(state().verifications.some((v) => v.callback === cb)).toBe(false);
  }

  it("refuses a subscriber without SUBSCRIBE_<EVENT>_INDIVIDUAL", async () => {
    const cb = sub.expect("crvs-ws-norole/CREDENTIAL_ISSUED", "s");
    const r = await subscribeAs(regprocToken, cb, "crvs-ws-norole/CREDENTIAL_ISSUED");
    await expectRefused(r, cb);
    expect(r.form.get("hub.reason")).toBe("Subscriber is not authorized");
  });

  it("refuses a subscriber whose user id is not the topic's partner prefix", async () => {
    const cb = sub.expect(TOPIC, "s");
    const r = await subscribeAs(otherToken, cb);
    await expectRefused(r, cb);
    expect(r.form.get("hub.reason")).toBe("Subscriber is not authorized");
    // The prefix must match exactly: a case variant is another partner.
    const cb2 = sub.expect(TOPIC.toUpperCase(), "s");
    await expectRefused(
      await subscribeAs(partnerToken, cb2, TOPIC.replace(PARTNER, PARTNER.toUpperCase())),
      cb2,
    );
  });

  it("reads the token only from the Cookie header (split on '; ')", async () => {
    const cb = sub.expect(TOPIC, "s");
    const none = await subscribeAs(undefined, cb);
    await expectRefused(none, cb);
    expect(none.form.get("hub.reason")).toBe("Http header does not exist");
    await expectRefused(
      await subscribeAs(undefined, cb, TOPIC, { authorization: `Bearer ${partnerToken}` }),
      cb,
    );
    const glued = await subscribeAs(undefined, cb, TOPIC, {
      cookie: `a=b;Authorization=${partnerToken}`,
    });
    await expectRefused(glued, cb);
    expect(glued.form.get("hub.reason")).toBe("Authorization token cannot be found");
    await expectRefused(
      await subscribeAs(undefined, cb, TOPIC, { cookie: `Authorization=not-a-jwt` }),
      cb,
    );
    // The same token as the second cookie, separated by "; ", is found; a trailing ";" (as the
    // OpenCRVS adapter sends it) ends the cookie when the hub hands it to validateToken.
    const ok = await subscribeAs(undefined, cb, TOPIC, {
      cookie: `a=b; Authorization=${partnerToken};`,
    });
    expect(ok.status).toBe(202);
  });

  it("treats a token the fault injector expires as invalid", async () => {
    const cb = sub.expect(TOPIC, "s");
    const set = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rate: 1, kinds: ["expired-token"], paths: ["/hub"] }),
    });
    expect(set.status).toBe(200);
    try {
      const r = await subscribeAs(partnerToken, cb);
      await expectRefused(r, cb);
      expect(r.form.get("hub.reason")).toBe("Subscriber is not authorized");
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
  });

  it("refuses callbacks that are not on this machine without contacting them", async () => {
    for (const cb of ["http://example.org/cb", "http://10.0.0.1:8080/cb", "ftp://127.0.0.1/cb"]) {
      const r = await subscribeAs(partnerToken, cb);
      expect(r.status).toBe(400);
      expect(r.form.get("hub.mode")).toBe("denied");
      await new Promise((res) => setTimeout(res, 30));
      expect(state().verifications.some((v) => v.callback === cb)).toBe(false);
      expect(state().denials.some((v) => v.callback === cb)).toBe(false);
    }
  });

  it("lets only PUBLISH_<EVENT>_ALL_INDIVIDUAL publish to a partner topic", async () => {
    const denied = await publish(TOPIC, { x: 1 }, partnerToken);
    expect(denied.status).toBe(200);
    expect(denied.form.get("hub.mode")).toBe("denied");
    expect(denied.form.get("hub.reason")).toBe("Publisher is not authorized");
    expect((await publish(TOPIC, { x: 1 })).form.get("hub.mode")).toBe("denied");
    expect((await publish(TOPIC, { x: 1 }, publisherToken)).form.get("hub.mode")).toBe("accepted");
  });

  it("registers and deregisters topics with the publisher rule", async () => {
    const topic = `${PARTNER}/REG_TEST`;
    const t = await clientToken(sandbox, "crvs-ws-reg", ["PUBLISH_REG_TEST_ALL_INDIVIDUAL"]);
    expect(
      (await hubPost({ "hub.mode": "register", "hub.topic": topic }, partnerToken)).form.get(
        "hub.reason",
      ),
    ).toBe("Publisher is not authorized");
    const reg = await hubPost({ "hub.mode": "register", "hub.topic": topic }, t);
    expect(reg.status).toBe(200);
    expect(reg.text).toBe("hub.mode=accepted");
    expect(
      (await hubPost({ "hub.mode": "register", "hub.topic": topic }, t)).form.get("hub.reason"),
    ).toBe("Topic has already registered with the Hub");
    // Topic names collide after Kafka sanitising (`/` -> `_`).
    expect(
      (await hubPost({ "hub.mode": "register", "hub.topic": `${PARTNER}_REG_TEST` }, t)).form.get(
        "hub.mode",
      ),
    ).toBe("denied");
    expect((await hubPost({ "hub.mode": "deregister", "hub.topic": topic }, t)).text).toBe(
      "hub.mode=accepted",
    );
    expect(
      (await hubPost({ "hub.mode": "deregister", "hub.topic": topic }, t)).form.get("hub.reason"),
    ).toBe("Topic has not been registered in the Hub");
  });

  it("rejects unknown modes and content types", async () => {
    const r = await hubPost({ "hub.mode": "bogus", "hub.topic": TOPIC }, partnerToken);
    expect(r.status).toBe(400);
    expect(r.text).toBe("The request does not include valid `hub.mode` form param.");
    const res = await fetch(`${sandbox.url}/hub/`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: "x",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Endpoint only supports content type");
  });
});
