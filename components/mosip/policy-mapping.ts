// A partner <-> policy mapping (contract §5.3, §5.4, §11.1, §11.4): the partner's request to use a
// published policy of its group, the biometric extractors PMS wants before approving it for a
// Credential_Partner / Online_Verification_Partner (PMS_PM_051), and the approval.
//
// Who calls: the onboarder requests the mapping as the partner's own Keycloak user, but PMS's "self"
// rule lets a PARTNER_ADMIN act for any partner (the request, extractors and approval all accept
// PARTNER_ADMIN), so this resource uses the stack's admin client and needs no partner password.
// Only API-key generation insists on the partner itself (see api-key.ts).
//
// What MOSIP 1.2.0.1 lets this resource see and do:
// - Read-back through `POST /partners/apikey/request/search` (status, policy, description) and
//   `GET /partners/{partnerId}/bioextractors/{policyId}`. A rejected request reads as gone: the next
//   `pulumi up` requests again (PMS allows a new request only after a rejection).
// - No update of the description, no removal of extractors, no change after approval (PMS_PRT_062),
//   no un-approval (PMS_PM_034): update says so instead of pretending.
// - No delete or cancel endpoint: `delete` only forgets the mapping.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import {
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";
import { isErrorCode } from "./errors";

export interface BioExtractor {
  /** e.g. "photo" or "face" */
  attributeName: string;
  /** e.g. "face", or "finger[LeftThumb,...]" */
  biometric: string;
  extractor: { provider: string; version: string };
}

export interface PolicyMappingArgs {
  partnerId: pulumi.Input<string>;
  /** A published policy of the partner's policy group. */
  policyName: pulumi.Input<string>;
  /** Why the partner uses the policy (PMS keeps it with the request). */
  useCaseDescription: pulumi.Input<string>;
  /**
   * Biometric extractors, required before approval for Credential_Partner and
   * Online_Verification_Partner (PMS_PM_051); they cannot change once approved.
   */
  extractors?: pulumi.Input<pulumi.Input<BioExtractor>[]>;
  /** Approve the request (as PARTNER_ADMIN). @default true */
  approve?: pulumi.Input<boolean>;
}

export interface PolicyMappingInputs extends Record<string, unknown> {
  partnerId: string;
  policyName: string;
  useCaseDescription: string;
  extractors?: BioExtractor[];
  approve: boolean;
}

const PMS = "/v1/partnermanager/partners";

interface RequestRow {
  apikeyRequestId: string;
  partnerId: string;
  policyId: string;
  policyName: string;
  requestDetail: string;
  statusCode: string;
  crDtimes?: string;
}

/** The partner's mapping requests for `policyName` (or all), newest first. */
async function requests(ctx: MosipContext, partnerId: string, policyName?: string) {
  const filters = [{ columnName: "partnerId", type: "equals", value: partnerId }];
  if (policyName) filters.push({ columnName: "policyName", type: "equals", value: policyName });
  const r = await ctx.client.kernel<{ data?: RequestRow[] }>(
    "POST",
    `${PMS}/apikey/request/search`,
    {
      request: { filters, sort: [], pagination: { pageStart: 0, pageFetch: 100 } },
      idempotent: true,
    },
  );
  return (r?.data ?? [])
    .filter((x) => x.partnerId === partnerId && (!policyName || x.policyName === policyName))
    .sort((a, b) => String(b.crDtimes ?? "").localeCompare(String(a.crDtimes ?? "")));
}

const byName = (e: BioExtractor[]) =>
  [...e]
    .map((x) => ({
      attributeName: x.attributeName,
      biometric: x.biometric,
      extractor: { provider: x.extractor.provider, version: x.extractor.version },
    }))
    .sort((a, b) => a.attributeName.localeCompare(b.attributeName));

async function extractorsOf(ctx: MosipContext, partnerId: string, policyId: string) {
  try {
    const r = await ctx.client.kernel<{ extractors?: BioExtractor[] }>(
      "GET",
      `${PMS}/${encodeURIComponent(partnerId)}/bioextractors/${encodeURIComponent(policyId)}`,
    );
    return byName(r?.extractors ?? []);
  } catch (e) {
    if (isErrorCode(e, "PMS_PRT_064")) return []; // No details found
    throw e;
  }
}

