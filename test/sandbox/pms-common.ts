// What the sandbox's two PMS services (policy manager and partner manager) share: the state they
// both read (one PMS database in MOSIP), the seed a fresh MOSIP 1.2.0.1 has, bean validation in
// MOSIP's wording, the search DTO handling, id generation and config look-ups.
import { randomInt, randomUUID } from "node:crypto";
import { kernelErr, mosipTime, Reply, type SandboxRequest } from "./http";
import type { SandboxContext } from "./types";

export const PMS_CONFIG = "partner-management-default.properties";

export interface PolicyGroupRow {
  id: string;
  name: string;
  desc: string;
  isActive: boolean;
  isDeleted: boolean;
  crBy: string;
  crDtimes: string;
  updBy: string | null;
  updDtimes: string | null;
  delDtimes: string | null;
  userId: string | null;
}

export interface PolicyRow {
  id: string;
  policyGroupId: string;
  name: string;
  desc: string;
  policyType: string;
  version: string;
  /** Stored as MOSIP stores it: the JSON text of `policies`. */
  policyFile: string;
  /** false = DRAFTED, true = PUBLISHED. */
  isActive: boolean;
  isDeleted: boolean;
  validFromDate: string;
  validToDate: string;
  policySchema: string | null;
  crBy: string;
  crDtimes: string;
  updBy: string | null;
  updDtimes: string | null;
  delDtimes: string | null;
}

export interface PartnerRow {
  id: string;
  name: string;
  address: string;
  contactNo: string;
  emailId: string;
  partnerTypeCode: string;
  policyGroupId: string | null;
  isActive: boolean;
  isDeleted: boolean;
  approvalStatus: string;
  certificateAlias: string | null;
  /** MOSIP-signed partner certificate returned by the keymanager. */
  signedCertificate: string | null;
  userId: string;
  langCode: string;
  logoUrl: string | null;
  additionalInfo: string;
  crBy: string;
  crDtimes: string;
  updBy: string | null;
  updDtimes: string | null;
  delDtimes: string | null;
}

export interface MappingRow {
  id: string;
  partnerId: string;
  policyId: string;
  requestDetail: string;
  /** "InProgress" | "approved" | "rejected". */
  statusCode: string;
  requestDatetimes: string;
  crBy: string;
  crDtimes: string;
  updBy: string | null;
  updDtimes: string | null;
  delDtimes: string | null;
  isDeleted: boolean;
}

export interface ExtractorRow {
  attributeName: string;
  biometric: string;
  extractor: { provider: string; version: string };
}

export interface CredentialTypeRow {
  credentialType: string;
  partnerId: string;
  policyId: string;
  crBy: string;
  crDtimes: string;
}

export interface ApiKeyRow {
  apiKey: string;
  partnerId: string;
  policyId: string;
  label: string;
  isActive: boolean;
  isDeleted: boolean;
  validFromDatetime: string;
  validToDatetime: string;
  crBy: string;
  crDtimes: string;
  updBy: string | null;
  updDtimes: string | null;
  delDtimes: string | null;
}

export interface OidcClientRow {
  id: string;
  name: string;
  policyId: string;
  rpId: string;
  logoUri: string;
  redirectUris: string[];
  /** Canonical JWK JSON text (what PMS stores and GET returns). */
  publicKey: string;
  claims: string[];
  acrValues: string[];
  status: string;
  grantTypes: string[];
  clientAuthMethods: string[];
  crBy: string;
  crDtimes: string;
  updBy: string | null;
  updDtimes: string | null;
}

export interface MispLicenseRow {
  providerId: string;
  licenseKey: string;
  isActive: boolean;
  validFromDate: string;
  validToDate: string;
  crBy: string;
  crDtimes: string;
}

export interface PmsState {
  policyGroups: Map<string, PolicyGroupRow>;
  policies: Map<string, PolicyRow>;
  partners: Map<string, PartnerRow>;
  /** Keyed by mapping key ("policy request" id). */
  mappingRequests: Map<string, MappingRow>;
  /** Keyed by `<partnerId>|<policyId>`. */
  bioExtractors: Map<string, ExtractorRow[]>;
  credentialTypes: CredentialTypeRow[];
  /** Keyed by API key value. */
  apiKeys: Map<string, ApiKeyRow>;
  oidcClients: Map<string, OidcClientRow>;
  mispLicenses: Map<string, MispLicenseRow>;
}

