// Real certificates for tests: CA, intermediate and leaf certificates with real RSA keys, made
// with node:crypto and @peculiar/x509, each able to break exactly one of keymanager's rules
// (small key, SHA-1 signature, self-signed, expired, X.509 v1, wrong organisation ...).
//
//   const root = await makeCa({ cn: "Test Root", org: "Test Org" });
//   const inter = await makeCa({ cn: "Test Sub CA", org: "Test Org", issuer: root });
//   const leaf = await makeLeaf(inter, { cn: "crvs-partner", org: "CRVS Org" });
//   leaf.certPem / leaf.keyPem / leaf.publicKeyPem
//
// Also exports minimal DER helpers (readTlv, tlvChildren, encodeTlv) that the sandbox's
// keymanager uses to read what node:crypto does not expose (the version field).
import "reflect-metadata"; // @peculiar/x509 (tsyringe) needs a Reflect polyfill before it loads
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as nodeSign,
  webcrypto,
  X509Certificate as NodeX509,
  type KeyObject,
} from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto);

/** Hash of the RSA PKCS#1 v1.5 signature. SHA-1 exists to break keymanager's SHA-2 rule. */
export type SigAlg = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

export interface CertAndKey {
  /** The certificate, PEM. */
  certPem: string;
  /** The private key, PKCS#8 PEM. */
  keyPem: string;
  /** The public key, SPKI PEM. */
  publicKeyPem: string;
  /** The certificate parsed by node:crypto. */
  cert: NodeX509;
  /** The private key as a node KeyObject (for signing in tests). */
  privateKey: KeyObject;
}

export interface MakeCaOptions {
  /** Subject CN. @default "Sandbox Test Root CA" */
  cn?: string;
  /** Subject O. @default "Sandbox Test Org" */
  org?: string;
  /** Subject C. @default "IN" */
  country?: string;
  /** Validity from now (ignored when notAfter is given). @default 3650 */
  days?: number;
  /** RSA modulus size. @default 2048 */
  keyBits?: number;
  sigAlg?: SigAlg;
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with this CA instead of self-signing: makes an intermediate (sub-CA). */
  issuer?: CertAndKey;
}

export interface MakeLeafOptions {
  /** Subject CN. @default "sandbox-test-partner" */
  cn?: string;
  /** Subject O; keymanager compares it to the partner's organisationName. Omit with `org: null`. @default "Sandbox Test Org" */
  org?: string | null;
  country?: string;
  /** RSA modulus size. @default 2048 */
  keyBits?: number;
  /** Sign the leaf with its own key instead of the CA's. @default false */
  selfSigned?: boolean;
  /** @default "SHA-256" */
  sigAlg?: SigAlg;
  /** Validity from now (ignored when notAfter is given). @default 730 */
  days?: number;
  /** @default now - 1 minute */
  notBefore?: Date;
  notAfter?: Date;
  /** X.509 version; 1 drops the version field and all extensions. @default 3 */
  version?: 1 | 3;
}

const DAY = 24 * 3600 * 1000;

/** An RSA key pair of `bits`, usable by both node:crypto and WebCrypto for `sigAlg`. */
export async function makeRsaKeyPair(
  bits = 2048,
  sigAlg: SigAlg = "SHA-256",
): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: bits,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: sigAlg,
    },
    true,
    ["sign", "verify"],
  )) as webcrypto.CryptoKeyPair;
}

async function toCertAndKey(
  cert: x509.X509Certificate,
  keys: webcrypto.CryptoKeyPair,
): Promise<CertAndKey> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const certPem = cert.toString("pem");
  return {
    certPem,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }) as string,
    cert: new NodeX509(certPem),
    privateKey,
  };
}

/** `CN=..., O=..., C=...` with commas in values escaped, as @peculiar/x509 parses it. */
function dn(cn: string, org: string | null | undefined, country: string | undefined): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, "\\$1");
  const parts = [`CN=${esc(cn)}`];
  if (org) parts.push(`O=${esc(org)}`);
  if (country) parts.push(`C=${esc(country)}`);
  return parts.join(", ");
}

/** Imports a node private key into WebCrypto with the hash the signature should use. */
async function signingKey(ca: CertAndKey, sigAlg: SigAlg): Promise<webcrypto.CryptoKey> {
  const pkcs8 = ca.privateKey.export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey(
    "pkcs8",
    pkcs8,
    { name: "RSASSA-PKCS1-v1_5", hash: sigAlg },
    false,
    ["sign"],
  ) as Promise<webcrypto.CryptoKey>;
}

function serial(): string {
  const b = randomBytes(16);
  // Positive, and never a leading zero byte (that would not be minimal DER).
  b[0] = (b[0] & 0x7f) | 0x40;
  return b.toString("hex");
}

