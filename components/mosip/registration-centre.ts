// A masterdata registration centre (contract §8.2, §8.7): created in the primary language, the other
// languages added with PUT /language, activated. MOSIP gives every POST a new id, so a retried create
// would duplicate the centre: the base looks it up by (primary-language name, zone) before every
// attempt. MOSIP answers some PUTs for a missing row with an empty centre and no error, so every
// write is read back. Delete decommissions a centre this stack created and leaves an adopted one.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isErrorCode } from "./errors";
import {
  MosipProvider,
  MosipResource,
  sameValue,
  type Live,
  type MosipContext,
  type MosipObjectSpec,
  createdByOwnCredential,
} from "./dynamic";
import { providerRef } from "./provider-ref";

/** Text of the centre in one language. */
export interface LocalizedCentre {
  name: string;
  addressLine1: string;
  addressLine2?: string;
  addressLine3?: string;
  contactPerson?: string;
}

export interface ExceptionalHoliday {
  /** yyyy-MM-dd; may not be one of the location's configured holidays. */
  date: string;
  name: string;
  reason: string;
}

export interface RegistrationCentreInputs extends Record<string, unknown> {
  /** MOSIP's first configured language: the centre is created in it and found by its name. */
  primaryLanguage: string;
  /** Language code -> text; one entry per configured language. */
  localized: Record<string, LocalizedCentre>;
  centerTypeCode: string;
  /** A leaf zone within the deployment client's zone. */
  zoneCode: string;
  locationCode: string;
  holidayLocationCode: string;
  latitude: string;
  longitude: string;
  contactPhone?: string;
  workingHours: string;
  perKioskProcessTime: string;
  centerStartTime: string;
  centerEndTime: string;
  lunchStartTime?: string;
  lunchEndTime?: string;
  timeZone?: string;
  numberOfKiosks: number;
  /** Day code (mon..sun) -> open. Written only: MOSIP's centre read-back does not return it. */
  workingNonWorkingDays?: Record<string, boolean>;
  /** Written only: MOSIP's centre read-back does not return them. */
  exceptionalHolidays?: ExceptionalHoliday[];
  /** @default true */
  active: boolean;
}

export type RegistrationCentreArgs = {
  [K in keyof RegistrationCentreInputs]?: pulumi.Input<RegistrationCentreInputs[K]>;
};

/** A row of GET /registrationcenters/{id}/all (one per language). */
interface CentreRow {
  id: string | null;
  langCode: string;
  isActive: boolean;
  createdBy?: string | null;
  [k: string]: unknown;
}

const CENTRES = "/v1/masterdata/registrationcenters";
const TEXT = ["name", "addressLine1", "addressLine2", "addressLine3", "contactPerson"];
const NON_LANGUAGE = [
  "centerTypeCode",
  "zoneCode",
  "locationCode",
  "holidayLocationCode",
  "latitude",
  "longitude",
  "contactPhone",
  "workingHours",
  "perKioskProcessTime",
  "centerStartTime",
  "centerEndTime",
  "lunchStartTime",
  "lunchEndTime",
  "timeZone",
  "numberOfKiosks",
];

/** MOSIP's nulls become absent keys, as in the inputs. */
function pick(row: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) if (row[k] !== null && row[k] !== undefined) o[k] = row[k];
  return o;
}

/**
 * Centre ids and `name|zone` keys POSTed by this process: a centre whose create answer was lost and
 * that the base then finds again is still ours to decommission.
 */
function posted(): Set<string> {
  const g = globalThis as { __mosipCrvsPostedCentres?: Set<string> };
  return (g.__mosipCrvsPostedCentres ??= new Set());
}

/** §8.6: searches and writes need the caller zone-mapped; say so instead of MOSIP's terse code. */
function explainZone(e: unknown): never {
  if (isErrorCode(e, "KER-MSD-341") || isErrorCode(e, "KER-MSD-441"))
    throw new Error(
      `${(e as Error).message} The deployment client's Keycloak user (service-account-<clientId>) must have an active masterdata zone mapping (zoneuser) to the root zone or a zone above the centre's (contract §8.6); MOSIP's first admin mapping comes from the DB seed or the admin portal.`,
    );
  throw e;
}

