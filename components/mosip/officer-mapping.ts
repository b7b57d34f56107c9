// A registration officer's masterdata mappings (contract §8.4, §8.5, §8.7): the Keycloak user (made
// elsewhere by a Keycloak resource) mapped to a zone, then to a registration centre, both active, in
// MOSIP's order (the zone mapping must be active before the centre mapping; the zone mapping cannot
// be re-activated while the centre mapping is active). The resource id is the Keycloak username.
//
// Read-back: `GET /users/{id}` gives the centre mapping, but its role list lacks GLOBAL_ADMIN (the
// onboarder's deployment client has GLOBAL_ADMIN, and ZONAL_ADMIN only in some deployments); on a
// 403 the read falls back to `POST /usercentermapping/search`, which GLOBAL_ADMIN may call. The zone
// mapping has no GET: `POST /zoneuser/search`.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isErrorCode } from "./errors";
import {
  createdByOwnCredential,
  MosipProvider,
  MosipResource,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
} from "./dynamic";
import { providerRef } from "./provider-ref";

export interface OfficerMappingInputs extends Record<string, unknown> {
  /** The officer's Keycloak username (MOSIP's user id), at most 36 characters. Immutable. */
  userId: string;
  /** The officer's zone; the centre's zone must be a leaf under it. Immutable (MOSIP allows one). */
  zoneCode: string;
  /** The centre the officer works at. */
  regCenterId: string;
  /** @default true */
  active: boolean;
}

export type OfficerMappingArgs = {
  [K in keyof OfficerMappingInputs]?: pulumi.Input<OfficerMappingInputs[K]>;
};

/** What MOSIP holds for the user. */
interface Mappings {
  zone?: { zoneCode: string; isActive: boolean; createdBy?: string };
  centre?: { regCenterId: string; isActive: boolean };
}

const MD = "/v1/masterdata";

/** Users whose mappings this host process POSTed: a lost create found again is still ours. */
function posted(): Set<string> {
  const g = globalThis as { __mosipCrvsOfficers?: Set<string> };
  return (g.__mosipCrvsOfficers ??= new Set());
}

/** §8.6: the caller must be zone-mapped above the officer's zone. */
function explainZone(e: unknown): never {
  if (isErrorCode(e, "KER-USR-014") || isErrorCode(e, "KER-USR-008"))
    throw new Error(
      `${(e as Error).message} The officer's zone must be within the deployment client's active masterdata zone mapping (service-account-<clientId>, contract §8.6), and the centre's zone a leaf under the officer's zone.`,
    );
  throw e;
}

async function search<T>(ctx: MosipContext, what: string, column: string, value: string) {
  const page = await ctx.client.kernel<{ data?: T[] }>("POST", `${MD}/${what}/search`, {
    request: {
      filters: [{ columnName: column, type: "equals", value }],
      sort: [],
      pagination: { pageStart: 0, pageFetch: 10 },
    },
    idempotent: true,
  });
  return page?.data ?? [];
}

async function mappings(ctx: MosipContext, userId: string): Promise<Mappings & { via: string }> {
  const zones = await search<{
    userId: string;
    zoneCode: string;
    isActive: boolean;
    createdBy?: string;
  }>(ctx, "zoneuser", "userId", userId);
  const zone = zones.find((z) => z.userId === userId);
  let centre: Mappings["centre"];
  let via = "GET /users/{id}";
  try {
    centre = await ctx.client.kernel<{ regCenterId: string; isActive: boolean }>(
      "GET",
      `${MD}/users/${encodeURIComponent(userId)}`,
    );
  } catch (e) {
    if (isErrorCode(e, "KER-USR-007")) centre = undefined;
    else if ((e as { status?: number }).status === 403) {
      via = "POST /usercentermapping/search";
      const rows = await search<{ id: string; regCenterId: string; isActive: boolean }>(
        ctx,
        "usercentermapping",
        "id",
        userId,
      );
      centre = rows.find((r) => r.id === userId);
    } else throw e;
  }
  return {
    zone: zone && { zoneCode: zone.zoneCode, isActive: zone.isActive, createdBy: zone.createdBy },
    centre: centre ? { regCenterId: centre.regCenterId, isActive: centre.isActive } : undefined,
    via,
  };
}

async function readOfficer(
  ctx: MosipContext,
  userId: string,
  state: Record<string, unknown>,
  adopting = false,
): Promise<Live<OfficerMappingInputs> | undefined> {
  const m = await mappings(ctx, userId);
  if (!m.zone) return undefined;
  const ours =
    state.createdByStack === true ||
    posted().has(userId) ||
    (adopting && (await createdByOwnCredential(ctx, m.zone)));
  return {
    id: userId,
    inputs: {
      userId,
      zoneCode: m.zone.zoneCode,
      regCenterId: m.centre?.regCenterId ?? "",
      active: m.zone.isActive && m.centre?.isActive === true,
    },
    extra: {
      zoneMappingActive: m.zone.isActive,
      centreMappingActive: m.centre?.isActive ?? false,
      readVia: m.via,
      createdByStack: ours,
    },
  };
}

async function patch(ctx: MosipContext, what: string, key: string, userId: string, on: boolean) {
  await ctx.client
    .kernel("PATCH", `${MD}/${what}`, { query: { isActive: on, [key]: userId } })
    .catch(explainZone);
}

