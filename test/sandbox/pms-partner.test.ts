// The sandbox's PMS partner manager driven over HTTP the way the partner onboarder drives MOSIP
// (contract §11.1 / §11.2), plus OIDC clients (§5.8) and the error paths of §5.
import { createHash, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJwk, oidcClientId } from "./pms-oidc";
import { startSandbox, type Sandbox } from "./server";
import { makeCa, makeLeaf, type CertAndKey } from "./testing-certs";
import {
  adminToken,
  authPolicy,
  call,
  codes,
  dataSharePolicy,
  partnerCerts,
  partnerUserToken,
  type Answer,
} from "./pms-testkit";

const PM = "/v1/policymanager";
const PT = "/v1/partnermanager";

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
/** Lower-case ids: Keycloak lower-cases usernames, and the partner id is the username. */
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

/** Topics the hub saw published (the sandbox hub's own record). */
function publishedTopics(): string[] {
  const ws = sandbox.context.state.websub as { published: Array<{ topic: string }> };
  return ws.published.map((p) => p.topic);
}

function ok(a: Answer): Obj {
  expect(a.body.errors, JSON.stringify(a.body.errors)).toEqual([]);
  return res(a);
}

/** Group + policy (+ publish) through the policy manager. */
async function publishedPolicy(
  type: "DataShare" | "Auth",
  policies: Obj = type === "Auth" ? authPolicy() : dataSharePolicy(),
  publish = true,
): Promise<{ groupId: string; groupName: string; policyId: string; policyName: string }> {
  const groupName = unique("grp");
  const g = ok(
    await call(sandbox, admin, "POST", `${PM}/policies/group/new`, { name: groupName, desc: "g" }),
  );
  const policyName = unique("pol");
  const p = ok(
    await call(sandbox, admin, "POST", `${PM}/policies`, {
      policyId: "",
      policyGroupName: groupName,
      policyType: type,
      name: policyName,
      desc: "d",
      version: "1.0",
      policies,
    }),
  );
  if (publish)
    ok(await call(sandbox, admin, "POST", `${PM}/policies/${p.id}/group/${g.id}/publish`));
  return { groupId: g.id as string, groupName, policyId: p.id as string, policyName };
}

function partnerBody(partnerId: string, partnerType: string, policyGroup?: string): Obj {
  return {
    partnerId,
    organizationName: `Org ${partnerId}`,
    address: "1 Registry Road",
    contactNumber: "+15550100",
    emailId: `${partnerId}@crvs.example.org`,
    partnerType,
    ...(policyGroup === undefined ? {} : { policyGroup }),
  };
}

async function registerPartner(partnerId: string, type: string, group?: string): Promise<void> {
  ok(await call(sandbox, admin, "POST", `${PT}/partners`, partnerBody(partnerId, type, group)));
}

/** One CA for the file (uploaded once); each partner gets its own leaf with O=<organisation>. */
let sharedCa: Promise<CertAndKey> | undefined;
function caOnce(): Promise<CertAndKey> {
  sharedCa ??= (async () => {
    const ca = await makeCa({ cn: "Sandbox Test PMS CA", org: "Sandbox Test PMS" });
    const up = ok(
      await call(sandbox, admin, "POST", `${PT}/partners/certificate/ca/upload`, {
        certificateData: ca.certPem,
        partnerDomain: "AUTH",
      }),
    );
    expect(up.status).toBe("Upload Success.");
    return ca;
  })();
  return sharedCa;
}

/** Leaf upload (domain AUTH) under the shared CA; returns the MOSIP-signed certificate. */
async function uploadCerts(partnerId: string, token = admin): Promise<string> {
  const leaf = await makeLeaf(await caOnce(), {
    cn: `sandbox-test-${partnerId}`,
    org: `Org ${partnerId}`,
  });
  const up = ok(
    await call(sandbox, token, "POST", `${PT}/partners/certificate/upload`, {
      partnerId,
      certificateData: leaf.certPem,
      partnerDomain: "AUTH",
    }),
  );
  expect(String(up.signedCertificateData)).toContain("BEGIN CERTIFICATE");
  expect(up.certificateId).toBeTruthy();
  return up.signedCertificateData as string;
}

const EXTRACTORS = {
  extractors: [
    {
      attributeName: "photo",
      biometric: "face",
      extractor: { provider: "t5-face-lowres", version: "1.1" },
    },
    { attributeName: "face", biometric: "face", extractor: { provider: "dlib", version: "3.2" } },
  ],
};

