// The whole MOSIP <-> CRVS integration for one environment, one CRVS system after another. Each
// concern is its own component; this one only wires them in MOSIP's order (Keycloak and the
// audience before anything calls MOSIP with the client, the partner active before mappings, the
// adapter ready before WebSub intent verification).
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedStackConfig } from "./config";
import { CrvsKeycloakClient } from "./crvs-keycloak-client";

export interface MosipCrvsIntegrationArgs {
  /** The validated stack config (components/config.ts `loadConfig`). */
  config: LoadedStackConfig;
}

/** What operators need per CRVS system. */
export interface CrvsSystemOutputs {
  partnerId: string;
  clientId: pulumi.Output<string>;
  clientSecret: pulumi.Output<string>;
  grantedRoles: string[];
}

export class MosipCrvsIntegration extends pulumi.ComponentResource {
  declare readonly crvsSystems: CrvsSystemOutputs[];

  constructor(
    name: string,
    args: MosipCrvsIntegrationArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("mosip-crvs:index:MosipCrvsIntegration", name, {}, opts);
    const cfg = args.config;

    // One explicit provider for MOSIP's Keycloak; nothing relies on ambient keycloak:* config.
    const keycloakProvider = new keycloak.Provider(
      `${name}-keycloak`,
      {
        url: cfg.keycloak.url,
        // The URL already carries Keycloak's context path (/auth on MOSIP 1.2.0.1).
        basePath: "",
        realm: cfg.keycloak.adminRealm,
        clientId: cfg.keycloak.adminClientId,
        username: cfg.keycloak.adminUser,
        password: cfg.secrets.keycloakAdminPassword,
        initialLogin: false,
        rootCaCertificate: cfg.tls.caBundle,
      },
      { parent: this },
    );

    this.crvsSystems = cfg.crvsSystems.map((system) => {
      const kc = new CrvsKeycloakClient(
        `${name}-${system.partnerId}`,
        {
          realmId: cfg.keycloak.realm,
          partnerId: system.partnerId,
          displayName: system.organisationName,
          release: cfg.mosip.release,
          provider: keycloakProvider,
        },
        { parent: this },
      );
      return {
        partnerId: system.partnerId,
        clientId: kc.clientId,
        clientSecret: kc.clientSecret,
        grantedRoles: kc.grantedRoles,
      };
    });

    this.registerOutputs({ crvsSystems: this.crvsSystems });
  }
}
