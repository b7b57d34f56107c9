// A PMS policy (contract §4.2), created and published in one resource.
//
// A published policy is immutable in MOSIP (PUT answers PMS_POL_055) and can neither be deleted nor
// deactivated in 1.2.0.1 (PMS_POL_058), and names are unique per group (PMS_POL_009). So:
// - every declared field is a replacement: the new content becomes a new policy, created (and
//   published) before the old one is let go;
// - the policy id is chosen by us and deterministic: `pol-` + 32 hex of sha256(group, name, content),
//   36 characters (the column's size). A create whose answer was lost finds its policy by that id on
//   the next attempt, and declaring content that existed before finds that policy again;
// - DECISION (naming): the policy keeps the declared name in MOSIP while that name is free in the
//   group. When the name is held by a published policy with other content (the usual replacement),
//   the new one is named `<name>-<first 8 hex of the content hash>`. Read strips that suffix again
//   (it is recomputed from the live content, so it cannot be confused with a user's own suffix).
//   Dependents (credential-type mapping, policy-mapping requests) must use the `policyName` output,
//   which is the name in MOSIP.
// - delete leaves the policy in MOSIP (published policies stay usable by the partners mapped to
//   them) and says so.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isErrorCode } from "./errors";
import {
  canonical,
  MosipProvider,
  MosipResource,
  sameValue,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";

export interface PolicyArgs {
  /** Name of the (active) policy group the policy belongs to. */
  policyGroupName: pulumi.Input<string>;
  /** Policy name, unique in its group; see `policyName` for the name MOSIP ends up using. */
  name: pulumi.Input<string>;
  /** Free text (1..128 characters). */
  description: pulumi.Input<string>;
  /** One of PMS's `pmp.allowed.policy.types`: Auth, DataShare, CredentialIssuance, MISP. */
  policyType: pulumi.Input<string>;
  /** Free text, at most 8 characters (the DB column). @default none: required */
  version: pulumi.Input<string>;
  /** The policy JSON (see policy-builder.ts), validated by PMS against the type's schema (§4.3). */
  policies: pulumi.Input<Record<string, unknown>>;
}

export interface PolicyInputs extends Record<string, unknown> {
  policyGroupName: string;
  name: string;
  description: string;
  policyType: string;
  version: string;
  policies: Record<string, unknown>;
}

/** PolicyResponseDto (GET /policies/{id}, publish). */
interface PmsPolicy {
  policyGroupId: string;
  policyGroupName: string | null;
  policyId: string;
  policyName: string;
  policyDesc: string;
  policyType: string;
  status: string;
  version: string;
  policies: Record<string, unknown>;
}

const POLICIES = "/v1/policymanager/policies";

function sha256(text: string): string {
  const crypto = require("node:crypto") as typeof import("node:crypto");
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** Hash of what a published policy cannot change besides its name and group. */
function contentHash(i: {
  description: string;
  policyType: string;
  version: string;
  policies: unknown;
}) {
  return sha256(canonical({ d: i.description, t: i.policyType, v: i.version, p: i.policies }));
}

function policyIdFor(i: PolicyInputs): string {
  return `pol-${sha256(canonical({ g: i.policyGroupName, n: i.name, c: contentHash(i) })).slice(0, 32)}`;
}

function toLive(p: PmsPolicy): Live<PolicyInputs> {
  const content = {
    description: p.policyDesc,
    policyType: p.policyType,
    version: p.version,
    policies: p.policies,
  };
  const suffix = `-${contentHash(content).slice(0, 8)}`;
  const name = p.policyName.endsWith(suffix) ? p.policyName.slice(0, -suffix.length) : p.policyName;
  return {
    id: p.policyId,
    inputs: { policyGroupName: p.policyGroupName ?? "", name, ...content },
    extra: {
      policyId: p.policyId,
      policyName: p.policyName,
      policyGroupId: p.policyGroupId,
      status: p.status,
    },
  };
}

/** The policy, or undefined on PMS_POL_008 "Policy ID does not exist". */
async function getPolicy(ctx: MosipContext, id: string): Promise<PmsPolicy | undefined> {
  try {
    return await ctx.client.kernel<PmsPolicy>("GET", `${POLICIES}/${encodeURIComponent(id)}`);
  } catch (e) {
    if (isErrorCode(e, "PMS_POL_008")) return undefined;
    throw e;
  }
}

/** Publishes a drafted policy; one already published (an earlier lost answer, PMS_POL_020) is fine. */
async function publish(ctx: MosipContext, p: PmsPolicy): Promise<PmsPolicy> {
  if (p.status === "PUBLISHED") return p;
  try {
    const out = await ctx.client.kernel<PmsPolicy>(
      "POST",
      `${POLICIES}/${encodeURIComponent(p.policyId)}/group/${encodeURIComponent(p.policyGroupId)}/publish`,
    );
    ctx.log(`published policy "${p.policyName}" (id ${p.policyId})`);
    return out;
  } catch (e) {
    if (!isErrorCode(e, "PMS_POL_020")) throw e;
    return (await getPolicy(ctx, p.policyId)) ?? p;
  }
}

/** Writes content into a policy that is still a draft (the only kind PMS lets change). */
async function putDraft(ctx: MosipContext, p: PmsPolicy, i: PolicyInputs): Promise<void> {
  await ctx.client.kernel("PUT", `${POLICIES}/${encodeURIComponent(p.policyId)}`, {
    request: {
      policyGroupName: i.policyGroupName,
      name: p.policyName,
      desc: i.description,
      version: i.version,
      policies: i.policies,
    },
  });
}

const sameContent = (p: PmsPolicy, i: PolicyInputs) =>
  p.policyDesc === i.description &&
  p.policyType === i.policyType &&
  p.version === i.version &&
  sameValue(p.policies, i.policies);

export const policySpec: MosipObjectSpec<PolicyInputs> = {
  type: "Policy",
  revision: "1",
  // The members each type's schema requires (§4.3) are checked so a preview already fails. The name
  // allows 119 characters: room for the "-<8 hex>" suffix a replacement may need (128 in PMS).
  schema: (zod: typeof z) => {
    const text = (field: string, max: number, what: string) =>
      zod
        .string({ error: `${field} must be a string: ${what}` })
        .max(max, { error: `${field} must be at most ${max} characters (${what})` })
        .refine((s) => s.trim().length > 0, {
          error: `${field} must not be blank (PMS requires it): ${what}`,
        });
    const types = ["Auth", "DataShare", "CredentialIssuance", "MISP"];
    const required: Record<string, string[]> = {
      Auth: ["authTokenType", "allowedAuthTypes", "allowedKycAttributes"],
      DataShare: ["dataSharePolicies", "shareableAttributes"],
      CredentialIssuance: ["dataSharePolicies", "shareableAttributes"],
      MISP: [
        "allowAuthRequestDelegation",
        "allowKycRequestDelegation",
        "allowKeyBindingDelegation",
      ],
    };
    return zod
      .strictObject(
        {
          policyGroupName: text("policyGroupName", 128, "the name of an active policy group"),
          name: text("name", 119, 'the policy\'s name in its group, e.g. "crvs-datashare"'),
          description: text("description", 128, "what the policy is for"),
          policyType: zod.enum(types, {
            error: `policyType must be one of ${types.join(", ")} (pmp.allowed.policy.types)`,
          }),
          version: text("version", 8, 'PMS stores at most 8 characters, e.g. "1.0"'),
          policies: zod.record(zod.string(), zod.unknown(), {
            error: "policies must be an object: the policy JSON (see policy-builder.ts)",
          }),
        },
        {
          error:
            "unknown argument: Policy takes policyGroupName, name, description, policyType, version and policies",
        },
      )
      .superRefine((v, rc) => {
        const missing = (required[v.policyType] ?? []).filter((k) => !(k in v.policies));
        if (missing.length > 0)
          rc.addIssue({
            code: "custom",
            path: ["policies"],
            message: `policies lacks ${missing.join(", ")}, which PMS's ${v.policyType} policy schema requires (build it with policy-builder.ts)`,
          });
        const size = JSON.stringify(v.policies).length;
        if (size > 5120)
          rc.addIssue({
            code: "custom",
            path: ["policies"],
            message: `policies is ${size} characters of JSON; PMS stores at most 5120. Share fewer attributes`,
          });
      }) as unknown as z.ZodType<PolicyInputs>;
  },
  describe: (i) => `policy "${i.name}" in group "${i.policyGroupName}"`,
  immutable: ["policyGroupName", "name", "description", "policyType", "version", "policies"],
  // The replacement has another id and, when needed, another name: create it first.
  deleteBeforeReplace: false,

  // By our id, else by (group, declared or suffixed name). Equal content is adopted (and published
  // if a draft); a draft with other content (made by hand, or a run whose publish failed) can still
  // be changed, so it is converged and published.
  async find(ctx, inputs) {
    const own = await getPolicy(ctx, policyIdFor(inputs));
    const candidates: PmsPolicy[] = own ? [own] : [];
    if (!own) {
      const groups = await ctx.client.kernel<
        { policyGroup: { name: string }; policies?: { policyId: string; policyName: string }[] }[]
      >("GET", `${POLICIES}/group/all`);
      const group = (groups ?? []).find((g) => g.policyGroup?.name === inputs.policyGroupName);
      const suffixed = `${inputs.name}-${contentHash(inputs).slice(0, 8)}`;
      for (const p of group?.policies ?? [])
        if (p.policyName === inputs.name || p.policyName === suffixed) {
          const full = await getPolicy(ctx, p.policyId);
          if (full) candidates.push(full);
        }
    }
    for (const p of candidates) {
      if (p.policyGroupName !== inputs.policyGroupName) continue;
      if (sameContent(p, inputs)) return toLive(await publish(ctx, p));
      if (p.status !== "PUBLISHED" && p.policyType === inputs.policyType) {
        await putDraft(ctx, p, inputs);
        const updated = (await getPolicy(ctx, p.policyId)) ?? p;
        ctx.log(`converged the draft policy (id ${p.policyId}) before publishing it`);
        return toLive(await publish(ctx, updated));
      }
    }
    return undefined;
  },

  async read(ctx, id) {
    const p = await getPolicy(ctx, id);
    return p ? toLive(p) : undefined;
  },

  // find() adopts a matching policy under our id, so one found here differs (e.g. its group was
  // renamed by hand). PMS saves a given policyId with JPA's save, which would overwrite that row:
  // never post over an existing id. PMS_POL_009 on the declared name means a published policy with
  // other content holds it (find adopts equal content and converges drafts), which MOSIP can neither
  // change nor remove: the suffixed name is used.
  async create(ctx, inputs) {
    const policyId = policyIdFor(inputs);
    const clash = await getPolicy(ctx, policyId);
    if (clash)
      throw new Error(
        `the policy id ${policyId} this policy would get already belongs to policy "${clash.policyName}" in group "${clash.policyGroupName}" with other content or group; run \`pulumi refresh\`, or rename the policy`,
      );
    const post = (name: string) =>
      ctx.client.kernel("POST", POLICIES, {
        request: {
          policyId,
          policyGroupName: inputs.policyGroupName,
          name,
          desc: inputs.description,
          policyType: inputs.policyType,
          version: inputs.version,
          policies: inputs.policies,
        },
        idempotent: false,
      });
    try {
      await post(inputs.name);
    } catch (e) {
      if (!isErrorCode(e, "PMS_POL_009")) throw e;
      const name = `${inputs.name}-${contentHash(inputs).slice(0, 8)}`;
      ctx.log(
        `the name "${inputs.name}" is taken in the group by a published policy with other content; creating "${name}"`,
      );
      await post(name);
    }
    const created = await getPolicy(ctx, policyId);
    return created ? toLive(await publish(ctx, created)) : undefined;
  },

  async update(ctx, live, inputs) {
    const p = await getPolicy(ctx, live.id);
    if (!p) throw new Error(`policy ${live.id} no longer exists in MOSIP; run \`pulumi refresh\``);
    if (p.status === "PUBLISHED")
      throw new Error(
        `policy "${p.policyName}" (id ${p.policyId}) is published and MOSIP cannot change it (PMS_POL_055); a change to it is a replacement. Run \`pulumi refresh\` and \`pulumi up\` again`,
      );
    await putDraft(ctx, p, inputs);
    await publish(ctx, (await getPolicy(ctx, p.policyId)) ?? p);
  },

  async delete(ctx, id) {
    const p = await getPolicy(ctx, id);
    if (!p) return;
    ctx.warn(
      `left in MOSIP as ${p.status === "PUBLISHED" ? "a published" : "a draft"} policy "${p.policyName}" (id ${id}): MOSIP 1.2.0.1 can neither delete a policy nor deactivate a published one (PMS_POL_058), and partners mapped to it keep using it. Pulumi no longer manages it.`,
    );
  },
};

export const policyProvider = new MosipProvider(policySpec);

/**
 * A PMS policy, created and published. Any change replaces it (MOSIP cannot change a published
 * policy); the old one stays in MOSIP, published. Use `policyName` (the name in MOSIP) and
 * `policyId` in dependents.
 */
export class Policy extends MosipResource {
  declare readonly policyGroupName: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly policyType: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  declare readonly policies: pulumi.Output<Record<string, unknown>>;
  /** The policy id (chosen deterministically unless an existing policy was adopted). */
  declare readonly policyId: pulumi.Output<string>;
  /** The policy's name in MOSIP: `name`, or `name-<hash>` when a replacement needed a free name. */
  declare readonly policyName: pulumi.Output<string>;
  declare readonly policyGroupId: pulumi.Output<string>;
  /** "PUBLISHED" (or "DRAFTED" if someone's publish never happened). */
  declare readonly status: pulumi.Output<string>;

  constructor(name: string, args: PolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(policySpec.type),
      policySpec,
      name,
      {
        policyGroupName: args.policyGroupName,
        name: args.name,
        description: args.description,
        policyType: args.policyType,
        version: args.version,
        policies: args.policies,
      },
      ["policyId", "policyName", "policyGroupId", "status"],
      opts,
    );
  }
}
