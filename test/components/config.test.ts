// The stack config schema: both committed stack files are valid, every rule fails with a message
// naming the key path, what was wrong and what is allowed, all problems come at once, and no
// credential value ever appears in a message.
import { generateKeyPairSync, webcrypto } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "reflect-metadata"; // @peculiar/x509 (tsyringe) needs it before it loads
import * as x509 from "@peculiar/x509";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  CONFIG_KEYS,
  CREDENTIALS,
  StackConfigError,
  formatKeyPath,
  loadConfig,
  parseImageReference,
  parseStackConfig,
  type ConfigProblem,
} from "../../components/config";

const ROOT = join(__dirname, "..", "..");

// A self-signed test CA, generated for these tests only, and a directory holding it as a file.
let TEST_CA_PEM = "";
let caDir = "";
beforeAll(async () => {
  x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=mosip-crvs config test CA",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: keys as webcrypto.CryptoKeyPair,
    signingAlgorithm: alg,
  });
  TEST_CA_PEM = cert.toString("pem");
  caDir = mkdtempSync(join(tmpdir(), "config-test-"));
  writeFileSync(join(caDir, "ca.pem"), TEST_CA_PEM);
});
afterAll(() => rmSync(caDir, { recursive: true, force: true }));

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function stackValues(file: string): Values {
  const doc = parse(readFileSync(join(ROOT, file), "utf8")) as { config: Values };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k.replace(/^mosip-crvs:/, ""), v]),
  );
}
const dev = () => stackValues("Pulumi.dev.yaml");
const local = () => stackValues("Pulumi.local.yaml");

/** Production stack files carry no credentials; these tests supply them as the pipeline would. */
const DEPLOY_ENV = {
  MOSIP_CLIENT_SECRET: "env-test-client-secret",
  KEYCLOAK_ADMIN_PASSWORD: "env-test-admin-password",
  CONFIG_REPO_TOKEN: "env-test-repo-token",
};

function problems(values: Values, env: Record<string, string> = DEPLOY_ENV): ConfigProblem[] {
  const r = parseStackConfig(values, env);
  return r.ok ? [] : r.problems;
}
const lines = (ps: ConfigProblem[]) => ps.map((p) => `${p.path}: ${p.message}`);

function rsaSpki(): string {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return publicKey.export({ type: "spki", format: "der" }).toString("base64");
}

describe("the committed stack files", () => {
  test("Pulumi.dev.yaml is valid with credentials from the environment", () => {
    const r = parseStackConfig(dev(), DEPLOY_ENV);
    expect(r.ok ? [] : lines(r.problems)).toEqual([]);
    if (!r.ok) return;
    expect(r.config.environment).toBe("production");
    expect(r.config.crvsSystems.map((s) => s.partnerId)).toEqual([
      "opencrvs-partner",
      "health-birth-notifier",
    ]);
    // Defaults filled in by the schema.
    expect(r.config.crvsSystems[1].legallyMandated).toBe(false);
    expect(r.config.crvsSystems[1].encryptionType).toBe("Partner Based");
    expect(r.config.keycloak.adminRealm).toBe("master");
    expect(r.config.websub.leaseSeconds).toBe(864000);
    expect(r.config.registrationOffices[0].centre.perKioskProcessTime).toBe("00:15:00");
    expect(r.config.credentials.mosipClientSecret.source).toBe("environment");
  });

  test("Pulumi.local.yaml is valid on its own (sandbox test credentials in the file)", () => {
    const r = parseStackConfig(local(), {});
    expect(r.ok ? [] : lines(r.problems)).toEqual([]);
    if (!r.ok) return;
    expect(r.config.environment).toBe("development");
    expect(r.config.mosip.esignetUrl).toBe("http://127.0.0.1:8090");
    expect(r.config.configServer.repo.branch).toBe("release-1.2.0.1");
    expect(r.config.credentials.mosipClientSecret.source).toBe("config");
    expect(r.config.adapter.enabled).toBe(false);
  });

  test("defaults apply when optional keys are left out", () => {
    const v = local();
    delete v.environment;
    v.crvsSystems[0].callbacks = { credentialIssued: "https://crvs.example.org/cb" };
    v.crvsSystems[0].esignet.logoUri = "https://crvs.example.org/logo.png";
    v.crvsSystems[0].esignet.redirectUris = ["https://crvs.example.org/mosip/callback"];
    v.configServer.repo.url = "https://git.example.org/mosip-config.git";
    v.adapter = { image: "registry.example.org/crvs/mosip-api:1.9.2" };
    const r = parseStackConfig(v, DEPLOY_ENV);
    expect(r.ok ? [] : lines(r.problems)).toEqual([
      // Without environment the stack is production, so the sandbox's plain-text secrets are refused.
      "mosip-crvs:mosipClientSecret: is stored in plain text in the stack file (encrypt it: pulumi config set --secret mosip-crvs:mosipClientSecret <value>, or remove it and set MOSIP_CLIENT_SECRET; plain text is only accepted in a development stack)",
      "mosip-crvs:keycloakAdminPassword: is stored in plain text in the stack file (encrypt it: pulumi config set --secret mosip-crvs:keycloakAdminPassword <value>, or remove it and set KEYCLOAK_ADMIN_PASSWORD; plain text is only accepted in a development stack)",
      "mosip-crvs:configRepoToken: is stored in plain text in the stack file (encrypt it: pulumi config set --secret mosip-crvs:configRepoToken <value>, or remove it and set CONFIG_REPO_TOKEN; plain text is only accepted in a development stack)",
    ]);
    for (const k of Object.keys(CREDENTIALS)) delete v[k];
    const ok = parseStackConfig(v, DEPLOY_ENV);
    expect(ok.ok ? [] : lines(ok.problems)).toEqual([]);
    if (!ok.ok) return;
    expect(ok.config.environment).toBe("production");
    expect(ok.config.crvsSystems[0]).toMatchObject({
      credentialType: "opencrvs",
      identifier: "PSUT",
      legallyMandated: false,
    });
    // No mapping given: the fields MOSIP's CRVS config makes mandatory, all marked mandatory.
    expect(ok.config.crvsSystems[0].fieldMapping.map((m) => m.idSchemaField)).toEqual([
      "fullName",
      "dateOfBirth",
      "gender",
      "addressLine1",
      "region",
      "province",
      "city",
      "zone",
    ]);
    expect(ok.config.crvsSystems[0].fieldMapping.every((m) => m.mandatory)).toBe(true);
    expect(ok.config.adapter).toMatchObject({
      enabled: true,
      namespace: "crvs-adapter",
      releaseName: "crvs-adapter",
      replicas: 1,
      env: {},
    });
    expect(ok.config.tls).toEqual({ allowInsecureHttp: false, insecureHttpHosts: [] });
    expect(ok.config.mosip).toMatchObject({ clientId: "mosip-deployment-client", appId: "admin" });
  });
});