/** Brings MOSIP from `have` to `want` in MOSIP's order. */
async function converge(ctx: MosipContext, have: Mappings, want: OfficerMappingInputs) {
  const id = want.userId;
  if (!have.zone) {
    await ctx.client
      .kernel("POST", `${MD}/zoneuser`, {
        request: { zoneCode: want.zoneCode, userId: id, isActive: true },
        idempotent: false,
      })
      .catch((e) => (isErrorCode(e, "KER-USR-018") ? undefined : explainZone(e)));
    have = { ...have, zone: { zoneCode: want.zoneCode, isActive: false } };
  }
  let centreActive = have.centre?.isActive === true;
  if (!have.zone!.isActive) {
    if (centreActive) await patch(ctx, "usercentermapping", "id", id, (centreActive = false));
    await patch(ctx, "zoneuser", "userId", id, true);
  }
  if (!have.centre) {
    await ctx.client
      .kernel("POST", `${MD}/usercentermapping`, {
        request: {
          id,
          regCenterId: want.regCenterId,
          isActive: true,
          name: null,
          statusCode: null,
        },
        idempotent: false,
      })
      .catch((e) => {
        if (!isErrorCode(e, "KER-USR-013")) explainZone(e);
        return ctx.client.kernel("PUT", `${MD}/usercentermapping`, {
          request: { id, regCenterId: want.regCenterId },
        });
      });
  } else if (have.centre.regCenterId !== want.regCenterId) {
    await ctx.client
      .kernel("PUT", `${MD}/usercentermapping`, { request: { id, regCenterId: want.regCenterId } })
      .catch(explainZone);
  }
  if (want.active) {
    if (!centreActive || !have.centre) await patch(ctx, "usercentermapping", "id", id, true);
  } else {
    await patch(ctx, "usercentermapping", "id", id, false);
    await patch(ctx, "zoneuser", "userId", id, false);
  }
}

export const officerMappingSpec: MosipObjectSpec<OfficerMappingInputs> = {
  type: "OfficerMapping",
  revision: "1",
  schema: (zod: typeof z) =>
    zod.strictObject({
      userId: zod.string().regex(/^[a-z0-9][a-z0-9._@-]{0,35}$/, {
        error:
          "must be the officer's Keycloak username as MOSIP sees it: lower case, 1..36 characters (letters, digits, . _ @ -)",
      }),
      zoneCode: zod
        .string()
        .regex(/^\S{1,36}$/, { error: "must be a zone code (1..36, no spaces)" }),
      regCenterId: zod
        .string()
        .regex(/^\S{1,10}$/, { error: "must be a centre id (1..10 characters)" }),
      active: zod.boolean().default(true),
    }),
  describe: (i) => `officer "${i.userId}"`,
  // MOSIP keeps one zone mapping per user and refuses to move it while a centre mapping exists
  // (KER-USR-011), so a new zone is a new mapping: the old one goes first.
  immutable: ["userId", "zoneCode"],
  deleteBeforeReplace: true,

  // Mappings the stack's own credential made (a create whose answer was lost) are still its own.
  find: (ctx, inputs) => readOfficer(ctx, inputs.userId, inputs, true),
  read: (ctx, id, state) => readOfficer(ctx, id, state),

  async create(ctx, inputs) {
    posted().add(inputs.userId);
    await converge(ctx, {}, inputs);
    return readOfficer(ctx, inputs.userId, { createdByStack: true });
  },

  async update(ctx, live, inputs) {
    const e = live.extra ?? {};
    const i = live.inputs;
    await converge(
      ctx,
      {
        zone: { zoneCode: i.zoneCode, isActive: e.zoneMappingActive === true },
        centre: i.regCenterId
          ? { regCenterId: i.regCenterId, isActive: e.centreMappingActive === true }
          : undefined,
      },
      inputs,
    );
  },

  // Centre mapping first (MOSIP refuses to touch the zone mapping under an active one), each
  // deactivated then deleted.
  async delete(ctx, id, state) {
    const live = await readOfficer(ctx, id, state);
    if (!live) return;
    if (live.extra?.createdByStack !== true) {
      ctx.warn(
        `left in MOSIP: this stack adopted the mappings of "${id}" and did not create them. Pulumi no longer manages them.`,
      );
      return;
    }
    const gone = (e: unknown) => {
      if (!["KER-USR-007", "KER-USR-017", "KER-USR-019"].some((c) => isErrorCode(e, c))) throw e;
    };
    if (live.inputs.regCenterId) {
      if (live.extra.centreMappingActive)
        await patch(ctx, "usercentermapping", "id", id, false).catch(gone);
      await ctx.client
        .kernel("DELETE", `${MD}/usercentermapping/${encodeURIComponent(id)}`)
        .catch(gone);
    }
    if (live.extra.zoneMappingActive) await patch(ctx, "zoneuser", "userId", id, false).catch(gone);
    await ctx.client
      .kernel(
        "DELETE",
        `${MD}/zoneuser/${encodeURIComponent(id)}/${encodeURIComponent(live.inputs.zoneCode)}`,
      )
      .catch(gone);
    ctx.log(`deactivated and deleted the centre and zone mappings`);
  },
};

export const officerMappingProvider = new MosipProvider(officerMappingSpec);

/**
 * The masterdata zone and centre mappings of a registration officer, active. Adopts existing
 * mappings in the same zone (moving the centre mapping if needed) and fails on another zone.
 */
export class OfficerMapping extends MosipResource {
  declare readonly zoneMappingActive: pulumi.Output<boolean>;
  declare readonly centreMappingActive: pulumi.Output<boolean>;
  /** Which MOSIP call the last read used for the centre mapping. */
  declare readonly readVia: pulumi.Output<string>;
  declare readonly createdByStack: pulumi.Output<boolean>;

  constructor(name: string, args: OfficerMappingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(officerMappingSpec.type),
      officerMappingSpec,
      name,
      { ...args },
      ["zoneMappingActive", "centreMappingActive", "readVia", "createdByStack"],
      opts,
    );
  }
}
