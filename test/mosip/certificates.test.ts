// Generation of the partner's CA and partner certificate: what keymanager 1.2.0.1 checks (X.509 v3,
// SHA256withRSA, RSA >= 2048, O= equal to the organisation name, not self-signed, chained to the
// uploaded CA, >= 335 days left) checked here with node:crypto and by the sandbox's keymanager.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  caKeyMatches,
  certificateFacts,
  DEFAULT_LEAF_VALIDITY_DAYS,
  generateCa,
  generatePartnerCertificate,
  KEYMANAGER_MIN_LEAF_DAYS,
  signedBy,
  type CertificateAndKey,
} from "../../components/mosip/certificates";
import { startSandbox, type Sandbox } from "../sandbox/server";

let sandbox: Sandbox;
let ca: CertificateAndKey;
const ORG = 'Civil Registry, "Births" + Deaths; Ministry <Interior>';

beforeAll(async () => {
  sandbox = await startSandbox();
  ca = await generateCa({ commonName: "CRVS partner CA", organisation: ORG });
});
afterAll(async () => {
  await sandbox?.close();
});

describe("generateCa", () => {
  test("a self-signed v3 RSA-2048 CA with SHA256withRSA and its own key", () => {
    const c = new X509Certificate(ca.certificatePem);
    expect(c.ca).toBe(true);
    expect(c.verify(c.publicKey)).toBe(true);
    expect(c.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(caKeyMatches(ca)).toBe(true);
    const f = certificateFacts(ca.certificatePem);
    expect(f).toMatchObject({ organisation: ORG, isCa: true, selfSigned: true, keyBits: 2048 });
    expect(f.daysLeft).toBeGreaterThanOrEqual(3649);
  });

  test("keymanager accepts it as a CA of the AUTH domain, once", () => {
    const km = sandbox.context.keymanager;
    expect(km.uploadCaCertificate(ca.certificatePem, "AUTH")).toEqual({
      status: "Upload Success.",
    });
    expect(km.uploadCaCertificate(ca.certificatePem, "AUTH")).toMatchObject({
      errorCode: "KER-PCM-003",
    });
  });
});

describe("generatePartnerCertificate", () => {
  let leaf: CertificateAndKey;
  beforeAll(async () => {
    leaf = await generatePartnerCertificate({ ca, commonName: "crvs-partner", organisation: ORG });
  });

  test("O= is the organisation name exactly, signed by the CA, not a CA, 2 years", () => {
    const f = certificateFacts(leaf.certificatePem);
    expect(f.organisation).toBe(ORG);
    expect(f.isCa).toBe(false);
    expect(f.selfSigned).toBe(false);
    expect(f.keyBits).toBe(2048);
    expect(DEFAULT_LEAF_VALIDITY_DAYS).toBe(730);
    expect(f.daysLeft).toBeGreaterThanOrEqual(729);
    expect(f.daysLeft).toBeGreaterThan(KEYMANAGER_MIN_LEAF_DAYS);
    expect(signedBy(leaf.certificatePem, ca.certificatePem)).toBe(true);
    expect(caKeyMatches(leaf)).toBe(true);
    // X.509 v3 and SHA-256: node shows neither directly, the DER does (version [0] INTEGER 2).
    const der = new X509Certificate(leaf.certificatePem).raw;
    expect(der.subarray(4, 13).toString("hex")).toMatch(/^30820[0-9a-f]{3}a003020102$/);
    expect(der.includes(Buffer.from("2a864886f70d01010b", "hex"))).toBe(true); // sha256WithRSA
  });

  test("each call makes a new key pair", async () => {
    const other = await generatePartnerCertificate({ ca, commonName: "x", organisation: ORG });
    expect(certificateFacts(other.certificatePem).publicKeyFingerprint).not.toBe(
      certificateFacts(leaf.certificatePem).publicKeyFingerprint,
    );
    expect(
      caKeyMatches({ certificatePem: other.certificatePem, privateKeyPem: leaf.privateKeyPem }),
    ).toBe(false);
  });

  test("keymanager accepts it for the organisation and refuses it for another", () => {
    const km = sandbox.context.keymanager;
    const ok = km.uploadPartnerCertificate(leaf.certificatePem, "AUTH", ORG, "crvs-partner");
    expect(ok).toHaveProperty("signedCertificateData");
    const signed = (ok as { signedCertificateData: string }).signedCertificateData;
    expect(certificateFacts(signed).publicKeyFingerprint).toBe(
      certificateFacts(leaf.certificatePem).publicKeyFingerprint,
    );
    expect(
      km.uploadPartnerCertificate(leaf.certificatePem, "AUTH", "Other Org", "p2"),
    ).toMatchObject({ errorCode: "KER-PCM-008" });
  });

  test("a too short validity, a small key and a foreign CA key are refused before any upload", async () => {
    const short = await generatePartnerCertificate({
      ca,
      commonName: "short",
      organisation: ORG,
      validityDays: 200,
    });
    expect(
      sandbox.context.keymanager.uploadPartnerCertificate(short.certificatePem, "AUTH", ORG, "p3"),
    ).toMatchObject({ errorCode: "KER-PCM-004" });
    await expect(
      generatePartnerCertificate({ ca, commonName: "s", organisation: ORG, keyBits: 1024 }),
    ).rejects.toThrow(/at least 2048/);
    await expect(
      generatePartnerCertificate({
        ca: { certificatePem: ca.certificatePem, privateKeyPem: leaf.privateKeyPem },
        commonName: "s",
        organisation: ORG,
      }),
    ).rejects.toThrow(/does not belong to the CA certificate/);
  });

  test("certificateFacts names what is wrong with text that is not a certificate", () => {
    expect(() => certificateFacts("hello")).toThrow(/not a PEM X\.509 certificate/);
  });
});