describe("credential partner (§11.1 with approval)", () => {
  it("runs group -> policy -> publish -> partner -> certs -> request -> extractors -> approval -> credential type", async () => {
    const pol = await publishedPolicy("DataShare");
    const partnerId = unique("crvs-cred");
    const partnerTok = await partnerUserToken(sandbox, partnerId, ["CREDENTIAL_PARTNER"]);

    const reg = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners`,
      partnerBody(partnerId, "Credential_Partner", pol.groupName),
    );
    expect(ok(reg)).toEqual({ partnerId, status: "InProgress" });

    const before = await call(sandbox, admin, "GET", `${PT}/partners/${partnerId}`);
    expect(before.body.id).toBe("mosip.partnermanagement.partners.retrieve");
    expect(before.body.version).toBe("1.0");
    expect(ok(before)).toEqual({
      partnerID: partnerId,
      status: "De-active",
      organizationName: `Org ${partnerId}`,
      contactNumber: "+15550100",
      emailId: `${partnerId}@crvs.example.org`,
      address: "1 Registry Road",
      partnerType: "Credential_Partner",
      policyGroup: pol.groupName,
      isActive: false,
    });
    const noCert = await call(sandbox, admin, "GET", `${PT}/partners/${partnerId}/certificate`);
    expect(noCert.body.errors).toEqual([
      { errorCode: "PMS_PRT_108", message: "Certficate is not uploaded for the selected partner." },
    ]);

    // The mapping request needs an active partner: certificates first.
    const early = await call(
      sandbox,
      partnerTok,
      "POST",
      `${PT}/partners/${partnerId}/policy/map`,
      {
        policyName: pol.policyName,
        useCaseDescription: "CRVS credentials",
      },
    );
    expect(early.body.errors).toEqual([
      { errorCode: "PMS_PMP_016", message: "Partner is not active." },
    ]);

    const signed = await uploadCerts(partnerId);
    const cert = ok(await call(sandbox, admin, "GET", `${PT}/partners/${partnerId}/certificate`));
    expect(cert.certificateData).toBe(signed);
    expect(ok(await call(sandbox, admin, "GET", `${PT}/partners/${partnerId}`))).toMatchObject({
      status: "active",
      isActive: true,
    });
    const searched = ok(
      await call(sandbox, admin, "POST", `${PT}/partners/search`, {
        partnerType: "Credential_Partner",
        filters: [{ columnName: "id", type: "equals", value: partnerId }],
      }),
    );
    expect((searched.data as Obj[])[0]).toMatchObject({
      id: partnerId,
      approvalStatus: "approved",
      policyGroupId: pol.groupId,
      partnerTypeCode: "Credential_Partner",
      isActive: true,
    });
    expect((searched.data as Obj[])[0].certificateAlias).toBeTruthy();

    // Mapping request as the partner itself.
    const req = ok(
      await call(sandbox, partnerTok, "POST", `${PT}/partners/${partnerId}/policy/map`, {
        policyName: pol.policyName,
        useCaseDescription: "CRVS credentials",
      }),
    );
    expect(req.message).toBe("Policy mapping request submitted successfully.");
    const mappingKey = req.mappingkey as string;
    expect(mappingKey).toMatch(/^\d{1,6}$/);
    const again = await call(
      sandbox,
      partnerTok,
      "POST",
      `${PT}/partners/${partnerId}/policy/map`,
      {
        policyName: pol.policyName,
        useCaseDescription: "again",
      },
    );
    expect(again.body.errors).toEqual([
      {
        errorCode: "PMS_PRT_053",
        message: "Mapping exists for given policy and partner and is in InProgress state.",
      },
    ]);
    expect(ok(await call(sandbox, admin, "GET", `${PT}/partners/apikey/${mappingKey}`))).toEqual({
      apiKeyReqNo: mappingKey,
      organizationName: `Org ${partnerId}`,
      partnerID: partnerId,
      policyDesc: "CRVS credentials",
      policyId: pol.policyId,
      status: "InProgress",
    });

    // Approval before extractors is refused for a Credential_Partner.
    const tooEarly = await call(sandbox, admin, "PUT", `${PT}/partners/policy/${mappingKey}`, {
      status: "Approved",
    });
    expect(tooEarly.body.errors).toEqual([
      { errorCode: "PMS_PM_051", message: "Extractors are not present. Please add extractors." },
    ]);
    const noExtractors = await call(
      sandbox,
      admin,
      "GET",
      `${PT}/partners/${partnerId}/bioextractors/${pol.policyId}`,
    );
    expect(codes(noExtractors)).toEqual(["PMS_PRT_064"]);

    expect(
      ok(
        await call(
          sandbox,
          admin,
          "POST",
          `${PT}/partners/${partnerId}/bioextractors/${pol.policyId}`,
          EXTRACTORS,
        ),
      ),
    ).toBe("Extractors added successfully.");
    // Upsert per attribute.
    ok(
      await call(
        sandbox,
        admin,
        "POST",
        `${PT}/partners/${partnerId}/bioextractors/${pol.policyId}`,
        {
          extractors: [
            {
              attributeName: "face",
              biometric: "face",
              extractor: { provider: "dlib", version: "3.3" },
            },
          ],
        },
      ),
    );
    const extractors = ok(
      await call(
        sandbox,
        admin,
        "GET",
        `${PT}/partners/${partnerId}/bioextractors/${pol.policyId}`,
      ),
    );
    expect(extractors.extractors).toEqual([
      EXTRACTORS.extractors[0],
      { attributeName: "face", biometric: "face", extractor: { provider: "dlib", version: "3.3" } },
    ]);

    const badStatus = await call(sandbox, admin, "PUT", `${PT}/partners/policy/${mappingKey}`, {
      status: "Maybe",
    });
    expect(codes(badStatus)).toEqual(["PMS_PM_045"]);
    expect(
      ok(
        await call(sandbox, admin, "PUT", `${PT}/partners/policy/${mappingKey}`, {
          status: "Approved",
        }),
      ),
    ).toBe("Policy mapping approved successfully");
    const twice = await call(sandbox, admin, "PUT", `${PT}/partners/policy/${mappingKey}`, {
      status: "Rejected",
    });
    expect(twice.body.errors).toEqual([
      { errorCode: "PMS_PM_034", message: "Policy request already approved." },
    ]);
    const lateExtractors = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/bioextractors/${pol.policyId}`,
      EXTRACTORS,
    );
    expect(codes(lateExtractors)).toEqual(["PMS_PRT_062"]);

    const reqSearch = ok(
      await call(sandbox, partnerTok, "POST", `${PT}/partners/apikey/request/search`, {
        filters: [{ columnName: "apikeyRequestId", type: "equals", value: mappingKey }],
      }),
    );
    expect((reqSearch.data as Obj[])[0]).toMatchObject({
      apikeyRequestId: mappingKey,
      partnerId,
      policyId: pol.policyId,
      policyName: pol.policyName,
      statusCode: "approved",
      requestDetail: "CRVS credentials",
    });

    // Not a credential partner until the credential type is mapped.
    expect(sandbox.context.pms.credentialPartners().some((c) => c.partnerId === partnerId)).toBe(
      false,
    );
    const ct = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/credentialtype/opencrvs/policies/${pol.policyName}`,
    );
    expect(ok(ct)).toBe("Partner, policy and credentialType mapping done successfully.");
    // Idempotent overwrite.
    ok(
      await call(
        sandbox,
        admin,
        "POST",
        `${PT}/partners/${partnerId}/credentialtype/opencrvs/policies/${pol.policyName}`,
      ),
    );
    const ctRead = ok(
      await call(
        sandbox,
        admin,
        "GET",
        `${PT}/partners/${partnerId}/credentialtype/opencrvs/policies`,
      ),
    );
    expect(ctRead).toMatchObject({
      partnerId,
      credentialType: "opencrvs",
      policyId: pol.policyId,
      policyName: pol.policyName,
      policyType: "DataShare",
      status: "PUBLISHED",
      policies: dataSharePolicy(),
    });
    const noCt = await call(
      sandbox,
      admin,
      "GET",
      `${PT}/partners/${partnerId}/credentialtype/euin/policies`,
    );
    expect(noCt.body.errors).toEqual([{ errorCode: "PMS_PRT_064", message: "No details found" }]);

    const found = sandbox.context.pms.credentialPartners().filter((c) => c.partnerId === partnerId);
    expect(found).toEqual([
      {
        partnerId,
        credentialType: "opencrvs",
        policyId: pol.policyId,
        certificatePem: signed,
        shareableAttributes: ["fullName", "dateOfBirth"],
        encryptionType: "Partner Based",
      },
    ]);

    // Deactivating the partner takes it out of the credential partners and blocks new requests.
    const off = ok(
      await call(sandbox, admin, "PATCH", `${PT}/partners/${partnerId}`, { status: "De-Active" }),
    );
    expect(off.message).toBe("Partner de-activated successfully");
    expect(sandbox.context.pms.credentialPartners().some((c) => c.partnerId === partnerId)).toBe(
      false,
    );
    const inactive = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/credentialtype/euin/policies/${pol.policyName}`,
    );
    expect(codes(inactive)).toEqual(["PMS_PMP_016"]);
    const on = ok(
      await call(sandbox, admin, "PATCH", `${PT}/partners/${partnerId}`, { status: "Active" }),
    );
    expect(on.message).toBe("Partner activated successfully");

    // PMS told the hub about the policy, the certificates and the partner.
    expect(publishedTopics()).toEqual(
      expect.arrayContaining(["POLICY_UPDATED", "CA_CERTIFICATE_UPLOADED", "PARTNER_UPDATED"]),
    );
  });

  it("keeps requests on unpublished policies and foreign groups out", async () => {
    const draft = await publishedPolicy("DataShare", dataSharePolicy(), false);
    const other = await publishedPolicy("DataShare");
    const partnerId = unique("crvs-draft");
    await registerPartner(partnerId, "Credential_Partner", draft.groupName);
    await uploadCerts(partnerId);
    const unpublished = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/policy/map`,
      {
        policyName: draft.policyName,
        useCaseDescription: "x",
      },
    );
    expect(unpublished.body.errors).toEqual([
      { errorCode: "PMS_PMP_019", message: "Policy is not active." },
    ]);
    const foreign = await call(sandbox, admin, "POST", `${PT}/partners/${partnerId}/policy/map`, {
      policyName: other.policyName,
      useCaseDescription: "x",
    });
    expect(foreign.body.errors).toEqual([
      {
        errorCode: "PMS_PRT_098",
        message: "Given policy under partner's policy group not exists.",
      },
    ]);
    const ctDraft = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/credentialtype/opencrvs/policies/${draft.policyName}`,
    );
    expect(codes(ctDraft)).toEqual(["PMS_PMP_019"]);
    const notAllowed = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/credentialtype/passport/policies/${draft.policyName}`,
    );
    expect(notAllowed.body.errors).toEqual([
      {
        errorCode: "PMS_PRT_072",
        message:
          "Given credential type is not allowed. Allowed credential types : auth,qrcode,euin,reprint,vercred,opencrvs",
      },
    ]);
    const noKey = await call(sandbox, admin, "PUT", `${PT}/partners/policy/999999999`, {
      status: "Approved",
    });
    expect(noKey.body.errors).toEqual([
      { errorCode: "PMS_PMP_007", message: "Partner api key does not exist" },
    ]);
    const noRequest = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/bioextractors/${other.policyId}`,
      EXTRACTORS,
    );
    expect(noRequest.body.errors).toEqual([
      { errorCode: "PMS_PRT_061", message: "Partner policy mapping not exists." },
    ]);
  });

  it("rejects a mapping and lets the partner ask again", async () => {
    const pol = await publishedPolicy("DataShare");
    const partnerId = unique("crvs-reject");
    await registerPartner(partnerId, "Credential_Partner", pol.groupName);
    await uploadCerts(partnerId);
    const first = ok(
      await call(sandbox, admin, "POST", `${PT}/partners/${partnerId}/policy/map`, {
        policyName: pol.policyName,
        useCaseDescription: "a",
      }),
    );
    expect(
      ok(
        await call(sandbox, admin, "PUT", `${PT}/partners/policy/${first.mappingkey}`, {
          status: "rejected",
        }),
      ),
    ).toBe("Policy mapping rejected successfully");
    const again = await call(sandbox, admin, "PUT", `${PT}/partners/policy/${first.mappingkey}`, {
      status: "Approved",
    });
    expect(codes(again)).toEqual(["PMS_PM_035"]);
    const second = ok(
      await call(sandbox, admin, "POST", `${PT}/partners/${partnerId}/policy/map`, {
        policyName: pol.policyName,
        useCaseDescription: "b",
      }),
    );
    expect(second.mappingkey).not.toBe(first.mappingkey);
  });
});

