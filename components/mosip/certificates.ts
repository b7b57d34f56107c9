// Key pairs and X.509 certificates for a PMS partner (contract §5.2): the partner's CA, which is
// uploaded to keymanager's trust store, and the partner (leaf) certificate it signs, whose private
// key later decrypts the credentials MOSIP shares with the partner ("Partner Based" encryption).
//
// Pure functions, run inside the dynamic providers (CaCertificate, PartnerCertificate) after
// deserialization. So: the libraries are required inside the functions (the closure serializer
// copies local code by value and emits `require()` for node_modules, but a top-level side-effect
// import such as "reflect-metadata" would be dropped); no module-level objects.
import type * as X509 from "@peculiar/x509";
import type * as NodeCrypto from "node:crypto";

/**
 * Default validity of a generated partner certificate: 2 years. keymanager 1.2.0.1 re-signs the
 * partner key for `mosip.kernel.partner.issuer.certificate.duration.years` (1) and refuses a leaf
 * with fewer days left than that minus the grace period (30): 335 days (KER-PCM-004). Two years
 * leave a year in which the same certificate can be uploaded again.
 */
const LEAF_DAYS = 730;
/** Default validity of a generated CA: 10 years, so it outlives the leaves it signs. */
const CA_DAYS = 3650;
/** keymanager's floor for a leaf's remaining validity (365 - 30 days). */
const MIN_LEAF_DAYS = 335;
const DAY_MS = 24 * 3600 * 1000;

export const DEFAULT_LEAF_VALIDITY_DAYS = LEAF_DAYS;
export const DEFAULT_CA_VALIDITY_DAYS = CA_DAYS;
export const KEYMANAGER_MIN_LEAF_DAYS = MIN_LEAF_DAYS;

/** A certificate and its private key, PEM (PKCS#8 for the key). */
export interface CertificateAndKey {
  certificatePem: string;
  privateKeyPem: string;
}

/** What the resources compare and report about a certificate. */
export interface CertificateFacts {
  /** The first O= of the subject (what keymanager compares with the organisation name). */
  organisation: string;
  /** notAfter, ISO 8601. */
  notAfter: string;
  /** Whole days left until notAfter (negative when expired). */
  daysLeft: number;
  /** base64url SHA-256 of the SubjectPublicKeyInfo: equal keys, equal fingerprints. */
  publicKeyFingerprint: string;
  /** RSA modulus length in bits (0 for other key types). */
  keyBits: number;
  /** basicConstraints CA=true. */
  isCa: boolean;
  selfSigned: boolean;
}

export interface CaOptions {
  commonName: string;
  organisation: string;
  /** @default 3650 */
  validityDays?: number;
  /** RSA modulus size. @default 2048 */
  keyBits?: number;
}

export interface LeafOptions {
  /** The CA that signs the leaf. */
  ca: CertificateAndKey;
  commonName: string;
  /** Must equal the partner's organisationName exactly (KER-PCM-008). */
  organisation: string;
  /** @default 730 (see LEAF_DAYS) */
  validityDays?: number;
  /** RSA modulus size, at least 2048 (KER-PCM-013). @default 2048 */
  keyBits?: number;
}

/** The libraries, loaded on first use inside the provider host. */
function libs(): { x509: typeof X509; crypto: typeof NodeCrypto } {
  require("reflect-metadata"); // @peculiar/x509 (tsyringe) needs it before it loads
  const x509 = require("@peculiar/x509") as typeof X509;
  const crypto = require("node:crypto") as typeof NodeCrypto;
  x509.cryptoProvider.set(
    crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0],
  );
  return { x509, crypto };
}

