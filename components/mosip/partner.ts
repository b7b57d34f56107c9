// A PMS partner (contract §5.1): registered (self-registration endpoint, called as the deployment
// client), its contact details converged, deactivated on delete (PMS has no delete for partners).
//
// `active` is a declared input (default true), like every MOSIP object of the stack with an active
// flag: a partner deactivated by hand is drift that refresh reports (`active: true => false`) and
// `up` repairs (PATCH status Active). The first activation is not this resource's business: PMS
// registers a partner inactive and uploading its certificate (PartnerCertificate, later in the same
// up) activates it; a partner cannot be activated before that (PMS_PRT_108). So read reports
// `active` as "not deactivated": false only for a partner that is inactive although its
// certificate is uploaded. A partner waiting for its certificate reads as active: true, so create
// and the certificate upload agree with refresh (no drift on a freshly converged stack). Such a
// partner cannot be declared active: false: PMS has no state for it (it is inactive anyway, and
// the upload would activate it), and saying so beats a diff that never settles.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isErrorCode } from "./errors";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";

export interface PartnerArgs {
  /**
   * Whether the partner is active (default true). False deactivates it (PATCH status De-Active,
   * as a destroy does); true reactivates one deactivated by hand. False is only for a partner whose
   * certificate is uploaded: the certificate upload is what first activates a partner.
   */
  active?: pulumi.Input<boolean>;
  /** The partner id: also the Keycloak client id and WebSub topic prefix. At most 36 characters. */
  partnerId: pulumi.Input<string>;
  /** PMS partner type code, e.g. Credential_Partner, Auth_Partner, MISP_Partner. */
  partnerType: pulumi.Input<string>;
  /** Policy group name; required for the types that need one (Credential_Partner, Auth_Partner...). */
  policyGroupName?: pulumi.Input<string>;
  /** PMS organizationName; must equal the O= of the partner certificate. Immutable. */
  organisationName: pulumi.Input<string>;
  /** PMS emailId, unique among partners. Immutable. */
  contactEmail: pulumi.Input<string>;
  /** PMS contactNumber, at most 16 characters. */
  contactPhone: pulumi.Input<string>;
  /** Postal address, 1..2000 characters. */
  address: pulumi.Input<string>;
}

export interface PartnerInputs extends Record<string, unknown> {
  partnerId: string;
  partnerType: string;
  policyGroupName?: string;
  organisationName: string;
  contactEmail: string;
  contactPhone: string;
  address: string;
  /** Not deactivated: see the header. */
  active: boolean;
}

/** GET /partners/{partnerId}. */
interface PmsPartner {
  partnerID: string;
  status: string;
  organizationName: string;
  contactNumber: string;
  emailId: string;
  address: string;
  partnerType: string;
  policyGroup: string | null;
  isActive: boolean;
}
/** A row of POST /partners/search: the only read with approvalStatus and certificateAlias. */
interface PmsPartnerRow {
  id: string;
  approvalStatus?: string;
  certificateAlias?: string | null;
}

const PARTNERS = "/v1/partnermanager/partners";

/**
 * The partner (GET + search row) and whether its certificate is uploaded, or undefined on
 * PMS_PRT_005 "Partner does not exist".
 */
async function readPartner(
  ctx: MosipContext,
  id: string,
): Promise<{ live: Live<PartnerInputs>; certificate: boolean } | undefined> {
  let p: PmsPartner;
  try {
    p = await ctx.client.kernel<PmsPartner>("GET", `${PARTNERS}/${encodeURIComponent(id)}`);
  } catch (e) {
    if (isErrorCode(e, "PMS_PRT_005")) return undefined;
    throw e;
  }
  const found = await ctx.client.kernel<{ data?: PmsPartnerRow[] }>("POST", `${PARTNERS}/search`, {
    request: {
      partnerType: "all",
      filters: [{ columnName: "id", type: "equals", value: id }],
      sort: [],
      pagination: { pageStart: 0, pageFetch: 10 },
    },
    idempotent: true,
  });
  const row = (found?.data ?? []).find((r) => r.id === id);
  const inputs: PartnerInputs = {
    partnerId: p.partnerID,
    partnerType: p.partnerType,
    organisationName: p.organizationName,
    contactEmail: p.emailId,
    contactPhone: p.contactNumber,
    address: p.address,
    // Before its certificate a partner is inactive too; that is not deactivation.
    active: p.isActive || !row?.certificateAlias,
  };
  if (p.policyGroup) inputs.policyGroupName = p.policyGroup;
  // Not an output: the upload changes it (it would be drift on every fresh stack).
  return { live: { id: p.partnerID, inputs }, certificate: Boolean(row?.certificateAlias) };
}

async function getPartner(ctx: MosipContext, id: string): Promise<Live<PartnerInputs> | undefined> {
  return (await readPartner(ctx, id))?.live;
}