/** A request row as the resource sees it; `declared` says whether extractors are in the inputs. */
async function toLive(
  ctx: MosipContext,
  row: RequestRow,
  declared: boolean | "if-any",
): Promise<Live<PolicyMappingInputs>> {
  const inputs: PolicyMappingInputs = {
    partnerId: row.partnerId,
    policyName: row.policyName,
    useCaseDescription: row.requestDetail,
    approve: row.statusCode === "approved",
  };
  if (declared) {
    const e = await extractorsOf(ctx, row.partnerId, row.policyId);
    if (declared === true || e.length > 0) inputs.extractors = e;
  }
  return {
    id: row.apikeyRequestId,
    inputs,
    extra: { mappingKey: row.apikeyRequestId, policyId: row.policyId, status: row.statusCode },
  };
}

/** PMS's answer when the admin client lacks PARTNER_ADMIN, made actionable. */
function explain(e: unknown): never {
  if (isErrorCode(e, "PMS_PRT_055"))
    throw new Error(
      `${(e as Error).message} The stack's MOSIP client acts for the partner and needs the PARTNER_ADMIN role (Keycloak realm role on its service account).`,
    );
  if (isErrorCode(e, "PMS_PM_051"))
    throw new Error(
      `${(e as Error).message} This partner type needs biometric extractors before approval: give \`extractors\` (the onboarder uses photo/face t5-face-lowres 1.1 and face/face dlib 3.2).`,
    );
  throw e;
}

export const policyMappingSpec: MosipObjectSpec<PolicyMappingInputs> = {
  type: "PolicyMapping",
  revision: "1",
  schema: (zod: typeof z) => {
    const text = (max: number) => zod.string().trim().min(1).max(max);
    return zod.strictObject(
      {
        partnerId: text(36),
        policyName: text(128),
        useCaseDescription: text(4000),
        extractors: zod
          .array(
            zod.strictObject({
              attributeName: text(128),
              biometric: text(128),
              extractor: zod.strictObject({ provider: text(128), version: text(16) }),
            }),
          )
          .optional()
          .transform((e) => (e ? byName(e) : e)),
        approve: zod.boolean().default(true),
      },
      {
        error:
          "unknown argument: PolicyMapping takes partnerId, policyName, useCaseDescription, extractors, approve",
      },
    ) as unknown as z.ZodType<PolicyMappingInputs>;
  },
  describe: (i) => `mapping of partner "${i.partnerId}" to policy "${i.policyName}"`,
  immutable: ["partnerId", "policyName", "useCaseDescription"],

  // The latest request that is not rejected; a rejected one allows (and needs) a new request.
  async find(ctx, i) {
    const row = (await requests(ctx, i.partnerId, i.policyName)).find(
      (r) => r.statusCode !== "rejected",
    );
    return row ? toLive(ctx, row, i.extractors !== undefined) : undefined;
  },

  // Called with an empty state right after an adoption: the partner then comes from the request.
  async read(ctx, id, s) {
    let partnerId = typeof s.partnerId === "string" ? s.partnerId : undefined;
    if (!partnerId) {
      try {
        const m = await ctx.client.kernel<{ partnerID?: string }>(
          "GET",
          `${PMS}/apikey/${encodeURIComponent(id)}`,
        );
        partnerId = m?.partnerID;
      } catch (e) {
        if (isErrorCode(e, "PMS_PMP_015")) return undefined; // no such request
        throw e;
      }
    }
    const row = (await requests(ctx, String(partnerId))).find((r) => r.apikeyRequestId === id);
    if (!row || row.statusCode === "rejected") return undefined;
    return toLive(ctx, row, "partnerId" in s ? s.extractors !== undefined : "if-any");
  },

  // PMS_PRT_053: a request exists already (an earlier attempt's answer was lost): look it up.
  async create(ctx, i) {
    let key: string;
    try {
      const r = await ctx.client.kernel<{ mappingkey: string }>(
        "POST",
        `${PMS}/${encodeURIComponent(i.partnerId)}/policy/map`,
        {
          request: { policyName: i.policyName, useCaseDescription: i.useCaseDescription },
          idempotent: false,
        },
      );
      key = r.mappingkey;
    } catch (e) {
      if (isErrorCode(e, "PMS_PRT_053")) return undefined;
      return explain(e);
    }
    ctx.log(`requested (mapping key ${key})`);
    const row = (await requests(ctx, i.partnerId, i.policyName)).find(
      (r) => r.apikeyRequestId === key,
    );
    if (!row) return undefined;
    await converge(ctx, await toLive(ctx, row, i.extractors !== undefined), i);
    const after = (await requests(ctx, i.partnerId, i.policyName)).find(
      (r) => r.apikeyRequestId === key,
    );
    return toLive(ctx, after ?? row, i.extractors !== undefined);
  },

  update: (ctx, live, i) => converge(ctx, live, i),

  async delete(ctx, id) {
    ctx.log(
      `left in PMS (mapping key ${id}): MOSIP 1.2.0.1 has no cancel or delete for mapping requests`,
    );
  },
};