/** `code -> is_policy_required` of MOSIP's `pms.partner_type` seed (pms-partner_type.csv). */
export const PARTNER_TYPES: ReadonlyArray<{ code: string; isPolicyRequired: boolean }> = [
  { code: "Auth_Partner", isPolicyRequired: true },
  { code: "Device_Provider", isPolicyRequired: false },
  { code: "Credential_Partner", isPolicyRequired: true },
  { code: "Partner_Admin", isPolicyRequired: false },
  { code: "FTM_Provider", isPolicyRequired: false },
  { code: "Online_Verification_Partner", isPolicyRequired: true },
  { code: "ABIS_Partner", isPolicyRequired: true },
  { code: "Manual_Adjudication", isPolicyRequired: true },
  { code: "MISP_Partner", isPolicyRequired: false },
  { code: "Internal_Partner", isPolicyRequired: true },
  { code: "SDK_Partner", isPolicyRequired: false },
  { code: "Print_Partner", isPolicyRequired: true },
];

/** 1.2.0.1 defaults, used when the config server does not answer (or lacks the key). */
export const DEFAULTS = {
  allowedPolicyTypes: ["Auth", "DataShare", "CredentialIssuance", "MISP"],
  allowedCredentialTypes: ["auth", "qrcode", "euin", "reprint", "vercred", "opencrvs"],
  credentialMappingPartnerTypes: [
    "Credential_Partner",
    "Online_Verification_Partner",
    "Auth_Partner",
  ],
  bioExtractorsRequiredPartnerTypes: ["Credential_Partner", "Online_Verification_Partner"],
  partnerIdMaxLength: 36,
  languages: ["eng"],
  apiKeyExpiryDays: 90,
  mispLicenseExpiryDays: 90,
  policySchemaUrl: "https://schemas.mosip.io/v1/auth-policy",
  emailRegex: "^[\\w-\\+]+(\\.[\\w]+)*@[\\w-]+(\\.[\\w]+)*(\\.[a-z]{2,})$",
};

export function pmsState(sb: SandboxContext): PmsState {
  let s = sb.state.pms as PmsState | undefined;
  if (!s) {
    s = {
      policyGroups: new Map(),
      policies: new Map(),
      partners: new Map(),
      mappingRequests: new Map(),
      bioExtractors: new Map(),
      credentialTypes: [],
      apiKeys: new Map(),
      oidcClients: new Map(),
      mispLicenses: new Map(),
    };
    sb.state.pms = s;
  }
  if (!sb.seed.pms) {
    sb.seed.pms = {
      partnerTypes: PARTNER_TYPES.map((t) => ({ ...t })),
      allowedPolicyTypes: [...DEFAULTS.allowedPolicyTypes],
      allowedCredentialTypes: [...DEFAULTS.allowedCredentialTypes],
    };
  }
  return s;
}

/** A property of partner-management-default.properties, or undefined when unavailable. */
export async function pmsProperty(sb: SandboxContext, key: string): Promise<string | undefined> {
  try {
    const v = await sb.config.getProperty(PMS_CONFIG, key);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  } catch {
    // Config server not registered yet (or failing): fall back to the 1.2.0.1 defaults.
    return undefined;
  }
}

export async function pmsList(
  sb: SandboxContext,
  key: string,
  fallback: readonly string[],
): Promise<string[]> {
  const v = await pmsProperty(sb, key);
  if (v === undefined) return [...fallback];
  return v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

/** `pmp.allowed.credential.types`, mirrored into `sb.seed.pms` so the seed shows what is in force. */
export async function allowedCredentialTypes(sb: SandboxContext): Promise<string[]> {
  const list = await pmsList(sb, "pmp.allowed.credential.types", DEFAULTS.allowedCredentialTypes);
  (sb.seed.pms as { allowedCredentialTypes: string[] }).allowedCredentialTypes = list;
  return list;
}

export async function allowedPolicyTypes(sb: SandboxContext): Promise<string[]> {
  const list = await pmsList(sb, "pmp.allowed.policy.types", DEFAULTS.allowedPolicyTypes);
  (sb.seed.pms as { allowedPolicyTypes: string[] }).allowedPolicyTypes = list;
  return list;
}

/** Random integer id in `0..max` as a string, unused in `taken` (SecureRandom in MOSIP). */
export function randomId(max: number, taken: { has(k: string): boolean }): string {
  for (;;) {
    const id = String(randomInt(0, max + 1));
    if (!taken.has(id)) return id;
  }
}

export function now(): string {
  return mosipTime();
}

export function addDays(days: number, from = new Date()): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString();
}

