// MOSIP's rules as pure functions over resource type + properties, so each one can be unit-tested
// without the Pulumi engine. policy/index.ts wraps them into @pulumi/policy policies.
//
// Nothing here imports Pulumi or the stack's components: the pack runs in its own process (started
// by the Pulumi CLI with the policy pack directory as working directory) and must load fast. The
// role lists are kept equal to components/crvs-keycloak-client.ts by a test.

/** production (the default: the stricter rules apply) or development. */
export type Environment = "production" | "development";

/** A resource as the rules see it: plain data, unknown (preview-time) values already removed. */
export interface ResourceView {
  type: string;
  name: string;
  urn: string;
  /** Inputs (resource validation) or outputs (stack validation). */
  props: Record<string, unknown>;
  /** `additionalSecretOutputs` of the resource: the properties Pulumi stores as secrets. */
  secretOutputs?: string[];
  /** Property name -> URNs of the resources the property's value came from. */
  propertyDependencies?: Record<string, string[]>;
}

/** One violation: the message names the resource, the property and the fix. */
export interface Violation {
  message: string;
  /** The violating resource (stack rules); resource rules report against the resource validated. */
  urn?: string;
}

/** The resource types the rules know. Dynamic resources use `pulumi-nodejs:dynamic/mosip:<Type>`. */
export const TYPES = {
  keycloakClient: "keycloak:openid/client:Client",
  serviceAccountRealmRole:
    "keycloak:openid/clientServiceAccountRealmRole:ClientServiceAccountRealmRole",
  mosipPrefix: "pulumi-nodejs:dynamic/mosip:",
  partner: "pulumi-nodejs:dynamic/mosip:Partner",
  policy: "pulumi-nodejs:dynamic/mosip:Policy",
  credentialTypeMapping: "pulumi-nodejs:dynamic/mosip:CredentialTypeMapping",
  policyMapping: "pulumi-nodejs:dynamic/mosip:PolicyMapping",
  kubernetesSecret: "kubernetes:core/v1:Secret",
  kubernetesConfigMap: "kubernetes:core/v1:ConfigMap",
} as const;

/** Roles the CRVS client's service account needs (components/crvs-keycloak-client.ts). */
export const CRVS_ALLOWED_ROLES = [
  "ONLINE_REGISTRATION_CLIENT",
  "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
  "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
];

/**
 * The packet-status subscription (components/integration.ts): MOSIP's workflow-completed event has
 * no partner prefix, so the hub asks SUBSCRIBE_<EVENT>_GENERAL of the subscriber (contract §7.3).
 * Only a CRVS system with a packet-status callback is granted the role.
 */
export const CRVS_PACKET_STATUS_TOPIC = "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT";
export const CRVS_PACKET_STATUS_ROLE = `SUBSCRIBE_${CRVS_PACKET_STATUS_TOPIC}_GENERAL`;

/** Roles a CRVS client never holds, whatever the allow-list says: they open MOSIP's admin APIs. */
export const CRVS_FORBIDDEN_ROLES = [
  "GLOBAL_ADMIN",
  "ZONAL_ADMIN",
  "PARTNER_ADMIN",
  "POLICYMANAGER",
  "PARTNERMANAGER",
  "MASTERDATA_ADMIN",
];

/** The config key whose list of audiences must be merged into, never replaced. */
export const AUDIENCE_KEY = "auth.server.admin.allowed.audience";

const isMosip = (r: { type: string }) => r.type.startsWith(TYPES.mosipPrefix);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const label = (r: { type: string; name: string }) => `${r.type} "${r.name}"`;

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

// ---------------------------------------------------------------------------------------------
// Rule 1: no `*` and no plain-http redirect URIs or callbacks
// ---------------------------------------------------------------------------------------------

/**
 * What is wrong with one redirect URI or callback, or undefined when it is acceptable: no `*`
 * anywhere; https, or plain http to a loopback host in a development stack.
 */
