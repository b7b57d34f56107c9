// The policy pack's rules as pure functions: for every rule, resources that pass and resources that
// fail, in both environments where the rule depends on it.
import { describe, expect, test } from "vitest";
import { CRVS_CLIENT_ROLES, FORBIDDEN_ROLES } from "../../components/crvs-keycloak-client";
import {
  AUDIENCE_KEY,
  checkAudienceMerged,
  checkClientIdIsPartnerId,
  checkRedirectUris,
  checkSecrets,
  checkServiceAccountRoles,
  checkUinSharing,
  CRVS_ALLOWED_ROLES,
  CRVS_FORBIDDEN_ROLES,
  crvsSystemsOf,
  enforcementFor,
  environmentOf,
  parseStackConfig,
  redirectUriProblem,
  TYPES,
  type Environment,
  type ResourceView,
} from "../../policy/rules";

const OIDC = `${TYPES.mosipPrefix}OidcClient`;
const SUBSCRIPTION = `${TYPES.mosipPrefix}WebSubSubscription`;
const CONFIG_PROPS = `${TYPES.mosipPrefix}ConfigProperties`;

function res(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<ResourceView> = {},
): ResourceView {
  return {
    type,
    name,
    urn: `urn:pulumi:prod::mosip-crvs::${type}::${name}`,
    props,
    secretOutputs: [],
    propertyDependencies: {},
    ...extra,
  };
}

describe("rule 1: no * and no plain-http redirect URIs or callbacks", () => {
  test.each<[string, Environment, boolean]>([
    ["https://crvs.example.org/mosip/callback", "production", true],
    ["https://crvs.example.org/mosip/callback", "development", true],
    ["http://localhost:3000/callback", "development", true],
    ["http://127.0.0.1:7070/websub/callback", "development", true],
    ["http://[::1]:7070/cb", "development", true],
    ["http://localhost:3000/callback", "production", false],
    ["http://crvs.example.org/callback", "production", false],
    ["http://crvs.example.org/callback", "development", false],
    ["*", "development", false],
    ["https://crvs.example.org/*", "production", false],
    ["http://localhost:3000/*", "development", false],
    ["ftp://crvs.example.org/cb", "production", false],
    ["/relative/callback", "production", false],
  ])("%s in %s: acceptable=%s", (uri, env, ok) => {
    expect(redirectUriProblem(uri, env) === undefined).toBe(ok);
  });

  test.each<[string, string, Record<string, unknown>, Environment, string[]]>([
    [
      "Keycloak client with exact https URIs",
      TYPES.keycloakClient,
      { clientId: "opencrvs-partner", validRedirectUris: ["https://crvs.example.org/cb"] },
      "production",
      [],
    ],
    [
      "Keycloak client with a wildcard",
      TYPES.keycloakClient,
      { validRedirectUris: ["https://crvs.example.org/cb", "*"] },
      "production",
      ["validRedirectUris[1]"],
    ],
    [
      "Keycloak client with http logout URI",
      TYPES.keycloakClient,
      { validPostLogoutRedirectUris: ["http://crvs.example.org/logout"] },
      "development",
      ["validPostLogoutRedirectUris[0]"],
    ],
    [
      "Keycloak client allowing every web origin",
      TYPES.keycloakClient,
      { webOrigins: ["*"] },
      "production",
      ["webOrigins[0]"],
    ],
    [
      "OIDC client with https redirect URIs",
      OIDC,
      { redirectUris: ["https://register.crvs.example.org/mosip/callback"] },
      "production",
      [],
    ],
    [
      "OIDC client with loopback http in development",
      OIDC,
      { redirectUris: ["http://localhost:3000/callback"] },
      "development",
      [],
    ],
    [
      "OIDC client with loopback http in production",
      OIDC,
      { redirectUris: ["http://localhost:3000/callback"] },
      "production",
      ["redirectUris[0]"],
    ],
    [
      "WebSub subscription with an https callback",
      SUBSCRIPTION,
      {
        topic: "opencrvs-partner/CREDENTIAL_ISSUED",
        callback: "https://crvs.example.org/websub/callback",
      },
      "production",
      [],
    ],
    [
      "WebSub subscription with a plain-http callback",
      SUBSCRIPTION,
      {
        topic: "opencrvs-partner/CREDENTIAL_ISSUED",
        callback: "http://crvs.example.org/websub/callback",
      },
      "production",
      ["callback"],
    ],
    [
      "a resource of another kind with a callback-looking property",
      "kubernetes:core/v1:ConfigMap",
      { callback: "http://x.example.org" },
      "production",
      [],
    ],
  ])("%s", (_what, type, props, env, where) => {
    const v = checkRedirectUris(res(type, "r", props), env);
    expect(v.map((x) => x.message.split(":")[3]?.trim() ?? x.message)).toHaveLength(where.length);
    where.forEach((w, i) => {
      expect(v[i].message).toContain(`"r" ${w}:`);
      expect(v[i].message).toContain(type);
    });
  });
});

