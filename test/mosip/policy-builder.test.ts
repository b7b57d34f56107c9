// The policy builders: each identifier option's attributes, MOSIP's schema rules (validated with a
// real JSON-schema validator against the sandbox's copies of PMS's schemas), the Auth policy rules
// PMS applies to OIDC clients.
import Ajv from "ajv";
import { describe, expect, test } from "vitest";
import { ESIGNET_AUTH_TYPES, IDENTIFIER_OPTIONS } from "../../components/config";
import {
  buildAuthPolicy,
  buildDataSharePolicy,
  defaultIdentityMapping,
  identifierAttributes,
  type IdentifierOption,
} from "../../components/mosip/policy-builder";
import { IDENTITY_MAPPING, policyAcrs, policyClaims } from "../sandbox/pms-oidc";
import authSchema from "../sandbox/pms-auth-policy-schema.json";
import dataShareSchema from "../sandbox/pms-data-share-policy-schema.json";

const ajv = new Ajv({ allErrors: true, strict: false });
const validDataShare = ajv.compile(dataShareSchema);
const validAuth = ajv.compile(authSchema);

describe("identifier options", () => {
  test("the builder knows exactly the options the config schema allows", () => {
    for (const o of IDENTIFIER_OPTIONS)
      expect(() => identifierAttributes(o, { legallyMandated: true })).not.toThrow();
    expect(() => identifierAttributes("NIN" as IdentifierOption)).toThrow(/not one of PSUT/);
  });

  test.each<[IdentifierOption, string[]]>([
    ["PSUT", []],
    ["UIN", ["UIN"]],
    ["VID", ["vid"]],
    ["PSUT+VID", ["vid"]],
  ])("%s shares the identifier attributes %j before the others", (identifier, ids) => {
    const p = buildDataSharePolicy({
      identifier,
      legallyMandated: identifier === "UIN",
      sharedAttributes: ["fullName", "dateOfBirth"],
    });
    expect(p.shareableAttributes.map((a) => a.attributeName)).toEqual([
      ...ids,
      "fullName",
      "dateOfBirth",
    ]);
    expect(validDataShare(p), JSON.stringify(validDataShare.errors)).toBe(true);
  });

  test("PSUT never puts the UIN or a VID in the credential", () => {
    const p = buildDataSharePolicy({ sharedAttributes: ["fullName"] });
    const sources = p.shareableAttributes.flatMap((a) => a.source.map((s) => s.attribute));
    expect(sources).toEqual(["fullName"]);
  });

  test("UIN is refused unless legally mandated", () => {
    expect(() =>
      buildDataSharePolicy({ identifier: "UIN", sharedAttributes: ["fullName"] }),
    ).toThrow(/set legallyMandated: true only where a law requires it/);
    const p = buildDataSharePolicy({
      identifier: "UIN",
      legallyMandated: true,
      sharedAttributes: ["fullName"],
    });
    expect(p.shareableAttributes[0]).toEqual({
      attributeName: "UIN",
      source: [{ attribute: "UIN" }],
      encrypted: true,
    });
  });

  test.each([
    [undefined, "PERPETUAL"],
    ["TEMPORARY", "TEMPORARY"],
  ])("VID reads the existing VID of type %s (filter type %s, format retrieve)", (vidType, type) => {
    const [vid] = identifierAttributes("VID", { vidType });
    // The credential service dereferences filter[0].type and format without null checks.
    expect(vid).toEqual({
      attributeName: "vid",
      source: [{ attribute: "vid", filter: [{ type }] }],
      encrypted: true,
      format: "retrieve",
    });
  });
});

describe("DataShare policy", () => {
  test("MOSIP's defaults for the share itself", () => {
    const p = buildDataSharePolicy({ sharedAttributes: ["fullName"] });
    expect(p.dataSharePolicies).toEqual({
      typeOfShare: "Data Share",
      validForInMinutes: "30",
      transactionsAllowed: "2",
      encryptionType: "Partner Based",
      shareDomain: "datashare-service",
      source: "ID Repository",
    });
  });

  test("options are carried as the schema's strings", () => {
    const p = buildDataSharePolicy({
      sharedAttributes: ["fullName"],
      validForInMinutes: 60,
      transactionsAllowed: 5,
      shareDomain: "datashare.example",
    });
    expect(p.dataSharePolicies).toMatchObject({
      validForInMinutes: "60",
      transactionsAllowed: "5",
      shareDomain: "datashare.example",
    });
    expect(validDataShare(p)).toBe(true);
  });

  test.each([
    ["Partner Based", true],
    ["none", false],
  ] as const)("encryptionType %s: attributes encrypted=%s", (encryptionType, encrypted) => {
    const p = buildDataSharePolicy({
      identifier: "VID",
      sharedAttributes: ["fullName", "gender"],
      encryptionType,
    });
    expect(p.dataSharePolicies.encryptionType).toBe(encryptionType);
    expect(p.shareableAttributes.map((a) => a.encrypted)).toEqual([
      encrypted,
      encrypted,
      encrypted,
    ]);
    expect(validDataShare(p)).toBe(true);
  });

  test.each(["face", "photo"])("%s comes from the face CBEFF", (name) => {
    const p = buildDataSharePolicy({ sharedAttributes: [name] });
    expect(p.shareableAttributes).toEqual([
      {
        attributeName: name,
        group: "CBEFF",
        source: [{ attribute: "individualBiometrics", filter: [{ type: "Face" }] }],
        encrypted: true,
      },
    ]);
    expect(validDataShare(p)).toBe(true);
  });

  test.each([
    [{ sharedAttributes: [] }, /sharedAttributes is empty/],
    [{ sharedAttributes: ["UIN"] }, /lists UIN: the identifier is chosen with identifier/],
    [{ sharedAttributes: ["vid"] }, /lists vid/],
    [{ sharedAttributes: ["a", "a"] }, /lists "a" twice/],
    [{ sharedAttributes: ["a"], validForInMinutes: 0 }, /validForInMinutes must be a positive/],
    [
      { sharedAttributes: ["a"], transactionsAllowed: 1.5 },
      /transactionsAllowed must be a positive/,
    ],
  ])("refuses %j", (opts, message) => {
    expect(() => buildDataSharePolicy(opts)).toThrow(message);
  });

  test("the schema validator used here does reject a broken policy", () => {
    const p = buildDataSharePolicy({ sharedAttributes: ["fullName"] }) as unknown as Record<
      string,
      unknown
    >;
    expect(validDataShare({ ...p, extra: 1 })).toBe(false);
  });
});

