// The partner's own (leaf) certificate (contract §5.2, §11.1 step 5): a key pair and a certificate
// whose O= is the partner's organisation name, signed by the partner's CA (CaCertificate), uploaded
// through PMS `POST /partners/certificate/upload`. keymanager re-signs it with MOSIP's partner CA;
// the upload makes the partner active. The private key decrypts the credentials MOSIP shares with
// the partner, so it is a secret output that flows into the adapter's Secret.
//
// What MOSIP 1.2.0.1 lets this resource see and do:
// - Read-back: `GET /partners/{partnerId}/certificate` gives the MOSIP-signed certificate; it is
//   compared with ours by public key. When MOSIP holds another key (someone uploaded another
//   certificate) `diff` replaces the resource, which uploads a certificate again.
// - Expiry: the MOSIP-signed certificate lives 1 year (`...issuer.certificate.duration.years`), the
//   generated leaf 2; when the earlier end is fewer than `renewBeforeDays` away, `diff` replaces it
//   (a new key pair and certificate; the adapter's Secret follows the new key).
// - No delete: keymanager keeps partner certificates; `delete` only forgets it (to retire a partner,
//   deactivate the Partner).
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { renewingProvider, uploadSame } from "./ca-certificate";
import { caKeyMatches, certificateFacts, generatePartnerCertificate } from "./certificates";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";
import { isErrorCode } from "./errors";

export interface PartnerCertificateArgs {
  /** The PMS partner id. */
  partnerId: pulumi.Input<string>;
  /** The partner's organisationName in PMS: the certificate's O= must equal it exactly. */
  organisationName: pulumi.Input<string>;
  /** keymanager partner domain. @default "AUTH" */
  domain?: pulumi.Input<string>;
  /** To generate: the CA that signs the partner certificate (CaCertificate.caCertificatePem). */
  caCertificatePem?: pulumi.Input<string>;
  /** To generate: the CA's private key (CaCertificate.caPrivateKeyPem, secret). */
  caPrivateKeyPem?: pulumi.Input<string>;
  /** To supply instead: the partner certificate (PEM), signed by a CA already uploaded. */
  certificatePem?: pulumi.Input<string>;
  /** To supply instead: its private key (PEM); pass a secret (config.requireSecret). */
  privateKeyPem?: pulumi.Input<string>;
  /** CN of a generated certificate. @default partnerId */
  commonName?: pulumi.Input<string>;
  /** Validity of a generated certificate: at least 335 days for keymanager. @default 730 */
  validityDays?: pulumi.Input<number>;
  /** Replace the certificate when fewer days than this are left. @default 60 */
  renewBeforeDays?: pulumi.Input<number>;
}

export interface PartnerCertificateInputs extends Record<string, unknown> {
  partnerId: string;
  organisationName: string;
  domain: string;
  caCertificatePem?: string;
  caPrivateKeyPem?: string;
  certificatePem?: string;
  privateKeyPem?: string;
  commonName?: string;
  validityDays: number;
  renewBeforeDays: number;
}

const PMS = "/v1/partnermanager/partners";
const OUTPUTS = [
  "partnerCertificatePem",
  "partnerPrivateKeyPem",
  "signedCertificatePem",
  "certificateId",
  "publicKeyFingerprint",
  "mosipPublicKeyFingerprint",
  "expiresAt",
];

/** The partner's certificate as MOSIP holds it (MOSIP-signed); undefined when there is none. */
async function mosipCertificate(
  ctx: MosipContext,
  partnerId: string,
): Promise<{ pem: string } | undefined> {
  try {
    const r = await ctx.client.kernel<{ certificateData?: string }>(
      "GET",
      `${PMS}/${encodeURIComponent(partnerId)}/certificate`,
    );
    return r?.certificateData ? { pem: r.certificateData } : undefined;
  } catch (e) {
    // PMS_PRT_005: no such partner; PMS_PRT_108: no certificate uploaded for it.
    if (isErrorCode(e, "PMS_PRT_005") || isErrorCode(e, "PMS_PRT_108")) return undefined;
    throw e;
  }
}

/** The earlier end of the uploaded and the MOSIP-signed certificate. */
function earliest(...pems: string[]): string {
  return pems
    .map((p) => certificateFacts(p).notAfter)
    .sort()
    .shift()!;
}

function live(
  i: PartnerCertificateInputs,
  pair: { certificatePem: string; privateKeyPem: string },
  signedPem: string,
  certificateId: unknown,
): Live<PartnerCertificateInputs> {
  const fp = certificateFacts(pair.certificatePem).publicKeyFingerprint;
  return {
    id: `${i.partnerId}/${fp}`,
    inputs: i,
    extra: {
      partnerCertificatePem: pair.certificatePem,
      partnerPrivateKeyPem: pair.privateKeyPem,
      signedCertificatePem: signedPem,
      certificateId: certificateId ?? "",
      publicKeyFingerprint: fp,
      mosipPublicKeyFingerprint: certificateFacts(signedPem).publicKeyFingerprint,
      expiresAt: earliest(pair.certificatePem, signedPem),
    },
  };
}