describe("rule 2: no UIN sharing without legallyMandated", () => {
  const uinPolicy = (name: string, extra: Record<string, unknown> = {}) =>
    res(TYPES.policy, name, {
      name,
      policyName: name,
      policyType: "DataShare",
      policies: {
        dataSharePolicies: { typeOfShare: "Data Share" },
        shareableAttributes: [
          { attributeName: "UIN", source: [{ attribute: "UIN" }], encrypted: true },
          { attributeName: "fullName", source: [{ attribute: "fullName" }], encrypted: true },
        ],
      },
      ...extra,
    });
  const psutPolicy = res(TYPES.policy, "crvs-datashare", {
    name: "crvs-datashare",
    policyType: "DataShare",
    policies: {
      shareableAttributes: [{ attributeName: "fullName", source: [{ attribute: "fullName" }] }],
    },
  });
  const renamedUin = res(TYPES.policy, "renamed", {
    name: "renamed",
    policies: { shareableAttributes: [{ attributeName: "id", source: [{ attribute: "UIN" }] }] },
  });
  const mapping = (partnerId: string, policyName: string) =>
    res(TYPES.credentialTypeMapping, `${partnerId}-map`, {
      partnerId,
      credentialType: "opencrvs",
      policyName,
    });
  const mandated = { partnerId: "crvs-a", identifier: "UIN", legallyMandated: true };
  const notMandated = { partnerId: "crvs-b", identifier: "PSUT", legallyMandated: false };

  test.each<[string, ResourceView[], Parameters<typeof checkUinSharing>[1], number]>([
    [
      "a policy sharing no UIN",
      [psutPolicy, mapping("crvs-b", "crvs-datashare")],
      [notMandated],
      0,
    ],
    [
      "a UIN policy mapped to a legally mandated partner",
      [uinPolicy("uin-pol"), mapping("crvs-a", "uin-pol")],
      [mandated],
      0,
    ],
    [
      "a UIN policy carrying legallyMandated itself",
      [uinPolicy("p", { legallyMandated: true })],
      [],
      0,
    ],
    [
      "a UIN policy mapped to a partner without a mandate",
      [uinPolicy("uin-pol"), mapping("crvs-b", "uin-pol")],
      [notMandated],
      1,
    ],
    [
      "a UIN policy mapped to one mandated and one unmandated partner",
      [uinPolicy("uin-pol"), mapping("crvs-a", "uin-pol"), mapping("crvs-b", "uin-pol")],
      [mandated, notMandated],
      1,
    ],
    ["a UIN policy mapped to nobody", [uinPolicy("uin-pol")], [mandated], 1],
    [
      "a UIN policy a partner without a mandate requested through a policy mapping",
      [
        uinPolicy("uin-pol"),
        mapping("crvs-a", "uin-pol"),
        res(TYPES.policyMapping, "pm", { partnerId: "crvs-b", policyName: "uin-pol" }),
      ],
      [mandated, notMandated],
      1,
    ],
    ["a policy sharing the UIN under another name", [renamedUin], [], 1],
    [
      "stack config with identifier UIN and no mandate",
      [],
      [{ partnerId: "crvs-c", identifier: "UIN", legallyMandated: false }],
      1,
    ],
    [
      "stack config sharing UIN as an attribute",
      [],
      [{ partnerId: "crvs-c", identifier: "PSUT", sharedAttributes: ["fullName", "uin"] }],
      1,
    ],
  ])("%s -> %i violation(s)", (_what, resources, systems, n) => {
    const v = checkUinSharing(resources, systems);
    expect(v).toHaveLength(n);
    for (const x of v) expect(x.message).toMatch(/UIN/);
    for (const x of v) expect(x.message).toMatch(/legallyMandated: true/);
  });

  test("the mapping is followed through its property dependency when names are unknown", () => {
    const p = uinPolicy("uin-pol");
    const m = res(
      TYPES.credentialTypeMapping,
      "m",
      { partnerId: "crvs-b", credentialType: "opencrvs" },
      { propertyDependencies: { policyName: [p.urn] } },
    );
    const v = checkUinSharing([p, m], [notMandated]);
    expect(v).toHaveLength(1);
    expect(v[0].message).toContain('partner "crvs-b"');
    expect(v[0].urn).toBe(p.urn);
  });
});