async function readCentre(
  ctx: MosipContext,
  id: string,
  state: Record<string, unknown>,
): Promise<Live<RegistrationCentreInputs> | undefined> {
  let rows: CentreRow[];
  try {
    const r = await ctx.client.kernel<{ registrationCenters?: CentreRow[] }>(
      "GET",
      `${CENTRES}/${encodeURIComponent(id)}/all`,
    );
    rows = (r?.registrationCenters ?? []).filter((x) => x.id === id);
  } catch (e) {
    if (isErrorCode(e, "KER-MSD-215")) return undefined;
    throw e;
  }
  if (rows.length === 0) return undefined;
  const declared = state.localized as Record<string, unknown> | undefined;
  const primary = String(state.primaryLanguage ?? rows[0]!.langCode);
  const main = rows.find((r) => r.langCode === primary) ?? rows[0]!;
  const localized: Record<string, unknown> = {};
  // Language rows cannot be removed in MOSIP: only the declared ones are reported.
  for (const r of rows)
    if (!declared || r.langCode in declared) localized[r.langCode] = pick(r, TEXT);
  const inputs = {
    primaryLanguage: primary,
    localized,
    ...pick(main, NON_LANGUAGE),
    // Not in MOSIP's read-back: carried from the state (see the file header).
    ...pick(state, ["workingNonWorkingDays", "exceptionalHolidays"]),
    active: rows.every((r) => r.isActive),
  } as RegistrationCentreInputs;
  return {
    id,
    inputs,
    extra: {
      centreId: id,
      languages: rows.map((r) => r.langCode).sort(),
      createdByStack:
        state.createdByStack === true ||
        posted().has(id) ||
        posted().has(`${String(main.name)}|${String(main.zoneCode)}`),
    },
  };
}

function nonLanguageBody(id: string, i: RegistrationCentreInputs): Record<string, unknown> {
  return {
    id,
    ...pick(i, NON_LANGUAGE),
    workingNonWorkingDays: i.workingNonWorkingDays ?? {},
    exceptionalHolidayPutPostDto: (i.exceptionalHolidays ?? []).map((h) => ({
      exceptionHolidayDate: h.date,
      exceptionHolidayName: h.name,
      exceptionHolidayReson: h.reason,
    })),
  };
}

/** A PUT answered with an empty centre (MOSIP's answer for a missing row) is a failure. */
async function put(ctx: MosipContext, path: string, request: Record<string, unknown>) {
  const r = await ctx.client.kernel<{ id?: string | null } | null>("PUT", path, { request });
  if (!r?.id)
    throw new Error(
      `MOSIP answered PUT ${path} for centre ${String(request.id)} with an empty centre and no error: nothing was written (the centre or its language row is missing). Run \`pulumi refresh\`, then \`pulumi up\`.`,
    );
}

async function converge(
  ctx: MosipContext,
  live: Live<RegistrationCentreInputs>,
  want: RegistrationCentreInputs,
): Promise<Live<RegistrationCentreInputs>> {
  const id = live.id;
  const have = live.inputs;
  for (const [lang, text] of Object.entries(want.localized))
    if (!sameValue(have.localized[lang], pick({ ...text }, TEXT)))
      await put(ctx, `${CENTRES}/language`, { id, langCode: lang, ...text });
  const nl = (i: RegistrationCentreInputs) =>
    nonLanguageBody(id, { ...i, active: true, localized: {}, primaryLanguage: "" });
  if (!sameValue(nl(have), nl(want))) await put(ctx, `${CENTRES}/nonlanguage`, nl(want));
  if (have.active !== want.active)
    await ctx.client
      .kernel("PATCH", CENTRES, { query: { isActive: want.active, id } })
      .catch(explainZone);
  const after = await readCentre(ctx, id, { ...want, createdByStack: live.extra?.createdByStack });
  const still = after
    ? Object.keys(want).filter((k) => !sameValue(after.inputs[k], want[k]))
    : ["the centre"];
  if (!after || still.length > 0)
    throw new Error(
      `MOSIP accepted the writes to centre ${id} but reading it back shows ${still.join(", ")} unchanged; check masterdata's logs.`,
    );
  return after;
}

