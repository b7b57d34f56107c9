// One CRVS system as a MOSIP credential partner, in MOSIP's order (contract §11.4): the policy
// group, the DataShare policy the credential service follows when it shares a person with the CRVS
// (published), the Credential_Partner in that group, the CA that signs its certificate, the partner
// certificate (O= = the organisation name; uploading it activates the partner), then, on the active
// partner, the policy mapping (request + bio-extractors + approval, PMS_PM_051) and the credential
// type mapping to the policy. The partner's private key is the key the CRVS adapter decrypts
// credentials with: it is a secret output, meant for the adapter's Secret.
import * as pulumi from "@pulumi/pulumi";
import type { CrvsSystemConfig } from "./config";
import { CaCertificate } from "./mosip/ca-certificate";
import { CredentialTypeMapping } from "./mosip/credential-type-mapping";
import { Partner } from "./mosip/partner";
import { PartnerCertificate } from "./mosip/partner-certificate";
import { Policy } from "./mosip/policy";
import { buildDataSharePolicy } from "./mosip/policy-builder";
import { PolicyGroup } from "./mosip/policy-group";
import { PolicyMapping, type BioExtractor } from "./mosip/policy-mapping";

/**
 * The extractors MOSIP's own onboarding scripts add for credential partners (contract §11.1 step
 * 8): face only, from the `photo` and `face` attributes.
 */
export const DEFAULT_BIO_EXTRACTORS: BioExtractor[] = [
  {
    attributeName: "photo",
    biometric: "face",
    extractor: { provider: "t5-face-lowres", version: "1.1" },
  },
  { attributeName: "face", biometric: "face", extractor: { provider: "dlib", version: "3.2" } },
];

/** PMS partner type of a CRVS system (`pmp.bioextractors.required.partner.types` lists it). */
export const CREDENTIAL_PARTNER_TYPE = "Credential_Partner";

export interface CredentialPartnerArgs {
  /** The CRVS system as validated by components/config.ts (`crvsSystems[i]`). */
  system: CrvsSystemConfig;
  /** Name of the PMS policy group the partner belongs to. @default `<partnerId>-group` */
  policyGroupName?: string;
  /** Name of the DataShare policy. @default `<partnerId>-datashare` */
  policyName?: string;
  /** Version of the DataShare policy (at most 8 characters, PMS's column). @default "1.0" */
  policyVersion?: string;
  /** keymanager partner domain of the CA and the partner certificate. @default "AUTH" */
  domain?: string;
  /**
   * Bio-extractors added to the mapping before approval (PMS refuses to approve a
   * Credential_Partner's mapping without them, PMS_PM_051). @default DEFAULT_BIO_EXTRACTORS
   */
  extractors?: BioExtractor[];
  /** Why the partner uses the policy (kept by PMS with the mapping request). @default a sentence naming the organisation */
  useCaseDescription?: string;
  /**
   * A partner certificate to upload instead of generating one, signed by a CA already in
   * keymanager (then no CA is generated or uploaded). Pass the key as a secret.
   * @default undefined: a CA and a partner certificate are generated
   */
  suppliedCertificate?: {
    certificatePem: pulumi.Input<string>;
    privateKeyPem: pulumi.Input<string>;
  };
}

export class CredentialPartner extends pulumi.ComponentResource {
  declare readonly policyGroup: PolicyGroup;
  declare readonly policy: Policy;
  declare readonly partner: Partner;
  /** Undefined when the partner certificate is supplied. */
  declare readonly caCertificate: CaCertificate | undefined;
  declare readonly partnerCertificate: PartnerCertificate;
  declare readonly policyMapping: PolicyMapping;
  declare readonly credentialTypeMapping: CredentialTypeMapping;
  /** The PMS partner id (= Keycloak client id = WebSub topic prefix). */
  declare readonly partnerId: pulumi.Output<string>;
  /** The DataShare policy's id. */
  declare readonly policyId: pulumi.Output<string>;
  /** The DataShare policy's name in MOSIP (may carry a `-<hash>` suffix after a replacement). */
  declare readonly policyName: pulumi.Output<string>;
  /** The partner certificate as MOSIP's partner CA re-signed it (what PMS shares with IDA). */
  declare readonly signedCertificatePem: pulumi.Output<string>;
  /** The partner's private key (PKCS#8 PEM): decrypts the credentials MOSIP shares. Secret. */
  declare readonly partnerPrivateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: CredentialPartnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mosip-crvs:pms:CredentialPartner", name, {}, opts);
    const s = args.system;
    const groupName = args.policyGroupName ?? `${s.partnerId}-group`;
    const policyName = args.policyName ?? `${s.partnerId}-datashare`;
    const extractors = args.extractors ?? DEFAULT_BIO_EXTRACTORS;
    if (extractors.length === 0) {
      throw new pulumi.ResourceError(
        `extractors for ${s.partnerId} is empty: PMS approves a Credential_Partner's policy mapping only once extractors are added (PMS_PM_051)`,
        this,
      );
    }
    const domain = args.domain ?? "AUTH";
    const child = { parent: this };