describe("rule 3: the CRVS client holds only the roles the integration needs", () => {
  test("the rule's role lists are the component's", () => {
    expect(CRVS_ALLOWED_ROLES).toEqual([...CRVS_CLIENT_ROLES]);
    expect(CRVS_FORBIDDEN_ROLES).toEqual(FORBIDDEN_ROLES);
  });

  const client = res(TYPES.keycloakClient, "crvs-client", {
    clientId: "opencrvs-partner",
    serviceAccountUserId: "sa-123",
  });
  const grant = (role: string, byDep = true) =>
    res(
      TYPES.serviceAccountRealmRole,
      `sa-${role.toLowerCase()}`,
      byDep
        ? { role, realmId: "mosip" }
        : { role, realmId: "mosip", serviceAccountUserId: "sa-123" },
      byDep ? { propertyDependencies: { serviceAccountUserId: [client.urn] } } : {},
    );

  test.each<[string, string[], string[], number]>([
    ["the three integration roles", [...CRVS_ALLOWED_ROLES], [], 0],
    ["an extra role in the allow-list", ["REGISTRATION_PROCESSOR"], ["REGISTRATION_PROCESSOR"], 0],
    ["an extra role not in the allow-list", ["REGISTRATION_PROCESSOR"], [], 1],
    ["GLOBAL_ADMIN", ["GLOBAL_ADMIN"], [], 1],
    ["PARTNER_ADMIN even when allow-listed", ["PARTNER_ADMIN"], ["PARTNER_ADMIN"], 1],
    ["every admin role", [...CRVS_FORBIDDEN_ROLES], [], CRVS_FORBIDDEN_ROLES.length],
  ])("%s -> %i violation(s)", (_what, roles, extra, n) => {
    const v = checkServiceAccountRoles([client, ...roles.map((r) => grant(r))], extra);
    expect(v).toHaveLength(n);
    for (const x of v) expect(x.message).toContain('Keycloak client "opencrvs-partner"');
  });

  test("an admin role is named with the fix, following serviceAccountUserId by value", () => {
    const v = checkServiceAccountRoles([client, grant("ZONAL_ADMIN", false)]);
    expect(v).toHaveLength(1);
    expect(v[0].message).toMatch(
      /admin role ZONAL_ADMIN .*opencrvs-partner.*remove this role mapping/,
    );
    expect(v[0].urn).toContain("sa-zonal_admin");
  });
});