export function addYears(years: number, from = new Date()): string {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString();
}

/** Answers HTTP 200 + errors (MOSIP's handled exceptions). */
export function fail(req: SandboxRequest, errorCode: string | null, message: string): Reply {
  return new Reply(kernelErr({ errorCode, message }, req));
}

/** Bean validation in PMS's wording: `Invalid request parameter - <msg> :<field>`. */
export function invalid(req: SandboxRequest, msg: string, field: string): Reply {
  return fail(req, "PMS_COR_001", `Invalid request parameter - ${msg} :${field}`);
}

type Body = Record<string, unknown>;

/** Field checks applied in declaration order, like a JSR-303 validator reporting the first. */
export class Validator {
  constructor(
    private readonly req: SandboxRequest,
    private readonly body: Body,
  ) {}

  /** `@NotBlank` + `@Size(min,max)`; returns the string. */
  text(field: string, opts: { min?: number; max?: number; required?: boolean } = {}): string {
    const v = this.body[field];
    const required = opts.required ?? true;
    if (v === undefined || v === null) {
      if (!required) return "";
      throw invalid(this.req, "must not be blank", field);
    }
    if (typeof v !== "string") throw invalid(this.req, "must be a string", field);
    if (required && v.trim() === "") throw invalid(this.req, "must not be blank", field);
    const min = opts.min ?? (required ? 1 : 0);
    if (opts.max !== undefined && (v.length < min || v.length > opts.max)) {
      throw invalid(this.req, `size must be between ${min} and ${opts.max}`, field);
    }
    return v;
  }

  /** `@NotNull` string (blank allowed). */
  notNull(field: string): string {
    const v = this.body[field];
    if (v === undefined || v === null) throw invalid(this.req, "must not be null", field);
    if (typeof v !== "string") throw invalid(this.req, "must be a string", field);
    return v;
  }

  /** `@NotNull` + `@Size(min,max)` list of strings. */
  list(field: string, min: number, max: number): string[] {
    const v = this.body[field];
    if (v === undefined || v === null) throw invalid(this.req, "must not be null", field);
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      throw invalid(this.req, "must be a list of strings", field);
    }
    if (v.length < min || v.length > max) {
      throw invalid(this.req, `size must be between ${min} and ${max}`, field);
    }
    return v as string[];
  }

  /** `@URL` (absolute http(s) URL) + max length. */
  url(field: string, max: number): string {
    const v = this.text(field);
    if (v.length > max) throw invalid(this.req, `size must be between 0 and ${max}`, field);
    if (!isUrl(v)) throw invalid(this.req, "must be a valid URL", field);
    return v;
  }
}

export function isUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol.length > 1 && u.host.length > 0;
  } catch {
    return false;
  }
}

export function requestObject(req: SandboxRequest, member = "request"): Body {
  const body = req.json() as Body | undefined;
  const r = body && typeof body === "object" ? body[member] : undefined;
  if (r === undefined || r === null || typeof r !== "object" || Array.isArray(r)) {
    throw invalid(req, "must not be null", member);
  }
  return r as Body;
}

/**
 * Publishes a PMS event the way PMS's WebSub publisher does: an `EventModel`
 * `{publisher, topic, publishedOn, event: {id, transactionId, type, timestamp, data}}`.
 * UNCONFIRMED: the publisher name and type namespace strings.
 */
export async function publishEvent(
  sb: SandboxContext,
  topic: string,
  data: Record<string, unknown>,
): Promise<void> {
  const at = now();
  try {
    await sb.websub.publish(topic, {
      publisher: "PARTNER_MANAGEMENT_SERVICE",
      topic,
      publishedOn: at,
      event: {
        id: randomUUID(),
        transactionId: randomUUID(),
        type: { namespace: "mosip", name: "mosip" },
        timestamp: at,
        data,
      },
    });
  } catch {
    // MOSIP logs and carries on when the hub is unavailable; the business call still succeeds.
  }
}