// Each rule: a change to a valid stack and the exact problem it must produce (and nothing else).
const RULES: Array<[string, () => Values, (v: Values) => void, string[]]> = [
  [
    "a CRVS field mapped twice",
    dev,
    (v) =>
      (v.crvsSystems[0].fieldMapping = [
        { crvsField: "child.name", idSchemaField: "fullName" },
        { crvsField: "child.name", idSchemaField: "firstName" },
      ]),
    [
      'mosip-crvs:crvsSystems[0].fieldMapping: maps CRVS field "child.name" twice (each CRVS field once)',
    ],
  ],
  [
    "a field mapping entry that is not an ID-schema field id",
    dev,
    (v) =>
      (v.crvsSystems[0].fieldMapping = [{ crvsField: "child.name", idSchemaField: "full name" }]),
    [
      "mosip-crvs:crvsSystems[0].fieldMapping[0].idSchemaField: is not an ID-schema field id, got string \"full name\" (letters, digits, '_', e.g. fullName)",
    ],
  ],
  [
    "an empty field mapping",
    dev,
    (v) => (v.crvsSystems[0].fieldMapping = []),
    [
      "mosip-crvs:crvsSystems[0].fieldMapping: is empty, got a list (map at least the fields the CRVS sends)",
    ],
  ],
  [
    "UIN sharing without legallyMandated",
    dev,
    (v) => (v.crvsSystems[0].identifier = "UIN"),
    [
      "mosip-crvs:crvsSystems[0].identifier: UIN sharing needs legallyMandated: true next to it (set legallyMandated: true only where a law requires sharing the UIN; otherwise use PSUT, VID or PSUT+VID)",
    ],
  ],
  [
    "an unknown identifier option",
    dev,
    (v) => (v.crvsSystems[0].identifier = "NIN"),
    [
      'mosip-crvs:crvsSystems[0].identifier: is not an identifier option, got string "NIN" (one of PSUT, UIN, VID, PSUT+VID)',
    ],
  ],
  [
    "a wildcard redirect URI in production",
    dev,
    (v) => v.crvsSystems[0].esignet.redirectUris.push("https://crvs.example.org/*"),
    [
      "mosip-crvs:crvsSystems[0].esignet.redirectUris[2]: contains the wildcard * (list exact redirect URIs; wildcards are only accepted in a development stack)",
    ],
  ],
  [
    "a bare * redirect URI even in development",
    local,
    (v) => (v.crvsSystems[0].esignet.redirectUris = ["*"]),
    [
      "mosip-crvs:crvsSystems[0].esignet.redirectUris[0]: is a bare * (eSignet needs each redirect URI to be a URL; in development use e.g. http://localhost:3000/*)",
    ],
  ],
  [
    "a plain-http redirect URI to a public host in production",
    dev,
    (v) => (v.crvsSystems[0].esignet.redirectUris[0] = "http://crvs.example.org/cb"),
    [
      "mosip-crvs:crvsSystems[0].esignet.redirectUris[0]: is plain http (use https (http only for loopback or in a development stack))",
    ],
  ],
  [
    "more than 5 redirect URIs",
    dev,
    (v) =>
      (v.crvsSystems[0].esignet.redirectUris = [1, 2, 3, 4, 5, 6].map(
        (i) => `https://crvs.example.org/cb${i}`,
      )),
    [
      "mosip-crvs:crvsSystems[0].esignet.redirectUris: has more than 5 redirect URIs, got a list (PMS/eSignet allow 1 to 5)",
    ],
  ],
  [
    "a plain-http credential callback in production",
    dev,
    (v) => (v.crvsSystems[0].callbacks.credentialIssued = "http://crvs.example.org/cb"),
    [
      "mosip-crvs:crvsSystems[0].callbacks.credentialIssued: is a plain-http callback (MOSIP delivers credentials and statuses here: use https, or mark the stack environment: development)",
    ],
  ],
  [
    "a plain-http packet-status callback in production",
    dev,
    (v) => (v.crvsSystems[0].callbacks.packetStatus = "http://crvs.example.org/status"),
    [
      "mosip-crvs:crvsSystems[0].callbacks.packetStatus: is a plain-http callback (MOSIP delivers credentials and statuses here: use https, or mark the stack environment: development)",
    ],
  ],
  [
    "a partner id longer than 36 characters",
    dev,
    (v) => (v.crvsSystems[0].partnerId = "a".repeat(37)),
    [
      `mosip-crvs:crvsSystems[0].partnerId: is longer than 36 characters, got string "${"a".repeat(37)}" (pmp.partner.partnerId.max.length, PMS_PRT_052)`,
    ],
  ],
  [
    "a partner id with whitespace",
    dev,
    (v) => (v.crvsSystems[0].partnerId = "open crvs"),
    [
      'mosip-crvs:crvsSystems[0].partnerId: contains whitespace, got string "open crvs" (PMS refuses it, PMS_PRT_066)',
      'mosip-crvs:crvsSystems[0].partnerId: is not a Keycloak- and WebSub-safe partner id, got string "open crvs" (lower-case letters, digits and inner hyphens, e.g. opencrvs-partner)',
    ],
  ],
  [
    "a partner id with upper case and underscores",
    dev,
    (v) => (v.crvsSystems[0].partnerId = "OpenCRVS_Partner"),
    [
      'mosip-crvs:crvsSystems[0].partnerId: is not a Keycloak- and WebSub-safe partner id, got string "OpenCRVS_Partner" (lower-case letters, digits and inner hyphens, e.g. opencrvs-partner)',
    ],
  ],
  [
    "two CRVS systems with one partner id",
    dev,
    (v) => (v.crvsSystems[1].partnerId = "opencrvs-partner"),
    [
      'mosip-crvs:crvsSystems[1].partnerId: "opencrvs-partner" is used by two CRVS systems (one partner id per CRVS system)',
    ],
  ],
  [
    "two CRVS systems with one contact email",
    dev,
    (v) => (v.crvsSystems[1].contact.email = v.crvsSystems[0].contact.email),
    [
      'mosip-crvs:crvsSystems[1].contact.email: "crvs-ops@registrar.example.org" is used by two CRVS systems (PMS refuses an email already used by another partner (PMS_PRT_011))',
    ],
  ],
  [
    "an email PMS's regex refuses",
    dev,
    (v) => (v.crvsSystems[0].contact.email = "ops@registrar.example.ORG"),
    [
      'mosip-crvs:crvsSystems[0].contact.email: is not an email PMS accepts, got string "ops@registrar.example.ORG" (pmp.partner.valid.email.address.regex, lower-case TLD)',
    ],
  ],
  [
    "a phone number longer than 16",
    dev,
    (v) => (v.crvsSystems[0].contact.phone = "+212 5 3700 00000"),
    [
      'mosip-crvs:crvsSystems[0].contact.phone: is longer than 16 characters, got string "+212 5 3700 00000" (PMS contactNumber limit, PMS_PRT_013)',
    ],
  ],
  [
    "no shared attributes",
    dev,
    (v) => (v.crvsSystems[0].sharedAttributes = []),
    [
      "mosip-crvs:crvsSystems[0].sharedAttributes: is empty, got a list (at least one attribute, e.g. [fullName, dateOfBirth])",
    ],
  ],
  [
    "a shared attribute listed twice",
    dev,
    (v) => v.crvsSystems[0].sharedAttributes.push("fullName"),
    ['mosip-crvs:crvsSystems[0].sharedAttributes: lists "fullName" twice (each attribute once)'],
  ],
  [
    "sharing the UIN as an attribute while the identifier is PSUT",
    dev,
    (v) => v.crvsSystems[0].sharedAttributes.push("UIN"),
    [
      "mosip-crvs:crvsSystems[0].sharedAttributes[5]: shares the UIN while identifier is PSUT (remove UIN from sharedAttributes, or set identifier: UIN with legallyMandated: true)",
    ],
  ],
  [
    "a claim eSignet does not support",
    dev,
    (v) => v.crvsSystems[0].esignet.claims.push("blood_type"),
    [
      'mosip-crvs:crvsSystems[0].esignet.claims[5]: "blood_type" is not a claim eSignet supports (one of name, address, gender, birthdate, picture, email, phone_number, individual_id (mosip.esignetClaimsSupported))',
    ],
  ],
  [
    "a credential type PMS does not allow",
    dev,
    (v) => (v.crvsSystems[0].credentialType = "birthcert"),
    [
      'mosip-crvs:crvsSystems[0].credentialType: "birthcert" is not in pmp.allowed.credential.types (one of auth, qrcode, euin, reprint, vercred, opencrvs; extend mosip.allowedCredentialTypes if your PMS allows more)',
    ],
  ],
  [
    "unencrypted data shares in production",
    dev,
    (v) => (v.crvsSystems[0].encryptionType = "none"),
    [
      'mosip-crvs:crvsSystems[0].encryptionType: is "none": credentials would travel unencrypted (use "Partner Based" (none is only accepted in a development stack))',
    ],
  ],
  [
    "a latitude with too few decimals",
    dev,
    (v) => (v.registrationOffices[0].centre.latitude = "34.02"),
    [
      'mosip-crvs:registrationOffices[0].centre.latitude: is not a MOSIP latitude, got string "34.02" (^-?\\d{1,2}\\.\\d{4,}$: up to 2 integer digits, at least 4 decimals, e.g. "34.0522")',
    ],
  ],
  [
    "a longitude as a YAML number",
    dev,
    (v) => (v.registrationOffices[0].centre.longitude = -6.8416),
    [
      'mosip-crvs:registrationOffices[0].centre.longitude: must be a string, got number -6.8416 (quote it in YAML, e.g. "-6.8498")',
    ],
  ],
  [
    "a centre that closes before it opens",
    dev,
    (v) => (v.registrationOffices[0].centre.centerEndTime = "07:30:00"),
    [
      "mosip-crvs:registrationOffices[0].centre.centerEndTime: 07:30:00 is not after centerStartTime 08:00:00 (closing time after opening time (KER-MSD-309))",
    ],
  ],
  [
    "a time that is not HH:mm:ss",
    dev,
    (v) => (v.registrationOffices[0].centre.centerStartTime = "8:00"),
    [
      'mosip-crvs:registrationOffices[0].centre.centerStartTime: is not a time, got string "8:00" (opening time as HH:mm:ss, 24-hour, e.g. 08:00:00)',
    ],
  ],
  [
    "lunch without its end",
    dev,
    (v) => delete v.registrationOffices[0].centre.lunchEndTime,
    [
      "mosip-crvs:registrationOffices[0].centre.lunchEndTime: is missing while its pair is set (give both lunchStartTime and lunchEndTime, or neither)",
    ],
  ],
  [
    "a time zone that does not exist",
    dev,
    (v) => (v.registrationOffices[0].centre.timeZone = "Mars/Olympus"),
    [
      'mosip-crvs:registrationOffices[0].centre.timeZone: is not an IANA time zone, got string "Mars/Olympus" (e.g. Africa/Casablanca, UTC)',
    ],
  ],
  [
    "a centre without text in a configured language",
    dev,
    (v) => delete v.registrationOffices[0].centre.localized.ara,
    [
      'mosip-crvs:registrationOffices[0].centre.localized: has no text for language "ara" (add localized.ara {name, addressLine1}: MOSIP needs the centre in every configured language (mosip.languages))',
    ],
  ],
  [
    "a centre with text in a language MOSIP is not configured with",
    local,
    (v) => (v.registrationOffices[0].centre.localized.spa = { name: "Oficina", addressLine1: "1" }),
    [
      'mosip-crvs:registrationOffices[0].centre.localized.spa: "spa" is not a configured language (one of eng, ara, fra (mosip.languages))',
    ],
  ],
  [
    "two offices with one machine name and one officer",
    dev,
    (v) => v.registrationOffices.push(structuredClone(v.registrationOffices[0])),
    [
      'mosip-crvs:registrationOffices[1].centre.localized.eng.name: centre name "CRVS Digital Registration Office" is used twice (unique centre names (the stack finds centres by name))',
      'mosip-crvs:registrationOffices[1].machine.name: machine name "crvs-digital-registration-01" is used twice (unique machine names (KER-MSD-413))',
      'mosip-crvs:registrationOffices[1].officer.username: officer "crvs-digital-officer" is mapped to two centres (one centre per officer (KER-USR-013))',
    ],
  ],
  [
    "a machine key that is not an RSA public key",
    dev,
    (v) => {
      v.registrationOffices[0].machine.publicKey = "bm90IGEga2V5";
      v.registrationOffices[0].machine.signPublicKey = rsaSpki();
    },
    [
      'mosip-crvs:registrationOffices[0].machine.publicKey: is not a base64 X.509 SubjectPublicKeyInfo RSA public key, got string "bm90IGEga2V5" (KER-MSD-257)',
    ],
  ],
  [
    "a machine public key without its signing key",
    dev,
    (v) => (v.registrationOffices[0].machine.publicKey = rsaSpki()),
    [
      "mosip-crvs:registrationOffices[0].machine.signPublicKey: is missing while its pair is set (give both publicKey and signPublicKey, or neither to have the stack generate them)",
    ],
  ],
  [
    "a machine without an IP address",
    dev,
    (v) => delete v.registrationOffices[0].machine.ipAddress,
    ["mosip-crvs:registrationOffices[0].machine.ipAddress: is required (IP address)"],
  ],
  [
    "an officer username Keycloak would lower-case",
    dev,
    (v) => (v.registrationOffices[0].officer.username = "CRVS.Officer"),
    [
      "mosip-crvs:registrationOffices[0].officer.username: is not a Keycloak username as MOSIP sees it, got string \"CRVS.Officer\" (lower-case letters, digits, '.', '_', '@', '-')",
    ],
  ],
  [
    "the latest image tag in production",
    dev,
    (v) => (v.adapter.image = "registry.example.org/crvs/mosip-api:latest"),
    [
      "mosip-crvs:adapter.image: uses the latest tag (pin a version tag or sha256 digest (latest is only accepted in a development stack))",
    ],
  ],
  [
    "an image without tag or digest",
    local,
    (v) => (v.adapter = { image: "registry.example.org/crvs/mosip-api" }),
    [
      "mosip-crvs:adapter.image: has no tag or digest (that means latest) (pin a version tag or, better, a sha256 digest)",
    ],
  ],
  [
    "an enabled adapter without an image",
    local,
    (v) => (v.adapter = { enabled: true }),
    [
      "mosip-crvs:adapter.image: is required when the adapter is enabled (e.g. registry.example.org/crvs/mosip-api:1.9.2, or set adapter.enabled: false)",
    ],
  ],
  [
    "a namespace that is not DNS-1123",
    dev,
    (v) => (v.adapter.namespace = "OpenCRVS_MOSIP"),
    [
      "mosip-crvs:adapter.namespace: is not a DNS-1123 label, got string \"OpenCRVS_MOSIP\" (lower-case letters, digits, inner '-')",
    ],
  ],
  [
    "zero replicas",
    dev,
    (v) => (v.adapter.replicas = 0),
    ["mosip-crvs:adapter.replicas: is too small, got number 0 (at least 1)"],
  ],
  [
    "a credential in the adapter's plain env",
    dev,
    (v) => (v.adapter.env.MOSIP_CLIENT_SECRET = "hunter2-adapter-value"),
    [
      "mosip-crvs:adapter.env.MOSIP_CLIENT_SECRET: looks like a credential in plain stack config (credentials flow into the adapter's Secret from the stack; drop it here (accepted only in a development stack))",
    ],
  ],
  [
    "plain http to a public MOSIP host",
    dev,
    (v) => (v.mosip.apiBaseUrl = "http://api-internal.mosip.example.org"),
    [
      "mosip-crvs:mosip.apiBaseUrl: plain http to api-internal.mosip.example.org, which is not a loopback address (use https; or list a cluster-internal host (*.svc, *.svc.cluster.local) in tls.insecureHttpHosts; or, in a development stack, set tls.allowInsecureHttp: true)",
    ],
  ],
  [
    "allowInsecureHttp in production",
    dev,
    (v) => (v.tls = { allowInsecureHttp: true }),
    [
      "mosip-crvs:tls.allowInsecureHttp: is true in a production stack (only a development stack may use plain http to non-loopback hosts; use https or tls.insecureHttpHosts)",
    ],
  ],
  [
    "a public host listed as cluster-internal",
    dev,
    (v) => (v.tls = { insecureHttpHosts: ["config.mosip.example.org"] }),
    [
      'mosip-crvs:tls.insecureHttpHosts[0]: is not a cluster-internal host name, got string "config.mosip.example.org" (must end in .svc or .svc.cluster.local)',
    ],
  ],
  [
    "a CA bundle that is not PEM",
    dev,
    (v) => (v.tls = { caBundle: "not a certificate" }),
    [
      "mosip-crvs:tls.caBundle: is not a PEM certificate bundle: no -----BEGIN CERTIFICATE----- block (one or more -----BEGIN CERTIFICATE----- blocks)",
    ],
  ],
  [
    "credentials in a URL",
    dev,
    (v) =>
      (v.configServer.repo.url = "https://bot:token123@git.mosip.example.org/mosip-config.git"),
    [
      "mosip-crvs:configServer.repo.url: carries credentials in the URL (remove them; the token comes from configRepoToken or CONFIG_REPO_TOKEN)",
    ],
  ],
  [
    "an unsupported MOSIP release",
    dev,
    (v) => (v.mosip.release = "1.1.5"),
    [
      'mosip-crvs:mosip.release: is not a supported release, got string "1.1.5" (one of 1.2.0.1, 1.2.1, 1.3)',
    ],
  ],
  [
    "an unknown environment",
    dev,
    (v) => (v.environment = "staging"),
    [
      'mosip-crvs:environment: is not an environment, got string "staging" (production or development)',
    ],
  ],
  [
    "a typo in a top-level key",
    dev,
    (v) => {
      v.crvsSystem = v.crvsSystems;
      delete v.crvsSystems;
    },
    [
      "mosip-crvs:crvsSystems: is required (expected array)",
      "mosip-crvs:crvsSystem: unknown config key (did you mean crvsSystems? known keys: environment, mosip, keycloak, websub, configServer, crvsSystems, registrationOffices, adapter, tls, mosipClientSecret, keycloakAdminPassword, configRepoToken)",
    ],
  ],
  [
    "a typo in a nested key",
    dev,
    (v) => (v.websub.leaseSecond = 3600),
    [
      "mosip-crvs:websub.leaseSecond: unknown key (did you mean leaseSeconds? allowed here: hubUrl, leaseSeconds)",
    ],
  ],
  [
    "an ordinary key stored as a secret",
    dev,
    (v) => (v.websub.hubUrl = { secure: "v1:AAAA:BBBB" }),
    [
      "mosip-crvs:websub.hubUrl: is stored as a secret but is not a credential (set it in plain text: pulumi config set --path 'mosip-crvs:websub.hubUrl' <value>)",
    ],
  ],
  [
    "no CRVS system",
    dev,
    (v) => (v.crvsSystems = []),
    ["mosip-crvs:crvsSystems: is empty, got a list (at least one CRVS system to onboard)"],
  ],
  [
    "a missing credential",
    dev,
    (v) => v, // DEPLOY_ENV minus one variable, below
    [
      "mosip-crvs:keycloakAdminPassword: is missing (set it with `pulumi config set --secret mosip-crvs:keycloakAdminPassword <value>` or in the environment variable KEYCLOAK_ADMIN_PASSWORD)",
    ],
  ],
];