export const registrationCentreSpec: MosipObjectSpec<RegistrationCentreInputs> = {
  type: "RegistrationCentre",
  revision: "1",
  // Limits are masterdata's (RegCenterPostReqDto / RegistrationCenterValidator); the stack config
  // (components/config.ts) checks the same with friendlier wording.
  schema: (zod: typeof z) => {
    const s = (max: number, what: string) =>
      zod
        .string({ error: `must be a string: ${what}` })
        .refine((v) => v.trim().length > 0 && v.trim().length <= max, {
          error: `must be 1..${max} characters (MOSIP's limit): ${what}`,
        });
    const opt = (max: number) =>
      zod
        .string()
        .max(max, { error: `must be at most ${max} characters` })
        .optional();
    const time = (what: string) =>
      zod.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, {
        error: `must be HH:mm:ss (24-hour): ${what}`,
      });
    const coord = zod.string().regex(/^-?\d{1,2}\.\d{4,}$/, {
      error: 'must have 1-2 digits before and at least 4 after the point, e.g. "34.0209"',
    });
    const text = zod.strictObject({
      name: s(128, "the centre's name in this language"),
      addressLine1: s(256, "first address line"),
      addressLine2: opt(256),
      addressLine3: opt(256),
      contactPerson: opt(128),
    });
    return zod
      .strictObject({
        primaryLanguage: zod.string().regex(/^[a-z]{3}$/, {
          error: "must be a 3-letter language code: MOSIP's first configured language",
        }),
        localized: zod.record(zod.string().regex(/^[a-z]{3}$/), text),
        centerTypeCode: s(36, "a centre type code in masterdata"),
        zoneCode: s(36, "a leaf zone code"),
        locationCode: s(36, "a location code at the centre level of the hierarchy"),
        holidayLocationCode: s(36, "the location whose holidays apply"),
        latitude: coord,
        longitude: coord,
        contactPhone: opt(16),
        workingHours: s(32, 'working hours text, e.g. "8:00-16:00"'),
        perKioskProcessTime: time("time per registration"),
        centerStartTime: time("opening time"),
        centerEndTime: time("closing time"),
        lunchStartTime: time("lunch start").optional(),
        lunchEndTime: time("lunch end").optional(),
        timeZone: opt(64),
        numberOfKiosks: zod.number().int().min(0).max(32767).default(1),
        workingNonWorkingDays: zod
          .partialRecord(zod.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), zod.boolean())
          .optional(),
        exceptionalHolidays: zod
          .array(
            zod.strictObject({
              date: zod.iso.date({ error: "must be yyyy-MM-dd" }),
              name: s(128, "holiday name"),
              reason: s(256, "holiday reason"),
            }),
          )
          .optional(),
        active: zod.boolean().default(true),
      })
      .refine((i) => i.primaryLanguage in (i.localized ?? {}), {
        path: ["localized"],
        error: "must have an entry for primaryLanguage (the centre is created in that language)",
      })
      .refine((i) => i.centerStartTime < i.centerEndTime, {
        path: ["centerEndTime"],
        error: "must be after centerStartTime (KER-MSD-309)",
      });
  },
  describe: (i) => `centre "${i.localized?.[i.primaryLanguage]?.name}" in zone ${i.zoneCode}`,
  immutable: [],

  // POST /registrationcenters/search sees only the caller's leaf zones (§8.6) and has no
  // idempotency key: duplicates made by others are reported, the oldest id is adopted.
  async find(ctx, inputs) {
    const name = inputs.localized[inputs.primaryLanguage]!.name;
    const page = await ctx.client
      .kernel<{ data?: CentreRow[] }>("POST", `${CENTRES}/search`, {
        request: {
          languageCode: inputs.primaryLanguage,
          filters: [
            { columnName: "name", type: "equals", value: name },
            { columnName: "zoneCode", type: "equals", value: inputs.zoneCode },
          ],
          sort: [{ sortField: "id", sortType: "asc" }],
          pagination: { pageStart: 0, pageFetch: 10 },
        },
        idempotent: true,
      })
      .catch(explainZone);
    const ids = [...new Set((page?.data ?? []).map((r) => String(r.id)))];
    if (ids.length === 0) return undefined;
    if (ids.length > 1)
      ctx.warn(
        `MOSIP holds ${ids.length} centres named "${name}" in zone ${inputs.zoneCode} (ids ${ids.join(", ")}); adopting ${ids[0]}. Decommission the others in the admin portal.`,
      );
    // A centre the stack's own credential made (a create whose answer was lost) is still its own.
    const oldest = page?.data?.find((r) => String(r.id) === ids[0]);
    const ours = await createdByOwnCredential(ctx, oldest);
    return readCentre(ctx, ids[0]!, ours ? { ...inputs, createdByStack: true } : inputs);
  },

  read: (ctx, id, state) => readCentre(ctx, id, state),

  async create(ctx, inputs) {
    const text = inputs.localized[inputs.primaryLanguage]!;
    posted().add(`${text.name}|${inputs.zoneCode}`);
    const body = nonLanguageBody("", inputs);
    delete body.id;
    const r = await ctx.client
      .kernel<{ id?: string }>("POST", CENTRES, {
        request: { ...body, ...text, langCode: inputs.primaryLanguage, isActive: true },
        idempotent: false,
      })
      .catch(explainZone);
    if (!r?.id) return undefined;
    posted().add(r.id);
    const live = await readCentre(ctx, r.id, { ...inputs, createdByStack: true });
    if (!live) throw new Error(`MOSIP answered the create with id ${r.id} but cannot read it back`);
    return converge(ctx, live, inputs);
  },

  async update(ctx, live, inputs) {
    await converge(ctx, live, inputs);
  },

  // MOSIP refuses while machines (KER-MSD-351), users (KER-MSD-352) or devices (KER-MSD-350) are
  // mapped: the Machine and OfficerMapping resources depend on the centre, so Pulumi removes them
  // first; anything mapped outside this stack must be moved by hand.
  async delete(ctx, id, state) {
    if (state.createdByStack !== true && !posted().has(id)) {
      ctx.warn(
        `left in MOSIP (id ${id}): this stack adopted it and did not create it, so it is not decommissioned. Pulumi no longer manages it.`,
      );
      return;
    }
    try {
      await ctx.client.kernel("PUT", `${CENTRES}/decommission/${encodeURIComponent(id)}`);
      ctx.log(`decommissioned (id ${id})`);
    } catch (e) {
      if (isErrorCode(e, "KER-MSD-216") || isErrorCode(e, "KER-MSD-215")) return;
      const what = ["KER-MSD-351", "KER-MSD-352", "KER-MSD-350"].find((c) => isErrorCode(e, c));
      if (what)
        throw new Error(
          `MOSIP refuses to decommission centre ${id} while ${{ "KER-MSD-351": "machines", "KER-MSD-352": "users", "KER-MSD-350": "devices" }[what]} are mapped to it (${what}). Delete those Machine/OfficerMapping resources first (they depend on the centre), or unmap what was mapped outside this stack in the admin portal, then re-run.`,
        );
      explainZone(e);
    }
  },
};

export const registrationCentreProvider = new MosipProvider(registrationCentreSpec);

/**
 * A masterdata registration centre in every configured language, active. Adopts a centre with the
 * same primary-language name in the same zone; deleting decommissions a centre this stack created.
 */
export class RegistrationCentre extends MosipResource {
  /** The id MOSIP generated (5 digits); packets carry `<centreId>_<machineId>`. */
  declare readonly centreId: pulumi.Output<string>;
  declare readonly languages: pulumi.Output<string[]>;
  declare readonly createdByStack: pulumi.Output<boolean>;
  declare readonly active: pulumi.Output<boolean>;

  constructor(name: string, args: RegistrationCentreArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerRef(registrationCentreSpec.type),
      registrationCentreSpec,
      name,
      { ...args },
      ["centreId", "languages", "createdByStack"],
      opts,
    );
  }
}
