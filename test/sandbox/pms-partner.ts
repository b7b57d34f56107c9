// PMS partner manager (`/v1/partnermanager`), per §5 of the MOSIP API contract: partner
// self-registration and read-backs, certificates (delegated to the keymanager), partner <-> policy
// mapping requests and their approval, biometric extractors, credential-type mappings, API keys,
// and OIDC clients (delegated to eSignet). Also fills in `sb.pms.credentialPartners()`.
import { randomBytes } from "node:crypto";
import { kernelErr, kernelOk, Reply, type SandboxRequest } from "./http";
import {
  addDays,
  allowedCredentialTypes,
  DEFAULTS,
  fail,
  invalid,
  now,
  PARTNER_TYPES,
  pmsList,
  pmsProperty,
  pmsState,
  publishEvent,
  randomId,
  requestObject,
  search,
  Validator,
  type MappingRow,
  type MispLicenseRow,
  type OidcClientRow,
  type PartnerRow,
  type PmsState,
  type PolicyRow,
  type SearchDto,
} from "./pms-common";
import { canonicalJwk, oidcClientId, policyAcrs, policyClaims } from "./pms-oidc";
import { policyStatus } from "./pms-policy";
import type { CredentialPartner, Principal, SandboxContext } from "./types";

const BASE = "/v1/partnermanager";
const AUDIENCE = "partner-management-default.properties";
const PARTNER_ADMIN = "PARTNER_ADMIN";

