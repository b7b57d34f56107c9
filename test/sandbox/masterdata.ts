// MOSIP's masterdata service (admin-services kernel-masterdata-service, 1.2.0.1) as far as the
// integration uses it: registration centres (one row per language), machines (with MOSIP's key
// normalisation), zone <-> user mappings, user <-> centre mappings, the caller-zone rule and the
// published ID schema. Contract: ../shared/reference/mosip-api.md §1, §8; facts read from
// mosip/admin-services v1.2.0.1 (service/impl/*, utils/ZoneUtils.java, constant/*ErrorCode.java).
import { createHash, createPublicKey } from "node:crypto";
import { kernelErr, kernelOk, mosipTime, Reply, type SandboxRequest } from "./http";
import {
  buildIdSchema,
  buildSeed,
  defaultIdSchemaFields,
  type IdSchema,
  type MasterdataSeed,
  type Zone,
} from "./masterdata-seed";
import type { Principal, SandboxContext } from "./types";

const BASE = "/v1/masterdata";

/**
 * masterdata's bootstrap sets `spring.cloud.config.name=kernel`, so it reads
 * `application-default` + `kernel-default`; its `auth.server.admin.allowed.audience` (and the
 * `mosip.role.admin.masterdata.*` role lists) therefore come from kernel-default.properties, not
 * admin-default.properties (that one belongs to the admin-service UI backend).
 */
const AUDIENCE_FILE = "kernel-default.properties";

/** `mosip.kernel.registrationcenterid.length` / `mosip.kernel.machineid.length`. */
const ID_LENGTH = 5;

// Role lists: `mosip.role.admin.masterdata.<key>` of mosip-config v1.2.0.1 kernel-default.properties
// (l.562-691), keyed as the controllers' @PreAuthorize name them.
const ROLES = {
  centreWrite: ["ZONAL_ADMIN", "GLOBAL_ADMIN"],
  centreRead: [
    "INDIVIDUAL",
    "REGISTRATION_PROCESSOR",
    "ZONAL_ADMIN",
    "GLOBAL_ADMIN",
    "PRE_REGISTRATION_ADMIN",
    "PRE_REGISTRATION",
    "RESIDENT",
  ],
  /** getregistrationcentersall */
  centreAll: ["ZONAL_ADMIN", "PRE_REGISTRATION_ADMIN", "GLOBAL_ADMIN"],
  /** postregistrationcenterssearch */
  centreSearch: ["ZONAL_ADMIN", "GLOBAL_ADMIN", "REGISTRATION_ADMIN"],
  /** postmachines, postmachinessearch */
  machineCreate: ["GLOBAL_ADMIN", "ZONAL_ADMIN", "RESIDENT", "MASTERDATA_ADMIN"],
  /** putmachines, patchmachines, putmachinesdecommissionmachineid */
  machineWrite: ["GLOBAL_ADMIN", "ZONAL_ADMIN", "MASTERDATA_ADMIN"],
  /** getmachinesidlangcode (also guards `GET /machines/{id}`) */
  machineRead: [
    "GLOBAL_ADMIN",
    "ZONAL_ADMIN",
    "REGISTRATION_CLIENT",
    "PRE_REGISTRATION_ADMIN",
    "REGISTRATION_PROCESSOR",
    "RESIDENT",
  ],
  /** deletemachinesid */
  machineDelete: ["GLOBAL_ADMIN", "ZONAL_ADMIN"],
  /** postzoneuser, putzoneuser, patchzoneuser, deletezoneuseruseridzonecode, postzoneusersearch */
  zoneUser: ["GLOBAL_ADMIN", "ZONAL_ADMIN"],
  /** getusercentermapping (guards `POST /usercentermapping`) */
  userCentreCreate: ["PRE_REGISTRATION_ADMIN", "GLOBAL_ADMIN", "ZONAL_ADMIN"],
  /** putusercentermapping, patchusercentermapping, deleteusersid */
  userCentreWrite: ["GLOBAL_ADMIN", "ZONAL_ADMIN"],
  /** getusersid: note, not GLOBAL_ADMIN. */
  getUser: [
    "PRE_REGISTRATION_ADMIN",
    "ID_AUTHENTICATION",
    "ZONAL_ADMIN",
    "REGISTRATION_OFFICER",
    "REGISTRATION_SUPERVISOR",
    "REGISTRATION_PROCESSOR",
  ],
  /** getuserssearch (guards `POST /users/search` and `POST /usercentermapping/search`) */
  userSearch: ["PRE_REGISTRATION_ADMIN", "GLOBAL_ADMIN", "ZONAL_ADMIN"],
  /** getidschemalatest */
  idSchema: [
    "PRE_REGISTRATION_ADMIN",
    "GLOBAL_ADMIN",
    "ZONAL_ADMIN",
    "REGISTRATION_CLIENT",
    "REGISTRATION_OFFICER",
    "REGISTRATION_PROCESSOR",
    "REGISTRATION_SUPERVISOR",
    "RESIDENT",
    "ID_REPOSITORY",
  ],
};

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

interface Base {
  isActive: boolean;
  createdBy: string;
  createdDateTime: string;
  updatedBy: string | null;
  updatedDateTime: string | null;
  isDeleted: boolean | null;
  deletedDateTime: string | null;
}

export interface CentreRow extends Base {
  id: string;
  langCode: string;
  name: string;
  addressLine1: string;
  addressLine2: string | null;
  addressLine3: string | null;
  contactPerson: string | null;
  centerTypeCode: string;
  latitude: string;
  longitude: string;
  locationCode: string;
  holidayLocationCode: string;
  contactPhone: string | null;
  workingHours: string;
  numberOfKiosks: number;
  perKioskProcessTime: string;
  centerStartTime: string;
  centerEndTime: string;
  lunchStartTime: string | null;
  lunchEndTime: string | null;
  timeZone: string | null;
  zoneCode: string;
}

interface ExceptionalHoliday {
  exceptionHolidayDate: string;
  exceptionHolidayName: string | null;
  exceptionHolidayReson: string | null;
}

export interface MachineRow extends Base {
  id: string;
  name: string;
  serialNum: string | null;
  macAddress: string | null;
  ipAddress: string;
  machineSpecId: string;
  langCode: string | null;
  validityDateTime: string | null;
  zoneCode: string;
  regCenterId: string | null;
  /** base64url (no padding) of the DER SubjectPublicKeyInfo. */
  publicKey: string;
  signPublicKey: string;
  keyIndex: string;
  signKeyIndex: string;
}

export interface ZoneUserRow extends Base {
  userId: string;
  zoneCode: string;
  langCode: string | null;
}

export interface UserCentreRow extends Base {
  id: string;
  name: string | null;
  statusCode: string | null;
  regCenterId: string;
  langCode: string | null;
}

export interface MasterdataState {
  seed: MasterdataSeed;
  /** Registration centre rows, one per (id, langCode). */
  centres: CentreRow[];
  workingDays: Map<string, Record<string, boolean>>;
  exceptionalHolidays: Map<string, ExceptionalHoliday[]>;
  machines: Map<string, MachineRow>;
  /** Keyed by user id (MOSIP's `zone_user` primary key). */
  zoneUsers: Map<string, ZoneUserRow>;
  /** Keyed by user id (MOSIP's `user_detail` primary key). */
  userCentres: Map<string, UserCentreRow>;
  /** The published ID schema; replace it (or set null) to change what `idschema/latest` serves. */
  idSchema: IdSchema | null;
  nextCentreId: number;
  nextMachineId: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers: errors, validation
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function fail(req: SandboxRequest, errorCode: string, message: string): Reply {
  return new Reply(kernelErr({ errorCode, message }, req));
}

/** Spring bean validation collected into `KER-MSD-999 "<field>: <msg>"` errors. */
class Checks {
  readonly errors: { errorCode: string; message: string }[] = [];
  constructor(
    private readonly body: Json,
    private readonly langs: string[],
  ) {}

  private add(field: string, msg: string): void {
    this.errors.push({ errorCode: "KER-MSD-999", message: `request.${field}: ${msg}` });
  }

  private value(field: string): unknown {
    return this.body[field];
  }

  notNull(field: string): this {
    if (this.value(field) === undefined || this.value(field) === null)
      this.add(field, "must not be null");
    return this;
  }

  /** `@StringFormatter(min, max)`: trimmed length within bounds (null passes; pair with notNull). */
  str(field: string, min: number, max: number): this {
    const v = this.value(field);
    if (v === undefined || v === null) return this;
    if (typeof v !== "string" || v.trim().length < min || v.trim().length > max)
      this.add(field, `Should not be blank or size must be between ${min} and ${max}`);
    return this;
  }

  /** `@Size(max)` / `@OptionalStringFormatter(max)`. */
  maxLen(field: string, max: number): this {
    const v = this.value(field);
    if (v === undefined || v === null) return this;
    if (typeof v !== "string" || v.length > max)
      this.add(field, `size must be between 0 and ${max}`);
    return this;
  }

