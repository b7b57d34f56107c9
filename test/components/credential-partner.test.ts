// CredentialPartner under pulumi.runtime.setMocks: the exact children, their security-relevant
// inputs, the dependency edges that encode MOSIP's order (contract §11.4: policy published and
// partner active before the mappings; the certificate's O= is the partner's organisation name) and
// the secret output. The mock monitor does not hand dependencies to `newResource`, so its
// registerResource is wrapped to record each request's parent, dependencies and per-property
// dependencies.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_CRVS_FIELD_MAPPING, type CrvsSystemConfig } from "../../components/config";
import {
  CredentialPartner,
  DEFAULT_BIO_EXTRACTORS,
  type CredentialPartnerArgs,
} from "../../components/credential-partner";
import { buildDataSharePolicy } from "../../components/mosip/policy-builder";

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

const T = "pulumi-nodejs:dynamic/mosip:";
/** How a secret input looks to the mock monitor (Pulumi's special-signature key and value). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const plain = (v: unknown): unknown =>
  typeof v === "object" && v !== null && SECRET_SIG in v
    ? (v as unknown as { value: unknown }).value
    : v;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      const i = args.inputs as Record<string, string>;
      if (args.type === `${T}Policy`) {
        state.policyId = `pol-${i.name}`;
        // What MOSIP calls the policy after a replacement that needed a free name.
        state.policyName = `${i.name}-mosip`;
      }
      if (args.type === `${T}CaCertificate`) {
        state.caCertificatePem = `mock-ca-pem-${args.name}`;
        state.caPrivateKeyPem = `mock-ca-private-key-${args.name}`;
      }
      if (args.type === `${T}PartnerCertificate`) {
        state.signedCertificatePem = `mock-mosip-signed-${i.partnerId}`;
        state.partnerPrivateKeyPem =
          plain(args.inputs.privateKeyPem) ?? `mock-partner-private-key-${i.partnerId}`;
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

interface Registered {
  type: string;
  name: string;
  urn?: string;
  parent: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}
const registered: Registered[] = [];
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
  mocks: pulumi.runtime.Mocks;
};
const originalRegister = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, cb) => {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
  const entry: Registered = {
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    dependencies: req.getDependenciesList(),
    propertyDependencies,
  };
  registered.push(entry);
  return originalRegister(req, (err, res) => {
    if (res) entry.urn = res.getUrn();
    cb(err, res);
  });
};
const seenInputs = new Map<string, Record<string, unknown>>();
const originalNew = monitor.mocks.newResource.bind(monitor.mocks);
monitor.mocks.newResource = (args) => {
  seenInputs.set(args.name, args.inputs as Record<string, unknown>);
  return originalNew(args);
};

const system = (over: Partial<CrvsSystemConfig> = {}): CrvsSystemConfig => ({
  partnerId: "test-crvs",
  organisationName: "Test Registrar, Civil Status",
  contact: { email: "test-crvs@example.org", phone: "+1 555 0100", address: "1 Test Street" },
  credentialType: "opencrvs",
  identifier: "PSUT",
  legallyMandated: false,
  sharedAttributes: ["fullName", "dateOfBirth", "photo"],
  encryptionType: "Partner Based",
  callbacks: { credentialIssued: "https://crvs.example.org/websub/callback" },
  fieldMapping: DEFAULT_CRVS_FIELD_MAPPING.map((m) => ({ ...m })),
  ...over,
});

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const settle = async (c: CredentialPartner) => {
  await unwrap(
    pulumi.all([
      c.policyMapping.urn,
      c.credentialTypeMapping.urn,
      c.partnerPrivateKeyPem,
      c.policyId,
    ]),
  );
};
const child = (name: string): Registered => {
  const found = registered.filter((r) => r.name === name);
  expect(found, name).toHaveLength(1);
  return found[0];
};
const inputs = (name: string) => {
  const i = seenInputs.get(name);
  expect(i, name).toBeDefined();
  return i as Record<string, unknown>;
};

let a: CredentialPartner;
let b: CredentialPartner;
let aUrn: string;
const CHILDREN = [
  ["policy-group", "PolicyGroup"],
  ["datashare-policy", "Policy"],
  ["partner", "Partner"],
  ["ca-certificate", "CaCertificate"],
  ["partner-certificate", "PartnerCertificate"],
  ["policy-mapping", "PolicyMapping"],
  ["credential-type", "CredentialTypeMapping"],
];

beforeAll(async () => {
  a = new CredentialPartner("cp-a", { system: system() });
  b = new CredentialPartner("cp-b", {
    system: system({
      partnerId: "test-crvs-b",
      organisationName: "Test Health Notifier",
      contact: { email: "test-b@example.org", phone: "+1 555 0101", address: "2 Test Road" },
      identifier: "PSUT+VID",
      credentialType: "vercred",
    }),
    policyGroupName: "test-shared-group",
    policyName: "test-b-policy",
    suppliedCertificate: {
      certificatePem: "test-supplied-certificate-pem",
      privateKeyPem: "test-supplied-private-key-pem",
    },
  });
  await settle(a);
  await settle(b);
  aUrn = await unwrap(a.urn);
});

describe("CredentialPartner", () => {
  it("registers exactly the seven MOSIP objects, named from the component, as its children", () => {
    const children = registered.filter((r) => r.parent === aUrn);
    expect(children.map((c) => [c.name, c.type]).sort()).toEqual(
      CHILDREN.map(([n, t]) => [`cp-a-${n}`, `${T}${t}`]).sort(),
    );
    const comp = child("cp-a");
    expect(comp.type).toBe("mosip-crvs:pms:CredentialPartner");
  });

  it("uses the default group and policy names and builds the DataShare policy from the identifier option", () => {
    expect(inputs("cp-a-policy-group").name).toBe("test-crvs-group");
    const policy = inputs("cp-a-datashare-policy");
    expect(policy).toMatchObject({
      policyGroupName: "test-crvs-group",
      name: "test-crvs-datashare",
      policyType: "DataShare",
    });
    const s = system();
    expect(policy.policies).toEqual(
      buildDataSharePolicy({
        identifier: "PSUT",
        sharedAttributes: s.sharedAttributes,
        encryptionType: "Partner Based",
      }),
    );
    // PSUT: neither the UIN nor a VID leaves MOSIP, and every attribute is encrypted for the partner.
    const shared = (policy.policies as ReturnType<typeof buildDataSharePolicy>).shareableAttributes;
    expect(shared.map((x) => x.attributeName)).toEqual(["fullName", "dateOfBirth", "photo"]);
    expect(shared.every((x) => x.encrypted)).toBe(true);
    expect(
      (policy.policies as ReturnType<typeof buildDataSharePolicy>).dataSharePolicies.encryptionType,
    ).toBe("Partner Based");
  });

  it("shares the VID for PSUT+VID and honours the given group and policy names", () => {
    expect(inputs("cp-b-policy-group").name).toBe("test-shared-group");
    const policy = inputs("cp-b-datashare-policy");
    expect(policy).toMatchObject({ policyGroupName: "test-shared-group", name: "test-b-policy" });
    const shared = (policy.policies as ReturnType<typeof buildDataSharePolicy>).shareableAttributes;
    expect(shared[0]).toMatchObject({ attributeName: "vid", format: "retrieve" });
    expect(shared.map((x) => x.attributeName)).not.toContain("UIN");
  });

  it("registers a Credential_Partner in the group, with the organisation name as the certificate's O=", () => {
    expect(inputs("cp-a-partner")).toMatchObject({
      partnerId: "test-crvs",
      partnerType: "Credential_Partner",
      policyGroupName: "test-crvs-group",
      organisationName: "Test Registrar, Civil Status",
      contactEmail: "test-crvs@example.org",
      contactPhone: "+1 555 0100",
      address: "1 Test Street",
    });
    expect(inputs("cp-a-ca-certificate")).toMatchObject({
      domain: "AUTH",
      organisation: "Test Registrar, Civil Status",
    });
    expect(inputs("cp-a-partner-certificate")).toMatchObject({
      partnerId: "test-crvs",
      organisationName: "Test Registrar, Civil Status",
      domain: "AUTH",
      caCertificatePem: "mock-ca-pem-cp-a-ca-certificate",
      caPrivateKeyPem: "mock-ca-private-key-cp-a-ca-certificate",
    });
  });

  it("maps the partner to the policy with bio-extractors and approval, and the credential type to the policy name", () => {
    expect(inputs("cp-a-policy-mapping")).toMatchObject({
      partnerId: "test-crvs",
      // The name MOSIP reports (Policy.policyName), not the declared one.
      policyName: "test-crvs-datashare-mosip",
      approve: true,
      extractors: DEFAULT_BIO_EXTRACTORS,
    });
    expect(inputs("cp-a-credential-type")).toEqual(
      expect.objectContaining({
        partnerId: "test-crvs",
        credentialType: "opencrvs",
        policyName: "test-crvs-datashare-mosip",
      }),
    );
    expect(inputs("cp-b-credential-type")).toMatchObject({ credentialType: "vercred" });
  });

  it("creates in MOSIP's order: group -> policy -> partner -> CA -> partner certificate -> mappings", () => {
    const urn = (n: string) => child(`cp-a-${n}`).urn as string;
    const policy = child("cp-a-datashare-policy");
    expect(policy.propertyDependencies.policyGroupName).toEqual([urn("policy-group")]);
    const partner = child("cp-a-partner");
    expect(partner.dependencies).toEqual(
      expect.arrayContaining([urn("policy-group"), urn("datashare-policy")]),
    );
    expect(child("cp-a-ca-certificate").dependencies).toContain(urn("partner"));
    const cert = child("cp-a-partner-certificate");
    expect(cert.propertyDependencies.partnerId).toEqual([urn("partner")]);
    expect(cert.propertyDependencies.organisationName).toEqual([urn("partner")]);
    expect(cert.propertyDependencies.caPrivateKeyPem).toEqual([urn("ca-certificate")]);
    for (const m of ["policy-mapping", "credential-type"]) {
      const r = child(`cp-a-${m}`);
      // The partner is active only after its certificate upload; the policy must be published.
      expect(r.propertyDependencies.partnerId).toEqual([urn("partner-certificate")]);
      expect(r.propertyDependencies.policyName).toEqual([urn("datashare-policy")]);
      expect(r.dependencies).toEqual(
        expect.arrayContaining([urn("partner-certificate"), urn("datashare-policy")]),
      );
    }
    // Nothing earlier waits on anything later (destroy runs in reverse).
    for (const n of ["policy-group", "datashare-policy", "partner", "ca-certificate"]) {
      expect(child(`cp-a-${n}`).dependencies).not.toContain(urn("partner-certificate"));
    }
  });

  it("outputs the ids, the MOSIP-signed certificate and the partner's private key as a secret", async () => {
    expect(await unwrap(a.partnerId)).toBe("test-crvs");
    expect(await unwrap(a.policyId)).toBe("pol-test-crvs-datashare");
    expect(await unwrap(a.policyName)).toBe("test-crvs-datashare-mosip");
    expect(await unwrap(a.signedCertificatePem)).toBe("mock-mosip-signed-test-crvs");
    expect(await pulumi.isSecret(a.partnerPrivateKeyPem)).toBe(true);
    expect(await unwrap(a.partnerPrivateKeyPem)).toBe("mock-partner-private-key-test-crvs");
  });

  it("with a supplied certificate uploads no CA and passes the supplied key on as a secret", async () => {
    expect(registered.filter((r) => r.name === "cp-b-ca-certificate")).toHaveLength(0);
    expect(b.caCertificate).toBeUndefined();
    expect(inputs("cp-b-partner-certificate")).toMatchObject({
      partnerId: "test-crvs-b",
      organisationName: "Test Health Notifier",
      certificatePem: "test-supplied-certificate-pem",
      // The supplied key reaches the engine as a secret (Pulumi's secret signature).
      privateKeyPem: { [SECRET_SIG]: SECRET_VALUE, value: "test-supplied-private-key-pem" },
    });
    expect(inputs("cp-b-partner-certificate").caPrivateKeyPem).toBeUndefined();
    expect(await pulumi.isSecret(b.partnerPrivateKeyPem)).toBe(true);
    expect(await unwrap(b.partnerPrivateKeyPem)).toBe("test-supplied-private-key-pem");
  });

  it("refuses empty extractors and a UIN identifier without a legal mandate before any MOSIP call", () => {
    const before = registered.length;
    expect(() => new CredentialPartner("cp-bad-ext", { system: system(), extractors: [] })).toThrow(
      /PMS_PM_051/,
    );
    const uin: CredentialPartnerArgs = { system: system({ identifier: "UIN" }) };
    expect(() => new CredentialPartner("cp-bad-uin", uin)).toThrow(/legallyMandated/);
    // Only the component resources themselves may have been registered, no MOSIP object.
    expect(registered.slice(before).filter((r) => r.type.startsWith(T))).toHaveLength(0);
  });
});
