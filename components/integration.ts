// The whole MOSIP <-> CRVS integration for one environment, one CRVS system after another. Each
// concern is its own component; this one only wires them in MOSIP's order:
//
// 0. Per CRVS system an IdSchemaRequirement: MOSIP's published ID schema has every field the CRVS
//    field mapping marks mandatory. Every other resource of the integration depends on them.
// 1. Realm roles MOSIP does not ship, created once; per CRVS system the Keycloak client (client id
//    = partner id, its secret a GeneratedSecret) and its service-account roles.
// 2. MosipProperties: the audience lists (the CRVS client ids), createPacket's role, packet
//    providers, ... in the config repo, and (when the stack manages Kubernetes) MOSIP's consuming
//    Deployments restarted by a pod-template annotation carrying the files' change hashes. Everything
//    that calls MOSIP *as the CRVS client* (the WebSub subscriptions, the adapter) depends on it.
// 3. CredentialPartner (partner active before its mappings, inside the component); AuthPartner
//    (Auth policy, Auth_Partner, eSignet OIDC client, optional API key) when `esignet` is set.
// 4. Registration offices (centre, machine, officer), once for the environment.
// 5. The CRVS adapter (Secret + Helm release, ready pods) with every credential: the hub secrets
//    are GeneratedSecrets of this component, not outputs of the subscriptions.
// 6. WebSub subscriptions, as the CRVS client, after the adapter (the hub's intent-verification GET
//    must reach a running adapter): `<partnerId>/CREDENTIAL_ISSUED` and, when a packet-status
//    callback is configured, the packet-status topic; each its own subscription, its `hubSecret`
//    the same GeneratedSecret the adapter's Secret holds.
//
// Rotations on purpose (`crvsSystems[].rotation`, stamps changed in a reviewed stack file):
// - clientSecret: its GeneratedSecret is replaced; Keycloak's client is updated in place with the
//   new secret; then the adapter's Secret (pods restart) and the subscriptions (a re-subscribe with
//   the same hub secret, logged in with the new client secret) follow.
// - hubSecrets: the subscriptions' GeneratedSecrets are replaced; the adapter's Secret takes them
//   first (pods restart), then each subscription unsubscribes and subscribes with its new secret.
// - oidcKey: a new OIDC client (new key pair, so a new client id) under a name carrying the stamp;
//   the adapter switches to it; the old client is deleted from the stack, which sets it INACTIVE
//   (neither PMS nor eSignet can delete one), at the end of the run.
// - partnerPassword: the auth partner's Keycloak user is deleted and created again with a new
//   generated password (Keycloak applies a user's initial password only at creation).
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { AuthPartner } from "./auth-partner";
import type { CrvsSystemConfig, LoadedStackConfig } from "./config";
import { CredentialPartner } from "./credential-partner";
import { CrvsAdapter } from "./crvs-adapter";
import { CRVS_CLIENT_ROLES, CrvsKeycloakClient, shippedRoles } from "./crvs-keycloak-client";
import { GeneratedSecret } from "./generated-secret";
import { IdSchemaRequirement } from "./mosip/id-schema-requirement";
import { MosipProperties } from "./mosip-properties";
import { WebSubSubscription } from "./mosip/websub-subscription";
import { RegistrationOffice } from "./registration-office";

/** The topic MOSIP's credential service publishes a partner's credentials on (§7.3). */
export function credentialTopic(partnerId: string): string {
  return `${partnerId}/CREDENTIAL_ISSUED`;
}

/**
 * The packet-status topic: regproc's workflow-completed event (registration id + result per
 * packet), `mosip.regproc.workflow.complete.topic` in registration-processor-default.properties.
 * UNCONFIRMED: not in the contract; the sandbox seeds its publisher role for the regproc client. A
 * topic without a partner prefix: the hub asks for SUBSCRIBE_<EVENT>_GENERAL (§7.3), and every
 * subscriber gets every packet's status, not only its own.
 */
export const PACKET_STATUS_TOPIC = "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT";

/** The role the hub asks of a packet-status subscriber (§7.3). Not shipped by MOSIP 1.2.0.1's Keycloak init (UNCONFIRMED); the stack creates it. */
export const PACKET_STATUS_ROLE = `SUBSCRIBE_${PACKET_STATUS_TOPIC}_GENERAL`;