/** A partner without a certificate cannot be held deactivated (see the header). */
function noInactiveWithoutCertificate(): Error {
  return new Error(
    `the partner has no certificate uploaded yet, so it cannot be declared active: false: MOSIP registers a partner inactive and the certificate upload activates it, so it has no deactivated state before that. Declare active: true (the default) until its certificate is uploaded (PartnerCertificate), then set active: false to deactivate it.`,
  );
}

async function setStatus(ctx: MosipContext, id: string, status: "Active" | "De-Active") {
  await ctx.client.kernel("PATCH", `${PARTNERS}/${encodeURIComponent(id)}`, {
    request: { status },
  });
}

/** PMS partner types (pms-partner_type.csv) and whether each needs a policy group. */
function partnerTypes(): Record<string, boolean> {
  return {
    Auth_Partner: true,
    Device_Provider: false,
    Credential_Partner: true,
    Partner_Admin: false,
    FTM_Provider: false,
    Online_Verification_Partner: true,
    ABIS_Partner: true,
    Manual_Adjudication: true,
    MISP_Partner: false,
    Internal_Partner: true,
    SDK_Partner: false,
    Print_Partner: true,
  };
}

export const partnerSpec: MosipObjectSpec<PartnerInputs> = {
  type: "Partner",
  // 2: status, isActive, approvalStatus and certificateUploaded gave way to deactivated.
  // 3: deactivated gave way to the declared input active.
  revision: "3",
  schema: (zod: typeof z) => {
    const text = (field: string, max: number, what: string) =>
      zod
        .string({ error: `${field} must be a string: ${what}` })
        .max(max, { error: `${field} must be at most ${max} characters (PMS rejects longer)` })
        .refine((s) => s.trim().length > 0, {
          error: `${field} must not be blank (PMS requires it): ${what}`,
        });
    const types = partnerTypes();
    return zod
      .strictObject(
        {
          partnerId: text("partnerId", 36, 'e.g. "opencrvs-partner"').refine((s) => !/\s/.test(s), {
            error: "partnerId must not contain whitespace (PMS_PRT_066)",
          }),
          partnerType: zod.enum(Object.keys(types), {
            error: `partnerType must be one of ${Object.keys(types).join(", ")} (exact spelling)`,
          }),
          policyGroupName: text("policyGroupName", 128, "the partner's policy group").optional(),
          organisationName: text(
            "organisationName",
            128,
            "the organisation; must equal the O= of its certificate",
          ),
          // pmp.partner.valid.email.address.regex (1.2.0.1)
          contactEmail: text("contactEmail", 254, "the partner's contact email").refine(
            (s) => /^[\w\-+]+(\.\w+)*@[\w-]+(\.\w+)*(\.[a-z]{2,})$/.test(s),
            { error: "contactEmail is not an address PMS accepts (lower-case top-level domain)" },
          ),
          contactPhone: text("contactPhone", 16, "a phone number (PMS_PRT_013 above 16)"),
          address: text("address", 2000, "the postal address"),
          active: zod
            .boolean({ error: "active must be true or false (false deactivates the partner)" })
            .default(true),
        },
        {
          error:
            "unknown argument: Partner takes partnerId, partnerType, policyGroupName, organisationName, contactEmail, contactPhone, address and active",
        },
      )
      .superRefine((v, rc) => {
        if (types[v.partnerType] && !v.policyGroupName)
          rc.addIssue({
            code: "custom",
            path: ["policyGroupName"],
            message: `policyGroupName is required for ${v.partnerType} (PMS_PRT_108): name the partner's policy group`,
          });
      }) as unknown as z.ZodType<PartnerInputs>;
  },
  describe: (i) => `partner "${i.partnerId}"`,
  // PMS offers no way to change these after registration (§5.1).
  immutable: ["partnerId", "partnerType", "organisationName", "contactEmail"],
  // A changed partnerId is a new partner; the old one is deactivated afterwards. A changed
  // immutable field with the same partnerId fails on create (adoption names the fields) before
  // anything is deactivated.
  deleteBeforeReplace: false,

  // A partner deactivated earlier (by this stack's delete or by hand) reads as active: false; the
  // base's adoption converges that like any other mutable field (update reactivates it).
  find: (ctx, inputs) => getPartner(ctx, inputs.partnerId),

  read: (ctx, id) => getPartner(ctx, id),

  // PMS_PRT_051: registered meanwhile (a lost answer); the base looks it up.
  async create(ctx, inputs) {
    // Checked before anything is registered: a new partner has no certificate.
    if (inputs.active === false) throw noInactiveWithoutCertificate();
    try {
      await ctx.client.kernel("POST", PARTNERS, {
        request: {
          partnerId: inputs.partnerId,
          policyGroup: inputs.policyGroupName ?? "",
          organizationName: inputs.organisationName,
          address: inputs.address,
          contactNumber: inputs.contactPhone,
          emailId: inputs.contactEmail,
          partnerType: inputs.partnerType,
        },
        idempotent: false,
      });
    } catch (e) {
      if (isErrorCode(e, "PMS_PRT_051")) return undefined;
      if (isErrorCode(e, "PMS_PRT_011"))
        throw new Error(
          `PMS refused the registration: the email ${inputs.contactEmail} already belongs to another partner (PMS_PRT_011). Give each partner its own contactEmail.`,
        );
      throw e;
    }
    return getPartner(ctx, inputs.partnerId);
  },

  // PUT /partners/{id} would reset the logo and additionalInfo someone may have set in the portal;
  // the v2 PUT carries them over, read from the v2 list (the only read that returns them).
  // Deactivation comes first and reactivation last, so a policy group move (only allowed while the
  // partner is not active, PMS_PRT_050) happens while it is inactive. An absent `active` (inputs
  // that did not go through check) means the default, true.
  async update(ctx, live, inputs) {
    const id = encodeURIComponent(live.id);
    const active = inputs.active !== false;
    if (!active && live.inputs.active) {
      if (!(await readPartner(ctx, live.id))?.certificate) throw noInactiveWithoutCertificate();
      await setStatus(ctx, live.id, "De-Active");
      ctx.log(`deactivated (declared active: false)`);
    }
    if ((inputs.policyGroupName ?? "") !== (live.inputs.policyGroupName ?? "")) {
      if (!inputs.policyGroupName)
        throw new Error(`MOSIP cannot remove a partner's policy group; declare one`);
      try {
        await ctx.client.kernel(
          "PUT",
          `${PARTNERS}/${id}/policygroup/${encodeURIComponent(inputs.policyGroupName)}`,
        );
      } catch (e) {
        if (isErrorCode(e, "PMS_PRT_050"))
          throw new Error(
            `MOSIP cannot move an active partner to another policy group (PMS_PRT_050): it has group "${live.inputs.policyGroupName}". Declare that group, or use a new partnerId.`,
          );
        throw e;
      }
    }
    if (
      inputs.address !== live.inputs.address ||
      inputs.contactPhone !== live.inputs.contactPhone
    ) {
      const list = await ctx.client.kernel<{
        partners?: { partnerID: string; logoUrl?: string | null; additionalInfo?: unknown }[];
      }>("GET", `${PARTNERS}/v2`, { query: { partnerType: live.inputs.partnerType } });
      const mine = (list?.partners ?? []).find((p) => p.partnerID === live.id);
      await ctx.client.kernel("PUT", `${PARTNERS}/v2/${id}`, {
        request: {
          address: inputs.address,
          contactNumber: inputs.contactPhone,
          logoUrl: mine?.logoUrl ?? null,
          additionalInfo: mine?.additionalInfo ?? [],
        },
      });
    }
    // live.inputs.active is false only for a partner with its certificate: PMS accepts this.
    if (active && !live.inputs.active) {
      await setStatus(ctx, live.id, "Active");
      ctx.log(`reactivated the deactivated partner`);
    }
  },

  // PMS has no delete for partners (any 1.2.x): deactivate. Its certificate, mappings and keys stay.
  // PMS_PMP_005: already gone.
  async delete(ctx, id) {
    try {
      await setStatus(ctx, id, "De-Active");
      ctx.log(`deactivated (MOSIP has no delete for partners); a later create reactivates it`);
    } catch (e) {
      if (isErrorCode(e, "PMS_PMP_005")) return;
      throw e;
    }
  },
};