/** A root CA (self-signed), or an intermediate when `issuer` is given. */
export async function makeCa(opts: MakeCaOptions = {}): Promise<CertAndKey> {
  const sigAlg = opts.sigAlg ?? "SHA-256";
  const keys = await makeRsaKeyPair(opts.keyBits ?? 2048, sigAlg);
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + (opts.days ?? 3650) * DAY);
  const name = dn(
    opts.cn ?? "Sandbox Test Root CA",
    opts.org ?? "Sandbox Test Org",
    opts.country ?? "IN",
  );
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign |
        x509.KeyUsageFlags.cRLSign |
        x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  let cert: x509.X509Certificate;
  if (opts.issuer) {
    const issuerCert = new x509.X509Certificate(opts.issuer.certPem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: name,
      issuer: issuerCert.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: await signingKey(opts.issuer, sigAlg),
      signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: sigAlg } as webcrypto.Algorithm,
      extensions,
    });
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: sigAlg } as webcrypto.Algorithm,
      extensions,
    });
  }
  return toCertAndKey(cert, keys);
}

/** An end-entity certificate signed by `ca` (or by itself with `selfSigned`). */
export async function makeLeaf(
  ca: CertAndKey | null,
  opts: MakeLeafOptions = {},
): Promise<CertAndKey> {
  const sigAlg = opts.sigAlg ?? "SHA-256";
  const keys = await makeRsaKeyPair(opts.keyBits ?? 2048, sigAlg);
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + (opts.days ?? 730) * DAY);
  const name = dn(
    opts.cn ?? "sandbox-test-partner",
    opts.org === undefined ? "Sandbox Test Org" : opts.org,
    opts.country ?? "IN",
  );
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature |
        x509.KeyUsageFlags.keyEncipherment |
        x509.KeyUsageFlags.dataEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: sigAlg } as webcrypto.Algorithm;
  let cert: x509.X509Certificate;
  let signer: KeyObject;
  if (opts.selfSigned || !ca) {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: algorithm,
      extensions,
    });
    signer = createPrivateKey({
      key: Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
      format: "der",
      type: "pkcs8",
    });
  } else {
    const issuerCert = new x509.X509Certificate(ca.certPem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: name,
      issuer: issuerCert.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: await signingKey(ca, sigAlg),
      signingAlgorithm: algorithm,
      extensions,
    });
    signer = ca.privateKey;
  }
  if (opts.version === 1) {
    cert = new x509.X509Certificate(toVersion1(Buffer.from(cert.rawData), signer, sigAlg));
  }
  return toCertAndKey(cert, keys);
}

/** Concatenates PEMs into one bundle (as an operator pastes a chain). */
export function bundle(...pems: string[]): string {
  return pems.map((p) => p.trim()).join("\n") + "\n";
}

/** The SPKI DER of a PEM certificate's public key (compare keys across certificates). */
export function publicKeyDer(certPem: string): Buffer {
  return new NodeX509(certPem).publicKey.export({ type: "spki", format: "der" });
}

// ---------------------------------------------------------------------------------------------
// Minimal DER (single-byte tags, definite lengths): enough to walk and rebuild X.509 structures.

export interface Tlv {
  tag: number;
  /** The whole TLV (tag + length + value). */
  bytes: Buffer;
  value: Buffer;
}

export function readTlv(buf: Buffer, offset = 0): Tlv & { end: number } {
  if (offset + 2 > buf.length) throw new Error("DER: truncated");
  const tag = buf[offset];
  let len = buf[offset + 1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > buf.length) throw new Error("DER: bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
    header += n;
  }
  const end = offset + header + len;
  if (end > buf.length) throw new Error("DER: truncated");
  return {
    tag,
    bytes: buf.subarray(offset, end),
    value: buf.subarray(offset + header, end),
    end,
  };
}

/** The TLVs inside a constructed TLV (SEQUENCE, SET, [n] explicit). */
export function tlvChildren(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let off = 0;
  while (off < tlv.value.length) {
    const t = readTlv(tlv.value, off);
    out.push(t);
    off = t.end;
  }
  return out;
}

export function encodeTlv(tag: number, ...values: Buffer[]): Buffer {
  const value = Buffer.concat(values);
  let len: Buffer;
  if (value.length < 0x80) len = Buffer.from([value.length]);
  else {
    const bytes: number[] = [];
    for (let n = value.length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

const nodeHash: Record<SigAlg, string> = {
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/** Rewrites a v3 certificate as v1 (no version field, no extensions) and re-signs it. */
function toVersion1(der: Buffer, signer: KeyObject, sigAlg: SigAlg): Buffer {
  const [tbs, algId] = tlvChildren(readTlv(der));
  const kept = tlvChildren(tbs).filter((t) => t.tag !== 0xa0 && t.tag !== 0xa3);
  const newTbs = encodeTlv(0x30, ...kept.map((t) => t.bytes));
  const signature = nodeSign(nodeHash[sigAlg], newTbs, signer);
  return encodeTlv(0x30, newTbs, algId.bytes, encodeTlv(0x03, Buffer.from([0]), signature));
}