const isPem = (v: unknown) => typeof v === "string" && v.includes("-----BEGIN");

export const partnerCertificateSpec: MosipObjectSpec<PartnerCertificateInputs> = {
  type: "PartnerCertificate",
  revision: "1",
  secretOutputs: ["partnerPrivateKeyPem", "caPrivateKeyPem", "privateKeyPem"],
  // Cross-field rules run only on known PEM text: during a preview the CA's outputs are unknown.
  schema: (zod: typeof z) =>
    zod
      .strictObject(
        {
          partnerId: zod.string().min(1).max(36),
          organisationName: zod.string().min(1).max(128),
          domain: zod
            .string()
            .default("AUTH")
            .transform((d) => d.trim().toUpperCase())
            .refine((d) => ["AUTH", "DEVICE", "FTM", "MISP"].includes(d), {
              error: "domain must be one of AUTH, DEVICE, FTM, MISP",
            }),
          caCertificatePem: zod.string().optional(),
          caPrivateKeyPem: zod.string().optional(),
          certificatePem: zod.string().optional(),
          privateKeyPem: zod.string().optional(),
          commonName: zod.string().min(1).max(64).optional(),
          validityDays: zod.number().int().min(335).max(3650).default(730),
          renewBeforeDays: zod.number().int().min(0).default(60),
        },
        {
          error:
            "unknown argument: PartnerCertificate takes partnerId, organisationName, domain, caCertificatePem + caPrivateKeyPem (to generate) or certificatePem + privateKeyPem (to supply), commonName, validityDays, renewBeforeDays",
        },
      )
      .superRefine((v, c) => {
        const issue = (path: string, message: string) =>
          c.addIssue({ code: "custom", path: [path], message });
        const gen = v.caCertificatePem !== undefined || v.caPrivateKeyPem !== undefined;
        const own = v.certificatePem !== undefined || v.privateKeyPem !== undefined;
        if (gen === own) {
          issue(
            gen ? "certificatePem" : "caCertificatePem",
            "give either caCertificatePem + caPrivateKeyPem (to generate the partner certificate) or certificatePem + privateKeyPem (to upload your own), not both",
          );
          return;
        }
        const [cert, key, certName, keyName] = gen
          ? [v.caCertificatePem, v.caPrivateKeyPem, "caCertificatePem", "caPrivateKeyPem"]
          : [v.certificatePem, v.privateKeyPem, "certificatePem", "privateKeyPem"];
        if (cert === undefined || key === undefined) {
          issue(cert === undefined ? certName : keyName, `${certName} and ${keyName} go together`);
          return;
        }
        if (!isPem(cert) || !isPem(key)) return;
        let f;
        try {
          f = certificateFacts(cert);
        } catch (e) {
          issue(certName, `${certName}: ${(e as Error).message}`);
          return;
        }
        if (!caKeyMatches({ certificatePem: cert, privateKeyPem: key }))
          issue(keyName, `${keyName} is not the private key of ${certName}`);
        if (gen) return;
        if (f.organisation !== v.organisationName)
          issue(
            certName,
            `the certificate's O= is "${f.organisation}" but organisationName is "${v.organisationName}"; keymanager requires them equal (KER-PCM-008)`,
          );
        if (f.daysLeft < 335)
          issue(
            certName,
            `the certificate has ${f.daysLeft} days left; keymanager refuses fewer than 335 (KER-PCM-004): issue a new one`,
          );
        if (f.keyBits < 2048)
          issue(
            certName,
            `RSA-${f.keyBits} is too small: keymanager needs 2048 bits (KER-PCM-013)`,
          );
        if (f.selfSigned)
          issue(
            certName,
            "a self-signed certificate is refused (KER-PCM-015): sign it with your CA",
          );
      }) as unknown as z.ZodType<PartnerCertificateInputs>,
  describe: (i) => `certificate of partner "${i.partnerId}"`,
  immutable: [
    "partnerId",
    "organisationName",
    "domain",
    "caCertificatePem",
    "caPrivateKeyPem",
    "certificatePem",
    "privateKeyPem",
    "commonName",
    "validityDays",
  ],

  // Only a supplied certificate can be recognised in MOSIP (by its public key); a generated one is
  // new by definition, and re-uploading is what keymanager expects for a renewal.
  async find(ctx, i) {
    if (!i.certificatePem || !i.privateKeyPem) return undefined;
    const m = await mosipCertificate(ctx, i.partnerId);
    if (!m) return undefined;
    const want = certificateFacts(i.certificatePem).publicKeyFingerprint;
    if (certificateFacts(m.pem).publicKeyFingerprint !== want) return undefined;
    return live(i, { certificatePem: i.certificatePem, privateKeyPem: i.privateKeyPem }, m.pem, "");
  },

  async read(ctx, id, s) {
    const m = await mosipCertificate(ctx, String(s.partnerId));
    if (!m || typeof s.partnerCertificatePem !== "string") return undefined;
    const inputs = Object.fromEntries(
      [
        "partnerId",
        "organisationName",
        "domain",
        "caCertificatePem",
        "caPrivateKeyPem",
        "certificatePem",
        "privateKeyPem",
        "commonName",
        "validityDays",
        "renewBeforeDays",
      ]
        .filter((k) => s[k] !== undefined)
        .map((k) => [k, s[k]]),
    ) as PartnerCertificateInputs;
    const out = live(
      inputs,
      { certificatePem: s.partnerCertificatePem, privateKeyPem: String(s.partnerPrivateKeyPem) },
      m.pem,
      s.certificateId,
    );
    out.id = id;
    if (out.extra!.mosipPublicKeyFingerprint !== out.extra!.publicKeyFingerprint) {
      out.extra!.signedCertificatePem = s.signedCertificatePem;
      ctx.warn(
        "MOSIP now holds another key for this partner (another certificate was uploaded); the next `pulumi up` replaces this resource, which uploads a certificate again",
      );
    }
    const left = Math.floor((Date.parse(String(out.extra!.expiresAt)) - Date.now()) / 86_400_000);
    if (left < inputs.renewBeforeDays)
      ctx.warn(`expires in ${left} days; the next \`pulumi up\` renews it`);
    return out;
  },

  async create(ctx, i) {
    const pair =
      i.certificatePem && i.privateKeyPem
        ? { certificatePem: i.certificatePem, privateKeyPem: i.privateKeyPem }
        : await generatePartnerCertificate({
            ca: { certificatePem: i.caCertificatePem!, privateKeyPem: i.caPrivateKeyPem! },
            commonName: i.commonName ?? i.partnerId,
            organisation: i.organisationName,
            validityDays: i.validityDays,
          });
    ctx.client.redact(pair.privateKeyPem, i.caPrivateKeyPem ?? "");
    const r = await uploadSame(ctx, "certificate upload", () =>
      ctx.client.kernel<{ signedCertificateData?: string; certificateId?: string }>(
        "POST",
        `${PMS}/certificate/upload`,
        {
          request: {
            partnerId: i.partnerId,
            certificateData: pair.certificatePem,
            partnerDomain: i.domain,
          },
          idempotent: false,
        },
      ),
    );
    const signed = r !== "present" ? r?.signedCertificateData : undefined;
    if (!signed)
      throw new Error(
        "PMS accepted the certificate but answered no signedCertificateData; check the partner manager's logs",
      );
    return live(i, pair, signed, r !== "present" ? r.certificateId : "");
  },

  // Only renewBeforeDays is mutable, and it lives in Pulumi's state alone.
  update: async () => undefined,

  async delete(ctx, id) {
    ctx.log(
      `left with the partner in MOSIP (${id}): keymanager 1.2.0.1 has no delete for partner certificates; deactivate the partner to retire it`,
    );
  },
};

