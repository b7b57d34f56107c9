// The sandbox's Keycloak: the subset MOSIP 1.2.0.1 and the stack use. Served under `/auth` as in
// MOSIP's Keycloak (legacy WildFly path layout): the OIDC token endpoint, JWKS, discovery, and the
// admin REST API (`/auth/admin/realms/{realm}/...`) that @pulumi/keycloak and the partner
// onboarder drive. Realms `master` (the admin user, `admin-cli`) and `mosip` (MOSIP's roles and
// clients as keycloak-init creates them) are seeded at start.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  decodeJwt,
  SignJWT,
  type JWK,
  type KeyLike,
} from "jose";
import { Reply, type SandboxRequest, type SandboxResponse } from "./http";
import type { KeycloakApi, SandboxContext, TokenClaims, TokenGrant } from "./types";

// ---------------------------------------------------------------------------------------------
// Model (Keycloak's entities, reduced to what the representations need)
// ---------------------------------------------------------------------------------------------

export interface KcRole {
  id: string;
  name: string;
  description?: string;
  /** Ids of the realm roles this composite role contains. */
  composites: Set<string>;
  attributes: Record<string, string[]>;
}

export interface KcClientScope {
  id: string;
  name: string;
  description: string;
  protocol: string;
  attributes: Record<string, string>;
}

export interface KcClient {
  id: string;
  clientId: string;
  name?: string;
  description?: string;
  rootUrl?: string;
  adminUrl?: string;
  baseUrl?: string;
  enabled: boolean;
  clientAuthenticatorType: string;
  secret?: string;
  redirectUris: string[];
  webOrigins: string[];
  bearerOnly: boolean;
  consentRequired: boolean;
  standardFlowEnabled: boolean;
  implicitFlowEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  serviceAccountsEnabled: boolean;
  publicClient: boolean;
  frontchannelLogout: boolean;
  protocol: string;
  attributes: Record<string, string>;
  authenticationFlowBindingOverrides: Record<string, string>;
  fullScopeAllowed: boolean;
  notBefore: number;
  surrogateAuthRequired: boolean;
  alwaysDisplayInConsole: boolean;
  nodeReRegistrationTimeout: number;
  /** Client scope ids. */
  defaultClientScopes: string[];
  optionalClientScopes: string[];
  /** Protocol mappers as given (kept so a PUT/GET round-trips). */
  protocolMappers: Record<string, unknown>[];
  /** Id of the service-account user, once service accounts were enabled. */
  serviceAccountUserId?: string;
}

export interface KcCredential {
  id: string;
  type: "password";
  /** scrypt hash; the sandbox never keeps a plain password. */
  hash: string;
  salt: string;
  createdDate: number;
}

export interface KcUser {
  id: string;
  username: string;
  enabled: boolean;
  emailVerified: boolean;
  firstName?: string;
  lastName?: string;
  email?: string;
  attributes: Record<string, string[]>;
  createdTimestamp: number;
  requiredActions: string[];
  credential?: KcCredential;
  /** Directly mapped realm role ids. */
  roles: Set<string>;
  /** The client's internal id when this is a service-account user (Keycloak's client link). */
  serviceAccountClientId?: string;
}

export interface KcRealm {
  id: string;
  realm: string;
  displayName: string;
  enabled: boolean;
  roles: Map<string, KcRole>;
  clients: Map<string, KcClient>;
  users: Map<string, KcUser>;
  clientScopes: Map<string, KcClientScope>;
  /** Scope ids a new client gets as default / optional scopes. */
  defaultDefaultClientScopes: string[];
  defaultOptionalClientScopes: string[];
  /** Id of `default-roles-<realm>`, granted to every new user. */
  defaultRoleId: string;
}

interface RealmKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}

export interface KeycloakState {
  realms: Map<string, KcRealm>;
}

/** What other tests and services need to know about the seeded Keycloak. */
export interface KeycloakSeed {
  realm: string;
  adminRealm: string;
  adminCliClientId: string;
  /** Seeded confidential clients of realm `mosip`: secret and service-account realm roles. */
  clients: Record<string, { secret: string; roles: string[]; scopes: string[] }>;
  /** Every realm role seeded in realm `mosip`. */
  roles: string[];
}

// ---------------------------------------------------------------------------------------------
// Seed data: MOSIP 1.2.0.1's realm `mosip` as mosip-helm's keycloak-init creates it (trimmed to the
// roles and clients that matter to the CRVS integration), plus the onboarder's deployment client.
// ---------------------------------------------------------------------------------------------

/** Realm roles of realm `mosip`. `ONLINE_REGISTRATION_CLIENT` is deliberately absent: 1.2.0.1 does
 * not ship it (the stack creates it); it is added for releases that ship it (`NEWER_RELEASE_ROLES`). */
/** Roles 1.2.1 and 1.3's keycloak-init adds to realm `mosip` that matter to the CRVS flows. */
export const NEWER_RELEASE_ROLES = ["ONLINE_REGISTRATION_CLIENT"];

export const MOSIP_ROLES = [
  "ABIS_PARTNER",
  "AUTH",
  "AUTH_PARTNER",
  "BIOMETRIC_READ",
  "CENTRAL_ADMIN",
  "CENTRAL_APPROVER",
  "CREATE_SHARE",
  "CREDENTIAL_ISSUANCE",
  "CREDENTIAL_PARTNER",
  "CREDENTIAL_REQUEST",
  "DATA_READ",
  "DEVICE_PROVIDER",
  "DIGITALCARD_ADMIN",
  "DOCUMENT_READ",
  "FTM_PROVIDER",
  "GLOBAL_ADMIN",
  "HOTLIST_ADMIN",
  "ID_AUTHENTICATION",
  "ID_REPOSITORY",
  "INDIVIDUAL",
  "KEY_MAKER",
  "MASTERDATA_ADMIN",
  "METADATA_READ",
  "MISP",
  "MISP_PARTNER",
  "ONLINE_VERIFICATION_PARTNER",
  "PARTNER",
  "PARTNER_ADMIN",
  "PARTNERMANAGER",
  "PMS_ADMIN",
  "PMS_USER",
  "POLICYMANAGER",
  "PREREG",
  "PRE_REGISTRATION",
  "PRE_REGISTRATION_ADMIN",
  "PRINT_PARTNER",
  "PUBLISH_APIKEY_APPROVED_GENERAL",
  "PUBLISH_CA_CERTIFICATE_UPLOADED_GENERAL",
  "PUBLISH_CREDENTIAL_ISSUED_ALL_INDIVIDUAL",
  "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
  "PUBLISH_MISP_LICENSE_GENERATED_GENERAL",
  "PUBLISH_PARTNER_UPDATED_GENERAL",
  "PUBLISH_POLICY_UPDATED_GENERAL",
  "PUBLISH_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL",
  "REGISTRATION_ADMIN",
  "REGISTRATION_OFFICER",
  "REGISTRATION_OPERATOR",
  "REGISTRATION_PROCESSOR",
  "REGISTRATION_SUPERVISOR",
  "RESIDENT",
  "SDK_PARTNER",
  "SUBSCRIBE_CA_CERTIFICATE_UPLOADED_GENERAL",
  "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
  "SUBSCRIBE_CREDENTIAL_STATUS_UPDATE_GENERAL",
  "SUBSCRIBE_PARTNER_UPDATED_GENERAL",
  "SUBSCRIBE_POLICY_UPDATED_GENERAL",
  "ZONAL_ADMIN",
  "ZONAL_APPROVER",
];

/** MOSIP's custom client scopes (keycloak-init `client_scopes`). */
const MOSIP_SCOPES: Array<{ name: string; description: string; consent: boolean }> = [
  { name: "add_oidc_client", description: "Scope required to create OIDC client", consent: false },
  { name: "update_oidc_client", description: "", consent: false },
  { name: "get_certificate", description: "Scope required to get certificate", consent: false },
  { name: "upload_certificate", description: "", consent: false },
];

interface SeedClient {
  clientId: string;
  roles: string[];
  scopes?: string[];
  /** User attributes copied into tokens (keycloak-init `mappers`). */
  mappers?: Array<{ attribute: string; claim: string }>;
}

/** A Keycloak "User Attribute" protocol mapper, as keycloak-init creates them. */
export function userAttributeMapper(attribute: string, claim: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    name: attribute,
    protocol: "openid-connect",
    protocolMapper: "oidc-usermodel-attribute-mapper",
    consentRequired: false,
    config: {
      "user.attribute": attribute,
      "claim.name": claim,
      "jsonType.label": "String",
      "id.token.claim": "true",
      "access.token.claim": "true",
      "userinfo.token.claim": "true",
    },
  };
}

