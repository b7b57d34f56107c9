// eSignet v1.0.0 client management (contract §6): `POST /v1/esignet/client-mgmt/oidc-client` and
// `PUT .../oidc-client/{client_id}` behind a Bearer token with the `add_oidc_client` /
// `update_oidc_client` scopes, eSignet's envelope and bean validation (one error per failing
// field, `errorMessage` = "<field>: <code>"), duplicate id / public key rules, and the discovery
// document whose `claims_supported` PMS reads. There is no GET for clients, as in eSignet.
import { createPublicKey } from "node:crypto";
import { esignetErr, esignetOk, mosipTime, Reply, type SandboxRequest } from "./http";
import type { EsignetApi, EsignetClientInput, SandboxContext, TokenClaims } from "./types";

type EsignetError = { errorCode: string; errorMessage: string };

/** `claims_supported` of `mosip.esignet.discovery.key-values` (esignet-default, 1.2.0.1). */
export const CLAIMS_SUPPORTED = [
  "name",
  "address",
  "gender",
  "birthdate",
  "picture",
  "email",
  "phone_number",
  "individual_id",
];
/** The ACR keys of `amr-acr-mapping.json` (1.2.0.1): what `@AuthContextRef` accepts. */
export const SUPPORTED_ACRS = [
  "mosip:idp:acr:password",
  "mosip:idp:acr:static-code",
  "mosip:idp:acr:generated-code",
  "mosip:idp:acr:linked-wallet",
  "mosip:idp:acr:biometrics",
];
/** `acr_values_supported` of the discovery document (it leaves out `password`). */
const ACR_VALUES_SUPPORTED = [
  "mosip:idp:acr:static-code",
  "mosip:idp:acr:generated-code",
  "mosip:idp:acr:linked-wallet",
  "mosip:idp:acr:biometrics",
];
/** `mosip.esignet.supported.grant.types` and `...supported.client.auth.methods`. */
const GRANT_TYPES = ["authorization_code"];
const CLIENT_AUTH_METHODS = ["private_key_jwt"];
/** `mosip.esignet.reqtime.leeway-minutes`. */
const LEEWAY_MS = 2 * 60 * 1000;
const BASE = "/v1/esignet";

export interface EsignetClient {
  clientId: string;
  clientName: string;
  /** The JWK as eSignet stores it: jose4j's canonical JSON text (UNIQUE in the DB). */
  publicKey: string;
  relyingPartyId: string;
  userClaims: string[];
  authContextRefs: string[];
  logoUri: string;
  redirectUris: string[];
  grantTypes: string[];
  clientAuthMethods: string[];
  status: string;
  createdAt: string;
  updatedAt: string | null;
}

export interface EsignetState {
  clients: Map<string, EsignetClient>;
}

/**
 * jose4j's `RsaJsonWebKey(map).toJson()`: members `kty, kid, use, key_ops, alg, n, e`, then other
 * non-standard public members in input order; private members dropped; `n`/`e` re-encoded from
 * their integers (no leading zero bytes); json-simple escapes `/` as `\/`. Null when the map is
 * not an RSA public key.
 */
export function canonicalJwk(jwk: Record<string, unknown>): string | null {
  // jose4j decodes with commons-codec, which takes either alphabet and ignores padding.
  const b64 = (v: unknown): Buffer | null =>
    typeof v === "string" && /^[A-Za-z0-9+/_-]+=*$/.test(v) ? Buffer.from(v, "base64") : null;
  const n = b64(jwk.n);
  const e = b64(jwk.e);
  if (!n || !e) return null;
  const strip = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    return b.subarray(i);
  };
  const nn = strip(n);
  const ee = strip(e);
  if (nn.length === 1 && nn[0] === 0) return null;
  try {
    const key = createPublicKey({
      key: { kty: "RSA", n: nn.toString("base64url"), e: ee.toString("base64url") },
      format: "jwk",
    });
    if (key.asymmetricKeyType !== "rsa") return null;
  } catch {
    return null;
  }
  const out: Record<string, unknown> = { kty: "RSA" };
  for (const k of ["kid", "use", "key_ops", "alg"]) {
    if (jwk[k] !== undefined && jwk[k] !== null) out[k] = jwk[k];
  }
  out.n = nn.toString("base64url");
  out.e = ee.toString("base64url");
  const known = new Set(["kty", "kid", "use", "key_ops", "alg", "n", "e"]);
  const privateMembers = new Set(["d", "p", "q", "dp", "dq", "qi", "oth"]);
  for (const [k, v] of Object.entries(jwk)) {
    if (!known.has(k) && !privateMembers.has(k) && v !== undefined) out[k] = v;
  }
  return JSON.stringify(out).replace(/\//g, "\\/");
}

