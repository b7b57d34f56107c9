// A PMS credential-type mapping (contract §5.5): which policy the credential service follows when it
// issues credentials of one type for one partner. The POST has no body and re-posting the same
// (credential type, partner, policy) overwrites the row, so create is a plain idempotent call.
//
// What MOSIP 1.2.0.1 cannot do, and how this resource handles it:
// - There is no unmap endpoint: delete removes the mapping from the Pulumi state only and says what
//   stays in MOSIP.
// - Posting another policy for the same (partner, credential type) adds a second row (the key
//   includes the policy), after which PMS's read-back and the credential service's lookup, both a
//   single-row query, fail for that pair. So a mapping is never re-pointed: a different policyName
//   for an existing (partner, credential type) fails with an explanation instead of breaking
//   credential issuance.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isErrorCode, MosipError } from "./errors";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";

export interface CredentialTypeMappingArgs {
  /** The (active) partner the credentials are issued for. */
  partnerId: pulumi.Input<string>;
  /** One of PMS's pmp.allowed.credential.types, e.g. "opencrvs" or "vercred". */
  credentialType: pulumi.Input<string>;
  /** The name in MOSIP of a published policy of the partner's group (Policy's `policyName`). */
  policyName: pulumi.Input<string>;
}

export interface CredentialTypeMappingInputs extends Record<string, unknown> {
  partnerId: string;
  credentialType: string;
  policyName: string;
}

/** GET /partners/{partnerId}/credentialtype/{credentialType}/policies (the fields used). */
interface PmsMapping {
  partnerId: string;
  credentialType: string;
  policyId: string;
  policyName: string;
  status: string;
}

const PARTNERS = "/v1/partnermanager/partners";

function mappingPath(partnerId: string, credentialType: string): string {
  return `${PARTNERS}/${encodeURIComponent(partnerId)}/credentialtype/${encodeURIComponent(credentialType)}/policies`;
}

/**
 * The mapping, or undefined on PMS_PRT_064 (no details) / PMS_PRT_005 (no partner). A generic failure
 * (errorCode null) is PMS's single-row query meeting two rows: explained.
 */
async function getMapping(
  ctx: MosipContext,
  partnerId: string,
  credentialType: string,
): Promise<Live<CredentialTypeMappingInputs> | undefined> {
  let m: PmsMapping;
  try {
    m = await ctx.client.kernel<PmsMapping>("GET", mappingPath(partnerId, credentialType));
  } catch (e) {
    if (isErrorCode(e, "PMS_PRT_064") || isErrorCode(e, "PMS_PRT_005")) return undefined;
    if (e instanceof MosipError && !e.errorCode && !e.transient && e.status === 200)
      throw new Error(
        `PMS cannot read the ${credentialType} mapping of partner ${partnerId}: ${e.message}. If the pair was mapped to two policies, credential issuance for it is broken; remove the extra row from pms.partner_policy_credential_type (MOSIP 1.2.0.1 has no unmap endpoint).`,
      );
    throw e;
  }
  return {
    id: `${partnerId}/${credentialType}`,
    inputs: { partnerId, credentialType, policyName: m.policyName },
    extra: { policyId: m.policyId, policyStatus: m.status },
  };
}

function refuseRepoint(live: Live<CredentialTypeMappingInputs>, want: string): never {
  const i = live.inputs;
  throw new Error(
    `credential type "${i.credentialType}" of partner "${i.partnerId}" is mapped to policy "${i.policyName}" in MOSIP, and the program says "${want}". MOSIP 1.2.0.1 cannot re-point it: there is no unmap endpoint, and a second mapping for the pair makes PMS and the credential service fail to pick a policy. Keep policyName "${i.policyName}", or map "${want}" under another credential type (pmp.allowed.credential.types), or remove the row from pms.partner_policy_credential_type by hand first.`,
  );
}

export const credentialTypeMappingSpec: MosipObjectSpec<CredentialTypeMappingInputs> = {
  type: "CredentialTypeMapping",
  revision: "1",
  schema: (zod: typeof z) => {
    const text = (field: string, max: number, what: string) =>
      zod
        .string({ error: `${field} must be a string: ${what}` })
        .max(max, { error: `${field} must be at most ${max} characters` })
        .refine((s) => s.trim().length > 0 && !/[/\s]/.test(s), {
          error: `${field} must not be blank or contain "/" or whitespace (it goes into a URL path): ${what}`,
        });
    return zod.strictObject(
      {
        partnerId: text("partnerId", 36, "the partner's id"),
        credentialType: text(
          "credentialType",
          36,
          'one of pmp.allowed.credential.types, e.g. "opencrvs"',
        ),
        policyName: text("policyName", 128, "the policy's name in MOSIP (Policy.policyName)"),
      },
      {
        error:
          "unknown argument: CredentialTypeMapping takes partnerId, credentialType and policyName",
      },
    );
  },
  describe: (i) => `credential type "${i.credentialType}" of partner "${i.partnerId}"`,
  // Another pair is another mapping. policyName is not listed: a change cannot be made at all, and
  // update says why (a replacement would suggest the old mapping goes away, which it cannot).
  immutable: ["partnerId", "credentialType"],
  deleteBeforeReplace: false,

  find: (ctx, i) => getMapping(ctx, i.partnerId, i.credentialType),

  async read(ctx, id) {
    const at = id.indexOf("/");
    if (at < 0) return undefined;
    return getMapping(ctx, id.slice(0, at), id.slice(at + 1));
  },

  // No body; an idempotent overwrite of the same triple, so the client may retry it.
  async create(ctx, i) {
    await ctx.client.kernel(
      "POST",
      `${mappingPath(i.partnerId, i.credentialType)}/${encodeURIComponent(i.policyName)}`,
      { idempotent: true },
    );
    return getMapping(ctx, i.partnerId, i.credentialType);
  },

  async update(_ctx, live, inputs) {
    if (live.inputs.policyName !== inputs.policyName) refuseRepoint(live, inputs.policyName);
  },

  async delete(ctx, id, state) {
    ctx.warn(
      `removed from the Pulumi state only: the mapping ${id} -> policy "${String(state.policyName ?? "?")}" stays in MOSIP, which has no unmap endpoint (1.2.0.1), so credentials of this type keep following that policy.`,
    );
  },
};

export const credentialTypeMappingProvider = new MosipProvider(credentialTypeMappingSpec);

/**
 * Maps a credential type of a partner to a published policy. Delete only forgets it (MOSIP cannot
 * unmap); pointing an existing mapping at another policy is refused (MOSIP cannot re-point it).
 */
export class CredentialTypeMapping extends MosipResource {
  declare readonly partnerId: pulumi.Output<string>;
  declare readonly credentialType: pulumi.Output<string>;
  declare readonly policyName: pulumi.Output<string>;
  declare readonly policyId: pulumi.Output<string>;
  /** The mapped policy's status ("PUBLISHED"). */
  declare readonly policyStatus: pulumi.Output<string>;

  constructor(name: string, args: CredentialTypeMappingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(credentialTypeMappingSpec.type),
      credentialTypeMappingSpec,
      name,
      {
        partnerId: args.partnerId,
        credentialType: args.credentialType,
        policyName: args.policyName,
      },
      ["policyId", "policyStatus"],
      opts,
    );
  }
}
