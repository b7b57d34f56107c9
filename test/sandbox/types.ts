// The contract between the sandbox's services. Each service module exports
// `register(sb: SandboxContext)`, adds its routes to `sb.router`, keeps its state under
// `sb.state.<service>`, and fills in the in-process API other services call (the way the real
// services call each other over the cluster network).
import type { Router, SandboxRequest } from "./http";

/** Claims of a token issued by the sandbox's Keycloak (the subset MOSIP's services read). */
export interface TokenClaims {
  iss: string;
  sub: string;
  /** Client the token was issued to; MOSIP's audience check compares it to the allowed list. */
  azp: string;
  aud?: string | string[];
  exp: number;
  iat: number;
  /** `service-account-<clientId>` for client-credentials tokens, the username otherwise. */
  preferred_username: string;
  realm_access: { roles: string[] };
  scope: string;
  [k: string]: unknown;
}

/** The caller as MOSIP's auth adapter sees it after validating the token. */
export interface Principal {
  token: string;
  claims: TokenClaims;
  /** MOSIP's user id: `preferred_username`. */
  userId: string;
  clientId: string;
  roles: string[];
  scopes: string[];
}

/** A successful grant; the refresh token only for the password grant. */
export interface TokenGrant {
  token: string;
  expiresIn: number;
  refreshToken?: string;
  refreshExpiresIn?: number;
}

export interface KeycloakApi {
  /** `<baseUrl>/auth/realms/<realm>`. */
  issuer(realm?: string): string;
  /** Verifies signature, issuer and expiry; null when the token is not valid. */
  verify(token: string): Promise<TokenClaims | null>;
  /** Client-credentials grant, as authmanager's `clientidsecretkey` does against Keycloak. */
  clientCredentials(
    realm: string,
    clientId: string,
    secret: string,
  ): Promise<TokenGrant | { error: string; errorDescription?: string; status: number }>;
  /** Password grant, as authmanager's `useridPwd` does. */
  passwordGrant(
    realm: string,
    clientId: string,
    clientSecret: string,
    username: string,
    password: string,
  ): Promise<TokenGrant | { error: string; errorDescription?: string; status: number }>;
}

export interface ConfigApi {
  /**
   * The value of `key` in `<file>` (e.g. `packet-manager-default.properties`) at the label the
   * config server serves, after Spring placeholder resolution; undefined when absent.
   */
  getProperty(file: string, key: string): Promise<string | undefined>;
}

export interface WebSubApi {
  /** Publishes as MOSIP's internal publishers do (credential service, regproc). */
  publish(topic: string, payload: unknown): Promise<void>;
}

export interface KeymanagerApi {
  uploadCaCertificate(
    pem: string,
    domain: string,
  ): { errorCode: string; message: string } | { status: string };
  /** Validates the leaf against keymanager's rules and returns the MOSIP-signed certificate. */
  uploadPartnerCertificate(
    pem: string,
    domain: string,
    organizationName: string,
    partnerId: string,
  ):
    | { errorCode: string; message: string }
    | { signedCertificateData: string; certificateId: string };
}

export interface EsignetClientInput {
  clientId: string;
  clientName: string;
  publicKey: Record<string, unknown>;
  relyingPartyId: string;
  userClaims: string[];
  authContextRefs: string[];
  logoUri: string;
  redirectUris: string[];
  grantTypes: string[];
  clientAuthMethods: string[];
  status?: string;
}

export interface EsignetApi {
  /** What PMS's OIDC endpoints call; returns eSignet's error codes as they come. */
  createClient(input: EsignetClientInput): { errorCode: string; errorMessage: string }[] | null;
  updateClient(
    clientId: string,
    input: Omit<EsignetClientInput, "clientId" | "publicKey" | "relyingPartyId">,
  ): { errorCode: string; errorMessage: string }[] | null;
  claimsSupported(): string[];
}