describe("partner registration and read-back", () => {
  it("enforces the registration rules in MOSIP's order", async () => {
    const pol = await publishedPolicy("DataShare");
    const id = unique("crvs-reg");
    await registerPartner(id, "credential_partner", pol.groupName); // type matched case-insensitively
    const dupId = await call(sandbox, admin, "POST", `${PT}/partners`, {
      ...partnerBody(id, "Credential_Partner", pol.groupName),
      emailId: `other-${id}@crvs.example.org`,
    });
    expect(dupId.body.errors).toEqual([
      { errorCode: "PMS_PRT_051", message: "A Partner is already registered with the same Id" },
    ]);
    const dupEmail = await call(sandbox, admin, "POST", `${PT}/partners`, {
      ...partnerBody(unique("crvs-reg"), "Credential_Partner", pol.groupName),
      emailId: `${id}@crvs.example.org`,
    });
    expect(dupEmail.body.errors).toEqual([
      { errorCode: "PMS_PRT_011", message: "Email is already exists." },
    ]);

    const b = (over: Obj) => ({
      ...partnerBody(unique("crvs-reg"), "Credential_Partner", pol.groupName),
      ...over,
    });
    expect(
      codes(await call(sandbox, admin, "POST", `${PT}/partners`, b({ emailId: "not-an-email" }))),
    ).toEqual(["PMS_PRT_012"]);
    expect(
      codes(await call(sandbox, admin, "POST", `${PT}/partners`, b({ partnerId: "has space" }))),
    ).toEqual(["PMS_PRT_066"]);
    expect(
      codes(await call(sandbox, admin, "POST", `${PT}/partners`, b({ partnerId: "x".repeat(37) }))),
    ).toEqual(["PMS_PRT_052"]);
    expect(
      codes(
        await call(sandbox, admin, "POST", `${PT}/partners`, b({ contactNumber: "1".repeat(17) })),
      ),
    ).toEqual(["PMS_PRT_013"]);
    expect(
      codes(await call(sandbox, admin, "POST", `${PT}/partners`, b({ partnerType: "Astronaut" }))),
    ).toEqual(["PMS_PRT_010"]);
    expect(
      codes(await call(sandbox, admin, "POST", `${PT}/partners`, b({ langCode: "xyz" }))),
    ).toEqual(["PMS_PRT_056"]);
    const noGroup = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners`,
      b({ policyGroup: undefined }),
    );
    expect(noGroup.body.errors).toEqual([
      { errorCode: "PMS_PRT_108", message: "Policy group is Mandatory for Credential_Partner" },
    ]);
    expect(
      codes(
        await call(sandbox, admin, "POST", `${PT}/partners`, b({ policyGroup: "no-such-group" })),
      ),
    ).toEqual(["PMS_PRT_002"]);
    const blankOrg = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners`,
      b({ organizationName: "" }),
    );
    expect(blankOrg.body.errors).toEqual([
      {
        errorCode: "PMS_COR_001",
        message: "Invalid request parameter - must not be blank :organizationName",
      },
    ]);
    // MISP partners need no policy group.
    ok(
      await call(
        sandbox,
        admin,
        "POST",
        `${PT}/partners`,
        b({ partnerType: "MISP_Partner", policyGroup: undefined }),
      ),
    );

    const unknown = await call(sandbox, admin, "GET", `${PT}/partners/no-such-partner`);
    expect(unknown.body.errors).toEqual([
      { errorCode: "PMS_PRT_005", message: "Partner does not exist" },
    ]);
    const patchUnknown = await call(sandbox, admin, "PATCH", `${PT}/partners/no-such-partner`, {
      status: "Active",
    });
    expect(codes(patchUnknown)).toEqual(["PMS_PMP_005"]);
    const activateNoCert = await call(sandbox, admin, "PATCH", `${PT}/partners/${id}`, {
      status: "Active",
    });
    expect(codes(activateNoCert)).toEqual(["PMS_PRT_108"]);

    const list = ok(
      await call(sandbox, admin, "GET", `${PT}/partners?partnerType=Credential_Partner`),
    );
    expect((list.partners as Obj[]).map((p) => p.partnerID)).toContain(id);
    // No match is an error, not an empty list.
    const none = await call(sandbox, admin, "GET", `${PT}/partners?partnerType=SDK_Partner`);
    expect(none.body.errors).toEqual([
      { errorCode: "PMS_PMP_013", message: "Partner does not exist" },
    ]);

    const upd = ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/${id}`, {
        address: "2 New Road",
        contactNumber: "+15550111",
      }),
    );
    expect(upd).toEqual({ partnerId: id, status: "InProgress" });
    expect(ok(await call(sandbox, admin, "GET", `${PT}/partners/${id}`))).toMatchObject({
      address: "2 New Road",
      contactNumber: "+15550111",
    });
  });

  it("applies the self rule to callers without PARTNER_ADMIN", async () => {
    const pol = await publishedPolicy("DataShare");
    const mine = unique("crvs-self");
    const theirs = unique("crvs-other");
    const myTok = await partnerUserToken(sandbox, mine, ["CREDENTIAL_PARTNER"]);
    await registerPartner(mine, "Credential_Partner", pol.groupName);
    await registerPartner(theirs, "Credential_Partner", pol.groupName);
    await uploadCerts(theirs);

    ok(await call(sandbox, myTok, "GET", `${PT}/partners/${mine}`));
    const peek = await call(sandbox, myTok, "GET", `${PT}/partners/${theirs}`);
    expect(peek.body.errors).toEqual([
      { errorCode: "PMS_PRT_055", message: "User not authorized." },
    ]);
    const map = await call(sandbox, myTok, "POST", `${PT}/partners/${theirs}/policy/map`, {
      policyName: pol.policyName,
      useCaseDescription: "x",
    });
    expect(codes(map)).toEqual(["PMS_PRT_055"]);
    const upd = await call(sandbox, myTok, "PUT", `${PT}/partners/${theirs}`, {
      address: "x",
      contactNumber: "1",
    });
    expect(codes(upd)).toEqual(["PMS_PRT_055"]);
    // The partner uploads its own certificate, but not someone else's.
    await uploadCerts(mine, myTok);
    const leaf = await makeLeaf(await caOnce(), { org: `Org ${theirs}` });
    const foreignCert = await call(sandbox, myTok, "POST", `${PT}/partners/certificate/upload`, {
      partnerId: theirs,
      certificateData: leaf.certPem,
      partnerDomain: "AUTH",
    });
    expect(codes(foreignCert)).toEqual(["PMS_PRT_055"]);
    // MOSIP checks the caller before the partner exists: an unknown id is not revealed as such.
    const unknownCert = await call(sandbox, myTok, "POST", `${PT}/partners/certificate/upload`, {
      partnerId: unique("crvs-nobody"),
      certificateData: leaf.certPem,
      partnerDomain: "AUTH",
    });
    expect(codes(unknownCert)).toEqual(["PMS_PRT_055"]);
    // Search shows a partner only its own rows.
    const rows = ok(
      await call(sandbox, myTok, "POST", `${PT}/partners/search`, { partnerType: "all" }),
    );
    expect((rows.data as Obj[]).map((r) => r.id)).toEqual([mine]);
    // Roles: a credential partner may not approve, list partners or upload CA certificates.
    const approve = await call(sandbox, myTok, "PUT", `${PT}/partners/policy/1`, {
      status: "Approved",
    });
    expect(approve.status).toBe(403);
    expect(
      (await call(sandbox, myTok, "GET", `${PT}/partners?partnerType=Credential_Partner`)).status,
    ).toBe(403);
    const ca = await call(sandbox, myTok, "POST", `${PT}/partners/certificate/ca/upload`, {
      certificateData: "x",
      partnerDomain: "AUTH",
    });
    expect(ca.status).toBe(403);
    const anon = await call(sandbox, undefined, "GET", `${PT}/partners/${mine}`);
    expect(anon.status).toBe(401);
  });

  it("passes keymanager's certificate verdicts through", async () => {
    const pol = await publishedPolicy("DataShare");
    const id = unique("crvs-cert");
    await registerPartner(id, "Credential_Partner", pol.groupName);
    const { ca } = await partnerCerts(`Org ${id}`);
    ok(
      await call(sandbox, admin, "POST", `${PT}/partners/certificate/ca/upload`, {
        certificateData: ca.certPem,
        partnerDomain: "AUTH",
      }),
    );
    const dup = await call(sandbox, admin, "POST", `${PT}/partners/certificate/ca/upload`, {
      certificateData: ca.certPem,
      partnerDomain: "AUTH",
    });
    expect(dup.body.errors).toEqual([
      { errorCode: "KER-PCM-003", message: "Certificate already exists in store." },
    ]);
    // O= differs from the organisation name.
    const { leaf: wrongOrg } = await partnerCerts("Someone Else");
    const bad = await call(sandbox, admin, "POST", `${PT}/partners/certificate/upload`, {
      partnerId: id,
      certificateData: wrongOrg.certPem,
      partnerDomain: "AUTH",
    });
    expect(bad.body.response).toBeNull();
    expect(codes(bad)).toHaveLength(1);
    expect(codes(bad)[0]).toMatch(/^KER-PCM-/);
    expect(ok(await call(sandbox, admin, "GET", `${PT}/partners/${id}`)).isActive).toBe(false);
    const unknown = await call(sandbox, admin, "POST", `${PT}/partners/certificate/upload`, {
      partnerId: "no-such-partner",
      certificateData: wrongOrg.certPem,
      partnerDomain: "AUTH",
    });
    expect(codes(unknown)).toEqual(["PMS_PRT_005"]);
  });
});

describe("auth partner (§11.2) and API keys", () => {
  it("approves the mapping and lets only the partner's own user generate an API key", async () => {
    const pol = await publishedPolicy("Auth");
    const partnerId = unique("crvs-auth");
    const partnerTok = await partnerUserToken(sandbox, partnerId, ["AUTH_PARTNER"]);
    await registerPartner(partnerId, "Auth_Partner", pol.groupName);
    await uploadCerts(partnerId);
    const m = ok(
      await call(sandbox, partnerTok, "POST", `${PT}/partners/${partnerId}/policy/map`, {
        policyName: pol.policyName,
        useCaseDescription: "auth",
      }),
    );
    const early = await call(
      sandbox,
      partnerTok,
      "PATCH",
      `${PT}/partners/${partnerId}/generate/apikey`,
      { policyName: pol.policyName, label: "k1" },
    );
    expect(early.body.errors).toEqual([
      { errorCode: "PMS_PRT_109", message: "Given policy is not mapped to partner" },
    ]);
    const pending = ok(
      await call(sandbox, partnerTok, "GET", `${PT}/partners/${partnerId}/apikey/request`),
    ) as unknown as Obj[];
    expect(pending).toEqual([
      {
        apiKeyReqID: m.mappingkey,
        apiKeyRequestStatus: "InProgress",
        partnerApiKey: null,
        apikeyStatus: null,
        validityTill: null,
      },
    ]);
    // Extractors are for credential / online-verification partners only.
    const noExtractors = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/partners/${partnerId}/bioextractors/${pol.policyId}`,
      EXTRACTORS,
    );
    expect(codes(noExtractors)).toEqual(["PMS_PRT_063"]);
    // Auth partners need no extractors.
    ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/policy/${m.mappingkey}`, {
        status: "Approved",
      }),
    );

    // The deployment client lacks the role; another AUTH_PARTNER user is not the partner.
    const byAdmin = await call(
      sandbox,
      admin,
      "PATCH",
      `${PT}/partners/${partnerId}/generate/apikey`,
      { policyName: pol.policyName, label: "k1" },
    );
    expect(byAdmin.status).toBe(403);
    const stranger = await partnerUserToken(sandbox, unique("crvs-stranger"), [
      "AUTH_PARTNER",
      "PARTNER_ADMIN",
    ]);
    const byStranger = await call(
      sandbox,
      stranger,
      "PATCH",
      `${PT}/partners/${partnerId}/generate/apikey`,
      { policyName: pol.policyName, label: "k1" },
    );
    expect(byStranger.body.errors).toEqual([
      { errorCode: "PMS_PRT_055", message: "User not authorized." },
    ]);

    const key = ok(
      await call(sandbox, partnerTok, "PATCH", `${PT}/partners/${partnerId}/generate/apikey`, {
        policyName: pol.policyName,
        label: "k1",
      }),
    );
    expect(key).toMatchObject({ label: "k1", policyId: pol.policyId, partnerId });
    expect(key.apiKey).toMatch(/^\d{1,6}$/);
    const dup = await call(
      sandbox,
      partnerTok,
      "PATCH",
      `${PT}/partners/${partnerId}/generate/apikey`,
      { policyName: pol.policyName, label: "k1" },
    );
    expect(dup.body.errors).toEqual([
      { errorCode: "PMS_PRT_110", message: "Given label already exists.Provide unique label." },
    ]);
    const unknownPolicy = await call(
      sandbox,
      partnerTok,
      "PATCH",
      `${PT}/partners/${partnerId}/generate/apikey`,
      { policyName: "nope", label: "k2" },
    );
    expect(codes(unknownPolicy)).toEqual(["PMS_PMP_014"]);

    const keys = ok(
      await call(sandbox, partnerTok, "POST", `${PT}/partners/apikey/search`, {
        filters: [{ columnName: "partnerId", type: "equals", value: partnerId }],
      }),
    );
    expect(keys.data).toEqual([
      expect.objectContaining({
        label: "k1",
        isActive: true,
        policyId: pol.policyId,
        policyName: pol.policyName,
        partnerId,
        partnerName: `Org ${partnerId}`,
      }),
    ]);
    expect((keys.data as Obj[])[0]).not.toHaveProperty("apiKey");
    expect(
      ok(await call(sandbox, admin, "GET", `${PT}/partners/${partnerId}/apikey/${key.apiKey}`)),
    ).toEqual({
      partnerID: partnerId,
      policyId: pol.policyId,
    });
    // The policy manager sees the policy for the partner through the active key.
    ok(await call(sandbox, admin, "GET", `${PM}/policies/${pol.policyId}/partner/${partnerId}`));

    const off = ok(
      await call(
        sandbox,
        partnerTok,
        "PATCH",
        `${PT}/partners/${partnerId}/policy/${pol.policyId}/apiKey/status`,
        { label: "k1", status: "De-Active" },
      ),
    );
    expect(off).toBe("Partner apikey de-activated successfully.");
    const gone = await call(
      sandbox,
      admin,
      "GET",
      `${PM}/policies/${pol.policyId}/partner/${partnerId}`,
    );
    expect(codes(gone)).toEqual(["PMS_POL_017"]);
    const noLabel = await call(
      sandbox,
      partnerTok,
      "PATCH",
      `${PT}/partners/${partnerId}/policy/${pol.policyId}/apiKey/status`,
      { label: "zz", status: "Active" },
    );
    expect(codes(noLabel)).toEqual(["PMS_PRT_111"]);
    expect(publishedTopics()).toContain("APIKEY_APPROVED");
    // MOSIP's quirk: once a request is approved this read dereferences a missing key and the
    // generic handler answers (errorCode null) -- adoption must use the search endpoints.
    const quirk = await call(
      sandbox,
      partnerTok,
      "GET",
      `${PT}/partners/${partnerId}/apikey/request`,
    );
    expect(quirk.status).toBe(200);
    expect(codes(quirk)).toEqual([null]);
  });
});

describe("OIDC client via PMS (§5.8)", () => {
  function rsaJwk(kid: string): Obj {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = publicKey.export({ format: "jwk" }) as { n: string; e: string };
    // Members deliberately out of jose4j's order, plus a private-looking member that is dropped.
    return { n: jwk.n, alg: "RS256", e: jwk.e, use: "sig", kid, kty: "RSA" };
  }

  /** The client id written out by hand from the contract's rule for this JWK. */
  async function expectedClientId(jwk: Obj): Promise<{ text: string; id: string }> {
    const esc = (s: string) => s.replace(/\//g, "\\/");
    const text = `{"kty":"RSA","kid":"${esc(String(jwk.kid))}","use":"sig","alg":"RS256","n":"${jwk.n}","e":"${jwk.e}"}`;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return { text, id: Buffer.from(digest).toString("base64url") };
  }

  async function approvedAuthPartner(policies: Obj = authPolicy()) {
    const pol = await publishedPolicy("Auth", policies);
    const partnerId = unique("crvs-rp");
    await registerPartner(partnerId, "Auth_Partner", pol.groupName);
    await uploadCerts(partnerId);
    const m = ok(
      await call(sandbox, admin, "POST", `${PT}/partners/${partnerId}/policy/map`, {
        policyName: pol.policyName,
        useCaseDescription: "oidc",
      }),
    );
    return { ...pol, partnerId, mappingKey: m.mappingkey as string };
  }

  const clientBody = (jwk: Obj, policyId: string, authPartnerId: string): Obj => ({
    name: "CRVS relying party",
    policyId,
    publicKey: jwk,
    authPartnerId,
    logoUri: "https://crvs.example.org/logo.png",
    redirectUris: ["https://crvs.example.org/callback"],
    grantTypes: ["authorization_code"],
    clientAuthMethods: ["private_key_jwt"],
  });

  it("creates the client with the hashed JWK as id, derives claims and ACRs, reads and updates it", async () => {
    const p = await approvedAuthPartner();
    const jwk = rsaJwk("crvs/key-1");
    const notApproved = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/oidc/client`,
      clientBody(jwk, p.policyId, p.partnerId),
      { envelope: "esignet" },
    );
    expect(notApproved.body.errors).toEqual([
      {
        errorCode: "PMS_IDP_002",
        message: "Partner policy mapping is not approved. Please check mapping status.",
      },
    ]);
    ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/policy/${p.mappingKey}`, {
        status: "Approved",
      }),
    );

    const created = ok(
      await call(
        sandbox,
        admin,
        "POST",
        `${PT}/oidc/client`,
        clientBody(jwk, p.policyId, p.partnerId),
        { envelope: "esignet" },
      ),
    );
    const expected = await expectedClientId(jwk);
    expect(created).toEqual({ clientId: expected.id, status: "ACTIVE" });
    expect(expected.id).toHaveLength(43);
    expect(publishedTopics()).toContain("OIDC_CLIENT_CREATED");

    const got = ok(await call(sandbox, admin, "GET", `${PT}/oidc/client/${expected.id}`));
    expect(got).toMatchObject({
      id: expected.id,
      name: "CRVS relying party",
      policyId: p.policyId,
      policyName: p.policyName,
      relyingPartyId: p.partnerId,
      logoUri: "https://crvs.example.org/logo.png",
      redirectUris: ["https://crvs.example.org/callback"],
      publicKey: expected.text,
      status: "ACTIVE",
      grantTypes: ["authorization_code"],
      clientAuthMethods: ["private_key_jwt"],
    });
    // fullName/gender/dateOfBirth/individual_id map to these eSignet claims; otp and bio to ACRs.
    expect([...(got.claims as string[])].sort()).toEqual([
      "birthdate",
      "gender",
      "individual_id",
      "name",
    ]);
    expect([...(got.acrValues as string[])].sort()).toEqual([
      "mosip:idp:acr:biometrics",
      "mosip:idp:acr:generated-code",
    ]);

    const dup = await call(
      sandbox,
      admin,
      "POST",
      `${PT}/oidc/client`,
      clientBody(jwk, p.policyId, p.partnerId),
      { envelope: "esignet" },
    );
    expect(dup.body.errors).toEqual([
      { errorCode: "PMS_IDP_001", message: "Client public key already exists." },
    ]);

    const upd = ok(
      await call(
        sandbox,
        admin,
        "PUT",
        `${PT}/oidc/client/${expected.id}`,
        {
          clientName: "CRVS RP (renamed)",
          logoUri: "https://crvs.example.org/logo2.png",
          redirectUris: ["https://crvs.example.org/cb2"],
          status: "inactive",
          grantTypes: ["authorization_code"],
          clientAuthMethods: ["private_key_jwt"],
        },
        { envelope: "esignet" },
      ),
    );
    expect(upd).toEqual({ clientId: expected.id, status: "INACTIVE" });
    expect(ok(await call(sandbox, admin, "GET", `${PT}/oidc/client/${expected.id}`))).toMatchObject(
      {
        name: "CRVS RP (renamed)",
        status: "INACTIVE",
        redirectUris: ["https://crvs.example.org/cb2"],
        claims: got.claims,
      },
    );
    const badStatus = await call(
      sandbox,
      admin,
      "PUT",
      `${PT}/oidc/client/${expected.id}`,
      {
        clientName: "x",
        logoUri: "https://a.example/l.png",
        redirectUris: ["https://a.example/cb"],
        status: "PAUSED",
        grantTypes: ["authorization_code"],
        clientAuthMethods: ["private_key_jwt"],
      },
      { envelope: "esignet" },
    );
    expect(codes(badStatus)).toEqual(["PMS_COR_001"]);
    const missing = await call(sandbox, admin, "GET", `${PT}/oidc/client/not-a-client`);
    expect(missing.body.errors).toEqual([
      { errorCode: "PMS_IDP_004", message: "Client not exists with given id." },
    ]);
  });

  it("enforces the creation rules in order", async () => {
    const p = await approvedAuthPartner();
    ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/policy/${p.mappingKey}`, {
        status: "Approved",
      }),
    );
    const post = (body: Obj) =>
      call(sandbox, admin, "POST", `${PT}/oidc/client`, body, { envelope: "esignet" });

    const noPartner = await post(clientBody(rsaJwk("a"), p.policyId, "no-such-rp"));
    expect(noPartner.body.errors).toEqual([
      {
        errorCode: "PMS_PRT_058",
        message: "AuthPartner doesn't exists with this Id - no-such-rp.",
      },
    ]);

    const cred = await publishedPolicy("DataShare");
    const credPartner = unique("crvs-notauth");
    await registerPartner(credPartner, "Credential_Partner", cred.groupName);
    const wrongType = await post(clientBody(rsaJwk("b"), p.policyId, credPartner));
    expect(wrongType.body.errors).toEqual([
      {
        errorCode: "PMS_PRT_059",
        message:
          "Only Auth_partner can Create OIDC Client. Credential_Partner is not allowed to create OIDC Client.",
      },
    ]);
    const noPolicy = await post(clientBody(rsaJwk("c"), "no-such-policy", p.partnerId));
    expect(codes(noPolicy)).toEqual(["PMS_PRT_073"]);
    const ds = await publishedPolicy("DataShare");
    const dsPolicy = await post(clientBody(rsaJwk("d"), ds.policyId, p.partnerId));
    expect(codes(dsPolicy)).toEqual(["PMS_PRT_057"]);
    const other = await publishedPolicy("Auth");
    const unmapped = await post(clientBody(rsaJwk("e"), other.policyId, p.partnerId));
    expect(codes(unmapped)).toEqual(["PMS_PRT_061"]);

    const mand = await approvedAuthPartner(authPolicy(true));
    ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/policy/${mand.mappingKey}`, {
        status: "Approved",
      }),
    );
    const mandatory = await post(clientBody(rsaJwk("f"), mand.policyId, mand.partnerId));
    expect(codes(mandatory)).toEqual(["PMS_IDP_003"]);

    const noClaimsPolicy = {
      ...authPolicy(),
      allowedKycAttributes: [{ attributeName: "favouriteColour" }],
    };
    const nc = await approvedAuthPartner(noClaimsPolicy);
    ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/policy/${nc.mappingKey}`, {
        status: "Approved",
      }),
    );
    const noClaims = await post(clientBody(rsaJwk("g"), nc.policyId, nc.partnerId));
    expect(noClaims.body.errors).toEqual([
      { errorCode: "PMS_IDP_005", message: "Partner has no user claims" },
    ]);

    const noAcrPolicy = {
      ...authPolicy(),
      allowedAuthTypes: [{ authType: "demo", mandatory: false }],
    };
    const na = await approvedAuthPartner(noAcrPolicy);
    ok(
      await call(sandbox, admin, "PUT", `${PT}/partners/policy/${na.mappingKey}`, {
        status: "Approved",
      }),
    );
    const noAcr = await post(clientBody(rsaJwk("h"), na.policyId, na.partnerId));
    expect(noAcr.body.errors).toEqual([
      { errorCode: "PMS_IDP_005", message: "Partner has no Authentication Context Refrences" },
    ]);

    // eSignet's own verdicts come back as PMS errors with eSignet's code, and nothing is stored.
    const implicitJwk = rsaJwk("l");
    const implicit = await post({
      ...clientBody(implicitJwk, p.policyId, p.partnerId),
      grantTypes: ["implicit"],
    });
    expect(implicit.body.response).toBeNull();
    expect(codes(implicit)).toEqual(["invalid_grant_type"]);
    const notStored = await call(
      sandbox,
      admin,
      "GET",
      `${PT}/oidc/client/${(await expectedClientId(implicitJwk)).id}`,
    );
    expect(codes(notStored)).toEqual(["PMS_IDP_004"]);

    const badUri = await post({
      ...clientBody(rsaJwk("i"), p.policyId, p.partnerId),
      logoUri: "not a url",
    });
    expect(codes(badUri)).toEqual(["PMS_COR_001"]);
    const tooMany = await post({
      ...clientBody(rsaJwk("j"), p.policyId, p.partnerId),
      redirectUris: [
        "https://a.example/1",
        "https://a.example/2",
        "https://a.example/3",
        "https://a.example/4",
        "https://a.example/5",
        "https://a.example/6",
      ],
    });
    expect(tooMany.body.errors).toEqual([
      {
        errorCode: "PMS_COR_001",
        message: "Invalid request parameter - size must be between 1 and 5 :redirectUris",
      },
    ]);
    const anon = await call(
      sandbox,
      undefined,
      "POST",
      `${PT}/oidc/client`,
      clientBody(rsaJwk("k"), p.policyId, p.partnerId),
      { envelope: "esignet" },
    );
    expect(anon.status).toBe(401);
  });
});

