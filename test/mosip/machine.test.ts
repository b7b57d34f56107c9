// Machine through the path `pulumi up` uses (closure serializer + the SDK's dynamic-provider host)
// against the sandbox masterdata: generated and supplied keys, byte-wise key comparison, adoption,
// the rename quirk, unmap + decommission, failures and injected faults.
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { MosipClient } from "../../components/mosip/client";
import { MosipProvider } from "../../components/mosip/dynamic";
import { MosipNetworkError } from "../../components/mosip/errors";
import { machineSpec, type MachineInputs } from "../../components/mosip/machine";
import { generateMachineKeyPair } from "../../components/mosip/machine-keys";
import {
  findLeaks,
  ProviderHostError,
  startProviderHost,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import type { Sandbox } from "../sandbox/server";
import {
  type MosipLifecycle,
  expectProviderReference,
  mosipStackConfig,
  startLifecycle,
  unusedPort,
} from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:Machine";
const MD = "/v1/masterdata";
const REV = "1.1";

let sandbox: Sandbox;
let secret: string;
let provider: SerializedProvider;
let host: ProviderHost;
let mosip: MosipClient;
let operator: MosipClient;
let centreId: string;

function stackConfig(apiBaseUrl: string, extra: Record<string, unknown> = {}) {
  return mosipStackConfig(apiBaseUrl, secret, { appId: "admin", ...extra });
}

const machineInputs = (name: string, over: Record<string, unknown> = {}): Props => ({
  name,
  machineSpecId: "1001",
  serialNum: "SN-0001",
  macAddress: "00:1A:2B:3C:4D:5E",
  ipAddress: "10.0.0.10",
  zoneCode: "RAB",
  regCenterId: centreId,
  active: true,
  revision: REV,
  ...over,
});

interface SandboxMachine {
  id: string;
  name: string;
  ipAddress: string;
  regCenterId: string | null;
  isActive: boolean;
  isDeleted: boolean;
  publicKey: string;
  keyIndex: string;
}
async function machines(): Promise<SandboxMachine[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { masterdata: { machines: Record<string, SandboxMachine> } };
  return Object.values(state.masterdata.machines);
}
const liveNamed = async (name: string) =>
  (await machines()).filter((m) => m.name === name && !m.isDeleted);

const stateOf = (p: Props) => stripProvider(p);

/** The private key signs what MOSIP's registered public key verifies. */
function pairs(privatePem: unknown, registered: unknown): boolean {
  const pub = createPublicKey({
    key: Buffer.from(String(registered), "base64url"),
    format: "der",
    type: "spki",
  });
  const sig = sign("sha256", Buffer.from("packet"), String(privatePem));
  return verify("sha256", Buffer.from("packet"), pub, sig);
}

let lifecycle: MosipLifecycle;
beforeAll(async () => {
  lifecycle = await startLifecycle({
    resources: [
      {
        module: "components/mosip/machine.ts",
        export: "Machine",
        args: { name: "serialized", machineSpecId: "1001", ipAddress: "10.0.0.1", zoneCode: "RAB" },
      },
    ],
    mosipConfig: { appId: "admin" },
    async setup(l) {
      ({ sandbox, secret, mosip } = l);
      const c = await mosip.kernel<{ id: string }>("POST", `${MD}/registrationcenters`, {
        request: {
          name: "Machine Test Centre",
          addressLine1: "1 Rue Test",
          langCode: "eng",
          isActive: true,
          centerTypeCode: "REG",
          latitude: "34.0209",
          longitude: "-6.8416",
          locationCode: "10114",
          holidayLocationCode: "RSK",
          workingHours: "8:00-17:00",
          perKioskProcessTime: "00:15:00",
          centerStartTime: "08:00:00",
          centerEndTime: "17:00:00",
          zoneCode: "RAB",
        },
        idempotent: false,
      });
      centreId = c.id;
    },
  });
  ({ sandbox, secret, mosip, operator, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("Machine lifecycle through the provider host", () => {
  const urn = urnFor(TYPE, "desk-1");
  let inputs: Props;
  let id: string;
  let state: Props;

  test("type token, secret outputs, no credential, and a reference to the installed provider package", () => {
    expect(machineSpec.secretOutputs).toEqual(["privateKeyPem", "signPrivateKeyPem"]);
    expectProviderReference(provider, "Machine", [secret]);
  });

  test("check: a bad key is named with the fix; a base64 key is normalised to MOSIP's form", async () => {
    inputs = machineInputs("crvs-desk-1");
    const bad = await host.check(provider, urn, {}, { ...inputs, publicKey: "bm90IGEga2V5" });
    expect(bad.failures).toEqual([
      {
        property: "publicKey",
        reason: expect.stringMatching(/not a base64 or base64url X\.509 .*KER-MSD-257.*generate/),
      },
    ]);
    const der = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
      format: "der",
      type: "spki",
    });
    const ok = await host.check(
      provider,
      urn,
      {},
      { ...inputs, signPublicKey: der.toString("base64") },
    );
    expect(ok.failures).toEqual([]);
    expect(ok.inputs.signPublicKey).toBe(der.toString("base64url"));
  });

  test("create registers generated key pairs and activates the machine", async () => {
    const created = await host.create(provider, urn, inputs);
    id = created.id;
    state = stateOf(created.properties);
    expect(id).toMatch(/^\d{5}$/);
    expect(state).toMatchObject({ ...inputs, machineId: id, createdByStack: true });
    expect(state.publicKey).toBeUndefined();
    expect(pairs(state.privateKeyPem, state.registeredPublicKey)).toBe(true);
    expect(pairs(state.signPrivateKeyPem, state.registeredSignPublicKey)).toBe(true);
    const [m] = await liveNamed("crvs-desk-1");
    expect(m).toMatchObject({ id, isActive: true, regCenterId: centreId });
    expect(m!.publicKey).toBe(state.registeredPublicKey);
    expect(m!.keyIndex).toBe(state.keyIndex);
  });

  test("read equals the state; diff with the same inputs is empty", async () => {
    const r = await host.read(provider, id, urn, state);
    expect(stateOf(r.properties)).toEqual(state);
    expect(await host.diff(provider, id, urn, state, inputs)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("drift (IP, status, a key replaced by hand) is seen by read and converged by update", async () => {
    const other = generateMachineKeyPair();
    await mosip.kernel("PUT", `${MD}/machines`, {
      request: {
        id,
        name: "crvs-desk-1",
        machineSpecId: "1001",
        ipAddress: "10.9.9.9",
        zoneCode: "RAB",
        regCenterId: centreId,
        publicKey: other.key,
      },
    });
    await mosip.kernel("PATCH", `${MD}/machines`, { query: { id, isActive: false } });
    const r = await host.read(provider, id, urn, state);
    const seen = stateOf(r.inputs!);
    expect(seen).toMatchObject({ ipAddress: "10.9.9.9", active: false, publicKey: other.key });
    expect(seen.signPublicKey).toBeUndefined(); // still the one we hold
    expect(r.properties.privateKeyPem).toBeUndefined();
    expect((await host.diff(provider, id, urn, seen, inputs)).changes).toBe("some");
    const u = await host.update(provider, id, urn, stateOf(r.properties), inputs);
    const after = stateOf(u.properties);
    expect(after).toMatchObject({ ...inputs, machineId: id });
    expect(after.publicKey).toBeUndefined();
    expect(after.registeredPublicKey).not.toBe(other.key);
    expect(pairs(after.privateKeyPem, after.registeredPublicKey)).toBe(true);
    expect(after.signPrivateKeyPem).toBe(state.signPrivateKeyPem);
    const [m] = await liveNamed("crvs-desk-1");
    expect(m).toMatchObject({ ipAddress: "10.0.0.10", isActive: true });
    state = after;
  });

  test("create on the existing machine adopts it: no second machine", async () => {
    const again = await host.create(provider, urn, inputs);
    expect(again.id).toBe(id);
    expect(again.properties.privateKeyPem).toBe(state.privateKeyPem);
    expect(await liveNamed("crvs-desk-1")).toHaveLength(1);
  });

  test("supplied keys: given in base64, stored in base64url, no diff", async () => {
    const enc = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
      format: "der",
      type: "spki",
    });
    const sig = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
      format: "der",
      type: "spki",
    });
    const raw = machineInputs("crvs-desk-2", {
      publicKey: enc.toString("base64"),
      signPublicKey: sig.toString("base64"),
    });
    const u2 = urnFor(TYPE, "desk-2");
    const checked = stripProvider((await host.check(provider, u2, {}, raw)).inputs);
    const c = await host.create(provider, u2, checked);
    const s2 = stateOf(c.properties);
    expect(s2.registeredPublicKey).toBe(enc.toString("base64url"));
    expect(s2.privateKeyPem).toBeUndefined();
    const r = await host.read(provider, c.id, u2, s2);
    expect(stateOf(r.inputs!)).toEqual(checked);
    expect((await host.diff(provider, c.id, u2, stateOf(r.properties), checked)).changes).toBe(
      "none",
    );

    // MOSIP's update would let desk-2 take desk-1's name; the resource refuses first.
    const err = (await host
      .update(provider, c.id, u2, s2, { ...checked, name: "crvs-desk-1" })
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      new RegExp(`cannot rename machine ${c.id} to "crvs-desk-1": machine ${id} already has`),
    );
    expect(await liveNamed("crvs-desk-1")).toHaveLength(1);
    await host.delete(provider, c.id, u2, s2);
  });

  test("a machine made outside the stack: refused without its keys, adopted with them, left on delete", async () => {
    const k1 = generateMachineKeyPair();
    const k2 = generateMachineKeyPair();
    const m = await operator.kernel<{ id: string }>("POST", `${MD}/machines`, {
      request: {
        name: "existing-desk",
        machineSpecId: "1001",
        ipAddress: "10.0.0.50",
        zoneCode: "RAB",
        regCenterId: centreId,
        publicKey: k1.key,
        signPublicKey: k2.key,
        isActive: true,
      },
      idempotent: false,
    });
    const u3 = urnFor(TYPE, "existing");
    const err = (await host
      .create(provider, u3, machineInputs("existing-desk", { ipAddress: "10.0.0.50" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /already exists in MOSIP \(id \d+\) with keys this stack did not generate\. To adopt it, give its publicKey and signPublicKey/,
    );
    const c = await host.create(
      provider,
      u3,
      machineInputs("existing-desk", { publicKey: k1.key, signPublicKey: k2.key }),
    );
    expect(c.id).toBe(m.id);
    expect(c.properties.createdByStack).toBe(false);
    expect((await liveNamed("existing-desk"))[0]).toMatchObject({ ipAddress: "10.0.0.10" });
    await host.delete(provider, c.id, u3, stateOf(c.properties));
    expect(await liveNamed("existing-desk")).toHaveLength(1);
  });

  test("a machine the stack's own credential made (a create whose answer was lost) is adopted as its own and decommissioned on delete", async () => {
    const k1 = generateMachineKeyPair();
    const k2 = generateMachineKeyPair();
    // Made with the stack's credential, outside this host process: only MOSIP's createdBy tells.
    const m = await mosip.kernel<{ id: string }>("POST", `${MD}/machines`, {
      request: {
        name: "lost-answer-desk",
        machineSpecId: "1001",
        ipAddress: "10.0.0.10",
        zoneCode: "RAB",
        regCenterId: centreId,
        publicKey: k1.key,
        signPublicKey: k2.key,
        isActive: true,
      },
      idempotent: false,
    });
    const u4 = urnFor(TYPE, "lost-answer");
    const c = await host.create(
      provider,
      u4,
      machineInputs("lost-answer-desk", { publicKey: k1.key, signPublicKey: k2.key }),
    );
    expect(c.id).toBe(m.id);
    expect(c.properties.createdByStack).toBe(true);
    await host.delete(provider, c.id, u4, stateOf(c.properties));
    expect(await liveNamed("lost-answer-desk")).toHaveLength(0);
  });

  test("a machine the stack's own credential made with keys no run holds any more is decommissioned and made again", async () => {
    // What a create whose answer was lost leaves: the keys were generated by the failed run.
    const lost = await mosip.kernel<{ id: string }>("POST", `${MD}/machines`, {
      request: {
        name: "lost-keys-desk",
        machineSpecId: "1001",
        ipAddress: "10.0.0.10",
        zoneCode: "RAB",
        regCenterId: centreId,
        publicKey: generateMachineKeyPair().key,
        signPublicKey: generateMachineKeyPair().key,
        isActive: true,
      },
      idempotent: false,
    });
    const u5 = urnFor(TYPE, "lost-keys");
    const logsBefore = host.logs.length;
    const c = await host.create(provider, u5, machineInputs("lost-keys-desk"));
    expect(c.id).not.toBe(lost.id);
    expect(c.properties.createdByStack).toBe(true);
    expect(c.properties.privateKeyPem).toBeTruthy();
    const all = (await machines()).filter((m) => m.name === "lost-keys-desk");
    expect(all.find((m) => m.id === lost.id)).toMatchObject({ isDeleted: true });
    expect(await liveNamed("lost-keys-desk")).toHaveLength(1);
    await host.flushLogs();
    expect(
      host.logs
        .slice(logsBefore)
        .map((l) => l.message)
        .join("\n"),
    ).toMatch(/private keys are gone with that run, so it is decommissioned and created again/);
    await host.delete(provider, c.id, u5, stateOf(c.properties));
  });

  test("delete unmaps the machine from its centre and decommissions it", async () => {
    await host.delete(provider, id, urn, state);
    const m = (await machines()).find((x) => x.id === id);
    expect(m).toMatchObject({ isDeleted: true, regCenterId: null });
    expect((await host.read(provider, id, urn, state)).id).toBe("");
    await host.delete(provider, id, urn, state);
  });
});

describe("failures say what failed, where, and what to do, without secrets", () => {
  const urn = urnFor(TYPE, "broken");

  test("a wrong client secret", async () => {
    const wrong = "sandbox-wrong-secret-for-test";
    const h = await startProviderHost({
      config: {
        ...stackConfig(sandbox.url, { maxRetries: 0 }),
        "mosip-crvs:mosipClientSecret": wrong,
      },
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, machineInputs("x"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/^Machine machine "x": create failed: Authentication as client/);
      expect(err.details).toMatch(/Check .*mosip\.clientId/);
      expect(findLeaks(err.details, [wrong, secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("an unreachable MOSIP", async () => {
    const port = await unusedPort();
    const h = await startProviderHost({
      config: stackConfig(`http://127.0.0.1:${port}`, { maxRetries: 0 }),
      secretKeys: ["mosip-crvs:mosipClientSecret"],
    });
    try {
      const err = (await h
        .create(provider, urn, machineInputs("x"))
        .catch((e) => e)) as ProviderHostError;
      expect(err.details).toMatch(/^Machine machine "x": create failed: .*ECONNREFUSED.*\. Check /);
      expect(findLeaks(err.details, [secret])).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test("a MOSIP validation error (unknown machine spec) and a zone outside the caller's", async () => {
    const err = (await host
      .create(provider, urn, machineInputs("bad-spec", { machineSpecId: "9999" }))
      .catch((e) => e)) as ProviderHostError;
    expect(err.details).toMatch(
      /^Machine machine "bad-spec": create failed: MOSIP rejected POST .*\/machines: KER-MSD-250/,
    );
    expect(await liveNamed("bad-spec")).toEqual([]);
    const zone = (await host
      .create(
        provider,
        urn,
        machineInputs("far-desk", { zoneCode: "NOPE", regCenterId: undefined }),
      )
      .catch((e) => e)) as ProviderHostError;
    expect(zone.details).toMatch(/KER-MSD-255.*zone mapping covering the machine's zone/);
    expect(findLeaks(zone.details + err.details, [secret])).toEqual([]);
  });
});

describe("a create whose answer is lost", () => {
  test("is found again with the private keys it generated: no second machine, keys kept", async () => {
    // The provider class run in-process, its client's POST /machines made to lose its answer after
    // MOSIP processed it (the fault injector only fails requests before they are processed).
    const original = MosipClient.prototype.kernel;
    let lost = 0;
    const spy = vi.spyOn(MosipClient.prototype, "kernel").mockImplementation(async function (
      this: MosipClient,
      ...args: Parameters<MosipClient["kernel"]>
    ) {
      const out = await original.apply(this, args);
      if (args[0] === "POST" && args[1] === `${MD}/machines` && lost++ === 0)
        throw new MosipNetworkError("POST /machines failed: socket closed", {
          host: "sandbox",
          code: "ECONNRESET",
          transient: true,
        });
      return out as never;
    });
    try {
      const p = new MosipProvider<MachineInputs>(machineSpec);
      const cfg: Record<string, unknown> = stackConfig(sandbox.url);
      await p.configure({ config: { get: (k: string) => cfg[k] } } as never);
      const c = await p.create(machineInputs("lost-answer-desk"));
      expect(lost).toBe(1); // one POST, its answer lost; then found by search, not POSTed again
      const outs = c.outs as Props;
      expect(outs.createdByStack).toBe(true);
      expect(outs.publicKey).toBeUndefined();
      expect(pairs(outs.privateKeyPem, outs.registeredPublicKey)).toBe(true);
      expect(await liveNamed("lost-answer-desk")).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("under injected faults", () => {
  test("create and update succeed and no machine is created twice", async () => {
    const names = ["fault-desk-0", "fault-desk-1", "fault-desk-2"];
    try {
      await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          rate: 0.2,
          kinds: ["5xx", "reset", "delay", "expired-token"],
          delayMs: 300,
          seed: 5,
        }),
      });
      const before = sandbox.requests.length;
      for (const name of names) {
        const urn = urnFor(TYPE, name);
        const c = await host.create(provider, urn, machineInputs(name));
        const u = await host.update(
          provider,
          c.id,
          urn,
          stateOf(c.properties),
          machineInputs(name, { ipAddress: "10.0.0.99" }),
        );
        expect(u.properties.ipAddress).toBe("10.0.0.99");
        expect(pairs(u.properties.privateKeyPem, u.properties.registeredPublicKey)).toBe(true);
      }
      expect(sandbox.requests.slice(before).filter((r) => r.fault).length).toBeGreaterThan(2);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    }
    for (const name of names) expect(await liveNamed(name), name).toHaveLength(1);
  });
});
