// RegistrationOffice under pulumi.runtime.setMocks: the exact children, their security-relevant
// inputs, the dependency edges that encode MOSIP's masterdata order (§8.7; Pulumi destroys in the
// reverse order, so machine and officer mapping go before the centre), and the secret outputs. The
// mock monitor does not pass dependencies to `newResource`, so its registerResource is wrapped to
// record each request's parent, dependencies and per-property dependencies.
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { RegistrationOfficeConfig } from "../../components/config";
import { RegistrationOffice } from "../../components/registration-office";

// The MOSIP providers cannot be closure-serialized inside vitest (its transform of zod's module
// leaves `navigator` unresolved for Pulumi's serializer; the ts-node path `pulumi up` uses is
// covered by test/mosip/*.test.ts). Only the provider object handed to the SDK is replaced: the
// resource classes, their registered types, output names and secret outputs stay the real ones.
vi.mock("../../components/mosip/dynamic", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../components/mosip/dynamic")>();
  const p = await import("@pulumi/pulumi");
  abstract class MosipResource extends p.dynamic.Resource {
    declare readonly revision: pulumi.Output<string>;
    protected constructor(
      _provider: unknown,
      spec: { type: string; revision: string; secretOutputs?: string[] },
      name: string,
      inputs: Record<string, unknown>,
      outputs: string[],
      opts?: pulumi.CustomResourceOptions,
    ) {
      const props: Record<string, unknown> = Object.fromEntries(outputs.map((o) => [o, undefined]));
      Object.assign(props, inputs, { revision: `${real.BASE_REVISION}.${spec.revision}` });
      const stub = { create: async () => ({ id: "stub", outs: {} }) };
      super(
        stub,
        name,
        props,
        real.resourceOptions(spec.secretOutputs ?? [], opts),
        "mosip",
        spec.type,
      );
    }
  }
  return { ...real, MosipResource };
});

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
  urn?: string;
  parent: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "pulumi-nodejs:dynamic/mosip:RegistrationCentre") {
        state.centreId = args.name.startsWith("office-a") ? "10011" : "10012";
      }
      if (args.type === "pulumi-nodejs:dynamic/mosip:Machine") {
        state.machineId = args.name.startsWith("office-a") ? "20021" : "20022";
        if (args.inputs.publicKey === undefined) {
          state.privateKeyPem = "mock-generated-private-key";
          state.signPrivateKeyPem = "mock-generated-sign-private-key";
        }
      }
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`Mock not implemented: ${args.token}`);
    },
  },
  "mosip-crvs",
  "dev",
  false,
);

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
}
type Callback = (err: unknown, res?: { getUrn(): string }) => void;
const monitor = pulumi.runtime.getMonitor() as unknown as {
  registerResource(req: RegisterRequest, cb: Callback): unknown;
};
const original = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, cb) => {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
  const entry: Registered = {
    type: req.getType(),
    name: req.getName(),
    inputs: {},
    parent: req.getParent(),
    dependencies: req.getDependenciesList(),
    propertyDependencies,
  };
  registered.push(entry);
  return original(req, (err, res) => {
    if (res) entry.urn = res.getUrn();
    cb(err, res);
  });
};
// Inputs as the mock saw them (deserialized), matched by type and name.
const seenInputs = new Map<string, { inputs: Record<string, unknown>; provider?: string }>();
const mockNew = (
  pulumi.runtime as unknown as { getMonitor(): { mocks: pulumi.runtime.Mocks } }
).getMonitor().mocks;
const originalNew = mockNew.newResource.bind(mockNew);
mockNew.newResource = (args) => {
  seenInputs.set(`${args.type}::${args.name}`, { inputs: args.inputs, provider: args.provider });
  return originalNew(args);
};