/** `mosip.role.pms.*` of partner-management-default.properties (1.2.0.1). */
export const PARTNER_ROLES = {
  getPartner: [
    "PARTNER",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "RESIDENT",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "ABIS_PARTNER",
    "SDK_PARTNER",
    "MANUAL_ADJUDICATION",
    "MISP_PARTNER",
  ],
  putPartner: [
    "PARTNER",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "ABIS_PARTNER",
    "MANUAL_ADJUDICATION",
    "MISP_PARTNER",
  ],
  getPartners: [
    "PARTNERMANAGER",
    "PARTNER_ADMIN",
    "partnermanager",
    "ID_AUTHENTICATION",
    "REGISTRATION_PROCESSOR",
    "RESIDENT",
    "CREDENTIAL_ISSUANCE",
    "ID_REPOSITORY",
  ],
  manager: ["PARTNERMANAGER", "PARTNER_ADMIN"],
  partnerSearch: [
    "PARTNER",
    "PMS_USER",
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "SDK_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "PARTNER_ADMIN",
    "CREDENTIAL_PARTNER",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  certUpload: [
    "PARTNER",
    "PMS_USER",
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "SDK_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "CREDENTIAL_PARTNER",
    "CREDENTIAL_ISSUANCE",
    "ID_AUTHENTICATION",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  certGet: [
    "PARTNER",
    "PMS_USER",
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "SDK_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "CREDENTIAL_PARTNER",
    "CREDENTIAL_ISSUANCE",
    "CREATE_SHARE",
    "ID_AUTHENTICATION",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  policyMap: [
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "CREDENTIAL_PARTNER",
    "CREDENTIAL_ISSUANCE",
    "ONLINE_VERIFICATION_PARTNER",
    "PARTNER_ADMIN",
  ],
  apiKeyRequests: [
    "PARTNER",
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "CREDENTIAL_PARTNER",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  keySearch: [
    "PARTNER",
    "PMS_USER",
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "CREDENTIAL_PARTNER",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  policyGroupUpdate: [
    "PARTNER",
    "PMS_USER",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "PARTNER_ADMIN",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  credential: [
    "PARTNER",
    "CREDENTIAL_PARTNER",
    "PARTNER_ADMIN",
    "CREDENTIAL_ISSUANCE",
    "CREATE_SHARE",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  generateApiKey: [
    "AUTH_PARTNER",
    "ABIS_PARTNER",
    "CREDENTIAL_PARTNER",
    "CREDENTIAL_ISSUANCE",
    "ONLINE_VERIFICATION_PARTNER",
  ],
  misp: ["MISP_PARTNER", "MISP", "PARTNERMANAGER", "PARTNER_ADMIN"],
  apiKeyStatus: [
    "PARTNERMANAGER",
    "PARTNER_ADMIN",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "CREDENTIAL_ISSUANCE",
    "ONLINE_VERIFICATION_PARTNER",
  ],
};

function isAdmin(who: Principal): boolean {
  return who.roles.includes(PARTNER_ADMIN);
}

/** The self rule: callers without PARTNER_ADMIN may only act on the partner they are. */
function selfRule(req: SandboxRequest, who: Principal, partnerId: string): void {
  if (!isAdmin(who) && who.userId !== partnerId) {
    throw fail(req, "PMS_PRT_055", "User not authorized.");
  }
}

/** The `partnerData` member of PMS's websub events (what IDA caches). */
function partnerData(p: PartnerRow): Record<string, unknown> {
  return {
    partnerId: p.id,
    partnerName: p.name,
    certificateData: p.signedCertificate,
    partnerStatus: p.isActive ? "Active" : "De-Active",
  };
}

function partnerStatus(p: PartnerRow): string {
  return p.isActive ? "active" : "De-active";
}

function latestMapping(s: PmsState, partnerId: string, policyId: string): MappingRow[] {
  return [...s.mappingRequests.values()]
    .filter((m) => m.partnerId === partnerId && m.policyId === policyId)
    .sort((a, b) => (a.crDtimes < b.crDtimes ? -1 : a.crDtimes > b.crDtimes ? 1 : 0));
}

async function languages(sb: SandboxContext): Promise<string[]> {
  const read = async (key: string): Promise<string[]> => {
    try {
      const v = await sb.config.getProperty("application-default.properties", key);
      return (v ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  const all = [
    ...(await read("mosip.mandatory-languages")),
    ...(await read("mosip.optional-languages")),
  ];
  return all.length ? all : DEFAULTS.languages;
}

export function register(sb: SandboxContext): void {
  const s = pmsState(sb);
  const auth = (req: SandboxRequest, roles: string[]): Promise<Principal> =>
    sb.authenticate(req, { audienceFile: AUDIENCE, roles });
  const r = sb.router;

  const partnerOr = (req: SandboxRequest, id: string, code = "PMS_PRT_005"): PartnerRow => {
    const p = s.partners.get(id);
    if (!p) {
      const msg = code === "PMS_PMP_005" ? "Partner ID does not exist" : "Partner does not exist";
      throw fail(req, code, msg);
    }
    return p;
  };

  /** A policy by name in the partner's group, with the usability rules of the partner service. */
  const groupPolicy = (
    req: SandboxRequest,
    partner: PartnerRow,
    policyName: string,
    codes: { missing: [string, string] },
  ): PolicyRow => {
    const policy = [...s.policies.values()].find(
      (p) => p.policyGroupId === partner.policyGroupId && p.name === policyName,
    );
    if (!policy) throw fail(req, codes.missing[0], codes.missing[1]);
    const group = s.policyGroups.get(policy.policyGroupId);
    if (!group?.isActive) throw fail(req, "PMS_PMP_023", "Policy group is not active.");
    if (!policy.isActive) throw fail(req, "PMS_PMP_019", "Policy is not active.");
    if (new Date(policy.validToDate).getTime() < Date.now()) {
      throw fail(req, "PMS_PMP_018", "Policy expired.");
    }
    return policy;
  };

  // ---- partners -----------------------------------------------------------------------------

  async function registerPartner(req: SandboxRequest, v2: boolean) {
    const who = await auth(req, []);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const partnerId = v.text("partnerId");
    const organizationName = v.text("organizationName", { max: 128 });
    const address = v.text("address", { max: 2000 });
    // UNCONFIRMED: the length rule of contactNumber answers PMS_PRT_013 (the documented code),
    // so only @NotBlank is applied as bean validation here.
    const contactNumber = v.text("contactNumber");
    const emailId = v.text("emailId", { max: 254 });
    const partnerType = v.text("partnerType");
    const policyGroupName = typeof body.policyGroup === "string" ? body.policyGroup : "";
    const all = [...s.partners.values()];

    const callerEmail = typeof who.claims.email === "string" ? who.claims.email : undefined;
    if (callerEmail && all.some((p) => p.emailId.toLowerCase() === callerEmail.toLowerCase())) {
      throw fail(req, "PMS_PRT_055", "User not authorized.");
    }
    if (contactNumber.length > 16) {
      throw fail(req, "PMS_PRT_013", "Invalid mobile number.Length should be less than 16.");
    }
    const regex =
      (await pmsProperty(sb, "pmp.partner.valid.email.address.regex")) ?? DEFAULTS.emailRegex;
    if (!new RegExp(regex).test(emailId)) throw fail(req, "PMS_PRT_012", "Invalid emailId.");
    if (/\s/.test(partnerId)) {
      throw fail(req, "PMS_PRT_066", "PartnerId should not have any spaces");
    }
    const maxLen = Number(
      (await pmsProperty(sb, "pmp.partner.partnerId.max.length")) ?? DEFAULTS.partnerIdMaxLength,
    );
    if (partnerId.length > maxLen) {
      throw fail(req, "PMS_PRT_052", `PartnerId max length should be ${maxLen}`);
    }
    if (all.some((p) => p.emailId.toLowerCase() === emailId.toLowerCase())) {
      throw fail(req, "PMS_PRT_011", "Email is already exists.");
    }
    const langs = await languages(sb);
    const langCode = typeof body.langCode === "string" && body.langCode ? body.langCode : langs[0];
    if (!langs.includes(langCode)) {
      throw fail(req, "PMS_PRT_056", "Given langCode is not supported");
    }
    if (s.partners.has(partnerId)) {
      throw fail(req, "PMS_PRT_051", "A Partner is already registered with the same Id");
    }
    let additionalInfo = "[]";
    if (v2 && body.additionalInfo !== undefined && body.additionalInfo !== null) {
      if (typeof body.additionalInfo === "string") {
        try {
          JSON.parse(body.additionalInfo);
        } catch {
          throw fail(req, "PMS_PRT_096", "Json is not valid");
        }
        additionalInfo = body.additionalInfo;
      } else additionalInfo = JSON.stringify(body.additionalInfo);
    }
    const type = PARTNER_TYPES.find((t) => t.code.toLowerCase() === partnerType.toLowerCase());
    if (!type) throw fail(req, "PMS_PRT_010", "Partner Type does not exist");
    let policyGroupId: string | null = null;
    if (type.isPolicyRequired) {
      if (!policyGroupName.trim()) {
        throw fail(req, "PMS_PRT_108", `Policy group is Mandatory for ${type.code}`);
      }
      const g = [...s.policyGroups.values()].find((x) => x.name === policyGroupName);
      if (!g) throw fail(req, "PMS_PRT_002", "Policy group does not exist");
      if (!g.isActive) throw fail(req, "PMS_PMP_023", "Policy group is not active.");
      policyGroupId = g.id;
    }
    const row: PartnerRow = {
      id: partnerId,
      name: organizationName,
      address,
      contactNo: contactNumber,
      emailId,
      partnerTypeCode: type.code,
      policyGroupId,
      isActive: false,
      isDeleted: false,
      approvalStatus: "InProgress",
      certificateAlias: null,
      signedCertificate: null,
      userId: partnerId,
      langCode,
      logoUrl: v2 && typeof body.logoUrl === "string" ? body.logoUrl : null,
      additionalInfo,
      crBy: who.userId,
      crDtimes: now(),
      updBy: null,
      updDtimes: null,
      delDtimes: null,
    };
    s.partners.set(row.id, row);
    return kernelOk({ partnerId: row.id, status: row.approvalStatus }, req);
  }

  r.add("POST", `${BASE}/partners`, (req) => registerPartner(req, false));
  r.add("POST", `${BASE}/partners/v2`, (req) => registerPartner(req, true));

  r.add("POST", `${BASE}/partners/search`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.partnerSearch);
    const dto = requestObject(req) as SearchDto & { partnerType?: unknown };
    if (typeof dto.partnerType !== "string" || !dto.partnerType.trim()) {
      throw invalid(req, "must not be blank", "partnerType");
    }
    const type = dto.partnerType.toLowerCase();
    const rows = [...s.partners.values()]
      .filter((p) => type === "all" || p.partnerTypeCode.toLowerCase() === type)
      .filter((p) => isAdmin(who) || p.id === who.userId)
      .map((p) => ({
        id: p.id,
        address: p.address,
        contactNo: p.contactNo,
        crBy: p.crBy,
        crDtimes: p.crDtimes,
        delDtimes: p.delDtimes,
        emailId: p.emailId,
        isActive: p.isActive,
        isDeleted: p.isDeleted,
        name: p.name,
        policyGroupId: p.policyGroupId,
        certificateAlias: p.certificateAlias,
        partnerTypeCode: p.partnerTypeCode,
        approvalStatus: p.approvalStatus,
        updBy: p.updBy,
        updDtimes: p.updDtimes,
        userId: p.userId,
        langCode: p.langCode,
      }));
    return kernelOk(search(req, dto, rows), req);
  });

  const listPartners = (v2: boolean) => async (req: SandboxRequest) => {
    await auth(req, PARTNER_ROLES.getPartners);
    const type = req.query.get("partnerType");
    const rows = [...s.partners.values()].filter(
      (p) => !type || p.partnerTypeCode.toLowerCase() === type.toLowerCase(),
    );
    // MOSIP answers an empty result with an error, not an empty list.
    if (rows.length === 0) throw fail(req, "PMS_PMP_013", "Partner does not exist");
    return kernelOk(
      {
        partners: rows.map((p) => ({
          partnerID: p.id,
          status: partnerStatus(p),
          organizationName: p.name,
          contactNumber: p.contactNo,
          emailId: p.emailId,
          address: p.address,
          partnerType: p.partnerTypeCode,
          ...(v2 ? { logoUrl: p.logoUrl, additionalInfo: JSON.parse(p.additionalInfo) } : {}),
        })),
      },
      req,
    );
  };
  r.add("GET", `${BASE}/partners/v2`, listPartners(true));

  // ---- certificates -------------------------------------------------------------------------

  r.add("POST", `${BASE}/partners/certificate/ca/upload`, async (req) => {
    await auth(req, PARTNER_ROLES.manager);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const certificateData = v.text("certificateData");
    const partnerDomain = v.text("partnerDomain");
    const out = sb.keymanager.uploadCaCertificate(certificateData, partnerDomain);
    if ("errorCode" in out) throw fail(req, out.errorCode, out.message);
    await publishEvent(sb, "CA_CERTIFICATE_UPLOADED", {
      certificateData,
      partnerDomain: partnerDomain.toUpperCase(),
    });
    return kernelOk({ status: out.status, timestamp: now() }, req);
  });

  r.add("POST", `${BASE}/partners/certificate/upload`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.certUpload);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const certificateData = v.text("certificateData");
    const partnerDomain = v.text("partnerDomain");
    const partnerId = v.text("partnerId");
    // PMS 1.2.0.1 uploadPartnerCertificate checks the caller before looking the partner up, so a
    // non-admin caller gets PMS_PRT_055 for an unknown id too (it cannot probe which ids exist).
    selfRule(req, who, partnerId);
    const partner = partnerOr(req, partnerId);
    const type = PARTNER_TYPES.find((t) => t.code === partner.partnerTypeCode);
    if (type?.isPolicyRequired && !partner.policyGroupId) {
      throw fail(req, "PMS_PRT_054", "Policy group not mapped for given partner");
    }
    const out = sb.keymanager.uploadPartnerCertificate(
      certificateData,
      partnerDomain,
      partner.name,
      partner.id,
    );
    if ("errorCode" in out) throw fail(req, out.errorCode, out.message);
    partner.signedCertificate = out.signedCertificateData;
    partner.certificateAlias = out.certificateId;
    partner.isActive = true;
    partner.approvalStatus = "approved";
    partner.updBy = who.userId;
    partner.updDtimes = now();
    await publishEvent(sb, "PARTNER_UPDATED", { partnerData: partnerData(partner) });
    return kernelOk(
      {
        signedCertificateData: out.signedCertificateData,
        certificateId: out.certificateId,
        timestamp: now(),
      },
      req,
    );
  });

  // ---- mapping requests (literal paths first so they are not taken for a partner id) -------

  r.add("PUT", `${BASE}/partners/policy/:mappingkey`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.manager);
    const body = requestObject(req);
    const status = new Validator(req, body).text("status");
    const wanted = status.toLowerCase();
    if (wanted !== "approved" && wanted !== "rejected") {
      throw fail(req, "PMS_PM_045", "Status should be either Approved or Rejected");
    }
    const m = s.mappingRequests.get(req.params.mappingkey);
    if (!m) throw fail(req, "PMS_PMP_007", "Partner api key does not exist");
    if (m.statusCode === "approved") {
      throw fail(req, "PMS_PM_034", "Policy request already approved.");
    }
    if (m.statusCode === "rejected") {
      throw fail(req, "PMS_PM_035", "Policy request already rejected.");
    }
    const partner = s.partners.get(m.partnerId);
    if (wanted === "approved" && partner) {
      const needs = await pmsList(
        sb,
        "pmp.bioextractors.required.partner.types",
        DEFAULTS.bioExtractorsRequiredPartnerTypes,
      );
      const has = (s.bioExtractors.get(`${m.partnerId}|${m.policyId}`) ?? []).length > 0;
      if (needs.includes(partner.partnerTypeCode) && !has) {
        throw fail(req, "PMS_PM_051", "Extractors are not present. Please add extractors.");
      }
    }
    const policy = s.policies.get(m.policyId);
    if (!policy) throw fail(req, "PMS_PMP_017", "Partner is not mapped to any policy.");
    if (!policy.isActive) throw fail(req, "PMS_PMP_019", "Policy is not active.");
    if (!s.policyGroups.get(policy.policyGroupId)?.isActive) {
      throw fail(req, "PMS_PMP_023", "Policy group is not active.");
    }
    if (new Date(policy.validToDate).getTime() < Date.now()) {
      throw fail(req, "PMS_PMP_018", "Policy expired.");
    }
    m.statusCode = wanted;
    m.updBy = who.userId;
    m.updDtimes = now();
    return kernelOk(
      wanted === "approved"
        ? "Policy mapping approved successfully"
        : "Policy mapping rejected successfully",
      req,
    );
  });

  const mappingDto = (m: MappingRow) => ({
    apiKeyReqNo: m.id,
    organizationName: s.partners.get(m.partnerId)?.name ?? null,
    partnerID: m.partnerId,
    policyDesc: m.requestDetail,
    policyId: m.policyId,
    status: m.statusCode,
  });

  r.add("GET", `${BASE}/partners/apikey`, async (req) => {
    await auth(req, PARTNER_ROLES.manager);
    const rows = [...s.mappingRequests.values()];
    if (rows.length === 0) {
      throw fail(req, "PMS_PMP_015", "No Partner api key requests for the Policy Group");
    }
    return kernelOk({ apikeyRequests: rows.map(mappingDto) }, req);
  });

  r.add("GET", `${BASE}/partners/apikey/:mappingkey`, async (req) => {
    await auth(req, PARTNER_ROLES.manager);
    const m = s.mappingRequests.get(req.params.mappingkey);
    if (!m) throw fail(req, "PMS_PMP_015", "No Partner api key requests for the Policy Group");
    return kernelOk(mappingDto(m), req);
  });

  r.add("POST", `${BASE}/partners/apikey/request/search`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.keySearch);
    const dto = requestObject(req) as SearchDto;
    const rows = [...s.mappingRequests.values()]
      .filter((m) => isAdmin(who) || m.partnerId === who.userId)
      .map((m) => ({
        apikeyRequestId: m.id,
        partnerId: m.partnerId,
        partnerName: s.partners.get(m.partnerId)?.name ?? null,
        policyId: m.policyId,
        policyName: s.policies.get(m.policyId)?.name ?? null,
        requestDatetimes: m.requestDatetimes,
        requestDetail: m.requestDetail,
        statusCode: m.statusCode,
        crBy: m.crBy,
        crDtimes: m.crDtimes,
        updBy: m.updBy,
        updDtimes: m.updDtimes,
        isDeleted: m.isDeleted,
        delDtimes: m.delDtimes,
      }));
    return kernelOk(search(req, dto, rows), req);
  });

  r.add("POST", `${BASE}/partners/apikey/search`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.keySearch);
    const dto = requestObject(req) as SearchDto;
    const rows = [...s.apiKeys.values()]
      .filter((k) => isAdmin(who) || k.partnerId === who.userId)
      .map((k) => ({
        label: k.label,
        crBy: k.crBy,
        crDtimes: k.crDtimes,
        delDtimes: k.delDtimes,
        isActive: k.isActive,
        isDeleted: k.isDeleted,
        policyId: k.policyId,
        policyName: s.policies.get(k.policyId)?.name ?? null,
        updBy: k.updBy,
        updDtimes: k.updDtimes,
        validFromDatetime: k.validFromDatetime,
        validToDatetime: k.validToDatetime,
        partnerId: k.partnerId,
        partnerName: s.partners.get(k.partnerId)?.name ?? null,
      }));
    return kernelOk(search(req, dto, rows), req);
  });

  r.add("POST", `${BASE}/partners/:partnerId/policy/map`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.policyMap);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const policyName = v.notNull("policyName");
    const useCaseDescription = v.notNull("useCaseDescription");
    const partnerId = req.params.partnerId;
    selfRule(req, who, partnerId);
    const partner = partnerOr(req, partnerId);
    if (!partner.isActive) throw fail(req, "PMS_PMP_016", "Partner is not active.");
    if (!partner.policyGroupId) {
      throw fail(req, "PMS_PRT_047", "Partner is not mapped to policy group");
    }
    const policy = groupPolicy(req, partner, policyName, {
      missing: ["PMS_PRT_098", "Given policy under partner's policy group not exists."],
    });
    const open = latestMapping(s, partner.id, policy.id).find(
      (m) => m.statusCode === "InProgress" || m.statusCode === "approved",
    );
    if (open) {
      throw fail(
        req,
        "PMS_PRT_053",
        `Mapping exists for given policy and partner and is in ${open.statusCode} state.`,
      );
    }
    const m: MappingRow = {
      id: randomId(999_999, s.mappingRequests),
      partnerId: partner.id,
      policyId: policy.id,
      requestDetail: useCaseDescription,
      statusCode: "InProgress",
      requestDatetimes: now(),
      crBy: who.userId,
      crDtimes: now(),
      updBy: null,
      updDtimes: null,
      delDtimes: null,
      isDeleted: false,
    };
    s.mappingRequests.set(m.id, m);
    return kernelOk(
      { mappingkey: m.id, message: "Policy mapping request submitted successfully." },
      req,
    );
  });

  r.add("GET", `${BASE}/partners/:partnerId/apikey/request`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.apiKeyRequests);
    selfRule(req, who, req.params.partnerId);
    const rows = [...s.mappingRequests.values()].filter(
      (m) => m.partnerId === req.params.partnerId,
    );
    if (rows.length === 0) throw fail(req, "PMS_PRT_006", "No api key req exist");
    const out = [];
    for (const m of rows) {
      if (m.statusCode === "approved") {
        // MOSIP looks up an API key whose value equals the request id and dereferences it
        // without a null check (contract §5.3, UNCONFIRMED at runtime): the generic handler.
        const key = s.apiKeys.get(m.id);
        if (!key) throw new Reply(kernelErr({ errorCode: null, message: "" }, req));
        out.push({
          apiKeyReqID: m.id,
          apiKeyRequestStatus: m.statusCode,
          partnerApiKey: key.apiKey,
          apikeyStatus: key.isActive,
          validityTill: key.validToDatetime,
        });
      } else {
        out.push({
          apiKeyReqID: m.id,
          apiKeyRequestStatus: m.statusCode,
          partnerApiKey: null,
          apikeyStatus: null,
          validityTill: null,
        });
      }
    }
    return kernelOk(out, req);
  });

  // ---- biometric extractors -----------------------------------------------------------------

  r.add("POST", `${BASE}/partners/:partnerId/bioextractors/:policyId`, async (req) => {
    await auth(req, PARTNER_ROLES.credential);
    const body = requestObject(req);
    const { partnerId, policyId } = req.params;
    const partner = partnerOr(req, partnerId);
    const allowed = await pmsList(
      sb,
      "pmp.bioextractors.required.partner.types",
      DEFAULTS.bioExtractorsRequiredPartnerTypes,
    );
    if (!allowed.includes(partner.partnerTypeCode)) {
      throw fail(
        req,
        "PMS_PRT_063",
        `Biometric extractors can be added only for:${allowed.join(",")}`,
      );
    }
    const requests = latestMapping(s, partnerId, policyId);
    if (requests.length === 0) {
      throw fail(req, "PMS_PRT_061", "Partner policy mapping not exists.");
    }
    if (requests.some((m) => m.statusCode === "approved")) {
      throw fail(
        req,
        "PMS_PRT_062",
        "Partner api key request is approved already. Cann't add extractors now.",
      );
    }
    const list = Array.isArray(body.extractors)
      ? (body.extractors as Record<string, unknown>[])
      : [];
    const key = `${partnerId}|${policyId}`;
    const stored = s.bioExtractors.get(key) ?? [];
    for (const e of list) {
      const ex = (e.extractor ?? {}) as Record<string, unknown>;
      const row = {
        attributeName: String(e.attributeName ?? ""),
        biometric: String(e.biometric ?? ""),
        extractor: { provider: String(ex.provider ?? ""), version: String(ex.version ?? "") },
      };
      const i = stored.findIndex((x) => x.attributeName === row.attributeName);
      if (i >= 0) stored[i] = row;
      else stored.push(row);
    }
    s.bioExtractors.set(key, stored);
    return kernelOk("Extractors added successfully.", req);
  });

  r.add("GET", `${BASE}/partners/:partnerId/bioextractors/:policyId`, async (req) => {
    await auth(req, PARTNER_ROLES.credential);
    const stored = s.bioExtractors.get(`${req.params.partnerId}|${req.params.policyId}`) ?? [];
    if (stored.length === 0) throw fail(req, "PMS_PRT_064", "No details found");
    return kernelOk({ extractors: stored }, req);
  });

  // ---- credential types ---------------------------------------------------------------------

  r.add(
    "POST",
    `${BASE}/partners/:partnerId/credentialtype/:credentialType/policies/:policyName`,
    async (req) => {
      const who = await auth(req, PARTNER_ROLES.credential);
      const { partnerId, credentialType, policyName } = req.params;
      const types = await allowedCredentialTypes(sb);
      if (!types.some((t) => t.toLowerCase() === credentialType.toLowerCase())) {
        throw fail(
          req,
          "PMS_PRT_072",
          `Given credential type is not allowed. Allowed credential types : ${types.join(",")}`,
        );
      }
      const partner = partnerOr(req, partnerId);
      if (!partner.isActive) throw fail(req, "PMS_PMP_016", "Partner is not active.");
      const mappable = await pmsList(
        sb,
        "policy.credential.type.mapping.allowed.partner.types",
        DEFAULTS.credentialMappingPartnerTypes,
      );
      if (!mappable.includes(partner.partnerTypeCode)) {
        throw fail(
          req,
          "PMS_PRT_070",
          `Credential mapping allowed only for :${mappable.join(",")}`,
        );
      }
      const policy = groupPolicy(req, partner, policyName, {
        missing: ["PMS_PRT_098", "Given policy under partner's policy group not exists."],
      });
      const existing = s.credentialTypes.find(
        (c) =>
          c.credentialType === credentialType &&
          c.partnerId === partnerId &&
          c.policyId === policy.id,
      );
      if (existing) {
        existing.crBy = who.userId;
        existing.crDtimes = now();
      } else {
        s.credentialTypes.push({
          credentialType,
          partnerId,
          policyId: policy.id,
          crBy: who.userId,
          crDtimes: now(),
        });
      }
      return kernelOk("Partner, policy and credentialType mapping done successfully.", req);
    },
  );

  r.add(
    "GET",
    `${BASE}/partners/:partnerId/credentialtype/:credentialType/policies`,
    async (req) => {
      await auth(req, PARTNER_ROLES.credential);
      const { partnerId, credentialType } = req.params;
      const rows = s.credentialTypes.filter(
        (c) => c.partnerId === partnerId && c.credentialType === credentialType,
      );
      // PMS 1.2.0.1 reads the pair with a single-row native query
      // (PartnerPolicyCredentialTypeRepository.findByPartnerIdAndCrdentialType) while the POST keys
      // rows by (type, partner, policy): two policies for one pair make the query throw, which the
      // partner service's generic handler answers with a null errorCode (HTTP 200).
      if (rows.length > 1) {
        throw new Reply(
          kernelErr(
            {
              errorCode: null,
              message: `query did not return a unique result: ${rows.length}`,
            },
            req,
          ),
        );
      }
      const row = rows[0];
      const p = row ? s.policies.get(row.policyId) : undefined;
      if (!row || !p) throw fail(req, "PMS_PRT_064", "No details found");
      return kernelOk(
        {
          partnerId,
          credentialType,
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
        },
        req,
      );
    },
  );

  // ---- API keys -----------------------------------------------------------------------------

  r.add("PATCH", `${BASE}/partners/:partnerId/generate/apikey`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.generateApiKey);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const label = v.text("label");
    const policyName = v.text("policyName");
    const partnerId = req.params.partnerId;
    // Whatever the roles: only the partner's own user may generate its keys.
    if (who.userId !== partnerId) throw fail(req, "PMS_PRT_055", "User not authorized.");
    const partner = partnerOr(req, partnerId, "PMS_PMP_005");
    if (!partner.isActive) throw fail(req, "PMS_PMP_016", "Partner is not active.");
    const policy = [...s.policies.values()].find(
      (p) => p.policyGroupId === partner.policyGroupId && p.name === policyName,
    );
    if (!policy) throw fail(req, "PMS_PMP_014", "Policy does not exist");
    const approved = latestMapping(s, partnerId, policy.id).some(
      (m) => m.statusCode === "approved",
    );
    if (!approved) throw fail(req, "PMS_PRT_109", "Given policy is not mapped to partner");
    const clash = [...s.apiKeys.values()].some(
      (k) => k.partnerId === partnerId && k.policyId === policy.id && k.label === label,
    );
    if (clash) {
      throw fail(req, "PMS_PRT_110", "Given label already exists.Provide unique label.");
    }
    if (label.length > 36) throw fail(req, null, "label is too long");
    const days = Number(
      (await pmsProperty(sb, "mosip.pmp.partner.policy.expiry.period.indays")) ??
        DEFAULTS.apiKeyExpiryDays,
    );
    const key = {
      apiKey: randomId(999_999, s.apiKeys),
      partnerId,
      policyId: policy.id,
      label,
      isActive: true,
      isDeleted: false,
      validFromDatetime: now(),
      validToDatetime: addDays(days),
      crBy: who.userId,
      crDtimes: now(),
      updBy: null,
      updDtimes: null,
      delDtimes: null,
    };
    s.apiKeys.set(key.apiKey, key);
    await publishEvent(sb, "APIKEY_APPROVED", {
      apiKeyData: {
        partnerId,
        policyId: policy.id,
        apiKeyId: key.apiKey,
        apiKeyCommenceOn: key.validFromDatetime,
        apiKeyExpiresOn: key.validToDatetime,
        apiKeyStatus: "Active",
      },
      partnerData: partnerData(partner),
      policyData: { policyId: policy.id, policyName: policy.name, policyStatus: "Active" },
    });
    return kernelOk({ apiKey: key.apiKey, label, policyId: policy.id, partnerId }, req);
  });

  r.add("PATCH", `${BASE}/partners/:partnerId/policy/:policyId/apiKey/status`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.apiKeyStatus);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const label = v.text("label");
    const status = v.text("status");
    const wanted = status.toLowerCase();
    if (wanted !== "active" && wanted !== "de-active") {
      throw fail(req, "PMS_PM_058", "Status should be either Active or De-Active");
    }
    selfRule(req, who, req.params.partnerId);
    const key = [...s.apiKeys.values()].find(
      (k) =>
        k.partnerId === req.params.partnerId &&
        k.policyId === req.params.policyId &&
        k.label === label,
    );
    if (!key) throw fail(req, "PMS_PRT_111", "API key not exists for the given combination");
    key.isActive = wanted === "active";
    key.updBy = who.userId;
    key.updDtimes = now();
    return kernelOk(
      key.isActive
        ? "Partner apikey activated successfully."
        : "Partner apikey de-activated successfully.",
      req,
    );
  });

  r.add("GET", `${BASE}/partners/:partnerId/apikey/:apikey`, async (req) => {
    await auth(req, PARTNER_ROLES.manager);
    const key = s.apiKeys.get(req.params.apikey);
    if (!key || key.partnerId !== req.params.partnerId) {
      throw fail(req, "PMS_PMP_009", "For given partner and apikey mapping not exists.");
    }
    return kernelOk({ partnerID: key.partnerId, policyId: key.policyId }, req);
  });

  // ---- partner by id (after every literal `/partners/<word>` path) --------------------------

  r.add("GET", `${BASE}/partners`, listPartners(false));

  r.add("GET", `${BASE}/partners/:partnerId/certificate`, async (req) => {
    await auth(req, PARTNER_ROLES.certGet);
    const partner = partnerOr(req, req.params.partnerId);
    if (!partner.signedCertificate) {
      throw fail(req, "PMS_PRT_108", "Certficate is not uploaded for the selected partner.");
    }
    return kernelOk({ certificateData: partner.signedCertificate, timestamp: now() }, req);
  });

  r.add("PUT", `${BASE}/partners/:partnerId/policygroup/:policygroupName`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.policyGroupUpdate);
    selfRule(req, who, req.params.partnerId);
    const partner = partnerOr(req, req.params.partnerId);
    const type = PARTNER_TYPES.find((t) => t.code === partner.partnerTypeCode);
    if (!type?.isPolicyRequired) {
      throw fail(req, "PMS_PRT_048", "policy group mapping is not required for given partner");
    }
    if (partner.isActive) {
      throw fail(req, "PMS_PRT_050", "Policy group cannot be updated for approved partner");
    }
    const g = [...s.policyGroups.values()].find((x) => x.name === req.params.policygroupName);
    if (!g) throw fail(req, "PMS_PRT_002", "Policy group does not exist");
    partner.policyGroupId = g.id;
    partner.updBy = who.userId;
    partner.updDtimes = now();
    return kernelOk("Success", req);
  });

  r.add("GET", `${BASE}/partners/:partnerId`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.getPartner);
    const partnerId = req.params.partnerId;
    selfRule(req, who, partnerId);
    const p = partnerOr(req, partnerId);
    return kernelOk(
      {
        partnerID: p.id,
        status: partnerStatus(p),
        organizationName: p.name,
        contactNumber: p.contactNo,
        emailId: p.emailId,
        address: p.address,
        partnerType: p.partnerTypeCode,
        policyGroup: p.policyGroupId ? (s.policyGroups.get(p.policyGroupId)?.name ?? null) : null,
        isActive: p.isActive,
      },
      req,
      { id: "mosip.partnermanagement.partners.retrieve", version: "1.0" },
    );
  });

  const updatePartner = (v2: boolean) => async (req: SandboxRequest) => {
    const who = await auth(req, PARTNER_ROLES.putPartner);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const address = v.text("address", { max: 2000 });
    const contactNumber = v.text("contactNumber", { max: 16 });
    selfRule(req, who, req.params.partnerId);
    const p = partnerOr(req, req.params.partnerId);
    p.address = address;
    p.contactNo = contactNumber;
    p.logoUrl = v2 && typeof body.logoUrl === "string" ? body.logoUrl : null;
    p.additionalInfo =
      v2 && body.additionalInfo !== undefined ? JSON.stringify(body.additionalInfo) : "[]";
    p.updBy = who.userId;
    p.updDtimes = now();
    return kernelOk({ partnerId: p.id, status: p.approvalStatus }, req);
  };
  r.add("PUT", `${BASE}/partners/v2/:partnerId`, updatePartner(true));
  r.add("PUT", `${BASE}/partners/:partnerId`, updatePartner(false));

  r.add("PATCH", `${BASE}/partners/:partnerId`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.manager);
    const body = requestObject(req);
    const status = new Validator(req, body).text("status");
    const p = partnerOr(req, req.params.partnerId, "PMS_PMP_005");
    const wanted = status.toLowerCase();
    if (wanted === "active") {
      if (!p.signedCertificate) {
        throw fail(
          req,
          "PMS_PRT_108",
          "Certficate is not uploaded for the given partner.Cannot activate the same.",
        );
      }
      p.isActive = true;
    } else if (wanted === "de-active") {
      p.isActive = false;
    } else {
      throw fail(req, "PMS_PM_058", "Status should be either Active or De-Active");
    }
    p.updBy = who.userId;
    p.updDtimes = now();
    await publishEvent(sb, "PARTNER_UPDATED", { partnerData: partnerData(p) });
    return kernelOk(
      {
        message: p.isActive
          ? "Partner activated successfully"
          : "Partner de-activated successfully",
      },
      req,
    );
  });

  // ---- OIDC clients (§5.8) ------------------------------------------------------------------

  r.add("POST", `${BASE}/oidc/client`, async (req) => {
    const who = await auth(req, []);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const name = v.text("name", { max: 256 });
    const policyId = v.text("policyId", { max: 36 });
    const publicKey = body.publicKey;
    if (
      publicKey === undefined ||
      publicKey === null ||
      typeof publicKey !== "object" ||
      Array.isArray(publicKey) ||
      Object.keys(publicKey).length === 0
    ) {
      throw invalid(req, "must not be empty", "publicKey");
    }
    const authPartnerId = v.text("authPartnerId", { max: 100 });
    const logoUri = v.url("logoUri", 2048);
    const redirectUris = v.list("redirectUris", 1, 5);
    const grantTypes = v.list("grantTypes", 1, 3);
    const clientAuthMethods = v.list("clientAuthMethods", 1, 3);

    let jwkText: string;
    let clientId: string;
    try {
      jwkText = canonicalJwk(publicKey as Record<string, unknown>);
      clientId = oidcClientId(publicKey as Record<string, unknown>);
    } catch (e) {
      // UNCONFIRMED: jose4j's parse failure reaches the partner service's generic handler.
      throw fail(req, null, (e as Error).message);
    }
    if (s.oidcClients.has(clientId)) {
      throw fail(req, "PMS_IDP_001", "Client public key already exists.");
    }
    const partner = s.partners.get(authPartnerId);
    if (!partner) {
      throw fail(req, "PMS_PRT_058", `AuthPartner doesn't exists with this Id - ${authPartnerId}.`);
    }
    if (partner.partnerTypeCode !== "Auth_Partner") {
      throw fail(
        req,
        "PMS_PRT_059",
        `Only Auth_partner can Create OIDC Client. ${partner.partnerTypeCode} is not allowed to create OIDC Client.`,
      );
    }
    const policy = s.policies.get(policyId);
    if (!policy) throw fail(req, "PMS_PRT_073", "Policy not exists.");
    if (policy.policyType !== "Auth") {
      throw fail(
        req,
        "PMS_PRT_057",
        "Policy Type Mismatch. Only Auth policy can be used to create OIDC Client.",
      );
    }
    const requests = latestMapping(s, partner.id, policy.id);
    if (requests.length === 0) {
      throw fail(req, "PMS_PRT_061", "Partner policy mapping not exists.");
    }
    if (requests[0].statusCode !== "approved") {
      throw fail(
        req,
        "PMS_IDP_002",
        "Partner policy mapping is not approved. Please check mapping status.",
      );
    }
    const file = JSON.parse(policy.policyFile) as {
      allowedAuthTypes?: Array<{ authType?: string; mandatory?: boolean }>;
      allowedKycAttributes?: Array<{ attributeName?: string }>;
    };
    const authTypes = file.allowedAuthTypes ?? [];
    if (authTypes.some((a) => a.mandatory === true)) {
      throw fail(
        req,
        "PMS_IDP_003",
        "Policy having mandatory auths. So client can't be created for the same.",
      );
    }
    const kyc = (file.allowedKycAttributes ?? []).map((a) => String(a.attributeName ?? ""));
    const claims = policyClaims(kyc, sb.esignet.claimsSupported());
    if (claims.length === 0) throw fail(req, "PMS_IDP_005", "Partner has no user claims");
    const acrs = policyAcrs(authTypes.map((a) => String(a.authType ?? "")));
    if (acrs.length === 0) {
      throw fail(req, "PMS_IDP_005", "Partner has no Authentication Context Refrences");
    }
    const errors = sb.esignet.createClient({
      clientId,
      clientName: name,
      publicKey: publicKey as Record<string, unknown>,
      relyingPartyId: authPartnerId,
      userClaims: claims,
      authContextRefs: acrs,
      logoUri,
      redirectUris,
      grantTypes,
      clientAuthMethods,
    });
    if (errors && errors.length > 0) {
      throw new Reply(
        kernelErr(
          errors.map((e) => ({ errorCode: e.errorCode, message: e.errorMessage })),
          req,
        ),
      );
    }
    const row: OidcClientRow = {
      id: clientId,
      name,
      policyId,
      rpId: authPartnerId,
      logoUri,
      redirectUris,
      publicKey: jwkText,
      claims,
      acrValues: acrs,
      status: "ACTIVE",
      grantTypes,
      clientAuthMethods,
      crBy: who.userId,
      crDtimes: now(),
      updBy: null,
      updDtimes: null,
    };
    s.oidcClients.set(clientId, row);
    await publishEvent(sb, "OIDC_CLIENT_CREATED", {
      clientData: { clientId, clientName: name, clientStatus: row.status },
      partnerData: partnerData(partner),
      policyData: { policyId: policy.id, policyName: policy.name },
    });
    return kernelOk({ clientId, status: row.status }, req);
  });

  r.add("PUT", `${BASE}/oidc/client/:clientId`, async (req) => {
    const who = await auth(req, []);
    const body = requestObject(req);
    const v = new Validator(req, body);
    const logoUri = v.url("logoUri", 2048);
    const redirectUris = v.list("redirectUris", 1, 5);
    if (redirectUris.some((u) => !u.trim())) {
      throw invalid(req, "must not be blank", "redirectUris");
    }
    const status = v.text("status");
    if (!/^(ACTIVE|INACTIVE)$/i.test(status)) {
      throw invalid(req, 'must match "(ACTIVE)|(INACTIVE)"', "status");
    }
    const grantTypes = v.list("grantTypes", 1, 3);
    const clientName = v.text("clientName");
    const clientAuthMethods = v.list("clientAuthMethods", 1, 3);
    const row = s.oidcClients.get(req.params.clientId);
    if (!row) throw fail(req, "PMS_IDP_004", "Client not exists with given id.");
    try {
      // PMS only fails when the call throws; an HTTP-200 eSignet error body is not inspected
      // on update (contract §5.8), so returned errors are ignored here on purpose.
      sb.esignet.updateClient(row.id, {
        clientName,
        userClaims: row.claims,
        authContextRefs: row.acrValues,
        logoUri,
        redirectUris,
        grantTypes,
        clientAuthMethods,
        status: status.toUpperCase(),
      });
    } catch (e) {
      throw fail(req, "PMS_PRT_500", `Unable to process the request.${(e as Error).message}`);
    }
    Object.assign(row, {
      name: clientName,
      logoUri,
      redirectUris,
      status: status.toUpperCase(),
      grantTypes,
      clientAuthMethods,
      updBy: who.userId,
      updDtimes: now(),
    });
    await publishEvent(sb, "OIDC_CLIENT_UPDATED", {
      clientData: { clientId: row.id, clientName: row.name, clientStatus: row.status },
    });
    return kernelOk({ clientId: row.id, status: row.status }, req);
  });

  r.add("GET", `${BASE}/oidc/client/:clientId`, async (req) => {
    await auth(req, []);
    const row = s.oidcClients.get(req.params.clientId);
    if (!row) throw fail(req, "PMS_IDP_004", "Client not exists with given id.");
    return kernelOk(
      {
        id: row.id,
        name: row.name,
        policyId: row.policyId,
        policyName: s.policies.get(row.policyId)?.name ?? null,
        relyingPartyId: row.rpId,
        logoUri: row.logoUri,
        redirectUris: row.redirectUris,
        publicKey: row.publicKey,
        claims: row.claims,
        acrValues: row.acrValues,
        status: row.status,
        grantTypes: row.grantTypes,
        clientAuthMethods: row.clientAuthMethods,
      },
      req,
    );
  });

  // ---- MISP license keys (§5.7) -------------------------------------------------------------

  const mispDto = (l: MispLicenseRow) => ({
    providerId: l.providerId,
    licenseKey: l.licenseKey,
    licenseKeyStatus: l.isActive ? "Active" : "De-Active",
    licenseKeyExpiry: l.validToDate,
  });

  r.add("POST", `${BASE}/misps`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.misp);
    const providerId = new Validator(req, requestObject(req)).text("providerId");
    selfRule(req, who, providerId);
    const existing = [...s.mispLicenses.values()].find((l) => l.providerId === providerId);
    if (existing) {
      throw fail(req, "PMS_MSP_416", "License key exists for the given provider.");
    }
    const partner = s.partners.get(providerId);
    if (!partner) throw fail(req, "PMS_MSP_005", "MISP Partner does not exist");
    const mispType = (await pmsProperty(sb, "mosip.pms.misp.partner.type")) ?? "MISP_Partner";
    if (partner.partnerTypeCode.toLowerCase() !== mispType.toLowerCase()) {
      throw fail(req, "PMS_MSP_009", "Given provider is not valid");
    }
    if (!partner.isActive) throw fail(req, "PMS_MSP_405", "MISP partner is not active.");
    const requests = [...s.mappingRequests.values()].filter((m) => m.partnerId === providerId);
    if (requests.some((m) => m.statusCode !== "approved")) {
      throw fail(req, "PMS_MSP_418", "Policy not approved.");
    }
    if (requests.some((m) => !s.policies.has(m.policyId))) {
      throw fail(req, "PMS_MSP_419", "Policy not exists.");
    }
    // UNCONFIRMED: default of mosip.pmp.misp.license.key.length.
    const length = Number((await pmsProperty(sb, "mosip.pmp.misp.license.key.length")) ?? 50);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const bytes = randomBytes(length);
    const licenseKey = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
    const days = Number(
      (await pmsProperty(sb, "mosip.pmp.misp.license.expiry.period.indays")) ??
        DEFAULTS.mispLicenseExpiryDays,
    );
    const row: MispLicenseRow = {
      providerId,
      licenseKey,
      isActive: true,
      validFromDate: now(),
      validToDate: addDays(days),
      crBy: who.userId,
      crDtimes: now(),
    };
    s.mispLicenses.set(licenseKey, row);
    await publishEvent(sb, "MISP_LICENSE_GENERATED", {
      mispLicenseData: {
        mispId: providerId,
        licenseKey,
        mispCommenceOn: row.validFromDate,
        mispExpiresOn: row.validToDate,
        mispStatus: "Active",
      },
    });
    return kernelOk(mispDto(row), req);
  });

  r.add("GET", `${BASE}/misps`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.misp);
    return kernelOk(
      [...s.mispLicenses.values()]
        .filter((l) => isAdmin(who) || l.providerId === who.userId)
        .map((l) => ({
          licenseKey: l.licenseKey,
          mispId: l.providerId,
          validFromDate: l.validFromDate,
          validToDate: l.validToDate,
          isActive: l.isActive,
          crBy: l.crBy,
          crDtimes: l.crDtimes,
        })),
      req,
    );
  });

  r.add("PUT", `${BASE}/misps`, async (req) => {
    const who = await auth(req, PARTNER_ROLES.misp);
    const v = new Validator(req, requestObject(req));
    const providerId = v.text("providerId");
    const licenseKey = v.text("licenseKey");
    const status = v.text("licenseKeyStatus");
    selfRule(req, who, providerId);
    const row = s.mispLicenses.get(licenseKey);
    if (!row || row.providerId !== providerId) {
      throw fail(req, "PMS_MSP_408", "MISP Partner and License key combintaion not exists.");
    }
    const wanted = status.toLowerCase();
    if (wanted !== "active" && wanted !== "de-active") {
      throw fail(req, "PMS_MSP_407", "mispStatus either Active or De-active.");
    }
    row.isActive = wanted === "active";
    return kernelOk(mispDto(row), req);
  });

  // ---- in-process API -----------------------------------------------------------------------

  sb.pms.credentialPartners = (): CredentialPartner[] => {
    const out: CredentialPartner[] = [];
    for (const c of s.credentialTypes) {
      const partner = s.partners.get(c.partnerId);
      const policy = s.policies.get(c.policyId);
      if (!partner?.isActive || !partner.signedCertificate || !policy?.isActive) continue;
      if (!["datashare", "credentialissuance"].includes(policy.policyType.toLowerCase())) continue;
      const approved = latestMapping(s, partner.id, policy.id).some(
        (m) => m.statusCode === "approved",
      );
      if (!approved) continue;
      const file = JSON.parse(policy.policyFile) as {
        dataSharePolicies?: { encryptionType?: string };
        shareableAttributes?: Array<{ attributeName?: string }>;
      };
      out.push({
        partnerId: partner.id,
        credentialType: c.credentialType,
        policyId: policy.id,
        certificatePem: partner.signedCertificate,
        shareableAttributes: (file.shareableAttributes ?? []).map((a) => String(a.attributeName)),
        encryptionType: file.dataSharePolicies?.encryptionType ?? "none",
      });
    }
    return out;
  };
}
