// The partner's CA certificate in keymanager's trust store (contract §5.2, §11.1 step 4): uploaded
// through PMS `POST /partners/certificate/ca/upload`. Generated here (certificates.ts) or supplied
// as PEM from the stack config.
//
// What MOSIP 1.2.0.1 lets this resource see and do:
// - No read-back: keymanager 1.2.0.1 has no API that lists or reads CA certificates (1.3.0 adds
//   `POST /getCaCertificates`). `read` therefore returns the stored state: refresh cannot see a CA
//   that was removed from the database by hand. Re-uploading answers "Certificate already exists in
//   store." (KER-PCM-003), which is how a create adopts a CA that is already there.
// - No delete: keymanager keeps CA certificates forever; `delete` only forgets it.
// - Renewal: `diff` replaces the CA when fewer than `renewBeforeDays` are left (renewingProvider).
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { certificateFacts, generateCa } from "./certificates";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";
import { isErrorCode, MosipError } from "./errors";

export interface CaCertificateArgs {
  /** keymanager partner domain (AUTH, DEVICE, FTM, MISP). @default "AUTH" */
  domain?: pulumi.Input<string>;
  /** CN of a generated CA. Ignored when `certificatePem` is given. @default "<organisation> CA" */
  commonName?: pulumi.Input<string>;
  /** O= of a generated CA (required unless `certificatePem` is given). */
  organisation?: pulumi.Input<string>;
  /** Validity of a generated CA. @default 3650 */
  validityDays?: pulumi.Input<number>;
  /** A CA certificate (PEM) to upload instead of generating one; its key is not needed. */
  certificatePem?: pulumi.Input<string>;
  /** Replace (regenerate) the CA when fewer days than this are left. @default 60 */
  renewBeforeDays?: pulumi.Input<number>;
}

export interface CaCertificateInputs extends Record<string, unknown> {
  domain: string;
  commonName?: string;
  organisation?: string;
  validityDays: number;
  certificatePem?: string;
  renewBeforeDays: number;
}

const UPLOAD = "/v1/partnermanager/partners/certificate/ca/upload";

/**
 * Sends a certificate upload until MOSIP answers, re-sending the same certificate after a failure
 * that may or may not have reached MOSIP: keymanager accepts the same certificate again (leaf) or
 * says it is already there (CA, KER-PCM-003), so nothing is stored twice and no new key is made.
 */
