// Pure builders of the `policies` JSON of the two PMS policies a CRVS system needs (contract §4.3):
// the DataShare policy the credential service follows when it shares a person with the CRVS
// partner, and the Auth policy behind the CRVS's eSignet OIDC client (§5.8). No Pulumi, no I/O:
// the component calls these on plain config values and hands the result to `Policy` as `policies`.
//
// How each identifier option (seed "Configuration & Customization": PSUT default, UIN only where a
// law requires it, VID, PSUT+VID) becomes policy content:
//
// - UIN: a shareable attribute `UIN` read from the identity's `UIN` field, exactly as MOSIP's own
//   print/credential policies share it (mosip-onboarding policy files:
//   `{attributeName:"UIN", source:[{attribute:"UIN"}]}`). Refused unless `legallyMandated` is true,
//   as the seed and components/config.ts require.
// - VID: a shareable attribute `vid` whose source is the credential service's special attribute
//   `vid` (id-repository credential-service CredentialProvider: `source[0].filter[0].type` is the VID
//   type, and `format` "retrieve" reuses the person's existing VID of that type instead of minting a
//   new one per credential; a missing filter or format makes that code fail on a null, so both are
//   always set). The VID type defaults to PERPETUAL (MOSIP 1.2's default VID policy types are
//   PERPETUAL and TEMPORARY). DECISION: "retrieve" rather than a fresh VID per credential, so the
//   CRVS sees one stable VID per person and MOSIP's per-UIN VID limit is not exhausted.
//   UNCONFIRMED: the literal values of CredentialConstants.VID / RETRIEVE ("vid", "retrieve"; the
//   code compares them ignoring case) and the VID type names were not read from source here.
// - PSUT: DECISION. MOSIP 1.2.0.1's credential service has no shareable attribute that yields a
//   partner-specific user token (the only special attributes are the names, the address, the
//   encryption key, `vid` and the biometrics), and MOSIP's own CRVS mediator derives a partner token
//   itself through keymanager `tokenid` (§12.1). So the DataShare policy shares no identifier at all
//   (never the UIN, never a VID): the CRVS correlates the credential with its own registration id
//   (the event's additionalData), and the PSUT reaches the CRVS through eSignet, where the Auth
//   policy's `authTokenType` is "partner" (IDA derives the token per partner) instead of the seeds'
//   "policy". UNCONFIRMED: that IDA's "partner" token type is the PSUT eSignet hands out as `sub`
//   (taken from the schema's enum random|partner|policy, §4.3, not from IDA's source).
// - PSUT+VID: the VID attribute above, and authTokenType "partner".
//
// Every other shared attribute is `{attributeName: a, source: [{attribute: a}], encrypted}`, the
// shape of MOSIP's default DataShare policy (§4.3; mosip-onboarding default-datashare-policy.json).
// The face photo is the exception: the credential service reads it from the CBEFF document
// `individualBiometrics` filtered to the face (credential-service CredentialProvider
// createAllowedKycDto: group "CBEFF", filter type "Face").

/** The identifier options (kept equal to IDENTIFIER_OPTIONS in components/config.ts by a test). */
export type IdentifierOption = "PSUT" | "UIN" | "VID" | "PSUT+VID";

/** One `shareableAttributes[]` entry (§4.3: attributeName, source, encrypted; group, format). */
export interface ShareableAttribute {
  attributeName: string;
  source: { attribute: string; filter?: Array<Record<string, unknown>> }[];
  encrypted: boolean;
  group?: string;
  format?: string;
}

/** The `policies` of a DataShare (or CredentialIssuance) policy. */
export interface DataSharePolicies {
  dataSharePolicies: {
    typeOfShare: "Data Share" | "direct";
    validForInMinutes: string;
    transactionsAllowed: string;
    encryptionType: "Partner Based" | "none";
    shareDomain: string;
    source: string;
  };
  shareableAttributes: ShareableAttribute[];
}

