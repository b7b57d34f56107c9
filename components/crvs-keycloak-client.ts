// The CRVS system's identity in MOSIP's Keycloak realm: a confidential client with a service
// account whose id is the partner id (the WebSub hub only lets `<partnerId>` subscribe to
// `<partnerId>/...`), the realm roles the integration needs granted to that service account and
// nothing more, and the roles MOSIP does not ship created by the stack.
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import type { MosipRelease } from "./config";

/**
 * Realm roles the CRVS client's service account needs, by what it calls (§2 of the contract):
 * `ONLINE_REGISTRATION_CLIENT` for createPacket (once the config allows it) and workflowinstance,
 * `SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL` for `<partnerId>/CREDENTIAL_ISSUED`, and
 * `PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL` to acknowledge credentials.
 */
export const CRVS_CLIENT_ROLES = [
  "ONLINE_REGISTRATION_CLIENT",
  "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
  "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
] as const;

/**
 * Which of those roles MOSIP's own keycloak-init ships per release. Shipped roles are looked up
 * (adopted), never created, so the stack neither fails on them nor deletes them on destroy.
 * `ONLINE_REGISTRATION_CLIENT` arrived with the CRVS workflow-instance integration (MOSIP-39781).
 */
export function shippedRoles(release: MosipRelease): string[] {
  const base = [
    "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL",
    "PUBLISH_CREDENTIAL_STATUS_UPDATE_GENERAL",
  ];
  return release === "1.2.0.1" ? base : [...base, "ONLINE_REGISTRATION_CLIENT"];
}

/** Roles the stack must never grant to a CRVS client: they open MOSIP's admin APIs. */
export const FORBIDDEN_ROLES = [
  "GLOBAL_ADMIN",
  "ZONAL_ADMIN",
  "PARTNER_ADMIN",
  "POLICYMANAGER",
  "PARTNERMANAGER",
  "MASTERDATA_ADMIN",
];

export interface CrvsKeycloakClientArgs {
  /** Keycloak realm MOSIP uses. @default "mosip" */
  realmId?: string;
  /** MOSIP partner id; also the client id and the WebSub topic prefix. */
  partnerId: string;
  /** Human-readable client name shown in Keycloak. @default partnerId */
  displayName?: string;
  /** MOSIP release: decides which roles are looked up and which are created. */
  release: MosipRelease;
  /**
   * Extra realm roles for the service account (older MOSIP releases, e.g. `REGISTRATION_PROCESSOR`
   * while `mosip.role.commons-packet.putcreatepacket` does not list ONLINE_REGISTRATION_CLIENT).
   * Admin roles are refused. @default []
   */
  extraRoles?: string[];
  /** The Keycloak provider for MOSIP's Keycloak. */
  provider: keycloak.Provider;
}

export class CrvsKeycloakClient extends pulumi.ComponentResource {
  /** The Keycloak client (client id = partner id). */
  declare readonly client: keycloak.openid.Client;
  /** The client id, i.e. the partner id. */
  declare readonly clientId: pulumi.Output<string>;
  /** The client secret Keycloak generated (secret). */
  declare readonly clientSecret: pulumi.Output<string>;
  /** Realm roles granted to the service account. */
  declare readonly grantedRoles: string[];

  constructor(name: string, args: CrvsKeycloakClientArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mosip-crvs:keycloak:CrvsKeycloakClient", name, {}, opts);
    const realmId = args.realmId ?? "mosip";
    const extra = args.extraRoles ?? [];
    const forbidden = extra.filter((r) => FORBIDDEN_ROLES.includes(r));
    if (forbidden.length > 0) {
      throw new pulumi.ResourceError(
        `extraRoles for ${args.partnerId} include admin roles (${forbidden.join(", ")}): a CRVS client ` +
          "must hold only the roles the integration needs; remove them",
        this,
      );
    }
    const roles = [...new Set([...CRVS_CLIENT_ROLES, ...extra])];
    const shipped = new Set([...shippedRoles(args.release), ...extra]);
    const child = { parent: this, provider: args.provider };

    const client = new keycloak.openid.Client(
      `${name}-client`,
      {
        realmId,
        clientId: args.partnerId,
        name: args.displayName ?? args.partnerId,
        enabled: true,
        // Confidential with client credentials only: no browser flows, no redirect URIs.
        accessType: "CONFIDENTIAL",
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
      },
      child,
    );

    for (const role of roles) {
      const roleName = shipped.has(role)
        ? keycloak.getRoleOutput({ realmId, name: role }, { parent: this, provider: args.provider })
            .name
        : new keycloak.Role(
            `${name}-role-${role.toLowerCase()}`,
            { realmId, name: role, description: `Created by mosip-crvs for CRVS integrations` },
            child,
          ).name;
      new keycloak.openid.ClientServiceAccountRealmRole(
        `${name}-sa-${role.toLowerCase()}`,
        { realmId, serviceAccountUserId: client.serviceAccountUserId, role: roleName },
        child,
      );
    }

    this.client = client;
    this.clientId = client.clientId;
    this.clientSecret = pulumi.secret(client.clientSecret);
    this.grantedRoles = roles;
    this.registerOutputs({ clientId: this.clientId, clientSecret: this.clientSecret });
  }
}
