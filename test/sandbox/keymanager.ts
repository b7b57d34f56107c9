// Keymanager's partner-certificate service (kernel-keymanager-service 1.2.0.1,
// PartnerCertificateManagerServiceImpl), as PMS's certificate endpoints use it: a per-domain
// trust store of CA / sub-CA certificates, and partner (leaf) certificates that must chain to it
// and are re-signed by MOSIP's own partner CA. Certificates are parsed and chains are verified
// for real (signatures, not names) with node:crypto; @peculiar/x509 reads what node does not
// expose (signature algorithm, the O= attribute), a small DER walk reads the version field.
import "reflect-metadata"; // before @peculiar/x509
import { createHash, randomBytes, randomUUID, sign, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { kernelErr, kernelOk, mosipTime, type SandboxRequest } from "./http";
import { encodeTlv, makeCa, readTlv, tlvChildren, type CertAndKey } from "./testing-certs";
import type { SandboxContext } from "./types";

/** `mosip.kernel.partner.allowed.domains` (kernel-default.properties, 1.2.0.1). */
export const ALLOWED_DOMAINS = ["AUTH", "DEVICE", "FTM", "MISP"];

/** `mosip.role.keymanager.postuploadcacertificate` / `...postuploadpartnercertificate`. */
const CA_UPLOAD_ROLES = ["ZONAL_ADMIN", "GLOBAL_ADMIN", "PARTNER_ADMIN"];
const PARTNER_UPLOAD_ROLES = ["ZONAL_ADMIN", "GLOBAL_ADMIN", "PARTNER_ADMIN", "PARTNER"];
/** `mosip.role.keymanager.getgetcertificate`. */
const GET_CERT_ROLES = [
  "ZONAL_ADMIN",
  "GLOBAL_ADMIN",
  "INDIVIDUAL",
  "ID_AUTHENTICATION",
  "TEST",
  "REGISTRATION_ADMIN",
  "REGISTRATION_SUPERVISOR",
  "REGISTRATION_OFFICER",
  "REGISTRATION_PROCESSOR",
  "PRE_REGISTRATION_ADMIN",
  "RESIDENT",
  "KEY_MAKER",
];
const AUDIENCE_FILE = "kernel-default.properties";

/** `mosip.kernel.partner.issuer.certificate.duration.years` (1) and `...allowed.grace.duration` (30). */
const ISSUER_CERT_YEARS = 1;
const GRACE_DAYS = 30;
const DAY = 24 * 3600 * 1000;

/** KER-PCM-* from PartnerCertManagerErrorConstants (1.2.0.1), message text as MOSIP has it. */
export const PCM = {
  INVALID_CERTIFICATE: { errorCode: "KER-PCM-001", message: "Invalid Certificate uploaded." },
  CERTIFICATE_EXIST: { errorCode: "KER-PCM-003", message: "Certificate already exists in store." },
  DATES_NOT_VALID: { errorCode: "KER-PCM-004", message: "Certificate Dates are not valid." },
  ROOT_CA_NOT_FOUND: { errorCode: "KER-PCM-005", message: "Root CA Certificate not found." },
  ROOT_INTER_CA_NOT_FOUND: {
    errorCode: "KER-PCM-006",
    message: "Root CA/Intermediate CA Certificates not found.",
  },
  INVALID_CERT_VERSION: { errorCode: "KER-PCM-007", message: "Certificate version not supported." },
  PARTNER_ORG_NOT_MATCH: {
    errorCode: "KER-PCM-008",
    message: "Partner Organization Name not Matched.",
  },
  INVALID_PARTNER_DOMAIN: { errorCode: "KER-PCM-011", message: "Invalid Partner Domain." },
  CERT_KEY_NOT_ALLOWED: {
    errorCode: "KER-PCM-013",
    message: "Partner Certificate Key Size is less than allowed size.",
  },
  CERT_SIGNATURE_ALGO_NOT_ALLOWED: {
    errorCode: "KER-PCM-014",
    message: "Partner Certificate Signature algorithm not supported.",
  },
  SELF_SIGNED_CERT_NOT_ALLOWED: {
    errorCode: "KER-PCM-015",
    message: "Self Signed Certificate not allowed as partner.",
  },
} as const;

type PcmError = { errorCode: string; message: string };

export const UPLOAD_SUCCESS = "Upload Success.";
export const PARTIAL_UPLOAD_SUCCESS = "Partial Upload Success.";
export const UPLOAD_FAILED = "Upload Failed.";

export interface StoredCaCert {
  certId: string;
  domain: string;
  subject: string;
  issuer: string;
  /** certId of the issuing CA in this domain; its own id for a root. */
  issuerId: string;
  /** SHA-1 hex of the DER, as keymanager's `cert_thumbprint`. */
  thumbprint: string;
  certPem: string;
  selfSigned: boolean;
  uploadedAt: string;
}

export interface StoredPartnerCert {
  certId: string;
  partnerId: string;
  organizationName: string;
  domain: string;
  thumbprint: string;
  /** The certificate the partner uploaded. */
  certPem: string;
  /** The same public key and subject, signed by the sandbox's MOSIP partner CA. */
  signedCertPem: string;
  uploadedAt: string;
}

export interface KeymanagerState {
  /** MOSIP's ROOT and PMS (partner-signing) certificates; their private keys are never dumped. */
  rootCertPem: string;
  partnerCaCertPem: string;
  caCerts: StoredCaCert[];
  partnerCerts: StoredPartnerCert[];
}

class PcmFailure extends Error {
  constructor(readonly error: PcmError) {
    super(error.message);
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle; null when there is none or one does not parse. */
function parseCertificates(data: string): X509Certificate[] | null {
  const blocks = data.match(PEM_BLOCK);
  if (!blocks) return null;
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    return null;
  }
}

/**
 * The CA upload's fallback when the data is not PEM: a base64(url) PKCS#7 (P7B) certificate
 * bag, whose list keymanager reverses (a P7B usually lists the leaf-most certificate first).
 */
function parseP7b(data: string): X509Certificate[] | null {
  const b64 = data.replace(/-----(BEGIN|END) PKCS7-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(b64)) return null;
  try {
    const certs = new x509.X509Certificates(Buffer.from(b64, "base64"));
    if (certs.length === 0) return null;
    return certs.map((c) => new X509Certificate(Buffer.from(c.rawData))).reverse();
  } catch {
    return null;
  }
}

function thumbprint(cert: X509Certificate): string {
  return createHash("sha1").update(cert.raw).digest("hex");
}

function datesValid(cert: X509Certificate, now = Date.now()): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

function selfSigned(cert: X509Certificate): boolean {
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** The TBSCertificate fields by name (the version field is optional in DER). */
function tbsFields(der: Buffer) {
  const [tbs] = tlvChildren(readTlv(der));
  const kids = tlvChildren(tbs);
  const hasVersion = kids[0].tag === 0xa0;
  const rest = hasVersion ? kids.slice(1) : kids;
  return {
    version: hasVersion ? tlvChildren(kids[0])[0].value.readUIntBE(0, 1) + 1 : 1,
    issuer: rest[2],
    subject: rest[4],
    spki: rest[5],
  };
}

/** Java's `getSigAlgName()` (e.g. `SHA256withRSA`), which keymanager checks starts with SHA2. */
function javaSigAlgName(cert: X509Certificate): string {
  try {
    // HashedAlgorithm extends the DOM `Algorithm`, which this (node-only) project does not type.
    const alg = new x509.X509Certificate(cert.raw).signatureAlgorithm as unknown as {
      name: string;
      hash?: { name?: string };
    };
    const hash = (alg.hash?.name ?? "").replace("-", "");
    if (alg.name === "RSASSA-PKCS1-v1_5") return `${hash}withRSA`;
    if (alg.name === "ECDSA") return `${hash}withECDSA`;
    if (alg.name === "RSA-PSS") return "RSASSA-PSS";
    return alg.name;
  } catch {
    // @peculiar/x509 does not know the OID: not a SHA-2 algorithm keymanager accepts.
    return "UNKNOWN";
  }
}

/** The first O= of the subject, as keymanager's `getCertificateOrgName` (empty when absent). */
function organisationOf(cert: X509Certificate): string {
  const o = new x509.X509Certificate(cert.raw).subjectName.getField("O");
  return o[0] ?? "";
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const bytes = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const enc = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128))
      enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return encodeTlv(0x06, Buffer.from(bytes));
}

function derTime(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050
    ? encodeTlv(0x17, Buffer.from(iso.slice(2), "ascii"))
    : encodeTlv(0x18, Buffer.from(iso, "ascii"));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return encodeTlv(
    0x30,
    oid(id),
    ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []),
    encodeTlv(0x04, value),
  );
}

/** SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 key identifier, method 1). */
function keyIdentifier(spki: Buffer): Buffer {
  const [, bits] = tlvChildren(readTlv(spki));
  return createHash("sha1").update(bits.value.subarray(1)).digest();
}

/**
 * Re-signs the partner's public key and subject with the partner CA, as keymanager's
 * `reSignPartnerKey` does (validity `ISSUER_CERT_YEARS`, SHA256withRSA, encryption key usage
 * for the AUTH domain). Built with a small DER writer so the in-process API stays synchronous.
 */
function resign(leaf: X509Certificate, ca: CertAndKey, domain: string): string {
  const leafTbs = tbsFields(leaf.raw);
  const caTbs = tbsFields(ca.cert.raw);
  const sha256WithRsa = encodeTlv(0x30, oid("1.2.840.113549.1.1.11"), Buffer.from([0x05, 0x00]));
  const serial = randomBytes(16);
  // Positive and without a leading zero byte: a DER INTEGER whose first byte is 0 (after masking)
  // would be re-encoded shorter by some parsers and Node then fails to read the certificate.
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + ISSUER_CERT_YEARS * 365 * DAY);
  // keyUsage: digitalSignature, plus keyEncipherment + dataEncipherment for AUTH.
  const keyUsage =
    domain === "AUTH"
      ? Buffer.from([0x03, 0x02, 0x04, 0xb0])
      : Buffer.from([0x03, 0x02, 0x07, 0x80]);
  const extensions = encodeTlv(
    0xa3,
    encodeTlv(
      0x30,
      extension("2.5.29.19", true, encodeTlv(0x30)),
      extension("2.5.29.15", true, keyUsage),
      extension("2.5.29.14", false, encodeTlv(0x04, keyIdentifier(leafTbs.spki.bytes))),
      extension(
        "2.5.29.35",
        false,
        encodeTlv(0x30, encodeTlv(0x80, keyIdentifier(caTbs.spki.bytes))),
      ),
    ),
  );
  const tbs = encodeTlv(
    0x30,
    encodeTlv(0xa0, encodeTlv(0x02, Buffer.from([2]))),
    encodeTlv(0x02, serial),
    sha256WithRsa,
    caTbs.subject.bytes,
    encodeTlv(0x30, derTime(notBefore), derTime(notAfter)),
    leafTbs.subject.bytes,
    leafTbs.spki.bytes,
    extensions,
  );
  const signature = sign("sha256", tbs, ca.privateKey);
  const der = encodeTlv(0x30, tbs, sha256WithRsa, encodeTlv(0x03, Buffer.from([0]), signature));
  return new X509Certificate(der).toString();
}