  notBlank(field: string, msg: string): this {
    const v = this.value(field);
    if (typeof v !== "string" || v.trim() === "") this.add(field, msg);
    return this;
  }

  bool(field: string): this {
    const v = this.value(field);
    // Jackson coerces "true"/"false" strings into a Boolean; anything else fails to bind.
    if (v !== undefined && v !== null && typeof v !== "boolean" && v !== "true" && v !== "false")
      this.add(field, "must be a boolean");
    return this;
  }

  /** "HH:mm:ss" LocalTime. UNCONFIRMED: Jackson's parse failure message is not reproduced. */
  time(field: string): this {
    const v = this.value(field);
    if (v === undefined || v === null) return this;
    if (typeof v !== "string" || !/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(v))
      this.add(field, "Invalid time format, expected HH:mm:ss");
    return this;
  }

  /** `@ValidLangCode`: a configured language or `all`; null/empty is invalid. */
  lang(field: string): this {
    const v = this.value(field);
    if (typeof v !== "string" || !(this.langs.includes(v) || v === "all"))
      this.errors.push({ errorCode: "KER-MSD-999", message: "Language Code is Invalid" });
    return this;
  }

  throwIfAny(req: SandboxRequest): void {
    if (this.errors.length > 0) throw new Reply(kernelErr(this.errors, req));
  }
}

/** The `request` member; `RequestWrapper.request` is `@NotNull @Valid`. */
function body(req: SandboxRequest): Json {
  const b = req.json() as { request?: unknown } | undefined;
  if (!b || typeof b !== "object" || b.request === null || typeof b.request !== "object") {
    throw fail(req, "KER-MSD-999", "request: must not be null");
  }
  return b.request as Json;
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function boolParam(req: SandboxRequest, name: string): boolean {
  const v = req.query.get(name);
  if (v !== "true" && v !== "false") {
    // Spring's MissingServletRequestParameter / type mismatch, handled as a request error.
    throw fail(req, "KER-MSD-999", `${name}: must be true or false`);
  }
  return v === "true";
}

function requiredParam(req: SandboxRequest, name: string): string {
  const v = req.query.get(name);
  if (!v) throw fail(req, "KER-MSD-999", `${name}: must not be null`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/**
 * MOSIP's MachineUtil: decode as base64url, falling back to base64, then parse a TPM2
 * `TPMT_PUBLIC` blob or an X.509 SubjectPublicKeyInfo RSA key; store the re-encoded key as
 * base64url without padding. The sandbox does not parse TPM blobs: they are rejected as invalid
 * (a real MOSIP accepts them), which the stack never sends since it generates RSA keys.
 */
export function normaliseMachineKey(encoded: string): { key: string; index: string } | null {
  const s = encoded.trim();
  let der: Buffer;
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(s)) der = Buffer.from(s, "base64url");
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(s)) der = Buffer.from(s, "base64");
  else return null;
  try {
    const key = createPublicKey({ key: der, format: "der", type: "spki" });
    if (key.asymmetricKeyType !== "rsa") return null;
    const canonical = key.export({ format: "der", type: "spki" });
    return { key: canonical.toString("base64url"), index: keyIndex(canonical) };
  } catch {
    return null;
  }
}

/** kernel-core `CryptoUtil.computeFingerPrint`, lower-cased: `ab:cd:...` of SHA-256. */
export function keyIndex(der: Buffer): string {
  return createHash("sha256")
    .update(der)
    .digest("hex")
    .replace(/..(?!$)/g, "$&:")
    .toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Search (SearchDto -> PageResponseDto)
// ---------------------------------------------------------------------------------------------

interface SearchFilter {
  columnName?: string;
  type?: string;
  value?: unknown;
  fromValue?: unknown;
  toValue?: unknown;
}

function search<T extends object>(
  req: SandboxRequest,
  rows: T[],
  columns: string[],
  parsed?: Json,
): { fromRecord: number; toRecord: number; totalRecord: number; data: T[] } {
  const b = parsed ?? body(req);
  const filters = (Array.isArray(b.filters) ? b.filters : []) as SearchFilter[];
  let out = rows;
  for (const f of filters) {
    if (!f.columnName) throw fail(req, "KER-MSD-311", "Column is missing in request");
    if (!f.type) throw fail(req, "KER-MSD-312", "Filter type is missing");
    if (!columns.includes(f.columnName))
      throw fail(req, "KER-MSD-310", `Invalid column received : ${f.columnName}`);
    const col = f.columnName;
    const want = String(f.value ?? "");
    const get = (r: T) => (r as Record<string, unknown>)[col];
    const asText = (v: unknown) => (v === null || v === undefined ? "" : String(v));
    switch (f.type) {
      // MasterdataSearchHelper.buildPredicate (admin-services v1.2.0.1): a String column is
      // compared `lower(column) = lower(value)`, except the values "true"/"false" (compared as given).
      case "equals":
        out = out.filter((r) => {
          const v = get(r);
          if (typeof v !== "string" || /^(true|false)$/i.test(want)) return asText(v) === want;
          return v.toLowerCase() === want.toLowerCase();
        });
        break;
      case "contains":
        out = out.filter((r) => asText(get(r)).toLowerCase().includes(want.toLowerCase()));
        break;
      case "startsWith":
        out = out.filter((r) => asText(get(r)).toLowerCase().startsWith(want.toLowerCase()));
        break;
      case "between": {
        if (f.fromValue === undefined || f.toValue === undefined)
          throw fail(req, "KER-MSD-315", "Invalid fromValue or toValue");
        const lo = String(f.fromValue);
        const hi = String(f.toValue);
        out = out.filter((r) => asText(get(r)) >= lo && asText(get(r)) <= hi);
        break;
      }
      default:
        throw fail(req, "KER-MSD-312", "Filter type is missing");
    }
  }
  const sorts = (Array.isArray(b.sort) ? b.sort : []) as {
    sortField?: string;
    sortType?: string;
  }[];
  for (const s of [...sorts].reverse()) {
    if (!s.sortField || !s.sortType)
      throw fail(req, "KER-MSD-314", "Missing sort field or sort type values");
    if (!columns.includes(s.sortField))
      throw fail(req, "KER-MSD-357", `Invalid sort field ${s.sortField}`);
    const dir = s.sortType.toLowerCase();
    if (dir !== "asc" && dir !== "desc")
      throw fail(req, "KER-MSD-358", `Sort type ${s.sortType} is not supported`);
    const k = s.sortField;
    out = [...out].sort((x, y) => {
      const a = String((x as Record<string, unknown>)[k] ?? "");
      const c = String((y as Record<string, unknown>)[k] ?? "");
      return (a < c ? -1 : a > c ? 1 : 0) * (dir === "asc" ? 1 : -1);
    });
  }
  const p = (b.pagination ?? null) as { pageStart?: number; pageFetch?: number } | null;
  if (!p) throw fail(req, "KER-MSD-356", "Pagination cannot be null");
  const start = p.pageStart ?? 0;
  const fetch = p.pageFetch ?? 10;
  if (!Number.isInteger(start) || !Number.isInteger(fetch) || start < 0 || fetch <= 0) {
    throw fail(
      req,
      "KER-MSD-313",
      `Invalid pagination value received pagestart:${start} and pagefetch:${fetch}`,
    );
  }
  const page = out.slice(start * fetch, start * fetch + fetch);
  return {
    fromRecord: page.length ? start * fetch + 1 : 0,
    toRecord: start * fetch + page.length,
    totalRecord: out.length,
    data: page,
  };
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

export function createState(adminClientId: string, globalAdminUser?: string): MasterdataState {
  const seed = buildSeed(adminClientId, undefined, globalAdminUser);
  const now = mosipTime();
  const zoneUsers = new Map<string, ZoneUserRow>();
  for (const zu of seed.zoneUsers) {
    zoneUsers.set(zu.userId, {
      ...zu,
      createdBy: "superadmin",
      createdDateTime: now,
      updatedBy: null,
      updatedDateTime: null,
      isDeleted: false,
      deletedDateTime: null,
    });
  }
  return {
    seed,
    centres: [],
    workingDays: new Map(),
    exceptionalHolidays: new Map(),
    machines: new Map(),
    zoneUsers,
    userCentres: new Map(),
    idSchema: buildIdSchema(defaultIdSchemaFields()),
    // MOSIP's id generators hand out numeric ids of the configured length.
    nextCentreId: 10001,
    nextMachineId: 10001,
  };
}

export function register(sb: SandboxContext): void {
  const st = createState(sb.options.adminClientId, sb.options.globalAdminUser);
  sb.state.masterdata = st;
  sb.seed.masterdata = st.seed;
  const langs = () => [...st.seed.languages.mandatory, ...st.seed.languages.optional];
  const defaultLang = () => langs()[0];
  const r = sb.router;

  const auth = (req: SandboxRequest, roles: string[]) =>
    sb.authenticate(req, { audienceFile: AUDIENCE_FILE, roles });

  // ------------------------------------------------------------------ zones (ZoneUtils)

  const zonesIn = (lang: string): Zone[] => st.seed.zones.filter((z) => z.langCode === lang);
  const zoneExists = (code: string) => st.seed.zones.some((z) => z.code === code);
  /** The zone and all its descendants (ZoneTree.getChildHierarchy). */
  const subtree = (code: string, lang = defaultLang()): Zone[] => {
    const all = zonesIn(lang);
    const root = all.find((z) => z.code === code);
    if (!root) return [];
    const out: Zone[] = [root];
    for (let i = 0; i < out.length; i++) {
      out.push(...all.filter((z) => z.parentZoneCode === out[i].code));
    }
    return out;
  };
  const leaves = (code: string, lang = defaultLang()): Zone[] => {
    const all = zonesIn(lang);
    return subtree(code, lang).filter((z) => !all.some((c) => c.parentZoneCode === z.code));
  };
  const activeZoneUser = (userId: string): ZoneUserRow | undefined => {
    const zu = st.zoneUsers.get(userId);
    return zu && zu.isActive && !zu.isDeleted ? zu : undefined;
  };
  const liveZoneUser = (userId: string): ZoneUserRow | undefined => {
    const zu = st.zoneUsers.get(userId);
    return zu && !zu.isDeleted ? zu : undefined;
  };
  /** ZoneUtils.getSubZones: the caller's active zone and below; empty when not zone-mapped. */
  const callerSubZones = (p: Principal, lang?: string | null): string[] => {
    const zu = activeZoneUser(p.userId);
    if (!zu) return [];
    const l = !lang || lang === "all" ? defaultLang() : lang;
    return subtree(zu.zoneCode, l).map((z) => z.code);
  };
  const callerLeafZones = (p: Principal, lang?: string | null): string[] => {
    const zu = activeZoneUser(p.userId);
    if (!zu) return [];
    const l = !lang || lang === "all" ? defaultLang() : lang;
    return leaves(zu.zoneCode, l).map((z) => z.code);
  };
  const zoneName = (code: string, lang: string) =>
    st.seed.zones.find((z) => z.code === code && z.langCode === lang)?.name ?? null;

  const created = (p: Principal): Base => ({
    isActive: false,
    createdBy: p.userId,
    createdDateTime: mosipTime(),
    updatedBy: null,
    updatedDateTime: null,
    isDeleted: false,
    deletedDateTime: null,
  });
  const touch = (row: Base, p: Principal) => {
    row.updatedBy = p.userId;
    row.updatedDateTime = mosipTime();
  };

  // ------------------------------------------------------------------ centres

  const centreRows = (id: string) => st.centres.filter((c) => c.id === id && !c.isDeleted);
  const dayCodes = () => [...new Set(st.seed.daysOfWeek.map((d) => d.code))];

  const centreChecks = (b: Json, withId: boolean) => {
    const c = new Checks(b, langs());
    if (withId) c.notNull("id").str("id", 1, 10);
    c.notNull("name").str("name", 1, 128);
    c.notNull("addressLine1").str("addressLine1", 1, 256);
    c.maxLen("addressLine2", 256).maxLen("addressLine3", 256);
    c.lang("langCode");
    c.maxLen("contactPerson", 128);
    if (!withId) c.notNull("isActive").bool("isActive");
    c.notNull("centerTypeCode").str("centerTypeCode", 1, 36);
    c.notNull("latitude").str("latitude", 1, 32);
    c.notNull("longitude").str("longitude", 1, 32);
    c.notNull("locationCode").str("locationCode", 1, 36);
    c.notNull("holidayLocationCode").str("holidayLocationCode", 1, 36);
    c.maxLen("contactPhone", 16);
    c.notNull("workingHours").str("workingHours", 1, 32);
    for (const t of ["perKioskProcessTime", "centerStartTime", "centerEndTime"])
      c.notNull(t).time(t);
    c.time("lunchStartTime").time("lunchEndTime");
    c.maxLen("timeZone", 64);
    c.notNull("zoneCode").str("zoneCode", 1, 36);
    return c;
  };

  /** RegistrationCenterValidator.validateRegCenterCreate / validateRegCenterUpdate. */
  /** `anyLanguage`: the non-language update looks the type and location up in any language. */
  const centreRules = (req: SandboxRequest, p: Principal, b: Json, anyLanguage = false) => {
    const errors: { errorCode: string; message: string }[] = [];
    const locationCode = String(b.locationCode);
    const loc = st.seed.locations.find(
      (l) => l.code === locationCode && l.langCode === defaultLang(),
    );
    if (!loc) errors.push({ errorCode: "ADM-MSD-446", message: "Location not found" });
    else if (loc.hierarchyLevel !== st.seed.centreLocationLevel)
      errors.push({ errorCode: "ADM-MSD-445", message: "location hierarchy is invalid" });
    // Caller zone: only checked when the caller is zone-mapped (empty leaf list = no check).
    const leafZones = callerLeafZones(p, str(b.langCode));
    if (leafZones.length > 0 && !leafZones.includes(String(b.zoneCode)))
      errors.push({ errorCode: "KER-MSD-346", message: "Received Zone Code is not a leaf Zone " });
    const start = String(b.centerStartTime);
    const end = String(b.centerEndTime);
    if (start > end)
      errors.push({
        errorCode: "KER-MSD-309",
        message: "Center Start Time must be smaller than Center End Time",
      });
    const ls = str(b.lunchStartTime);
    const le = str(b.lunchEndTime);
    if (ls && ls !== "00:00:00" && le && ls > le)
      errors.push({
        errorCode: "KER-MSD-308",
        message: "Center Lunch Start Time must be smaller than Center Lunch End Time",
      });
    if (le && le !== "00:00:00" && le > end)
      errors.push({
        errorCode: "KER-MSD-260",
        message: "Lunch end Time cannot be Greater Than Center End Time",
      });
    if (ls && ls !== "00:00:00" && ls < start)
      errors.push({
        errorCode: "KER-MSD-259",
        message: "Lunch Start time cannot less than Center Start time",
      });
    const min = 4; // mosip.min-digit-longitude-latitude
    const re = new RegExp(`^-?\\d{1,2}\\.\\d{${min},}$`);
    if (!re.test(String(b.latitude)) || !re.test(String(b.longitude)))
      errors.push({
        errorCode: "KER-MSD-307",
        message:
          "Latitude or Longitude must have maximum 2 digits before and minimum 4 digits after decimal",
      });
    if (errors.length > 0) throw new Reply(kernelErr(errors, req));
    const lang = String(b.langCode);
    if (anyLanguage) {
      // MOSIP throws NO_CENTERTYPE_AVAILABLE with its message template unformatted.
      if (!st.seed.centreTypes.some((t) => t.code === b.centerTypeCode))
        throw fail(req, "KER-MSD-321", "No Registration Center type found for value %s");
      if (!st.seed.locations.some((l) => l.code === locationCode))
        throw fail(req, "KER-MSD-060", "Invalid Location Code");
    } else {
      if (
        !st.seed.centreTypes.some(
          (t) => t.code === b.centerTypeCode && t.langCode === lang && t.isActive,
        )
      )
        throw fail(req, "KER-MSD-060", "Invalid centerTypeCode");
      if (!st.seed.locations.some((l) => l.code === locationCode && l.langCode === lang))
        throw fail(req, "KER-MSD-060", "Invalid Location Code");
    }
    if (b.zoneCode !== undefined && !zoneExists(String(b.zoneCode)))
      throw fail(req, "KER-MSD-340", `Zone ${String(b.zoneCode)} doesn't exist`);
    const wnw = b.workingNonWorkingDays;
    if (wnw !== undefined && wnw !== null) {
      if (typeof wnw !== "object")
        throw fail(req, "ADM-fff-sss", "working non working request is null");
      for (const k of Object.keys(wnw as Json)) {
        if (!dayCodes().includes(k))
          throw fail(req, "KER-MSD-999", `request.workingNonWorkingDays: invalid day code ${k}`);
      }
    }
    const holidays = Array.isArray(b.exceptionalHolidayPutPostDto)
      ? (b.exceptionalHolidayPutPostDto as ExceptionalHoliday[])
      : [];
    for (const h of holidays) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(h.exceptionHolidayDate)))
        throw fail(req, "KER-MSD-043", "Invalid date format");
      const fixed = st.seed.holidays.some(
        (x) =>
          x.holidayDate === h.exceptionHolidayDate &&
          (x.locationCode === b.holidayLocationCode || x.locationCode === b.locationCode),
      );
      if (fixed)
        throw fail(
          req,
          "ADM-SSS-sss",
          "this holiday date is persent in pre-defined list of country holidays",
        );
    }
  };

  const NON_LANGUAGE = [
    "centerTypeCode",
    "latitude",
    "longitude",
    "locationCode",
    "holidayLocationCode",
    "contactPhone",
    "workingHours",
    "numberOfKiosks",
    "perKioskProcessTime",
    "centerStartTime",
    "centerEndTime",
    "lunchStartTime",
    "lunchEndTime",
    "timeZone",
    "zoneCode",
  ] as const;

  const centreFromBody = (b: Json): Omit<CentreRow, keyof Base | "id"> => ({
    langCode: String(b.langCode),
    name: String(b.name),
    addressLine1: String(b.addressLine1),
    addressLine2: str(b.addressLine2),
    addressLine3: str(b.addressLine3),
    contactPerson: str(b.contactPerson),
    centerTypeCode: String(b.centerTypeCode),
    latitude: String(b.latitude),
    longitude: String(b.longitude),
    locationCode: String(b.locationCode),
    holidayLocationCode: String(b.holidayLocationCode),
    contactPhone: str(b.contactPhone),
    workingHours: String(b.workingHours),
    numberOfKiosks: typeof b.numberOfKiosks === "number" ? b.numberOfKiosks : 0,
    perKioskProcessTime: String(b.perKioskProcessTime),
    centerStartTime: String(b.centerStartTime),
    centerEndTime: String(b.centerEndTime),
    lunchStartTime: str(b.lunchStartTime),
    lunchEndTime: str(b.lunchEndTime),
    timeZone: str(b.timeZone),
    zoneCode: String(b.zoneCode),
  });

  const workingDaysOf = (id: string): Record<string, boolean> => {
    const stored = st.workingDays.get(id) ?? {};
    const out: Record<string, boolean> = {};
    for (const d of dayCodes()) out[d] = stored[d] ?? false;
    return out;
  };

  const centreExtn = (c: CentreRow) => ({
    ...c,
    workingNonWorkingDays: workingDaysOf(c.id),
    exceptionalHolidayPutPostDto: st.exceptionalHolidays.get(c.id) ?? [],
  });

  /** A `new RegistrationCenterExtnDto()` as Jackson writes it: every field null. */
  const emptyCentre = () => ({
    id: null,
    name: null,
    centerTypeCode: null,
    addressLine1: null,
    addressLine2: null,
    addressLine3: null,
    latitude: null,
    longitude: null,
    locationCode: null,
    holidayLocationCode: null,
    contactPhone: null,
    workingHours: null,
    langCode: null,
    numberOfKiosks: null,
    perKioskProcessTime: null,
    centerStartTime: null,
    centerEndTime: null,
    timeZone: null,
    contactPerson: null,
    lunchStartTime: null,
    lunchEndTime: null,
    zoneCode: null,
    workingNonWorkingDays: null,
    exceptionalHolidayPutPostDto: null,
    isActive: null,
    createdBy: null,
    createdDateTime: null,
    updatedBy: null,
    updatedDateTime: null,
    isDeleted: null,
    deletedDateTime: null,
  });

  /** The read-back shape of `GET /registrationcenters/{id}/{lang}` (no base metadata). */
  const centreGet = (c: CentreRow) => ({
    id: c.id,
    name: c.name,
    centerTypeCode: c.centerTypeCode,
    addressLine1: c.addressLine1,
    addressLine2: c.addressLine2,
    addressLine3: c.addressLine3,
    latitude: c.latitude,
    longitude: c.longitude,
    locationCode: c.locationCode,
    holidayLocationCode: c.holidayLocationCode,
    contactPhone: c.contactPhone,
    workingHours: c.workingHours,
    langCode: c.langCode,
    numberOfKiosks: c.numberOfKiosks,
    perKioskProcessTime: c.perKioskProcessTime,
    centerStartTime: c.centerStartTime,
    centerEndTime: c.centerEndTime,
    timeZone: c.timeZone,
    contactPerson: c.contactPerson,
    lunchStartTime: c.lunchStartTime,
    lunchEndTime: c.lunchEndTime,
    isActive: c.isActive,
    zoneCode: c.zoneCode,
  });

  const storeCalendar = (id: string, b: Json) => {
    if (b.workingNonWorkingDays && typeof b.workingNonWorkingDays === "object") {
      st.workingDays.set(id, { ...(b.workingNonWorkingDays as Record<string, boolean>) });
    }
    if (Array.isArray(b.exceptionalHolidayPutPostDto)) {
      st.exceptionalHolidays.set(
        id,
        (b.exceptionalHolidayPutPostDto as ExceptionalHoliday[]).map((h) => ({
          exceptionHolidayDate: h.exceptionHolidayDate,
          exceptionHolidayName: h.exceptionHolidayName ?? null,
          exceptionHolidayReson: h.exceptionHolidayReson ?? null,
        })),
      );
    }
  };

  r.add("POST", `${BASE}/registrationcenters`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const b = body(req);
    const c = centreChecks(b, false);
    c.throwIfAny(req);
    centreRules(req, p, b);
    // No idempotency: every call is a new centre (a retried POST duplicates it).
    const id = String(st.nextCentreId++).padStart(ID_LENGTH, "0");
    // isActive from the request is ignored: MetaDataUtils.setCreateMetaData stores false.
    const row: CentreRow = { id, ...centreFromBody(b), ...created(p) };
    st.centres.push(row);
    st.workingDays.set(id, {});
    storeCalendar(id, b);
    return kernelOk(centreExtn(row), req);
  });