/** `CN=..., O=...` with RFC 4514 escaping, so any organisation name survives as one O=. */
function distinguishedName(cn: string, o: string): string {
  const esc = (v: string) =>
    v
      .replace(/([,+"\\<>;=])/g, "\\$1")
      .replace(/^([ #])/, "\\$1")
      .replace(/ $/, "\\ ");
  return `CN=${esc(cn)}, O=${esc(o)}`;
}

/** An RSA key pair for SHA256withRSA (keymanager accepts only SHA-2 signatures, KER-PCM-014). */
async function rsaKeys(bits: number): Promise<NodeCrypto.webcrypto.CryptoKeyPair> {
  const { crypto } = libs();
  if (bits < 2048) throw new Error(`keyBits must be at least 2048 (keymanager refuses ${bits})`);
  return (await crypto.webcrypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: bits,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as NodeCrypto.webcrypto.CryptoKeyPair;
}

function serial(): string {
  const { crypto } = libs();
  const b = crypto.randomBytes(16);
  b[0]! &= 0x7f; // a positive INTEGER
  return b.toString("hex");
}

async function pkcs8Pem(key: NodeCrypto.webcrypto.CryptoKey): Promise<string> {
  const { crypto } = libs();
  return crypto.KeyObject.from(key).export({ type: "pkcs8", format: "pem" }) as string;
}

/** A self-signed RSA CA (X.509 v3, SHA256withRSA, basicConstraints CA, keyCertSign). */
export async function generateCa(o: CaOptions): Promise<CertificateAndKey> {
  const { x509 } = libs();
  const keys = await rsaKeys(o.keyBits ?? 2048);
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: distinguishedName(o.commonName, o.organisation),
    notBefore,
    notAfter: new Date(notBefore.getTime() + (o.validityDays ?? CA_DAYS) * DAY_MS),
    keys,
    signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: cert.toString("pem"), privateKeyPem: await pkcs8Pem(keys.privateKey) };
}

/** A partner certificate signed by `o.ca`, for a new RSA key pair. */
export async function generatePartnerCertificate(o: LeafOptions): Promise<CertificateAndKey> {
  const { x509, crypto } = libs();
  const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const ca = new x509.X509Certificate(o.ca.certificatePem);
  const caDer = crypto
    .createPrivateKey(o.ca.privateKeyPem)
    .export({ type: "pkcs8", format: "der" });
  const caKey = await crypto.webcrypto.subtle.importKey("pkcs8", caDer, alg, false, ["sign"]);
  if (!caKeyMatches(o.ca))
    throw new Error("the CA private key does not belong to the CA certificate");
  const keys = await rsaKeys(o.keyBits ?? 2048);
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: distinguishedName(o.commonName, o.organisation),
    issuer: ca.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (o.validityDays ?? LEAF_DAYS) * DAY_MS),
    signingKey: caKey as unknown as X509.X509CertificateCreateWithKeyParams["signingKey"],
    publicKey: keys.publicKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment |
          x509.KeyUsageFlags.dataEncipherment,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { certificatePem: cert.toString("pem"), privateKeyPem: await pkcs8Pem(keys.privateKey) };
}

/** The facts of the first certificate in `pem`; throws with a readable message when it is not one. */
export function certificateFacts(pem: string, now = Date.now()): CertificateFacts {
  const { x509, crypto } = libs();
  let cert: NodeCrypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(pem);
  } catch {
    throw new Error("not a PEM X.509 certificate (-----BEGIN CERTIFICATE----- ...)");
  }
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  const notAfter = Date.parse(cert.validTo);
  let selfSigned = false;
  try {
    selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    selfSigned = false;
  }
  return {
    organisation: new x509.X509Certificate(cert.raw).subjectName.getField("O")[0] ?? "",
    notAfter: new Date(notAfter).toISOString(),
    daysLeft: Math.floor((notAfter - now) / DAY_MS),
    publicKeyFingerprint: crypto.createHash("sha256").update(spki).digest("base64url"),
    keyBits: cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
    isCa: cert.ca,
    selfSigned,
  };
}

/** Whether `privateKeyPem` is the key of `certificatePem` (compares the public halves). */
export function caKeyMatches(c: CertificateAndKey): boolean {
  const { crypto } = libs();
  try {
    const fromKey = crypto
      .createPublicKey(crypto.createPrivateKey(c.privateKeyPem))
      .export({ type: "spki", format: "der" });
    const fromCert = new crypto.X509Certificate(c.certificatePem).publicKey.export({
      type: "spki",
      format: "der",
    });
    return fromKey.equals(fromCert);
  } catch {
    return false;
  }
}

/** Whether `leafPem` is signed by `caPem`'s key. */
export function signedBy(leafPem: string, caPem: string): boolean {
  const { crypto } = libs();
  try {
    const ca = new crypto.X509Certificate(caPem);
    return new crypto.X509Certificate(leafPem).verify(ca.publicKey);
  } catch {
    return false;
  }
}