describe("Auth policy for the eSignet OIDC client", () => {
  test("the default identity mapping is the one the sandbox's PMS derives claims with", () => {
    expect(
      Object.fromEntries(Object.entries(IDENTITY_MAPPING).map(([k, v]) => [k, v.value.split(",")])),
    ).toEqual(defaultIdentityMapping());
  });

  test("claims become KYC attributes that PMS maps back to the same claims", () => {
    const claims = ["name", "birthdate", "gender", "picture"];
    const p = buildAuthPolicy({ claims });
    expect(p.allowedKycAttributes).toEqual([
      { attributeName: "fullName" },
      { attributeName: "dateOfBirth" },
      { attributeName: "gender" },
      { attributeName: "face" },
    ]);
    const supported = Object.keys(IDENTITY_MAPPING);
    expect(
      policyClaims(
        p.allowedKycAttributes.map((a) => a.attributeName),
        supported,
      ).sort(),
    ).toEqual([...claims].sort());
    expect(validAuth(p), JSON.stringify(validAuth.errors)).toBe(true);
  });

  test("no auth type is mandatory (PMS_IDP_003) and kyc-auth/exchange are always allowed", () => {
    const p = buildAuthPolicy({ claims: ["name"], authTypes: [...ESIGNET_AUTH_TYPES] });
    expect(p.allowedAuthTypes.every((t) => t.mandatory === false)).toBe(true);
    expect(p.allowedAuthTypes.map((t) => `${t.authType}/${t.authSubType}`)).toEqual([
      "otp/",
      "otp-request/",
      "bio/FACE",
      "bio/FINGER",
      "bio/IRIS",
      "pwd/",
      "pin/",
      "wla/",
      "kycauth/",
      "kycexchange/",
    ]);
    expect(validAuth(p)).toBe(true);
  });

  test.each<[string[], string[]]>([
    [["otp"], ["mosip:idp:acr:generated-code"]],
    [["bio"], ["mosip:idp:acr:biometrics"]],
    [
      ["otp", "pin"],
      ["mosip:idp:acr:static-code", "mosip:idp:acr:generated-code"],
    ],
  ])("auth types %j give PMS the ACRs %j", (authTypes, acrs) => {
    const p = buildAuthPolicy({ claims: ["name"], authTypes: authTypes as never });
    expect(policyAcrs(p.allowedAuthTypes.map((t) => t.authType))).toEqual(acrs);
  });

  test.each<[IdentifierOption, string]>([
    ["PSUT", "partner"],
    ["PSUT+VID", "partner"],
    ["VID", "policy"],
    ["UIN", "policy"],
  ])("identifier %s -> authTokenType %s", (identifier, type) => {
    expect(buildAuthPolicy({ claims: ["name"], identifier }).authTokenType).toBe(type);
  });

  test("kycLanguages only when given; a custom identity mapping is honoured", () => {
    expect(buildAuthPolicy({ claims: ["name"] })).not.toHaveProperty("kycLanguages");
    const p = buildAuthPolicy({
      claims: ["name"],
      kycLanguages: ["eng", "fra"],
      identityMapping: { name: ["firstName", "lastName"] },
    });
    expect(p.kycLanguages).toEqual(["eng", "fra"]);
    expect(p.allowedKycAttributes).toEqual([
      { attributeName: "firstName" },
      { attributeName: "lastName" },
    ]);
    expect(validAuth(p)).toBe(true);
  });

  test.each([
    [{ claims: [] }, /claims is empty/],
    [{ claims: ["shoe_size"] }, /claim "shoe_size" has no ID-schema attribute/],
    [{ claims: ["name"], authTypes: [] }, /authTypes is empty/],
  ])("refuses %j", (opts, message) => {
    expect(() => buildAuthPolicy(opts as never)).toThrow(message);
  });
});