/** Pod-template annotation the stack puts on MOSIP's Deployments that read a changed file. */
export const CONFIG_HASH_ANNOTATION = "mosip-crvs/config-hash";

export interface MosipCrvsIntegrationArgs {
  /** The validated stack config (components/config.ts `loadConfig`). */
  config: LoadedStackConfig;
  /**
   * Restart MOSIP's Deployments that read a changed config file (a DeploymentPatch per Deployment
   * setting a pod-template annotation to the files' change hash). @default adapter.enabled (the
   * stack manages Kubernetes objects only when it deploys the adapter)
   */
  restartConsumers?: boolean;
  /**
   * Config file -> MOSIP Deployments (`namespace/name`) that read it, replacing MOSIP's default
   * names per file given (a missing Deployment fails its restart patch loudly).
   * @default defaultConsumers() of components/mosip-properties.ts
   */
  consumers?: Record<string, string[]>;
  /** Kubernetes provider for the adapter and the restarts. @default the ambient kubeconfig */
  kubernetesProvider?: k8s.Provider;
  /** The stack's name in the config repo's commit messages. @default pulumi.getStack() */
  stackName?: string;
}

/** What operators need per CRVS system. */
export interface CrvsSystemOutputs {
  partnerId: string;
  clientId: pulumi.Output<string>;
  clientSecret: pulumi.Output<string>;
  grantedRoles: string[];
  credentialPartner: CredentialPartner;
  authPartner?: AuthPartner;
  credentialSubscription: WebSubSubscription;
  packetStatusSubscription?: WebSubSubscription;
  adapter?: CrvsAdapter;
  /** DataShare policy id. */
  policyId: pulumi.Output<string>;
  /** Auth policy id (eSignet), when configured. */
  authPolicyId?: pulumi.Output<string>;
  /** eSignet OIDC client id, when configured. */
  oidcClientId?: pulumi.Output<string>;
  /** Auth partner id, when configured. */
  authPartnerId?: pulumi.Output<string>;
  callbacks: { credentialIssued: string; packetStatus?: string };
  /** The generated secrets: the client secret's and each subscription's hub secret. */
  generatedSecrets: {
    clientSecret: GeneratedSecret;
    credentialHubSecret: GeneratedSecret;
    packetStatusHubSecret?: GeneratedSecret;
  };
  topics: { credentialIssued: string; packetStatus?: string };
  /** Secret. */
  credentialHubSecret: pulumi.Output<string>;
  /** Secret. */
  packetStatusHubSecret?: pulumi.Output<string>;
  /** Secret. */
  partnerPrivateKeyPem: pulumi.Output<string>;
  /** Secret. */
  oidcPrivateKeyPem?: pulumi.Output<string>;
  /** Secret. */
  apiKey?: pulumi.Output<string>;
}

/**
 * A transformation making every custom resource (providers aside) registered after `gate` is
 * filled depend on the resources in it. The gate's own members are registered while it is empty.
 */
function gateOn(gate: pulumi.Resource[]): pulumi.ResourceTransformation {
  return (a) =>
    gate.length === 0 ||
    !(a.resource instanceof pulumi.CustomResource) ||
    a.resource instanceof pulumi.ProviderResource
      ? undefined
      : { props: a.props, opts: pulumi.mergeOptions(a.opts, { dependsOn: [...gate] }) };
}

export class MosipCrvsIntegration extends pulumi.ComponentResource {
  declare readonly crvsSystems: CrvsSystemOutputs[];
  declare readonly properties: MosipProperties;
  declare readonly offices: RegistrationOffice[];
  /** Per MOSIP Deployment (`namespace/name`), the restart patch, when restarts are managed. */
  declare readonly consumerRestarts: Record<string, k8s.apps.v1.DeploymentPatch>;