export interface MasterdataApi {
  /** Whether a registration centre exists and is active (regproc's CMD validation). */
  centreActive(centreId: string): boolean;
  /** Whether a machine exists, is active and belongs to the centre. */
  machineActive(machineId: string, centreId?: string): boolean;
  /** The latest published ID schema (`GET /v1/masterdata/idschema/latest` response). */
  latestIdSchema(): Record<string, unknown>;
}

/** A partner the credential service can issue credentials to. */
export interface CredentialPartner {
  partnerId: string;
  credentialType: string;
  policyId: string;
  /** The MOSIP-signed partner certificate (PEM) whose key "Partner Based" encryption uses. */
  certificatePem: string;
  /** `shareableAttributes[].attributeName` of the DataShare policy. */
  shareableAttributes: string[];
  /** `dataSharePolicies.encryptionType`: "Partner Based" or "none". */
  encryptionType: string;
}

export interface PmsApi {
  /** Active partners with a credential-type mapping to a published policy and an approved mapping. */
  credentialPartners(): CredentialPartner[];
}

export interface AuthOptions {
  /**
   * The config file whose `auth.server.admin.allowed.audience` guards this service, e.g.
   * `packet-manager-default.properties`. Omit to skip the audience check (Keycloak, WebSub).
   */
  audienceFile?: string;
  /** The caller needs at least one of these realm roles (403 `KER-ATH-403` otherwise). */
  roles?: string[];
}

export interface FaultSettings {
  /** Share of MOSIP requests (0..1) that get a fault. */
  rate: number;
  kinds: Array<"5xx" | "reset" | "delay" | "expired-token">;
  delayMs: number;
  /** Only paths starting with one of these prefixes are faulted (all when empty). */
  paths: string[];
}

export interface SandboxOptions {
  /** Seeded admin credentials (see seed.ts for the defaults and their env variables). */
  adminClientId: string;
  adminClientSecret: string;
  keycloakAdminUser: string;
  keycloakAdminPassword: string;
  /**
   * A human global admin in the mosip realm (GLOBAL_ADMIN, ZONAL_ADMIN, zone-mapped to the root
   * zone): what an operator logs into the admin portal with. Its `createdBy` differs from the
   * deployment client's, which is how tests make objects "outside the stack".
   */
  globalAdminUser: string;
  globalAdminPassword: string;
  /** Token lifetime in seconds. */
  tokenLifetime: number;
  /** Working directory for the config repo; a temp dir when omitted. */
  workDir?: string;
  /**
   * The MOSIP release whose Keycloak realm is seeded: 1.2.1 and 1.3 ship ONLINE_REGISTRATION_CLIENT,
   * 1.2.0.1 does not (the stack creates it there). Everything else behaves as 1.2.0.1 plus what
   * the config repo enables (e.g. the workflow-instance API). Env SANDBOX_MOSIP_RELEASE.
   */
  release: "1.2.0.1" | "1.2.1" | "1.3";
}

export interface SandboxContext {
  router: Router;
  /** `http://127.0.0.1:<port>`; set once listening. */
  baseUrl: string;
  options: SandboxOptions;
  /** Each service's state under its own key; `GET /__sandbox/state` dumps it. */
  state: Record<string, unknown>;
  keycloak: KeycloakApi;
  config: ConfigApi;
  websub: WebSubApi;
  keymanager: KeymanagerApi;
  esignet: EsignetApi;
  masterdata: MasterdataApi;
  pms: PmsApi;
  /** Validates the `Authorization` cookie the way MOSIP's kernel-auth-adapter does; throws a Reply. */
  authenticate(req: SandboxRequest, opts: AuthOptions): Promise<Principal>;
  /** The fault injector decides whether the next token check should see an expired token. */
  faults: { settings: FaultSettings; expireNextToken(): boolean };
  /** Functions run at `close()` (timers, child processes, temp dirs). */
  onClose: Array<() => Promise<void> | void>;
  /** Reference data the sandbox seeded; `GET /__sandbox/seed`. */
  seed: Record<string, unknown>;
}
