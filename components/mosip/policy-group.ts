// A PMS policy group (contract §4.1): the container a partner's policies live in.
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

export interface PolicyGroupArgs {
  /** The group's name, unique in PMS (case-sensitive). Changing it replaces the group. */
  name: pulumi.Input<string>;
  /** Free text shown in the PMS portal (1..128 characters). */
  description: pulumi.Input<string>;
}

/** Plain inputs, as the provider methods see them. */
export interface PolicyGroupInputs extends Record<string, unknown> {
  name: string;
  description: string;
}

/** What goes into state besides the inputs. */
export interface PolicyGroupOutputs extends PolicyGroupInputs {
  policyGroupId: string;
  active: boolean;
  revision: string;
}

/** PMS's PolicyGroup entity (GET /policies/group/{id} -> policyGroup). */
interface PmsPolicyGroup {
  id: string;
  name: string;
  desc: string;
  isActive: boolean;
}
/** GET /policies/group/{id} and each entry of GET /policies/group/all. */
interface PmsGroupWithPolicies {
  policyGroup: PmsPolicyGroup;
  policies?: { policyId?: string; policyName?: string; status?: string; is_Active?: boolean }[];
}

const BASE = "/v1/policymanager/policies/group";

function toLive(g: PmsPolicyGroup): Live<PolicyGroupInputs> {
  return {
    id: g.id,
    inputs: { name: g.name, description: g.desc },
    extra: { policyGroupId: g.id, active: g.isActive },
  };
}

async function getGroup(ctx: MosipContext, id: string): Promise<PmsGroupWithPolicies | undefined> {
  try {
    return await ctx.client.kernel<PmsGroupWithPolicies>(
      "GET",
      `${BASE}/${encodeURIComponent(id)}`,
    );
  } catch (e) {
    if (isErrorCode(e, "PMS_POL_016")) return undefined; // Policy Group ID does not exist
    throw e;
  }
}

/** Published policies block deactivation (PMS_POL_056). */
const published = (g: PmsGroupWithPolicies) =>
  (g.policies ?? []).filter((p) => p.is_Active === true || p.status === "PUBLISHED");

