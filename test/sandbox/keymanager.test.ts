// Keymanager's partner-certificate rules (contract §5.2), each exercised with real certificates
// that break exactly one rule, through the in-process API PMS calls and the kernel HTTP endpoints.
import "reflect-metadata";
import { X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeymanagerState } from "./keymanager";
import type { KeycloakSeed } from "./keycloak";
import { startSandbox, type Sandbox } from "./server";
import {
  bundle,
  makeCa,
  makeLeaf,
  publicKeyDer,
  readTlv,
  tlvChildren,
  type CertAndKey,
} from "./testing-certs";
import type { KeymanagerApi } from "./types";

let sandbox: Sandbox;
let km: KeymanagerApi;
const DAY = 86400000;

beforeAll(async () => {
  sandbox = await startSandbox();
  km = sandbox.context.keymanager;
});
afterAll(async () => {
  await sandbox?.close();
});

function state(): KeymanagerState {
  return sandbox.context.state.keymanager as KeymanagerState;
}

function versionOf(pem: string): number {
  const [tbs] = tlvChildren(readTlv(Buffer.from(new X509Certificate(pem).raw)));
  const first = tlvChildren(tbs)[0];
  return first.tag === 0xa0 ? tlvChildren(first)[0].value[0] + 1 : 1;
}

const err = (errorCode: string, message: string) => ({ errorCode, message });

