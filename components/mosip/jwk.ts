// RSA keys for eSignet's private_key_jwt (contract §5.8, §6): key pair generation, the public JWK,
// the canonical JWK text PMS hashes, and PMS's OIDC client id. Pure functions over node:crypto, so
// the closure serializer carries them into a dynamic provider cheaply (no module-level objects).
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";

/** An RSA JWK as JSON (public members, possibly private ones too). */
export type Jwk = Record<string, unknown>;

/** A generated key pair in the forms the stack hands on. */
export interface RsaKeyPair {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Secret. */
  privateKeyPem: string;
  /** The private JWK (with kid, use, alg), as private_key_jwt libraries take it. Secret. */
  privateJwk: Jwk;
  /** The public JWK registered with PMS / eSignet. */
  publicJwk: Jwk;
}

/**
 * json-simple's string escaping (jose4j writes JWKs with it): JSON's, plus `/` as `\/`, and
 * U+007F..U+009F and U+2000..U+20FF as \uXXXX, hex in upper case.
 */
function escapeJson(s: string): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(/\\u([0-9a-f]{4})|\\.|[/\u007f-\u009f\u2000-\u20ff]/g, (m, h?: string) =>
      h
        ? `\\u${h.toUpperCase()}`
        : m.length === 2
          ? m
          : m === "/"
            ? "\\/"
            : `\\u${m.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
    );
}

function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return `"${escapeJson(v)}"`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(jsonValue).join(",")}]`;
  if (typeof v === "object")
    return `{${Object.entries(v as Jwk)
      .map(([k, x]) => `"${escapeJson(k)}":${jsonValue(x)}`)
      .join(",")}}`;
  return `"${escapeJson(String(v))}"`;
}

/** A base64url big-endian unsigned integer re-encoded without leading zero bytes (as jose4j does). */
function unsignedB64(b64: string): string {
  const bytes = Buffer.from(b64, "base64url");
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i).toString("base64url");
}

/**
 * Why `jwk` is not an RSA public key PMS / eSignet would accept, or undefined when it is one.
 * Checks the members and that `n`/`e` form a key node:crypto can load.
 */
export function jwkProblem(jwk: unknown): string | undefined {
  if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) return "must be a JWK object";
  const k = jwk as Jwk;
  if (k.kty !== "RSA") return `kty must be "RSA" (eSignet parses it as an RsaJsonWebKey)`;
  for (const m of ["n", "e"])
    if (typeof k[m] !== "string" || !/^[A-Za-z0-9_-]+$/.test(k[m] as string))
      return `${m} must be a base64url string`;
  if (k.alg !== undefined && k.alg !== "RS256") return 'alg must be "RS256" when given';
  if (k.use !== undefined && k.use !== "sig") return 'use must be "sig" when given';
  try {
    const key = createPublicKey({
      key: { kty: "RSA", n: k.n as string, e: k.e as string },
      format: "jwk",
    });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) return `the modulus has ${bits} bits; use at least 2048`;
  } catch (e) {
    return `n/e do not form an RSA key (${(e as Error).message})`;
  }
  return undefined;
}

/**
 * The JWK text jose4j's `RsaJsonWebKey.toJson()` writes (§5.8): `kty, kid, use, key_ops, alg, n, e`
 * (those present, in that order; `n`/`e` without leading zero bytes), then other non-private
 * members in input order; private members (d, p, q, dp, dq, qi, oth) dropped; compact, with `/`
 * escaped as `\/`. PMS hashes this text into the client id and returns it from GET /oidc/client.
 */
export function canonicalJwk(jwk: Jwk): string {
  if (
    jwk.kty !== "RSA" ||
    typeof jwk.n !== "string" ||
    typeof jwk.e !== "string" ||
    !jwk.n ||
    !jwk.e
  )
    throw new Error('not an RSA public JWK: it needs kty "RSA" and the base64url members n and e');
  const first = ["kty", "kid", "use", "key_ops", "alg", "n", "e"];
  const secret = ["d", "p", "q", "dp", "dq", "qi", "oth"];
  const members: string[] = [];
  for (const k of first) {
    const v = jwk[k];
    if (v === undefined || v === null) continue;
    members.push(`"${k}":${jsonValue(k === "n" || k === "e" ? unsignedB64(v as string) : v)}`);
  }
  for (const [k, v] of Object.entries(jwk))
    if (!first.includes(k) && !secret.includes(k) && v !== undefined)
      members.push(`"${escapeJson(k)}":${jsonValue(v)}`);
  return `{${members.join(",")}}`;
}

/** The public JWK as PMS stores it, as an object (member order of the canonical text). */
export function publicJwk(jwk: Jwk): Jwk {
  return JSON.parse(canonicalJwk(jwk)) as Jwk;
}

/** PMS's OIDC client id: base64url without padding of SHA-256 over the canonical JWK (43 chars). */
export function oidcClientId(jwk: Jwk): string {
  return createHash("sha256").update(canonicalJwk(jwk), "utf8").digest("base64url");
}

/** RFC 7638 thumbprint of an RSA key (SHA-256, base64url): a stable default `kid`. */
export function jwkThumbprint(jwk: Jwk): string {
  const text = `{"e":"${unsignedB64(String(jwk.e))}","kty":"RSA","n":"${unsignedB64(String(jwk.n))}"}`;
  return createHash("sha256").update(text, "utf8").digest("base64url");
}

/**
 * A new RSA key pair for private_key_jwt: `use: "sig"`, `alg: "RS256"`, `kid` given or the key's
 * RFC 7638 thumbprint. @default modulusLength 2048
 */
export function generateRsaKeyPair(
  opts: { kid?: string; modulusLength?: number } = {},
): RsaKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: opts.modulusLength ?? 2048,
    publicExponent: 0x10001,
  });
  const pub = publicKey.export({ format: "jwk" }) as Jwk;
  const kid = opts.kid ?? jwkThumbprint(pub);
  const meta = { kid, use: "sig", alg: "RS256" };
  const priv = privateKey.export({ format: "jwk" }) as Jwk;
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    privateJwk: { kty: "RSA", ...meta, ...priv },
    publicJwk: publicJwk({ kty: "RSA", ...meta, n: pub.n, e: pub.e }),
  };
}