/** Extractors first (PMS refuses them after approval), then the approval. */
async function converge(
  ctx: MosipContext,
  live: Live<PolicyMappingInputs>,
  i: PolicyMappingInputs,
): Promise<void> {
  const approved = live.inputs.approve;
  const have = live.inputs.extractors ?? [];
  const want = i.extractors ?? [];
  const same = JSON.stringify(byName(have)) === JSON.stringify(byName(want));
  if (approved && !i.approve)
    throw new Error(
      "the mapping is approved and MOSIP 1.2.0.1 cannot withdraw an approval (PMS_PM_034): set approve to true, or deactivate the partner's API keys instead",
    );
  if (i.extractors !== undefined && !same) {
    const gone = have.filter((h) => !want.some((w) => w.attributeName === h.attributeName));
    if (approved || gone.length > 0)
      throw new Error(
        approved
          ? "the extractors cannot change once the mapping is approved (PMS_PRT_062) and PMS has no way to re-open it: make extractors match MOSIP"
          : `PMS cannot remove extractors (${gone.map((g) => g.attributeName).join(", ")}): keep them in extractors`,
      );
    const policyId = String(live.extra?.policyId);
    await ctx.client
      .kernel(
        "POST",
        `${PMS}/${encodeURIComponent(i.partnerId)}/bioextractors/${encodeURIComponent(policyId)}`,
        { request: { extractors: want }, idempotent: true }, // an upsert per attributeName
      )
      .catch(explain);
    ctx.log(`extractors set (${want.map((w) => w.attributeName).join(", ")})`);
  }
  if (i.approve && !approved) {
    try {
      await ctx.client.kernel("PUT", `${PMS}/policy/${encodeURIComponent(live.id)}`, {
        request: { status: "Approved" },
      });
      ctx.log(`approved (mapping key ${live.id})`);
    } catch (e) {
      if (!isErrorCode(e, "PMS_PM_034")) explain(e); // already approved: a lost answer
    }
  }
}

export const policyMappingProvider = new MosipProvider(policyMappingSpec);

/**
 * A partner's request to use a policy, with its biometric extractors and approval, made with the
 * stack's admin client (PARTNER_ADMIN). An existing request for the same partner and policy is
 * adopted and carried on from its state; a rejected one is requested again.
 */
export class PolicyMapping extends MosipResource {
  declare readonly partnerId: pulumi.Output<string>;
  declare readonly policyName: pulumi.Output<string>;
  /** PMS's request id ("mappingkey"). */
  declare readonly mappingKey: pulumi.Output<string>;
  declare readonly policyId: pulumi.Output<string>;
  /** "InProgress" or "approved". */
  declare readonly status: pulumi.Output<string>;

  constructor(name: string, args: PolicyMappingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(policyMappingSpec.type),
      policyMappingSpec,
      name,
      { ...args },
      ["mappingKey", "policyId", "status"],
      opts,
    );
  }
}