function mosipClients(adminClientId: string): SeedClient[] {
  return [
    {
      // The partner onboarder's client (mosip-onboarding keycloak-init).
      clientId: adminClientId,
      roles: [
        "GLOBAL_ADMIN",
        "ID_AUTHENTICATION",
        "PARTNER_ADMIN",
        "POLICYMANAGER",
        "PARTNERMANAGER",
        "ZONAL_ADMIN",
      ],
    },
    {
      clientId: "mosip-regproc-client",
      roles: [
        "REGISTRATION_PROCESSOR",
        "DATA_READ",
        "DOCUMENT_READ",
        "BIOMETRIC_READ",
        "METADATA_READ",
        "CREATE_SHARE",
        "CREDENTIAL_REQUEST",
        "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
        "PUBLISH_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL",
      ],
    },
    {
      clientId: "mosip-pms-client",
      roles: [
        "PARTNER_ADMIN",
        "PMS_ADMIN",
        "PMS_USER",
        "REGISTRATION_PROCESSOR",
        "CREATE_SHARE",
        "ZONAL_ADMIN",
        "PUBLISH_PARTNER_UPDATED_GENERAL",
        "PUBLISH_POLICY_UPDATED_GENERAL",
        "PUBLISH_APIKEY_APPROVED_GENERAL",
        "PUBLISH_CA_CERTIFICATE_UPLOADED_GENERAL",
        "PUBLISH_MISP_LICENSE_GENERATED_GENERAL",
      ],
      scopes: ["add_oidc_client", "update_oidc_client", "get_certificate", "upload_certificate"],
      mappers: [
        { attribute: "phoneNumber", claim: "phoneNumber" },
        { attribute: "organizationName", claim: "organizationName" },
        { attribute: "partnerType", claim: "partnerType" },
        { attribute: "address", claim: "addressTest" },
      ],
    },
    {
      clientId: "mosip-admin-client",
      roles: ["MASTERDATA_ADMIN", "GLOBAL_ADMIN"],
    },
    {
      clientId: "mosip-resident-client",
      roles: ["RESIDENT", "CREDENTIAL_REQUEST"],
    },
    {
      clientId: "mosip-reg-client",
      roles: [
        "GLOBAL_ADMIN",
        "REGISTRATION_ADMIN",
        "REGISTRATION_OFFICER",
        "REGISTRATION_OPERATOR",
        "REGISTRATION_SUPERVISOR",
      ],
    },
    {
      clientId: "mosip-ida-client",
      roles: ["CREDENTIAL_REQUEST", "GLOBAL_ADMIN", "ID_AUTHENTICATION"],
    },
  ];
}