const languages = ["eng", "fra"];
const officeA: RegistrationOfficeConfig = {
  centre: {
    localized: {
      eng: { name: "Test Office A", addressLine1: "1 Test Street" },
      fra: { name: "Bureau de test A", addressLine1: "1 rue de Test" },
    },
    centerTypeCode: "REG",
    zoneCode: "RAB",
    locationCode: "10114",
    holidayLocationCode: "RSK",
    latitude: "34.0209",
    longitude: "-6.8416",
    workingHours: "8:00-17:00",
    perKioskProcessTime: "00:15:00",
    centerStartTime: "08:00:00",
    centerEndTime: "17:00:00",
    timeZone: "Africa/Casablanca",
    numberOfKiosks: 1,
    exceptionalHolidays: [],
  },
  machine: { name: "test-machine-a", machineSpecId: "1003", ipAddress: "10.20.0.10" },
  officer: { username: "test-officer-a", email: "officer-a@test.example.org" },
};
const suppliedKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtestsandboxkey";
const officeB: RegistrationOfficeConfig = {
  ...officeA,
  centre: {
    ...officeA.centre,
    localized: {
      // A language MOSIP is not configured with is not sent.
      ...officeA.centre.localized,
      ara: { name: "مكتب", addressLine1: "1 شارع" },
      eng: { name: "Test Office B", addressLine1: "2 Test Street" },
    },
  },
  machine: {
    name: "test-machine-b",
    machineSpecId: "1003",
    ipAddress: "10.20.0.11",
    publicKey: suppliedKey,
    signPublicKey: `${suppliedKey}sign`,
  },
  officer: { username: "test-officer-b", zoneCode: "MOR" },
};

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
let a: RegistrationOffice;
let b: RegistrationOffice;
let provider: keycloak.Provider;

beforeAll(async () => {
  provider = new keycloak.Provider("kc", {
    url: "http://127.0.0.1:1",
    clientId: "admin-cli",
    username: "sandbox-admin",
    password: "sandbox-test-password",
    initialLogin: false,
  });
  a = new RegistrationOffice("office-a", {
    office: officeA,
    languages,
    keycloakProvider: provider,
  });
  b = new RegistrationOffice("office-b", {
    office: officeB,
    languages,
    keycloakProvider: provider,
    realmId: "crvs-test-realm",
  });
  await unwrap(pulumi.all([a.refId, b.refId, a.officerUsername, b.officerUsername]));
  await unwrap(pulumi.all([a.officerMapping.urn, b.officerMapping.urn]));
  for (const r of registered) {
    const seen = seenInputs.get(`${r.type}::${r.name}`);
    if (seen) Object.assign(r, seen);
  }
});