export async function register(sb: SandboxContext): Promise<void> {
  // MOSIP's ROOT key and the PMS key that signs partner certificates, generated once per sandbox.
  const root = await makeCa({ cn: "MOSIP ROOT CA (sandbox)", org: "MOSIP Sandbox", days: 3650 });
  const partnerCa = await makeCa({
    cn: "MOSIP PARTNER CA (sandbox)",
    org: "MOSIP Sandbox",
    days: 1825,
    issuer: root,
  });
  const state: KeymanagerState = {
    rootCertPem: root.certPem,
    partnerCaCertPem: partnerCa.certPem,
    caCerts: [],
    partnerCerts: [],
  };
  sb.state.keymanager = state;

  function validateDomain(domain: string): string {
    const d = ALLOWED_DOMAINS.find(
      (a) =>
        a.toLowerCase() ===
        String(domain ?? "")
          .trim()
          .toLowerCase(),
    );
    if (!d) throw new PcmFailure(PCM.INVALID_PARTNER_DOMAIN);
    return d;
  }

  /**
   * PKIX path from `cert` to a root of the domain's trust store, verifying each signature;
   * intermediates must be valid CA certificates (basicConstraints CA), as PKIX requires.
   */
  function trustPath(cert: X509Certificate, domain: string, depth = 0): StoredCaCert[] | null {
    if (depth > 10) return null;
    for (const c of state.caCerts) {
      if (c.domain !== domain) continue;
      const issuer = new X509Certificate(c.certPem);
      if (issuer.raw.equals(cert.raw)) continue;
      let signed = false;
      try {
        signed = cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
      } catch {
        signed = false;
      }
      if (!signed) continue;
      if (c.selfSigned) return [c];
      if (!issuer.ca || !datesValid(issuer)) continue;
      const rest = trustPath(issuer, domain, depth + 1);
      if (rest) return [c, ...rest];
    }
    return null;
  }

  function storeCa(cert: X509Certificate, domain: string, isRoot: boolean, path?: StoredCaCert[]) {
    const certId = randomUUID();
    state.caCerts.push({
      certId,
      domain,
      subject: cert.subject.replace(/\n/g, ", "),
      issuer: cert.issuer.replace(/\n/g, ", "),
      issuerId: isRoot ? certId : (path?.[0]?.certId ?? ""),
      thumbprint: thumbprint(cert),
      certPem: cert.toString(),
      selfSigned: isRoot,
      uploadedAt: mosipTime(),
    });
  }

  function uploadCa(data: string, domain: string): { status: string } {
    if (typeof data !== "string" || data.trim() === "")
      throw new PcmFailure(PCM.INVALID_CERTIFICATE);
    const certs = parseCertificates(data) ?? parseP7b(data);
    if (!certs) throw new PcmFailure(PCM.INVALID_CERTIFICATE);
    const d = validateDomain(domain);
    const single = certs.length === 1;
    let uploaded = false;
    let failed = false;
    // A bundle is processed in the order given (root first): a certificate whose issuer comes
    // later in the bundle fails and makes the result partial, as in keymanager.
    for (const cert of certs) {
      const error = ((): PcmError | null => {
        const tp = thumbprint(cert);
        if (state.caCerts.some((c) => c.domain === d && c.thumbprint === tp)) {
          return PCM.CERTIFICATE_EXIST;
        }
        if (!datesValid(cert)) return PCM.DATES_NOT_VALID;
        if (selfSigned(cert)) {
          storeCa(cert, d, true);
          return null;
        }
        const path = trustPath(cert, d);
        if (!path) return PCM.ROOT_CA_NOT_FOUND;
        storeCa(cert, d, false, path);
        return null;
      })();
      if (error) {
        if (single) throw new PcmFailure(error);
        failed = true;
      } else uploaded = true;
    }
    if (uploaded && (single || !failed)) return { status: UPLOAD_SUCCESS };
    if (uploaded) return { status: PARTIAL_UPLOAD_SUCCESS };
    return { status: UPLOAD_FAILED };
  }

  function uploadPartner(
    data: string,
    domain: string,
    organizationName: string,
    partnerId: string,
  ): { signedCertificateData: string; certificateId: string } {
    if (typeof data !== "string" || data.trim() === "")
      throw new PcmFailure(PCM.INVALID_CERTIFICATE);
    // keymanager reads the first PEM object of the data.
    const cert = parseCertificates(data)?.[0];
    if (!cert) throw new PcmFailure(PCM.INVALID_CERTIFICATE);
    const d = validateDomain(domain);
    // Order as in uploadPartnerCertificate: dates, remaining validity, self-signed, trust path,
    // version, organisation, key size, signature algorithm. A certificate already uploaded is
    // accepted again (renewal).
    if (!datesValid(cert)) throw new PcmFailure(PCM.DATES_NOT_VALID);
    const remainingDays = Math.floor((Date.parse(cert.validTo) - Date.now()) / DAY);
    if (remainingDays < ISSUER_CERT_YEARS * 365 - GRACE_DAYS) {
      throw new PcmFailure(PCM.DATES_NOT_VALID);
    }
    if (selfSigned(cert)) throw new PcmFailure(PCM.SELF_SIGNED_CERT_NOT_ALLOWED);
    const path = trustPath(cert, d);
    if (!path) throw new PcmFailure(PCM.ROOT_INTER_CA_NOT_FOUND);
    if (tbsFields(cert.raw).version !== 3) throw new PcmFailure(PCM.INVALID_CERT_VERSION);
    const org = organisationOf(cert);
    if (org === "" || org !== organizationName) throw new PcmFailure(PCM.PARTNER_ORG_NOT_MATCH);
    const key = cert.publicKey;
    if (key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new PcmFailure(PCM.CERT_KEY_NOT_ALLOWED);
    }
    // Literally `getSigAlgName().toUpperCase().startsWith("SHA2")`: SHA256withRSA and SHA224withRSA
    // pass, SHA384withRSA / SHA512withRSA / SHA1withRSA / RSASSA-PSS do not.
    if (!javaSigAlgName(cert).toUpperCase().startsWith("SHA2")) {
      throw new PcmFailure(PCM.CERT_SIGNATURE_ALGO_NOT_ALLOWED);
    }
    // UNCONFIRMED shape: keymanager 1.2.0.1 answers `signedCertificateData` with a P7B chain of
    // the re-signed certificate; the contract (§5.2) and PMS's read-back give the PEM of the
    // MOSIP-signed leaf, which is what the sandbox returns.
    const signedCertificateData = resign(cert, partnerCa, d);
    const certificateId = randomUUID();
    state.partnerCerts.push({
      certId: certificateId,
      partnerId,
      organizationName,
      domain: d,
      thumbprint: thumbprint(cert),
      certPem: cert.toString(),
      signedCertPem: signedCertificateData,
      uploadedAt: mosipTime(),
    });
    return { signedCertificateData, certificateId };
  }

  sb.keymanager = {
    uploadCaCertificate(pem, domain) {
      try {
        return uploadCa(pem, domain);
      } catch (e) {
        if (e instanceof PcmFailure) return { ...e.error };
        throw e;
      }
    },
    uploadPartnerCertificate(pem, domain, organizationName, partnerId) {
      try {
        return uploadPartner(pem, domain, organizationName, partnerId);
      } catch (e) {
        if (e instanceof PcmFailure) return { ...e.error };
        throw e;
      }
    },
  };

  /** Bean validation of the request DTO: `KER-KMS-005` "<field> should not be null or empty". */
  function requireFields(req: SandboxRequest, fields: string[]) {
    const body = req.json() as { request?: Record<string, unknown> } | undefined;
    const request = body?.request;
    if (!request || typeof request !== "object") {
      return {
        missing: kernelErr(
          { errorCode: "KER-KMS-005", message: "request should not be null or empty" },
          req,
        ),
      };
    }
    const errors = fields
      .filter((f) => typeof request[f] !== "string" || (request[f] as string).trim() === "")
      .map((f) => ({
        errorCode: "KER-KMS-005",
        message: `request.${f} should not be null or empty`,
      }));
    if (errors.length) return { missing: kernelErr(errors, req) };
    return { request: request as Record<string, string> };
  }

  sb.router.add("POST", "/v1/keymanager/uploadCACertificate", async (req) => {
    await sb.authenticate(req, { audienceFile: AUDIENCE_FILE, roles: CA_UPLOAD_ROLES });
    const r = requireFields(req, ["certificateData", "partnerDomain"]);
    if (r.missing) return r.missing;
    const out = sb.keymanager.uploadCaCertificate(
      r.request.certificateData,
      r.request.partnerDomain,
    );
    if ("errorCode" in out) return kernelErr(out, req);
    return kernelOk({ status: out.status, timestamp: mosipTime() }, req);
  });

  sb.router.add("POST", "/v1/keymanager/uploadPartnerCertificate", async (req) => {
    await sb.authenticate(req, { audienceFile: AUDIENCE_FILE, roles: PARTNER_UPLOAD_ROLES });
    const r = requireFields(req, ["certificateData", "organizationName", "partnerDomain"]);
    if (r.missing) return r.missing;
    const out = sb.keymanager.uploadPartnerCertificate(
      r.request.certificateData,
      r.request.partnerDomain,
      r.request.organizationName,
      typeof r.request.partnerId === "string" ? r.request.partnerId : "",
    );
    if ("errorCode" in out) return kernelErr(out, req);
    return kernelOk({ ...out, timestamp: mosipTime() }, req);
  });

  // The certificates behind MOSIP's signatures: `ROOT` and `PMS` (the partner-signing key).
  sb.router.add("GET", "/v1/keymanager/getCertificate", async (req) => {
    await sb.authenticate(req, { audienceFile: AUDIENCE_FILE, roles: GET_CERT_ROLES });
    const appId = req.query.get("applicationId") ?? "";
    const ca = appId === "ROOT" ? root : appId === "PMS" ? partnerCa : null;
    if (!ca) {
      // UNCONFIRMED: keymanager's answer for an application id without a key.
      return kernelErr(
        { errorCode: "KER-KMS-002", message: "ApplicationId not found in Key Policy" },
        req,
      );
    }
    return kernelOk(
      {
        certificate: ca.certPem,
        certSignRequest: null,
        issuedAt: new Date(ca.cert.validFrom).toISOString(),
        expiryAt: new Date(ca.cert.validTo).toISOString(),
        timestamp: mosipTime(),
      },
      req,
    );
  });
}