describe("CA / sub-CA upload", () => {
  it("stores a root once per domain and answers KER-PCM-003 for the same certificate", async () => {
    const root = await makeCa({ cn: "Dup Root", org: "Dup Org" });
    expect(km.uploadCaCertificate(root.certPem, "AUTH")).toEqual({ status: "Upload Success." });
    expect(km.uploadCaCertificate(root.certPem, "auth")).toEqual(
      err("KER-PCM-003", "Certificate already exists in store."),
    );
    // Another domain has its own trust store.
    expect(km.uploadCaCertificate(root.certPem, "Device")).toEqual({ status: "Upload Success." });
    const stored = state().caCerts.filter((c) => c.certPem.trim() === root.certPem.trim());
    expect(stored.map((c) => c.domain).sort()).toEqual(["AUTH", "DEVICE"]);
    expect(stored[0].thumbprint).toMatch(/^[0-9a-f]{40}$/);
  });

  it("accepts AUTH, DEVICE, FTM, MISP in any case and refuses other domains", async () => {
    const root = await makeCa({ cn: "Domain Root" });
    expect(km.uploadCaCertificate(root.certPem, "fTm")).toEqual({ status: "Upload Success." });
    expect(km.uploadCaCertificate(root.certPem, "misp")).toEqual({ status: "Upload Success." });
    expect(km.uploadCaCertificate(root.certPem, "CRVS")).toEqual(
      err("KER-PCM-011", "Invalid Partner Domain."),
    );
    expect(km.uploadCaCertificate(root.certPem, "")).toEqual(
      err("KER-PCM-011", "Invalid Partner Domain."),
    );
    expect(
      state().caCerts.some((c) => c.domain === "FTM" && c.subject.includes("Domain Root")),
    ).toBe(true);
  });

  it("refuses data that is not a certificate with KER-PCM-001", () => {
    const invalid = err("KER-PCM-001", "Invalid Certificate uploaded.");
    expect(km.uploadCaCertificate("hello", "AUTH")).toEqual(invalid);
    expect(km.uploadCaCertificate("   ", "AUTH")).toEqual(invalid);
    expect(
      km.uploadCaCertificate(
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----",
        "AUTH",
      ),
    ).toEqual(invalid);
  });

  it("refuses expired and not-yet-valid CAs with KER-PCM-004", async () => {
    const expired = await makeCa({
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const future = await makeCa({
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 400 * DAY),
    });
    const dates = err("KER-PCM-004", "Certificate Dates are not valid.");
    expect(km.uploadCaCertificate(expired.certPem, "AUTH")).toEqual(dates);
    expect(km.uploadCaCertificate(future.certPem, "AUTH")).toEqual(dates);
  });

  it("needs the issuer of an intermediate, verified by signature not by name (KER-PCM-005)", async () => {
    const root = await makeCa({ cn: "Inter Test Root", org: "Inter Org" });
    const inter = await makeCa({ cn: "Inter Test Sub", org: "Inter Org", issuer: root });
    const notFound = err("KER-PCM-005", "Root CA Certificate not found.");
    expect(km.uploadCaCertificate(inter.certPem, "AUTH")).toEqual(notFound);
    // An impostor root with the very same subject but another key does not make it chain.
    const impostor = await makeCa({ cn: "Inter Test Root", org: "Inter Org" });
    expect(km.uploadCaCertificate(impostor.certPem, "AUTH")).toEqual({ status: "Upload Success." });
    expect(km.uploadCaCertificate(inter.certPem, "AUTH")).toEqual(notFound);
    // The real root in another domain does not help either.
    expect(km.uploadCaCertificate(root.certPem, "DEVICE")).toEqual({ status: "Upload Success." });
    expect(km.uploadCaCertificate(inter.certPem, "AUTH")).toEqual(notFound);
    expect(km.uploadCaCertificate(root.certPem, "AUTH")).toEqual({ status: "Upload Success." });
    expect(km.uploadCaCertificate(inter.certPem, "AUTH")).toEqual({ status: "Upload Success." });
    const stored = state().caCerts.find(
      (c) => c.domain === "AUTH" && c.certPem.trim() === inter.certPem.trim(),
    );
    const rootRow = state().caCerts.find(
      (c) => c.domain === "AUTH" && c.certPem.trim() === root.certPem.trim(),
    );
    expect(stored?.selfSigned).toBe(false);
    expect(stored?.issuerId).toBe(rootRow?.certId);
  });

  it("uploads bundles with partial success and never throws for one bad certificate in it", async () => {
    const root = await makeCa({ cn: "Bundle Root" });
    const inter = await makeCa({ cn: "Bundle Sub", issuer: root });
    expect(km.uploadCaCertificate(bundle(root.certPem, inter.certPem), "MISP")).toEqual({
      status: "Upload Success.",
    });
    // Root already present + a new sub-CA: partial.
    const inter2 = await makeCa({ cn: "Bundle Sub 2", issuer: root });
    expect(km.uploadCaCertificate(bundle(root.certPem, inter2.certPem), "MISP")).toEqual({
      status: "Partial Upload Success.",
    });
    expect(state().caCerts.some((c) => c.certPem.trim() === inter2.certPem.trim())).toBe(true);
    // Nothing uploadable: failed, as a status (not an error).
    const orphan = await makeCa({ cn: "Orphan Sub", issuer: await makeCa({ cn: "Unknown" }) });
    expect(km.uploadCaCertificate(bundle(root.certPem, orphan.certPem), "MISP")).toEqual({
      status: "Upload Failed.",
    });
    // A base64 P7B listing the sub-CA before its root, as keymanager 1.2.0.1 also accepts.
    const p7Root = await makeCa({ cn: "P7B Root" });
    const p7Sub = await makeCa({ cn: "P7B Sub", issuer: p7Root });
    const p7b = new x509.X509Certificates([
      new x509.X509Certificate(p7Sub.certPem),
      new x509.X509Certificate(p7Root.certPem),
    ]).export("base64");
    expect(km.uploadCaCertificate(p7b, "MISP")).toEqual({ status: "Upload Success." });
    expect(
      state().caCerts.filter(
        (c) =>
          c.domain === "MISP" &&
          [p7Root.certPem.trim(), p7Sub.certPem.trim()].includes(c.certPem.trim()),
      ),
    ).toHaveLength(2);
    // One unparsable block makes the whole data invalid.
    expect(
      km.uploadCaCertificate(
        bundle(inter.certPem, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
        "MISP",
      ),
    ).toEqual(err("KER-PCM-001", "Invalid Certificate uploaded."));
  });
});

describe("partner certificate upload", () => {
  let root: CertAndKey;
  let inter: CertAndKey;
  const org = "CRVS Test Org";

  beforeAll(async () => {
    root = await makeCa({ cn: "Partner Test Root", org: "Partner CA Org" });
    inter = await makeCa({ cn: "Partner Test Sub", org: "Partner CA Org", issuer: root });
    expect(km.uploadCaCertificate(bundle(root.certPem, inter.certPem), "AUTH")).toEqual({
      status: "Upload Success.",
    });
  });

  it("re-signs the leaf's key and subject with the sandbox's MOSIP partner CA", async () => {
    const leaf = await makeLeaf(inter, { cn: "crvs-partner", org });
    const out = km.uploadPartnerCertificate(leaf.certPem, "auth", org, "crvs-partner");
    if (!("signedCertificateData" in out)) throw new Error(JSON.stringify(out));
    expect(out.certificateId).toMatch(/^[0-9a-f-]{36}$/);
    const signed = new X509Certificate(out.signedCertificateData);
    const mosipCa = new X509Certificate(state().partnerCaCertPem);
    expect(signed.verify(mosipCa.publicKey)).toBe(true);
    expect(signed.checkIssued(mosipCa)).toBe(true);
    expect(signed.verify(new X509Certificate(inter.certPem).publicKey)).toBe(false);
    expect(publicKeyDer(out.signedCertificateData).equals(publicKeyDer(leaf.certPem))).toBe(true);
    expect(signed.subject).toBe(leaf.cert.subject);
    expect(signed.issuer).toBe(mosipCa.subject);
    expect(signed.ca).toBe(false);
    expect(versionOf(out.signedCertificateData)).toBe(3);
    expect(new x509.X509Certificate(out.signedCertificateData).subjectName.getField("O")).toEqual([
      org,
    ]);
    // The MOSIP partner CA chains to the sandbox's ROOT.
    expect(mosipCa.verify(new X509Certificate(state().rootCertPem).publicKey)).toBe(true);
    // Valid for keymanager's issuer duration (1 year) from now.
    const days = (Date.parse(signed.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
    const row = state().partnerCerts.find((c) => c.certId === out.certificateId);
    expect(row).toMatchObject({ partnerId: "crvs-partner", organizationName: org, domain: "AUTH" });
    expect(row?.signedCertPem).toBe(out.signedCertificateData);
  });

  it("accepts a leaf issued directly by an uploaded root, and the same leaf again (renewal)", async () => {
    const leaf = await makeLeaf(root, { org });
    const a = km.uploadPartnerCertificate(leaf.certPem, "AUTH", org, "p1");
    const b = km.uploadPartnerCertificate(leaf.certPem, "AUTH", org, "p1");
    expect("certificateId" in a && "certificateId" in b).toBe(true);
    if ("certificateId" in a && "certificateId" in b)
      expect(a.certificateId).not.toBe(b.certificateId);
  });

  it("needs a chain to a CA of the same domain, checked by signature (KER-PCM-006)", async () => {
    const notFound = err("KER-PCM-006", "Root CA/Intermediate CA Certificates not found.");
    const unknownCa = await makeCa({ cn: "Never Uploaded" });
    expect(
      km.uploadPartnerCertificate((await makeLeaf(unknownCa, { org })).certPem, "AUTH", org, "p"),
    ).toEqual(notFound);
    // Chains in AUTH, but uploaded for DEVICE.
    expect(
      km.uploadPartnerCertificate((await makeLeaf(inter, { org })).certPem, "DEVICE", org, "p"),
    ).toEqual(notFound);
    // Same issuer name as the uploaded sub-CA, different key.
    const impostor = await makeCa({ cn: "Partner Test Sub", org: "Partner CA Org" });
    expect(
      km.uploadPartnerCertificate((await makeLeaf(impostor, { org })).certPem, "AUTH", org, "p"),
    ).toEqual(notFound);
  });

  it("compares the subject O= with the organisation name exactly (KER-PCM-008)", async () => {
    const mismatch = err("KER-PCM-008", "Partner Organization Name not Matched.");
    const leaf = await makeLeaf(inter, { org });
    expect(km.uploadPartnerCertificate(leaf.certPem, "AUTH", "Other Org", "p")).toEqual(mismatch);
    expect(km.uploadPartnerCertificate(leaf.certPem, "AUTH", org.toLowerCase(), "p")).toEqual(
      mismatch,
    );
    const noOrg = await makeLeaf(inter, { org: null });
    expect(km.uploadPartnerCertificate(noOrg.certPem, "AUTH", "", "p")).toEqual(mismatch);
  });

  it("refuses RSA keys under 2048 bits (KER-PCM-013)", async () => {
    const leaf = await makeLeaf(inter, { org, keyBits: 1024 });
    expect(km.uploadPartnerCertificate(leaf.certPem, "AUTH", org, "p")).toEqual(
      err("KER-PCM-013", "Partner Certificate Key Size is less than allowed size."),
    );
  });

  it("wants a signature algorithm whose Java name starts with SHA2 (KER-PCM-014)", async () => {
    const notSupported = err(
      "KER-PCM-014",
      "Partner Certificate Signature algorithm not supported.",
    );
    const sha1 = await makeLeaf(inter, { org, sigAlg: "SHA-1" });
    expect(km.uploadPartnerCertificate(sha1.certPem, "AUTH", org, "p")).toEqual(notSupported);
    // keymanager tests `getSigAlgName().startsWith("SHA2")`: SHA512withRSA fails it too.
    const sha512 = await makeLeaf(inter, { org, sigAlg: "SHA-512" });
    expect(km.uploadPartnerCertificate(sha512.certPem, "AUTH", org, "p")).toEqual(notSupported);
    const sha256 = await makeLeaf(inter, { org, sigAlg: "SHA-256" });
    expect("certificateId" in km.uploadPartnerCertificate(sha256.certPem, "AUTH", org, "p")).toBe(
      true,
    );
  });

  it("refuses self-signed partner certificates (KER-PCM-015)", async () => {
    const leaf = await makeLeaf(null, { org, selfSigned: true });
    expect(km.uploadPartnerCertificate(leaf.certPem, "AUTH", org, "p")).toEqual(
      err("KER-PCM-015", "Self Signed Certificate not allowed as partner."),
    );
  });

  it("refuses expired, not yet valid and too short-lived certificates (KER-PCM-004)", async () => {
    const dates = err("KER-PCM-004", "Certificate Dates are not valid.");
    const expired = await makeLeaf(inter, {
      org,
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const future = await makeLeaf(inter, {
      org,
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 800 * DAY),
    });
    // keymanager wants at least 1 year minus 30 days grace left.
    const short = await makeLeaf(inter, { org, days: 200 });
    const enough = await makeLeaf(inter, { org, days: 340 });
    expect(km.uploadPartnerCertificate(expired.certPem, "AUTH", org, "p")).toEqual(dates);
    expect(km.uploadPartnerCertificate(future.certPem, "AUTH", org, "p")).toEqual(dates);
    expect(km.uploadPartnerCertificate(short.certPem, "AUTH", org, "p")).toEqual(dates);
    expect("certificateId" in km.uploadPartnerCertificate(enough.certPem, "AUTH", org, "p")).toBe(
      true,
    );
  });

  it("refuses X.509 v1 certificates (KER-PCM-007)", async () => {
    const v1 = await makeLeaf(inter, { org, version: 1 });
    expect(versionOf(v1.certPem)).toBe(1);
    expect(km.uploadPartnerCertificate(v1.certPem, "AUTH", org, "p")).toEqual(
      err("KER-PCM-007", "Certificate version not supported."),
    );
  });

  it("checks the domain and the data before anything else", async () => {
    const leaf = await makeLeaf(inter, { org });
    expect(km.uploadPartnerCertificate(leaf.certPem, "OTHER", org, "p")).toEqual(
      err("KER-PCM-011", "Invalid Partner Domain."),
    );
    expect(km.uploadPartnerCertificate("not a pem", "AUTH", org, "p")).toEqual(
      err("KER-PCM-001", "Invalid Certificate uploaded."),
    );
  });

  it("never dumps a private key in the state", async () => {
    const res = await fetch(`${sandbox.url}/__sandbox/state`);
    const text = await res.text();
    expect(text).toContain("partnerCaCertPem");
    expect(text).not.toMatch(/PRIVATE KEY/);
  });
});

describe("kernel HTTP endpoints", () => {
  let adminToken: string;
  let residentToken: string;

  async function token(clientId: string, secret: string): Promise<string> {
    const res = await fetch(`${sandbox.url}/auth/realms/mosip/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
      }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  async function post(path: string, tok: string | undefined, request: unknown) {
    const res = await fetch(`${sandbox.url}/v1/keymanager${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(tok ? { cookie: `Authorization=${tok}` } : {}),
      },
      body: JSON.stringify({
        id: "string",
        version: "string",
        requesttime: new Date().toISOString(),
        metadata: {},
        request,
      }),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        id: string | null;
        response: Record<string, string> | null;
        errors: Array<{ errorCode: string; message: string }>;
      },
    };
  }

  beforeAll(async () => {
    const o = sandbox.context.options;
    adminToken = await token(o.adminClientId, o.adminClientSecret);
    const seed = sandbox.context.seed.keycloak as KeycloakSeed;
    residentToken = await token(
      "mosip-resident-client",
      seed.clients["mosip-resident-client"].secret,
    );
  });

  it("uploads a CA and a partner certificate in the kernel envelope", async () => {
    const root = await makeCa({ cn: "HTTP Root" });
    const ca = await post("/uploadCACertificate", adminToken, {
      certificateData: root.certPem,
      partnerDomain: "AUTH",
    });
    expect(ca.status).toBe(200);
    expect(ca.body.errors).toEqual([]);
    expect(ca.body.id).toBe("string");
    expect(ca.body.response?.status).toBe("Upload Success.");
    expect(Date.parse(ca.body.response?.timestamp ?? "")).not.toBeNaN();

    const again = await post("/uploadCACertificate", adminToken, {
      certificateData: root.certPem,
      partnerDomain: "AUTH",
    });
    expect(again.status).toBe(200);
    expect(again.body.response).toBeNull();
    expect(again.body.errors).toEqual([err("KER-PCM-003", "Certificate already exists in store.")]);

    const leaf = await makeLeaf(root, { org: "HTTP Org" });
    const p = await post("/uploadPartnerCertificate", adminToken, {
      certificateData: leaf.certPem,
      organizationName: "HTTP Org",
      partnerDomain: "AUTH",
    });
    expect(p.body.errors).toEqual([]);
    expect(p.body.response?.certificateId).toBeTruthy();
    const signed = new X509Certificate(p.body.response?.signedCertificateData ?? "");
    expect(signed.verify(new X509Certificate(state().partnerCaCertPem).publicKey)).toBe(true);

    const wrong = await post("/uploadPartnerCertificate", adminToken, {
      certificateData: leaf.certPem,
      organizationName: "Not HTTP Org",
      partnerDomain: "AUTH",
    });
    expect(wrong.body.errors.map((e) => e.errorCode)).toEqual(["KER-PCM-008"]);
  });

  it("answers KER-KMS-005 for blank fields", async () => {
    const r = await post("/uploadPartnerCertificate", adminToken, {
      certificateData: "",
      partnerDomain: "AUTH",
    });
    expect(r.status).toBe(200);
    expect(r.body.errors.map((e) => e.errorCode)).toEqual(["KER-KMS-005", "KER-KMS-005"]);
    expect(r.body.errors.map((e) => e.message)).toContain(
      "request.organizationName should not be null or empty",
    );
  });

  it("needs the cookie token (401) and one of keymanager's roles (403)", async () => {
    const root = await makeCa({ cn: "Auth Root" });
    const none = await post("/uploadCACertificate", undefined, {
      certificateData: root.certPem,
      partnerDomain: "AUTH",
    });
    expect(none.status).toBe(401);
    expect(none.body.errors[0].errorCode).toBe("KER-ATH-401");
    // A Bearer header is not what the kernel auth adapter reads.
    const bearer = await fetch(`${sandbox.url}/v1/keymanager/uploadCACertificate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ request: { certificateData: root.certPem, partnerDomain: "AUTH" } }),
    });
    expect(bearer.status).toBe(401);
    const resident = await post("/uploadCACertificate", residentToken, {
      certificateData: root.certPem,
      partnerDomain: "AUTH",
    });
    expect(resident.status).toBe(403);
    expect(resident.body.errors[0].errorCode).toBe("KER-ATH-403");
    expect(state().caCerts.some((c) => c.certPem.trim() === root.certPem.trim())).toBe(false);
  });

  it("serves MOSIP's PMS and ROOT certificates", async () => {
    const res = await fetch(`${sandbox.url}/v1/keymanager/getCertificate?applicationId=PMS`, {
      headers: { cookie: `Authorization=${adminToken}` },
    });
    const body = (await res.json()) as { response: { certificate: string } | null };
    expect(body.response?.certificate).toBe(state().partnerCaCertPem);
  });
});
