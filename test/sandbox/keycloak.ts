// The sandbox's Keycloak: the subset MOSIP 1.2.0.1 and the stack use. Served under `/auth` as in
// MOSIP's Keycloak (legacy WildFly path layout): the OIDC token endpoint, JWKS, discovery, and the
// admin REST API (`/auth/admin/realms/{realm}/...`) that @pulumi/keycloak and the partner
// onboarder drive. Realms `master` (the admin user, `admin-cli`) and `mosip` (MOSIP's roles and
// clients as keycloak-init creates them) are seeded at start.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import {
  exportJWK,
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
  /** The client's clientId when this is a service-account user. */
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
 * not ship it; the stack creates it. */
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
  user.serviceAccountClientId = client.clientId;
  realm.users.set(user.id, user);
  client.serviceAccountUserId = user.id;
  return user;
}

export function setPassword(user: KcUser, password: string, temporary: boolean): void {
  user.credential = hashPassword(password);
  user.requiredActions = user.requiredActions.filter((a) => a !== "UPDATE_PASSWORD");
  if (temporary) user.requiredActions.push("UPDATE_PASSWORD");
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
  r.add("GET", base, (req) => {
    realmOr404(k, req.params.realm);
    const iss = sb.keycloak.issuer(req.params.realm);
    return {
      status: 200,
      body: {
        realm: req.params.realm,
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

// Admin REST API: see registerAdminRoutes below.
function registerAdminRoutes(_sb: SandboxContext, _k: KeycloakInternals): void {}