/** The obvious test secret of a seeded non-admin client. */
export function seededSecret(clientId: string): string {
  return `sandbox-${clientId.replace(/^mosip-/, "").replace(/-client$/, "")}-client-secret`;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function hashPassword(password: string, salt = randomBytes(16).toString("base64")): KcCredential {
  return {
    id: randomUUID(),
    type: "password",
    salt,
    hash: scryptSync(password, salt, 32).toString("base64"),
    createdDate: Date.now(),
  };
}

function passwordMatches(cred: KcCredential | undefined, password: string): boolean {
  if (!cred) return false;
  const a = Buffer.from(cred.hash, "base64");
  const b = scryptSync(password, cred.salt, 32);
  return a.length === b.length && timingSafeEqual(a, b);
}

function secretMatches(expected: string | undefined, given: string | undefined): boolean {
  if (expected === undefined || given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Keycloak generates 32 alphanumeric characters for a new client secret. */
export function newSecret(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join("");
}

export function roleByName(realm: KcRealm, name: string): KcRole | undefined {
  for (const r of realm.roles.values()) if (r.name === name) return r;
  return undefined;
}

export function clientByClientId(realm: KcRealm, clientId: string): KcClient | undefined {
  for (const c of realm.clients.values()) if (c.clientId === clientId) return c;
  return undefined;
}

export function userByUsername(realm: KcRealm, username: string): KcUser | undefined {
  const u = username.toLowerCase();
  for (const x of realm.users.values()) if (x.username === u) return x;
  return undefined;
}

export function scopeByName(realm: KcRealm, name: string): KcClientScope | undefined {
  for (const s of realm.clientScopes.values()) if (s.name === name) return s;
  return undefined;
}

/** The ids of a set of roles plus every role their composites contain, transitively. */
export function expandRoles(realm: KcRealm, roleIds: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const todo = [...roleIds];
  while (todo.length > 0) {
    const id = todo.pop() as string;
    if (out.has(id)) continue;
    const role = realm.roles.get(id);
    if (!role) continue;
    out.add(id);
    todo.push(...role.composites);
  }
  return out;
}

export function effectiveRoleNames(realm: KcRealm, user: KcUser): string[] {
  return [...expandRoles(realm, user.roles)]
    .map((id) => realm.roles.get(id)?.name)
    .filter((n): n is string => typeof n === "string")
    .sort();
}

function addRole(realm: KcRealm, name: string, description?: string): KcRole {
  const role: KcRole = {
    id: randomUUID(),
    name,
    description,
    composites: new Set(),
    attributes: {},
  };
  realm.roles.set(role.id, role);
  return role;
}

function addScope(
  realm: KcRealm,
  name: string,
  description: string,
  attributes: Record<string, string>,
): KcClientScope {
  const s: KcClientScope = {
    id: randomUUID(),
    name,
    description,
    protocol: "openid-connect",
    attributes,
  };
  realm.clientScopes.set(s.id, s);
  return s;
}

export function newRealm(name: string): KcRealm {
  const realm: KcRealm = {
    id: name,
    realm: name,
    displayName: name === "master" ? "Keycloak" : name,
    enabled: true,
    roles: new Map(),
    clients: new Map(),
    users: new Map(),
    clientScopes: new Map(),
    defaultDefaultClientScopes: [],
    defaultOptionalClientScopes: [],
    defaultRoleId: "",
  };
  const offline = addRole(realm, "offline_access", "${role_offline-access}");
  const uma = addRole(realm, "uma_authorization", "${role_uma_authorization}");
  const def = addRole(realm, `default-roles-${name}`, "${role_default-roles}");
  def.composites.add(offline.id);
  def.composites.add(uma.id);
  realm.defaultRoleId = def.id;

  // Keycloak's built-in client scopes: which appear in the token's `scope` claim is decided by
  // `include.in.token.scope` (roles and web-origins do not).
  const inToken = { "include.in.token.scope": "true", "display.on.consent.screen": "true" };
  const notInToken = { "include.in.token.scope": "false", "display.on.consent.screen": "false" };
  const profile = addScope(realm, "profile", "OpenID Connect built-in scope: profile", inToken);
  const email = addScope(realm, "email", "OpenID Connect built-in scope: email", inToken);
  const roles = addScope(realm, "roles", "OpenID Connect scope for add user roles", notInToken);
  const web = addScope(realm, "web-origins", "OpenID Connect scope for web origins", notInToken);
  const address = addScope(realm, "address", "OpenID Connect built-in scope: address", inToken);
  const phone = addScope(realm, "phone", "OpenID Connect built-in scope: phone", inToken);
  const offlineScope = addScope(realm, "offline_access", "OpenID Connect built-in scope", inToken);
  const mp = addScope(realm, "microprofile-jwt", "Microprofile - JWT built-in scope", inToken);
  realm.defaultDefaultClientScopes = [profile.id, email.id, roles.id, web.id];
  realm.defaultOptionalClientScopes = [address.id, phone.id, offlineScope.id, mp.id];
  return realm;
}

export function newClient(realm: KcRealm, clientId: string): KcClient {
  return {
    id: randomUUID(),
    clientId,
    enabled: true,
    clientAuthenticatorType: "client-secret",
    redirectUris: [],
    webOrigins: [],
    bearerOnly: false,
    consentRequired: false,
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    publicClient: false,
    frontchannelLogout: false,
    protocol: "openid-connect",
    attributes: {},
    authenticationFlowBindingOverrides: {},
    fullScopeAllowed: true,
    notBefore: 0,
    surrogateAuthRequired: false,
    alwaysDisplayInConsole: false,
    nodeReRegistrationTimeout: -1,
    defaultClientScopes: [...realm.defaultDefaultClientScopes],
    optionalClientScopes: [...realm.defaultOptionalClientScopes],
    protocolMappers: [],
  };
}

export function newUser(realm: KcRealm, username: string): KcUser {
  return {
    id: randomUUID(),
    // Keycloak stores usernames lower-cased.
    username: username.toLowerCase(),
    enabled: true,
    emailVerified: false,
    attributes: {},
    createdTimestamp: Date.now(),
    requiredActions: [],
    roles: new Set([realm.defaultRoleId]),
  };
}

/** Creates the service-account user of a client, as Keycloak does when service accounts are
 * switched on. Keycloak lower-cases the username (`service-account-<clientid>`). */
export function ensureServiceAccount(realm: KcRealm, client: KcClient): KcUser {
  if (client.serviceAccountUserId) {
    const existing = realm.users.get(client.serviceAccountUserId);
    if (existing) return existing;
  }
  const user = newUser(realm, `service-account-${client.clientId}`);
  user.serviceAccountClientId = client.id;
  realm.users.set(user.id, user);
  client.serviceAccountUserId = user.id;
  return user;
}

export function setPassword(user: KcUser, password: string, temporary: boolean): void {
  user.credential = hashPassword(password);
  user.requiredActions = user.requiredActions.filter((a) => a !== "UPDATE_PASSWORD");
  if (temporary) user.requiredActions.push("UPDATE_PASSWORD");
}

/**
 * The protocol mappers of a client that shape its access tokens: user attributes into claims and
 * hard-coded audiences (what a deployment may add so `aud` carries a service's client id).
 */
export function applyProtocolMappers(
  client: KcClient,
  user: KcUser,
  claims: Record<string, unknown>,
): void {
  for (const m of client.protocolMappers) {
    const config = (m.config ?? {}) as Record<string, string>;
    if (config["access.token.claim"] === "false") continue;
    if (m.protocolMapper === "oidc-usermodel-attribute-mapper") {
      const value = user.attributes[config["user.attribute"]]?.[0];
      const claim = config["claim.name"];
      if (value !== undefined && claim) claims[claim] = value;
    } else if (m.protocolMapper === "oidc-audience-mapper") {
      const aud = config["included.client.audience"] || config["included.custom.audience"];
      if (!aud) continue;
      const current =
        claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!current.includes(aud)) claims.aud = [...current, aud];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// OAuth2 error helpers
// ---------------------------------------------------------------------------------------------

function oauthError(status: number, error: string, description: string): SandboxResponse {
  return {
    status,
    headers: { "cache-control": "no-store", pragma: "no-cache" },
    body: { error, error_description: description },
  };
}

const INVALID_CLIENT = () =>
  // Keycloak since ~18 answers an unknown client, a wrong secret and a disabled client alike
  // (older Keycloak said `unauthorized_client` / "Invalid client secret"; UNCONFIRMED which one a
  // given MOSIP 1.2.0.1 install runs, clients must only rely on the 401).
  oauthError(401, "invalid_client", "Invalid client or Invalid client credentials");

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

export interface KeycloakInternals {
  state: KeycloakState;
  realm(name: string): KcRealm | undefined;
  /** Issues tokens exactly as the token endpoint would, from a parsed form. */
  token(realmName: string, form: URLSearchParams, authorization?: string): Promise<SandboxResponse>;
  verifyBearer(token: string): Promise<TokenClaims | null>;
  keyOf(realmName: string): RealmKey;
}

export async function register(sb: SandboxContext): Promise<void> {
  const state: KeycloakState = { realms: new Map() };
  sb.state.keycloak = state;
  const keys = new Map<string, RealmKey>();

  async function addRealm(name: string): Promise<KcRealm> {
    const realm = newRealm(name);
    state.realms.set(name, realm);
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = randomBytes(32).toString("base64url").slice(0, 43);
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    keys.set(name, { kid, privateKey, publicKey, jwk });
    return realm;
  }

  const issuer = (realm = "mosip") => `${sb.baseUrl}/auth/realms/${realm}`;

  // --- master realm: the admin user and admin-cli ---------------------------------------------
  const master = await addRealm("master");
  const adminRole = addRole(master, "admin", "${role_admin}");
  const createRealm = addRole(master, "create-realm", "${role_create-realm}");
  adminRole.composites.add(createRealm.id);
  const adminCli = newClient(master, "admin-cli");
  Object.assign(adminCli, {
    name: "${client_admin-cli}",
    publicClient: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: true,
  });
  master.clients.set(adminCli.id, adminCli);
  const admin = newUser(master, sb.options.keycloakAdminUser);
  admin.roles.add(adminRole.id);
  setPassword(admin, sb.options.keycloakAdminPassword, false);
  master.users.set(admin.id, admin);

  // --- mosip realm ---------------------------------------------------------------------------
  const mosip = await addRealm("mosip");
  for (const name of MOSIP_ROLES) addRole(mosip, name);
  if (sb.options.release !== "1.2.0.1")
    for (const name of NEWER_RELEASE_ROLES) addRole(mosip, name);
  for (const s of MOSIP_SCOPES) {
    addScope(mosip, s.name, s.description, {
      "include.in.token.scope": "true",
      "display.on.consent.screen": String(s.consent),
    });
  }
  const seedClients: KeycloakSeed["clients"] = {};
  for (const c of mosipClients(sb.options.adminClientId)) {
    const client = newClient(mosip, c.clientId);
    const secret =
      c.clientId === sb.options.adminClientId
        ? sb.options.adminClientSecret
        : seededSecret(c.clientId);
    Object.assign(client, {
      name: c.clientId,
      secret,
      serviceAccountsEnabled: true,
      directAccessGrantsEnabled: true,
      redirectUris: ["*"],
    });
    client.protocolMappers = (c.mappers ?? []).map((m) =>
      userAttributeMapper(m.attribute, m.claim),
    );
    for (const scope of c.scopes ?? []) {
      const s = scopeByName(mosip, scope);
      if (s) client.defaultClientScopes.push(s.id);
    }
    mosip.clients.set(client.id, client);
    const sa = ensureServiceAccount(mosip, client);
    for (const r of c.roles) {
      const role = roleByName(mosip, r);
      if (!role) throw new Error(`keycloak seed: unknown role ${r}`);
      sa.roles.add(role.id);
    }
    seedClients[c.clientId] = { secret, roles: c.roles, scopes: c.scopes ?? [] };
  }
  // The operator's own admin-portal login.
  const globalAdmin = newUser(mosip, sb.options.globalAdminUser);
  for (const r of ["GLOBAL_ADMIN", "ZONAL_ADMIN"]) globalAdmin.roles.add(roleByName(mosip, r)!.id);
  setPassword(globalAdmin, sb.options.globalAdminPassword, false);
  mosip.users.set(globalAdmin.id, globalAdmin);

  const seed: KeycloakSeed = {
    realm: "mosip",
    adminRealm: "master",
    adminCliClientId: "admin-cli",
    clients: seedClients,
    roles: [...mosip.roles.values()].map((r) => r.name).sort(),
  };
  sb.seed.keycloak = seed;

  // --- tokens --------------------------------------------------------------------------------

  async function sign(realmName: string, claims: Record<string, unknown>): Promise<string> {
    const key = keys.get(realmName) as RealmKey;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
      .sign(key.privateKey);
  }

  /** The `scope` claim: default scopes of the client that go into the token, plus requested
   * optional ones. */
  function grantedScopes(realm: KcRealm, client: KcClient, requested: string | null): string[] {
    const names = new Set<string>();
    const want = new Set((requested ?? "").split(" ").filter(Boolean));
    for (const id of client.defaultClientScopes) {
      const s = realm.clientScopes.get(id);
      if (s && s.attributes["include.in.token.scope"] !== "false") names.add(s.name);
    }
    for (const id of client.optionalClientScopes) {
      const s = realm.clientScopes.get(id);
      if (s && want.has(s.name) && s.attributes["include.in.token.scope"] !== "false") {
        names.add(s.name);
      }
    }
    if (want.has("openid")) names.add("openid");
    return [...names];
  }

  async function issueTokens(
    realm: KcRealm,
    client: KcClient,
    user: KcUser,
    requestedScope: string | null,
    withRefresh: boolean,
    sessionId: string | null,
  ): Promise<SandboxResponse> {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = sb.options.tokenLifetime;
    const roles = effectiveRoleNames(realm, user);
    const scope = grantedScopes(realm, client, requestedScope).join(" ");
    const hasDefaultRoles = expandRoles(realm, user.roles).has(realm.defaultRoleId);
    const claims: Record<string, unknown> = {
      exp: now + lifetime,
      iat: now,
      jti: randomUUID(),
      iss: issuer(realm.realm),
      // The default roles carry the `account` client's roles, which is what puts `account` in
      // Keycloak's audience.
      ...(hasDefaultRoles ? { aud: "account" } : {}),
      sub: user.id,
      typ: "Bearer",
      azp: client.clientId,
      ...(sessionId ? { session_state: sessionId, sid: sessionId } : {}),
      acr: "1",
      "allowed-origins": client.webOrigins,
      realm_access: { roles },
      ...(hasDefaultRoles
        ? {
            resource_access: {
              account: { roles: ["manage-account", "manage-account-links", "view-profile"] },
            },
          }
        : {}),
      scope,
      email_verified: user.emailVerified,
      preferred_username: user.username,
    };
    if (user.serviceAccountClientId) {
      // Keycloak's service-account protocol mappers.
      claims.clientId = client.clientId;
      claims.clientHost = "127.0.0.1";
      claims.clientAddress = "127.0.0.1";
    } else {
      const name = [user.firstName, user.lastName].filter(Boolean).join(" ");
      if (name) claims.name = name;
      if (user.firstName) claims.given_name = user.firstName;
      if (user.lastName) claims.family_name = user.lastName;
      if (user.email) claims.email = user.email;
    }
    applyProtocolMappers(client, user, claims);
    const access = await sign(realm.realm, claims);
    const body: Record<string, unknown> = {
      access_token: access,
      expires_in: lifetime,
      refresh_expires_in: 0,
      token_type: "Bearer",
      "not-before-policy": 0,
      scope,
    };
    if (withRefresh) {
      const refreshLifetime = 1800;
      body.refresh_expires_in = refreshLifetime;
      body.refresh_token = await sign(realm.realm, {
        exp: now + refreshLifetime,
        iat: now,
        jti: randomUUID(),
        iss: issuer(realm.realm),
        aud: issuer(realm.realm),
        sub: user.id,
        typ: "Refresh",
        azp: client.clientId,
        session_state: sessionId,
        scope,
        sid: sessionId,
      });
      body.session_state = sessionId;
    }
    return {
      status: 200,
      headers: { "cache-control": "no-store", pragma: "no-cache" },
      body,
    };
  }

  /** Client authentication (client_secret_post or client_secret_basic), as Keycloak does it. */
  function authenticateClient(
    realm: KcRealm,
    form: URLSearchParams,
    authorization: string | undefined,
  ): KcClient | SandboxResponse {
    let clientId = form.get("client_id") ?? undefined;
    let secret = form.get("client_secret") ?? undefined;
    if (authorization && /^basic /i.test(authorization)) {
      const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i >= 0) {
        clientId = decodeURIComponent(decoded.slice(0, i));
        secret = decodeURIComponent(decoded.slice(i + 1));
      }
    }
    if (!clientId) return oauthError(400, "invalid_client", "Missing parameter: client_id");
    const client = clientByClientId(realm, clientId);
    if (!client || !client.enabled) return INVALID_CLIENT();
    if (client.publicClient) return client;
    if (client.bearerOnly) {
      return oauthError(400, "invalid_client", "Bearer-only not allowed");
    }
    if (!secretMatches(client.secret, secret)) return INVALID_CLIENT();
    return client;
  }

  async function token(
    realmName: string,
    form: URLSearchParams,
    authorization?: string,
  ): Promise<SandboxResponse> {
    const realm = state.realms.get(realmName);
    if (!realm || !realm.enabled) return { status: 404, body: { error: "Realm does not exist" } };
    const grantType = form.get("grant_type");
    if (!grantType) {
      return oauthError(400, "invalid_request", "Missing form parameter: grant_type");
    }
    const client = authenticateClient(realm, form, authorization);
    if (!("clientId" in client)) return client;

    if (grantType === "client_credentials") {
      if (client.publicClient) {
        return oauthError(
          401,
          "unauthorized_client",
          "Public client not allowed to retrieve service account",
        );
      }
      if (!client.serviceAccountsEnabled) {
        return oauthError(
          401,
          "unauthorized_client",
          "Client not enabled to retrieve service account",
        );
      }
      const user = ensureServiceAccount(realm, client);
      return issueTokens(realm, client, user, form.get("scope"), false, null);
    }

    if (grantType === "password") {
      if (!client.directAccessGrantsEnabled) {
        return oauthError(
          400,
          "unauthorized_client",
          "Client not allowed for direct access grants",
        );
      }
      const username = form.get("username") ?? "";
      const password = form.get("password") ?? "";
      let user = userByUsername(realm, username);
      if (!user && username.includes("@")) {
        user = [...realm.users.values()].find(
          (u) => u.email?.toLowerCase() === username.toLowerCase(),
        );
      }
      if (!user || user.serviceAccountClientId || !passwordMatches(user.credential, password)) {
        return oauthError(401, "invalid_grant", "Invalid user credentials");
      }
      if (!user.enabled) return oauthError(400, "invalid_grant", "Account disabled");
      if (user.requiredActions.length > 0) {
        return oauthError(400, "invalid_grant", "Account is not fully set up");
      }
      return issueTokens(realm, client, user, form.get("scope"), true, randomUUID());
    }

    if (grantType === "refresh_token") {
      const raw = form.get("refresh_token");
      if (!raw) return oauthError(400, "invalid_request", "Missing form parameter: refresh_token");
      const key = keys.get(realmName) as RealmKey;
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(raw, key.publicKey, {
          issuer: issuer(realmName),
        }));
      } catch {
        return oauthError(400, "invalid_grant", "Invalid refresh token");
      }
      if (claims.typ !== "Refresh" || claims.azp !== client.clientId) {
        return oauthError(400, "invalid_grant", "Invalid refresh token");
      }
      const user = realm.users.get(String(claims.sub));
      if (!user || !user.enabled) return oauthError(400, "invalid_grant", "User disabled");
      return issueTokens(
        realm,
        client,
        user,
        typeof claims.scope === "string" ? claims.scope : null,
        true,
        typeof claims.session_state === "string" ? claims.session_state : randomUUID(),
      );
    }

    return oauthError(400, "unsupported_grant_type", "Unsupported grant_type");
  }

  async function verifyBearer(tokenText: string): Promise<TokenClaims | null> {
    let iss: unknown;
    try {
      iss = decodeJwt(tokenText).iss;
    } catch {
      return null;
    }
    if (typeof iss !== "string") return null;
    const prefix = `${sb.baseUrl}/auth/realms/`;
    if (!iss.startsWith(prefix)) return null;
    const realmName = iss.slice(prefix.length);
    const key = keys.get(realmName);
    if (!key) return null;
    try {
      const { payload } = await jwtVerify(tokenText, key.publicKey, {
        issuer: iss,
        algorithms: ["RS256"],
      });
      if (payload.typ !== "Bearer") return null;
      return payload as unknown as TokenClaims;
    } catch {
      return null;
    }
  }

  function toApiResult(
    res: SandboxResponse,
  ): TokenGrant | { error: string; errorDescription?: string; status: number } {
    const body = res.body as Record<string, unknown>;
    if (res.status === 200) {
      return {
        token: String(body.access_token),
        expiresIn: Number(body.expires_in),
        ...(typeof body.refresh_token === "string"
          ? { refreshToken: body.refresh_token, refreshExpiresIn: Number(body.refresh_expires_in) }
          : {}),
      };
    }
    return {
      error: String(body.error ?? "unknown_error"),
      errorDescription:
        typeof body.error_description === "string" ? body.error_description : undefined,
      status: res.status,
    };
  }

  const api: KeycloakApi = {
    issuer,
    verify: verifyBearer,
    async clientCredentials(realm, clientId, secret) {
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
      });
      return toApiResult(await token(realm, form));
    },
    async passwordGrant(realm, clientId, clientSecret, username, password) {
      const form = new URLSearchParams({
        grant_type: "password",
        client_id: clientId,
        client_secret: clientSecret,
        username,
        password,
      });
      return toApiResult(await token(realm, form));
    },
  };
  sb.keycloak = api;

  const internals: KeycloakInternals = {
    state,
    realm: (name) => state.realms.get(name),
    token,
    verifyBearer,
    keyOf: (name) => keys.get(name) as RealmKey,
  };
  registerOidcRoutes(sb, internals);
  registerAdminRoutes(sb, internals);
}