export function redirectUriProblem(uri: string, env: Environment): string | undefined {
  if (uri.includes("*")) {
    return `"${uri}" contains the wildcard *: list each exact URI (a wildcard lets any page under it receive codes or credentials)`;
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL: give the full https:// URI`;
  }
  if (u.protocol === "https:") return undefined;
  if (u.protocol === "http:") {
    if (env === "development" && isLoopbackHost(u.hostname)) return undefined;
    return env === "development"
      ? `"${uri}" is plain http to ${u.hostname}: use https (plain http is accepted only for loopback hosts in a development stack)`
      : `"${uri}" is plain http: use https (plain http, even to loopback, is accepted only in a development stack)`;
  }
  return `"${uri}" uses the ${u.protocol} scheme: use https://`;
}

/** Which properties of a resource are redirect URIs or callbacks, by resource kind. */
function uriProperties(type: string, props: Record<string, unknown>): string[] {
  if (type === TYPES.keycloakClient) {
    return ["validRedirectUris", "validPostLogoutRedirectUris"];
  }
  if (type.startsWith(TYPES.mosipPrefix)) {
    // eSignet OIDC client (redirectUris) and WebSub subscription (callback): recognised by their
    // inputs so the rule holds whatever the resource's type name ends up being.
    return ["redirectUris", "callback", "callbackUrl"].filter((k) => k in props);
  }
  return [];
}