  r.add("PUT", `${BASE}/registrationcenters/language`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const b = body(req);
    const c = new Checks(b, langs());
    c.notNull("id").str("id", 1, 10);
    c.notNull("name").str("name", 1, 128);
    c.notNull("addressLine1").str("addressLine1", 1, 256);
    c.maxLen("addressLine2", 256).maxLen("addressLine3", 256).maxLen("contactPerson", 128);
    c.lang("langCode");
    c.throwIfAny(req);
    if (b.langCode === "all")
      throw fail(req, "KER-MSD-382", "Received language code all is not a configured language");
    const rows = centreRows(String(b.id));
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    // The caller's zone must cover the centre's (an unmapped caller cannot add languages).
    if (!callerSubZones(p).includes(rows[0].zoneCode))
      throw fail(
        req,
        "KER-MSD-441",
        "Admin not authorized to access this Registration Center for this Zone",
      );
    if (
      !st.seed.centreTypes.some(
        (t) => t.code === rows[0].centerTypeCode && t.langCode === b.langCode,
      )
    )
      throw fail(req, "KER-MSD-321", "No Registration Center type found for value %s");
    let row = rows.find((x) => x.langCode === b.langCode);
    if (row) {
      row.name = String(b.name);
      row.addressLine1 = String(b.addressLine1);
      row.addressLine2 = str(b.addressLine2);
      row.addressLine3 = str(b.addressLine3);
      row.contactPerson = str(b.contactPerson);
      touch(row, p);
    } else {
      // Inserts the missing language row; non-language fields and status come from the others.
      const model = rows[0];
      row = {
        ...model,
        ...created(p),
        isActive: model.isActive,
        langCode: String(b.langCode),
        name: String(b.name),
        addressLine1: String(b.addressLine1),
        addressLine2: str(b.addressLine2),
        addressLine3: str(b.addressLine3),
        contactPerson: str(b.contactPerson),
      };
      st.centres.push(row);
    }
    return kernelOk(centreExtn(row), req);
  });

  r.add("PUT", `${BASE}/registrationcenters/nonlanguage`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const b = body(req);
    const c = new Checks(b, langs());
    c.notNull("id").str("id", 1, 10);
    c.notNull("centerTypeCode").str("centerTypeCode", 1, 36);
    c.notNull("latitude").str("latitude", 1, 32).notNull("longitude").str("longitude", 1, 32);
    c.notNull("locationCode").str("locationCode", 1, 36);
    c.notNull("holidayLocationCode").str("holidayLocationCode", 1, 36);
    c.notNull("workingHours").str("workingHours", 1, 32);
    for (const t of ["perKioskProcessTime", "centerStartTime", "centerEndTime"])
      c.notNull(t).time(t);
    c.time("lunchStartTime").time("lunchEndTime");
    c.notNull("zoneCode").str("zoneCode", 1, 36);
    c.throwIfAny(req);
    centreRules(req, p, { ...b, langCode: defaultLang() }, true);
    const rows = centreRows(String(b.id));
    // An unknown id updates no row: MOSIP answers an empty RegistrationCenterExtnDto, no error.
    if (rows.length === 0) return kernelOk(emptyCentre(), req);
    for (const row of rows) {
      const next = centreFromBody({ ...row, ...b, langCode: row.langCode });
      for (const k of NON_LANGUAGE) (row as unknown as Json)[k] = next[k];
      touch(row, p);
    }
    storeCalendar(String(b.id), b);
    return kernelOk(centreExtn(rows.find((x) => x.langCode === defaultLang()) ?? rows[0]), req);
  });

  r.add("PUT", `${BASE}/registrationcenters`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const b = body(req);
    centreChecks(b, true).throwIfAny(req);
    centreRules(req, p, b);
    const rows = centreRows(String(b.id));
    const row = rows.find((x) => x.langCode === b.langCode);
    if (!row) {
      // MOSIP returns an empty RegistrationCenterExtnDto when the (id, langCode) row is missing
      // (contract §8.2: no not-found error in this path).
      return kernelOk(emptyCentre(), req);
    }
    const next = centreFromBody(b);
    Object.assign(row, {
      name: next.name,
      addressLine1: next.addressLine1,
      addressLine2: next.addressLine2,
      addressLine3: next.addressLine3,
      contactPerson: next.contactPerson,
    });
    // UNCONFIRMED: non-language fields are kept consistent across the language rows (what
    // masterdataCreationUtil.updateMasterData aims at); MOSIP's exact propagation was not traced.
    for (const other of rows) {
      for (const k of NON_LANGUAGE) (other as unknown as Json)[k] = next[k];
      touch(other, p);
    }
    storeCalendar(row.id, b);
    return kernelOk(centreExtn(row), req);
  });

  r.add("PATCH", `${BASE}/registrationcenters`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const isActive = boolParam(req, "isActive");
    const id = requiredParam(req, "id");
    const rows = centreRows(id);
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    if (!callerSubZones(p).includes(rows[0].zoneCode))
      throw fail(
        req,
        "KER-MSD-441",
        "Admin not authorized to access this Registration Center for this Zone",
      );
    for (const row of rows) {
      row.isActive = isActive;
      touch(row, p);
    }
    return kernelOk({ status: "Status updated successfully for Registration Centers" }, req);
  });

  r.add("GET", `${BASE}/registrationcenters/all`, async (req) => {
    await auth(req, ROLES.centreAll);
    const pageNumber = Number(req.query.get("pageNumber") ?? 0);
    const pageSize = Number(req.query.get("pageSize") ?? 10);
    const sortBy = req.query.get("sortBy") ?? "createdDateTime";
    const orderBy = (req.query.get("orderBy") ?? "desc").toLowerCase();
    if (
      !Number.isInteger(pageNumber) ||
      pageNumber < 0 ||
      !Number.isInteger(pageSize) ||
      pageSize <= 0
    )
      throw fail(req, "KER-MSD-999", "Invalid pagination parameters");
    const rows = st.centres.filter((c) => !c.isDeleted);
    const sorted = [...rows].sort((x, y) => {
      const a = String((x as unknown as Json)[sortBy] ?? "");
      const c = String((y as unknown as Json)[sortBy] ?? "");
      return (a < c ? -1 : a > c ? 1 : 0) * (orderBy === "asc" ? 1 : -1);
    });
    // An empty table is a DataNotFoundException in MOSIP, not an empty page.
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    const data = sorted.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize).map(centreExtn);
    return kernelOk(
      {
        pageNo: pageNumber,
        pageSize,
        sort: { sorted: true, unsorted: false, empty: false },
        totalItems: rows.length,
        totalPages: Math.ceil(rows.length / pageSize),
        data,
      },
      req,
    );
  });

  r.add("POST", `${BASE}/registrationcenters/search`, async (req) => {
    const p = await auth(req, ROLES.centreSearch);
    const b = body(req);
    const lang = str(b.languageCode);
    if (lang !== null && !(langs().includes(lang) || lang === "all"))
      throw fail(req, "KER-LANG-ERR", "Language Code is Invalid");
    // RegistrationCenterServiceHelper.fetchUserZone: results are limited to the leaf zones under
    // the caller's (non-deleted, even inactive) zone mapping; an unmapped caller gets KER-MSD-341.
    const zu = liveZoneUser(p.userId);
    const visible = zu
      ? leaves(zu.zoneCode, !lang || lang === "all" ? defaultLang() : lang).map((z) => z.code)
      : [];
    if (visible.length === 0) throw fail(req, "KER-MSD-341", "No zone assigned to the user");
    const rows = st.centres
      .filter((c) => !c.isDeleted && (!lang || lang === "all" || c.langCode === lang))
      .filter((c) => visible.includes(c.zoneCode))
      .map((c) => ({
        ...centreExtn(c),
        centerTypeName:
          st.seed.centreTypes.find((t) => t.code === c.centerTypeCode && t.langCode === c.langCode)
            ?.name ?? null,
        zone: zoneName(c.zoneCode, c.langCode),
        machines: [...st.machines.values()].filter((m) => !m.isDeleted && m.regCenterId === c.id)
          .length,
        users: [...st.userCentres.values()].filter((u) => !u.isDeleted && u.regCenterId === c.id)
          .length,
        devices: 0,
      }));
    const cols = [
      "id",
      "name",
      "zoneCode",
      "isActive",
      "langCode",
      "centerTypeCode",
      "locationCode",
      "addressLine1",
      "createdDateTime",
    ];
    return kernelOk(search(req, rows, cols), req);
  });

  r.add("PUT", `${BASE}/registrationcenters/decommission/:id`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const id = req.params.id;
    if (id.length > ID_LENGTH)
      throw fail(req, "KER-MSD-353", "Center ID specified for decommission has invalid length");
    const rows = centreRows(id);
    if (rows.length === 0)
      throw fail(
        req,
        "KER-MSD-216",
        "Registration center has been already decommissioned or Registration center not found",
      );
    if (!callerSubZones(p).includes(rows[0].zoneCode))
      throw fail(
        req,
        "KER-MSD-441",
        "Admin not authorized to access this Registration Center for this Zone",
      );
    if ([...st.userCentres.values()].some((u) => u.regCenterId === id && !u.isDeleted))
      throw fail(
        req,
        "KER-MSD-352",
        "Cannot Decommission the Registration Center, as some users are mapped to the Registration Center",
      );
    if ([...st.machines.values()].some((m) => m.regCenterId === id && !m.isDeleted))
      throw fail(
        req,
        "KER-MSD-351",
        "Cannot Decommission the Registration Center, as some machines are mapped to the Registration Center",
      );
    // (KER-MSD-350, devices mapped, cannot happen: the sandbox has no devices.)
    const now = mosipTime();
    for (const row of rows) {
      row.isActive = false;
      row.isDeleted = true;
      row.deletedDateTime = now;
      touch(row, p);
    }
    return kernelOk({ id }, req);
  });

  r.add("DELETE", `${BASE}/registrationcenters/:id`, async (req) => {
    const p = await auth(req, ROLES.centreWrite);
    const id = req.params.id;
    const rows = centreRows(id);
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    // UNCONFIRMED: the delete path's dependency check code (KER-MSD-192 per the error enum).
    const mapped =
      [...st.userCentres.values()].some((u) => u.regCenterId === id && !u.isDeleted) ||
      [...st.machines.values()].some((m) => m.regCenterId === id && !m.isDeleted);
    if (mapped) throw fail(req, "KER-MSD-192", "Cannot delete as dependency found");
    const now = mosipTime();
    for (const row of rows) {
      row.isDeleted = true;
      row.isActive = false;
      row.deletedDateTime = now;
      touch(row, p);
    }
    return kernelOk({ id }, req);
  });

  r.add("GET", `${BASE}/getzonespecificregistrationcenters/:langcode/:zonecode`, async (req) => {
    // getgetzonespecificregistrationcenterslangcode
    await auth(req, ["ZONAL_ADMIN", "PRE_REGISTRATION_ADMIN", "GLOBAL_ADMIN", "MASTERDATA_ADMIN"]);
    const { langcode, zonecode } = req.params;
    if (!langs().includes(langcode)) throw fail(req, "KER-MSD-999", "Language Code is Invalid");
    const zones = subtree(zonecode, langcode).map((z) => z.code);
    const rows = st.centres.filter(
      (c) => !c.isDeleted && c.langCode === langcode && zones.includes(c.zoneCode),
    );
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    return kernelOk({ registrationCenters: rows.map(centreGet) }, req);
  });

  r.add("GET", `${BASE}/registrationcenters/:id/:langcode`, async (req) => {
    await auth(req, ROLES.centreRead);
    const { id, langcode } = req.params;
    if (!(langs().includes(langcode) || langcode === "all"))
      throw fail(req, "KER-MSD-999", "Language Code is Invalid");
    const rows = centreRows(id).filter((c) => langcode === "all" || c.langCode === langcode);
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    return kernelOk({ registrationCenters: rows.map(centreGet) }, req);
  });

  // ------------------------------------------------------------------ machines

  const liveMachine = (id: string) => {
    const m = st.machines.get(id);
    return m && !m.isDeleted ? m : undefined;
  };

  const machineDto = (m: MachineRow) => ({
    id: m.id,
    name: m.name,
    serialNum: m.serialNum,
    macAddress: m.macAddress,
    ipAddress: m.ipAddress,
    machineSpecId: m.machineSpecId,
    langCode: m.langCode,
    validityDateTime: m.validityDateTime,
    isActive: m.isActive,
    createdBy: m.createdBy,
    createdDateTime: m.createdDateTime,
    updatedBy: m.updatedBy,
    updatedDateTime: m.updatedDateTime,
    isDeleted: m.isDeleted,
    deletedDateTime: m.deletedDateTime,
  });

  const machineGet = (m: MachineRow) => ({
    id: m.id,
    name: m.name,
    serialNum: m.serialNum,
    macAddress: m.macAddress,
    ipAddress: m.ipAddress,
    machineSpecId: m.machineSpecId,
    regCenterId: m.regCenterId,
    langCode: m.langCode,
    isActive: m.isActive,
    validityDateTime: m.validityDateTime,
    publicKey: m.publicKey,
    signPublicKey: m.signPublicKey,
    zoneCode: m.zoneCode,
  });

  const machineChecks = (b: Json, withId: boolean) => {
    const c = new Checks(b, langs());
    if (withId) c.notNull("id").str("id", 1, 10);
    c.notNull("name").str("name", 1, 64);
    c.maxLen("serialNum", 64).maxLen("macAddress", 64);
    c.notNull("ipAddress").maxLen("ipAddress", 17);
    c.notNull("machineSpecId").str("machineSpecId", 1, 36);
    if (!withId) c.notNull("isActive").bool("isActive");
    c.notNull("zoneCode").str("zoneCode", 1, 36);
    c.str("regCenterId", 0, 10);
    if (!withId) {
      c.notBlank("publicKey", "Public key cannot be blank or null");
      c.notBlank("signPublicKey", "Sign public key cannot be blank or null");
    }
    const v = b.validityDateTime;
    if (
      v !== undefined &&
      v !== null &&
      (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v))
    )
      c.errors.push({
        errorCode: "KER-MSD-999",
        message: "request.validityDateTime: Invalid format, expected yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
      });
    return c;
  };

  const machineZoneRule = (req: SandboxRequest, p: Principal, zoneCode: string) => {
    if (!callerSubZones(p).includes(zoneCode))
      throw fail(req, "KER-MSD-255", "Admin not authorized to access this Machine for this Zone");
  };

  const machineCentreRule = (req: SandboxRequest, zoneCode: string, regCenterId: string | null) => {
    if (!regCenterId) return;
    const rows = centreRows(regCenterId);
    if (rows.length === 0)
      throw fail(req, "KER-MSD-222", "The registration center in the request is not present in db");
    // RegistrationCenterServiceHelper.validateRegistrationCenterZone: the centre's zone must be
    // within the machine's zone.
    if (!subtree(zoneCode).some((z) => z.code === rows[0].zoneCode))
      throw fail(
        req,
        "KER-MSD-219",
        "The zone of the  registration center in the request does not match the zone of the device",
      );
  };

  const machineKeys = (req: SandboxRequest, b: Json, selfId: string | null) => {
    const out: {
      publicKey?: string;
      keyIndex?: string;
      signPublicKey?: string;
      signKeyIndex?: string;
    } = {};
    if (typeof b.publicKey === "string" && b.publicKey !== "") {
      const k = normaliseMachineKey(b.publicKey);
      if (!k) throw fail(req, "KER-MSD-257", "Invalid public key provided");
      out.publicKey = k.key;
      out.keyIndex = k.index;
    }
    if (typeof b.signPublicKey === "string" && b.signPublicKey !== "") {
      const k = normaliseMachineKey(b.signPublicKey);
      if (!k) throw fail(req, "KER-MSD-410", "Invalid sign public key provided");
      out.signPublicKey = k.key;
      out.signKeyIndex = k.index;
    }
    // findByMachineKeyIndexOrSignKeyIndex: keyIndex against keyIndex, signKeyIndex against
    // signKeyIndex, ignoring case, over the machines not decommissioned: its query ends in
    // `(is_deleted is null or is_deleted =false)` (admin-services MachineRepository, v1.2.0.1 to
    // v1.3.0), so the keys of a decommissioned machine can be registered again.
    const same = (a: string, b: string | undefined) =>
      b !== undefined && a.toLowerCase() === b.toLowerCase();
    const clash = [...st.machines.values()].some(
      (m) =>
        m.id !== selfId &&
        !m.isDeleted &&
        (same(m.keyIndex, out.keyIndex) || same(m.signKeyIndex, out.signKeyIndex)),
    );
    if (clash) throw fail(req, "KER-MSD-414", "Entry already found for the provided public keys");
    return out;
  };

  // MachineRepository.findByMachineName (admin-services v1.2.0.1 to v1.3.0): `lower(name) =
  // lower(?1) and (is_deleted is null or is_deleted =false)`. Machine names are unique ignoring case
  // among machines not decommissioned: a decommissioned machine's name is free for a new machine
  // (MachineServiceImpl.createMachine refuses only when this list is not empty).
  const machinesNamed = (name: unknown) =>
    [...st.machines.values()].filter(
      (m) => !m.isDeleted && m.name.toLowerCase() === String(name).toLowerCase(),
    );

  const machineSpecKnown = (id: string) => st.seed.machineSpecs.some((s) => s.id === id);

  r.add("POST", `${BASE}/machines`, async (req) => {
    const p = await auth(req, ROLES.machineCreate);
    const b = body(req);
    machineChecks(b, false).throwIfAny(req);
    const zoneCode = String(b.zoneCode);
    machineZoneRule(req, p, zoneCode);
    machineCentreRule(req, zoneCode, str(b.regCenterId));
    if (machinesNamed(b.name).length > 0)
      throw fail(req, "KER-MSD-413", "Entry already found for the provided machine name");
    const keys = machineKeys(req, b, null);
    // UNCONFIRMED: MOSIP does not look the spec up first; the foreign key makes the insert fail.
    if (!machineSpecKnown(String(b.machineSpecId)))
      throw fail(req, "KER-MSD-250", "Error occurred while inserting Machine details");
    const id = String(st.nextMachineId++).padStart(ID_LENGTH, "0");
    const m: MachineRow = {
      id,
      name: String(b.name),
      serialNum: str(b.serialNum),
      macAddress: str(b.macAddress),
      ipAddress: String(b.ipAddress),
      machineSpecId: String(b.machineSpecId),
      langCode: str(b.langCode),
      validityDateTime: str(b.validityDateTime),
      zoneCode,
      regCenterId: str(b.regCenterId) || null,
      publicKey: keys.publicKey ?? "",
      signPublicKey: keys.signPublicKey ?? "",
      keyIndex: keys.keyIndex ?? "",
      signKeyIndex: keys.signKeyIndex ?? "",
      ...created(p),
    };
    st.machines.set(id, m);
    return kernelOk(machineDto(m), req);
  });

  r.add("PUT", `${BASE}/machines`, async (req) => {
    const p = await auth(req, ROLES.machineWrite);
    const b = body(req);
    machineChecks(b, true).throwIfAny(req);
    const zoneCode = String(b.zoneCode);
    machineZoneRule(req, p, zoneCode);
    machineCentreRule(req, zoneCode, str(b.regCenterId));
    // Contract §8.3: KER-MSD-030. (The 1.2.0.1 code indexes an empty list here, which would be an
    // HTTP 500; UNCONFIRMED at runtime, the contract's answer is kept.)
    const m = liveMachine(String(b.id));
    if (!m) throw fail(req, "KER-MSD-030", "Machine not Found");
    // MOSIP's updateMachine only refuses a name that more than one machine already carries
    // (`findByMachineName(...).size() > 1`): renaming onto one other machine's name passes and
    // leaves two machines with that name. Clients must check names themselves before a PUT.
    if (machinesNamed(b.name).length > 1)
      throw fail(req, "KER-MSD-413", "Entry already found for the provided machine name");
    const keys = machineKeys(req, b, m.id);
    if (!machineSpecKnown(String(b.machineSpecId)))
      throw fail(req, "KER-MSD-252", "Error occurred while updating Machine details");
    Object.assign(m, {
      name: String(b.name),
      serialNum: str(b.serialNum),
      macAddress: str(b.macAddress),
      ipAddress: String(b.ipAddress),
      machineSpecId: String(b.machineSpecId),
      validityDateTime: str(b.validityDateTime),
      zoneCode,
      regCenterId: str(b.regCenterId) || null,
      ...keys,
    });
    touch(m, p);
    return kernelOk(machineDto(m), req);
  });

  r.add("PATCH", `${BASE}/machines`, async (req) => {
    const p = await auth(req, ROLES.machineWrite);
    const isActive = boolParam(req, "isActive");
    const id = requiredParam(req, "id");
    const m = liveMachine(id);
    if (!m) throw fail(req, "KER-MSD-030", "Machine not Found");
    machineZoneRule(req, p, m.zoneCode);
    m.isActive = isActive;
    touch(m, p);
    return kernelOk({ status: "Status updated successfully for machine" }, req);
  });

  r.add("POST", `${BASE}/machines/search`, async (req) => {
    const p = await auth(req, ROLES.machineCreate);
    const b = body(req);
    // MachineServiceImpl.searchMachine: without a `zone` filter the results are limited to the
    // caller's sub-zones (KER-MSD-342 when the caller has none); a `zone` filter (zone name or
    // code) replaces that with the named zone and its descendants.
    const filters = (Array.isArray(b.filters) ? b.filters : []) as SearchFilter[];
    const zoneFilter = filters.find((f) => String(f.columnName).toLowerCase() === "zone");
    let visible: string[];
    if (zoneFilter) {
      const v = String(zoneFilter.value ?? "");
      const z = st.seed.zones.find((x) => x.code === v || x.name === v);
      visible = z ? subtree(z.code).map((x) => x.code) : [];
      b.filters = filters.filter((f) => f !== zoneFilter);
    } else {
      visible = callerSubZones(p, str(b.languageCode));
      if (visible.length === 0) throw fail(req, "KER-MSD-342", "No zone assigned to the user");
    }
    const rows = [...st.machines.values()]
      .filter((m) => !m.isDeleted && visible.includes(m.zoneCode))
      .map((m) => ({
        ...machineDto(m),
        zoneCode: m.zoneCode,
        regCenterId: m.regCenterId,
        zone: zoneName(m.zoneCode, defaultLang()),
        machineTypeName: st.seed.machineSpecs.find((s) => s.id === m.machineSpecId)?.name ?? null,
      }));
    const cols = [
      "id",
      "name",
      "zoneCode",
      "regCenterId",
      "isActive",
      "machineSpecId",
      "serialNum",
      "macAddress",
      "ipAddress",
      "createdDateTime",
    ];
    return kernelOk(search(req, rows, cols, b), req);
  });

  r.add("PUT", `${BASE}/machines/decommission/:id`, async (req) => {
    const p = await auth(req, ROLES.machineWrite);
    const id = req.params.id;
    const m = liveMachine(id);
    if (!m) throw fail(req, "KER-MSD-214", `Machine ID ${id} does not exist`);
    machineZoneRule(req, p, m.zoneCode);
    if (m.regCenterId)
      throw fail(
        req,
        "KER-MSD-256",
        "Machine cannot Decommissioned as some Registration centers are mapped",
      );
    m.isActive = false;
    m.isDeleted = true;
    m.deletedDateTime = mosipTime();
    touch(m, p);
    return kernelOk({ id }, req);
  });

  r.add("DELETE", `${BASE}/machines/:id`, async (req) => {
    const p = await auth(req, ROLES.machineDelete);
    const id = req.params.id;
    const m = liveMachine(id);
    if (!m) throw fail(req, "KER-MSD-030", "Machine not Found");
    machineZoneRule(req, p, m.zoneCode);
    m.isDeleted = true;
    m.deletedDateTime = mosipTime();
    touch(m, p);
    return kernelOk({ id }, req);
  });

  r.add("GET", `${BASE}/machines/mappedmachines/:regCenterId`, async (req) => {
    await auth(req, [
      "GLOBAL_ADMIN",
      "PRE_REGISTRATION_ADMIN",
      "ZONAL_ADMIN",
      "REGISTRATION_PROCESSOR",
      "REGISTRATION_SUPERVISOR",
      "REGISTRATION_CLIENT",
      "REGISTRATION_OFFICER",
    ]);
    const pageNumber = Number(req.query.get("pageNumber") ?? 0);
    const pageSize = Number(req.query.get("pageSize") ?? 10);
    const mapped = [...st.machines.values()].filter(
      (m) => !m.isDeleted && m.regCenterId === req.params.regCenterId,
    );
    if (mapped.length === 0) throw fail(req, "KER-MSD-326", "No assigned Machines found");
    return kernelOk(
      {
        pageNo: pageNumber,
        pageSize,
        sort: null,
        totalItems: mapped.length,
        totalPages: Math.ceil(mapped.length / pageSize),
        data: mapped
          .slice(pageNumber * pageSize, (pageNumber + 1) * pageSize)
          .map((m) => ({ ...machineGet(m), regCentId: m.regCenterId })),
      },
      req,
    );
  });

  r.add("GET", `${BASE}/machines/:id`, async (req) => {
    await auth(req, ROLES.machineRead);
    const m = liveMachine(req.params.id);
    if (!m) throw fail(req, "KER-MSD-030", "Machine not Found");
    return kernelOk({ machines: [machineGet(m)] }, req);
  });

  // ------------------------------------------------------------------ zone users

  const zoneUserDto = (zu: ZoneUserRow) => ({ ...zu });
  const liveUserCentre = (id: string) => {
    const u = st.userCentres.get(id);
    return u && !u.isDeleted ? u : undefined;
  };
  const USER_MAPPING_EXIST = [
    "KER-USR-011",
    "User Center mapping must be deleted before remapping user to different zone",
  ] as const;

  const zoneUserZoneRule = (
    req: SandboxRequest,
    p: Principal,
    zoneCode: string,
    lang: string | null,
  ) => {
    if (!callerSubZones(p, lang).includes(zoneCode))
      throw fail(req, "KER-USR-014", "Admin not authorized to access for this Zone");
  };

  r.add("POST", `${BASE}/zoneuser`, async (req) => {
    const p = await auth(req, ROLES.zoneUser);
    const b = body(req);
    const c = new Checks(b, langs());
    c.notNull("zoneCode").str("zoneCode", 1, 36);
    c.notNull("userId").str("userId", 1, 256);
    c.notNull("isActive").bool("isActive");
    c.throwIfAny(req);
    const userId = String(b.userId);
    const zoneCode = String(b.zoneCode);
    zoneUserZoneRule(req, p, zoneCode, str(b.langCode));
    const existing = liveZoneUser(userId);
    if (existing && existing.zoneCode === zoneCode)
      throw fail(req, "KER-USR-018", "duplicate request");
    if (existing)
      throw fail(req, "KER-USR-021", "The given user already mapped with different zone");
    const zu: ZoneUserRow = {
      userId,
      zoneCode,
      langCode: str(b.langCode),
      ...created(p),
    };
    st.zoneUsers.set(userId, zu);
    return kernelOk(zoneUserDto(zu), req);
  });

  r.add("PATCH", `${BASE}/zoneuser`, async (req) => {
    const p = await auth(req, ROLES.zoneUser);
    const isActive = boolParam(req, "isActive");
    const userId = requiredParam(req, "userId");
    const zu = liveZoneUser(userId);
    // (sic: two spaces, as in ZoneUserErrorCode)
    if (!zu) throw fail(req, "KER-USR-019", "Zone & User mapping  not found");
    const ucm = liveUserCentre(userId);
    if (ucm && ucm.isActive) throw fail(req, ...USER_MAPPING_EXIST);
    zu.isActive = isActive;
    touch(zu, p);
    return kernelOk({ status: "Status updated successfully for Zone" }, req);
  });

  r.add("PUT", `${BASE}/zoneuser`, async (req) => {
    const p = await auth(req, ROLES.zoneUser);
    const b = body(req);
    const c = new Checks(b, langs());
    c.notNull("zoneCode").str("zoneCode", 1, 36);
    c.notNull("userId").str("userId", 1, 256);
    c.throwIfAny(req);
    const userId = String(b.userId);
    zoneUserZoneRule(req, p, String(b.zoneCode), str(b.langCode));
    const zu = st.zoneUsers.get(userId);
    if (!zu) throw fail(req, "KER-USR-017", "Zone & User mapping  not present in db");
    if (liveUserCentre(userId)) throw fail(req, ...USER_MAPPING_EXIST);
    zu.zoneCode = String(b.zoneCode);
    if (str(b.langCode)) zu.langCode = str(b.langCode);
    touch(zu, p);
    return kernelOk(zoneUserDto(zu), req);
  });

  r.add("DELETE", `${BASE}/zoneuser/:userid/:zonecode`, async (req) => {
    const p = await auth(req, ROLES.zoneUser);
    const { userid, zonecode } = req.params;
    const zu = liveZoneUser(userid);
    if (!zu || zu.zoneCode !== zonecode)
      throw fail(req, "KER-USR-017", "Zone & User mapping  not present in db");
    const ucm = liveUserCentre(userid);
    if (ucm && ucm.isActive) throw fail(req, ...USER_MAPPING_EXIST);
    zu.isActive = false;
    zu.isDeleted = true;
    zu.deletedDateTime = mosipTime();
    touch(zu, p);
    return kernelOk({ id: userid }, req);
  });

  r.add("POST", `${BASE}/zoneuser/search`, async (req) => {
    await auth(req, ROLES.zoneUser);
    const rows = [...st.zoneUsers.values()]
      .filter((zu) => !zu.isDeleted)
      .map((zu) => ({
        ...zoneUserDto(zu),
        // UNCONFIRMED: MOSIP fills userName from the IAM; the sandbox echoes the user id.
        userName: zu.userId,
        zoneName: zoneName(zu.zoneCode, zu.langCode ?? defaultLang()),
      }));
    const cols = [
      "userId",
      "zoneCode",
      "isActive",
      "langCode",
      "userName",
      "zoneName",
      "createdDateTime",
    ];
    return kernelOk(search(req, rows, cols), req);
  });

  // ------------------------------------------------------------------ user <-> centre

  const ZONE_USER_MAPPING_NOT_FOUND = [
    "KER-USR-008",
    "Zone user mapping not exists or not active",
  ] as const;

  /** UserDetailsServiceImpl.validateMappingData. */
  const mappingRule = (
    req: SandboxRequest,
    p: Principal,
    userId: string,
    centreZone: string,
    lang: string | null,
  ) => {
    const zu = activeZoneUser(userId);
    if (!zu || !callerSubZones(p, lang).includes(zu.zoneCode))
      throw fail(req, ...ZONE_USER_MAPPING_NOT_FOUND);
    const l = !lang || lang === "all" ? defaultLang() : lang;
    if (!leaves(zu.zoneCode, l).some((z) => z.code === centreZone))
      throw fail(req, "KER-USR-015", "Provided center zone is not part of user zone");
  };

  const centreForMapping = (req: SandboxRequest, id: unknown) => {
    const rows = typeof id === "string" ? centreRows(id) : [];
    if (rows.length === 0) throw fail(req, "KER-MSD-215", "Registration Center not found");
    return rows;
  };

  const userCentreOut = (u: UserCentreRow, rows: CentreRow[], lang: string | null) => {
    const row =
      (lang && rows.find((x) => x.langCode.toLowerCase() === lang.toLowerCase())) || rows[0];
    return {
      id: u.id,
      langCode: u.langCode,
      name: u.name,
      statusCode: u.statusCode,
      regCenterId: u.regCenterId,
      isActive: u.isActive,
      zoneCode: row.zoneCode,
      zoneName: zoneName(row.zoneCode, row.langCode),
      regCenterName: row.name,
    };
  };

  r.add("POST", `${BASE}/usercentermapping`, async (req) => {
    const p = await auth(req, ROLES.userCentreCreate);
    // No @Valid on this endpoint: the DTO's constraints are not enforced.
    const b = body(req);
    const userId = str(b.id);
    if (!userId || !activeZoneUser(userId)) throw fail(req, ...ZONE_USER_MAPPING_NOT_FOUND);
    if (liveUserCentre(userId)) throw fail(req, "KER-USR-013", "User already exists");
    const rows = centreForMapping(req, b.regCenterId);
    mappingRule(req, p, userId, rows[0].zoneCode, str(b.langCode));
    const u: UserCentreRow = {
      id: userId,
      name: str(b.name),
      statusCode: str(b.statusCode),
      regCenterId: rows[0].id,
      langCode: str(b.langCode),
      ...created(p),
    };
    st.userCentres.set(userId, u);
    return kernelOk(userCentreOut(u, rows, u.langCode), req);
  });

  r.add("PATCH", `${BASE}/usercentermapping`, async (req) => {
    const p = await auth(req, ROLES.userCentreWrite);
    const isActive = boolParam(req, "isActive");
    const id = requiredParam(req, "id");
    const zu = liveZoneUser(id);
    if (!zu) throw fail(req, ...ZONE_USER_MAPPING_NOT_FOUND);
    if (isActive && !zu.isActive)
      throw fail(
        req,
        "KER-USR-025",
        "Kindly activate user-zone mapping before activating user-center",
      );
    const u = liveUserCentre(id);
    if (!u) throw fail(req, "KER-USR-007", "User Center mapping not found");
    if (isActive) {
      const rows = centreForMapping(req, u.regCenterId);
      mappingRule(req, p, id, rows[0].zoneCode, null);
    }
    u.isActive = isActive;
    touch(u, p);
    return kernelOk({ status: "Status updated successfully for User" }, req);
  });

  r.add("PUT", `${BASE}/usercentermapping`, async (req) => {
    const p = await auth(req, ROLES.userCentreWrite);
    const b = body(req);
    const userId = str(b.id);
    if (!userId || !activeZoneUser(userId)) throw fail(req, ...ZONE_USER_MAPPING_NOT_FOUND);
    const rows = centreForMapping(req, b.regCenterId);
    mappingRule(req, p, userId, rows[0].zoneCode, str(b.langCode));
    let u = liveUserCentre(userId);
    if (!u) {
      // updateUser creates a missing mapping, inactive.
      u = {
        id: userId,
        name: str(b.name),
        statusCode: str(b.statusCode),
        regCenterId: rows[0].id,
        langCode: str(b.langCode),
        ...created(p),
      };
      st.userCentres.set(userId, u);
    }
    u.regCenterId = rows[0].id;
    if (str(b.langCode)) u.langCode = str(b.langCode);
    touch(u, p);
    return kernelOk(userCentreOut(u, rows, str(b.langCode)), req);
  });

  const deleteUserCentre = async (req: SandboxRequest) => {
    const p = await auth(req, ROLES.userCentreWrite);
    const id = req.params.id;
    const u = liveUserCentre(id);
    if (!u) throw fail(req, "KER-USR-007", "User Center mapping not found");
    u.isActive = false;
    u.isDeleted = true;
    u.deletedDateTime = mosipTime();
    touch(u, p);
    return kernelOk({ id }, req);
  };
  r.add("DELETE", `${BASE}/usercentermapping/:id`, deleteUserCentre);
  r.add("DELETE", `${BASE}/users/:id`, deleteUserCentre);

  const searchUserCentres = async (req: SandboxRequest) => {
    await auth(req, ROLES.userSearch);
    const rows = [...st.userCentres.values()]
      .filter((u) => !u.isDeleted)
      .map((u) => {
        const c = centreRows(u.regCenterId);
        return {
          ...u,
          zoneCode: liveZoneUser(u.id)?.zoneCode ?? null,
          regCenterName: c.find((x) => x.langCode === defaultLang())?.name ?? c[0]?.name ?? null,
        };
      });
    const cols = [
      "id",
      "name",
      "regCenterId",
      "isActive",
      "zoneCode",
      "langCode",
      "statusCode",
      "createdDateTime",
    ];
    return kernelOk(search(req, rows, cols), req);
  };
  r.add("POST", `${BASE}/users/search`, searchUserCentres);
  r.add("POST", `${BASE}/usercentermapping/search`, searchUserCentres);

  r.add("GET", `${BASE}/users/:id`, async (req) => {
    await auth(req, ROLES.getUser);
    const u = liveUserCentre(req.params.id);
    if (!u) throw fail(req, "KER-USR-007", "User Center mapping not found");
    return kernelOk(
      {
        id: u.id,
        langCode: u.langCode,
        name: u.name,
        statusCode: u.statusCode,
        regCenterId: u.regCenterId,
        isActive: u.isActive,
        zoneCode: liveZoneUser(u.id)?.zoneCode ?? null,
        createdBy: u.createdBy,
        createdDateTime: u.createdDateTime,
        updatedBy: u.updatedBy,
        updatedDateTime: u.updatedDateTime,
        isDeleted: u.isDeleted,
        deletedDateTime: u.deletedDateTime,
      },
      req,
    );
  });

  // ------------------------------------------------------------------ ID schema

  r.add("GET", `${BASE}/idschema/latest`, async (req) => {
    await auth(req, ROLES.idSchema);
    if (!st.idSchema) throw fail(req, "KER-SCH-008", "No published Identity schema");
    const v = req.query.get("schemaVersion");
    // schemaVersion <= 0 (the default) means the latest; another version must exist.
    if (v !== null && Number(v) > 0 && Number(v) !== st.idSchema.idVersion)
      throw fail(req, "KER-SCH-007", "Identity schema not found");
    return kernelOk(st.idSchema, req);
  });

  // Sandbox control: swap the published schema from outside the process (demo runs).
  r.add("PUT", "/__sandbox/masterdata/idschema", (req) => {
    const b = (req.json() ?? {}) as { removeFields?: unknown; schema?: unknown };
    if (Array.isArray(b.removeFields)) {
      const drop = b.removeFields.map(String);
      st.idSchema = buildIdSchema(defaultIdSchemaFields().filter((f) => !drop.includes(f.id)));
    } else if (b.schema && typeof b.schema === "object") {
      st.idSchema = b.schema as IdSchema;
    } else if (b.schema === null) {
      st.idSchema = null;
    } else {
      return { status: 400, body: { error: "expected {removeFields: string[]} or {schema}" } };
    }
    return { status: 200, body: st.idSchema ?? {} };
  });

  // ------------------------------------------------------------------ in-process API

  sb.masterdata = {
    centreActive(centreId) {
      return centreRows(centreId).some((c) => c.isActive);
    },
    machineActive(machineId, centreId) {
      const m = liveMachine(machineId);
      if (!m || !m.isActive) return false;
      return centreId === undefined || m.regCenterId === centreId;
    },
    latestIdSchema() {
      if (!st.idSchema) throw new Error("masterdata: no published identity schema");
      return JSON.parse(JSON.stringify(st.idSchema)) as Record<string, unknown>;
    },
  };
}
