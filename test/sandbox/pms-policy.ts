// PMS policy manager (`/v1/policymanager`): policy groups, policies, publish, read-backs and the
// search endpoints, per §4 of the MOSIP API contract. Business errors are HTTP 200 + errors[];
// policy JSON is validated with a real JSON-schema validator against the Auth / DataShare / MISP
// schemas written from the contract's facts (pms-*-policy-schema.json).
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { kernelErr, kernelOk, Reply, type SandboxRequest } from "./http";
import authSchema from "./pms-auth-policy-schema.json";
import dataShareSchema from "./pms-data-share-policy-schema.json";
import mispSchema from "./pms-misp-policy-schema.json";
import {
  addYears,
  allowedCredentialTypes,
  allowedPolicyTypes,
  DEFAULTS,
  fail,
  invalid,
  now,
  pmsProperty,
  pmsState,
  publishEvent,
  randomId,
  requestObject,
  search,
  Validator,
  type PmsState,
  type PolicyGroupRow,
  type PolicyRow,
  type SearchDto,
} from "./pms-common";
import type { Principal, SandboxContext } from "./types";

const BASE = "/v1/policymanager";
const AUDIENCE = "partner-management-default.properties";

/** `mosip.role.pms.*` of partner-management-default.properties (1.2.0.1). */
export const POLICY_ROLES = {
  admin: ["PARTNER_ADMIN", "POLICYMANAGER"],
  groupSearch: ["PARTNER_ADMIN", "AUTH_PARTNER", "CREDENTIAL_PARTNER", "POLICYMANAGER"],
  activeGroup: [
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
    "ABIS_PARTNER",
    "MANUAL_ADJUDICATION",
    "POLICYMANAGER",
  ],
};

/** DB column sizes of pms.auth_policy that bean validation does not cover. */
const POLICY_FILE_MAX = 5120;
const VERSION_MAX = 8;
const POLICY_ID_MAX = 36;

const ajv = new Ajv({ allErrors: true, strict: false });
const validators: Record<string, ValidateFunction> = {
  auth: ajv.compile(authSchema),
  datashare: ajv.compile(dataShareSchema),
  misp: ajv.compile(mispSchema),
};

/** `pmp.<type lowercased>.policy.schema`: CredentialIssuance shares the data-share schema. */
function schemaFor(policyType: string): ValidateFunction | undefined {
  const t = policyType.toLowerCase();
  if (t === "credentialissuance") return validators.datashare;
  return validators[t];
}

/** Validator errors the way PMS's policy-validator words them (PMS_PV_005 / PMS_PV_006). */
function schemaErrors(errors: ErrorObject[]): { errorCode: string; message: string }[] {
  const path = (e: ErrorObject) => e.instancePath.replace(/^\//, "").replace(/\//g, ".");
  return errors.map((e) => {
    if (e.keyword === "required") {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const at = path(e);
      return {
        errorCode: "PMS_PV_006",
        message: `Missing input parameter - ${at ? `${at}.` : ""}${missing}`,
      };
    }
    if (e.keyword === "additionalProperties") {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const at = path(e);
      return {
        errorCode: "PMS_PV_005",
        message: `Invalid input parameter - ${at ? `${at}.` : ""}${extra}`,
      };
    }
    return {
      errorCode: "PMS_PV_005",
      message: `Invalid input parameter - ${path(e) || "policies"}`,
    };
  });
}

export function groupEntity(g: PolicyGroupRow): Record<string, unknown> {
  return {
    id: g.id,
    crBy: g.crBy,
    crDtimes: g.crDtimes,
    delDtimes: g.delDtimes,
    desc: g.desc,
    isActive: g.isActive,
    isDeleted: g.isDeleted,
    name: g.name,
    updBy: g.updBy,
    updDtimes: g.updDtimes,
    userId: g.userId,
  };
}

function groupCreateDto(g: PolicyGroupRow): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    desc: g.desc,
    is_Active: g.isActive,
    cr_by: g.crBy,
    cr_dtimes: g.crDtimes,
    up_by: g.updBy,
    upd_dtimes: g.updDtimes,
  };
}

export function policyStatus(p: PolicyRow): string {
  return p.isActive ? "PUBLISHED" : "DRAFTED";
}

