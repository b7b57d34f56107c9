// A machine created again after `pulumi destroy` decommissioned it (the stack's up, destroy, up):
// MOSIP's masterdata frees a decommissioned machine's name and keys (admin-services
// MachineRepository.findByMachineName / findByMachineKeyIndexOrSignKeyIndex skip is_deleted rows,
// ignoring case) and its search omits decommissioned machines, so the second create makes a new
// machine. Also: a name MOSIP refuses but its search cannot show (a machine outside the deployment
// client's zones) fails at once with the reason, not after four blind attempts.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { generateMachineKeyPair } from "../../components/mosip/machine-keys";
import {
  ProviderHostError,
  stripProvider,
  urnFor,
  type ProviderHost,
  type Props,
  type SerializedProvider,
} from "../provider-host/harness";
import type { Sandbox } from "../sandbox/server";
import { startLifecycle, type MosipLifecycle } from "./lifecycle";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TYPE = "pulumi-nodejs:dynamic/mosip:Machine";
const MD = "/v1/masterdata";
const REV = "1.1";
const CLIENT_USER = "service-account-mosip-deployment-client";

let lifecycle: MosipLifecycle;
let sandbox: Sandbox;
let host: ProviderHost;
let provider: SerializedProvider;
let centreId: string;

interface SandboxMachine {
  id: string;
  name: string;
  regCenterId: string | null;
  isActive: boolean;
  isDeleted: boolean;
}
async function machines(): Promise<SandboxMachine[]> {
  const res = await fetch(`${sandbox.url}/__sandbox/state`);
  const state = (await res.json()) as { masterdata: { machines: Record<string, SandboxMachine> } };
  return Object.values(state.masterdata.machines);
}

const inputs = (name: string, over: Record<string, unknown> = {}): Props => ({
  name,
  machineSpecId: "1001",
  ipAddress: "10.0.0.20",
  zoneCode: "RAB",
  regCenterId: centreId,
  active: true,
  revision: REV,
  ...over,
});

/** A machine made by hand (an admin in the portal), in `zoneCode`. */
/** A machine an operator made in the admin portal (their own login, not the stack's). */
async function handMade(name: string, zoneCode: string): Promise<string> {
  const r = await lifecycle.operator.kernel<{ id: string }>("POST", `${MD}/machines`, {
    request: {
      name,
      machineSpecId: "1001",
      ipAddress: "10.0.0.99",
      zoneCode,
      isActive: true,
      publicKey: generateMachineKeyPair().key,
      signPublicKey: generateMachineKeyPair().key,
    },
    idempotent: false,
  });
  return r.id;
}

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
      const c = await l.mosip.kernel<{ id: string }>("POST", `${MD}/registrationcenters`, {
        request: {
          name: "Recreate Test Centre",
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
  ({ sandbox, host } = lifecycle);
  [provider] = lifecycle.providers as [SerializedProvider];
});

afterAll(async () => {
  await lifecycle?.close();
});

describe("Machine: create after destroy", () => {
  test("a decommissioned machine's name is free: the create makes a new machine, mapped and active", async () => {
    const urn = urnFor(TYPE, "desk-again");
    const first = await host.create(provider, urn, inputs("desk-again"));
    await host.delete(provider, first.id, urn, stripProvider(first.properties));
    expect((await machines()).find((m) => m.id === first.id)).toMatchObject({
      isDeleted: true,
      regCenterId: null,
    });
    // The read of the old id says gone (refresh drops it).
    expect((await host.read(provider, first.id, urn, stripProvider(first.properties))).id).toBe("");

    const second = await host.create(provider, urn, inputs("desk-again"));
    expect(second.id).not.toBe(first.id);
    expect(second.properties).toMatchObject({
      name: "desk-again",
      regCenterId: centreId,
      active: true,
      machineId: second.id,
      createdByStack: true,
      generatedKeys: ["publicKey", "signPublicKey"],
    });
    expect(second.properties.registeredPublicKey).not.toBe(first.properties.registeredPublicKey);
    const live = (await machines()).filter((m) => m.name === "desk-again" && !m.isDeleted);
    expect(live).toEqual([expect.objectContaining({ id: second.id, isActive: true })]);
    // And it converges: a read gives back what create stored.
    const back = await host.read(provider, second.id, urn, stripProvider(second.properties));
    expect(stripProvider(back.properties)).toEqual(stripProvider(second.properties));
    await host.delete(provider, second.id, urn, stripProvider(second.properties));
  });

  test("supplied keys can be registered again once their machine is decommissioned", async () => {
    const urn = urnFor(TYPE, "desk-keys");
    const keys = {
      publicKey: generateMachineKeyPair().key,
      signPublicKey: generateMachineKeyPair().key,
    };
    const first = await host.create(provider, urn, inputs("desk-keys", keys));
    await host.delete(provider, first.id, urn, stripProvider(first.properties));
    const second = await host.create(provider, urn, inputs("desk-keys", keys));
    expect(second.id).not.toBe(first.id);
    expect(second.properties).toMatchObject({ ...keys, generatedKeys: [] });
  });

  test("a live machine whose name differs only in case is the same name for MOSIP: found, not created blind", async () => {
    const id = await handMade("Desk-Upper", "RAB");
    const err = (await host
      .create(provider, urnFor(TYPE, "desk-upper"), inputs("desk-upper"))
      .catch((e) => e)) as ProviderHostError;
    expect(err).toBeInstanceOf(ProviderHostError);
    expect(err.details).toMatch(
      new RegExp(
        `machine "desk-upper" already exists in MOSIP \\(id ${id}\\) with keys this stack did not generate`,
      ),
    );
    expect((await machines()).filter((m) => m.name.toLowerCase() === "desk-upper")).toHaveLength(1);
  });

  test("a name held outside the client's zones fails at once, saying why and what to do", async () => {
    const hidden = await handMade("desk-hidden", "KTA");
    // The deployment client's zone mapping narrowed to RAB (as in a deployment whose client is
    // mapped to one region): KTA's machines are outside what its search shows.
    const zoneUsers = (
      sandbox.context.state as unknown as {
        masterdata: { zoneUsers: Map<string, { zoneCode: string }> };
      }
    ).masterdata.zoneUsers;
    const mapping = zoneUsers.get(CLIENT_USER)!;
    const before = mapping.zoneCode;
    mapping.zoneCode = "RAB";
    try {
      const err = (await host
        .create(provider, urnFor(TYPE, "desk-hidden"), inputs("desk-hidden"))
        .catch((e) => e)) as ProviderHostError;
      expect(err).toBeInstanceOf(ProviderHostError);
      expect(err.details).toMatch(
        /create failed: masterdata refuses the name "desk-hidden" \(KER-MSD-413\) but a search by that name finds no machine\. .*outside the deployment client's zones/,
      );
      expect(err.details).not.toMatch(/accepted the create \d times/);
    } finally {
      mapping.zoneCode = before;
    }
    const named = (await machines()).filter((m) => m.name === "desk-hidden");
    expect(named.map((m) => m.id)).toEqual([hidden]);
  });
});