// ---------------------------------------------------------------------------------------------
// OIDC routes
// ---------------------------------------------------------------------------------------------

function realmOr404(k: KeycloakInternals, name: string): KcRealm {
  const realm = k.realm(name);
  if (!realm) throw new Reply({ status: 404, body: { error: "Realm does not exist" } });
  return realm;
}

function registerOidcRoutes(sb: SandboxContext, k: KeycloakInternals): void {
  const r = sb.router;
  const base = "/auth/realms/:realm";

  r.add("POST", `${base}/protocol/openid-connect/token`, (req: SandboxRequest) => {
    const auth = req.headers.authorization;
    return k.token(req.params.realm, req.form(), typeof auth === "string" ? auth : undefined);
  });

  r.add("GET", `${base}/protocol/openid-connect/certs`, (req) => {
    realmOr404(k, req.params.realm);
    return { status: 200, body: { keys: [k.keyOf(req.params.realm).jwk] } };
  });

  r.add("GET", `${base}/.well-known/openid-configuration`, (req) => {
    realmOr404(k, req.params.realm);
    const iss = sb.keycloak.issuer(req.params.realm);
    const oidc = `${iss}/protocol/openid-connect`;
    return {
      status: 200,
      body: {
        issuer: iss,
        authorization_endpoint: `${oidc}/auth`,
        token_endpoint: `${oidc}/token`,
        introspection_endpoint: `${oidc}/token/introspect`,
        userinfo_endpoint: `${oidc}/userinfo`,
        end_session_endpoint: `${oidc}/logout`,
        jwks_uri: `${oidc}/certs`,
        grant_types_supported: [
          "authorization_code",
          "implicit",
          "refresh_token",
          "password",
          "client_credentials",
        ],
        response_types_supported: ["code", "none", "id_token", "token", "id_token token"],
        subject_types_supported: ["public", "pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        scopes_supported: [
          "openid",
          ...[...realmOr404(k, req.params.realm).clientScopes.values()].map((s) => s.name),
        ],
        claims_supported: [
          "aud",
          "sub",
          "iss",
          "auth_time",
          "name",
          "given_name",
          "family_name",
          "preferred_username",
          "email",
          "acr",
        ],
      },
    };
  });

  // The realm's public info page (what `GET /auth/realms/mosip` answers in Keycloak 16).
  r.add("GET", base, async (req) => {
    realmOr404(k, req.params.realm);
    const iss = sb.keycloak.issuer(req.params.realm);
    const pem = await exportSPKI(k.keyOf(req.params.realm).publicKey);
    return {
      status: 200,
      body: {
        realm: req.params.realm,
        // Base64 DER of the realm's RSA public key, without PEM armour.
        public_key: pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""),
        "token-service": `${iss}/protocol/openid-connect`,
        "account-service": `${iss}/account`,
        "tokens-not-before": 0,
      },
    };
  });

  r.add("GET", `${base}/protocol/openid-connect/userinfo`, async (req) => {
    const auth = req.headers.authorization;
    const bearer = typeof auth === "string" && /^bearer /i.test(auth) ? auth.slice(7).trim() : "";
    const claims = bearer ? await k.verifyBearer(bearer) : null;
    if (!claims) {
      return {
        status: 401,
        headers: {
          "www-authenticate": 'Bearer realm="' + req.params.realm + '", error="invalid_token"',
        },
        body: { error: "invalid_token", error_description: "Token verification failed" },
      };
    }
    return {
      status: 200,
      body: {
        sub: claims.sub,
        email_verified: claims.email_verified,
        preferred_username: claims.preferred_username,
        ...(claims.name ? { name: claims.name } : {}),
        ...(claims.email ? { email: claims.email } : {}),
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Admin REST API (`/auth/admin/...`): what @pulumi/keycloak (terraform-provider-keycloak), the
// official admin client and the partner onboarder call. Representations use Keycloak's JSON names;
// errors use its statuses and bodies (`{errorMessage}` for 409/400 from ErrorResponse,
// `{error}` for NotFoundException).
// ---------------------------------------------------------------------------------------------

const KEYCLOAK_VERSION = "16.1.1";

function notFound(what: string): Reply {
  return new Reply({ status: 404, body: { error: what } });
}

function conflict(message: string): Reply {
  return new Reply({ status: 409, body: { errorMessage: message } });
}

function badRequest(message: string): Reply {
  return new Reply({ status: 400, body: { errorMessage: message } });
}

const noContent = (): SandboxResponse => ({ status: 204 });
const ok = (body: unknown): SandboxResponse => ({ status: 200, body });

function jsonBody<T = Record<string, unknown>>(req: SandboxRequest): T {
  const body = req.json();
  if (body === undefined) {
    throw new Reply({ status: 400, body: { error: "unknown_error" } });
  }
  return body as T;
}

function strArray(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

function strRecord(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== null && x !== undefined) out[k] = String(x);
  }
  return out;
}

function attrRecord(v: unknown): Record<string, string[]> | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = Array.isArray(x) ? x.map(String) : [String(x)];
  }
  return out;
}

function paginate<T>(items: T[], req: SandboxRequest, defaultMax = -1): T[] {
  const first = Number(req.query.get("first") ?? 0) || 0;
  const maxRaw = req.query.get("max");
  const max = maxRaw === null ? defaultMax : Number(maxRaw);
  return max >= 0 ? items.slice(first, first + max) : items.slice(first);
}

function roleRep(realm: KcRealm, role: KcRole, brief = false): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
    composite: role.composites.size > 0,
    clientRole: false,
    containerId: realm.id,
    ...(brief ? {} : { attributes: role.attributes }),
  };
}

