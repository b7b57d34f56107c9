// The sandbox's PMS policy manager driven over HTTP like the partner onboarder drives MOSIP:
// policy groups, policies, publish, read-backs, schema validation and the error paths of §4.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "./server";
import {
  adminToken,
  authPolicy,
  call,
  codes,
  dataSharePolicy,
  partnerUserToken,
  type Answer,
} from "./pms-testkit";

const PM = "/v1/policymanager";

let sandbox: Sandbox;
let admin: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  admin = await adminToken(sandbox);
});

afterAll(async () => {
  await sandbox?.close();
});

type Obj = Record<string, unknown>;
const res = (a: Answer) => a.body.response as Obj;

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

async function newGroup(name = unique("grp")): Promise<Obj> {
  const a = await call(sandbox, admin, "POST", `${PM}/policies/group/new`, {
    name,
    desc: "PolicyGroup",
  });
  expect(a.body.errors).toEqual([]);
  return res(a);
}

async function newPolicy(groupName: string, extra: Obj = {}): Promise<Answer> {
  return call(sandbox, admin, "POST", `${PM}/policies`, {
    policyId: "",
    policyGroupName: groupName,
    policyType: "DataShare",
    name: unique("pol"),
    desc: "CRVS credential policy",
    version: "1.0",
    policies: dataSharePolicy(),
    ...extra,
  });
}

describe("policy groups", () => {
  it("creates a group with a random numeric id and reads it back by id, list and search", async () => {
    const name = unique("crvs-group");
    const created = await call(sandbox, admin, "POST", `${PM}/policies/group/new`, {
      name,
      desc: "CRVS partners",
    });
    expect(created.status).toBe(200);
    expect(created.body.id).toBe("mosip.pms.test"); // echoed from the request
    const g = res(created);
    expect(g.id).toMatch(/^\d{1,5}$/);
    expect(Number(g.id)).toBeLessThanOrEqual(99_999);
    expect(g).toMatchObject({ name, desc: "CRVS partners", is_Active: true });

    const got = await call(sandbox, admin, "GET", `${PM}/policies/group/${g.id}`);
    expect(res(got).policyGroup).toMatchObject({
      id: g.id,
      name,
      desc: "CRVS partners",
      isActive: true,
      isDeleted: false,
    });
    expect(res(got).policies).toEqual([]);

    const all = await call(sandbox, admin, "GET", `${PM}/policies/group/all`);
    const names = (all.body.response as Array<{ policyGroup: Obj }>).map((x) => x.policyGroup.name);
    expect(names).toContain(name);

    const found = await call(sandbox, admin, "POST", `${PM}/policies/group/search`, {
      filters: [{ columnName: "name", type: "equals", value: name }],
      sort: [],
      pagination: { pageStart: 0, pageFetch: 10 },
    });
    expect(res(found)).toMatchObject({ totalRecord: 1, fromRecord: 1, toRecord: 1 });
    expect((res(found).data as Obj[])[0]).toMatchObject({ id: g.id, name });
  });

  it("refuses a duplicate name, unknown ids and blank fields with MOSIP's codes", async () => {
    const g = await newGroup();
    const dup = await call(sandbox, admin, "POST", `${PM}/policies/group/new`, {
      name: g.name,
      desc: "again",
    });
    expect(dup.status).toBe(200);
    expect(dup.body.response).toBeNull();
    expect(dup.body.errors).toEqual([
      { errorCode: "PMS_POL_014", message: `Policy group exists with name : ${g.name}` },
    ]);

    const unknownGet = await call(sandbox, admin, "GET", `${PM}/policies/group/nope-404`);
    expect(unknownGet.body.errors).toEqual([
      { errorCode: "PMS_POL_016", message: "Policy Group ID does not exist" },
    ]);
    // MOSIP reuses the policy-id code for an unknown group on update.
    const unknownPut = await call(sandbox, admin, "PUT", `${PM}/policies/group/nope-404`, {
      name: "x",
      desc: "y",
      isActive: true,
    });
    expect(codes(unknownPut)).toEqual(["PMS_POL_008"]);

    const blank = await call(sandbox, admin, "POST", `${PM}/policies/group/new`, {
      name: "  ",
      desc: "d",
    });
    expect(blank.body.errors).toEqual([
      { errorCode: "PMS_COR_001", message: "Invalid request parameter - must not be blank :name" },
    ]);
    const long = await call(sandbox, admin, "POST", `${PM}/policies/group/new`, {
      name: "n".repeat(129),
      desc: "d",
    });
    expect(long.body.errors[0].message).toBe(
      "Invalid request parameter - size must be between 1 and 128 :name",
    );
    const noRequest = await call(sandbox, admin, "POST", `${PM}/policies/group/new`, undefined, {
      raw: { id: "x", version: "1" },
    });
    expect(codes(noRequest)).toEqual(["PMS_COR_001"]);
  });

  it("updates name/desc, and refuses to deactivate a group with published policies", async () => {
    const g = await newGroup();
    const renamed = unique("renamed");
    const upd = await call(sandbox, admin, "PUT", `${PM}/policies/group/${g.id}`, {
      name: renamed,
      desc: "new desc",
      isActive: true,
    });
    expect(res(upd)).toMatchObject({ id: g.id, name: renamed, desc: "new desc" });

    const p = res(await newPolicy(renamed));
    await call(sandbox, admin, "POST", `${PM}/policies/${p.id}/group/${g.id}/publish`);
    const off = await call(sandbox, admin, "PUT", `${PM}/policies/group/${g.id}`, {
      name: renamed,
      desc: "new desc",
      isActive: false,
    });
    expect(off.body.errors).toEqual([
      { errorCode: "PMS_POL_056", message: "Active policies exists under the policy group." },
    ]);
  });
});