const child = (name: string) => {
  const found = registered.filter((r) => r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("RegistrationOffice under mocks", () => {
  it("creates exactly the centre, machine, Keycloak user and officer mapping, parented to the component", () => {
    const office = child("office-a");
    expect(office.type).toBe("mosip-crvs:masterdata:RegistrationOffice");
    const children = registered.filter((r) => r.parent === office.urn);
    expect(children.map((r) => [r.type, r.name]).sort()).toEqual(
      [
        ["pulumi-nodejs:dynamic/mosip:RegistrationCentre", "office-a-centre"],
        ["pulumi-nodejs:dynamic/mosip:Machine", "office-a-machine"],
        ["keycloak:index/user:User", "office-a-officer"],
        ["pulumi-nodejs:dynamic/mosip:OfficerMapping", "office-a-officer-mapping"],
      ].sort(),
    );
  });

  it("creates the centre active, primary language first, in the configured languages only", () => {
    const centre = child("office-a-centre").inputs;
    expect(centre).toMatchObject({
      primaryLanguage: "eng",
      zoneCode: "RAB",
      centerTypeCode: "REG",
      active: true,
      localized: officeA.centre.localized,
    });
    expect(centre.__provider).toEqual(expect.any(String));
    expect(Object.keys(child("office-b-centre").inputs.localized as object).sort()).toEqual([
      "eng",
      "fra",
    ]);
  });

  it("maps the machine to the centre (input and dependency) in the centre's zone, keys generated", () => {
    const centre = child("office-a-centre");
    const machine = child("office-a-machine");
    expect(machine.inputs).toMatchObject({
      name: "test-machine-a",
      regCenterId: "10011",
      zoneCode: "RAB",
      active: true,
    });
    expect(machine.inputs.publicKey).toBeUndefined();
    expect(machine.inputs.signPublicKey).toBeUndefined();
    expect(machine.propertyDependencies.regCenterId).toEqual([centre.urn]);
    expect(machine.dependencies).toContain(centre.urn);
  });

  it("passes supplied machine keys through and generates none", async () => {
    expect(child("office-b-machine").inputs).toMatchObject({
      publicKey: suppliedKey,
      signPublicKey: `${suppliedKey}sign`,
      regCenterId: "10012",
    });
    expect(await unwrap(b.machinePrivateKeyPem)).toBeUndefined();
  });

  it("creates the officer in realm mosip through the given provider, enabled, with no password", () => {
    const user = child("office-a-officer");
    expect(user.provider).toContain("pulumi:providers:keycloak::kc::");
    expect(user.inputs).toMatchObject({
      realmId: "mosip",
      username: "test-officer-a",
      email: "officer-a@test.example.org",
      enabled: true,
    });
    expect(user.inputs.initialPassword).toBeUndefined();
    expect(child("office-b-officer").inputs.realmId).toBe("crvs-test-realm");
  });

  it("maps the officer after the centre and the user, to the centre's zone unless one is given", () => {
    const centre = child("office-a-centre");
    const user = child("office-a-officer");
    const mapping = child("office-a-officer-mapping");
    expect(mapping.inputs).toMatchObject({
      userId: "test-officer-a",
      zoneCode: "RAB",
      regCenterId: "10011",
      active: true,
    });
    expect(mapping.propertyDependencies.userId).toEqual([user.urn]);
    expect(mapping.propertyDependencies.regCenterId).toEqual([centre.urn]);
    expect(mapping.dependencies).toEqual(expect.arrayContaining([centre.urn, user.urn]));
    expect(child("office-b-officer-mapping").inputs.zoneCode).toBe("MOR");
  });

  it("does not make the centre or the user depend on what must be removed before them", () => {
    const dependents = ["office-a-machine", "office-a-officer-mapping"].map((n) => child(n).urn);
    for (const n of ["office-a-centre", "office-a-officer"]) {
      for (const urn of dependents) expect(child(n).dependencies).not.toContain(urn);
    }
  });

  it("outputs the ids, refId = <centreId>_<machineId>, and the officer's username", async () => {
    expect(await unwrap(a.centreId)).toBe("10011");
    expect(await unwrap(a.machineId)).toBe("20021");
    expect(await unwrap(a.refId)).toBe("10011_20021");
    expect(await unwrap(b.refId)).toBe("10012_20022");
    expect(await unwrap(a.officerUsername)).toBe("test-officer-a");
  });

  it("outputs the machine's private keys only as secrets", async () => {
    expect(await pulumi.isSecret(a.machinePrivateKeyPem)).toBe(true);
    expect(await pulumi.isSecret(a.machineSignPrivateKeyPem)).toBe(true);
    expect(await unwrap(a.machinePrivateKeyPem)).toBe("mock-generated-private-key");
    expect(await unwrap(a.machineSignPrivateKeyPem)).toBe("mock-generated-sign-private-key");
    expect(await pulumi.isSecret(a.refId)).toBe(false);
  });

  it("refuses an empty language list and a centre without text in a configured language", () => {
    expect(
      () =>
        new RegistrationOffice("bad-empty", {
          office: officeA,
          languages: [],
          keycloakProvider: provider,
        }),
    ).toThrow(/languages is empty/);
    expect(
      () =>
        new RegistrationOffice("bad-lang", {
          office: officeA,
          languages: ["eng", "ara"],
          keycloakProvider: provider,
        }),
    ).toThrow(/no text for ara/);
  });
});