/** `PolicyDto` (policies inside a group read-back). */
function policyDto(p: PolicyRow): Record<string, unknown> {
  return {
    policyId: p.id,
    policyName: p.name,
    policyDesc: p.desc,
    publishDate: p.validFromDate,
    validTill: p.validToDate,
    status: policyStatus(p),
    version: p.version,
    schema: p.policySchema,
    is_Active: p.isActive,
    cr_by: p.crBy,
    cr_dtimes: p.crDtimes,
    up_by: p.updBy,
    upd_dtimes: p.updDtimes,
    policies: JSON.parse(p.policyFile) as unknown,
  };
}

/** `PolicyResponseDto` (GET /policies/{id}, publish, list). */
export function policyResponseDto(s: PmsState, p: PolicyRow): Record<string, unknown> {
  const g = s.policyGroups.get(p.policyGroupId);
  return {
    policyGroupId: p.policyGroupId,
    policyGroupName: g?.name ?? null,
    policyGroupDesc: g?.desc ?? null,
    policyGroupStatus: g?.isActive ?? null,
    policyGroup_cr_by: g?.crBy ?? null,
    policyGroup_cr_dtimes: g?.crDtimes ?? null,
    policyGroup_up_by: g?.updBy ?? null,
    policyGroup_upd_dtimes: g?.updDtimes ?? null,
    policyId: p.id,
    policyName: p.name,
    policyDesc: p.desc,
    policyType: p.policyType,
    publishDate: p.validFromDate,
    validTill: p.validToDate,
    status: policyStatus(p),
    version: p.version,
    schema: p.policySchema,
    is_Active: p.isActive,
    cr_by: p.crBy,
    cr_dtimes: p.crDtimes,
    up_by: p.updBy,
    upd_dtimes: p.updDtimes,
    policies: JSON.parse(p.policyFile) as unknown,
  };
}

function policyCreateDto(s: PmsState, p: PolicyRow): Record<string, unknown> {
  return {
    id: p.id,
    policyGroupName: s.policyGroups.get(p.policyGroupId)?.name ?? null,
    name: p.name,
    desc: p.desc,
    is_Active: p.isActive,
    cr_by: p.crBy,
    cr_dtimes: p.crDtimes,
    up_by: p.updBy,
    upd_dtimes: p.updDtimes,
  };
}

function groupWithPolicies(s: PmsState, g: PolicyGroupRow): Record<string, unknown> {
  return {
    policyGroup: groupEntity(g),
    policies: [...s.policies.values()].filter((p) => p.policyGroupId === g.id).map(policyDto),
  };
}

function groupByName(s: PmsState, name: string): PolicyGroupRow | undefined {
  return [...s.policyGroups.values()].find((g) => g.name === name);
}