function clientRep(realm: KcRealm, c: KcClient): Record<string, unknown> {
  const scopeNames = (ids: string[]) =>
    ids.map((id) => realm.clientScopes.get(id)?.name).filter((n): n is string => !!n);
  return {
    id: c.id,
    clientId: c.clientId,
    ...(c.name !== undefined ? { name: c.name } : {}),
    ...(c.description !== undefined ? { description: c.description } : {}),
    ...(c.rootUrl !== undefined ? { rootUrl: c.rootUrl } : {}),
    ...(c.adminUrl !== undefined ? { adminUrl: c.adminUrl } : {}),
    ...(c.baseUrl !== undefined ? { baseUrl: c.baseUrl } : {}),
    surrogateAuthRequired: c.surrogateAuthRequired,
    enabled: c.enabled,
    alwaysDisplayInConsole: c.alwaysDisplayInConsole,
    clientAuthenticatorType: c.clientAuthenticatorType,
    ...(!c.publicClient && c.secret !== undefined ? { secret: c.secret } : {}),
    redirectUris: c.redirectUris,
    webOrigins: c.webOrigins,
    notBefore: c.notBefore,
    bearerOnly: c.bearerOnly,
    consentRequired: c.consentRequired,
    standardFlowEnabled: c.standardFlowEnabled,
    implicitFlowEnabled: c.implicitFlowEnabled,
    directAccessGrantsEnabled: c.directAccessGrantsEnabled,
    serviceAccountsEnabled: c.serviceAccountsEnabled,
    authorizationServicesEnabled: false,
    publicClient: c.publicClient,
    frontchannelLogout: c.frontchannelLogout,
    protocol: c.protocol,
    attributes: c.attributes,
    authenticationFlowBindingOverrides: c.authenticationFlowBindingOverrides,
    fullScopeAllowed: c.fullScopeAllowed,
    nodeReRegistrationTimeout: c.nodeReRegistrationTimeout,
    ...(c.protocolMappers.length > 0 ? { protocolMappers: c.protocolMappers } : {}),
    defaultClientScopes: scopeNames(c.defaultClientScopes),
    optionalClientScopes: scopeNames(c.optionalClientScopes),
    access: { view: true, configure: true, manage: true },
  };
}

function userRep(u: KcUser, brief = false): Record<string, unknown> {
  return {
    id: u.id,
    createdTimestamp: u.createdTimestamp,
    username: u.username,
    enabled: u.enabled,
    totp: false,
    emailVerified: u.emailVerified,
    ...(u.firstName !== undefined ? { firstName: u.firstName } : {}),
    ...(u.lastName !== undefined ? { lastName: u.lastName } : {}),
    ...(u.email !== undefined ? { email: u.email } : {}),
    ...(!brief && Object.keys(u.attributes).length > 0 ? { attributes: u.attributes } : {}),
    ...(u.serviceAccountClientId ? { serviceAccountClientId: u.serviceAccountClientId } : {}),
    disableableCredentialTypes: [],
    requiredActions: u.requiredActions,
    notBefore: 0,
    access: {
      manageGroupMembership: true,
      view: true,
      mapRoles: true,
      impersonate: true,
      manage: true,
    },
  };
}

function scopeRep(s: KcClientScope): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    protocol: s.protocol,
    attributes: s.attributes,
  };
}

const BOOL_CLIENT_FIELDS = [
  "enabled",
  "bearerOnly",
  "consentRequired",
  "standardFlowEnabled",
  "implicitFlowEnabled",
  "directAccessGrantsEnabled",
  "serviceAccountsEnabled",
  "publicClient",
  "frontchannelLogout",
  "fullScopeAllowed",
  "surrogateAuthRequired",
  "alwaysDisplayInConsole",
] as const;

const STRING_CLIENT_FIELDS = [
  "name",
  "description",
  "rootUrl",
  "adminUrl",
  "baseUrl",
  "clientAuthenticatorType",
  "protocol",
] as const;