export const partnerProvider = new MosipProvider(partnerSpec);

/**
 * A PMS partner. Creating one whose partnerId exists adopts it (failing if its organisation, email
 * or type differ; reactivating it if it was deactivated); delete deactivates it.
 */
export class Partner extends MosipResource {
  declare readonly partnerId: pulumi.Output<string>;
  declare readonly partnerType: pulumi.Output<string>;
  declare readonly policyGroupName: pulumi.Output<string | undefined>;
  declare readonly organisationName: pulumi.Output<string>;
  declare readonly contactEmail: pulumi.Output<string>;
  declare readonly contactPhone: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string>;
  /**
   * False when PMS reports the partner inactive although its certificate is uploaded: deactivated
   * (by hand, or by this stack's delete). True before the upload and while active, so the upload
   * (PartnerCertificate) does not show as drift. `pulumi refresh` reports a deactivation here and
   * the next `pulumi up` reactivates the partner unless `active: false` is declared.
   */
  declare readonly active: pulumi.Output<boolean>;

  constructor(name: string, args: PartnerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(partnerSpec.type),
      partnerSpec,
      name,
      {
        partnerId: args.partnerId,
        partnerType: args.partnerType,
        policyGroupName: args.policyGroupName,
        organisationName: args.organisationName,
        contactEmail: args.contactEmail,
        contactPhone: args.contactPhone,
        address: args.address,
        active: args.active,
      },
      [],
      opts,
    );
  }
}