describe("MISP license key (§5.7)", () => {
  it("issues one license key to an active MISP partner, as the partner itself", async () => {
    const mispId = unique("crvs-misp");
    const mispTok = await partnerUserToken(sandbox, mispId, ["MISP_PARTNER"]);
    await registerPartner(mispId, "MISP_Partner");
    const inactive = await call(sandbox, mispTok, "POST", `${PT}/misps`, { providerId: mispId });
    expect(inactive.body.errors).toEqual([
      { errorCode: "PMS_MSP_405", message: "MISP partner is not active." },
    ]);
    await uploadCerts(mispId);
    const other = await call(sandbox, mispTok, "POST", `${PT}/misps`, {
      providerId: "someone-else",
    });
    expect(codes(other)).toEqual(["PMS_PRT_055"]);
    const lic = ok(await call(sandbox, mispTok, "POST", `${PT}/misps`, { providerId: mispId }));
    expect(lic).toMatchObject({ providerId: mispId, licenseKeyStatus: "Active" });
    expect(String(lic.licenseKey)).toMatch(/^[A-Za-z0-9]{50}$/);
    const days = (new Date(lic.licenseKeyExpiry as string).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    const again = await call(sandbox, mispTok, "POST", `${PT}/misps`, { providerId: mispId });
    expect(again.body.errors).toEqual([
      { errorCode: "PMS_MSP_416", message: "License key exists for the given provider." },
    ]);
    const listed = ok(await call(sandbox, mispTok, "GET", `${PT}/misps`)) as unknown as Obj[];
    expect(listed).toEqual([
      expect.objectContaining({ mispId, licenseKey: lic.licenseKey, isActive: true }),
    ]);

    const credId = unique("crvs-notmisp");
    const pol = await publishedPolicy("DataShare");
    await registerPartner(credId, "Credential_Partner", pol.groupName);
    const notMisp = await call(sandbox, admin, "POST", `${PT}/misps`, { providerId: credId });
    expect(codes(notMisp)).toEqual(["PMS_MSP_009"]);
    const unknown = await call(sandbox, admin, "POST", `${PT}/misps`, {
      providerId: "no-such-misp",
    });
    expect(codes(unknown)).toEqual(["PMS_MSP_005"]);
  });
});

describe("canonical JWK (what PMS hashes into the client id)", () => {
  it("orders members like jose4j, drops private members, escapes / and strips leading zeros", () => {
    const n = Buffer.from([0x00, 0x00, 0xc3, 0x5a, 0x01]).toString("base64url");
    const jwk = {
      "x-note": "a/b",
      e: "AQAB",
      n,
      d: "private-exponent",
      key_ops: ["verify"],
      alg: "RS256",
      use: "sig",
      kid: "k/1",
      kty: "RSA",
    };
    const text = canonicalJwk(jwk);
    expect(text).toBe(
      `{"kty":"RSA","kid":"k\\/1","use":"sig","key_ops":["verify"],"alg":"RS256","n":"w1oB","e":"AQAB","x-note":"a\\/b"}`,
    );
    expect(oidcClientId(jwk)).toBe(createHash("sha256").update(text).digest("base64url"));
    expect(oidcClientId(jwk)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => canonicalJwk({ kty: "EC", x: "a", y: "b" })).toThrow();
  });
});
