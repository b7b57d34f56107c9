// Wiring only: load and validate the stack config, build the integration, export what operators
// need. Everything else lives in components/.
import { loadConfig } from "./components/config";
import { MosipCrvsIntegration } from "./components/integration";

const config = loadConfig();
const integration = new MosipCrvsIntegration("mosip-crvs", { config });

/** Per CRVS system: partner id (= Keycloak client id), the client secret (secret), granted roles. */
export const crvsSystems = integration.crvsSystems.map((s) => ({
  partnerId: s.partnerId,
  clientId: s.clientId,
  clientSecret: s.clientSecret,
  grantedRoles: s.grantedRoles,
}));
export const environment = config.environment;
export const mosipRelease = config.mosip.release;
