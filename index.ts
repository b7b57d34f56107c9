// Wiring only: load and validate the stack config, build the integration, export what operators
// need. Everything else lives in components/.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, StackConfigError } from "./components/config";
import { MosipCrvsIntegration } from "./components/integration";

/**
 * The validated stack config. Its problems are the operator's to fix, not a crash: a RunError is
 * printed by the language host as the message alone, without a stack trace.
 */
function validatedConfig() {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof StackConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

const config = validatedConfig();
const integration = new MosipCrvsIntegration("mosip-crvs", { config });

/**
 * Per CRVS system: the partner id (= Keycloak client id), the PMS objects' ids, the WebSub topics
 * and callbacks, the eSignet client; credentials only as secrets.
 */
export const crvsSystems = integration.crvsSystems.map((s) => ({
  partnerId: s.partnerId,
  clientId: s.clientId,
  clientSecret: s.clientSecret,
  grantedRoles: s.grantedRoles,
  dataSharePolicyId: s.policyId,
  authPartnerId: s.authPartnerId,
  authPolicyId: s.authPolicyId,
  oidcClientId: s.oidcClientId,
  topics: s.topics,
  callbacks: s.callbacks,
  credentialHubSecret: s.credentialHubSecret,
  packetStatusHubSecret: s.packetStatusHubSecret,
  partnerPrivateKeyPem: s.partnerPrivateKeyPem,
  oidcPrivateKeyPem: s.oidcPrivateKeyPem,
  apiKey: s.apiKey,
  adapterSecretName: s.adapter?.secretName,
}));

/** Per registration office: the ids the adapter's packets carry (refId = centre_machine). */
export const registrationOffices = integration.offices.map((o) => ({
  centreId: o.centreId,
  machineId: o.machineId,
  refId: o.refId,
  officerUsername: o.officerUsername,
  machinePrivateKeyPem: o.machinePrivateKeyPem,
  machineSignPrivateKeyPem: o.machineSignPrivateKeyPem,
}));

/** Per MOSIP config file, the hash of the stack's keys: restart its readers when it changes. */
export const configChangeHashes = pulumi.output(integration.properties.changeHashes);
export const environment = config.environment;
export const mosipRelease = config.mosip.release;