// ---------------------------------------------------------------------------------------------
// Search (pms-common SearchDto): filters, sort, pagination.

interface SearchFilter {
  columnName?: string;
  type?: string;
  value?: unknown;
  values?: unknown[];
  fromValue?: unknown;
  toValue?: unknown;
}

export interface SearchDto {
  filters?: SearchFilter[];
  sort?: Array<{ sortField?: string; sortType?: string }>;
  pagination?: { pageStart?: number; pageFetch?: number };
}

/**
 * Applies a SearchDto to rows. `special` handles columns that are not row properties (e.g.
 * `partnerName` on API-key requests). Answers PMS's search errors for bad filters / sort /
 * pagination.
 */
export function search<T extends Record<string, unknown>>(
  req: SandboxRequest,
  dto: SearchDto,
  rows: T[],
  special: Record<string, (row: T) => unknown> = {},
): { fromRecord: number; toRecord: number; totalRecord: number; data: T[] } {
  const get = (row: T, col: string): unknown => (col in special ? special[col](row) : row[col]);
  const known = (col: string): boolean =>
    col in special || rows.length === 0 || Object.prototype.hasOwnProperty.call(rows[0], col);
  let out = rows;
  for (const f of dto.filters ?? []) {
    if (!f.columnName) throw fail(req, "PMS_PRT_311", "Column is missing in request");
    if (!f.type) throw fail(req, "PMS_PRT_312", "Filter type is missing");
    const col = f.columnName;
    if (!known(col)) throw fail(req, "PMS_PRT_310", `Invalid column received : ${col}`);
    const type = f.type.toLowerCase();
    const str = (x: unknown) => (x === null || x === undefined ? "" : String(x));
    const want = str(f.value).toLowerCase();
    out = out.filter((row) => {
      const have = str(get(row, col)).toLowerCase();
      switch (type) {
        case "equals":
          return have === want;
        case "startswith":
          return have.startsWith(want);
        case "contains":
          return have.includes(want);
        case "in":
          return (f.values ?? []).map((v) => str(v).toLowerCase()).includes(have);
        case "between": {
          if (f.fromValue === undefined || f.toValue === undefined) {
            throw fail(req, "PMS_PRT_315", "Invalid fromValue or toValue");
          }
          return have >= str(f.fromValue).toLowerCase() && have <= str(f.toValue).toLowerCase();
        }
        default:
          throw fail(req, "KER_PRT_390", "Invalid filter value");
      }
    });
  }
  for (const s of [...(dto.sort ?? [])].reverse()) {
    if (!s.sortField || !s.sortType) {
      throw fail(req, "PMS_PRT_314", "Missing sort field or sort type values");
    }
    const dir = s.sortType.toLowerCase();
    if (dir !== "asc" && dir !== "desc") {
      throw fail(req, "PMS_PRT_358", `Sort type ${s.sortType} is not supported`);
    }
    if (!known(s.sortField)) throw fail(req, "PMS_PRT_357", `Invalid sort field ${s.sortField}`);
    const field = s.sortField;
    out = [...out].sort((a, b) => {
      const x = String(get(a, field) ?? "");
      const y = String(get(b, field) ?? "");
      return (x < y ? -1 : x > y ? 1 : 0) * (dir === "asc" ? 1 : -1);
    });
  }
  const pageStart = dto.pagination?.pageStart ?? 0;
  const pageFetch = dto.pagination?.pageFetch ?? 10;
  if (pageStart < 0 || pageFetch < 1) {
    throw fail(
      req,
      "PMS_PRT_313",
      `Invalid pagination value received pagestart:${pageStart} and pagefetch:${pageFetch}`,
    );
  }
  const from = pageStart * pageFetch;
  const page = out.slice(from, from + pageFetch);
  return {
    fromRecord: page.length ? from + 1 : 0,
    toRecord: page.length ? from + page.length : 0,
    totalRecord: out.length,
    data: page,
  };
}
