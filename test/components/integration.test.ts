// Ladder step 3: the whole program (index.ts) under pulumi.runtime.setMocks with Pulumi.dev.yaml.
// Asserts the exact resources and their types, the security-relevant inputs (client access type,
// roles granted and nothing more, https callbacks and redirect URIs, private_key_jwt), that every
// secret output is a secret and no credential reaches a plain input, and the dependency edges that
// encode MOSIP's order. The mock monitor does not hand dependencies to `newResource`, so its
// registerResource is wrapped to record each request's parent, dependencies and per-property
// dependencies. What mocks cannot prove (that MOSIP and Keycloak accept these payloads) is covered
// by the sandbox runs (npm run harness / npm run demo) and the resource tests in test/mosip.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import { parse } from "yaml";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_CRVS_FIELD_MAPPING, loadConfig } from "../../components/config";
import { MosipCrvsIntegration } from "../../components/integration";

// The MOSIP providers cannot be closure-serialized inside vitest (its transform of zod's module
// leaves `navigator` unresolved for Pulumi's serializer; the path `pulumi up` uses is covered by
// test/mosip/*.test.ts). Only the provider object handed to the SDK is replaced: the resource
// classes, their registered types, output names and secret outputs stay the real ones.
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
const plain = (v: unknown): unknown =>
  typeof v === "object" && v !== null && SECRET_SIG in v
    ? (v as unknown as { value: unknown }).value
    : v;
const isSecretInput = (v: unknown) => typeof v === "object" && v !== null && SECRET_SIG in v;

/** Values the mocks hand out as generated credentials: none may show up in a plain input. */
const MOCK_SECRETS = {
  clientSecret: (id: string) => `mock-client-secret-${id}`,
  hubSecret: (name: string) => `mock-hub-secret-${name}`,
  partnerKey: (id: string) => `mock-partner-private-key-${id}`,
  caKey: (name: string) => `mock-ca-private-key-${name}`,
  oidcKey: (name: string) => `mock-oidc-private-key-${name}`,
  machineKey: (name: string) => `mock-machine-private-key-${name}`,
  generated: (name: string) => `mock-generated-${name}`,
};
const SECRET_MARK = "mock-";

/**
 * A resource's name without the `rot-<run>-` prefix of the rotation runs below, so that what the
 * mocks derive from names is the same in every run and only the rotations make a difference.
 */
const rel = (name: string) => name.replace(/^rot-[a-z0-9]+-/, "");