    // Plain config values: a wrong identifier/attribute combination fails here, before any call.
    const policies = buildDataSharePolicy({
      identifier: s.identifier,
      legallyMandated: s.legallyMandated,
      sharedAttributes: s.sharedAttributes,
      encryptionType: s.encryptionType,
    });

    const policyGroup = new PolicyGroup(
      `${name}-policy-group`,
      {
        name: groupName,
        description: `Policies of CRVS system ${s.organisationName} (${s.partnerId})`,
      },
      child,
    );

    // Inputs taken from the predecessor's outputs carry the order to Pulumi (and stay correct when
    // the predecessor is replaced); dependsOn spells out the edges MOSIP needs beyond them.
    const policy = new Policy(
      `${name}-datashare-policy`,
      {
        policyGroupName: policyGroup.name,
        name: policyName,
        description: `Data shared with CRVS system ${s.organisationName} (${s.partnerId})`,
        policyType: "DataShare",
        version: args.policyVersion ?? "1.0",
        policies: policies as unknown as Record<string, unknown>,
      },
      { ...child, dependsOn: [policyGroup] },
    );

    const partner = new Partner(
      `${name}-partner`,
      {
        partnerId: s.partnerId,
        partnerType: CREDENTIAL_PARTNER_TYPE,
        policyGroupName: policyGroup.name,
        organisationName: s.organisationName,
        contactEmail: s.contact.email,
        contactPhone: s.contact.phone,
        address: s.contact.address,
      },
      { ...child, dependsOn: [policyGroup, policy] },
    );

    let caCertificate: CaCertificate | undefined;
    let partnerCertificate: PartnerCertificate;
    if (args.suppliedCertificate) {
      partnerCertificate = new PartnerCertificate(
        `${name}-partner-certificate`,
        {
          partnerId: partner.partnerId,
          // PMS compares the certificate's O= with the partner's organisation name (KER-PCM-008).
          organisationName: partner.organisationName,
          domain,
          certificatePem: args.suppliedCertificate.certificatePem,
          privateKeyPem: pulumi.secret(args.suppliedCertificate.privateKeyPem),
        },
        { ...child, dependsOn: [partner] },
      );
    } else {
      caCertificate = new CaCertificate(
        `${name}-ca-certificate`,
        { domain, organisation: s.organisationName },
        { ...child, dependsOn: [partner] },
      );
      partnerCertificate = new PartnerCertificate(
        `${name}-partner-certificate`,
        {
          partnerId: partner.partnerId,
          organisationName: partner.organisationName,
          domain,
          caCertificatePem: caCertificate.caCertificatePem,
          caPrivateKeyPem: caCertificate.caPrivateKeyPem,
        },
        { ...child, dependsOn: [partner, caCertificate] },
      );
    }

    // The partner is active only once its certificate is uploaded: both mappings wait for it.
    const policyMapping = new PolicyMapping(
      `${name}-policy-mapping`,
      {
        partnerId: partnerCertificate.partnerId,
        policyName: policy.policyName,
        useCaseDescription:
          args.useCaseDescription ??
          `${s.organisationName} receives credentials of the people it registers`,
        extractors,
        approve: true,
      },
      { ...child, dependsOn: [partnerCertificate, policy] },
    );

    const credentialTypeMapping = new CredentialTypeMapping(
      `${name}-credential-type`,
      {
        partnerId: partnerCertificate.partnerId,
        credentialType: s.credentialType,
        policyName: policy.policyName,
      },
      { ...child, dependsOn: [partnerCertificate, policy] },
    );

    this.policyGroup = policyGroup;
    this.policy = policy;
    this.partner = partner;
    this.caCertificate = caCertificate;
    this.partnerCertificate = partnerCertificate;
    this.policyMapping = policyMapping;
    this.credentialTypeMapping = credentialTypeMapping;
    this.partnerId = partner.partnerId;
    this.policyId = policy.policyId;
    this.policyName = policy.policyName;
    this.signedCertificatePem = partnerCertificate.signedCertificatePem;
    this.partnerPrivateKeyPem = pulumi.secret(partnerCertificate.partnerPrivateKeyPem);
    this.registerOutputs({
      partnerId: this.partnerId,
      policyId: this.policyId,
      policyName: this.policyName,
      signedCertificatePem: this.signedCertificatePem,
      partnerPrivateKeyPem: this.partnerPrivateKeyPem,
    });
  }
}