describe("policies", () => {
  it("creates a DRAFTED policy, publishes it, and then refuses to change it", async () => {
    const g = await newGroup();
    const created = await newPolicy(g.name as string);
    expect(created.body.errors).toEqual([]);
    const p = res(created);
    expect(p.id).toMatch(/^\d{1,5}$/);
    expect(p).toMatchObject({ policyGroupName: g.name, is_Active: false });

    const drafted = res(await call(sandbox, admin, "GET", `${PM}/policies/${p.id}`));
    expect(drafted).toMatchObject({
      policyId: p.id,
      policyGroupId: g.id,
      policyGroupName: g.name,
      policyType: "DataShare",
      status: "DRAFTED",
      schema: null,
      is_Active: false,
      version: "1.0",
      policies: dataSharePolicy(),
    });
    // validTill is 200 years after publishDate.
    const years =
      new Date(drafted.validTill as string).getUTCFullYear() -
      new Date(drafted.publishDate as string).getUTCFullYear();
    expect(years).toBe(200);

    // A drafted policy can still change.
    const changed = await call(sandbox, admin, "PUT", `${PM}/policies/${p.id}`, {
      policyGroupName: g.name,
      name: p.name,
      desc: "changed before publish",
      version: "1.1",
      policies: dataSharePolicy("none"),
    });
    expect(changed.body.errors).toEqual([]);

    // Not listed as active until published.
    const before = await call(sandbox, admin, "GET", `${PM}/policies/active/group/${g.name}`);
    expect(before.body.response).toEqual([]);

    const pub = await call(sandbox, admin, "POST", `${PM}/policies/${p.id}/group/${g.id}/publish`);
    expect(pub.body.errors).toEqual([]);
    expect(res(pub)).toMatchObject({
      policyId: p.id,
      status: "PUBLISHED",
      is_Active: true,
      schema: "https://schemas.mosip.io/v1/auth-policy",
      policyDesc: "changed before publish",
      version: "1.1",
    });

    const after = await call(sandbox, admin, "GET", `${PM}/policies/active/group/${g.name}`);
    expect(after.body.response).toEqual([
      {
        policyGroupId: g.id,
        policyGroupName: g.name,
        id: p.id,
        name: p.name,
        descr: "changed before publish",
        policyType: "DataShare",
      },
    ]);

    const again = await call(
      sandbox,
      admin,
      "POST",
      `${PM}/policies/${p.id}/group/${g.id}/publish`,
    );
    expect(again.body.errors).toEqual([
      { errorCode: "PMS_POL_020", message: "Can not publish the published policy" },
    ]);
    const frozen = await call(sandbox, admin, "PUT", `${PM}/policies/${p.id}`, {
      policyGroupName: g.name,
      name: p.name,
      desc: "after publish",
      version: "1.2",
      policies: dataSharePolicy(),
    });
    expect(frozen.body.errors).toEqual([
      { errorCode: "PMS_POL_055", message: "Published policy cannot be updated." },
    ]);
    const status = await call(sandbox, admin, "PATCH", `${PM}/policies/${p.id}/group/${g.id}`, {
      status: "De-Active",
    });
    expect(codes(status)).toEqual(["PMS_POL_058"]);

    // The group read-back lists the policy with its status.
    const grp = res(await call(sandbox, admin, "GET", `${PM}/policies/group/${g.id}`));
    expect(grp.policies).toMatchObject([{ policyId: p.id, status: "PUBLISHED" }]);
  });

  it("honours a caller-supplied policyId and finds the policy by search", async () => {
    const g = await newGroup();
    const id = unique("crvs-policy");
    const created = await newPolicy(g.name as string, {
      policyId: id,
      policyType: "Auth",
      policies: authPolicy(),
    });
    expect(res(created).id).toBe(id);
    const got = res(await call(sandbox, admin, "GET", `${PM}/policies/${id}`));
    expect(got).toMatchObject({ policyId: id, policyType: "Auth", policies: authPolicy() });

    const found = await call(sandbox, admin, "POST", `${PM}/policies/search`, {
      policyType: "Auth",
      filters: [
        { columnName: "policyGroupName", type: "equals", value: String(g.name).slice(0, 6) },
      ],
      sort: [{ sortField: "name", sortType: "ASC" }],
      pagination: { pageStart: 0, pageFetch: 50 },
    });
    const rows = res(found).data as Obj[];
    const row = rows.find((r) => r.id === id);
    expect(row).toMatchObject({ policyGroupId: g.id, policyGroupName: g.name, isActive: false });
    expect(JSON.parse(row?.policies as string)).toEqual(authPolicy());

    const wrongType = await call(sandbox, admin, "POST", `${PM}/policies/search`, {
      policyType: "MISP",
      filters: [{ columnName: "id", type: "equals", value: id }],
    });
    expect(res(wrongType).totalRecord).toBe(0);
  });

  it("validates policies against the type's JSON schema", async () => {
    const g = await newGroup();
    const gn = g.name as string;
    const noShareable = dataSharePolicy();
    delete noShareable.shareableAttributes;
    const missing = await newPolicy(gn, { policies: noShareable });
    expect(missing.body.response).toBeNull();
    expect(missing.body.errors).toContainEqual({
      errorCode: "PMS_PV_006",
      message: "Missing input parameter - shareableAttributes",
    });

    const extra = await newPolicy(gn, { policies: { ...dataSharePolicy(), surprise: true } });
    expect(codes(extra)).toContain("PMS_PV_005");

    const bad = dataSharePolicy() as { dataSharePolicies: Obj };
    bad.dataSharePolicies.encryptionType = "Sometimes";
    const badEnum = await newPolicy(gn, { policies: bad });
    expect(badEnum.body.errors).toContainEqual({
      errorCode: "PMS_PV_005",
      message: "Invalid input parameter - dataSharePolicies.encryptionType",
    });

    // A DataShare body is not an Auth policy.
    const wrongSchema = await newPolicy(gn, { policyType: "Auth" });
    expect(codes(wrongSchema)).toContain("PMS_PV_006");

    const mandatoryMissing = authPolicy() as { allowedAuthTypes: Obj[] };
    delete mandatoryMissing.allowedAuthTypes[0].mandatory;
    const authBad = await newPolicy(gn, { policyType: "Auth", policies: mandatoryMissing });
    expect(authBad.body.errors).toContainEqual({
      errorCode: "PMS_PV_006",
      message: "Missing input parameter - allowedAuthTypes.0.mandatory",
    });

    const misp = await newPolicy(gn, {
      policyType: "MISP",
      policies: {
        allowAuthRequestDelegation: true,
        allowKycRequestDelegation: true,
        allowKeyBindingDelegation: false,
      },
    });
    expect(misp.body.errors).toEqual([]);
    const mispBad = await newPolicy(gn, {
      policyType: "MISP",
      policies: { allowAuthRequestDelegation: "yes", allowKycRequestDelegation: true },
    });
    expect(codes(mispBad)).toEqual(expect.arrayContaining(["PMS_PV_005", "PMS_PV_006"]));

    // policyType is matched case-insensitively and stored as sent; CredentialIssuance uses the
    // data-share schema.
    const ci = await newPolicy(gn, { policyType: "credentialissuance" });
    expect(ci.body.errors).toEqual([]);
    const ciRead = res(await call(sandbox, admin, "GET", `${PM}/policies/${res(ci).id}`));
    expect(ciRead.policyType).toBe("credentialissuance");
  });

  it("answers the documented errors for type, group, name and column limits", async () => {
    const g = await newGroup();
    const gn = g.name as string;
    const type = await newPolicy(gn, { policyType: "Payment" });
    expect(type.body.errors).toEqual([
      { errorCode: "PMS_POL_023", message: "Given policy type is not allowed " },
    ]);
    const noGroup = await newPolicy("no-such-group");
    expect(noGroup.body.errors).toEqual([
      { errorCode: "PMS_POL_019", message: "Policy group name does not exist" },
    ]);
    const first = await newPolicy(gn, { name: "same-name" });
    expect(first.body.errors).toEqual([]);
    const dup = await newPolicy(gn, { name: "same-name" });
    expect(dup.body.errors).toEqual([
      { errorCode: "PMS_POL_009", message: "Auth policy exists with name : same-name" },
    ]);
    // The same name in another group is fine (unique per group).
    const other = await newGroup();
    expect((await newPolicy(other.name as string, { name: "same-name" })).body.errors).toEqual([]);

    const version = await newPolicy(gn, { version: "1.0.0-rc.1" });
    expect(codes(version)).toEqual(["PMS_COR_003"]);
    const big = dataSharePolicy() as { shareableAttributes: Obj[] };
    for (let i = 0; i < 80; i++) {
      big.shareableAttributes.push({
        attributeName: `attribute-with-a-long-name-${i}`,
        source: [{ attribute: `attribute-with-a-long-name-${i}` }],
        encrypted: false,
      });
    }
    const tooBig = await newPolicy(gn, { policies: big });
    expect(codes(tooBig)).toEqual(["PMS_COR_003"]);
    const noPolicies = await newPolicy(gn, { policies: null });
    expect(noPolicies.body.errors[0].message).toBe(
      "Invalid request parameter - must not be null :policies",
    );

    // Deactivate a group without published policies, then it can hold no new policy.
    const idle = await newGroup();
    const off = await call(sandbox, admin, "PUT", `${PM}/policies/group/${idle.id}`, {
      name: idle.name,
      desc: "idle",
      isActive: false,
    });
    expect(res(off).is_Active).toBe(false);
    const inactive = await newPolicy(idle.name as string);
    expect(inactive.body.errors).toEqual([
      { errorCode: "PMS_POL_053", message: "Policy group is not active." },
    ]);
  });

  it("checks publish's group/policy pairing and unknown ids", async () => {
    const g1 = await newGroup();
    const g2 = await newGroup();
    const p = res(await newPolicy(g1.name as string));
    const wrongGroup = await call(
      sandbox,
      admin,
      "POST",
      `${PM}/policies/${p.id}/group/${g2.id}/publish`,
    );
    expect(wrongGroup.body.errors).toEqual([
      { errorCode: "PMS_POL_015", message: "Policy group and policy not mapped." },
    ]);
    const noPolicy = await call(
      sandbox,
      admin,
      "POST",
      `${PM}/policies/nope/group/${g1.id}/publish`,
    );
    expect(codes(noPolicy)).toEqual(["PMS_POL_008"]);
    const noGroup = await call(sandbox, admin, "POST", `${PM}/policies/${p.id}/group/nope/publish`);
    expect(codes(noGroup)).toEqual(["PMS_POL_016"]);
    const unknown = await call(sandbox, admin, "GET", `${PM}/policies/does-not-exist`);
    expect(unknown.body.errors).toEqual([
      { errorCode: "PMS_POL_008", message: "Policy ID does not exist" },
    ]);
    const activate = await call(sandbox, admin, "PATCH", `${PM}/policies/${p.id}/group/${g1.id}`, {
      status: "Active",
    });
    expect(codes(activate)).toEqual(["PMS_POL_054"]);
    const badStatus = await call(sandbox, admin, "PATCH", `${PM}/policies/${p.id}/group/${g1.id}`, {
      status: "Maybe",
    });
    expect(codes(badStatus)).toEqual(["PMS_POL_045"]);
  });
});