pulumi.runtime.setMocks(
  {
    newResource(rawArgs) {
      const args = { ...rawArgs, name: rel(rawArgs.name) };
      const state: Record<string, unknown> = { ...args.inputs };
      const i = Object.fromEntries(
        Object.entries(args.inputs).map(([k, v]) => [k, plain(v)]),
      ) as Record<string, string>;
      switch (args.type) {
        case "keycloak:openid/client:Client":
          state.serviceAccountUserId = `sa-${i.clientId}`;
          // The provider's output is the given secret, else one Keycloak generates.
          state.clientSecret = i.clientSecret ?? MOCK_SECRETS.clientSecret(i.clientId);
          break;
        case `${T}Policy`:
          state.policyId = `pol-${i.name}`;
          state.policyName = i.name;
          break;
        case `${T}CaCertificate`:
          state.caCertificatePem = `ca-pem-${args.name}`;
          state.caPrivateKeyPem = MOCK_SECRETS.caKey(args.name);
          break;
        case `${T}PartnerCertificate`:
          state.signedCertificatePem = `signed-pem-${i.partnerId}`;
          state.partnerPrivateKeyPem = MOCK_SECRETS.partnerKey(i.partnerId);
          break;
        case `${T}OidcClient`:
          state.clientId = `oidc-${args.name}`;
          state.privateKeyPem = MOCK_SECRETS.oidcKey(args.name);
          break;
        case `${T}WebSubSubscription`:
          state.hubSecret = i.hubSecret ?? MOCK_SECRETS.hubSecret(args.name);
          break;
        case `${T}ConfigProperties`:
          state.changeHash = `hash-${i.file}`;
          break;
        case `${T}RegistrationCentre`:
          state.centreId = "10001";
          break;
        case `${T}Machine`:
          state.machineId = "10004";
          state.privateKeyPem = MOCK_SECRETS.machineKey(args.name);
          state.signPrivateKeyPem = MOCK_SECRETS.machineKey(`${args.name}-sign`);
          break;
        case `${T}ApiKey`:
          state.apiKey = MOCK_SECRETS.generated(args.name);
          break;
        case "pulumi-nodejs:dynamic/secret:GeneratedSecret":
          // A new value per rotation stamp, as a replacement makes.
          state.value = MOCK_SECRETS.generated(`${args.name}-r${i.rotation}`);
          break;
      }
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      if (args.token === "keycloak:index/getRole:getRole")
        return { id: `role-${args.inputs.name as string}`, name: args.inputs.name };
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
  custom: boolean;
  urn?: string;
  parent: string;
  provider: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
  inputs?: Record<string, unknown>;
}
const registered: Registered[] = [];
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
  getReplaceonchangesList(): string[];
  getDeletebeforereplace(): boolean;
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
    custom: req.getCustom(),
    parent: req.getParent(),
    provider: req.getProvider(),
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    replaceOnChanges: req.getReplaceonchangesList(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
  };
  registered.push(entry);
  return originalRegister(req, (err, res) => {
    if (res) entry.urn = res.getUrn();
    cb(err, res);
  });
};
const originalNew = monitor.mocks.newResource.bind(monitor.mocks);
monitor.mocks.newResource = (args) => {
  const r = registered.filter((x) => x.name === args.name && x.type === args.type).at(-1);
  if (r) r.inputs = args.inputs as Record<string, unknown>;
  return originalNew(args);
};

interface SystemCfg {
  partnerId: string;
  fieldMapping?: { crvsField: string; idSchemaField: string; mandatory?: boolean }[];
  callbacks: { credentialIssued: string; packetStatus?: string };
  esignet?: { redirectUris: string[]; logoUri: string; clientName?: string };
}
const stackFile = parse(readFileSync(join(__dirname, "../../Pulumi.dev.yaml"), "utf8")) as {
  config: Record<string, unknown>;
};
const systems = stackFile.config["mosip-crvs:crvsSystems"] as SystemCfg[];
const secrets = {
  "mosip-crvs:mosipClientSecret": "dev-mock-client-secret",
  "mosip-crvs:keycloakAdminPassword": "dev-mock-admin-password",
  "mosip-crvs:configRepoToken": "dev-mock-repo-token",
};
pulumi.runtime.setAllConfig(
  {
    ...Object.fromEntries(
      Object.entries(stackFile.config).map(([k, v]) => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ),
    ...secrets,
  },
  Object.keys(secrets),
);

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
let program: typeof import("../../index.js");

beforeAll(async () => {
  program = await import("../../index.js");
  // Let every registration settle: the last objects wait on outputs of the earlier ones.
  await unwrap(
    pulumi.all([
      pulumi.all(program.crvsSystems.map((s) => pulumi.all([s.clientId, s.adapterSecretName]))),
      pulumi.all(program.registrationOffices.map((o) => o.refId)),
      program.configChangeHashes,
    ]),
  );
  // Registrations whose inputs wait on other outputs (the adapters' releases) come later: wait
  // until nothing new has been registered for a while and every registration has its URN.
  for (let seen = -1, quiet = 0; quiet < 5;) {
    await new Promise((r) => setTimeout(r, 50));
    const done = registered.length === seen && registered.every((r) => r.urn !== undefined);
    quiet = done ? quiet + 1 : 0;
    seen = registered.length;
  }
}, 60_000);

const byType = (t: string) => registered.filter((r) => r.type === t);
const one = (name: string): Registered => {
  const found = registered.filter((r) => r.name === name);
  expect(found, name).toHaveLength(1);
  return found[0];
};
const urnsOf = (pred: (r: Registered) => boolean) =>
  registered.filter(pred).map((r) => r.urn as string);
const inputs = (name: string) => one(name).inputs as Record<string, unknown>;
const N = "mosip-crvs";
const withPacketStatus = systems.filter((s) => s.callbacks.packetStatus);
const withEsignet = systems.filter((s) => s.esignet);
const PACKET_STATUS_ROLE = "SUBSCRIBE_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL";
const BASE_ROLES = [
  "ONLINE_REGISTRATION_CLIENT",
  "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
  "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
];

describe("the program under mocks (Pulumi.dev.yaml)", () => {
  it("registers exactly the expected resources, by type", () => {
    // The fixture this test reads: two systems, one with eSignet and a packet-status callback.
    expect(systems.map((s) => s.partnerId)).toEqual(["opencrvs-partner", "health-birth-notifier"]);
    expect(withPacketStatus.map((s) => s.partnerId)).toEqual(["opencrvs-partner"]);
    expect(withEsignet.map((s) => s.partnerId)).toEqual(["opencrvs-partner"]);
    const counts: Record<string, number> = {};
    for (const r of registered) counts[r.type] = (counts[r.type] ?? 0) + 1;
    delete counts["pulumi:pulumi:Stack"];
    expect(counts).toEqual({
      // Components
      "mosip-crvs:index:MosipCrvsIntegration": 1,
      "mosip-crvs:keycloak:CrvsKeycloakClient": 2,
      "mosip-crvs:config:MosipProperties": 1,
      "mosip-crvs:pms:CredentialPartner": 2,
      "mosip-crvs:pms:AuthPartner": 1,
      "mosip-crvs:masterdata:RegistrationOffice": 1,
      "mosip-crvs:kubernetes:CrvsAdapter": 2,
      // A client secret per system, a hub secret per subscription.
      "pulumi-nodejs:dynamic/secret:GeneratedSecret": 5,
      // Keycloak: one provider, the two roles MOSIP 1.2.0.1 does not ship (once each), a client per
      // system, 3 + 4 service-account roles, the officer's user.
      "pulumi:providers:keycloak": 1,
      "keycloak:index/role:Role": 2,
      "keycloak:openid/client:Client": 2,
      "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole": 7,
      "keycloak:index/user:User": 1,
      // MOSIP: 2 credential partners + 1 auth partner, each group/policy/partner/CA/certificate/
      // mapping; credential types for the credential partners; one OIDC client; 2 + 1
      // subscriptions; 4 config files; one office.
      [`${T}PolicyGroup`]: 3,
      [`${T}Policy`]: 3,
      [`${T}Partner`]: 3,
      [`${T}CaCertificate`]: 3,
      [`${T}PartnerCertificate`]: 3,
      [`${T}PolicyMapping`]: 3,
      [`${T}CredentialTypeMapping`]: 2,
      [`${T}OidcClient`]: 1,
      [`${T}WebSubSubscription`]: 3,
      [`${T}ConfigProperties`]: 4,
      [`${T}RegistrationCentre`]: 1,
      [`${T}Machine`]: 1,
      [`${T}OfficerMapping`]: 1,
      // The ID-schema prerequisite of each CRVS system (the gate of every write).
      [`${T}IdSchemaRequirement`]: 2,
      // Kubernetes: per system the adapter's Secret and Helm release; one restart patch per MOSIP
      // Deployment that reads a changed file (packet manager, 15 regproc, PMS).
      "kubernetes:core/v1:Secret": 2,
      "kubernetes:helm.sh/v3:Release": 2,
      "kubernetes:apps/v1:DeploymentPatch": 17,
    });
  });

  it("builds no API key and no partner user unless esignet.apiKeyLabel asks for one", () => {
    expect(byType(`${T}ApiKey`)).toHaveLength(0);
    expect(
      byType("pulumi-nodejs:dynamic/secret:GeneratedSecret")
        .map((r) => r.name)
        .filter((n) => n.endsWith("partner-password")),
    ).toEqual([]);
    expect(byType("keycloak:index/user:User").map((u) => inputs(u.name).username)).toEqual([
      "crvs-digital-officer",
    ]);
  });

  it("registers one confidential client per CRVS system, client id = partner id, no browser flows", () => {
    const clients = byType("keycloak:openid/client:Client");
    expect(clients.map((c) => inputs(c.name).clientId)).toEqual(systems.map((s) => s.partnerId));
    for (const c of clients) {
      expect(inputs(c.name)).toMatchObject({
        realmId: "mosip",
        accessType: "CONFIDENTIAL",
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
      });
      expect(inputs(c.name).validRedirectUris).toBeUndefined();
      expect(inputs(c.name).implicitFlowEnabled).toBeFalsy();
    }
  });

  it("grants each service account exactly the roles its configuration needs, no admin role", () => {
    for (const s of systems) {
      const granted = byType(
        "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole",
      )
        .filter((r) => inputs(r.name).serviceAccountUserId === `sa-${s.partnerId}`)
        .map((r) => inputs(r.name).role)
        .sort();
      const expected = s.callbacks.packetStatus ? [...BASE_ROLES, PACKET_STATUS_ROLE] : BASE_ROLES;
      expect(granted, s.partnerId).toEqual([...expected].sort());
    }
  });

  it("creates each realm role MOSIP does not ship once, and looks up the shipped ones", () => {
    expect(byType("keycloak:index/role:Role").map((r) => inputs(r.name).name)).toEqual([
      "ONLINE_REGISTRATION_CLIENT",
      PACKET_STATUS_ROLE,
    ]);
  });

  it("uses one explicit Keycloak provider for every Keycloak object", () => {
    const [provider] = byType("pulumi:providers:keycloak");
    for (const r of registered.filter((x) => x.type.startsWith("keycloak:")))
      expect(r.provider, r.name).toContain(provider.urn);
  });

  it("subscribes as the CRVS client, to its own credential topic and the packet-status topic, at https callbacks", () => {
    const subs = byType(`${T}WebSubSubscription`).map((r) => ({ name: r.name, i: inputs(r.name) }));
    const expected = systems.flatMap((s) => [
      [s.partnerId, `${s.partnerId}/CREDENTIAL_ISSUED`, s.callbacks.credentialIssued],
      ...(s.callbacks.packetStatus
        ? [
            [
              s.partnerId,
              "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT",
              s.callbacks.packetStatus,
            ],
          ]
        : []),
    ]);
    expect(subs.map((s) => [s.i.subscriberClientId, s.i.topic, s.i.callback]).sort()).toEqual(
      expected.sort(),
    );
    for (const s of subs) {
      expect(String(s.i.callback)).toMatch(/^https:\/\//);
      expect(s.i.hubUrl).toBe("https://api-internal.mosip.example.org/hub");
      // The client secret reaches the subscription only as a secret.
      expect(isSecretInput(s.i.subscriberClientSecret), s.name).toBe(true);
    }
  });

  it("registers the eSignet client through PMS for the Auth partner: private_key_jwt, authorization_code, the configured https redirect URIs", () => {
    const [s] = withEsignet;
    const oidc = inputs(`${N}-${s.partnerId}-esignet-oidc-client`);
    expect(oidc).toMatchObject({
      via: "pms",
      clientAuthMethods: ["private_key_jwt"],
      grantTypes: ["authorization_code"],
      redirectUris: s.esignet!.redirectUris,
      logoUri: s.esignet!.logoUri,
      authPartnerId: `${s.partnerId}-auth`,
      policyId: `pol-${s.partnerId}-auth-policy`,
    });
    for (const u of oidc.redirectUris as string[]) expect(u).toMatch(/^https:\/\/[^*]+$/);
    expect(inputs(`${N}-${s.partnerId}-esignet-partner`)).toMatchObject({
      partnerId: `${s.partnerId}-auth`,
      partnerType: "Auth_Partner",
      // PMS refuses a second partner with the credential partner's email (PMS_PRT_011).
      contactEmail: "crvs-ops+auth@registrar.example.org",
    });
    const policy = inputs(`${N}-${s.partnerId}-esignet-auth-policy`);
    expect(policy.policyType).toBe("Auth");
    const types = (
      policy.policies as { allowedAuthTypes: { mandatory: boolean }[] }
    ).allowedAuthTypes.map((t) => t.mandatory);
    // A mandatory auth type would make PMS refuse the OIDC client (PMS_IDP_003).
    expect(types.length).toBeGreaterThan(0);
    expect(types.every((m) => m === false)).toBe(true);
  });

  it("manages the CRVS audience in both files MOSIP checks it in", () => {
    const files = Object.fromEntries(
      byType(`${T}ConfigProperties`).map((r) => [inputs(r.name).file, inputs(r.name).keys]),
    ) as Record<string, Record<string, { contains?: string[] }>>;
    for (const f of [
      "packet-manager-default.properties",
      "registration-processor-default.properties",
    ]) {
      expect(files[f]["auth.server.admin.allowed.audience"].contains, f).toEqual(
        systems.map((s) => s.partnerId).sort(),
      );
    }
  });

  it("restarts MOSIP's consumers only through a pod-template annotation carrying the change hash", () => {
    const patches = byType("kubernetes:apps/v1:DeploymentPatch");
    const configUrns = urnsOf((r) => r.type === `${T}ConfigProperties`);
    expect(patches.map((p) => inputs(p.name).metadata).sort()).toContainEqual({
      name: "packetmanager",
      namespace: "packetmanager",
    });
    for (const p of patches) {
      const i = inputs(p.name) as {
        spec: { template: { metadata: { annotations: Record<string, string> } } };
      };
      expect(Object.keys(i)).toEqual(expect.arrayContaining(["metadata", "spec"]));
      expect(Object.keys(i.spec)).toEqual(["template"]);
      expect(Object.keys(i.spec.template)).toEqual(["metadata"]);
      expect(Object.keys(i.spec.template.metadata)).toEqual(["annotations"]);
      expect(i.spec.template.metadata.annotations["mosip-crvs/config-hash"]).toMatch(
        /^[0-9a-f]{32}$/,
      );
      // The hash is computed from the config files' change hashes.
      expect(
        p.propertyDependencies.spec.some((u) => configUrns.includes(u)),
        p.name,
      ).toBe(true);
    }
  });

  it("deploys each adapter from the local chart with the Secret's name and no credential in the values", () => {
    for (const s of systems) {
      const secret = inputs(`${N}-${s.partnerId}-adapter-credentials`);
      const release = inputs(`${N}-${s.partnerId}-adapter-release`);
      const name = `crvs-adapter-${s.partnerId}-credentials`;
      expect(secret.metadata).toMatchObject({ name, namespace: "opencrvs-mosip" });
      expect(isSecretInput(secret.stringData)).toBe(true);
      const keys = Object.keys(plain(secret.stringData) as object).sort();
      expect(keys).toEqual(
        [
          "client-secret",
          "partner-certificate",
          "partner-private-key",
          "websub-credential-secret",
          ...(s.callbacks.packetStatus ? ["websub-packet-status-secret"] : []),
          ...(s.esignet ? ["esignet-private-key"] : []),
        ].sort(),
      );
      const data = plain(secret.stringData) as Record<string, string>;
      // The stack's generated secrets: the Keycloak client's, and one per subscription.
      expect(data["client-secret"]).toBe(`mock-generated-${N}-${s.partnerId}-client-secret-r1`);
      expect(data["websub-credential-secret"]).toBe(
        `mock-generated-${N}-${s.partnerId}-credential-hub-secret-r1`,
      );
      expect(data["partner-private-key"]).toBe(`mock-partner-private-key-${s.partnerId}`);

      expect(release).toMatchObject({
        name: `crvs-adapter-${s.partnerId}`,
        namespace: "opencrvs-mosip",
        chart: "./charts/crvs-adapter",
        allowNullValues: true,
      });
      const values = release.values as Record<string, unknown>;
      expect(values.existingSecret).toBe(name);
      expect(values.image).toEqual({
        repository: "registry.example.org/crvs/mosip-api",
        tag: "1.9.2",
        digest: "",
      });
      expect(values.replicaCount).toBe(2);
      // Only keys the Secret holds are referenced; the chart defaults for absent ones are removed.
      const secretEnv = values.secretEnv as Record<string, string | null>;
      const secretFiles = values.secretFiles as Record<string, string | null>;
      for (const k of [...Object.values(secretEnv), ...Object.values(secretFiles)])
        if (k !== null) expect(keys).toContain(k);
      expect(secretEnv.PARTNER_APIKEY).toBeNull();
      const env = values.env as Record<string, string>;
      expect(env).toMatchObject({
        MOSIP_PACKET_AUTH_CLIENT_ID: s.partnerId,
        MOSIP_WEBSUB_AUTH_CLIENT_ID: s.partnerId,
        MOSIP_WEBSUB_TOPIC: `${s.partnerId}/CREDENTIAL_ISSUED`,
        MOSIP_WEBSUB_CALLBACK_URL: s.callbacks.credentialIssued,
        MOSIP_CENTER_ID: "10001",
        MOSIP_MACHINE_ID: "10004",
        LOG_LEVEL: "info",
      });
      const annotations = values.podAnnotations as Record<string, string>;
      expect(annotations["mosip-crvs/credentials-hash"]).toMatch(/^[0-9a-f]{64}$/);
      // No generated credential in the release's (plain) values.
      expect(JSON.stringify(values)).not.toContain(SECRET_MARK);
    }
  });

  it("gives each release values the chart's values.schema.json accepts once Helm merges them", () => {
    const chart = join(__dirname, "../../charts/crvs-adapter");
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")),
    );
    // Helm's coalescing: user maps merge into the defaults, a null removes the default's key.
    const merge = (a: Record<string, unknown>, b: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(b)) {
        const av = a[k];
        if (v === null) delete a[k];
        else if (v && typeof v === "object" && !Array.isArray(v) && av && typeof av === "object")
          merge(av as Record<string, unknown>, v as Record<string, unknown>);
        else a[k] = v;
      }
      return a;
    };
    for (const s of systems) {
      const values = inputs(`${N}-${s.partnerId}-adapter-release`).values as Record<
        string,
        unknown
      >;
      const merged = merge(
        parse(readFileSync(join(chart, "values.yaml"), "utf8")) as Record<string, unknown>,
        structuredClone(values),
      );
      expect(validate(merged), JSON.stringify(validate.errors)).toBe(true);
      // The chart's own default would point PARTNER_APIKEY at a key this Secret does not have.
      expect((merged.secretEnv as Record<string, string>).PARTNER_APIKEY).toBeUndefined();
    }
  });

  it("keeps every generated credential out of plain inputs", () => {
    for (const r of registered) {
      if (!r.inputs) continue;
      for (const [k, v] of Object.entries(r.inputs)) {
        if (isSecretInput(v)) continue;
        // A secret output of one MOSIP resource into another (CA key -> partner certificate) is
        // secret through additionalSecretOutputs, which mocks do not apply.
        if (r.type === `${T}PartnerCertificate` && k === "caPrivateKeyPem") continue;
        expect(JSON.stringify(v) ?? "", `${r.name}.${k}`).not.toMatch(/mock-[a-z-]*(secret|key)/);
      }
    }
  });

  it("checks each system's mandatory mapped fields against the ID schema before anything else is written", () => {
    const reqs = byType(`${T}IdSchemaRequirement`);
    expect(reqs.map((r) => r.name).sort()).toEqual(
      systems.map((s) => `${N}-${s.partnerId}-idschema`).sort(),
    );
    systems.forEach((s, i) => {
      const req = one(`${N}-${s.partnerId}-idschema`);
      expect(req.inputs!.partnerId).toBe(s.partnerId);
      expect(req.inputs!.configKey).toBe(`mosip-crvs:crvsSystems[${i}].fieldMapping`);
      expect(req.inputs!.fields).toEqual(
        (s.fieldMapping ?? DEFAULT_CRVS_FIELD_MAPPING)
          .filter((m) => m.mandatory !== false)
          .map((m) => ({ crvsField: m.crvsField, idSchemaField: m.idSchemaField })),
      );
    });
    const gate = reqs.map((r) => r.urn as string);
    // Every resource that writes somewhere (MOSIP, Keycloak, the config repo, Kubernetes) waits
    // for every check; providers and components write nothing themselves.
    const writers = registered.filter(
      (r) =>
        r.custom && !r.type.startsWith("pulumi:providers:") && r.type !== `${T}IdSchemaRequirement`,
    );
    expect(writers.length).toBeGreaterThan(50);
    for (const w of writers) expect(w.dependencies, w.name).toEqual(expect.arrayContaining(gate));
    for (const r of reqs) expect(r.dependencies.filter((d) => gate.includes(d))).toEqual([]);
  });

  it("orders each subscription after the CRVS client's roles, the audience, the restarts, the credential partner and the adapter", () => {
    for (const s of systems) {
      const client = one(`${N}-${s.partnerId}-client`);
      const roleMappings = urnsOf(
        (r) =>
          r.type ===
            "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole" &&
          r.parent === one(`${N}-${s.partnerId}`).urn,
      );
      const before = [
        client.urn as string,
        ...roleMappings,
        ...urnsOf((r) => r.type === `${T}ConfigProperties`),
        ...urnsOf((r) => r.type === "kubernetes:apps/v1:DeploymentPatch"),
        one(`${N}-${s.partnerId}-credential-policy-mapping`).urn as string,
        one(`${N}-${s.partnerId}-credential-credential-type`).urn as string,
        // The hub's intent verification must reach a running adapter.
        one(`${N}-${s.partnerId}-adapter-credentials`).urn as string,
        one(`${N}-${s.partnerId}-adapter-release`).urn as string,
      ];
      const subs = byType(`${T}WebSubSubscription`).filter((r) =>
        r.name.startsWith(`${N}-${s.partnerId}-`),
      );
      expect(subs).toHaveLength(s.callbacks.packetStatus ? 2 : 1);
      for (const sub of subs) {
        expect(sub.dependencies, sub.name).toEqual(expect.arrayContaining(before));
        // The hub secret is the GeneratedSecret the adapter's Secret holds, given as a secret.
        const suffix = sub.name.endsWith("-credential-subscription")
          ? "credential"
          : "packet-status";
        const gen = one(`${N}-${s.partnerId}-${suffix}-hub-secret`);
        expect(sub.propertyDependencies.hubSecret).toEqual([gen.urn]);
        expect(isSecretInput(sub.inputs!.hubSecret), sub.name).toBe(true);
        expect(plain(sub.inputs!.hubSecret)).toBe(
          `mock-generated-${N}-${s.partnerId}-${suffix}-hub-secret-r1`,
        );
      }
    }
  });

  it("deploys the adapter after the audience, the restarts and the offices, never after a subscription, with the generated hub secrets and the partner key flowing into its Secret", () => {
    for (const s of systems) {
      const secret = one(`${N}-${s.partnerId}-adapter-credentials`);
      const release = one(`${N}-${s.partnerId}-adapter-release`);
      const before = [
        ...urnsOf((r) => r.type === `${T}ConfigProperties`),
        ...urnsOf((r) => r.type === "kubernetes:apps/v1:DeploymentPatch"),
        ...urnsOf((r) => r.type === `${T}RegistrationCentre` || r.type === `${T}Machine`),
      ];
      expect(release.dependencies).toEqual(expect.arrayContaining([...before, secret.urn]));
      expect(secret.dependencies).toEqual(expect.arrayContaining(before));
      const fed = secret.propertyDependencies.stringData;
      const subs = urnsOf((r) => r.type === `${T}WebSubSubscription`);
      for (const r of [secret, release]) {
        expect(
          r.dependencies.filter((u) => subs.includes(u)),
          r.name,
        ).toEqual([]);
        for (const deps of Object.values(r.propertyDependencies))
          expect(
            deps.filter((u) => subs.includes(u)),
            r.name,
          ).toEqual([]);
      }
      const hubSecrets = urnsOf(
        (r) =>
          r.type === "pulumi-nodejs:dynamic/secret:GeneratedSecret" &&
          r.name.startsWith(`${N}-${s.partnerId}-`) &&
          r.name.endsWith("-hub-secret"),
      );
      expect(hubSecrets).toHaveLength(s.callbacks.packetStatus ? 2 : 1);
      expect(fed).toEqual(
        expect.arrayContaining([
          ...hubSecrets,
          one(`${N}-${s.partnerId}-credential-partner-certificate`).urn,
          one(`${N}-${s.partnerId}-client`).urn,
        ]),
      );
      if (s.esignet) expect(fed).toContain(one(`${N}-${s.partnerId}-esignet-oidc-client`).urn);
    }
  });

  it("creates the eSignet client only on the approved mapping of the active Auth partner", () => {
    const [s] = withEsignet;
    const p = (n: string) => one(`${N}-${s.partnerId}-esignet-${n}`);
    expect(p("oidc-client").dependencies).toEqual(
      expect.arrayContaining([p("policy-mapping").urn]),
    );
    expect(p("policy-mapping").dependencies).toEqual(
      expect.arrayContaining([p("partner-certificate").urn, p("auth-policy").urn]),
    );
    expect(p("partner-certificate").dependencies).toEqual(
      expect.arrayContaining([p("partner").urn, p("ca-certificate").urn]),
    );
    expect(p("partner").dependencies).toEqual(
      expect.arrayContaining([p("policy-group").urn, p("auth-policy").urn]),
    );
  });

  it("exports credentials only as secrets, ids in plain text", async () => {
    for (const s of program.crvsSystems) {
      for (const secret of [
        s.clientSecret,
        s.credentialHubSecret,
        s.partnerPrivateKeyPem,
        ...(s.packetStatusHubSecret ? [s.packetStatusHubSecret] : []),
        ...(s.oidcPrivateKeyPem ? [s.oidcPrivateKeyPem] : []),
      ])
        expect(await pulumi.isSecret(secret)).toBe(true);
      expect(await unwrap(s.clientSecret)).toBe(
        `mock-generated-${N}-${s.partnerId}-client-secret-r1`,
      );
      expect(await pulumi.isSecret(s.clientId)).toBe(false);
      expect(await pulumi.isSecret(s.dataSharePolicyId)).toBe(false);
    }
    const [opencrvs, health] = program.crvsSystems;
    expect(opencrvs.packetStatusHubSecret).toBeDefined();
    expect(await unwrap(opencrvs.oidcClientId!)).toBe(
      `oidc-${N}-opencrvs-partner-esignet-oidc-client`,
    );
    expect(opencrvs.topics).toEqual({
      credentialIssued: "opencrvs-partner/CREDENTIAL_ISSUED",
      packetStatus: "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT",
    });
    expect(health.packetStatusHubSecret).toBeUndefined();
    expect(health.oidcClientId).toBeUndefined();
    for (const o of program.registrationOffices) {
      expect(await unwrap(o.refId)).toBe("10001_10004");
      expect(await pulumi.isSecret(o.machinePrivateKeyPem)).toBe(true);
      expect(await pulumi.isSecret(o.machineSignPrivateKeyPem)).toBe(true);
    }
  });
});

describe("rotations from stack config (crvsSystems[].rotation)", () => {
  // The same integration built several times under mocks, as successive runs of the program with
  // a stack file that differs only in one rotation stamp; the partner user exists (API key label).
  const STAMP = "2026-11-23";
  const KEYS = ["clientSecret", "hubSecrets", "oidcKey", "partnerPassword"] as const;
  const P = "-opencrvs-partner";
  /** Per run, custom resources by name without the run's prefix. */
  const runs: Record<string, Map<string, Registered>> = {};

  beforeAll(async () => {
    const base = loadConfig();
    const build = (run: string, rotation?: Record<string, string>) => {
      const config = {
        ...base,
        crvsSystems: base.crvsSystems.map((s, i) =>
          i === 0
            ? { ...s, esignet: { ...s.esignet!, apiKeyLabel: "crvs-test-key" }, rotation }
            : s,
        ),
      };
      new MosipCrvsIntegration(`rot-${run}`, { config, stackName: "dev" });
    };
    build("base");
    build("ones", Object.fromEntries(KEYS.map((k) => [k, "1"])));
    for (const k of KEYS) build(k.toLowerCase(), { [k]: STAMP });
    for (let seen = -1, quiet = 0; quiet < 5;) {
      await new Promise((r) => setTimeout(r, 50));
      const done = registered.length === seen && registered.every((r) => r.urn !== undefined);
      quiet = done ? quiet + 1 : 0;
      seen = registered.length;
    }
    for (const run of ["base", "ones", ...KEYS.map((k) => k.toLowerCase())]) {
      const prefix = `rot-${run}`;
      runs[run] = new Map(
        registered
          .filter((r) => r.custom && r.name.startsWith(`${prefix}-`))
          .map((r) => [r.name.slice(prefix.length), r]),
      );
    }
  }, 60_000);

  /** Names whose registered inputs differ between two runs, or that only one run has. */
  const changed = (a: string, b: string) => {
    const ra = runs[a];
    const rb = runs[b];
    expect(ra.size).toBeGreaterThan(50);
    const names = [...new Set([...ra.keys(), ...rb.keys()])];
    return names
      .filter((n) => JSON.stringify(ra.get(n)?.inputs) !== JSON.stringify(rb.get(n)?.inputs))
      .sort();
  };

  it('treats "1" as no rotation: the same inputs everywhere', () => {
    expect(changed("base", "ones")).toEqual([]);
  });

  it("clientSecret: the client's GeneratedSecret, Keycloak's client (in place), the adapter's Secret and release, the subscriptions' login", () => {
    expect(changed("base", "clientsecret")).toEqual(
      [
        `${P}-client-secret`,
        `${P}-client`,
        `${P}-adapter-credentials`,
        `${P}-adapter-release`,
        `${P}-credential-subscription`,
        `${P}-packet-status-subscription`,
      ].sort(),
    );
    const before = runs.base.get(`${P}-client`)!.inputs!;
    const after = runs.clientsecret.get(`${P}-client`)!.inputs!;
    expect(isSecretInput(after.clientSecret)).toBe(true);
    expect(plain(after.clientSecret)).toBe(`mock-generated${P}-client-secret-r${STAMP}`);
    expect(plain(before.clientSecret)).toBe(`mock-generated${P}-client-secret-r1`);
    // Same client id: Keycloak updates the client in place (clientSecret is not ForceNew).
    expect(after.clientId).toBe(before.clientId);
    for (const sub of ["credential-subscription", "packet-status-subscription"]) {
      const i = runs.clientsecret.get(`${P}-${sub}`)!.inputs!;
      expect(isSecretInput(i.subscriberClientSecret)).toBe(true);
      expect(plain(i.subscriberClientSecret)).toBe(`mock-generated${P}-client-secret-r${STAMP}`);
      // The hub secret stays: a re-subscribe with the same secret, no unsubscribe.
      expect(plain(i.hubSecret)).toBe(plain(runs.base.get(`${P}-${sub}`)!.inputs!.hubSecret));
    }
    const data = plain(runs.clientsecret.get(`${P}-adapter-credentials`)!.inputs!.stringData);
    expect((data as Record<string, string>)["client-secret"]).toBe(
      `mock-generated${P}-client-secret-r${STAMP}`,
    );
  });

  it("hubSecrets: the subscriptions' GeneratedSecrets and hubSecret inputs (unsubscribe + subscribe), after the adapter's Secret and release", () => {
    expect(changed("base", "hubsecrets")).toEqual(
      [
        `${P}-credential-hub-secret`,
        `${P}-packet-status-hub-secret`,
        `${P}-credential-subscription`,
        `${P}-packet-status-subscription`,
        `${P}-adapter-credentials`,
        `${P}-adapter-release`,
      ].sort(),
    );
    const r = runs.hubsecrets;
    const data = plain(r.get(`${P}-adapter-credentials`)!.inputs!.stringData) as Record<
      string,
      string
    >;
    for (const [sub, key] of [
      ["credential", "websub-credential-secret"],
      ["packet-status", "websub-packet-status-secret"],
    ]) {
      const i = r.get(`${P}-${sub}-subscription`)!.inputs!;
      expect(isSecretInput(i.hubSecret)).toBe(true);
      expect(plain(i.hubSecret)).toBe(`mock-generated${P}-${sub}-hub-secret-r${STAMP}`);
      expect(data[key]).toBe(plain(i.hubSecret));
      expect(r.get(`${P}-${sub}-subscription`)!.dependencies).toEqual(
        expect.arrayContaining([
          r.get(`${P}-adapter-credentials`)!.urn,
          r.get(`${P}-adapter-release`)!.urn,
        ]),
      );
    }
  });

  it("oidcKey: a new OIDC client under a name with the stamp (the old one leaves the stack: set INACTIVE), and the adapter switches to it", () => {
    expect(changed("base", "oidckey")).toEqual(
      [
        `${P}-esignet-oidc-client`,
        `${P}-esignet-oidc-client-${STAMP}`,
        `${P}-adapter-credentials`,
        `${P}-adapter-release`,
      ].sort(),
    );
    expect(runs.oidckey.has(`${P}-esignet-oidc-client`)).toBe(false);
    const fresh = runs.oidckey.get(`${P}-esignet-oidc-client-${STAMP}`)!;
    // The same client, but for its key: registered by PMS, ACTIVE, for the same partner.
    expect(fresh.inputs).toEqual(runs.base.get(`${P}-esignet-oidc-client`)!.inputs);
    const release = runs.oidckey.get(`${P}-adapter-release`)!.inputs!;
    const env = (release.values as { env: Record<string, string> }).env;
    expect(env.ESIGNET_CLIENT_ID).toBe(`oidc${P}-esignet-oidc-client-${STAMP}`);
    expect(runs.oidckey.get(`${P}-adapter-credentials`)!.propertyDependencies.stringData).toContain(
      fresh.urn,
    );
  });

  it("partnerPassword: the GeneratedSecret, and the Keycloak user re-created (delete first) with the new password; the API key's input (its provider ignores a password change)", () => {
    expect(changed("base", "partnerpassword")).toEqual(
      [`${P}-esignet-partner-password`, `${P}-esignet-partner-user`, `${P}-esignet-api-key`].sort(),
    );
    const user = runs.partnerpassword.get(`${P}-esignet-partner-user`)!;
    expect(user.inputs!.attributes).toEqual({ "mosip-crvs-password-rotation": STAMP });
    expect(user.replaceOnChanges).toEqual(["attributes"]);
    expect(user.deleteBeforeReplace).toBe(true);
    // The serializer marks the object holding a secret value as secret.
    const ip = user.inputs!.initialPassword;
    const pw = (plain(ip) as { value: unknown }).value;
    expect(isSecretInput(ip) || isSecretInput(pw)).toBe(true);
    expect(plain(pw)).toBe(`mock-generated${P}-esignet-partner-password-r${STAMP}`);
    // Without a rotation, no attribute: stacks made before rotations see no change.
    expect(runs.base.get(`${P}-esignet-partner-user`)!.inputs!.attributes).toBeUndefined();
  });

  it("keeps every rotated credential secret", () => {
    for (const run of Object.keys(runs))
      for (const [name, r] of runs[run]) {
        if (!r.inputs) continue;
        for (const [k, v] of Object.entries(r.inputs)) {
          if (isSecretInput(v)) continue;
          if (r.type === `${T}PartnerCertificate` && k === "caPrivateKeyPem") continue;
          expect(JSON.stringify(v) ?? "", `${run}${name}.${k}`).not.toMatch(
            /mock-[a-z-]*(secret|key|password)/,
          );
        }
      }
  });
});
