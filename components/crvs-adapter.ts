// The CRVS adapter of one CRVS system (OpenCRVS's `mosip-api` by default, contract §12.2) on
// Kubernetes: a Secret the stack creates with every credential the adapter needs, and the local
// chart charts/crvs-adapter installed as a Helm release whose values name that Secret (the chart
// generates nothing secret). The pod template carries a hash of the credentials, so pods restart
// exactly when one changes. The release waits for the pods to be ready (no skipAwait), which is what
// the WebSub subscriptions wait for: the hub verifies intent with a GET to the adapter's callback.
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseImageReference } from "./config";

/** Chart path, relative to the project directory (where `pulumi up` runs): no machine path in state. */
export const ADAPTER_CHART_PATH = "./charts/crvs-adapter";

/** Keys of the adapter Secret (the chart's default `secretEnv` / `secretFiles` name them). */
export const SECRET_KEYS = {
  clientSecret: "client-secret",
  credentialHubSecret: "websub-credential-secret",
  packetStatusHubSecret: "websub-packet-status-secret",
  apiKey: "partner-api-key",
  partnerPrivateKey: "partner-private-key",
  partnerCertificate: "partner-certificate",
  esignetPrivateKey: "esignet-private-key",
} as const;

/** Pod-template annotation carrying the credentials' hash. */
export const CREDENTIALS_HASH_ANNOTATION = "mosip-crvs/credentials-hash";

export interface CrvsAdapterCredentials {
  /** The CRVS Keycloak client's secret (packets and WebSub log in with it). */
  clientSecret: pulumi.Input<string>;
  /** Hub secret of the `<partnerId>/CREDENTIAL_ISSUED` subscription (X-Hub-Signature). */
  credentialHubSecret: pulumi.Input<string>;
  /** Hub secret of the packet-status subscription, when there is one. */
  packetStatusHubSecret?: pulumi.Input<string>;
  /** PKCS#8 PEM that decrypts the credentials MOSIP shares ("Partner Based" encryption). */
  partnerPrivateKeyPem: pulumi.Input<string>;
  /** The partner certificate as MOSIP re-signed it. */
  partnerCertificatePem: pulumi.Input<string>;
  /** The eSignet client's private key (private_key_jwt), when there is an OIDC client. */
  esignetPrivateKeyPem?: pulumi.Input<string>;
  /** The auth partner's API key, when one is generated. */
  apiKey?: pulumi.Input<string>;
}

export interface CrvsAdapterArgs {
  /** Helm release name (DNS-1123, at most 53 characters). */
  releaseName: string;
  /** Namespace of the release and the Secret; it must exist. */
  namespace: string;
  /** Image reference with a tag or digest (`adapter.image`). */
  image: string;
  /** Pod replicas. @default 1 */
  replicas?: number;
  /** Names of image pull Secrets in the namespace. @default [] */
  imagePullSecrets?: string[];
  /** Plain environment computed by the stack (MOSIP URLs, ids). */
  env: Record<string, pulumi.Input<string>>;
  /** Plain environment from the stack config (`adapter.env`); wins over `env`. @default {} */
  extraEnv?: Record<string, string | number | boolean>;
  /** Every credential, each stored in the Secret. */
  credentials: CrvsAdapterCredentials;
  /** Kubernetes provider. @default the ambient one (KUBECONFIG / current context) */
  provider?: k8s.Provider;
}

export class CrvsAdapter extends pulumi.ComponentResource {
  declare readonly secret: k8s.core.v1.Secret;
  declare readonly release: k8s.helm.v3.Release;
  /** Name of the Secret holding the credentials. */
  declare readonly secretName: pulumi.Output<string>;
  /** sha-256 of the credentials (the pod-template annotation). */
  declare readonly credentialsHash: pulumi.Output<string>;