describe("each rule fails with its key path, what was wrong and what is allowed", () => {
  test.each(RULES)("%s", (name, base, mutate, expected) => {
    const v = base();
    mutate(v);
    const env: Record<string, string> =
      name === "a missing credential"
        ? { MOSIP_CLIENT_SECRET: "x", CONFIG_REPO_TOKEN: "y" }
        : DEPLOY_ENV;
    expect(lines(problems(v, env))).toEqual(expected);
  });
});

// What development relaxes, and what stays accepted in production.
const ACCEPTED: Array<[string, () => Values, (v: Values) => void]> = [
  [
    "UIN with legallyMandated: true",
    dev,
    (v) => Object.assign(v.crvsSystems[0], { identifier: "UIN", legallyMandated: true }),
  ],
  [
    "a wildcard redirect URI in development",
    local,
    (v) => v.crvsSystems[0].esignet.redirectUris.push("http://localhost:3000/*"),
  ],
  [
    "a loopback http redirect URI in production",
    dev,
    (v) => v.crvsSystems[0].esignet.redirectUris.push("http://127.0.0.1:8765/callback"),
  ],
  [
    "a plain-http callback to a non-loopback host in development",
    local,
    (v) => (v.crvsSystems[0].callbacks.credentialIssued = "http://crvs.dev.example.org/cb"),
  ],
  [
    "plain http to a listed cluster-internal host in production",
    dev,
    (v) => {
      v.configServer.url = "http://config-server.config-server.svc.cluster.local/config";
      v.tls = { insecureHttpHosts: ["config-server.config-server.svc.cluster.local"] };
    },
  ],
  [
    "plain http anywhere with allowInsecureHttp in development",
    local,
    (v) => {
      v.mosip.apiBaseUrl = "http://mosip.dev.example.org";
      v.tls = { allowInsecureHttp: true };
    },
  ],
  [
    "the latest tag in development",
    local,
    (v) => (v.adapter = { image: "registry.example.org/crvs/mosip-api:latest" }),
  ],
  [
    "unencrypted data shares in development",
    local,
    (v) => (v.crvsSystems[0].encryptionType = "none"),
  ],
  [
    "a credential type the operator added to allowedCredentialTypes",
    dev,
    (v) => {
      v.mosip.allowedCredentialTypes = ["opencrvs", "vercred", "birthcert"];
      v.crvsSystems[1].credentialType = "birthcert";
    },
  ],
  [
    "supplied machine keys (RSA SPKI, base64url)",
    dev,
    (v) => {
      const k = rsaSpki().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      Object.assign(v.registrationOffices[0].machine, { publicKey: k, signPublicKey: k });
    },
  ],
  [
    "an image pinned by digest",
    dev,
    (v) => (v.adapter.image = `registry.example.org/crvs/mosip-api@sha256:${"a".repeat(64)}`),
  ],
  ["an inline CA bundle", dev, (v) => (v.tls = { caBundle: TEST_CA_PEM })],
  [
    "a CA bundle of two certificates",
    dev,
    (v) => (v.tls = { caBundle: `${TEST_CA_PEM}\n${TEST_CA_PEM}` }),
  ],
  [
    "encrypted credentials in the file and no environment",
    dev,
    (v) => {
      for (const k of Object.keys(CREDENTIALS)) v[k] = { secure: "v1:AAAA:BBBB" };
    },
  ],
];

