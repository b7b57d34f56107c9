// The entry of the bundled provider package (scripts/build-providers.mjs builds it into
// node_modules/@mosip-crvs/mosip-providers). A serialized MOSIP provider (provider-ref.ts) holds
// only its type name and a `require` of that package; in the provider host it calls `host(type)`
// and runs the code installed there. Every MOSIP resource type must be listed here.
//
// This module runs inside the provider host only, never in a serialized closure, so module-level
// objects are fine here.
import type * as pulumi from "@pulumi/pulumi";
import { apiKeyProvider, apiKeySpec } from "./api-key";
import { caCertificateProvider, caCertificateSpec } from "./ca-certificate";
import { CONFIG_PROPERTIES_TYPE, configPropertiesProvider } from "./config-properties";
import {
  credentialTypeMappingProvider,
  credentialTypeMappingSpec,
} from "./credential-type-mapping";
import { idSchemaRequirementProvider, idSchemaRequirementSpec } from "./id-schema-requirement";
import { machineProvider, machineSpec } from "./machine";
import { officerMappingProvider, officerMappingSpec } from "./officer-mapping";
import { oidcClientProvider, oidcClientSpec } from "./oidc-client";
import { partnerProvider, partnerSpec } from "./partner";
import { partnerCertificateProvider, partnerCertificateSpec } from "./partner-certificate";
import { policyProvider, policySpec } from "./policy";
import { policyGroupProvider, policyGroupSpec } from "./policy-group";
import { policyMappingProvider, policyMappingSpec } from "./policy-mapping";
import { registrationCentreProvider, registrationCentreSpec } from "./registration-centre";
import { webSubSubscriptionProvider, webSubSubscriptionSpec } from "./websub-subscription";

/**
 * Type name -> the provider of that type. Each is one instance per process (module-level in its
 * file), so a host that runs many resources of a type configures one client and reuses its token.
 */
const PROVIDERS: ReadonlyMap<string, pulumi.dynamic.ResourceProvider> = new Map<
  string,
  pulumi.dynamic.ResourceProvider
>([
  [policyGroupSpec.type, policyGroupProvider],
  [policySpec.type, policyProvider],
  [partnerSpec.type, partnerProvider],
  [caCertificateSpec.type, caCertificateProvider],
  [partnerCertificateSpec.type, partnerCertificateProvider],
  [policyMappingSpec.type, policyMappingProvider],
  [credentialTypeMappingSpec.type, credentialTypeMappingProvider],
  [apiKeySpec.type, apiKeyProvider],
  [oidcClientSpec.type, oidcClientProvider],
  [webSubSubscriptionSpec.type, webSubSubscriptionProvider],
  [registrationCentreSpec.type, registrationCentreProvider],
  [machineSpec.type, machineProvider],
  [officerMappingSpec.type, officerMappingProvider],
  [CONFIG_PROPERTIES_TYPE, configPropertiesProvider],
  [idSchemaRequirementSpec.type, idSchemaRequirementProvider],
]);

/** The provider of a MOSIP resource type, as installed in node_modules. */
export function host(type: string): pulumi.dynamic.ResourceProvider {
  const p = PROVIDERS.get(type);
  if (!p)
    throw new Error(
      `the installed @mosip-crvs/mosip-providers has no provider for the MOSIP resource type "${type}" (it has ${[...PROVIDERS.keys()].join(", ")}). The state was written by another version of mosip-crvs: check out that version, or run \`npm ci\` in the project directory so node_modules matches the sources.`,
    );
  return p;
}

/** The registered type names. */
export function types(): string[] {
  return [...PROVIDERS.keys()];
}