/** Hibernate's `@URL`: what `java.net.URL` parses, i.e. a scheme Java has a handler for. */
function isJavaUrl(v: string): boolean {
  if (v === "") return true; // @URL accepts empty; @NotBlank catches it
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return ["http:", "https:", "ftp:", "file:", "jar:", "mailto:"].includes(u.protocol);
}

/** `\S*` (mosip.esignet.supported-id-regex default) over a non-blank value. */
const idFormat = (v: unknown) => typeof v === "string" && v.trim() !== "" && /^\S*$/.test(v);
const notBlank = (v: unknown) => typeof v === "string" && v.trim() !== "";

class Unreadable extends Error {}

/** Collects bean-validation errors the way Spring lists field errors. */
class FieldErrors {
  readonly errors: EsignetError[] = [];
  constructor(private readonly prefix: string) {}

  /** A field of the request DTO (prefixed with `request.` behind the HTTP envelope). */
  add(field: string, code: string): void {
    this.addPath(this.prefix + field, code);
  }

  /** A field of the envelope itself (`requestTime`, `request`). */
  addPath(name: string, code: string): void {
    if (this.errors.some((e) => e.errorCode === code && e.errorMessage.startsWith(`${name}:`))) {
      return;
    }
    this.errors.push({ errorCode: code, errorMessage: `${name}: ${code}` });
  }

  /** Jackson rejects a wrong JSON type before validation runs (HttpMessageNotReadable). */
  string(body: Record<string, unknown>, field: string): string | null {
    const v = body[field];
    if (v === undefined || v === null) return null;
    if (typeof v === "object")
      throw new Unreadable(
        `Cannot deserialize value of type \`java.lang.String\` from ${Array.isArray(v) ? "Array" : "Object"} value (field "${field}")`,
      );
    return String(v);
  }

  list(body: Record<string, unknown>, field: string): Array<string | null> | null {
    const v = body[field];
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) {
      throw new Unreadable(
        `Cannot deserialize value of type \`java.util.ArrayList<java.lang.String>\` (field "${field}")`,
      );
    }
    return v.map((x) => {
      if (x === null || x === undefined) return null;
      if (typeof x === "object") throw new Unreadable(`Unexpected element in "${field}"`);
      return String(x);
    });
  }

  /** `@NotNull @Size(min,max)` plus an element constraint. */
  sizedList(
    body: Record<string, unknown>,
    field: string,
    code: string,
    min: number,
    max: number,
    elementOk: (v: string | null) => boolean,
  ): string[] {
    const list = this.list(body, field);
    if (list === null) {
      this.add(field, code);
      return [];
    }
    if (list.length < min || list.length > max) this.add(field, code);
    list.forEach((v, i) => {
      if (!elementOk(v)) this.add(`${field}[${i}]`, code);
    });
    return list.filter((v): v is string => v !== null);
  }
}

const claimOk = (v: string | null) => v !== null && v.trim() !== "" && CLAIMS_SUPPORTED.includes(v);
/** `@AuthContextRef`: null is allowed (and dropped); space-separated values must all be known. */
const acrOk = (v: string | null) =>
  v === null ||
  (v.trim() !== "" &&
    v
      .split(" ")
      .map((s) => s.trim())
      .filter(Boolean)
      .every((s) => SUPPORTED_ACRS.includes(s)));