  constructor(
    name: string,
    args: MosipCrvsIntegrationArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // 0. The ID-schema prerequisites gate every write: a transformation on this component reaches
    // every descendant (child components' resources included) and makes each custom resource
    // depend on the checks, so a missing mandatory field fails `up` before anything is written.
    const gate: pulumi.Resource[] = [];
    super(
      "mosip-crvs:index:MosipCrvsIntegration",
      name,
      {},
      {
        ...opts,
        transformations: [...(opts?.transformations ?? []), gateOn(gate)],
      },
    );
    const cfg = args.config;
    const realmId = cfg.keycloak.realm;
    const child = { parent: this };
    // Created before any is added to the gate, so the checks run side by side.
    const requirements = cfg.crvsSystems.flatMap((system, i) => {
      const mandatory = system.fieldMapping.filter((m) => m.mandatory);
      return mandatory.length === 0
        ? []
        : [
            new IdSchemaRequirement(
              `${name}-${system.partnerId}-idschema`,
              {
                partnerId: system.partnerId,
                fields: mandatory.map((m) => ({
                  crvsField: m.crvsField,
                  idSchemaField: m.idSchemaField,
                })),
                configKey: `mosip-crvs:crvsSystems[${i}].fieldMapping`,
              },
              child,
            ),
          ];
    });
    gate.push(...requirements);

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
      child,
    );

    // 1. Realm roles MOSIP does not ship: created once, whatever the number of CRVS systems.
    const shipped = shippedRoles(cfg.mosip.release);
    const needsPacketStatus = cfg.crvsSystems.some((s) => s.callbacks.packetStatus);
    const toCreate = [
      ...CRVS_CLIENT_ROLES.filter((r) => !shipped.includes(r)),
      ...(needsPacketStatus ? [PACKET_STATUS_ROLE] : []),
    ];
    const sharedRoles: Record<string, pulumi.Output<string>> = {};
    for (const role of toCreate) {
      sharedRoles[role] = new keycloak.Role(
        `${name}-role-${role.toLowerCase()}`,
        { realmId, name: role, description: "Created by mosip-crvs for CRVS integrations" },
        { parent: this, provider: keycloakProvider },
      ).name;
    }

    // The client secret is made by the stack (not by Keycloak) so that a rotation stamp can
    // replace it and Keycloak is updated in place.
    const clientSecrets = cfg.crvsSystems.map(
      (system) =>
        new GeneratedSecret(
          `${name}-${system.partnerId}-client-secret`,
          { length: 32, rotation: system.rotation?.clientSecret ?? "1" },
          child,
        ),
    );
    const clients = cfg.crvsSystems.map(
      (system, i) =>
        new CrvsKeycloakClient(
          `${name}-${system.partnerId}`,
          {
            realmId,
            partnerId: system.partnerId,
            clientSecret: clientSecrets[i].value,
            displayName: system.organisationName,
            release: cfg.mosip.release,
            requiredRoles: system.callbacks.packetStatus ? [PACKET_STATUS_ROLE] : [],
            sharedRoles,
            provider: keycloakProvider,
          },
          child,
        ),
    );

    // 2. MOSIP's config: audiences (the client ids) and the rest of the CRVS flows' keys.
    const properties = new MosipProperties(
      `${name}-properties`,
      {
        release: cfg.mosip.release,
        systems: cfg.crvsSystems.map((s) => ({ partnerId: s.partnerId })),
        stackName: args.stackName ?? pulumi.getStack(),
        consumers: args.consumers,
      },
      child,
    );
    const restart = args.restartConsumers ?? cfg.adapter.enabled;
    const consumerRestarts: Record<string, k8s.apps.v1.DeploymentPatch> = {};
    if (restart) {
      const readers = new Map<string, string[]>();
      for (const [file, deployments] of Object.entries(properties.consumers))
        for (const d of deployments) readers.set(d, [...(readers.get(d) ?? []), file]);
      for (const [deployment, files] of [...readers].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const [namespace, depName] = deployment.split("/");
        const hash = pulumi
          .all(files.sort().map((f) => properties.changeHashes[f]))
          .apply((hs) => createHash("sha256").update(hs.join("\n")).digest("hex").slice(0, 32));
        consumerRestarts[deployment] = new k8s.apps.v1.DeploymentPatch(
          `${name}-restart-${namespace}-${depName}`,
          {
            metadata: { name: depName, namespace },
            spec: { template: { metadata: { annotations: { [CONFIG_HASH_ANNOTATION]: hash } } } },
          },
          { parent: this, provider: args.kubernetesProvider },
        );
      }
    }
    const asClient = [properties, ...Object.values(consumerRestarts)];

