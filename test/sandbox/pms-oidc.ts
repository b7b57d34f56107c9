// The parts of PMS's OIDC-client endpoints (§5.8) that are not plain bookkeeping: the canonical
// JWK text PMS hashes into the client id, the claim mapping (identity-mapping.json) and the
// AMR/ACR mapping (amr-acr-mapping.json) used to derive userClaims and authContextRefs.
import { createHash } from "node:crypto";

/** JWK members jose4j writes first, in this order, for an RSA public key. */
const ORDERED = ["kty", "kid", "use", "key_ops", "alg", "n", "e"] as const;
/** RSA private members, dropped from a public JWK. */
const PRIVATE = new Set(["d", "p", "q", "dp", "dq", "qi", "oth"]);

/** json-simple's string escaping: `"`, `\`, `/`, control characters and a few Unicode ranges. */
function escapeJsonSimple(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "/":
        out += "\\/";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        if ((c >= 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0x2000 && c <= 0x20ff)) {
          out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
        } else out += ch;
    }
  }
  return out;
}

function writeValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return `"${escapeJsonSimple(v)}"`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(writeValue).join(",")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return `{${entries.map(([k, x]) => `"${escapeJsonSimple(k)}":${writeValue(x)}`).join(",")}}`;
  }
  return `"${escapeJsonSimple(String(v))}"`;
}

/** Big-endian unsigned integer from base64url, re-encoded without leading zero bytes. */
function canonicalUint(b64: string): string {
  const bytes = Buffer.from(b64, "base64url");
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i).toString("base64url");
}

export class InvalidJwkError extends Error {}

/**
 * The JWK text jose4j's `RsaJsonWebKey.toJson()` produces: `kty, kid, use, key_ops, alg, n, e`
 * (those present), then other public members in input order, compact, `/` escaped as `\/`.
 */
export function canonicalJwk(jwk: Record<string, unknown>): string {
  if (jwk.kty !== "RSA") throw new InvalidJwkError("only RSA keys are accepted");
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string" || !jwk.n || !jwk.e) {
    throw new InvalidJwkError("RSA key needs n and e");
  }
  const members: Array<[string, unknown]> = [];
  for (const k of ORDERED) {
    if (jwk[k] === undefined || jwk[k] === null) continue;
    members.push([k, k === "n" || k === "e" ? canonicalUint(jwk[k] as string) : jwk[k]]);
  }
  for (const [k, v] of Object.entries(jwk)) {
    if ((ORDERED as readonly string[]).includes(k) || PRIVATE.has(k)) continue;
    members.push([k, v]);
  }
  return `{${members.map(([k, v]) => `"${escapeJsonSimple(k)}":${writeValue(v)}`).join(",")}}`;
}

/** PMS's client id: base64url (no padding) of SHA-256 over the canonical JWK's UTF-8 bytes. */
export function oidcClientId(jwk: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJwk(jwk), "utf8").digest("base64url");
}

/**
 * identity-mapping.json (`identity.<claim>.value`, comma-separated ID-schema attribute names)
 * for the claims eSignet 1.0.0 supports. UNCONFIRMED: the attribute names are those of MOSIP's
 * default ID schema; a country's schema may differ.
 */
export const IDENTITY_MAPPING: Record<string, { value: string }> = {
  name: { value: "fullName" },
  address: { value: "fullAddress" },
  gender: { value: "gender" },
  birthdate: { value: "dateOfBirth" },
  picture: { value: "face" },
  email: { value: "email" },
  phone_number: { value: "phone" },
  individual_id: { value: "individual_id" },
};

/** amr-acr-mapping.json: AMR names to their factors, ACRs to the AMRs they need. */
export const AMR_ACR_MAPPING = {
  amr: {
    PIN: [{ type: "PIN" }],
    OTP: [{ type: "OTP" }],
    Wallet: [{ type: "WLA" }],
    "L1-bio-device": [{ type: "BIO", count: 1 }],
    PWD: [{ type: "PWD" }],
  } as Record<string, Array<{ type: string; count?: number }>>,
  acr_amr: {
    "mosip:idp:acr:static-code": ["PIN"],
    "mosip:idp:acr:generated-code": ["OTP"],
    "mosip:idp:acr:linked-wallet": ["Wallet"],
    "mosip:idp:acr:biometrics": ["L1-bio-device"],
    "mosip:idp:acr:password": ["PWD"],
  } as Record<string, string[]>,
};

/** Claims eSignet supports whose mapped attributes include one of the policy's KYC attributes. */
export function policyClaims(kycAttributes: string[], claimsSupported: string[]): string[] {
  const out = new Set<string>();
  for (const claim of claimsSupported) {
    const mapped = IDENTITY_MAPPING[claim]?.value.split(",") ?? [];
    if (kycAttributes.some((a) => mapped.some((m) => m.toLowerCase() === a.toLowerCase()))) {
      out.add(claim);
    }
  }
  return [...out];
}

/** ACRs all of whose AMRs have all their factor types in the policy's lower-cased auth types. */
export function policyAcrs(authTypes: string[]): string[] {
  const types = new Set(authTypes.map((t) => t.toLowerCase()));
  const amrs = new Set(
    Object.entries(AMR_ACR_MAPPING.amr)
      .filter(([, factors]) => factors.every((f) => types.has(f.type.toLowerCase())))
      .map(([name]) => name),
  );
  return Object.entries(AMR_ACR_MAPPING.acr_amr)
    .filter(([, need]) => need.every((a) => amrs.has(a)))
    .map(([acr]) => acr);
}