const redirectOk = (v: string | null) => v !== null && v.trim() !== "" && isJavaUrl(v);
const grantOk = (v: string | null) => v !== null && GRANT_TYPES.includes(v);
const authOk = (v: string | null) => v !== null && CLIENT_AUTH_METHODS.includes(v);

function validateLogo(f: FieldErrors, body: Record<string, unknown>): string {
  const logoUri = f.string(body, "logoUri");
  if (!notBlank(logoUri) || !isJavaUrl(logoUri ?? "")) f.add("logoUri", "invalid_uri");
  return logoUri ?? "";
}

function validateName(f: FieldErrors, body: Record<string, unknown>): string {
  const clientName = f.string(body, "clientName");
  if (!notBlank(clientName) || (clientName ?? "").length > 256) {
    f.add("clientName", "invalid_client_name");
  }
  return clientName ?? "";
}

/** `ClientDetailCreateRequest` validation, in declaration order. */
function validateCreate(body: Record<string, unknown>, f: FieldErrors) {
  const clientId = f.string(body, "clientId");
  if (!idFormat(clientId) || (clientId ?? "").length > 100) f.add("clientId", "invalid_client_id");
  const clientName = validateName(f, body);
  const publicKey = body.publicKey;
  if (
    publicKey !== undefined &&
    publicKey !== null &&
    (typeof publicKey !== "object" || Array.isArray(publicKey))
  ) {
    throw new Unreadable(
      'Cannot deserialize value of type `java.util.LinkedHashMap` (field "publicKey")',
    );
  }
  if (!publicKey || Object.keys(publicKey).length === 0) f.add("publicKey", "invalid_public_key");
  const relyingPartyId = f.string(body, "relyingPartyId");
  if (!idFormat(relyingPartyId) || (relyingPartyId ?? "").length > 100) {
    f.add("relyingPartyId", "invalid_rp_id");
  }
  const userClaims = f.sizedList(body, "userClaims", "invalid_claim", 0, 30, claimOk);
  const authContextRefs = f.sizedList(body, "authContextRefs", "invalid_acr", 1, 30, acrOk);
  const logoUri = validateLogo(f, body);
  const redirectUris = f.sizedList(body, "redirectUris", "invalid_redirect_uri", 1, 5, redirectOk);
  const grantTypes = f.sizedList(body, "grantTypes", "invalid_grant_type", 1, 3, grantOk);
  const clientAuthMethods = f.sizedList(
    body,
    "clientAuthMethods",
    "invalid_client_auth",
    1,
    3,
    authOk,
  );
  return {
    clientId: clientId ?? "",
    clientName,
    publicKey: (publicKey ?? {}) as Record<string, unknown>,
    relyingPartyId: relyingPartyId ?? "",
    userClaims,
    authContextRefs,
    logoUri,
    redirectUris,
    grantTypes,
    clientAuthMethods,
  };
}

/** `ClientDetailUpdateRequest` validation, in declaration order. */
function validateUpdate(body: Record<string, unknown>, f: FieldErrors) {
  const logoUri = validateLogo(f, body);
  const redirectUris = f.sizedList(body, "redirectUris", "invalid_redirect_uri", 1, 5, redirectOk);
  const userClaims = f.sizedList(body, "userClaims", "invalid_claim", 1, 30, claimOk);
  const authContextRefs = f.sizedList(body, "authContextRefs", "invalid_acr", 1, 30, acrOk);
  const status = f.string(body, "status");
  // `^(ACTIVE)|(INACTIVE)$` with Java's matches(): exactly ACTIVE or INACTIVE, case-sensitive.
  if (status !== "ACTIVE" && status !== "INACTIVE") f.add("status", "invalid_status");
  const grantTypes = f.sizedList(body, "grantTypes", "invalid_grant_type", 1, 3, grantOk);
  const clientName = validateName(f, body);
  const clientAuthMethods = f.sizedList(
    body,
    "clientAuthMethods",
    "invalid_client_auth",
    1,
    3,
    authOk,
  );
  return {
    logoUri,
    redirectUris,
    userClaims,
    authContextRefs,
    status: status ?? "",
    grantTypes,
    clientName,
    clientAuthMethods,
  };
}