describe("rule 4: client id equals partner id", () => {
  const kc = (clientId: string) => res(TYPES.keycloakClient, `${clientId}-client`, { clientId });
  const partner = (partnerId: string, partnerType = "Credential_Partner") =>
    res(TYPES.partner, partnerId, { partnerId, partnerType });
  const sub = (topic: string, subscriberClientId?: string) =>
    res(SUBSCRIPTION, `sub-${topic}`, {
      topic,
      callback: "https://crvs.example.org/cb",
      ...(subscriberClientId ? { subscriberClientId } : {}),
    });

  test.each<[string, ResourceView[], string[], string[]]>([
    [
      "client, partner and topic agree",
      [
        kc("opencrvs-partner"),
        partner("opencrvs-partner"),
        sub("opencrvs-partner/CREDENTIAL_ISSUED"),
      ],
      [],
      [],
    ],
    [
      "client matches the stack config when there is no Partner resource",
      [kc("opencrvs-partner")],
      ["opencrvs-partner"],
      [],
    ],
    [
      "auth partner without a client",
      [kc("crvs"), partner("crvs"), partner("crvs-auth", "Auth_Partner")],
      [],
      [],
    ],
    [
      "client id differs from the partner id",
      [kc("opencrvs-client"), partner("opencrvs-partner")],
      [],
      ["clientId", "partnerId"],
    ],
    [
      "client id not in the stack config",
      [kc("opencrvs-client")],
      ["opencrvs-partner"],
      ["clientId"],
    ],
    [
      "topic under another prefix",
      [kc("opencrvs-partner"), partner("opencrvs-partner"), sub("other/CREDENTIAL_ISSUED")],
      [],
      ["topic"],
    ],
    ["topic without a prefix", [kc("opencrvs-partner"), sub("CREDENTIAL_ISSUED")], [], ["topic"]],
    [
      "subscriber client is the topic's partner",
      [kc("opencrvs-partner"), sub("opencrvs-partner/CREDENTIAL_ISSUED", "opencrvs-partner")],
      [],
      [],
    ],
    [
      "subscriber client differs from the topic's partner",
      [kc("opencrvs-partner"), kc("other"), sub("opencrvs-partner/CREDENTIAL_ISSUED", "other")],
      ["opencrvs-partner", "other"],
      ["subscriberClientId"],
    ],
  ])("%s", (_what, resources, configIds, props) => {
    const v = checkClientIdIsPartnerId(resources, configIds);
    expect(v.map((x) => x.message.match(/" (\w+): /)?.[1])).toEqual(props);
  });
});

describe("rule 5: the audience is merged, never replaced", () => {
  test.each<[string, unknown, number]>([
    ["contains as a map entry", { [AUDIENCE_KEY]: { contains: ["opencrvs-partner"] } }, 0],
    ["contains as a list entry", [{ key: AUDIENCE_KEY, contains: ["opencrvs-partner"] }], 0],
    ["equals on another key", { "mosip.some.flag": { equals: "true" } }, 0],
    ["equals as a map entry", { [AUDIENCE_KEY]: { equals: "opencrvs-partner" } }, 1],
    ["equals as a list entry", [{ key: AUDIENCE_KEY, equals: "opencrvs-partner" }], 1],
    ["a plain value", { [AUDIENCE_KEY]: "mosip-regproc-client,opencrvs-partner" }, 1],
    ["contains and equals together", [{ name: AUDIENCE_KEY, contains: ["a"], equals: "a" }], 1],
  ])("%s -> %i violation(s)", (_what, keys, n) => {
    const v = checkAudienceMerged(
      res(CONFIG_PROPS, "audience", { file: "packet-manager-default.properties", keys }),
    );
    expect(v).toHaveLength(n);
    for (const x of v)
      expect(x.message).toMatch(/auth\.server\.admin\.allowed\.audience.*contains/);
  });

  test("resources that are not MOSIP config properties are not judged", () => {
    const keys = { [AUDIENCE_KEY]: { equals: "x" } };
    expect(checkAudienceMerged(res("kubernetes:core/v1:ConfigMap", "c", { keys }))).toEqual([]);
  });
});

describe("rule 6: secrets only as secrets", () => {
  const pem = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----";
  test.each<[string, ResourceView, string[]]>([
    [
      "Keycloak client whose clientSecret is a secret output",
      res(
        TYPES.keycloakClient,
        "c",
        { clientId: "x", clientSecret: "s" },
        { secretOutputs: ["clientSecret", "clientSecretWo"] },
      ),
      [],
    ],
    [
      "Keycloak client whose clientSecret is not",
      res(TYPES.keycloakClient, "c", { clientId: "x", clientSecret: "s" }),
      ["clientSecret"],
    ],
    [
      "MOSIP resource with its private key as a secret output",
      res(
        `${TYPES.mosipPrefix}PartnerCertificate`,
        "pc",
        { partnerPrivateKeyPem: pem, partnerId: "p" },
        { secretOutputs: ["partnerPrivateKeyPem"] },
      ),
      [],
    ],
    [
      "MOSIP resource with a plain private key",
      res(`${TYPES.mosipPrefix}PartnerCertificate`, "pc", { partnerPrivateKeyPem: pem }),
      ["partnerPrivateKeyPem"],
    ],
    [
      "WebSub subscription with a plain hub secret",
      res(SUBSCRIPTION, "s", {
        topic: "p/T",
        callback: "https://x.example.org",
        secret: "hub-secret",
      }),
      ["secret"],
    ],
    [
      "API key in plain text under another name",
      res(`${TYPES.mosipPrefix}ApiKey`, "k", { partnerId: "p", apiKey: "abc" }),
      ["apiKey"],
    ],
    [
      "a PEM private key nested in a non-credential property",
      res(`${TYPES.mosipPrefix}Thing`, "t", { settings: { blob: pem } }),
      ["settings.blob"],
    ],
    [
      "OIDC client whose private JWK is not a secret output",
      res(OIDC, "o", {
        redirectUris: ["https://x.example.org/cb"],
        privateJwk: { kty: "RSA", n: "AQAB", e: "AQAB", d: "Zm9v" },
        publicKey: { kty: "RSA", n: "AQAB", e: "AQAB" },
      }),
      ["privateJwk"],
    ],
    [
      "OIDC client with its private key and JWK as secret outputs",
      res(
        OIDC,
        "o",
        { privateKeyPem: pem, privateJwk: { kty: "RSA", d: "Zm9v" } },
        { secretOutputs: ["privateKeyPem", "privateJwk"] },
      ),
      [],
    ],
    [
      "WebSub subscription with its client secret and hub secret as secret outputs",
      res(
        SUBSCRIPTION,
        "s",
        { topic: "p/T", subscriberClientId: "p", subscriberClientSecret: "x", hubSecret: "y" },
        { secretOutputs: ["hubSecret", "subscriberClientSecret"] },
      ),
      [],
    ],
    [
      "names that only look like credentials",
      res(`${TYPES.mosipPrefix}Policy`, "p", {
        policies: { authTokenType: "partner" },
        secretName: "x",
        tokenEndpoint: "https://x",
      }),
      [],
    ],
    [
      "Kubernetes Secret with secret data",
      res(
        TYPES.kubernetesSecret,
        "s",
        { stringData: { CLIENT_SECRET: "x" } },
        { secretOutputs: ["data", "stringData"] },
      ),
      [],
    ],
    [
      "Kubernetes Secret whose data is not secret",
      res(TYPES.kubernetesSecret, "s", { stringData: { CLIENT_SECRET: "x" } }),
      ["stringData"],
    ],
    [
      "ConfigMap holding a password",
      res(TYPES.kubernetesConfigMap, "cm", { data: { LOG_LEVEL: "info", DB_PASSWORD: "x" } }),
      ["data.DB_PASSWORD"],
    ],
    [
      "Deployment env from a secretKeyRef",
      res("kubernetes:apps/v1:Deployment", "d", {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  env: [
                    {
                      name: "MOSIP_CLIENT_SECRET",
                      valueFrom: { secretKeyRef: { name: "s", key: "k" } },
                    },
                    { name: "TOKEN_URL", value: "https://x" },
                  ],
                },
              ],
            },
          },
        },
      }),
      [],
    ],
    [
      "Deployment env with a literal secret",
      res("kubernetes:apps/v1:Deployment", "d", {
        spec: {
          template: {
            spec: { containers: [{ env: [{ name: "MOSIP_CLIENT_SECRET", value: "plain" }] }] },
          },
        },
      }),
      ["spec.template.spec.containers[0].env[0] (MOSIP_CLIENT_SECRET)"],
    ],
  ])("%s", (_what, r, where) => {
    const v = checkSecrets([r]);
    expect(v.map((x) => x.message.slice(`${r.type} "${r.name}" `.length).split(": ")[0])).toEqual(
      where,
    );
    for (const x of v) expect(x.urn).toBe(r.urn);
  });
});