/** The object-specific half of the provider; the rest is in dynamic.ts. */
export const policyGroupSpec: MosipObjectSpec<PolicyGroupInputs> = {
  type: "PolicyGroup",
  revision: "1",
  // PMS: @NotBlank, 1..128 characters, for both fields. (Comments stay outside the function bodies
  // in this object: a body's text, comments included, is copied into every resource's state.)
  schema: (zod: typeof z) => {
    const text = (field: string, what: string) =>
      zod
        .string({ error: `${field} must be a string: ${what}` })
        .max(128, { error: `${field} must be at most 128 characters (PMS rejects longer)` })
        .refine((s) => s.trim().length > 0, {
          error: `${field} must not be blank (PMS requires it): ${what}`,
        });
    return zod.strictObject(
      {
        name: text("name", 'give the policy group\'s name, e.g. "crvs-policy-group"'),
        description: text("description", "describe what the group is for"),
      },
      { error: "unknown argument: PolicyGroup takes name and description" },
    );
  },
  describe: (i) => `policy group "${i.name}"`,
  // The name is the natural key: partners and policies refer to the group by name
  // (policyGroupName), so a rename is a new group rather than an in-place PUT.
  immutable: ["name"],
  // A new name cannot collide with the old group, so the replacement is created first and the old
  // group is only deactivated once nothing points at it any more.
  deleteBeforeReplace: false,

  // GET /policies/group/all lists every group, active or not; PMS's name match is exact and
  // case-sensitive (findByName), so compare the same way. An inactive group (deactivated by this
  // stack's delete, or by hand) is reactivated rather than failing with PMS_POL_014 "exists".
  async find(ctx, inputs) {
    const all = await ctx.client.kernel<PmsGroupWithPolicies[]>("GET", `${BASE}/all`);
    const hit = (all ?? []).find((g) => g.policyGroup?.name === inputs.name);
    if (!hit) return undefined;
    if (!hit.policyGroup.isActive) {
      await ctx.client.kernel("PUT", `${BASE}/${encodeURIComponent(hit.policyGroup.id)}`, {
        request: { name: hit.policyGroup.name, desc: hit.policyGroup.desc, isActive: true },
      });
      ctx.log(`reactivated the inactive group (id ${hit.policyGroup.id})`);
      return toLive({ ...hit.policyGroup, isActive: true });
    }
    return toLive(hit.policyGroup);
  },

  // 1.2.0.1 cannot delete a group; this stack's delete deactivates it. An inactive group is
  // therefore "gone" for Pulumi, and the next `pulumi up` reactivates it through find().
  async read(ctx, id) {
    const g = await getGroup(ctx, id);
    if (!g || !g.policyGroup.isActive) return undefined;
    return toLive(g.policyGroup);
  },

  // PMS_POL_014 "exists": created by an earlier attempt whose answer was lost; returning undefined
  // makes the base look it up again.
  async create(ctx, inputs) {
    try {
      const r = await ctx.client.kernel<{
        id: string;
        name: string;
        desc: string;
        is_Active: boolean;
      }>("POST", `${BASE}/new`, {
        request: { name: inputs.name, desc: inputs.description },
        idempotent: false,
      });
      return toLive({ id: r.id, name: r.name, desc: r.desc, isActive: r.is_Active });
    } catch (e) {
      if (isErrorCode(e, "PMS_POL_014")) return undefined;
      throw e;
    }
  },

  // isActive is always sent: PMS compares it with the stored value and a null counts as a change.
  async update(ctx, live, inputs) {
    await ctx.client.kernel("PUT", `${BASE}/${encodeURIComponent(live.id)}`, {
      request: { name: inputs.name, desc: inputs.description, isActive: true },
    });
  },

  // MOSIP 1.2.0.1 has no delete for policy groups. The closest is deactivation, which PMS refuses
  // while the group holds published policies (PMS_POL_056), and published policies can never be
  // deactivated in 1.2.0.1. So: deactivate an unused group; leave a used one in place and say so
  // (also when a policy is published between our read and our PUT). Nothing is lost either way, and
  // a later create with the same name adopts it again.
  async delete(ctx, id) {
    const g = await getGroup(ctx, id);
    if (!g) return;
    if (!g.policyGroup.isActive) return;
    const inUse = published(g);
    if (inUse.length > 0) {
      ctx.warn(
        `left active in MOSIP (id ${id}): it holds ${inUse.length} published polic${inUse.length > 1 ? "ies" : "y"} (${inUse
          .map((p) => p.policyName ?? p.policyId)
          .join(
            ", ",
          )}), and MOSIP 1.2.0.1 can neither delete a group nor deactivate one with published policies. Pulumi no longer manages it.`,
      );
      return;
    }
    try {
      await ctx.client.kernel("PUT", `${BASE}/${encodeURIComponent(id)}`, {
        request: { name: g.policyGroup.name, desc: g.policyGroup.desc, isActive: false },
      });
      ctx.log(`deactivated (id ${id}); MOSIP 1.2.0.1 has no delete for policy groups`);
    } catch (e) {
      if (isErrorCode(e, "PMS_POL_056")) {
        ctx.warn(
          `left active in MOSIP (id ${id}): a policy was published in it meanwhile (PMS_POL_056). Pulumi no longer manages it.`,
        );
        return;
      }
      if (isErrorCode(e, "PMS_POL_008") || isErrorCode(e, "PMS_POL_016")) return;
      throw e;
    }
  },
};

/** What the provider host runs for PolicyGroup (registry.ts); the resource registers providerRef. */
export const policyGroupProvider = new MosipProvider(policyGroupSpec);

/**
 * A PMS policy group. Creating one whose name already exists adopts it; deleting deactivates it
 * (MOSIP 1.2.0.1 has no delete) unless it holds published policies, in which case it is left as is.
 */
export class PolicyGroup extends MosipResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** The id PMS assigned. */
  declare readonly policyGroupId: pulumi.Output<string>;
  declare readonly active: pulumi.Output<boolean>;

  constructor(name: string, args: PolicyGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(policyGroupSpec.type),
      policyGroupSpec,
      name,
      { name: args.name, description: args.description },
      ["policyGroupId", "active"],
      opts,
    );
  }
}