    // 4. Registration offices: the centre/machine the adapter's packets name (refId).
    const offices = cfg.registrationOffices.map(
      (office, i) =>
        new RegistrationOffice(
          `${name}-office-${i}`,
          { office, languages: cfg.mosip.languages, keycloakProvider, realmId },
          child,
        ),
    );

    this.crvsSystems = cfg.crvsSystems.map((system, i) =>
      this.system(name, cfg, system, clients[i], asClient, offices, keycloakProvider, args, {
        clientSecret: clientSecrets[i],
      }),
    );
    this.properties = properties;
    this.offices = offices;
    this.consumerRestarts = consumerRestarts;
    this.registerOutputs({
      crvsSystems: this.crvsSystems.map((s) => ({ partnerId: s.partnerId, clientId: s.clientId })),
      changeHashes: properties.changeHashes,
    });
  }

  /** 3, 5 and 6 for one CRVS system. */
  private system(
    name: string,
    cfg: LoadedStackConfig,
    system: CrvsSystemConfig,
    kc: CrvsKeycloakClient,
    asClient: pulumi.Resource[],
    offices: RegistrationOffice[],
    keycloakProvider: keycloak.Provider,
    args: MosipCrvsIntegrationArgs,
    secrets: { clientSecret: GeneratedSecret },
  ): CrvsSystemOutputs {
    const base = `${name}-${system.partnerId}`;
    const child = { parent: this };

    // 3. The partners (PMS calls as the deployment client: no dependency on the CRVS client).
    const credentialPartner = new CredentialPartner(`${base}-credential`, { system }, child);
    const authPartner = system.esignet
      ? new AuthPartner(
          `${base}-esignet`,
          {
            system,
            keycloakProvider,
            realmId: cfg.keycloak.realm,
            apiKeyLabel: system.esignet.apiKeyLabel,
            passwordRotation: system.rotation?.partnerPassword,
            oidcKeyRotation: system.rotation?.oidcKey,
          },
          child,
        )
      : undefined;

    // The hub secrets: given to the adapter's Secret and to the subscriptions alike.
    const topics = {
      credentialIssued: credentialTopic(system.partnerId),
      packetStatus: system.callbacks.packetStatus ? PACKET_STATUS_TOPIC : undefined,
    };
    const hubSecret = (suffix: string) =>
      new GeneratedSecret(
        `${base}-${suffix}-hub-secret`,
        { length: 43, rotation: system.rotation?.hubSecrets ?? "1" },
        child,
      );
    const credentialHubSecret = hubSecret("credential");
    const packetStatusHubSecret = topics.packetStatus ? hubSecret("packet-status") : undefined;

    // 5. The adapter, with every credential in its Secret.
    let adapter: CrvsAdapter | undefined;
    if (cfg.adapter.enabled && cfg.adapter.image) {
      const api = cfg.mosip.apiBaseUrl.replace(/\/+$/, "");
      const office = offices[0];
      const env: Record<string, pulumi.Input<string>> = {
        MOSIP_AUTH_URL: `${api}/v1/authmanager/authenticate/clientidsecretkey`,
        MOSIP_AUTH_CLIENT_APP_ID: cfg.mosip.appId,
        MOSIP_PACKET_AUTH_CLIENT_ID: kc.clientId,
        MOSIP_WEBSUB_AUTH_CLIENT_ID: kc.clientId,
        MOSIP_CREATE_PACKET_URL: `${api}/commons/v1/packetmanager/createPacket`,
        MOSIP_PROCESS_PACKET_URL: `${api}/registrationprocessor/v1/workflowmanager/workflowinstance`,
        MOSIP_WEBSUB_HUB_URL: cfg.websub.hubUrl,
        MOSIP_WEBSUB_TOPIC: topics.credentialIssued,
        MOSIP_WEBSUB_CALLBACK_URL: system.callbacks.credentialIssued,
        MOSIP_CENTER_ID: office.centreId,
        MOSIP_MACHINE_ID: office.machineId,
      };
      if (topics.packetStatus && system.callbacks.packetStatus) {
        env.MOSIP_PACKET_STATUS_WEBSUB_TOPIC = topics.packetStatus;
        env.MOSIP_PACKET_STATUS_WEBSUB_CALLBACK_URL = system.callbacks.packetStatus;
      }
      if (authPartner) {
        env.PARTNER_ID = authPartner.authPartnerId;
        env.ESIGNET_CLIENT_ID = authPartner.oidcClientId;
      }
      adapter = new CrvsAdapter(
        `${base}-adapter`,
        {
          releaseName: `${cfg.adapter.releaseName}-${system.partnerId}`,
          namespace: cfg.adapter.namespace,
          image: cfg.adapter.image,
          replicas: cfg.adapter.replicas,
          imagePullSecrets: cfg.adapter.imagePullSecrets,
          env,
          extraEnv: cfg.adapter.env,
          credentials: {
            clientSecret: kc.clientSecret,
            credentialHubSecret: credentialHubSecret.value,
            packetStatusHubSecret: packetStatusHubSecret?.value,
            partnerPrivateKeyPem: credentialPartner.partnerPrivateKeyPem,
            partnerCertificatePem: credentialPartner.signedCertificatePem,
            esignetPrivateKeyPem: authPartner?.oidcPrivateKeyPem,
            apiKey: authPartner?.apiKeyValue,
          },
          provider: args.kubernetesProvider,
        },
        // The adapter calls MOSIP as the CRVS client: audience and restarts first; its packets
        // name the office's centre and machine, which must exist and be active.
        { ...child, dependsOn: [kc, ...asClient, credentialPartner, ...offices] },
      );
    }

    // 6. Subscriptions as the CRVS client: its roles granted (the component's children), the
    // audience in place, the credential partner onboarded (its topic carries its credentials), and
    // the adapter ready with the same hub secrets (it answers the hub's intent verification).
    const subscribe = (suffix: string, topic: string, callback: string, secret: GeneratedSecret) =>
      new WebSubSubscription(
        `${base}-${suffix}`,
        {
          hubUrl: cfg.websub.hubUrl,
          topic,
          callback,
          leaseSeconds: cfg.websub.leaseSeconds,
          subscriberClientId: kc.clientId,
          subscriberClientSecret: kc.clientSecret,
          hubSecret: secret.value,
        },
        {
          ...child,
          dependsOn: [kc, ...asClient, credentialPartner, ...(adapter ? [adapter] : [])],
        },
      );
    const credentialSubscription = subscribe(
      "credential-subscription",
      topics.credentialIssued,
      system.callbacks.credentialIssued,
      credentialHubSecret,
    );
    const packetStatusSubscription =
      topics.packetStatus && system.callbacks.packetStatus && packetStatusHubSecret
        ? subscribe(
            "packet-status-subscription",
            topics.packetStatus,
            system.callbacks.packetStatus,
            packetStatusHubSecret,
          )
        : undefined;

    return {
      partnerId: system.partnerId,
      clientId: kc.clientId,
      clientSecret: kc.clientSecret,
      grantedRoles: kc.grantedRoles,
      credentialPartner,
      authPartner,
      credentialSubscription,
      packetStatusSubscription,
      adapter,
      policyId: credentialPartner.policyId,
      authPolicyId: authPartner?.policyId,
      oidcClientId: authPartner?.oidcClientId,
      authPartnerId: authPartner?.authPartnerId,
      callbacks: { ...system.callbacks },
      generatedSecrets: {
        clientSecret: secrets.clientSecret,
        credentialHubSecret,
        packetStatusHubSecret,
      },
      topics,
      credentialHubSecret: pulumi.secret(credentialSubscription.hubSecret),
      packetStatusHubSecret: packetStatusSubscription
        ? pulumi.secret(packetStatusSubscription.hubSecret)
        : undefined,
      partnerPrivateKeyPem: credentialPartner.partnerPrivateKeyPem,
      oidcPrivateKeyPem: authPartner?.oidcPrivateKeyPem,
      apiKey: authPartner?.apiKeyValue,
    };
  }
}
