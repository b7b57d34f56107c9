// AuthPartner under pulumi.runtime.setMocks, with and without an API key: the exact children, the
// Auth_Partner's own email, the partner user (only with an API key: generated password passed as a
// secret, not temporary, role AUTH_PARTNER and nothing else), the order MOSIP needs (approved
// mapping before the OIDC client and the API key; the user and its role before the API key) and
// the secret outputs. The mock monitor's registerResource is wrapped to record dependencies.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as keycloak from "@pulumi/keycloak";
import { AuthPartner, authPartnerEmail } from "../../components/auth-partner";
import type { CrvsSystemConfig } from "../../components/config";

// See test/components/integration.test.ts: only the provider object handed to the SDK is stubbed.
vi.mock("../../components/mosip/provider-ref", () => ({
  providerRef: () => ({ create: async () => ({ id: "stub", outs: {} }) }),
  loadProviders: () => ({ host: () => ({}), types: () => [] }),
}));
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
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const isSecretInput = (v: unknown) => typeof v === "object" && v !== null && SECRET_SIG in v;
const plain = (v: unknown): unknown =>
  isSecretInput(v) ? (v as unknown as { value: unknown }).value : v;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === `${T}Policy`) {
        state.policyId = `pol-${plain(args.inputs.name) as string}`;
        state.policyName = plain(args.inputs.name);
      }
      if (args.type === `${T}OidcClient`) {
        state.clientId = "mock-oidc-client-id";
        state.privateKeyPem = "mock-oidc-private-key";
      }
      if (args.type === `${T}ApiKey`) state.apiKey = "mock-api-key";
      if (args.type === "pulumi-nodejs:dynamic/secret:GeneratedSecret")
        state.value = "mock-generated-password";
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      if (args.token === "keycloak:index/getRole:getRole")
        return { id: `role-id-${args.inputs.name as string}`, name: args.inputs.name };
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
  inputs?: Record<string, unknown>;
}
const registered: Registered[] = [];
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}
type Callback = (err: unknown, res?: { getUrn(): string }) => void;
const monitor = pulumi.runtime.getMonitor() as unknown as {
  registerResource(req: RegisterRequest, cb: Callback): unknown;
  mocks: pulumi.runtime.Mocks;
};
const originalRegister = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, cb) => {
  const entry: Registered = {
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    dependencies: req.getDependenciesList(),
  };
  registered.push(entry);
  return originalRegister(req, (err, res) => {
    if (res) entry.urn = res.getUrn();
    cb(err, res);
  });
};
const originalNew = monitor.mocks.newResource.bind(monitor.mocks);
monitor.mocks.newResource = (args) => {
  const r = registered.filter((x) => x.name === args.name).at(-1);
  if (r) r.inputs = args.inputs as Record<string, unknown>;
  return originalNew(args);
};

const system = (over: Partial<CrvsSystemConfig> = {}): CrvsSystemConfig => ({
  partnerId: "test-crvs",
  organisationName: "Test Registrar",
  contact: { email: "ops@registrar.example.org", phone: "+1 555 0100", address: "1 Test Street" },
  credentialType: "opencrvs",
  identifier: "PSUT",
  legallyMandated: false,
  sharedAttributes: ["fullName"],
  encryptionType: "Partner Based",
  callbacks: { credentialIssued: "https://crvs.example.org/websub/callback" },
  fieldMapping: [],
  esignet: {
    logoUri: "https://crvs.example.org/logo.png",
    redirectUris: ["https://crvs.example.org/callback"],
    claims: ["name", "birthdate"],
    authTypes: ["otp"],
  },
  ...over,
});

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const one = (name: string) => {
  const found = registered.filter((r) => r.name === name);
  expect(found, name).toHaveLength(1);
  return found[0];
};
const childrenOf = async (c: pulumi.Resource) => {
  const urn = await unwrap(c.urn);
  return registered
    .filter((r) => r.parent === urn)
    .map((r) => [r.name, r.type])
    .sort();
};
const settle = async () => {
  for (let seen = -1, quiet = 0; quiet < 5;) {
    await new Promise((r) => setTimeout(r, 30));
    const done = registered.length === seen && registered.every((r) => r.urn !== undefined);
    quiet = done ? quiet + 1 : 0;
    seen = registered.length;
  }
};

let provider: keycloak.Provider;
let plainPartner: AuthPartner;
let keyed: AuthPartner;

beforeAll(async () => {
  provider = new keycloak.Provider("kc", {
    url: "https://iam.example.org/auth",
    clientId: "admin-cli",
  });
  plainPartner = new AuthPartner("ap", { system: system(), keycloakProvider: provider });
  keyed = new AuthPartner("apk", {
    system: system({
      partnerId: "test-b",
      contact: { email: "b@example.org", phone: "+1 555 0101", address: "2 Test Road" },
    }),
    keycloakProvider: provider,
    apiKeyLabel: "adapter-2026",
  });
  await settle();
});

