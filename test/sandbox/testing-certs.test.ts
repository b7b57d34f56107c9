import "reflect-metadata";
import { X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { bundle, makeCa, makeLeaf, publicKeyDer, readTlv, tlvChildren } from "./testing-certs";

/** The X.509 version as encoded (1 when the explicit [0] version field is absent). */
function versionOf(pem: string): number {
  const [tbs] = tlvChildren(readTlv(Buffer.from(new X509Certificate(pem).raw)));
  const first = tlvChildren(tbs)[0];
  return first.tag === 0xa0 ? tlvChildren(first)[0].value[0] + 1 : 1;
}

describe("testing-certs", () => {
  it("makes a root, an intermediate and a leaf that chain by signature", async () => {
    const root = await makeCa({ cn: "Root", org: "Org A", days: 30 });
    const inter = await makeCa({ cn: "Inter", org: "Org A", issuer: root });
    const leaf = await makeLeaf(inter, { cn: "leaf", org: "Partner Org" });
    expect(root.cert.verify(root.cert.publicKey)).toBe(true);
    expect(root.cert.ca).toBe(true);
    expect(inter.cert.verify(root.cert.publicKey)).toBe(true);
    expect(inter.cert.verify(inter.cert.publicKey)).toBe(false);
    expect(inter.cert.checkIssued(root.cert)).toBe(true);
    expect(leaf.cert.verify(inter.cert.publicKey)).toBe(true);
    expect(leaf.cert.verify(root.cert.publicKey)).toBe(false);
    expect(leaf.cert.ca).toBe(false);
    expect(new x509.X509Certificate(leaf.certPem).subjectName.getField("O")).toEqual([
      "Partner Org",
    ]);
    const days = (Date.parse(root.cert.validTo) - Date.now()) / 86400000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
  });

  it("returns matching key PEMs", async () => {
    const root = await makeCa();
    const leaf = await makeLeaf(root, { keyBits: 3072 });
    expect(
      publicKeyDer(leaf.certPem).equals(
        Buffer.from(
          (await import("node:crypto"))
            .createPublicKey(leaf.publicKeyPem)
            .export({ type: "spki", format: "der" }),
        ),
      ),
    ).toBe(true);
    expect(leaf.keyPem).toContain("BEGIN PRIVATE KEY");
    expect(leaf.cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it("breaks one rule at a time: small key, SHA-1, self-signed, dates, v1, no O", async () => {
    const root = await makeCa();
    const small = await makeLeaf(root, { keyBits: 1024 });
    expect(small.cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    const sha1 = await makeLeaf(root, { sigAlg: "SHA-1" });
    expect(new x509.X509Certificate(sha1.certPem).signatureAlgorithm.hash.name).toBe("SHA-1");
    expect(sha1.cert.verify(root.cert.publicKey)).toBe(true);
    const self = await makeLeaf(root, { selfSigned: true });
    expect(self.cert.verify(self.cert.publicKey)).toBe(true);
    const expired = await makeLeaf(root, {
      notBefore: new Date(Date.now() - 10 * 86400000),
      notAfter: new Date(Date.now() - 86400000),
    });
    expect(Date.parse(expired.cert.validTo)).toBeLessThan(Date.now());
    const v1 = await makeLeaf(root, { version: 1 });
    expect(versionOf(v1.certPem)).toBe(1);
    expect(versionOf(root.certPem)).toBe(3);
    expect(v1.cert.verify(root.cert.publicKey)).toBe(true);
    const noOrg = await makeLeaf(root, { org: null });
    expect(new x509.X509Certificate(noOrg.certPem).subjectName.getField("O")).toEqual([]);
  });

  it("bundles PEMs", async () => {
    const a = await makeCa({ cn: "A" });
    const b = await makeCa({ cn: "B" });
    const pem = bundle(a.certPem, b.certPem);
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });
});