  constructor(name: string, args: CrvsAdapterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mosip-crvs:kubernetes:CrvsAdapter", name, {}, opts);
    if (args.releaseName.length > 53) {
      throw new pulumi.ResourceError(
        `adapter release name "${args.releaseName}" is longer than 53 characters (Helm's limit): shorten adapter.releaseName`,
        this,
      );
    }
    const image = parseImageReference(args.image);
    if (!image || (!image.tag && !image.digest)) {
      throw new pulumi.ResourceError(
        `adapter.image "${args.image}" is not an image reference with a tag or digest`,
        this,
      );
    }
    const c = args.credentials;
    const data: Record<string, pulumi.Input<string>> = {
      [SECRET_KEYS.clientSecret]: c.clientSecret,
      [SECRET_KEYS.credentialHubSecret]: c.credentialHubSecret,
      [SECRET_KEYS.partnerPrivateKey]: c.partnerPrivateKeyPem,
      [SECRET_KEYS.partnerCertificate]: c.partnerCertificatePem,
    };
    if (c.packetStatusHubSecret !== undefined)
      data[SECRET_KEYS.packetStatusHubSecret] = c.packetStatusHubSecret;
    if (c.esignetPrivateKeyPem !== undefined)
      data[SECRET_KEYS.esignetPrivateKey] = c.esignetPrivateKeyPem;
    if (c.apiKey !== undefined) data[SECRET_KEYS.apiKey] = c.apiKey;
    const stringData = pulumi.secret(pulumi.all(data));
    // A component's dependsOn does not hold back its children: hand it on to them.
    const given = opts?.dependsOn;
    const deps: pulumi.Input<pulumi.Resource>[] = Array.isArray(given)
      ? given
      : given
        ? [given as pulumi.Input<pulumi.Resource>]
        : [];
    const k8sOpts = { parent: this, provider: args.provider, dependsOn: deps };

    const secretName = `${args.releaseName}-credentials`;
    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: secretName,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/managed-by": "mosip-crvs" },
        },
        type: "Opaque",
        stringData,
      },
      k8sOpts,
    );
    // Not secret: a sha-256 over high-entropy secrets reveals none of them.
    const credentialsHash = pulumi.unsecret(
      stringData.apply((d) =>
        createHash("sha256")
          .update(JSON.stringify(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : 1))))
          .digest("hex"),
      ),
    );

    // Env -> Secret key; null removes a chart default whose key the Secret does not have.
    const secretEnv: Record<string, string | null> = {
      MOSIP_PACKET_AUTH_CLIENT_SECRET: SECRET_KEYS.clientSecret,
      MOSIP_WEBSUB_AUTH_CLIENT_SECRET: SECRET_KEYS.clientSecret,
      MOSIP_WEBSUB_SECRET: SECRET_KEYS.credentialHubSecret,
      MOSIP_PACKET_STATUS_WEBSUB_SECRET:
        c.packetStatusHubSecret !== undefined ? SECRET_KEYS.packetStatusHubSecret : null,
      PARTNER_APIKEY: c.apiKey !== undefined ? SECRET_KEYS.apiKey : null,
    };
    const secretFiles: Record<string, string | null> = {
      "partner-private-key.pem": SECRET_KEYS.partnerPrivateKey,
      "partner-certificate.pem": SECRET_KEYS.partnerCertificate,
      "esignet-client-private-key.pem":
        c.esignetPrivateKeyPem !== undefined ? SECRET_KEYS.esignetPrivateKey : null,
    };
    const env = {
      ...args.env,
      ...Object.fromEntries(Object.entries(args.extraEnv ?? {}).map(([k, v]) => [k, String(v)])),
    };

    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: args.releaseName,
        namespace: args.namespace,
        chart: ADAPTER_CHART_PATH,
        // Helm drops a null-valued key from the chart's defaults only when nulls are passed on.
        allowNullValues: true,
        atomic: true,
        cleanupOnFail: true,
        values: {
          existingSecret: secret.metadata.name,
          replicaCount: args.replicas ?? 1,
          image: { repository: image.name, tag: image.tag ?? "", digest: image.digest ?? "" },
          imagePullSecrets: (args.imagePullSecrets ?? []).map((n) => ({ name: n })),
          env,
          secretEnv,
          secretFiles,
          podAnnotations: { [CREDENTIALS_HASH_ANNOTATION]: credentialsHash },
        },
      },
      { ...k8sOpts, dependsOn: [...deps, secret] },
    );

    this.secret = secret;
    this.release = release;
    this.secretName = secret.metadata.name;
    this.credentialsHash = credentialsHash;
    this.registerOutputs({
      secretName: this.secretName,
      releaseName: release.name,
      credentialsHash,
    });
  }
}