/** Applies the fields present in a ClientRepresentation, as Keycloak's RepresentationToModel does. */
function applyClientRep(realm: KcRealm, c: KcClient, rep: Record<string, unknown>): void {
  for (const f of BOOL_CLIENT_FIELDS) if (typeof rep[f] === "boolean") c[f] = rep[f] as boolean;
  for (const f of STRING_CLIENT_FIELDS) if (typeof rep[f] === "string") c[f] = rep[f] as string;
  if (typeof rep.secret === "string") c.secret = rep.secret;
  if (typeof rep.notBefore === "number") c.notBefore = rep.notBefore;
  if (typeof rep.nodeReRegistrationTimeout === "number") {
    c.nodeReRegistrationTimeout = rep.nodeReRegistrationTimeout;
  }
  const redirect = strArray(rep.redirectUris);
  if (redirect) c.redirectUris = redirect;
  const origins = strArray(rep.webOrigins);
  if (origins) c.webOrigins = origins;
  const attrs = strRecord(rep.attributes);
  if (attrs) c.attributes = { ...c.attributes, ...attrs };
  const overrides = strRecord(rep.authenticationFlowBindingOverrides);
  if (overrides) c.authenticationFlowBindingOverrides = overrides;
  if (Array.isArray(rep.protocolMappers)) {
    c.protocolMappers = (rep.protocolMappers as Record<string, unknown>[]).map((m) => ({
      id: typeof m.id === "string" ? m.id : randomUUID(),
      ...m,
    }));
  }
  const byNames = (names: string[]) =>
    names.map((n) => scopeByName(realm, n)?.id).filter((id): id is string => !!id);
  const defaults = strArray(rep.defaultClientScopes);
  if (defaults) c.defaultClientScopes = byNames(defaults);
  const optional = strArray(rep.optionalClientScopes);
  if (optional) c.optionalClientScopes = byNames(optional);
  if (!c.publicClient && !c.bearerOnly && !c.secret) c.secret = newSecret();
  if (c.serviceAccountsEnabled) ensureServiceAccount(realm, c);
}