export interface DataSharePolicyOptions {
  /** What MOSIP shares as the person's identifier. @default "PSUT" */
  identifier?: IdentifierOption;
  /** Must be true with identifier UIN (a law requires sharing the UIN). @default false */
  legallyMandated?: boolean;
  /** ID-schema attributes to share (e.g. fullName, dateOfBirth); UIN/VID only via `identifier`. */
  sharedAttributes: string[];
  /** "Partner Based" encrypts with the partner's certificate; "none" is for development. @default "Partner Based" */
  encryptionType?: "Partner Based" | "none";
  /** VID type read with identifier VID / PSUT+VID. @default "PERPETUAL" */
  vidType?: string;
  /** How long a data-share URL stays valid. @default 30 */
  validForInMinutes?: number;
  /** How many times a data-share URL may be fetched. @default 2 */
  transactionsAllowed?: number;
  /** The data-share service's domain. @default "datashare-service" */
  shareDomain?: string;
}

/** Attributes the credential service reads from the face CBEFF rather than a demographic field. */
const FACE_ATTRIBUTES = ["face", "photo"];

/** The identifier's shareable attributes (see the header for why each looks like it does). */
export function identifierAttributes(
  identifier: IdentifierOption,
  opts: { legallyMandated?: boolean; encrypted?: boolean; vidType?: string } = {},
): ShareableAttribute[] {
  const encrypted = opts.encrypted ?? true;
  switch (identifier) {
    case "PSUT":
      return [];
    case "UIN":
      if (opts.legallyMandated !== true)
        throw new Error(
          "identifier UIN shares the raw UIN: set legallyMandated: true only where a law requires it; otherwise use PSUT, VID or PSUT+VID",
        );
      return [{ attributeName: "UIN", source: [{ attribute: "UIN" }], encrypted }];
    case "VID":
    case "PSUT+VID":
      return [
        {
          attributeName: "vid",
          source: [{ attribute: "vid", filter: [{ type: opts.vidType ?? "PERPETUAL" }] }],
          encrypted,
          format: "retrieve",
        },
      ];
    default:
      throw new Error(
        `identifier ${String(identifier)} is not one of PSUT, UIN, VID, PSUT+VID (the seed's options)`,
      );
  }
}

/** The `policies` of the CRVS partner's DataShare policy. */
export function buildDataSharePolicy(o: DataSharePolicyOptions): DataSharePolicies {
  const identifier = o.identifier ?? "PSUT";
  const encryptionType = o.encryptionType ?? "Partner Based";
  // Attribute-level encryption follows the share's: with "none" (development) nothing is encrypted.
  const encrypted = encryptionType !== "none";
  if (o.sharedAttributes.length === 0)
    throw new Error("sharedAttributes is empty: share at least one attribute, e.g. fullName");
  const seen = new Set<string>();
  const attrs: ShareableAttribute[] = [];
  for (const a of o.sharedAttributes) {
    const up = a.toUpperCase();
    if (up === "UIN" || up === "VID")
      throw new Error(
        `sharedAttributes lists ${a}: the identifier is chosen with identifier (PSUT, UIN, VID, PSUT+VID), not as an attribute`,
      );
    if (seen.has(a)) throw new Error(`sharedAttributes lists "${a}" twice`);
    seen.add(a);
    attrs.push(
      FACE_ATTRIBUTES.includes(a.toLowerCase())
        ? {
            attributeName: a,
            group: "CBEFF",
            source: [{ attribute: "individualBiometrics", filter: [{ type: "Face" }] }],
            encrypted,
          }
        : { attributeName: a, source: [{ attribute: a }], encrypted },
    );
  }
  const minutes = o.validForInMinutes ?? 30;
  const transactions = o.transactionsAllowed ?? 2;
  if (!Number.isInteger(minutes) || minutes < 1)
    throw new Error(`validForInMinutes must be a positive whole number (got ${minutes})`);
  if (!Number.isInteger(transactions) || transactions < 1)
    throw new Error(`transactionsAllowed must be a positive whole number (got ${transactions})`);
  return {
    // The schema wants these as strings (§4.3).
    dataSharePolicies: {
      typeOfShare: "Data Share",
      validForInMinutes: String(minutes),
      transactionsAllowed: String(transactions),
      encryptionType,
      shareDomain: o.shareDomain ?? "datashare-service",
      source: "ID Repository",
    },
    shareableAttributes: [
      ...identifierAttributes(identifier, {
        legallyMandated: o.legallyMandated,
        encrypted,
        vidType: o.vidType,
      }),
      ...attrs,
    ],
  };
}

