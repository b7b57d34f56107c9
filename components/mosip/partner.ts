// A PMS partner (contract §5.1): registered (self-registration endpoint, called as the deployment
// client), its contact details converged, deactivated on delete (PMS has no delete for partners).
// Activation is not this resource's business: uploading the partner certificate activates it.
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

export interface PartnerArgs {
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

/** The partner (GET + search row), or undefined on PMS_PRT_005 "Partner does not exist". */
async function getPartner(ctx: MosipContext, id: string): Promise<Live<PartnerInputs> | undefined> {
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
  };
  if (p.policyGroup) inputs.policyGroupName = p.policyGroup;
  return {
    id: p.partnerID,
    inputs,
    extra: {
      status: p.status,
      isActive: p.isActive,
      approvalStatus: row?.approvalStatus ?? null,
      certificateUploaded: Boolean(row?.certificateAlias),
    },
  };
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
  revision: "1",
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
        },
        {
          error:
            "unknown argument: Partner takes partnerId, partnerType, policyGroupName, organisationName, contactEmail, contactPhone and address",
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

  // A partner deactivated earlier (by this stack's delete or by hand) but holding a certificate is
  // brought back: it is declared.
  async find(ctx, inputs) {
    const live = await getPartner(ctx, inputs.partnerId);
    if (!live) return undefined;
    const x = live.extra ?? {};
    if (x.isActive === false && x.certificateUploaded === true) {
      await setStatus(ctx, live.id, "Active");
      ctx.log(`reactivated the deactivated partner`);
      return (await getPartner(ctx, live.id)) ?? live;
    }
    return live;
  },

  read: (ctx, id) => getPartner(ctx, id),

  // PMS_PRT_051: registered meanwhile (a lost answer); the base looks it up.
  async create(ctx, inputs) {
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
  async update(ctx, live, inputs) {
    const id = encodeURIComponent(live.id);
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
    if (inputs.address === live.inputs.address && inputs.contactPhone === live.inputs.contactPhone)
      return;
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
 * or type differ); delete deactivates it.
 */
export class Partner extends MosipResource {
  declare readonly partnerId: pulumi.Output<string>;
  declare readonly partnerType: pulumi.Output<string>;
  declare readonly policyGroupName: pulumi.Output<string | undefined>;
  declare readonly organisationName: pulumi.Output<string>;
  declare readonly contactEmail: pulumi.Output<string>;
  declare readonly contactPhone: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string>;
  /** "active" or "De-active" as PMS reports it. */
  declare readonly status: pulumi.Output<string>;
  /** True once the partner certificate is uploaded (and until deactivated). */
  declare readonly isActive: pulumi.Output<boolean>;
  /** "InProgress" until the certificate is uploaded, then "approved". */
  declare readonly approvalStatus: pulumi.Output<string | null>;
  declare readonly certificateUploaded: pulumi.Output<boolean>;

  constructor(name: string, args: PartnerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      partnerProvider,
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
      },
      ["status", "isActive", "approvalStatus", "certificateUploaded"],
      opts,
    );
  }
}