/** Rule 1 over one resource's inputs. */
export function checkRedirectUris(
  r: Pick<ResourceView, "type" | "name" | "props">,
  env: Environment,
): Violation[] {
  const out: Violation[] = [];
  for (const prop of uriProperties(r.type, r.props)) {
    const v = r.props[prop];
    // Indexes stay those of the input list; values not known yet (preview) are skipped.
    const list: unknown[] = typeof v === "string" ? [v] : Array.isArray(v) ? v : [];
    list.forEach((uri, i) => {
      if (typeof uri !== "string") return;
      const problem = redirectUriProblem(uri, env);
      const where = Array.isArray(v) ? `${prop}[${i}]` : prop;
      if (problem) out.push({ message: `${label(r)} ${where}: ${problem}.` });
    });
  }
  if (r.type === TYPES.keycloakClient) {
    strings(r.props.webOrigins).forEach((o, i) => {
      if (o === "*")
        out.push({
          message: `${label(r)} webOrigins[${i}]: "*" allows every origin: list the exact origins, or "+" for the origins of validRedirectUris.`,
        });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 2: no UIN sharing without legallyMandated
// ---------------------------------------------------------------------------------------------

/** A CRVS system as the stack config declares it (the parts the rules need). */
export interface CrvsSystemConfig {
  partnerId: string;
  identifier?: string;
  legallyMandated?: boolean;
  sharedAttributes?: string[];
}

/** Whether a `shareableAttributes` list shares the raw UIN (by name or by source attribute). */
export function sharesUin(policies: unknown): boolean {
  if (!isRecord(policies)) return false;
  const attrs = Array.isArray(policies.shareableAttributes) ? policies.shareableAttributes : [];
  return attrs.some((a) => {
    if (!isRecord(a)) return false;
    if (str(a.attributeName)?.toUpperCase() === "UIN") return true;
    const sources = Array.isArray(a.source) ? a.source : [];
    return sources.some((s) => isRecord(s) && str(s.attribute)?.toUpperCase() === "UIN");
  });
}

/**
 * Rule 2 over the stack: every PMS policy that shares the UIN must be covered by a legal mandate,
 * either `legallyMandated: true` on the policy resource itself, or through every credential-type
 * mapping or partner-policy mapping that points a partner at it, that partner's crvsSystems entry with identifier UIN and
 * legallyMandated: true. A UIN-sharing policy no partner is mapped to has no mandate at all. The
 * stack config is checked too, in case the program's own validation was bypassed.
 */
export function checkUinSharing(
  resources: ResourceView[],
  systems: CrvsSystemConfig[],
): Violation[] {
  const out: Violation[] = [];
  const mandated = new Map(
    systems.map((s) => [s.partnerId, s.identifier === "UIN" && s.legallyMandated === true]),
  );
  const mappings = resources.filter(
    (r) => r.type === TYPES.credentialTypeMapping || r.type === TYPES.policyMapping,
  );
  for (const p of resources.filter((r) => r.type === TYPES.policy)) {
    if (!sharesUin(p.props.policies)) continue;
    if (p.props.legallyMandated === true) continue;
    const names = [str(p.props.policyName), str(p.props.name)].filter(Boolean);
    const partners = mappings
      .filter((m) => {
        const byName = names.includes(str(m.props.policyName));
        const byDep = (m.propertyDependencies?.policyName ?? []).includes(p.urn);
        return byName || byDep;
      })
      .map((m) => str(m.props.partnerId))
      .filter((x): x is string => Boolean(x));
    const fix =
      "remove UIN from policies.shareableAttributes (use identifier PSUT, VID or PSUT+VID), or, only where a law requires sharing the UIN, set identifier: UIN and legallyMandated: true on the partner's mosip-crvs:crvsSystems entry";
    if (partners.length === 0) {
      out.push({
        urn: p.urn,
        message: `${label(p)} policies.shareableAttributes shares the UIN, but no partner with legallyMandated: true is mapped to it: ${fix}.`,
      });
      continue;
    }
    for (const partnerId of partners) {
      if (mandated.get(partnerId) !== true) {
        out.push({
          urn: p.urn,
          message: `${label(p)} policies.shareableAttributes shares the UIN with partner "${partnerId}", whose crvsSystems entry does not have identifier: UIN with legallyMandated: true: ${fix}.`,
        });
      }
    }
  }
  systems.forEach((s, i) => {
    const uinAttr = (s.sharedAttributes ?? []).some((a) => a.toUpperCase() === "UIN");
    if ((s.identifier === "UIN" || uinAttr) && s.legallyMandated !== true) {
      out.push({
        message: `stack config mosip-crvs:crvsSystems[${i}] (partner "${s.partnerId}") shares the UIN without legallyMandated: true: use identifier PSUT, VID or PSUT+VID, or set legallyMandated: true only where a law requires it.`,
      });
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 3: the CRVS client's service account holds only the roles the integration needs
// ---------------------------------------------------------------------------------------------

/** Finds the Keycloak client a service-account role mapping belongs to. */
function clientOf(mapping: ResourceView, clients: ResourceView[]): ResourceView | undefined {
  const deps = mapping.propertyDependencies?.serviceAccountUserId ?? [];
  const byDep = clients.find((c) => deps.includes(c.urn));
  if (byDep) return byDep;
  const id = str(mapping.props.serviceAccountUserId);
  return id ? clients.find((c) => str(c.props.serviceAccountUserId) === id) : undefined;
}

/**
 * Rule 3 over the stack: every realm role mapped to a Keycloak client's service account is one of
 * CRVS_ALLOWED_ROLES or `extraAllowedRoles`, and never one of CRVS_FORBIDDEN_ROLES.
 */
export function checkServiceAccountRoles(
  resources: ResourceView[],
  extraAllowedRoles: string[] = [],
): Violation[] {
  const out: Violation[] = [];
  const allowed = new Set([...CRVS_ALLOWED_ROLES, CRVS_PACKET_STATUS_ROLE, ...extraAllowedRoles]);
  const clients = resources.filter((r) => r.type === TYPES.keycloakClient);
  for (const m of resources.filter((r) => r.type === TYPES.serviceAccountRealmRole)) {
    const role = str(m.props.role);
    if (role === undefined) continue; // not known yet (preview)
    const client = clientOf(m, clients);
    const who = client
      ? `the service account of Keycloak client "${str(client.props.clientId) ?? client.name}"`
      : "a client's service account";
    if (CRVS_FORBIDDEN_ROLES.includes(role)) {
      out.push({
        urn: m.urn,
        message: `${label(m)} role: grants the admin role ${role} to ${who}: a CRVS client must never hold ${CRVS_FORBIDDEN_ROLES.join(", ")}; remove this role mapping (and the role from extraRoles).`,
      });
    } else if (!allowed.has(role)) {
      out.push({
        urn: m.urn,
        message: `${label(m)} role: grants ${role} to ${who}, which is not a role the integration needs (${[...allowed].join(", ")}): remove the mapping, or add the role to this policy's extraAllowedRoles config if an older MOSIP release needs it.`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 4: client id equals partner id
// ---------------------------------------------------------------------------------------------

/** The PMS partner types whose partner id must also be a Keycloak client id (WebSub subscribers). */
const CLIENT_PARTNER_TYPES = ["Credential_Partner"];

/**
 * Rule 4 over the stack: each Keycloak client's clientId is a partner id (a Partner resource's
 * partnerId, or a crvsSystems partnerId when the stack has no Partner resources); each credential
 * partner has a client with the same id; and each WebSub subscription's topic is
 * `<clientId>/...` of one of those clients (the hub refuses anything else).
 */
export function checkClientIdIsPartnerId(
  resources: ResourceView[],
  configPartnerIds: string[] = [],
): Violation[] {
  const out: Violation[] = [];
  const partners = resources.filter((r) => r.type === TYPES.partner);
  const clients = resources.filter((r) => r.type === TYPES.keycloakClient);
  const partnerIds = partners.length
    ? partners.map((p) => str(p.props.partnerId)).filter((x): x is string => Boolean(x))
    : configPartnerIds;
  const source = partners.length
    ? "the stack's Partner resources"
    : "the stack config's mosip-crvs:crvsSystems";
  const clientIds = clients
    .map((c) => str(c.props.clientId))
    .filter((x): x is string => Boolean(x));
  if (partnerIds.length > 0) {
    for (const c of clients) {
      const id = str(c.props.clientId);
      if (id === undefined || partnerIds.includes(id)) continue;
      out.push({
        urn: c.urn,
        message: `${label(c)} clientId: "${id}" is not a partner id of ${source} (${partnerIds.join(", ")}): the WebSub hub lets a client subscribe only to <partnerId>/... when its service account is <partnerId>; set clientId to the partner id.`,
      });
    }
  }
  if (clients.length > 0) {
    for (const p of partners) {
      const id = str(p.props.partnerId);
      if (!id || !CLIENT_PARTNER_TYPES.includes(str(p.props.partnerType) ?? "")) continue;
      if (clientIds.includes(id)) continue;
      out.push({
        urn: p.urn,
        message: `${label(p)} partnerId: no Keycloak client has clientId "${id}" (clients: ${clientIds.join(", ") || "none"}): create the CRVS client with clientId equal to the partner id.`,
      });
    }
  }
  const owners = clientIds.length ? clientIds : partnerIds;
  for (const s of resources.filter((r) => isMosip(r) && "topic" in r.props)) {
    const topic = str(s.props.topic);
    if (topic === undefined || owners.length === 0) continue;
    const prefix = topic.includes("/") ? topic.slice(0, topic.indexOf("/")) : "";
    // The packet-status topic is general (no prefix); any CRVS client may subscribe with its role.
    const general =
      topic === CRVS_PACKET_STATUS_TOPIC && owners.includes(str(s.props.subscriberClientId) ?? "");
    if (!owners.includes(prefix) && !general) {
      out.push({
        urn: s.urn,
        message: `${label(s)} topic: "${topic}" does not start with the client id of a CRVS client (${owners.map((o) => `${o}/`).join(", ")}): the hub only lets <clientId> subscribe to <clientId>/...; use e.g. "${owners[0]}/CREDENTIAL_ISSUED".`,
      });
    }
    const subscriber = str(s.props.subscriberClientId);
    if (subscriber !== undefined && prefix && subscriber !== prefix) {
      out.push({
        urn: s.urn,
        message: `${label(s)} subscriberClientId: "${subscriber}" subscribes to "${topic}", but the hub only lets client "${prefix}" subscribe under ${prefix}/: subscribe with the client whose id is the topic's partner id.`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 5: the audience is merged, never replaced
// ---------------------------------------------------------------------------------------------

/** One `keys` entry of a config-properties resource, whatever shape (map or list) it came in. */
function keyEntries(keys: unknown): { key: string; spec: Record<string, unknown>; at: string }[] {
  if (Array.isArray(keys)) {
    return keys.flatMap((k, i) => {
      if (!isRecord(k)) return [];
      const key = str(k.key) ?? str(k.name);
      return key ? [{ key, spec: k, at: `keys[${i}]` }] : [];
    });
  }
  if (isRecord(keys)) {
    return Object.entries(keys).map(([key, spec]) => ({
      key,
      spec: isRecord(spec) ? spec : { equals: spec },
      at: `keys["${key}"]`,
    }));
  }
  return [];
}

/**
 * Rule 5 over one resource's inputs: a config-properties resource touching
 * auth.server.admin.allowed.audience must use `contains` (add the client id to the existing list),
 * never `equals` (or a plain value), which would drop every other service's audience.
 */
export function checkAudienceMerged(r: Pick<ResourceView, "type" | "name" | "props">): Violation[] {
  if (!isMosip(r) || !("keys" in r.props)) return [];
  const out: Violation[] = [];
  for (const { key, spec, at } of keyEntries(r.props.keys)) {
    if (key !== AUDIENCE_KEY) continue;
    const replaces = ["equals", "value", "set"].filter((k) => k in spec);
    if (replaces.length > 0 || !("contains" in spec)) {
      out.push({
        message: `${label(r)} ${at}: ${AUDIENCE_KEY} is ${replaces.length ? `set with ${replaces.join("/")}, which replaces` : "not merged with contains, so it would replace"} the list every MOSIP client relies on: use { contains: ["<clientId>"] } so the client id is merged into the existing audiences.`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 6: secrets only as secrets
// ---------------------------------------------------------------------------------------------

/** Property names that hold credentials (client secrets, hub secrets, API keys, private keys...). */
const CREDENTIAL_NAME =
  /(secret|password|passwd|passphrase|token|api_?key|private_?key|credential)/i;
/** Names that match the pattern above but hold no credential. */
const NOT_CREDENTIAL =
  /^(secretOutputs|additionalSecretOutputs|secretRef|secretKeyRef|tokenEndpoint|.*(Id|Ids|Name|Names|Type|Url|Uri|Path|File|Env|Expiry|ExpiresAt|Length|Enabled|Lifespan|Version))$/;
/** Environment variable names that match CREDENTIAL_NAME but point at a credential elsewhere. */
const NOT_CREDENTIAL_ENV = /_(FILE|PATH|URL|URI|NAME|ID|TYPE|ENDPOINT)$/i;
const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/** Whether a property name looks like it carries a credential. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !NOT_CREDENTIAL.test(name);
}

/** Paths under `value` holding a credential in plain text (credential-named keys, PEM keys). */
function plainCredentials(value: unknown, path: string, depth = 0): string[] {
  if (depth > 8) return [];
  if (typeof value === "string") return PRIVATE_KEY_PEM.test(value) ? [path] : [];
  if (Array.isArray(value))
    return value.flatMap((v, i) => plainCredentials(v, `${path}[${i}]`, depth + 1));
  if (!isRecord(value)) return [];
  // A private JWK (RSA/EC private exponent or key in `d`).
  if (typeof value.kty === "string" && typeof value.d === "string") return [path];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = `${path}.${k}`;
    if (isCredentialName(k) && typeof v === "string" && v.length > 0) return [p];
    return plainCredentials(v, p, depth + 1);
  });
}

/** Env entries of a Kubernetes workload spec that set a credential-named variable to a literal. */
function literalEnvCredentials(props: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (depth > 12) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
      return;
    }
    if (!isRecord(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === "env" && Array.isArray(x)) {
        x.forEach((e, i) => {
          if (isRecord(e) && typeof e.name === "string" && typeof e.value === "string") {
            if (CREDENTIAL_NAME.test(e.name) && !NOT_CREDENTIAL_ENV.test(e.name))
              out.push(`${path}.env[${i}] (${e.name})`);
          }
        });
      } else walk(x, `${path}.${k}`, depth + 1);
    }
  };
  walk(props, "", 0);
  return out.map((p) => p.replace(/^\./, ""));
}

/**
 * Rule 6 over the stack: every known secret output (Keycloak clientSecret, the MOSIP resources'
 * private keys, hub secrets, API keys) and every credential-named property is listed in the
 * resource's additionalSecretOutputs, the only secretness the policy SDK shows; PEM private keys
 * anywhere else, credentials in ConfigMaps and literal credential env values in workloads fail.
 * Dynamic resources' `__provider` (the serialized provider code) is not a property to check here:
 * test/mosip/dynamic.test.ts greps it for credentials.
 */
export function checkSecrets(resources: ResourceView[]): Violation[] {
  const out: Violation[] = [];
  const known: Record<string, string[]> = {
    [TYPES.keycloakClient]: ["clientSecret"],
    [TYPES.kubernetesSecret]: ["data", "stringData"],
  };
  for (const r of resources) {
    if (r.type.startsWith("pulumi:")) continue; // the Stack and providers' own bookkeeping
    const secret = new Set(r.secretOutputs ?? []);
    const report = (where: string, what: string) =>
      out.push({
        urn: r.urn,
        message: `${label(r)} ${where}: ${what}; mark it secret (additionalSecretOutputs, or pulumi.secret() where it is set) and take it from secret config or a generated value, never from plain text.`,
      });
    for (const k of known[r.type] ?? []) {
      const v = r.props[k];
      if (v !== undefined && v !== null && v !== "" && !secret.has(k))
        report(k, "holds a credential but is not a secret output");
    }
    if (r.type === TYPES.kubernetesSecret) continue;
    for (const [k, v] of Object.entries(r.props)) {
      if (k === "__provider" || secret.has(k) || (known[r.type] ?? []).includes(k)) continue;
      if (isCredentialName(k) && typeof v === "string" && v.length > 0) {
        report(k, "looks like a credential and is stored in plain text");
        continue;
      }
      if (r.type === TYPES.kubernetesConfigMap && k === "data" && isRecord(v)) {
        for (const [dk, dv] of Object.entries(v)) {
          if (typeof dv === "string" && (isCredentialName(dk) || PRIVATE_KEY_PEM.test(dv)))
            report(
              `data.${dk}`,
              "a credential in a ConfigMap is readable by anyone who can read the namespace's config; move it to a Secret",
            );
        }
        continue;
      }
      for (const p of plainCredentials(v, k)) report(p, "holds a credential in plain text");
    }
    for (const p of literalEnvCredentials(r.props))
      report(
        p,
        "sets a credential-named environment variable to a literal value; use valueFrom.secretKeyRef",
      );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stack config and environment
// ---------------------------------------------------------------------------------------------

/**
 * The stack config the Pulumi CLI hands a policy pack in PULUMI_CONFIG (a JSON object of
 * `project:key` -> string; structured values are JSON text). Secret values are never read.
 */
export function parseStackConfig(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    const o = JSON.parse(raw) as unknown;
    if (!isRecord(o)) return {};
    return Object.fromEntries(
      Object.entries(o).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  } catch {
    return {};
  }
}

/** `mosip-crvs:environment` of the stack; anything but "development" counts as production. */
export function environmentOf(config: Record<string, string>): Environment {
  return config["mosip-crvs:environment"] === "development" ? "development" : "production";
}

/** The crvsSystems of the stack config, as far as they parse. */
export function crvsSystemsOf(config: Record<string, string>): CrvsSystemConfig[] {
  const raw = config["mosip-crvs:crvsSystems"];
  if (!raw) return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return v.flatMap((s) => {
    if (!isRecord(s) || typeof s.partnerId !== "string") return [];
    return [
      {
        partnerId: s.partnerId,
        identifier: str(s.identifier) ?? "PSUT",
        legallyMandated: s.legallyMandated === true,
        sharedAttributes: strings(s.sharedAttributes),
      },
    ];
  });
}

/** Mandatory in production, advisory in development. */
export function enforcementFor(env: Environment): "mandatory" | "advisory" {
  return env === "production" ? "mandatory" : "advisory";
}