/** eSignet auth types (components/config.ts ESIGNET_AUTH_TYPES). */
export type EsignetAuthType = "otp" | "bio" | "pwd" | "pin" | "wla";

/** The `policies` of an Auth policy (§4.3). */
export interface AuthPolicies {
  authTokenType: "random" | "partner" | "policy";
  allowedAuthTypes: { authType: string; authSubType: string; mandatory: boolean }[];
  allowedKycAttributes: { attributeName: string }[];
  kycLanguages?: string[];
}

/**
 * OIDC claim -> ID-schema attributes, the default identity-mapping.json of MOSIP 1.2.0.1 / eSignet
 * 1.0.0 (`identity.<claim>.value`). PMS goes the other way (policy attributes -> claims, §5.8), so
 * the Auth policy must list the attributes behind each claim the client asks for. A country whose
 * ID schema differs passes its own mapping.
 */
export function defaultIdentityMapping(): Record<string, string[]> {
  return {
    name: ["fullName"],
    address: ["fullAddress"],
    gender: ["gender"],
    birthdate: ["dateOfBirth"],
    picture: ["face"],
    email: ["email"],
    phone_number: ["phone"],
    individual_id: ["individual_id"],
  };
}

export interface AuthPolicyOptions {
  /** The OIDC claims the client asks for (esignet.claims in the stack config). */
  claims: string[];
  /** Auth types users may log in with; all non-mandatory (PMS_IDP_003). @default ["otp"] */
  authTypes?: EsignetAuthType[];
  /** Decides authTokenType: "partner" for PSUT options, "policy" otherwise. @default "PSUT" */
  identifier?: IdentifierOption;
  /** Claim -> attributes. @default defaultIdentityMapping() */
  identityMapping?: Record<string, string[]>;
  /** KYC languages (ISO 639-3), optional in the schema. */
  kycLanguages?: string[];
}

/**
 * The Auth policy of the eSignet OIDC client. Every auth type is `mandatory: false` because PMS
 * refuses an OIDC client whose policy has a mandatory one (PMS_IDP_003, §5.8). eSignet reaches IDA
 * through kyc-auth and kyc-exchange, so those two are always allowed (seed: MOSIP's sample
 * relying-party policy lists kycauth, kycexchange and wla next to otp and bio).
 */
export function buildAuthPolicy(o: AuthPolicyOptions): AuthPolicies {
  const mapping = o.identityMapping ?? defaultIdentityMapping();
  if (o.claims.length === 0) throw new Error("claims is empty: ask for at least one claim");
  const kyc: string[] = [];
  for (const c of o.claims) {
    const attrs = mapping[c];
    if (!attrs || attrs.length === 0)
      throw new Error(
        `claim "${c}" has no ID-schema attribute in the identity mapping (known: ${Object.keys(mapping).join(", ")})`,
      );
    for (const a of attrs) if (!kyc.includes(a)) kyc.push(a);
  }
  const types = o.authTypes ?? ["otp"];
  if (types.length === 0) throw new Error("authTypes is empty: allow at least one, e.g. otp");
  const allowed: AuthPolicies["allowedAuthTypes"] = [];
  const add = (authType: string, authSubType = "") => {
    if (!allowed.some((x) => x.authType === authType && x.authSubType === authSubType))
      allowed.push({ authType, authSubType, mandatory: false });
  };
  for (const t of types) {
    if (t === "bio") for (const sub of ["FACE", "FINGER", "IRIS"]) add("bio", sub);
    else if (t === "otp") {
      add("otp");
      add("otp-request");
    } else add(t);
  }
  add("kycauth");
  add("kycexchange");
  const identifier = o.identifier ?? "PSUT";
  const out: AuthPolicies = {
    authTokenType: identifier.startsWith("PSUT") ? "partner" : "policy",
    allowedAuthTypes: allowed,
    allowedKycAttributes: kyc.map((attributeName) => ({ attributeName })),
  };
  if (o.kycLanguages && o.kycLanguages.length > 0) out.kycLanguages = [...o.kycLanguages];
  return out;
}