describe("authentication", () => {
  it("answers 401 without a token and 403 for a caller without the endpoint's roles", async () => {
    const none = await call(sandbox, undefined, "POST", `${PM}/policies/group/new`, {
      name: "x",
      desc: "y",
    });
    expect(none.status).toBe(401);
    expect(codes(none)).toEqual(["KER-ATH-401"]);

    const partner = await partnerUserToken(sandbox, unique("cred-user"), ["CREDENTIAL_PARTNER"]);
    const forbidden = await call(sandbox, partner, "POST", `${PM}/policies/group/new`, {
      name: "x",
      desc: "y",
    });
    expect(forbidden.status).toBe(403);
    expect(codes(forbidden)).toEqual(["KER-ATH-403"]);
    // ... but group search is open to CREDENTIAL_PARTNER.
    const search = await call(sandbox, partner, "POST", `${PM}/policies/group/search`, {
      filters: [],
    });
    expect(search.status).toBe(200);
    expect(search.body.errors).toEqual([]);
  });

  it("shows its state in /__sandbox/state and its seed in /__sandbox/seed", async () => {
    const g = await newGroup();
    const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as {
      pms: { policyGroups: Record<string, Obj> };
    };
    expect(state.pms.policyGroups[g.id as string]).toMatchObject({ name: g.name });
    const seed = (await (await fetch(`${sandbox.url}/__sandbox/seed`)).json()) as {
      pms: {
        partnerTypes: Array<{ code: string; isPolicyRequired: boolean }>;
        allowedCredentialTypes: string[];
        allowedPolicyTypes: string[];
      };
    };
    expect(seed.pms.partnerTypes).toContainEqual({
      code: "Credential_Partner",
      isPolicyRequired: true,
    });
    expect(seed.pms.partnerTypes).toContainEqual({ code: "MISP_Partner", isPolicyRequired: false });
    expect(seed.pms.allowedCredentialTypes).toEqual(
      expect.arrayContaining(["auth", "euin", "vercred", "opencrvs"]),
    );
    expect(seed.pms.allowedPolicyTypes).toEqual(
      expect.arrayContaining(["Auth", "DataShare", "CredentialIssuance", "MISP"]),
    );
  });
});