export async function register(sb: SandboxContext): Promise<void> {
  const s = pmsState(sb);
  // The seed shows what is in force: the config repo's lists when the config server answers
  // (it registers before PMS), MOSIP 1.2.0.1's defaults otherwise.
  await allowedPolicyTypes(sb);
  await allowedCredentialTypes(sb);
  const auth = (req: SandboxRequest, roles: string[]): Promise<Principal> =>
    sb.authenticate(req, { audienceFile: AUDIENCE, roles });
  const r = sb.router;

  // ---- policy groups ------------------------------------------------------------------------

  r.add("POST", `${BASE}/policies/group/new`, async (req) => {
    const who = await auth(req, POLICY_ROLES.admin);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const desc = v.text("desc", { max: 128 });
    const name = v.text("name", { max: 128 });
    if (groupByName(s, name))
      throw fail(req, "PMS_POL_014", `Policy group exists with name : ${name}`);
    const g: PolicyGroupRow = {
      id: randomId(99_999, s.policyGroups),
      name,
      desc,
      isActive: true,
      isDeleted: false,
      crBy: who.userId,
      crDtimes: now(),
      updBy: null,
      updDtimes: null,
      delDtimes: null,
      userId: who.userId,
    };
    s.policyGroups.set(g.id, g);
    return kernelOk(groupCreateDto(g), req);
  });

  r.add("PUT", `${BASE}/policies/group/:policygroupId`, async (req) => {
    const who = await auth(req, POLICY_ROLES.admin);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const desc = v.text("desc", { max: 128 });
    const name = v.text("name", { max: 128 });
    const g = s.policyGroups.get(req.params.policygroupId);
    // MOSIP reuses the policy-id code for a missing group here (sic).
    if (!g) throw fail(req, "PMS_POL_008", "Policy ID does not exist");
    const other = groupByName(s, name);
    if (other && other.id !== g.id) {
      throw fail(req, "PMS_POL_014", `Policy group exists with name : ${name}`);
    }
    const isActive = body.isActive as boolean | null | undefined;
    if (isActive !== g.isActive) {
      const active = [...s.policies.values()].some((p) => p.policyGroupId === g.id && p.isActive);
      if (active) {
        throw fail(req, "PMS_POL_056", "Active policies exists under the policy group.");
      }
      // UNCONFIRMED: a null isActive is stored as false here (MOSIP would try to store null).
      g.isActive = isActive === true;
    }
    g.name = name;
    g.desc = desc;
    g.updBy = who.userId;
    g.updDtimes = now();
    return kernelOk(groupCreateDto(g), req);
  });

  // Registered before `/policies/group/:id` so "all" is not taken for an id.
  r.add("GET", `${BASE}/policies/group/all`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    return kernelOk(
      [...s.policyGroups.values()].map((g) => groupWithPolicies(s, g)),
      req,
    );
  });

  r.add("GET", `${BASE}/policies/group/:policygroupId`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    const g = s.policyGroups.get(req.params.policygroupId);
    if (!g) throw fail(req, "PMS_POL_016", "Policy Group ID does not exist");
    return kernelOk(groupWithPolicies(s, g), req);
  });

  r.add("GET", `${BASE}/policies/active/group/:groupName`, async (req) => {
    await auth(req, POLICY_ROLES.activeGroup);
    const g = groupByName(s, req.params.groupName);
    if (!g) throw fail(req, "PMS_POL_019", "Policy group name does not exist");
    if (!g.isActive) throw fail(req, "PMS_POL_053", "Policy group is not active.");
    const out = [...s.policies.values()]
      .filter((p) => p.policyGroupId === g.id && p.isActive)
      .map((p) => ({
        policyGroupId: g.id,
        policyGroupName: g.name,
        id: p.id,
        name: p.name,
        descr: p.desc,
        policyType: p.policyType,
      }));
    return kernelOk(out, req);
  });

  r.add("POST", `${BASE}/policies/group/search`, async (req) => {
    await auth(req, POLICY_ROLES.groupSearch);
    const dto = requestObject(req) as SearchDto;
    const rows = [...s.policyGroups.values()].map(groupEntity);
    return kernelOk(search(req, dto, rows), req);
  });

  // ---- policies -----------------------------------------------------------------------------

  /** Schema + column-size checks shared by create and update. */
  function checkPolicies(req: SandboxRequest, policyType: string, policies: unknown): string {
    if (policies === undefined || policies === null || typeof policies !== "object") {
      throw invalid(req, "must not be null", "policies");
    }
    const validate = schemaFor(policyType);
    if (!validate) {
      throw fail(req, "PMS_POL_051", "Policy Schema and policy are not matching");
    }
    if (!validate(policies)) {
      throw new Reply(kernelErr(schemaErrors(validate.errors ?? []), req));
    }
    const text = JSON.stringify(policies);
    // UNCONFIRMED: an over-long value fails at insert; the policy service's generic handler
    // answers PMS_COR_003.
    if (text.length > POLICY_FILE_MAX) {
      throw fail(req, "PMS_COR_003", "Could not process the request");
    }
    return text;
  }

  function activeGroup(req: SandboxRequest, name: string): PolicyGroupRow {
    const g = groupByName(s, name);
    if (!g) throw fail(req, "PMS_POL_019", "Policy group name does not exist");
    if (!g.isActive) throw fail(req, "PMS_POL_053", "Policy group is not active.");
    return g;
  }

  r.add("POST", `${BASE}/policies`, async (req) => {
    const who = await auth(req, POLICY_ROLES.admin);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const desc = v.text("desc", { max: 128 });
    const name = v.text("name", { max: 128 });
    const policyGroupName = v.text("policyGroupName", { max: 128 });
    const policyType = v.text("policyType", { max: 128 });
    const version = v.text("version");
    if (body.policies === undefined || body.policies === null) {
      throw invalid(req, "must not be null", "policies");
    }
    const requestedId = typeof body.policyId === "string" ? body.policyId.trim() : "";

    const allowed = await allowedPolicyTypes(sb);
    if (!allowed.some((t) => t.toLowerCase() === policyType.toLowerCase())) {
      throw fail(req, "PMS_POL_023", "Given policy type is not allowed ");
    }
    const g = activeGroup(req, policyGroupName);
    if ([...s.policies.values()].some((p) => p.policyGroupId === g.id && p.name === name)) {
      throw fail(req, "PMS_POL_009", `Auth policy exists with name : ${name}`);
    }
    const policyFile = checkPolicies(req, policyType, body.policies);
    // UNCONFIRMED: DB constraint failures (varchar(8) version, varchar(36) id, duplicate id)
    // surface through the generic handler as PMS_COR_003.
    if (version.length > VERSION_MAX || requestedId.length > POLICY_ID_MAX) {
      throw fail(req, "PMS_COR_003", "Could not process the request");
    }
    if (requestedId && s.policies.has(requestedId)) {
      throw fail(req, "PMS_COR_003", "Could not process the request");
    }
    const p: PolicyRow = {
      id: requestedId || randomId(99_999, s.policies),
      policyGroupId: g.id,
      name,
      desc,
      policyType,
      version,
      policyFile,
      isActive: false,
      isDeleted: false,
      validFromDate: now(),
      validToDate: addYears(200),
      policySchema: null,
      crBy: who.userId,
      crDtimes: now(),
      updBy: null,
      updDtimes: null,
      delDtimes: null,
    };
    s.policies.set(p.id, p);
    return kernelOk(policyCreateDto(s, p), req);
  });

  r.add("PUT", `${BASE}/policies/:policyId`, async (req) => {
    const who = await auth(req, POLICY_ROLES.admin);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const desc = v.text("desc", { max: 128 });
    const name = v.text("name", { max: 128 });
    const policyGroupName = v.text("policyGroupName", { max: 128 });
    const version = v.text("version");
    const g = activeGroup(req, policyGroupName);
    const p = s.policies.get(req.params.policyId);
    if (!p) throw fail(req, "PMS_POL_008", "Policy ID does not exist");
    if (p.policyGroupId !== g.id) {
      throw fail(req, "PMS_POL_015", "Policy group and policy not mapped.");
    }
    if (p.isActive) throw fail(req, "PMS_POL_055", "Published policy cannot be updated.");
    const clash = [...s.policies.values()].find(
      (o) => o.policyGroupId === g.id && o.name === name && o.id !== p.id,
    );
    if (clash) throw fail(req, "PMS_POL_009", `Auth policy exists with name : ${name}`);
    const policyFile = checkPolicies(req, p.policyType, body.policies);
    if (version.length > VERSION_MAX) {
      throw fail(req, "PMS_COR_003", "Could not process the request");
    }
    Object.assign(p, { name, desc, version, policyFile, updBy: who.userId, updDtimes: now() });
    return kernelOk(policyCreateDto(s, p), req);
  });

  r.add("POST", `${BASE}/policies/:policyId/group/:policygroupId/publish`, async (req) => {
    const who = await auth(req, POLICY_ROLES.admin);
    const g = s.policyGroups.get(req.params.policygroupId);
    if (!g) throw fail(req, "PMS_POL_016", "Policy Group ID does not exist");
    if (!g.isActive) throw fail(req, "PMS_POL_053", "Policy group is not active.");
    const p = s.policies.get(req.params.policyId);
    if (!p) throw fail(req, "PMS_POL_008", "Policy ID does not exist");
    if (p.policyGroupId !== g.id) {
      throw fail(req, "PMS_POL_015", "Policy group and policy not mapped.");
    }
    if (p.isActive) throw fail(req, "PMS_POL_020", "Can not publish the published policy");
    p.isActive = true;
    p.policySchema = (await pmsProperty(sb, "pmp.policy.schema.url")) ?? DEFAULTS.policySchemaUrl;
    p.updBy = who.userId;
    p.updDtimes = now();
    const dto = policyResponseDto(s, p);
    await publishEvent(sb, "POLICY_UPDATED", { policyData: dto });
    return kernelOk(dto, req);
  });

  r.add("PATCH", `${BASE}/policies/:policyId/group/:policygroupId`, async (req) => {
    const who = await auth(req, POLICY_ROLES.admin);
    const body = requestObject(req);
    const status = new Validator(req, body).text("status");
    const wanted = status.toLowerCase();
    if (wanted !== "active" && wanted !== "de-active") {
      throw fail(req, "PMS_POL_045", "Policy Status either Active or De-active.");
    }
    const g = s.policyGroups.get(req.params.policygroupId);
    if (!g) throw fail(req, "PMS_POL_016", "Policy Group ID does not exist");
    const p = s.policies.get(req.params.policyId);
    if (!p) throw fail(req, "PMS_POL_008", "Policy ID does not exist");
    if (p.policyGroupId !== g.id) {
      throw fail(req, "PMS_POL_015", "Policy group and policy not mapped.");
    }
    if (p.isActive) {
      throw fail(req, "PMS_POL_058", "Status cannot be changed for published policy.");
    }
    if (wanted === "active") throw fail(req, "PMS_POL_054", "Cannot activate unpublished policy.");
    const activeKeys = [...s.apiKeys.values()].some((k) => k.policyId === p.id && k.isActive);
    if (activeKeys) throw fail(req, "PMS_POL_057", "Active apiKey exists under the policy.");
    p.updBy = who.userId;
    p.updDtimes = now();
    return kernelOk({ message: "status updated successfully" }, req);
  });

  r.add("GET", `${BASE}/policies`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    return kernelOk(
      [...s.policies.values()].map((p) => policyResponseDto(s, p)),
      req,
    );
  });

  r.add("POST", `${BASE}/policies/search`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    const dto = requestObject(req) as SearchDto & { policyType?: unknown };
    if (dto.policyType === undefined || dto.policyType === null) {
      throw invalid(req, "must not be null", "policyType");
    }
    const type = String(dto.policyType);
    const rows = [...s.policies.values()]
      .filter(
        (p) => type.toLowerCase() === "all" || p.policyType.toLowerCase() === type.toLowerCase(),
      )
      .map((p) => {
        const g = s.policyGroups.get(p.policyGroupId);
        return {
          id: p.id,
          crBy: p.crBy,
          crDtimes: p.crDtimes,
          delDtimes: p.delDtimes,
          desc: p.desc,
          isActive: p.isActive,
          isDeleted: p.isDeleted,
          name: p.name,
          policies: p.policyFile,
          updBy: p.updBy,
          updDtimes: p.updDtimes,
          validFromDate: p.validFromDate,
          validToDate: p.validToDate,
          version: p.version,
          policyType: p.policyType,
          schema: p.policySchema,
          policyGroupId: p.policyGroupId,
          policyGroupName: g?.name ?? null,
        };
      });
    // `policyGroupName` is a substring filter in MOSIP whatever type the caller asked for.
    const filters = (dto.filters ?? []).map((f) =>
      f.columnName === "policyGroupName" ? { ...f, type: "contains" } : f,
    );
    return kernelOk(search(req, { ...dto, filters }, rows), req);
  });

  r.add("GET", `${BASE}/policies/config/:key`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    const value = (await pmsProperty(sb, req.params.key)) ?? null;
    return kernelOk({ key: req.params.key, value }, req);
  });

  r.add("GET", `${BASE}/policies/:policyId/partner/:partnerId`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    const key = [...s.apiKeys.values()].find(
      (k) =>
        k.policyId === req.params.policyId && k.partnerId === req.params.partnerId && k.isActive,
    );
    const p = s.policies.get(req.params.policyId);
    if (!key || !p) throw fail(req, "PMS_POL_017", "No policy available for given partner");
    return kernelOk(policyResponseDto(s, p), req);
  });

  r.add("GET", `${BASE}/policies/:policyId`, async (req) => {
    await auth(req, POLICY_ROLES.admin);
    const p = s.policies.get(req.params.policyId);
    if (!p) throw fail(req, "PMS_POL_008", "Policy ID does not exist");
    return kernelOk(policyResponseDto(s, p), req);
  });
}