export async function uploadSame<T>(
  ctx: MosipContext,
  what: string,
  send: () => Promise<T>,
): Promise<T | "present"> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      if (isErrorCode(e, "KER-PCM-003")) return "present";
      const transient =
        e instanceof MosipError && (e.transient || e.status === undefined || e.status >= 500);
      if (!transient) throw e;
      // Out of attempts: a plain Error, so the base does not call create again (which would
      // generate another key pair instead of re-sending this certificate).
      if (attempt >= 3)
        throw Object.assign(new Error((e as Error).message), { errorCode: e.errorCode });
      ctx.log(`${what} attempt ${attempt} did not complete; sending the same certificate again`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** Days left from an ISO date; undefined when unknown. */
function daysLeftOf(v: unknown): number | undefined {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : Math.floor((t - Date.now()) / 86_400_000);
}

/**
 * The provider with a `diff` that also sees time: a certificate whose `expiresField` (an output in
 * state) has fewer than `renewBeforeDays` days left is replaced, and so is one MOSIP no longer holds
 * (`driftField` differs from `keyField` after a refresh). Everything else is the base's.
 */
export function renewingProvider<I extends Record<string, unknown>>(
  inner: MosipProvider<I>,
  fields: { expires: string; key?: string; drift?: string },
): pulumi.dynamic.ResourceProvider {
  return {
    configure: (req) => inner.configure(req),
    check: (olds, news) => inner.check(olds, news),
    create: (inputs) => inner.create(inputs),
    read: (id, props) => inner.read(id, props),
    update: (id, olds, news) => inner.update(id, olds, news),
    delete: (id, props) => inner.delete(id, props),
    async diff(id, olds, news) {
      const d = await inner.diff(id, olds, news);
      const left = daysLeftOf(olds[fields.expires]);
      const within = Number(news.renewBeforeDays ?? 60);
      const due = left !== undefined && left < within;
      const key = fields.key && olds[fields.key];
      const drifted = !!key && !!fields.drift && !!olds[fields.drift] && olds[fields.drift] !== key;
      if (!due && !drifted) return d;
      const replaces = [...(d.replaces ?? []), due ? fields.expires : fields.drift!];
      return { changes: true, replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    },
  };
}

/** The resource's state, as the base stores it, back in Live form. */
function fromState(id: string, s: Record<string, unknown>): Live<CaCertificateInputs> | undefined {
  if (typeof s.caCertificatePem !== "string") return undefined;
  const inputs: CaCertificateInputs = {
    domain: String(s.domain),
    validityDays: Number(s.validityDays),
    renewBeforeDays: Number(s.renewBeforeDays),
  };
  for (const k of ["commonName", "organisation", "certificatePem"])
    if (typeof s[k] === "string") inputs[k] = s[k];
  const extra: Record<string, unknown> = {};
  for (const k of ["caCertificatePem", "caPrivateKeyPem", "notAfter", "publicKeyFingerprint"])
    extra[k] = s[k];
  extra.uploadStatus = s.uploadStatus;
  return { id, inputs, extra };
}

export const caCertificateSpec: MosipObjectSpec<CaCertificateInputs> = {
  type: "CaCertificate",
  revision: "1",
  secretOutputs: ["caPrivateKeyPem"],
  schema: (zod: typeof z) =>
    zod
      .strictObject(
        {
          domain: zod
            .string()
            .default("AUTH")
            .transform((d) => d.trim().toUpperCase())
            .refine((d) => ["AUTH", "DEVICE", "FTM", "MISP"].includes(d), {
              error:
                "domain must be one of AUTH, DEVICE, FTM, MISP (mosip.kernel.partner.allowed.domains)",
            }),
          commonName: zod.string().min(1).max(64).optional(),
          organisation: zod.string().min(1).max(128).optional(),
          validityDays: zod.number().int().min(400).max(36500).default(3650),
          certificatePem: zod
            .string()
            .optional()
            .superRefine((pem, c) => {
              if (pem === undefined) return;
              try {
                const f = certificateFacts(pem);
                if (f.daysLeft < 0)
                  c.addIssue({ code: "custom", message: `it expired on ${f.notAfter}` });
              } catch (e) {
                c.addIssue({ code: "custom", message: (e as Error).message });
              }
            }),
          renewBeforeDays: zod.number().int().min(0).default(60),
        },
        {
          error:
            "unknown argument: CaCertificate takes domain, commonName, organisation, validityDays, certificatePem, renewBeforeDays",
        },
      )
      .superRefine((v, c) => {
        if (!v.certificatePem && !v.organisation)
          c.addIssue({
            code: "custom",
            path: ["organisation"],
            message:
              "organisation is required to generate a CA: give the O= of the CA (or certificatePem to upload your own CA)",
          });
      }) as unknown as z.ZodType<CaCertificateInputs>,
  describe: (i) => `CA certificate "${i.commonName ?? i.organisation ?? "supplied"}" (${i.domain})`,
  immutable: ["domain", "commonName", "organisation", "validityDays", "certificatePem"],

  // keymanager 1.2.0.1 cannot list CA certificates: nothing to look up. A CA that is already in the
  // store is adopted by create (KER-PCM-003).
  find: async () => undefined,

  read: async (_ctx, id, state) => fromState(id, state),

  async create(ctx, i) {
    const pair = i.certificatePem
      ? { certificatePem: i.certificatePem, privateKeyPem: "" }
      : await generateCa({
          commonName: i.commonName ?? `${i.organisation} CA`,
          organisation: i.organisation!,
          validityDays: i.validityDays,
        });
    ctx.client.redact(pair.privateKeyPem);
    const r = await uploadSame(ctx, "CA upload", () =>
      ctx.client.kernel<{ status?: string }>("POST", UPLOAD, {
        request: { certificateData: pair.certificatePem, partnerDomain: i.domain },
        idempotent: false,
      }),
    );
    const status = r === "present" ? "already present" : String(r?.status ?? "");
    if (r === "present") ctx.log(`already in keymanager's ${i.domain} trust store: adopted`);
    else if (status !== "Upload Success.")
      throw new Error(
        `keymanager answered "${status}" instead of "Upload Success.": a certificate of the bundle was refused (expired, or its issuer is missing). Upload the chain root first.`,
      );
    const f = certificateFacts(pair.certificatePem);
    return {
      id: `${i.domain}/${f.publicKeyFingerprint}`,
      inputs: i,
      extra: {
        caCertificatePem: pair.certificatePem,
        caPrivateKeyPem: pair.privateKeyPem,
        notAfter: f.notAfter,
        publicKeyFingerprint: f.publicKeyFingerprint,
        uploadStatus: status,
      },
    };
  },

  // Only renewBeforeDays is mutable, and it lives in Pulumi's state alone.
  update: async () => undefined,

  async delete(ctx, id) {
    ctx.log(
      `left in keymanager's trust store (${id}): MOSIP 1.2.0.1 has no delete for CA certificates`,
    );
  },
};

export const caCertificateProvider = renewingProvider(new MosipProvider(caCertificateSpec), {
  expires: "notAfter",
});

/**
 * A partner CA in keymanager's trust store (AUTH domain by default), generated (RSA-2048,
 * SHA256withRSA, 10 years) or supplied. Its private key is a secret output that PartnerCertificate
 * signs the partner certificate with. MOSIP cannot read a CA back or delete one: refresh shows the
 * stored state, and destroy leaves it in the store.
 */
export class CaCertificate extends MosipResource {
  declare readonly domain: pulumi.Output<string>;
  /** The CA certificate as uploaded (PEM). */
  declare readonly caCertificatePem: pulumi.Output<string>;
  /** The generated CA's private key (PKCS#8 PEM); empty for a supplied CA. Secret. */
  declare readonly caPrivateKeyPem: pulumi.Output<string>;
  /** notAfter of the CA certificate (ISO 8601). */
  declare readonly notAfter: pulumi.Output<string>;
  declare readonly publicKeyFingerprint: pulumi.Output<string>;
  /** "Upload Success." or "already present". */
  declare readonly uploadStatus: pulumi.Output<string>;

  constructor(name: string, args: CaCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(caCertificateSpec.type),
      caCertificateSpec,
      name,
      { ...args },
      ["caCertificatePem", "caPrivateKeyPem", "notAfter", "publicKeyFingerprint", "uploadStatus"],
      opts,
    );
  }
}