const BASE = [
  ["policy-group", "PolicyGroup"],
  ["auth-policy", "Policy"],
  ["partner", "Partner"],
  ["ca-certificate", "CaCertificate"],
  ["partner-certificate", "PartnerCertificate"],
  ["policy-mapping", "PolicyMapping"],
  ["oidc-client", "OidcClient"],
].map(([n, t]) => [n, `${T}${t}`]);

describe("AuthPartner", () => {
  it("without an API key: the seven PMS/eSignet objects and no Keycloak user", async () => {
    expect(await childrenOf(plainPartner)).toEqual(BASE.map(([n, t]) => [`ap-${n}`, t]).sort());
    expect(plainPartner.apiKeyValue).toBeUndefined();
  });

  it("with an API key: also the generated password, the partner's user, its role, the key", async () => {
    expect(await childrenOf(keyed)).toEqual(
      [
        ...BASE,
        ["partner-password", "pulumi-nodejs:dynamic/secret:GeneratedSecret"],
        ["partner-user", "keycloak:index/user:User"],
        ["partner-user-roles", "keycloak:index/userRoles:UserRoles"],
        ["api-key", `${T}ApiKey`],
      ]
        .map(([n, t]) => [`apk-${n}`, t])
        .sort(),
    );
  });

  it("registers an Auth_Partner with its own id and a sub-addressed email", () => {
    expect(one("ap-partner").inputs).toMatchObject({
      partnerId: "test-crvs-auth",
      partnerType: "Auth_Partner",
      contactEmail: "ops+auth@registrar.example.org",
      organisationName: "Test Registrar",
    });
    expect(authPartnerEmail("a.b+c@x.example.org")).toBe("a.b+c+auth@x.example.org");
    expect(one("ap-policy-group").inputs!.name).toBe("test-crvs-auth-group");
    expect(one("ap-auth-policy").inputs).toMatchObject({
      name: "test-crvs-auth-policy",
      policyType: "Auth",
      policyGroupName: "test-crvs-auth-group",
    });
  });

  it("gives the partner's user its generated password as a secret, not temporary, and AUTH_PARTNER only", () => {
    const user = one("apk-partner-user").inputs!;
    expect(user).toMatchObject({ realmId: "mosip", username: "test-b-auth", enabled: true });
    const pw = user.initialPassword as Record<string, unknown>;
    // Either the whole object or its value is a secret: never the password in plain text.
    expect(isSecretInput(pw) || isSecretInput(pw.value)).toBe(true);
    expect(JSON.stringify(plain(pw))).toContain('"temporary":false');
    expect(one("apk-partner-user-roles").inputs).toMatchObject({
      realmId: "mosip",
      userId: "apk-partner-user-id",
      roleIds: ["role-id-AUTH_PARTNER"],
      exhaustive: true,
    });
    const key = one("apk-api-key").inputs!;
    expect(key).toMatchObject({ partnerId: "test-b-auth", label: "adapter-2026" });
    expect(isSecretInput(key.partnerPassword)).toBe(true);
  });

  it("asks for the OIDC client and the API key only on the approved mapping, the key as the partner's user", () => {
    const urn = (n: string) => one(n).urn as string;
    expect(one("ap-oidc-client").dependencies).toContain(urn("ap-policy-mapping"));
    expect(one("ap-policy-mapping").dependencies).toEqual(
      expect.arrayContaining([urn("ap-partner-certificate"), urn("ap-auth-policy")]),
    );
    expect(one("apk-api-key").dependencies).toEqual(
      expect.arrayContaining([
        urn("apk-policy-mapping"),
        urn("apk-partner-user"),
        urn("apk-partner-user-roles"),
      ]),
    );
  });

  it("exports the OIDC private key and the API key only as secrets", async () => {
    expect(await pulumi.isSecret(keyed.oidcPrivateKeyPem)).toBe(true);
    expect(await pulumi.isSecret(keyed.apiKeyValue!)).toBe(true);
    expect(await unwrap(keyed.apiKeyValue!)).toBe("mock-api-key");
    expect(await unwrap(keyed.oidcClientId)).toBe("mock-oidc-client-id");
    expect(await pulumi.isSecret(keyed.oidcClientId)).toBe(false);
  });

  it("refuses a system without an esignet block", () => {
    expect(
      () =>
        new AuthPartner("bad", {
          system: system({ esignet: undefined }),
          keycloakProvider: provider,
        }),
    ).toThrow(/no esignet block/);
  });
});