/** An EsignetException as the advice renders it (its `getMessage` returns the code itself). */
const serviceError = (code: string): EsignetError[] => [{ errorCode: code, errorMessage: code }];

export function register(sb: SandboxContext): void {
  const state: EsignetState = { clients: new Map() };
  sb.state.esignet = state;

  function create(
    body: Record<string, unknown>,
    f: FieldErrors,
  ): EsignetError[] | { clientId: string; status: string } {
    const input = validateCreate(body, f);
    if (f.errors.length) return f.errors;
    if (state.clients.has(input.clientId)) return serviceError("duplicate_client_id");
    const publicKey = canonicalJwk(input.publicKey);
    if (publicKey === null) return serviceError("invalid_public_key");
    // DB UNIQUE(public_key) over the canonical text.
    if ([...state.clients.values()].some((c) => c.publicKey === publicKey)) {
      return serviceError("duplicate_public_key");
    }
    const client: EsignetClient = {
      clientId: input.clientId,
      clientName: input.clientName,
      publicKey,
      relyingPartyId: input.relyingPartyId,
      userClaims: input.userClaims,
      authContextRefs: input.authContextRefs,
      logoUri: input.logoUri,
      redirectUris: input.redirectUris,
      grantTypes: input.grantTypes,
      clientAuthMethods: input.clientAuthMethods,
      status: "ACTIVE",
      createdAt: mosipTime(),
      updatedAt: null,
    };
    state.clients.set(client.clientId, client);
    return { clientId: client.clientId, status: client.status };
  }

  function update(
    clientId: string,
    body: Record<string, unknown>,
    f: FieldErrors,
  ): EsignetError[] | { clientId: string; status: string } {
    const input = validateUpdate(body, f);
    if (f.errors.length) return f.errors;
    const client = state.clients.get(clientId);
    if (!client) return serviceError("invalid_client_id");
    Object.assign(client, input, { updatedAt: mosipTime() });
    return { clientId: client.clientId, status: client.status };
  }

  /** The in-process calls PMS makes carry no envelope: field names without `request.`. */
  function inProcess(
    run: (f: FieldErrors) => EsignetError[] | { clientId: string; status: string },
  ) {
    const f = new FieldErrors("");
    try {
      const out = run(f);
      return Array.isArray(out) ? out : null;
    } catch (e) {
      if (e instanceof Unreadable) return [{ errorCode: "unknown_error", errorMessage: e.message }];
      throw e;
    }
  }

  const api: EsignetApi = {
    createClient(input: EsignetClientInput) {
      return inProcess((f) => create(input as unknown as Record<string, unknown>, f));
    },
    updateClient(clientId, input) {
      return inProcess((f) => update(clientId, input as unknown as Record<string, unknown>, f));
    },
    claimsSupported() {
      return [...CLAIMS_SUPPORTED];
    },
  };
  sb.esignet = api;

  /**
   * Spring's OAuth2 resource server: a valid Bearer token of realm `mosip` (no cookie), and the
   * scope the path needs (`SCOPE_<scope>` authority).
   */
  async function bearer(req: SandboxRequest, scope: string): Promise<TokenClaims> {
    const unauthorized = () =>
      esignetErr([{ errorCode: "UNAUTHORIZED", errorMessage: "Unauthorized" }], 401);
    const header = req.headers.authorization;
    const m = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new Reply(unauthorized());
    if (sb.faults.expireNextToken()) throw new Reply(unauthorized());
    const claims = await sb.keycloak.verify(m[1]);
    if (!claims || claims.iss !== sb.keycloak.issuer("mosip")) throw new Reply(unauthorized());
    const scopes = String(claims.scope ?? "").split(" ");
    if (!scopes.includes(scope)) {
      throw new Reply(esignetErr([{ errorCode: "FORBIDDEN", errorMessage: "Forbidden" }], 403));
    }
    return claims;
  }

  /** `RequestWrapper`: `@RequestTime requestTime` and `@NotNull @Valid request`. */
  function envelope(req: SandboxRequest, f: FieldErrors): Record<string, unknown> | null {
    let body: unknown;
    try {
      body = req.raw.length ? JSON.parse(req.raw.toString("utf8")) : undefined;
    } catch (e) {
      throw new Unreadable(`JSON parse error: ${(e as Error).message}`);
    }
    if (body === undefined) throw new Unreadable("Required request body is missing");
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new Unreadable("Cannot deserialize value of type `RequestWrapper`");
    }
    const b = body as Record<string, unknown>;
    if (!requestTimeOk(b.requestTime)) f.addPath("requestTime", "invalid_request");
    const request = b.request;
    if (request === undefined || request === null) {
      f.addPath("request", "invalid_request");
      return null;
    }
    if (typeof request !== "object" || Array.isArray(request)) {
      throw new Unreadable("Cannot deserialize value of type `ClientDetailRequest`");
    }
    return request as Record<string, unknown>;
  }

  async function handle(
    req: SandboxRequest,
    scope: string,
    run: (
      request: Record<string, unknown>,
      f: FieldErrors,
    ) => EsignetError[] | { clientId: string; status: string },
  ) {
    try {
      await bearer(req, scope);
      const f = new FieldErrors("request.");
      const request = envelope(req, f);
      if (!request) return esignetErr(f.errors);
      const out = run(request, f);
      if (Array.isArray(out)) return esignetErr(out);
      return esignetOk(out);
    } catch (e) {
      if (e instanceof Unreadable) {
        return esignetErr([{ errorCode: "unknown_error", errorMessage: e.message }]);
      }
      throw e;
    }
  }

  sb.router.add("POST", `${BASE}/client-mgmt/oidc-client`, (req) =>
    handle(req, "add_oidc_client", (request, f) => create(request, f)),
  );
  sb.router.add("PUT", `${BASE}/client-mgmt/oidc-client/:clientId`, (req) =>
    handle(req, "update_oidc_client", (request, f) => update(req.params.clientId, request, f)),
  );

  const discovery = () => {
    const domain = sb.baseUrl;
    return {
      status: 200,
      body: {
        issuer: domain,
        authorization_endpoint: `${domain}/authorize`,
        token_endpoint: `${domain}${BASE}/oauth/v2/token`,
        userinfo_endpoint: `${domain}${BASE}/oidc/userinfo`,
        jwks_uri: `${domain}/.well-known/jwks.json`,
        scopes_supported: ["profile", "email", "phone"],
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        token_endpoint_auth_signing_alg_values_supported: ["RS256"],
        userinfo_signing_alg_values_supported: ["RS256"],
        userinfo_encryption_alg_values_supported: ["RSAXXXXX"],
        userinfo_encryption_enc_values_supported: ["A128GCM"],
        id_token_signing_alg_values_supported: ["RS256"],
        claim_types_supported: ["normal"],
        claims_parameter_supported: true,
        display_values_supported: ["page", "popup", "touch", "wap"],
        subject_types_supported: ["pairwise"],
        claims_supported: CLAIMS_SUPPORTED,
        acr_values_supported: ACR_VALUES_SUPPORTED,
        request_parameter_supported: false,
        claims_locales_supported: ["en"],
        ui_locales_supported: ["en"],
      },
    };
  };
  // PMS reads `mosip.pms.esignet.config-url` = `/v1/esignet/oidc/.well-known/openid-configuration`;
  // the shorter path is served too for clients that use the issuer-relative form.
  sb.router.add("GET", `${BASE}/oidc/.well-known/openid-configuration`, discovery);
  sb.router.add("GET", `${BASE}/.well-known/openid-configuration`, discovery);
}

function requestTimeOk(v: unknown): boolean {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v))
    return false;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return false;
  const now = Date.now();
  return t > now - LEEWAY_MS && t < now + LEEWAY_MS;
}