export const partnerCertificateProvider = renewingProvider(
  new MosipProvider(partnerCertificateSpec),
  { expires: "expiresAt", key: "publicKeyFingerprint", drift: "mosipPublicKeyFingerprint" },
);

/**
 * A PMS partner's certificate: generated (new RSA-2048 key, O= the organisation name, signed by the
 * partner CA) or supplied, uploaded to PMS, which activates the partner. Replaced when MOSIP holds
 * another key for the partner or when it nears its end (renewBeforeDays).
 */
export class PartnerCertificate extends MosipResource {
  declare readonly partnerId: pulumi.Output<string>;
  /** The certificate uploaded (PEM). */
  declare readonly partnerCertificatePem: pulumi.Output<string>;
  /** Its private key (PKCS#8 PEM): decrypts the partner's credentials. Secret. */
  declare readonly partnerPrivateKeyPem: pulumi.Output<string>;
  /** The same key, certified by MOSIP's partner CA (what PMS returns and shares with IDA). */
  declare readonly signedCertificatePem: pulumi.Output<string>;
  declare readonly certificateId: pulumi.Output<string>;
  declare readonly publicKeyFingerprint: pulumi.Output<string>;
  /** The key MOSIP held for the partner at the last read. */
  declare readonly mosipPublicKeyFingerprint: pulumi.Output<string>;
  /** The earlier notAfter of the uploaded and the MOSIP-signed certificate (ISO 8601). */
  declare readonly expiresAt: pulumi.Output<string>;

  constructor(name: string, args: PartnerCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(partnerCertificateSpec.type),
      partnerCertificateSpec,
      name,
      { ...args },
      OUTPUTS,
      opts,
    );
  }
}