describe("accepted configurations", () => {
  test.each(ACCEPTED)("%s", (name, base, mutate) => {
    const v = base();
    mutate(v);
    const env = name.startsWith("encrypted") ? {} : DEPLOY_ENV;
    expect(lines(problems(v, env))).toEqual([]);
  });
});

describe("all problems at once", () => {
  test("problems in different keys, systems and offices are listed together", () => {
    const v = dev();
    v.environment = "prod";
    v.crvsSystems[0].identifier = "UIN";
    v.crvsSystems[1].callbacks.credentialIssued = "http://notify.health.example.org/cb";
    v.registrationOffices[0].centre.latitude = "91.0000";
    v.adapter.replicas = 0;
    v.keycloak.url = "not a url";
    v.tlss = {};
    const r = parseStackConfig(v, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual([
      "mosip-crvs:environment",
      "mosip-crvs:keycloak.url",
      "mosip-crvs:crvsSystems[0].identifier",
      "mosip-crvs:crvsSystems[1].callbacks.credentialIssued",
      "mosip-crvs:registrationOffices[0].centre.latitude",
      "mosip-crvs:adapter.replicas",
      "mosip-crvs:tlss",
      "mosip-crvs:mosipClientSecret",
      "mosip-crvs:keycloakAdminPassword",
      "mosip-crvs:configRepoToken",
    ]);
    // An unreadable environment counts as production, so the http callback is still refused.
    expect(r.problems[3].message).toContain("plain-http callback");
    expect(r.problems[4].message).toBe('is outside -90..90, got string "91.0000" (latitude)');
  });
});

describe("secrets are never echoed", () => {
  const SECRET = "S3cr3t-Value-That-Must-Not-Leak";
  test.each([
    ["plain text in production", (v: Values) => (v.mosipClientSecret = SECRET)],
    ["wrong type", (v: Values) => (v.keycloakAdminPassword = { secure: 5, value: SECRET })],
    ["a number", (v: Values) => (v.configRepoToken = 987654321)],
  ])("%s", (_name, mutate) => {
    const v = dev();
    mutate(v);
    const ps = problems(v);
    expect(ps.length).toBeGreaterThan(0);
    const text = lines(ps).join("\n");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("987654321");
    expect(text).not.toContain(DEPLOY_ENV.MOSIP_CLIENT_SECRET);
  });
});

describe("helpers", () => {
  test.each([
    [["crvsSystems", 0, "identifier"], "mosip-crvs:crvsSystems[0].identifier"],
    [["adapter", "env", "LOG_LEVEL"], "mosip-crvs:adapter.env.LOG_LEVEL"],
    [
      ["registrationOffices", 1, "centre", "localized", "eng"],
      "mosip-crvs:registrationOffices[1].centre.localized.eng",
    ],
    [["adapter", "env", "a-b"], 'mosip-crvs:adapter.env["a-b"]'],
  ])("formatKeyPath(%j)", (path, expected) => {
    expect(formatKeyPath(path as PropertyKey[])).toBe(expected);
  });

  test.each([
    ["nginx:1.27", { name: "nginx", tag: "1.27" }],
    [
      "registry.example.org:5000/crvs/mosip-api:1.9.2",
      { name: "registry.example.org:5000/crvs/mosip-api", tag: "1.9.2" },
    ],
    [
      `ghcr.io/a/b@sha256:${"0".repeat(64)}`,
      { name: "ghcr.io/a/b", digest: `sha256:${"0".repeat(64)}` },
    ],
    ["Registry/UPPER:1", undefined],
    ["a/b:", undefined],
  ])("parseImageReference(%s)", (ref, expected) => {
    const p = parseImageReference(ref);
    if (expected === undefined) expect(p).toBeUndefined();
    else expect(p).toMatchObject(expected);
  });

  test("CONFIG_KEYS lists the namespace's top-level keys", () => {
    expect(CONFIG_KEYS).toEqual([
      "environment",
      "mosip",
      "keycloak",
      "websub",
      "configServer",
      "crvsSystems",
      "registrationOffices",
      "adapter",
      "tls",
      "mosipClientSecret",
      "keycloakAdminPassword",
      "configRepoToken",
    ]);
  });
});

describe("Pulumi.yaml", () => {
  const text = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
  const project = parse(text) as {
    name: string;
    runtime: { name: string; options: Record<string, unknown> };
    config: Record<string, { type: string; description: string; default?: unknown }>;
  };

  test("names the project and the TypeScript runtime", () => {
    expect(project.name).toBe("mosip-crvs");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
  });

  test("declares only known, non-secret keys, with types Pulumi's project file allows", () => {
    for (const [key, decl] of Object.entries(project.config)) {
      const short = key.replace(/^mosip-crvs:/, "");
      expect(CONFIG_KEYS).toContain(short);
      expect(Object.keys(CREDENTIALS)).not.toContain(short);
      expect(["string", "integer", "boolean", "array"]).toContain(decl.type);
      expect(decl.description.length).toBeGreaterThan(20);
    }
    // The declared default is the schema's default.
    const v = dev();
    delete v.environment;
    const r = parseStackConfig(
      { ...v, ...Object.fromEntries(Object.keys(CREDENTIALS).map((k) => [k, { secure: "x" }])) },
      {},
    );
    expect(r.ok && r.config.environment).toBe(project.config["mosip-crvs:environment"].default);
  });

  test("documents every key, credentials with their environment variables", () => {
    for (const k of CONFIG_KEYS) expect(text).toContain(`mosip-crvs:${k}`);
    for (const c of Object.values(CREDENTIALS)) expect(text).toContain(c.env);
  });
});

describe("loadConfig (through Pulumi's config)", () => {
  afterEach(() => pulumi.runtime.setAllConfig({}, []));

  function setStack(values: Values, secretKeys: string[] = []) {
    pulumi.runtime.setAllConfig(
      Object.fromEntries(
        Object.entries(values).map(([k, v]) => [
          `mosip-crvs:${k}`,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      ),
      secretKeys.map((k) => `mosip-crvs:${k}`),
    );
  }
  const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

  test("returns the typed config and secret Outputs from secret config", async () => {
    const v = dev();
    v.mosipClientSecret = "cfg-client-secret";
    v.keycloakAdminPassword = "cfg-admin-password";
    setStack(v, ["mosipClientSecret", "keycloakAdminPassword"]);
    const c = loadConfig(undefined, { CONFIG_REPO_TOKEN: "env-repo-token" });
    expect(c.crvsSystems[0].esignet?.claims).toEqual(v.crvsSystems[0].esignet.claims);
    expect(c.credentials.mosipClientSecret.source).toBe("config");
    expect(c.credentials.configRepoToken.source).toBe("environment");
    expect(await unwrap(c.secrets.mosipClientSecret)).toBe("cfg-client-secret");
    expect(await unwrap(c.secrets.configRepoToken!)).toBe("env-repo-token");
    expect(await pulumi.isSecret(c.secrets.mosipClientSecret)).toBe(true);
    expect(await pulumi.isSecret(c.secrets.configRepoToken!)).toBe(true);
  });

  test("throws one error listing every problem, a plain-text credential and a typo included", () => {
    const v = dev();
    v.mosipClientSecret = "plain-text-secret-value";
    v.crvsSystems[0].identifier = "UIN";
    v.adapterr = { replicas: 2 };
    setStack(v, []);
    let err: unknown;
    try {
      loadConfig(undefined, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackConfigError);
    const e = err as StackConfigError;
    expect(e.problems.map((p) => p.path)).toEqual([
      "mosip-crvs:crvsSystems[0].identifier",
      "mosip-crvs:adapterr",
      "mosip-crvs:mosipClientSecret",
      "mosip-crvs:keycloakAdminPassword",
      "mosip-crvs:configRepoToken",
    ]);
    expect(e.message).toMatch(/^Invalid mosip-crvs stack config \(5 problems\):\n {2}- /);
    expect(e.message).toContain("mosip-crvs:mosipClientSecret: is stored in plain text");
    expect(e.message).not.toContain("plain-text-secret-value");
  });

  test("reads a CA bundle file relative to the project directory", () => {
    const v = local();
    v.tls = { caBundleFile: "ca.pem" };
    setStack(v, []);
    const c = loadConfig(undefined, {}, caDir);
    expect(c.tls.caBundle).toBe(TEST_CA_PEM);
    v.tls = { caBundleFile: "missing.pem" };
    setStack(v, []);
    expect(() => loadConfig(undefined, {}, caDir)).toThrow(
      "mosip-crvs:tls.caBundleFile: cannot read missing.pem (a readable PEM file, relative to the project directory)",
    );
    writeFileSync(
      join(caDir, "bad.pem"),
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    v.tls = { caBundleFile: "bad.pem" };
    setStack(v, []);
    expect(() => loadConfig(undefined, {}, caDir)).toThrow(
      "mosip-crvs:tls.caBundleFile: bad.pem is not a PEM certificate bundle: certificate #1 does not parse",
    );
  });
});