export function registerAdminRoutes(sb: SandboxContext, k: KeycloakInternals): void {
  const r = sb.router;
  const A = "/auth/admin/realms/:realm";

  /** Any valid token authenticates (401 otherwise); only the master realm's administrators (the
   * `admin` role) are authorized (403 otherwise). */
  async function requireAdmin(req: SandboxRequest): Promise<void> {
    const h = req.headers.authorization;
    const bearer = typeof h === "string" && /^bearer /i.test(h) ? h.slice(7).trim() : "";
    const claims = bearer ? await k.verifyBearer(bearer) : null;
    const tokenRealm = claims
      ? k.realm(String(claims.iss).slice(`${sb.baseUrl}/auth/realms/`.length))
      : undefined;
    const user = claims && tokenRealm ? tokenRealm.users.get(String(claims.sub)) : undefined;
    if (!claims || !tokenRealm || !user || !user.enabled) {
      throw new Reply({ status: 401, body: { error: "HTTP 401 Unauthorized" } });
    }
    if (tokenRealm.realm !== "master" || !effectiveRoleNames(tokenRealm, user).includes("admin")) {
      throw new Reply({ status: 403, body: { error: "HTTP 403 Forbidden" } });
    }
  }

  /** Registers an admin route: authenticates, then resolves the realm. */
  function admin(
    method: string,
    path: string,
    handler: (req: SandboxRequest, realm: KcRealm) => SandboxResponse | Promise<SandboxResponse>,
  ): void {
    r.add(method, path, async (req) => {
      await requireAdmin(req);
      const realm = k.realm(req.params.realm);
      if (!realm) throw notFound("Realm not found.");
      return handler(req, realm);
    });
  }

  const location = (realm: KcRealm, rest: string) =>
    `${sb.baseUrl}/auth/admin/realms/${encodeURIComponent(realm.realm)}/${rest}`;
  const created = (realm: KcRealm, rest: string): SandboxResponse => ({
    status: 201,
    headers: { location: location(realm, rest) },
  });

  function getClient(realm: KcRealm, id: string): KcClient {
    const c = realm.clients.get(id);
    if (!c) throw notFound("Could not find client");
    return c;
  }
  function getUser(realm: KcRealm, id: string): KcUser {
    const u = realm.users.get(id);
    if (!u) throw notFound("User not found");
    return u;
  }
  function getRole(realm: KcRealm, name: string): KcRole {
    const role = roleByName(realm, name);
    if (!role) throw notFound("Could not find role");
    return role;
  }
  function getRoleById(realm: KcRealm, id: string): KcRole {
    const role = realm.roles.get(id);
    if (!role) throw notFound("Could not find role with id");
    return role;
  }
  function getScope(realm: KcRealm, id: string): KcClientScope {
    const s = realm.clientScopes.get(id);
    if (!s) throw notFound("Could not find client scope");
    return s;
  }

  // --- server info and realms ------------------------------------------------------------------

  r.add("GET", "/auth/admin/serverinfo", async (req) => {
    await requireAdmin(req);
    return ok({
      systemInfo: {
        version: KEYCLOAK_VERSION,
        serverTime: new Date().toUTCString(),
        uptime: "0 days, 0 hours, 0 minutes",
      },
      themes: {
        login: [{ name: "keycloak", locales: ["en"] }],
        account: [{ name: "keycloak", locales: ["en"] }],
        admin: [{ name: "keycloak", locales: ["en"] }],
        email: [{ name: "keycloak", locales: ["en"] }],
      },
      componentTypes: {},
      providers: {},
      features: [],
    });
  });

  const realmRep = (realm: KcRealm) => {
    const def = realm.roles.get(realm.defaultRoleId) as KcRole;
    return {
      id: realm.id,
      realm: realm.realm,
      displayName: realm.displayName,
      enabled: realm.enabled,
      sslRequired: "external",
      accessTokenLifespan: sb.options.tokenLifetime,
      registrationAllowed: false,
      registrationEmailAsUsername: false,
      rememberMe: false,
      verifyEmail: false,
      loginWithEmailAllowed: true,
      duplicateEmailsAllowed: false,
      resetPasswordAllowed: false,
      editUsernameAllowed: false,
      bruteForceProtected: false,
      defaultRole: roleRep(realm, def, true),
      defaultDefaultClientScopes: realm.defaultDefaultClientScopes.map(
        (id) => realm.clientScopes.get(id)?.name,
      ),
      defaultOptionalClientScopes: realm.defaultOptionalClientScopes.map(
        (id) => realm.clientScopes.get(id)?.name,
      ),
      attributes: {},
    };
  };

  r.add("GET", "/auth/admin/realms", async (req) => {
    await requireAdmin(req);
    return ok([...k.state.realms.values()].map(realmRep));
  });
  admin("GET", A, (_req, realm) => ok(realmRep(realm)));

  // --- clients ---------------------------------------------------------------------------------

  admin("GET", `${A}/clients`, (req, realm) => {
    const clientId = req.query.get("clientId");
    const search = req.query.get("search") === "true";
    let list = [...realm.clients.values()];
    if (clientId !== null) {
      list = list.filter((c) =>
        search
          ? c.clientId.toLowerCase().includes(clientId.toLowerCase())
          : c.clientId === clientId,
      );
    }
    list.sort((a, b) => a.clientId.localeCompare(b.clientId));
    return ok(paginate(list, req).map((c) => clientRep(realm, c)));
  });

  admin("POST", `${A}/clients`, (req, realm) => {
    const rep = jsonBody(req);
    const clientId = typeof rep.clientId === "string" ? rep.clientId : "";
    if (!clientId) throw badRequest("Client id is required");
    if (clientByClientId(realm, clientId)) throw conflict(`Client ${clientId} already exists`);
    const c = newClient(realm, clientId);
    if (typeof rep.id === "string" && rep.id) {
      if (realm.clients.has(rep.id)) throw conflict(`Client ${clientId} already exists`);
      c.id = rep.id;
    }
    applyClientRep(realm, c, rep);
    realm.clients.set(c.id, c);
    return created(realm, `clients/${c.id}`);
  });

  admin("GET", `${A}/clients/:id`, (req, realm) =>
    ok(clientRep(realm, getClient(realm, req.params.id))),
  );

  admin("PUT", `${A}/clients/:id`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    const rep = jsonBody(req);
    if (typeof rep.clientId === "string" && rep.clientId !== c.clientId) {
      if (clientByClientId(realm, rep.clientId)) {
        throw conflict(`Client ${rep.clientId} already exists`);
      }
      c.clientId = rep.clientId;
    }
    applyClientRep(realm, c, rep);
    return noContent();
  });

  admin("DELETE", `${A}/clients/:id`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    if (c.serviceAccountUserId) realm.users.delete(c.serviceAccountUserId);
    realm.clients.delete(c.id);
    return noContent();
  });

  admin("GET", `${A}/clients/:id/client-secret`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    return ok({ type: "secret", value: c.publicClient ? null : (c.secret ?? null) });
  });

  admin("POST", `${A}/clients/:id/client-secret`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    c.secret = newSecret();
    return ok({ type: "secret", value: c.secret });
  });

  admin("GET", `${A}/clients/:id/service-account-user`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    const existing = c.serviceAccountUserId ? realm.users.get(c.serviceAccountUserId) : undefined;
    if (existing) return ok(userRep(existing));
    if (!c.serviceAccountsEnabled) {
      throw badRequest(`Service account not enabled for the client '${c.clientId}'`);
    }
    return ok(userRep(ensureServiceAccount(realm, c)));
  });

  // Protocol mappers (keycloak_openid_*_protocol_mapper).
  function getMapper(c: KcClient, id: string): Record<string, unknown> {
    const m = c.protocolMappers.find((x) => x.id === id);
    if (!m) throw notFound("Model not found");
    return m;
  }
  admin("GET", `${A}/clients/:id/protocol-mappers/models`, (req, realm) =>
    ok(getClient(realm, req.params.id).protocolMappers),
  );
  admin("POST", `${A}/clients/:id/protocol-mappers/models`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    const rep = jsonBody(req);
    const name = typeof rep.name === "string" ? rep.name : "";
    if (!name) throw badRequest("Protocol mapper name is required");
    if (c.protocolMappers.some((m) => m.name === name)) {
      throw conflict(`Protocol mapper exists with same name`);
    }
    const mapper = { ...rep, id: randomUUID(), protocol: rep.protocol ?? "openid-connect" };
    c.protocolMappers.push(mapper);
    return created(realm, `clients/${c.id}/protocol-mappers/models/${mapper.id}`);
  });
  admin("GET", `${A}/clients/:id/protocol-mappers/models/:mapperId`, (req, realm) =>
    ok(getMapper(getClient(realm, req.params.id), req.params.mapperId)),
  );
  admin("PUT", `${A}/clients/:id/protocol-mappers/models/:mapperId`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    const m = getMapper(c, req.params.mapperId);
    Object.assign(m, jsonBody(req), { id: m.id });
    return noContent();
  });
  admin("DELETE", `${A}/clients/:id/protocol-mappers/models/:mapperId`, (req, realm) => {
    const c = getClient(realm, req.params.id);
    getMapper(c, req.params.mapperId);
    c.protocolMappers = c.protocolMappers.filter((x) => x.id !== req.params.mapperId);
    return noContent();
  });

  for (const kind of ["default", "optional"] as const) {
    const field = kind === "default" ? "defaultClientScopes" : "optionalClientScopes";
    const other = kind === "default" ? "optionalClientScopes" : "defaultClientScopes";
    admin("GET", `${A}/clients/:id/${kind}-client-scopes`, (req, realm) => {
      const c = getClient(realm, req.params.id);
      return ok(
        c[field]
          .map((id) => realm.clientScopes.get(id))
          .filter((s): s is KcClientScope => !!s)
          .map((s) => ({ id: s.id, name: s.name })),
      );
    });
    admin("PUT", `${A}/clients/:id/${kind}-client-scopes/:scopeId`, (req, realm) => {
      const c = getClient(realm, req.params.id);
      const s = getScope(realm, req.params.scopeId);
      if (c[other].includes(s.id)) {
        throw conflict(`Client scope ${s.name} is already linked to the client`);
      }
      if (!c[field].includes(s.id)) c[field].push(s.id);
      return noContent();
    });
    admin("DELETE", `${A}/clients/:id/${kind}-client-scopes/:scopeId`, (req, realm) => {
      const c = getClient(realm, req.params.id);
      const s = getScope(realm, req.params.scopeId);
      c[field] = c[field].filter((id) => id !== s.id);
      return noContent();
    });
  }

  // --- client scopes ---------------------------------------------------------------------------

  admin("GET", `${A}/client-scopes`, (_req, realm) =>
    ok([...realm.clientScopes.values()].map(scopeRep)),
  );
  admin("POST", `${A}/client-scopes`, (req, realm) => {
    const rep = jsonBody(req);
    const name = typeof rep.name === "string" ? rep.name : "";
    if (!name) throw badRequest("Client scope name is required");
    if (scopeByName(realm, name)) {
      throw conflict(`Client Scope ${name} already exists`);
    }
    const s = addScope(
      realm,
      name,
      typeof rep.description === "string" ? rep.description : "",
      strRecord(rep.attributes) ?? {},
    );
    if (typeof rep.protocol === "string") s.protocol = rep.protocol;
    return created(realm, `client-scopes/${s.id}`);
  });
  admin("GET", `${A}/client-scopes/:id`, (req, realm) =>
    ok(scopeRep(getScope(realm, req.params.id))),
  );
  admin("PUT", `${A}/client-scopes/:id`, (req, realm) => {
    const s = getScope(realm, req.params.id);
    const rep = jsonBody(req);
    if (typeof rep.name === "string") s.name = rep.name;
    if (typeof rep.description === "string") s.description = rep.description;
    if (typeof rep.protocol === "string") s.protocol = rep.protocol;
    const attrs = strRecord(rep.attributes);
    if (attrs) s.attributes = attrs;
    return noContent();
  });
  admin("DELETE", `${A}/client-scopes/:id`, (req, realm) => {
    const s = getScope(realm, req.params.id);
    for (const c of realm.clients.values()) {
      if (c.defaultClientScopes.includes(s.id) || c.optionalClientScopes.includes(s.id)) {
        throw badRequest("Cannot remove client scope, it is currently in use");
      }
    }
    realm.clientScopes.delete(s.id);
    return noContent();
  });

  // --- realm roles -----------------------------------------------------------------------------

  function createRole(realm: KcRealm, rep: Record<string, unknown>): KcRole {
    const name = typeof rep.name === "string" ? rep.name.trim() : "";
    if (!name) throw badRequest("Role name is required");
    if (roleByName(realm, name)) throw conflict(`Role with name ${name} already exists`);
    // RoleRepresentation.composites: {realm: [role names]} is honoured on creation.
    const composites = (
      strArray((rep.composites as { realm?: unknown } | undefined)?.realm) ?? []
    ).map((n) => {
      const c = roleByName(realm, n);
      if (!c) throw notFound("Could not find composite role");
      return c;
    });
    const role = addRole(
      realm,
      name,
      typeof rep.description === "string" ? rep.description : undefined,
    );
    role.attributes = attrRecord(rep.attributes) ?? {};
    for (const c of composites) role.composites.add(c.id);
    return role;
  }

  function updateRole(realm: KcRealm, role: KcRole, rep: Record<string, unknown>): void {
    if (typeof rep.name === "string" && rep.name !== role.name) {
      if (roleByName(realm, rep.name)) throw conflict(`Role with name ${rep.name} already exists`);
      role.name = rep.name;
    }
    if (typeof rep.description === "string") role.description = rep.description;
    const attrs = attrRecord(rep.attributes);
    if (attrs) role.attributes = attrs;
  }

  function deleteRole(realm: KcRealm, role: KcRole): void {
    if (role.id === realm.defaultRoleId) throw badRequest("You cannot delete a default role");
    realm.roles.delete(role.id);
    for (const other of realm.roles.values()) other.composites.delete(role.id);
    for (const u of realm.users.values()) u.roles.delete(role.id);
  }

  /** `[{id?, name?}]` -> roles; composites are looked up by id, falling back to name. */
  function compositeList(realm: KcRealm, body: unknown): KcRole[] {
    if (!Array.isArray(body)) throw new Reply({ status: 400, body: { error: "unknown_error" } });
    return body.map((x: { id?: unknown; name?: unknown }) => {
      const role =
        (typeof x.id === "string" ? realm.roles.get(x.id) : undefined) ??
        (typeof x.name === "string" ? roleByName(realm, x.name) : undefined);
      if (!role) throw notFound("Could not find composite role");
      return role;
    });
  }

  function compositeRoutes(base: string, find: (realm: KcRealm, key: string) => KcRole): void {
    admin("GET", `${base}/composites`, (req, realm) => {
      const role = find(realm, req.params.key);
      return ok([...role.composites].map((id) => roleRep(realm, realm.roles.get(id) as KcRole)));
    });
    admin("GET", `${base}/composites/realm`, (req, realm) => {
      const role = find(realm, req.params.key);
      return ok([...role.composites].map((id) => roleRep(realm, realm.roles.get(id) as KcRole)));
    });
    admin("POST", `${base}/composites`, (req, realm) => {
      const role = find(realm, req.params.key);
      for (const c of compositeList(realm, req.json())) {
        if (c.id !== role.id) role.composites.add(c.id);
      }
      return noContent();
    });
    admin("DELETE", `${base}/composites`, (req, realm) => {
      const role = find(realm, req.params.key);
      for (const c of compositeList(realm, req.json())) role.composites.delete(c.id);
      return noContent();
    });
  }

  admin("GET", `${A}/roles`, (req, realm) => {
    const search = req.query.get("search")?.toLowerCase();
    const brief = req.query.get("briefRepresentation") !== "false";
    let list = [...realm.roles.values()];
    if (search) list = list.filter((x) => x.name.toLowerCase().includes(search));
    list.sort((a, b) => a.name.localeCompare(b.name));
    return ok(paginate(list, req).map((x) => roleRep(realm, x, brief)));
  });
  admin("POST", `${A}/roles`, (req, realm) => {
    const role = createRole(realm, jsonBody(req));
    return created(realm, `roles/${encodeURIComponent(role.name)}`);
  });
  admin("GET", `${A}/roles/:key`, (req, realm) =>
    ok(roleRep(realm, getRole(realm, req.params.key))),
  );
  admin("PUT", `${A}/roles/:key`, (req, realm) => {
    updateRole(realm, getRole(realm, req.params.key), jsonBody(req));
    return noContent();
  });
  admin("DELETE", `${A}/roles/:key`, (req, realm) => {
    deleteRole(realm, getRole(realm, req.params.key));
    return noContent();
  });
  admin("GET", `${A}/roles/:key/users`, (req, realm) => {
    const role = getRole(realm, req.params.key);
    const users = [...realm.users.values()]
      .filter((u) => u.roles.has(role.id))
      .sort((a, b) => a.username.localeCompare(b.username));
    return ok(paginate(users, req, 100).map((u) => userRep(u, true)));
  });
  compositeRoutes(`${A}/roles/:key`, getRole);

  admin("GET", `${A}/roles-by-id/:key`, (req, realm) =>
    ok(roleRep(realm, getRoleById(realm, req.params.key))),
  );
  admin("PUT", `${A}/roles-by-id/:key`, (req, realm) => {
    updateRole(realm, getRoleById(realm, req.params.key), jsonBody(req));
    return noContent();
  });
  admin("DELETE", `${A}/roles-by-id/:key`, (req, realm) => {
    deleteRole(realm, getRoleById(realm, req.params.key));
    return noContent();
  });
  compositeRoutes(`${A}/roles-by-id/:key`, getRoleById);

  // --- users -----------------------------------------------------------------------------------

  function applyCredentials(u: KcUser, creds: unknown): void {
    if (!Array.isArray(creds)) return;
    for (const c of creds as Array<{ type?: unknown; value?: unknown; temporary?: unknown }>) {
      if ((c.type ?? "password") !== "password") continue;
      if (typeof c.value !== "string" || c.value === "") {
        throw badRequest("No password provided");
      }
      setPassword(u, c.value, c.temporary === true);
    }
  }

  function checkEmail(realm: KcRealm, u: KcUser | undefined, email: unknown): void {
    if (typeof email !== "string" || email === "") return;
    for (const other of realm.users.values()) {
      if (other !== u && other.email?.toLowerCase() === email.toLowerCase()) {
        throw conflict("User exists with same email");
      }
    }
  }

  function applyUserRep(realm: KcRealm, u: KcUser, rep: Record<string, unknown>): void {
    checkEmail(realm, u, rep.email);
    if (typeof rep.enabled === "boolean") u.enabled = rep.enabled;
    if (typeof rep.emailVerified === "boolean") u.emailVerified = rep.emailVerified;
    if (typeof rep.firstName === "string") u.firstName = rep.firstName;
    if (typeof rep.lastName === "string") u.lastName = rep.lastName;
    if (typeof rep.email === "string") u.email = rep.email.toLowerCase();
    const attrs = attrRecord(rep.attributes);
    if (attrs) u.attributes = attrs;
    const actions = strArray(rep.requiredActions);
    if (actions) u.requiredActions = actions;
    applyCredentials(u, rep.credentials);
  }

  admin("GET", `${A}/users`, (req, realm) => {
    const q = req.query;
    const exact = q.get("exact") === "true";
    const brief = q.get("briefRepresentation") === "true";
    const match = (value: string | undefined, wanted: string | null) => {
      if (wanted === null) return true;
      if (value === undefined) return false;
      return exact
        ? value.toLowerCase() === wanted.toLowerCase()
        : value.toLowerCase().includes(wanted.toLowerCase());
    };
    const search = q.get("search")?.toLowerCase().replace(/\*/g, "");
    // Like the admin console, user searches leave service-account users out.
    let list = [...realm.users.values()].filter((u) => !u.serviceAccountClientId);
    list = list.filter(
      (u) =>
        match(u.username, q.get("username")) &&
        match(u.email, q.get("email")) &&
        match(u.firstName, q.get("firstName")) &&
        match(u.lastName, q.get("lastName")),
    );
    if (search) {
      list = list.filter((u) =>
        [u.username, u.email, u.firstName, u.lastName].some((v) =>
          v?.toLowerCase().includes(search),
        ),
      );
    }
    const enabled = q.get("enabled");
    if (enabled !== null) list = list.filter((u) => String(u.enabled) === enabled);
    list.sort((a, b) => a.username.localeCompare(b.username));
    return ok(paginate(list, req, 100).map((u) => userRep(u, brief)));
  });

  admin("GET", `${A}/users/count`, (_req, realm) =>
    ok([...realm.users.values()].filter((u) => !u.serviceAccountClientId).length),
  );

  admin("POST", `${A}/users`, (req, realm) => {
    const rep = jsonBody(req);
    const username = typeof rep.username === "string" ? rep.username.trim() : "";
    if (!username) throw badRequest("User name is missing");
    if (userByUsername(realm, username)) throw conflict("User exists with same username");
    checkEmail(realm, undefined, rep.email);
    const u = newUser(realm, username);
    applyUserRep(realm, u, rep);
    realm.users.set(u.id, u);
    return created(realm, `users/${u.id}`);
  });

  admin("GET", `${A}/users/:id`, (req, realm) => ok(userRep(getUser(realm, req.params.id))));

  admin("PUT", `${A}/users/:id`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    const rep = jsonBody(req);
    if (typeof rep.username === "string" && rep.username.toLowerCase() !== u.username) {
      // editUsernameAllowed is off in MOSIP's realm.
      throw badRequest("error-user-attribute-read-only");
    }
    applyUserRep(realm, u, rep);
    return noContent();
  });

  admin("DELETE", `${A}/users/:id`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    realm.users.delete(u.id);
    return noContent();
  });

  admin("PUT", `${A}/users/:id/reset-password`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    const rep = jsonBody<{ value?: unknown; temporary?: unknown; type?: unknown }>(req);
    if (typeof rep.value !== "string" || rep.value === "") {
      throw new Reply({ status: 400, body: { error: "No password provided" } });
    }
    setPassword(u, rep.value, rep.temporary === true);
    return noContent();
  });

  // What terraform-provider-keycloak reads around a user (no federation or groups in the sandbox).
  admin("GET", `${A}/users/:id/federated-identity`, (req, realm) => {
    getUser(realm, req.params.id);
    return ok([]);
  });
  admin("GET", `${A}/users/:id/groups`, (req, realm) => {
    getUser(realm, req.params.id);
    return ok([]);
  });
  admin("GET", `${A}/users/:id/credentials`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    return ok(
      u.credential
        ? [{ id: u.credential.id, type: "password", createdDate: u.credential.createdDate }]
        : [],
    );
  });
  admin("DELETE", `${A}/users/:id/credentials/:credentialId`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    if (!u.credential || u.credential.id !== req.params.credentialId) {
      throw notFound("Credential not found");
    }
    u.credential = undefined;
    return noContent();
  });

  admin("GET", `${A}/users/:id/role-mappings`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    const roles = [...u.roles].map((id) => realm.roles.get(id)).filter((x): x is KcRole => !!x);
    return ok(roles.length > 0 ? { realmMappings: roles.map((x) => roleRep(realm, x, true)) } : {});
  });

  admin("GET", `${A}/users/:id/role-mappings/realm`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    return ok(
      [...u.roles]
        .map((id) => realm.roles.get(id))
        .filter((x): x is KcRole => !!x)
        .map((x) => roleRep(realm, x, true)),
    );
  });

  admin("GET", `${A}/users/:id/role-mappings/realm/composite`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    return ok(
      [...expandRoles(realm, u.roles)].map((id) =>
        roleRep(realm, realm.roles.get(id) as KcRole, true),
      ),
    );
  });

  admin("GET", `${A}/users/:id/role-mappings/realm/available`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    const held = expandRoles(realm, u.roles);
    return ok(
      [...realm.roles.values()].filter((x) => !held.has(x.id)).map((x) => roleRep(realm, x, true)),
    );
  });

  /** Keycloak looks mapped roles up by name and requires the id to match. */
  function mappingList(realm: KcRealm, body: unknown): KcRole[] {
    if (!Array.isArray(body)) throw new Reply({ status: 400, body: { error: "unknown_error" } });
    return body.map((x: { id?: unknown; name?: unknown }) => {
      const role = typeof x.name === "string" ? roleByName(realm, x.name) : undefined;
      if (!role || role.id !== x.id) throw notFound("Role not found");
      return role;
    });
  }

  admin("POST", `${A}/users/:id/role-mappings/realm`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    for (const role of mappingList(realm, req.json())) u.roles.add(role.id);
    return noContent();
  });

  admin("DELETE", `${A}/users/:id/role-mappings/realm`, (req, realm) => {
    const u = getUser(realm, req.params.id);
    for (const role of mappingList(realm, req.json())) u.roles.delete(role.id);
    return noContent();
  });
}