describe("stack config and environment", () => {
  test.each<[string | undefined, Environment, "mandatory" | "advisory"]>([
    [JSON.stringify({ "mosip-crvs:environment": "production" }), "production", "mandatory"],
    [JSON.stringify({ "mosip-crvs:environment": "development" }), "development", "advisory"],
    [JSON.stringify({ "mosip-crvs:environment": "Development" }), "production", "mandatory"],
    [JSON.stringify({}), "production", "mandatory"],
    [undefined, "production", "mandatory"],
    ["not json", "production", "mandatory"],
  ])("PULUMI_CONFIG %s -> %s, %s", (raw, env, level) => {
    expect(environmentOf(parseStackConfig(raw))).toBe(env);
    expect(enforcementFor(env)).toBe(level);
  });

  test("crvsSystems are read from their JSON text, defaults applied", () => {
    const cfg = parseStackConfig(
      JSON.stringify({
        "mosip-crvs:crvsSystems": JSON.stringify([
          {
            partnerId: "a",
            identifier: "UIN",
            legallyMandated: true,
            sharedAttributes: ["fullName"],
          },
          { partnerId: "b" },
          { nope: 1 },
        ]),
      }),
    );
    expect(crvsSystemsOf(cfg)).toEqual([
      { partnerId: "a", identifier: "UIN", legallyMandated: true, sharedAttributes: ["fullName"] },
      { partnerId: "b", identifier: "PSUT", legallyMandated: false, sharedAttributes: [] },
    ]);
  });
});
