// The whole stack configuration: one zod schema, one place that turns stack config (or a stack file
// read offline by scripts/check-config.ts) into a typed StackConfig, and one error that lists every
// problem as `<config key path>: <what was wrong> (<what is allowed / how to fix>)`.
//
// Facts behind the rules come from ../shared/reference/mosip-api.md (section numbers in comments).
import { X509Certificate, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { isAbsolute, resolve as resolvePath } from "node:path";
// Types only at module load: scripts/check-config.ts uses this module without the Pulumi runtime,
// and @pulumi/pulumi is loaded by loadConfig when a Pulumi program calls it.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Pulumi project name; every stack config key is `mosip-crvs:<key>`. */
export const PROJECT = "mosip-crvs";

/** MOSIP releases the stack declares properties for. */
export const MOSIP_RELEASES = ["1.2.0.1", "1.2.1", "1.3"] as const;
export type MosipRelease = (typeof MOSIP_RELEASES)[number];

/** What MOSIP shares with the CRVS as the person's identifier (seed "Configuration & Customization"). */
export const IDENTIFIER_OPTIONS = ["PSUT", "UIN", "VID", "PSUT+VID"] as const;
export type IdentifierOption = (typeof IDENTIFIER_OPTIONS)[number];

/** `pmp.allowed.credential.types` in partner-management-default.properties, MOSIP 1.2.0.1 (§5.5). */
export const DEFAULT_ALLOWED_CREDENTIAL_TYPES = [
  "auth",
  "qrcode",
  "euin",
  "reprint",
  "vercred",
  "opencrvs",
];

/** eSignet 1.0.0 discovery `claims_supported` as configured for MOSIP 1.2.0.1 (§6). */
export const DEFAULT_ESIGNET_CLAIMS_SUPPORTED = [
  "name",
  "address",
  "gender",
  "birthdate",
  "picture",
  "email",
  "phone_number",
  "individual_id",
];

/**
 * The CRVS field mapping used when a CRVS system gives none: the demographic fields MOSIP's CRVS
 * configuration makes mandatory for `crvs_new` (contract §3, NEWER
 * `mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.crvs_new`), named as OpenCRVS
 * names the child's details. Countries whose CRVS sends other fields set their own.
 */
export const DEFAULT_CRVS_FIELD_MAPPING: readonly {
  crvsField: string;
  idSchemaField: string;
  mandatory: boolean;
}[] = [
  { crvsField: "child.name", idSchemaField: "fullName", mandatory: true },
  { crvsField: "child.dob", idSchemaField: "dateOfBirth", mandatory: true },
  { crvsField: "child.gender", idSchemaField: "gender", mandatory: true },
  { crvsField: "child.address.line1", idSchemaField: "addressLine1", mandatory: true },
  { crvsField: "child.address.region", idSchemaField: "region", mandatory: true },
  { crvsField: "child.address.province", idSchemaField: "province", mandatory: true },
  { crvsField: "child.address.city", idSchemaField: "city", mandatory: true },
  { crvsField: "child.address.zone", idSchemaField: "zone", mandatory: true },
];

/** Auth types of the eSignet Auth policy; PMS derives the client's ACRs from them (§5.8). */
export const ESIGNET_AUTH_TYPES = ["otp", "bio", "pwd", "pin", "wla"] as const;

/**
 * The credentials the stack calls MOSIP with. Each is a secret stack config key or, when that is
 * absent, an environment variable. Stack config wins over the environment.
 */
export const CREDENTIALS = {
  mosipClientSecret: {
    env: "MOSIP_CLIENT_SECRET",
    description:
      "secret of the Keycloak client in mosip.clientId that the stack authenticates to authmanager with (clientidsecretkey)",
  },
  keycloakAdminPassword: {
    env: "KEYCLOAK_ADMIN_PASSWORD",
    description: "password of keycloak.adminUser, used by the Keycloak provider",
  },
  configRepoToken: {
    env: "CONFIG_REPO_TOKEN",
    description:
      "token (HTTPS password) to push to the config repo behind the config server; optional in development",
  },
} as const;
export type CredentialName = keyof typeof CREDENTIALS;
const CREDENTIAL_NAMES = Object.keys(CREDENTIALS) as CredentialName[];

// ---------------------------------------------------------------------------------------------
// Problems and their formatting
// ---------------------------------------------------------------------------------------------

/** One thing wrong with the stack config. `message` reads `<what was wrong> (<what is allowed>)`. */
export interface ConfigProblem {
  /** Full key path, e.g. `mosip-crvs:crvsSystems[0].identifier`. */
  path: string;
  message: string;
}

/** Thrown by loadConfig: every problem at once, before any network call. */
export class StackConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      `Invalid mosip-crvs stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        formatProblems(problems),
    );
    this.name = "StackConfigError";
    this.problems = problems;
  }
}

/** One problem per line: `  - <path>: <message>`. */
export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n");
}

/** `["crvsSystems", 0, "identifier"]` -> `mosip-crvs:crvsSystems[0].identifier`. */
export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = `${PROJECT}:`;
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (i === 0) out += String(seg);
    else if (/^[A-Za-z_$][\w$]*$/.test(String(seg))) out += `.${String(seg)}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation context: the few values other rules depend on, read leniently before the schema runs
// so that a problem in one key never hides the problems in another.
// ---------------------------------------------------------------------------------------------

interface RuleContext {
  development: boolean;
  allowInsecureHttp: boolean;
  insecureHttpHosts: string[];
  languages: string[];
  allowedCredentialTypes: string[];
  claimsSupported: string[];
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

function ruleContext(values: Record<string, unknown>): RuleContext {
  const mosip = obj(values.mosip);
  const tls = obj(values.tls);
  // An unreadable environment counts as production: the stricter rules apply.
  const development = values.environment === "development";
  return {
    development,
    allowInsecureHttp: development && tls.allowInsecureHttp === true,
    insecureHttpHosts: (stringArray(tls.insecureHttpHosts) ?? []).map((h) => h.toLowerCase()),
    languages: stringArray(mosip.languages) ?? ["eng"],
    allowedCredentialTypes:
      stringArray(mosip.allowedCredentialTypes) ?? DEFAULT_ALLOWED_CREDENTIAL_TYPES,
    claimsSupported: stringArray(mosip.esignetClaimsSupported) ?? DEFAULT_ESIGNET_CLAIMS_SUPPORTED,
  };
}

// ---------------------------------------------------------------------------------------------
// Field schemas
// ---------------------------------------------------------------------------------------------

/** Refinements that must run even when a sibling field is wrong, so every problem is listed. */
const ALWAYS = { when: () => true };

/** Runs a rule over a value that may be only partly valid; a rule that trips over it stays silent. */
function lenient<T>(fn: (v: T, ctx: z.RefinementCtx<T>) => void) {
  return (v: T, ctx: z.RefinementCtx<T>) => {
    try {
      fn(v, ctx);
    } catch {
      // The shape problem that made the rule throw is already reported at its own path.
    }
  };
}

function issue(
  ctx: z.RefinementCtx<unknown>,
  path: PropertyKey[],
  what: string,
  allowed: string,
): void {
  ctx.addIssue({ code: "custom", path, message: `${what} (${allowed})`, params: { own: true } });
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function isClusterInternalHost(hostname: string): boolean {
  return /\.svc(\.cluster\.local)?$/.test(hostname.toLowerCase());
}

const nonBlank = (what: string, max: number) =>
  z
    .string({ error: `must be a string (${what})` })
    .trim()
    .min(1, { error: `is empty (${what})` })
    .max(max, { error: `is longer than ${max} characters (${what}; MOSIP stores at most ${max})` });

const mosipCode = (what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .min(1, { error: `is empty (${what})` })
    .max(36, { error: `is longer than 36 characters (${what}; MOSIP codes are at most 36)` })
    .regex(/^\S+$/, { error: `contains whitespace (${what}, as stored in MOSIP masterdata)` });

/**
 * An endpoint the stack calls. https, or plain http to loopback, to a cluster-internal host listed
 * in tls.insecureHttpHosts, or anywhere when a development stack sets tls.allowInsecureHttp.
 */
function endpointUrl(ctx: RuleContext, what: string) {
  return z.string({ error: `must be a URL string (${what})` }).superRefine((s, rc) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      issue(rc, [], `"${s}" is not an absolute URL`, `${what}, e.g. https://api.mosip.example.org`);
      return;
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") {
      issue(rc, [], `uses the ${u.protocol} scheme`, "use https://");
      return;
    }
    if (u.username || u.password) {
      issue(
        rc,
        [],
        "carries credentials in the URL",
        "remove user:password@; credentials come from secret config or environment variables",
      );
    }
    if (u.search || u.hash) {
      issue(rc, [], "has a query string or fragment", "give the base URL only");
    }
    if (u.protocol === "http:") {
      const host = u.hostname.toLowerCase();
      const ok =
        isLoopbackHost(host) || ctx.allowInsecureHttp || ctx.insecureHttpHosts.includes(host);
      if (!ok) {
        issue(
          rc,
          [],
          `plain http to ${host}, which is not a loopback address`,
          "use https; or list a cluster-internal host (*.svc, *.svc.cluster.local) in tls.insecureHttpHosts; or, in a development stack, set tls.allowInsecureHttp: true",
        );
      }
    }
  });
}

/** Where MOSIP calls the CRVS: https unless the stack is a development environment. */
function callbackUrl(ctx: RuleContext, what: string) {
  return z.string({ error: `must be a URL string (${what})` }).superRefine((s, rc) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      issue(rc, [], `"${s}" is not an absolute URL`, `${what}`);
      return;
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") {
      issue(rc, [], `uses the ${u.protocol} scheme`, "use https://");
      return;
    }
    if (u.username || u.password) {
      issue(rc, [], "carries credentials in the URL", "remove user:password@");
    }
    if (u.hash) issue(rc, [], "has a fragment", "remove the #fragment");
    if (u.protocol === "http:" && !ctx.development) {
      issue(
        rc,
        [],
        "is a plain-http callback",
        "MOSIP delivers credentials and statuses here: use https, or mark the stack environment: development",
      );
    }
  });
}

const HH_MM_SS = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
const time = (what: string) =>
  z
    .string({ error: `must be a string (${what}, HH:mm:ss)` })
    .regex(HH_MM_SS, { error: `is not a time (${what} as HH:mm:ss, 24-hour, e.g. 08:00:00)` });

/** MOSIP masterdata's own rule, `mosip.min-digit-longitude-latitude`=4 (§8.2). */
const LAT_LONG = /^-?\d{1,2}\.\d{4,}$/;

/** PMS `pmp.partner.valid.email.address.regex` (§5.1). */
const PMS_EMAIL = /^[\w+-]+(\.[\w]+)*@[\w-]+(\.[\w]+)*(\.[a-z]{2,})$/;

/**
 * Partner id = Keycloak client id = WebSub topic prefix. Lower case because Keycloak lower-cases the
 * service-account username the hub compares with the partner id; only hyphens as separators because
 * the hub maps every non-alphanumeric character of a topic to `_` (§7.2, §7.3), so `a.b` and `a_b`
 * would share one Kafka topic.
 */
const PARTNER_ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const DNS_1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CREDENTIAL_LIKE = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;
const DAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** The pieces of an OCI image reference, or undefined when it is not one. */
export function parseImageReference(
  ref: string,
): { name: string; tag?: string; digest?: string } | undefined {
  const m =
    /^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
      ref,
    );
  if (!m) return undefined;
  return { name: m[1], tag: m[2], digest: m[3] };
}

function isRsaSpki(b64: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(b64, "base64"), format: "der", type: "spki" });
    return key.asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

/** PEM certificates in a bundle; throws with a reason when one does not parse. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error("no -----BEGIN CERTIFICATE----- block");
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new Error(`certificate #${i + 1} does not parse`);
    }
  });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function duplicates<T>(items: T[]): Set<T> {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const i of items) (seen.has(i) ? dup : seen).add(i);
  return dup;
}

// ---------------------------------------------------------------------------------------------
// The schema
// ---------------------------------------------------------------------------------------------

/** A credential as it appears in stack config: plain text, or Pulumi's `{secure: <ciphertext>}`. */
const credentialValue = z
  .union([z.string(), z.strictObject({ secure: z.string() })], {
    error: "must be a string (set it with `pulumi config set --secret`)",
  })
  .optional();

function buildSchema(ctx: RuleContext) {
  const mosip = z.strictObject({
    /** MOSIP release of the target environment; later rules declare properties per release. */
    release: z
      .enum(MOSIP_RELEASES, {
        error: `is not a supported release (one of ${MOSIP_RELEASES.join(", ")})`,
      })
      .default("1.2.0.1"),
    /** Base URL of MOSIP's API gateway that serves /v1/authmanager, /v1/partnermanager, ... (§1.1). */
    apiBaseUrl: endpointUrl(ctx, "MOSIP API gateway base URL"),
    /** eSignet base URL (serves /v1/esignet); defaults to apiBaseUrl. */
    esignetUrl: endpointUrl(ctx, "eSignet base URL").optional(),
    /** Keycloak client the stack authenticates as (needs GLOBAL_ADMIN, PARTNER_ADMIN, ...; §2). */
    clientId: z
      .string({ error: "must be a string (Keycloak client id)" })
      .regex(/^[A-Za-z0-9._-]{1,255}$/, {
        error: "is not a Keycloak client id (letters, digits, '.', '_', '-'; no whitespace)",
      })
      .default("mosip-deployment-client"),
    /** authmanager appId; must be a key of mosip.kernel.auth.appids.realm.map (§1.4.1). */
    appId: z
      .string({ error: "must be a string (authmanager appId)" })
      .regex(/^[a-z]{1,32}$/, {
        error: "is not an authmanager appId (lower-case letters, e.g. admin)",
      })
      .default("admin"),
    /** Configured languages (mandatory + optional), primary first; masterdata needs text in each (§8.1). */
    languages: z
      .array(
        z.string().regex(/^[a-z]{3}$/, {
          error:
            "is not a language code (ISO 639-2 three-letter code as MOSIP uses, e.g. eng, fra, ara)",
        }),
        { error: "must be a list of language codes (e.g. [eng, fra])" },
      )
      .min(1, { error: "is empty (at least the primary language, e.g. [eng])" })
      .max(10, {
        error: "has more than 10 languages (list only the languages MOSIP is configured with)",
      })
      .superRefine(
        lenient((langs, rc) => {
          for (const d of duplicates(langs))
            issue(rc, [], `lists "${d}" twice`, "each language once");
        }),
      )
      .default(["eng"]),
    /** `pmp.allowed.credential.types` of the target PMS (§5.5). */
    allowedCredentialTypes: z
      .array(z.string().regex(/^[a-z0-9_-]+$/, { error: "is not a credential type (lower case)" }))
      .min(1, { error: "is empty (the pmp.allowed.credential.types of your PMS)" })
      .default(DEFAULT_ALLOWED_CREDENTIAL_TYPES),
    /** eSignet's discovery `claims_supported` (§6). */
    esignetClaimsSupported: z
      .array(z.string().min(1))
      .min(1, { error: "is empty (eSignet's claims_supported)" })
      .default(DEFAULT_ESIGNET_CLAIMS_SUPPORTED),
    /** Per-request timeout of MOSIP calls, seconds. */
    requestTimeoutSeconds: z
      .number({ error: "must be a number (seconds)" })
      .int({ error: "is not a whole number (seconds)" })
      .min(1, { error: "is too short (at least 1 second)" })
      .max(600, { error: "is too long (at most 600 seconds)" })
      .default(30),
    /** Retries for idempotent calls on connection errors, timeouts and 5xx. */
    maxRetries: z
      .number({ error: "must be a number (an integer)" })
      .int({ error: "is not a whole number (an integer)" })
      .min(0, { error: "is negative (0 or more)" })
      .max(10, { error: "is too large (at most 10)" })
      .default(3),
  });

  const keycloak = z.strictObject({
    /** Keycloak base URL including its context path (`/auth` on MOSIP 1.2.0.1's Keycloak). */
    url: endpointUrl(ctx, "Keycloak base URL, e.g. https://iam.mosip.example.org/auth"),
    /** Realm MOSIP uses (§2). */
    realm: z
      .string({ error: "must be a string (realm name)" })
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: "is not a realm name (letters, digits, '_', '-')" })
      .default("mosip"),
    /** Realm the admin user logs in to. */
    adminRealm: z
      .string({ error: "must be a string (realm name)" })
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: "is not a realm name (letters, digits, '_', '-')" })
      .default("master"),
    /** Client the admin user logs in with (password grant). */
    adminClientId: z
      .string({ error: "must be a string (Keycloak client id)" })
      .regex(/^[A-Za-z0-9._-]{1,255}$/, { error: "is not a Keycloak client id (no whitespace)" })
      .default("admin-cli"),
    /** Admin username; its password is the keycloakAdminPassword credential. */
    adminUser: nonBlank("Keycloak admin username", 255).default("admin"),
  });

  const websub = z.strictObject({
    /** The hub endpoint, `/hub` on MOSIP (not the OpenCRVS mock's /websub/hub; §1.1). */
    hubUrl: endpointUrl(ctx, "WebSub hub URL, e.g. https://api-internal.mosip.example.org/hub"),
    /** Subscription lease; the hub's own default is 864000 s = 10 days (§7.4). */
    leaseSeconds: z
      .number({ error: "must be a number (seconds)" })
      .int({ error: "is not a whole number (seconds)" })
      .min(3600, { error: "is shorter than an hour (at least 3600 seconds)" })
      .max(31_536_000, { error: "is longer than a year (at most 31536000 seconds)" })
      .default(864000),
  });

  const configServer = z.strictObject({
    /** Spring Cloud Config server base, e.g. https://.../config (§3). */
    url: endpointUrl(ctx, "config server URL, e.g. https://config.mosip.example.org/config"),
    /** Git label the config server serves (gitRepo.version, e.g. v1.2.0.1). */
    label: z
      .string({ error: "must be a string (git branch or tag of the config repo)" })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/, {
        error: "is not a git label (branch or tag name, e.g. v1.2.0.1)",
      }),
    /** Spring profile of MOSIP's files (`<name>-default.properties`). */
    profile: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "is not a Spring profile name" })
      .default("default"),
    /** The config repo the server reads; the stack commits property changes to it. */
    repo: z.strictObject(
      {
        /** HTTPS git URL of the repo (file:// or plain http only in development). */
        url: z.string({ error: "must be a git URL string" }).superRefine((s, rc) => {
          let u: URL;
          try {
            u = new URL(s);
          } catch {
            issue(rc, [], `"${s}" is not a URL`, "the repo's https clone URL");
            return;
          }
          if (u.username || u.password) {
            issue(
              rc,
              [],
              "carries credentials in the URL",
              `remove them; the token comes from configRepoToken or ${CREDENTIALS.configRepoToken.env}`,
            );
          }
          const localOk = ctx.development && (u.protocol === "file:" || u.protocol === "http:");
          const loopbackHttp = u.protocol === "http:" && isLoopbackHost(u.hostname);
          if (u.protocol !== "https:" && !localOk && !loopbackHttp) {
            issue(
              rc,
              [],
              `uses ${u.protocol} for the config repo`,
              "use an https:// clone URL; file:// and plain http are for development stacks",
            );
          }
        }),
        /** Branch to commit to; defaults to configServer.label. */
        branch: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/, { error: "is not a git branch name" })
          .optional(),
        /** Username sent with the token over HTTPS (GitHub ignores it). */
        username: z.string().min(1).default("x-access-token"),
        /** Folder of the repo holding the properties files (SPRING_CLOUD_CONFIG_SERVER_GIT_SEARCHPATHS). */
        searchPath: z
          .string()
          .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]*$/, {
            error: "is not a relative folder (no leading '/', no '..')",
          })
          .default(""),
      },
      { error: "must be an object {url, branch?, username?, searchPath?}" },
    ),
  });

  const contact = z.strictObject({
    /** Partner email; PMS refuses an email another partner already uses (§5.1). */
    email: z
      .string({ error: "must be a string (email)" })
      .max(254, { error: "is longer than 254 characters (PMS limit)" })
      .regex(PMS_EMAIL, {
        error:
          "is not an email PMS accepts (pmp.partner.valid.email.address.regex, lower-case TLD)",
      }),
    /** Contact number, at most 16 characters (PMS_PRT_013). */
    phone: z
      .string({ error: "must be a string (phone number; quote it in YAML)" })
      .max(16, { error: "is longer than 16 characters (PMS contactNumber limit, PMS_PRT_013)" })
      .regex(/^\+?[0-9][0-9 ()-]*$/, {
        error: "is not a phone number (digits, spaces, '-', '()', optional leading +)",
      }),
    /** Postal address, 1..2000 characters. */
    address: nonBlank("postal address", 2000),
  });

  const esignet = z.strictObject({
    /** Client name shown by eSignet; defaults to the organisation name. */
    clientName: nonBlank("eSignet client name", 256).optional(),
    /** Logo eSignet shows on its login page. */
    logoUri: callbackUrl(ctx, "logo URL").pipe(
      z.string().max(2048, { error: "is longer than 2048 characters (PMS limit)" }),
    ),
    /** Where eSignet may send the user back; 1..5 (PMS/eSignet limit). */
    redirectUris: z
      .array(
        z.string({ error: "must be a URL string" }).superRefine((s, rc) => {
          if (s.trim() === "*") {
            issue(
              rc,
              [],
              "is a bare *",
              "eSignet needs each redirect URI to be a URL; in development use e.g. http://localhost:3000/*",
            );
            return;
          }
          let u: URL;
          try {
            u = new URL(s);
          } catch {
            issue(
              rc,
              [],
              `"${s}" is not an absolute URL`,
              "a redirect URI such as https://crvs.example.org/callback",
            );
            return;
          }
          if (s.includes("*") && !ctx.development) {
            issue(
              rc,
              [],
              "contains the wildcard *",
              "list exact redirect URIs; wildcards are only accepted in a development stack",
            );
          }
          if (u.protocol === "http:" && !ctx.development && !isLoopbackHost(u.hostname)) {
            issue(
              rc,
              [],
              "is plain http",
              "use https (http only for loopback or in a development stack)",
            );
          } else if (u.protocol !== "http:" && u.protocol !== "https:") {
            issue(rc, [], `uses the ${u.protocol} scheme`, "use https");
          }
          if (u.hash)
            issue(rc, [], "has a fragment", "OAuth redirect URIs must not have a #fragment");
        }),
        { error: "must be a list of redirect URIs" },
      )
      .min(1, { error: "is empty (1 to 5 redirect URIs)" })
      .max(5, { error: "has more than 5 redirect URIs (PMS/eSignet allow 1 to 5)" })
      .superRefine(
        lenient((uris, rc) => {
          for (const d of duplicates(uris))
            issue(rc, [], `lists ${d} twice`, "each redirect URI once");
        }),
      ),
    /** User claims the relying party asks for; each must be in eSignet's claims_supported. */
    claims: z
      .array(z.string({ error: "must be a claim name" }), { error: "must be a list of claims" })
      .min(1, { error: "is empty (at least one claim, e.g. [name, birthdate])" })
      .max(30, { error: "has more than 30 claims (eSignet limit)" })
      .superRefine(
        lenient((claims, rc) => {
          claims.forEach((c, i) => {
            if (!ctx.claimsSupported.includes(c)) {
              issue(
                rc,
                [i],
                `"${c}" is not a claim eSignet supports`,
                `one of ${ctx.claimsSupported.join(", ")} (mosip.esignetClaimsSupported)`,
              );
            }
          });
          for (const d of duplicates(claims))
            issue(rc, [], `lists "${d}" twice`, "each claim once");
        }),
      ),
    /** Auth types of the Auth policy; PMS turns them into the client's ACR values (§5.8). */
    authTypes: z
      .array(
        z.enum(ESIGNET_AUTH_TYPES, {
          error: `is not an auth type (one of ${ESIGNET_AUTH_TYPES.join(", ")})`,
        }),
      )
      .min(1, { error: "is empty (at least one auth type, e.g. [otp])" })
      .default(["otp"]),
    /**
     * Label of an IDA API key for the Auth_Partner (PARTNER_APIKEY of the adapter); a new label
     * rotates the key. PMS lets only the partner itself generate one, so setting it also creates
     * the partner's Keycloak user (username = auth partner id, generated password, role
     * AUTH_PARTNER). @default none: no API key and no partner user (off)
     */
    apiKeyLabel: z
      .string({ error: "must be a string (API key label)" })
      .max(36, { error: "is longer than 36 characters (PMS stores at most 36)" })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
        error: "is not an API key label (letters, digits, '.', '_', '-', e.g. crvs-adapter-2026)",
      })
      .optional(),
    /** Id of the Auth_Partner that owns the OIDC client; defaults to `<partnerId>-auth`. */
    authPartnerId: z
      .string({ error: "must be a string (partner id)" })
      .max(36, { error: "is longer than 36 characters (pmp.partner.partnerId.max.length)" })
      .regex(PARTNER_ID, {
        error: "is not a partner id (lower-case letters, digits and inner hyphens; no whitespace)",
      })
      .optional(),
  });

  /** A rotation stamp: changing it rotates one credential (it also names the new OIDC client). */
  const rotationStamp = z
    .string({ error: 'must be a string (a rotation stamp, e.g. "2026-11-23")' })
    .min(1, { error: 'is empty (a rotation stamp, e.g. "2026-11-23")' })
    .max(64, { error: "is longer than 64 characters" })
    .regex(/^[A-Za-z0-9._:-]+$/, {
      error: "is not a rotation stamp (letters, digits, '.', '_', ':', '-', e.g. 2026-11-23)",
    });

  const crvsSystem = z
    .strictObject({
      /**
       * MOSIP partner id, Keycloak client id and WebSub topic prefix: one value (§7.3).
       * At most 36 characters, no whitespace (PMS); lower-case letters, digits, inner hyphens.
       */
      partnerId: z
        .string({ error: "must be a string (partner id)" })
        .max(36, {
          error: "is longer than 36 characters (pmp.partner.partnerId.max.length, PMS_PRT_052)",
        })
        .regex(/^\S+$/, { error: "contains whitespace (PMS refuses it, PMS_PRT_066)" })
        .regex(PARTNER_ID, {
          error:
            "is not a Keycloak- and WebSub-safe partner id (lower-case letters, digits and inner hyphens, e.g. opencrvs-partner)",
        }),
      /** PMS organizationName; must equal the O= of the partner certificate exactly (KER-PCM-008). */
      organisationName: nonBlank("organisation name, also the certificate's O=", 128).refine(
        (s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20),
        { error: "contains control characters (plain text; it becomes the certificate's O=)" },
      ),
      contact,
      /** Credential type mapped to the policy; one of mosip.allowedCredentialTypes (§5.5). */
      credentialType: z
        .string({ error: "must be a string (credential type)" })
        .superRefine((t, rc) => {
          if (!ctx.allowedCredentialTypes.includes(t)) {
            issue(
              rc,
              [],
              `"${t}" is not in pmp.allowed.credential.types`,
              `one of ${ctx.allowedCredentialTypes.join(", ")}; extend mosip.allowedCredentialTypes if your PMS allows more`,
            );
          }
        })
        .default("opencrvs"),
      /** Identifier MOSIP shares: PSUT (default), UIN (needs legallyMandated), VID, PSUT+VID. */
      identifier: z
        .enum(IDENTIFIER_OPTIONS, {
          error: `is not an identifier option (one of ${IDENTIFIER_OPTIONS.join(", ")})`,
        })
        .default("PSUT"),
      /** Set true only where a law requires sharing the UIN; required with identifier UIN. */
      legallyMandated: z.boolean({ error: "must be a boolean (true or false)" }).default(false),
      /** ID schema attributes the DataShare policy shares (non-empty, unique). */
      sharedAttributes: z
        .array(
          z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, {
            error: "is not an ID schema attribute name (letters, digits, '_', e.g. fullName)",
          }),
          { error: "must be a list of ID schema attribute names" },
        )
        .min(1, { error: "is empty (at least one attribute, e.g. [fullName, dateOfBirth])" })
        .superRefine(
          lenient((attrs, rc) => {
            for (const d of duplicates(attrs))
              issue(rc, [], `lists "${d}" twice`, "each attribute once");
          }),
        ),
      /** DataShare `encryptionType`; "none" only in development (§4.3). */
      encryptionType: z
        .enum(["Partner Based", "none"], {
          error: 'is not an encryption type ("Partner Based" or "none")',
        })
        .default("Partner Based")
        .superRefine((e, rc) => {
          if (e === "none" && !ctx.development) {
            issue(
              rc,
              [],
              'is "none": credentials would travel unencrypted',
              'use "Partner Based" (none is only accepted in a development stack)',
            );
          }
        }),
      /** The adapter endpoints MOSIP's WebSub hub delivers to (§7.4); https unless development. */
      callbacks: z.strictObject(
        {
          credentialIssued: callbackUrl(ctx, "callback for <partnerId>/CREDENTIAL_ISSUED"),
          packetStatus: callbackUrl(ctx, "callback for packet status updates").optional(),
        },
        { error: "must be an object {credentialIssued, packetStatus?}" },
      ),
      /** eSignet relying party of this CRVS (optional). */
      esignet: esignet.optional(),
      /**
       * Deliberate credential rotations, for GitOps: each key is a stamp (any text of letters,
       * digits, '.', '_', ':', '-', e.g. the date of the change); a reviewed change of a stamp
       * rotates that credential on the next `pulumi up`, and nothing else does. @default none:
       * never rotated (absent and "1" are the same)
       */
      rotation: z
        .strictObject(
          {
            /**
             * The CRVS Keycloak client's secret: Keycloak is updated in place, then the adapter's
             * Secret (its pods restart) and the subscriptions' login follow in the same run.
             */
            clientSecret: rotationStamp.optional(),
            /**
             * The hub secrets of this system's WebSub subscriptions: each is unsubscribed and
             * subscribed again with its new secret, after the adapter's Secret carries it.
             */
            hubSecrets: rotationStamp.optional(),
            /**
             * The eSignet OIDC client's key pair: a new OIDC client (new key, so a new client id)
             * is registered, the adapter switches to it, and the old client is set INACTIVE.
             * Needs `esignet`.
             */
            oidcKey: rotationStamp.optional(),
            /**
             * The auth partner's Keycloak user password (only with `esignet.apiKeyLabel`): the user
             * is re-created with a new generated password.
             */
            partnerPassword: rotationStamp.optional(),
          },
          {
            error:
              "must be an object {clientSecret?, hubSecrets?, oidcKey?, partnerPassword?} of rotation stamps",
          },
        )
        .optional(),
      /**
       * CRVS field -> MOSIP ID-schema field. Before anything is written, the stack checks that the
       * latest published ID schema has every field marked mandatory. @default
       * DEFAULT_CRVS_FIELD_MAPPING (the fields MOSIP's CRVS config makes mandatory for crvs_new)
       */
      fieldMapping: z
        .array(
          z.strictObject(
            {
              /** The field's name on the CRVS side (free text, shown in messages). */
              crvsField: nonBlank("the CRVS field's name, e.g. child.name", 128),
              /** The ID-schema field id (`schema[].id` of GET /v1/masterdata/idschema/latest). */
              idSchemaField: z
                .string({ error: "must be a string (ID-schema field id)" })
                .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, {
                  error: "is not an ID-schema field id (letters, digits, '_', e.g. fullName)",
                }),
              /** Whether every packet of this CRVS carries it. @default true */
              mandatory: z.boolean({ error: "must be a boolean (true or false)" }).default(true),
            },
            { error: "must be an object {crvsField, idSchemaField, mandatory?}" },
          ),
          { error: "must be a list of {crvsField, idSchemaField, mandatory?}" },
        )
        .min(1, { error: "is empty (map at least the fields the CRVS sends)" })
        .superRefine(
          lenient((m, rc) => {
            for (const d of duplicates(m.map((e) => String(e?.crvsField))))
              issue(rc, [], `maps CRVS field "${d}" twice`, "each CRVS field once");
          }),
        )
        .default(() => DEFAULT_CRVS_FIELD_MAPPING.map((e) => ({ ...e }))),
    })
    .superRefine(
      lenient((s, rc) => {
        if (s.identifier === "UIN" && s.legallyMandated !== true) {
          issue(
            rc,
            ["identifier"],
            "UIN sharing needs legallyMandated: true next to it",
            "set legallyMandated: true only where a law requires sharing the UIN; otherwise use PSUT, VID or PSUT+VID",
          );
        }
        const ident = String(s.identifier ?? "PSUT");
        (Array.isArray(s.sharedAttributes) ? s.sharedAttributes : []).forEach((a, i) => {
          const up = String(a).toUpperCase();
          if (up === "UIN" && ident !== "UIN") {
            issue(
              rc,
              ["sharedAttributes", i],
              `shares the UIN while identifier is ${ident}`,
              "remove UIN from sharedAttributes, or set identifier: UIN with legallyMandated: true",
            );
          }
          if (up === "VID" && !ident.includes("VID")) {
            issue(
              rc,
              ["sharedAttributes", i],
              `shares the VID while identifier is ${ident}`,
              "remove VID from sharedAttributes, or choose identifier VID or PSUT+VID",
            );
          }
        });
        const authId = s.esignet?.authPartnerId ?? `${s.partnerId}-auth`;
        if (
          typeof s.partnerId === "string" &&
          s.partnerId.length <= 36 &&
          PARTNER_ID.test(s.partnerId) &&
          !s.esignet?.authPartnerId &&
          s.esignet &&
          authId.length > 36
        ) {
          issue(
            rc,
            ["esignet", "authPartnerId"],
            `the default auth partner id "${authId}" is longer than 36 characters`,
            "set esignet.authPartnerId to a partner id of at most 36 characters",
          );
        }
        if (s.esignet && authId === s.partnerId) {
          issue(
            rc,
            ["esignet", "authPartnerId"],
            "equals partnerId",
            "the eSignet client needs a separate Auth_Partner; choose another id",
          );
        }
      }),
      ALWAYS,
    );

  const localizedCentre = z.strictObject({
    /** Centre name in this language (1..128). */
    name: nonBlank("centre name", 128),
    addressLine1: nonBlank("address line 1", 256),
    addressLine2: z.string().max(256, { error: "is longer than 256 characters" }).optional(),
    addressLine3: z.string().max(256, { error: "is longer than 256 characters" }).optional(),
    contactPerson: z.string().max(128, { error: "is longer than 128 characters" }).optional(),
  });

  const centre = z
    .strictObject({
      /** Per-language text; a key for every mosip.languages entry and no other. */
      localized: z.record(z.string(), localizedCentre, {
        error: "must be a map of language code to {name, addressLine1, ...}",
      }),
      centerTypeCode: mosipCode("centre type code that exists in masterdata"),
      zoneCode: mosipCode("leaf zone code"),
      locationCode: mosipCode("location code from the location hierarchy"),
      holidayLocationCode: mosipCode("location code whose holidays apply"),
      latitude: z
        .string({ error: 'must be a string (quote it in YAML, e.g. "34.0522")' })
        .regex(LAT_LONG, {
          error:
            'is not a MOSIP latitude (^-?\\d{1,2}\\.\\d{4,}$: up to 2 integer digits, at least 4 decimals, e.g. "34.0522")',
        })
        .refine((s) => Math.abs(Number(s)) <= 90, { error: "is outside -90..90 (latitude)" }),
      longitude: z
        .string({ error: 'must be a string (quote it in YAML, e.g. "-6.8498")' })
        .regex(LAT_LONG, {
          error:
            'is not a MOSIP longitude (^-?\\d{1,2}\\.\\d{4,}$: up to 2 integer digits, at least 4 decimals, e.g. "-6.8498")',
        }),
      contactPhone: z.string().max(16, { error: "is longer than 16 characters" }).optional(),
      workingHours: nonBlank("working hours text, e.g. 8:00-16:00", 32),
      perKioskProcessTime: time("time per registration").default("00:15:00"),
      centerStartTime: time("opening time"),
      centerEndTime: time("closing time"),
      lunchStartTime: time("lunch start").optional(),
      lunchEndTime: time("lunch end").optional(),
      /** IANA time zone, e.g. Africa/Casablanca. */
      timeZone: z
        .string({ error: "must be a string (IANA time zone)" })
        .max(64, { error: "is longer than 64 characters" })
        .refine(isTimeZone, { error: "is not an IANA time zone (e.g. Africa/Casablanca, UTC)" }),
      numberOfKiosks: z
        .number({ error: "must be a number (an integer)" })
        .int({ error: "is not a whole number (an integer)" })
        .min(0, { error: "is negative (0 or more)" })
        .max(32767, { error: "is too large (at most 32767)" })
        .default(1),
      /** Day code -> open; days left out are closed. */
      workingNonWorkingDays: z
        .partialRecord(
          z.enum(DAY_CODES, { error: `is not a day code (${DAY_CODES.join(", ")})` }),
          z.boolean(),
        )
        .optional(),
      exceptionalHolidays: z
        .array(
          z.strictObject({
            date: z.iso.date({ error: "is not a date (yyyy-MM-dd)" }),
            name: nonBlank("holiday name", 128),
            reason: nonBlank("holiday reason", 256),
          }),
        )
        .default([]),
    })
    .superRefine(
      lenient((c, rc) => {
        const langs = Object.keys(c.localized ?? {});
        for (const l of ctx.languages) {
          if (!langs.includes(l)) {
            issue(
              rc,
              ["localized"],
              `has no text for language "${l}"`,
              `add localized.${l} {name, addressLine1}: MOSIP needs the centre in every configured language (mosip.languages)`,
            );
          }
        }
        for (const l of langs) {
          if (!ctx.languages.includes(l)) {
            issue(
              rc,
              ["localized", l],
              `"${l}" is not a configured language`,
              `one of ${ctx.languages.join(", ")} (mosip.languages)`,
            );
          }
        }
        const s = c.centerStartTime;
        const e = c.centerEndTime;
        if (HH_MM_SS.test(s) && HH_MM_SS.test(e) && s >= e) {
          issue(
            rc,
            ["centerEndTime"],
            `${e} is not after centerStartTime ${s}`,
            "closing time after opening time (KER-MSD-309)",
          );
        }
        if ((c.lunchStartTime === undefined) !== (c.lunchEndTime === undefined)) {
          issue(
            rc,
            [c.lunchStartTime === undefined ? "lunchStartTime" : "lunchEndTime"],
            "is missing while its pair is set",
            "give both lunchStartTime and lunchEndTime, or neither",
          );
        } else if (
          c.lunchStartTime &&
          c.lunchEndTime &&
          HH_MM_SS.test(c.lunchStartTime) &&
          HH_MM_SS.test(c.lunchEndTime)
        ) {
          if (c.lunchStartTime >= c.lunchEndTime) {
            issue(
              rc,
              ["lunchEndTime"],
              `${c.lunchEndTime} is not after lunchStartTime ${c.lunchStartTime}`,
              "lunch end after lunch start (KER-MSD-308)",
            );
          } else if (
            HH_MM_SS.test(s) &&
            HH_MM_SS.test(e) &&
            s < e &&
            (c.lunchStartTime < s || c.lunchEndTime > e)
          ) {
            issue(
              rc,
              ["lunchStartTime"],
              "lunch is outside the centre's opening hours",
              "lunch within centerStartTime..centerEndTime (KER-MSD-259/260)",
            );
          }
        }
      }),
      ALWAYS,
    );

  const machine = z
    .strictObject({
      /** Machine name; globally unique in masterdata (KER-MSD-413). */
      name: nonBlank("machine name", 64),
      machineSpecId: mosipCode("machine spec id that exists in masterdata"),
      serialNum: z.string().max(64, { error: "is longer than 64 characters" }).optional(),
      macAddress: z
        .string()
        .regex(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/, {
          error: "is not a MAC address (e.g. 00:1A:2B:3C:4D:5E)",
        })
        .optional(),
      ipAddress: z
        .string({ error: "must be a string (IP address)" })
        .max(17, { error: "is longer than 17 characters (MOSIP limit)" })
        .refine((s) => isIP(s) !== 0, { error: "is not an IP address (e.g. 10.0.0.10)" }),
      /** Base64 X.509 SubjectPublicKeyInfo of an RSA key; generated by the stack when omitted. */
      publicKey: z
        .string()
        .refine(isRsaSpki, {
          error: "is not a base64 X.509 SubjectPublicKeyInfo RSA public key (KER-MSD-257)",
        })
        .optional(),
      /** Signing public key, same format; give both keys or neither. */
      signPublicKey: z
        .string()
        .refine(isRsaSpki, {
          error: "is not a base64 X.509 SubjectPublicKeyInfo RSA public key (KER-MSD-410)",
        })
        .optional(),
    })
    .superRefine(
      lenient((m, rc) => {
        if ((m.publicKey === undefined) !== (m.signPublicKey === undefined)) {
          issue(
            rc,
            [m.publicKey === undefined ? "publicKey" : "signPublicKey"],
            "is missing while its pair is set",
            "give both publicKey and signPublicKey, or neither to have the stack generate them",
          );
        }
      }),
      ALWAYS,
    );

  const officer = z.strictObject({
    /** Keycloak username of the registration officer (lower case; MOSIP user id, at most 36). */
    username: z
      .string({ error: "must be a string (Keycloak username)" })
      .max(36, { error: "is longer than 36 characters (MOSIP user-centre mapping id limit)" })
      .regex(/^[a-z0-9][a-z0-9._@-]*$/, {
        error:
          "is not a Keycloak username as MOSIP sees it (lower-case letters, digits, '.', '_', '@', '-')",
      }),
    /** Zone the officer is mapped to; defaults to the centre's zone, which must be under it. */
    zoneCode: mosipCode("zone code").optional(),
    email: z.string().regex(PMS_EMAIL, { error: "is not an email address" }).optional(),
    firstName: z.string().max(255).optional(),
    lastName: z.string().max(255).optional(),
  });

  const office = z.strictObject({ centre, machine, officer });

  const adapter = z
    .strictObject({
      /** false when the CRVS adapter is deployed elsewhere (e.g. by the CRVS's own pipeline). */
      enabled: z.boolean({ error: "must be a boolean (true or false)" }).default(true),
      /** Image with a tag or digest; `latest` only in development. */
      image: z
        .string({ error: "must be a string (image reference with tag or digest)" })
        .superRefine((ref, rc) => {
          const p = parseImageReference(ref);
          if (!p) {
            issue(
              rc,
              [],
              `"${ref}" is not an image reference`,
              "registry/repository:tag or registry/repository@sha256:<digest>",
            );
            return;
          }
          if (!p.tag && !p.digest) {
            issue(
              rc,
              [],
              "has no tag or digest (that means latest)",
              "pin a version tag or, better, a sha256 digest",
            );
          } else if (p.tag === "latest" && !p.digest && !ctx.development) {
            issue(
              rc,
              [],
              "uses the latest tag",
              "pin a version tag or sha256 digest (latest is only accepted in a development stack)",
            );
          }
        })
        .optional(),
      /** Kubernetes namespace (DNS-1123 label). */
      namespace: z
        .string({ error: "must be a string (namespace)" })
        .max(63, { error: "is longer than 63 characters (DNS-1123 label)" })
        .regex(DNS_1123_LABEL, {
          error: "is not a DNS-1123 label (lower-case letters, digits, inner '-')",
        })
        .default("crvs-adapter"),
      /** Helm release name (DNS-1123, at most 53). */
      releaseName: z
        .string()
        .max(53, { error: "is longer than 53 characters (Helm release name limit)" })
        .regex(DNS_1123_LABEL, {
          error: "is not a DNS-1123 label (lower-case letters, digits, inner '-')",
        })
        .default("crvs-adapter"),
      replicas: z
        .number({ error: "must be a number (an integer)" })
        .int({ error: "is not a whole number (an integer)" })
        .min(1, { error: "is too small (at least 1)" })
        .max(50, { error: "is too large (at most 50)" })
        .default(1),
      /** Extra plain environment variables; credentials never go here (they flow into the Secret). */
      env: z
        .record(
          z.string().regex(ENV_NAME, {
            error: "is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
          }),
          z.union([z.string(), z.number(), z.boolean()], {
            error: "must be a string, number or boolean (env values are plain text)",
          }),
        )
        .default({})
        .superRefine(
          lenient((env, rc) => {
            if (ctx.development) return;
            for (const k of Object.keys(env)) {
              if (CREDENTIAL_LIKE.test(k)) {
                issue(
                  rc,
                  [k],
                  "looks like a credential in plain stack config",
                  "credentials flow into the adapter's Secret from the stack; drop it here (accepted only in a development stack)",
                );
              }
            }
          }),
        ),
      imagePullSecrets: z
        .array(
          z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "is not a Secret name" }),
        )
        .default([]),
    })
    .superRefine(
      lenient((a, rc) => {
        if (a.enabled !== false && a.image === undefined) {
          issue(
            rc,
            ["image"],
            "is required when the adapter is enabled",
            "e.g. registry.example.org/crvs/mosip-api:1.9.2, or set adapter.enabled: false",
          );
        }
      }),
      ALWAYS,
    );

  const tls = z
    .strictObject({
      /** PEM CA bundle trusted for MOSIP endpoints (in addition to Node's roots). */
      caBundle: z
        .string({ error: "must be a PEM string" })
        .superRefine((pem, rc) => {
          try {
            parsePemBundle(pem);
          } catch (e) {
            issue(
              rc,
              [],
              `is not a PEM certificate bundle: ${(e as Error).message}`,
              "one or more -----BEGIN CERTIFICATE----- blocks",
            );
          }
        })
        .optional(),
      /** Path of a PEM CA bundle file (relative to the project directory); exclusive with caBundle. */
      caBundleFile: z.string().min(1, { error: "is empty (a path to a PEM file)" }).optional(),
      /** Development only: allow plain http to any host. */
      allowInsecureHttp: z.boolean({ error: "must be a boolean (true or false)" }).default(false),
      /** Cluster-internal hosts (*.svc, *.svc.cluster.local) reachable over plain http. */
      insecureHttpHosts: z
        .array(
          z.string().refine(isClusterInternalHost, {
            error: "is not a cluster-internal host name (must end in .svc or .svc.cluster.local)",
          }),
        )
        .default([]),
    })
    .superRefine(
      lenient((t, rc) => {
        if (t.caBundle !== undefined && t.caBundleFile !== undefined) {
          issue(
            rc,
            ["caBundleFile"],
            "is set together with caBundle",
            "give the bundle inline (caBundle) or as a file (caBundleFile), not both",
          );
        }
        if (t.allowInsecureHttp === true && !ctx.development) {
          issue(
            rc,
            ["allowInsecureHttp"],
            "is true in a production stack",
            "only a development stack may use plain http to non-loopback hosts; use https or tls.insecureHttpHosts",
          );
        }
      }),
      ALWAYS,
    );

  return z.strictObject({
    /** "production" (default) or "development"; development relaxes the https/wildcard rules. */
    environment: z
      .enum(["production", "development"], {
        error: "is not an environment (production or development)",
      })
      .default("production"),
    mosip,
    keycloak,
    websub,
    configServer,
    crvsSystems: z
      .array(crvsSystem, { error: "must be a list of CRVS systems" })
      .min(1, { error: "is empty (at least one CRVS system to onboard)" })
      .superRefine(
        lenient((systems, rc) => {
          const ids = systems.map((s) => s.partnerId);
          for (const d of duplicates(ids)) {
            issue(
              rc,
              [ids.lastIndexOf(d), "partnerId"],
              `"${d}" is used by two CRVS systems`,
              "one partner id per CRVS system",
            );
          }
          const emails = systems.map((s) => s.contact?.email);
          for (const d of duplicates(emails)) {
            if (d)
              issue(
                rc,
                [emails.lastIndexOf(d), "contact", "email"],
                `"${d}" is used by two CRVS systems`,
                "PMS refuses an email already used by another partner (PMS_PRT_011)",
              );
          }
          const all = new Set(ids);
          systems.forEach((s, i) => {
            const a = s.esignet?.authPartnerId;
            if (a && all.has(a))
              issue(
                rc,
                [i, "esignet", "authPartnerId"],
                `"${a}" is another system's partnerId`,
                "a distinct Auth_Partner id",
              );
          });
        }),
      ),
    registrationOffices: z
      .array(office, { error: "must be a list of registration offices" })
      .min(1, {
        error: "is empty (at least one office: CRVS packets carry <centreId>_<machineId>)",
      })
      .superRefine(
        lenient((offices, rc) => {
          const primary = ctx.languages[0];
          const names = offices.map((o) => o.centre?.localized?.[primary]?.name);
          for (const d of duplicates(names)) {
            if (d)
              issue(
                rc,
                [names.lastIndexOf(d), "centre", "localized", primary, "name"],
                `centre name "${d}" is used twice`,
                "unique centre names (the stack finds centres by name)",
              );
          }
          const machines = offices.map((o) => o.machine?.name);
          for (const d of duplicates(machines)) {
            if (d)
              issue(
                rc,
                [machines.lastIndexOf(d), "machine", "name"],
                `machine name "${d}" is used twice`,
                "unique machine names (KER-MSD-413)",
              );
          }
          const users = offices.map((o) => o.officer?.username);
          for (const d of duplicates(users)) {
            if (d)
              issue(
                rc,
                [users.lastIndexOf(d), "officer", "username"],
                `officer "${d}" is mapped to two centres`,
                "one centre per officer (KER-USR-013)",
              );
          }
          // MOSIP refuses a key already registered for another machine (KER-MSD-414).
          const owner = new Map<string, number>();
          offices.forEach((o, i) => {
            for (const field of ["publicKey", "signPublicKey"] as const) {
              const k = o.machine?.[field];
              if (!k) continue;
              const first = owner.get(k);
              if (first === undefined) owner.set(k, i);
              else if (first !== i) {
                issue(
                  rc,
                  [i, "machine", field],
                  `is already the key of registrationOffices[${first}].machine`,
                  "one key pair per machine (KER-MSD-414)",
                );
              }
            }
          });
        }),
      ),
    adapter: adapter.prefault({}),
    tls: tls.prefault({}),
    mosipClientSecret: credentialValue,
    keycloakAdminPassword: credentialValue,
    configRepoToken: credentialValue,
  });
}

type Schema = ReturnType<typeof buildSchema>;
type Parsed = z.output<Schema>;

/** Where a credential comes from at deploy time. */
export interface CredentialSource {
  /** `config`: the secret stack key; `environment`: the env variable; `pending`: neither yet. */
  source: "config" | "environment" | "pending" | "not-needed";
  configKey: string;
  env: string;
}

/** The validated stack config (credential values are not in it; loadConfig returns them as Outputs). */
export type StackConfig = Omit<Parsed, CredentialName | "mosip" | "configServer" | "tls"> & {
  mosip: Parsed["mosip"] & { esignetUrl: string };
  configServer: Parsed["configServer"] & {
    repo: Parsed["configServer"]["repo"] & { branch: string };
  };
  tls: Parsed["tls"];
  credentials: Record<CredentialName, CredentialSource>;
};

export type CrvsSystemConfig = StackConfig["crvsSystems"][number];
export type RegistrationOfficeConfig = StackConfig["registrationOffices"][number];

export interface ParseOptions {
  /**
   * `error` (default, what loadConfig uses): a credential neither in config nor in the environment
   * is a problem. `defer`: it is reported as pending (check-config validating a file offline).
   */
  missingCredentials?: "error" | "defer";
}

export type ParseResult =
  { ok: true; config: StackConfig; problems: [] } | { ok: false; problems: ConfigProblem[] };

/** The top-level keys of the namespace, for documentation and for unknown-key suggestions. */
export const CONFIG_KEYS = Object.keys(buildSchema(ruleContext({})).shape);

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
  return d[a.length][b.length];
}

function suggest(key: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: levenshtein(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 4))
    ? `did you mean ${best.k}? `
    : "";
}

function describeInput(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "an object";
  const s = JSON.stringify(input);
  return `${typeof input} ${s.length > 60 ? s.slice(0, 57) + "..." : s}`;
}

/** Known keys of the object schema at `path`, for unknown-key messages. */
function knownKeysAt(schema: Schema, path: PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    let cur = x as {
      def?: { innerType?: unknown; element?: unknown; in?: unknown; type?: string };
    };
    for (let i = 0; i < 10 && cur?.def; i++) {
      if (cur.def.innerType) cur = cur.def.innerType as typeof cur;
      else if (cur.def.type === "pipe" && cur.def.in) cur = cur.def.in as typeof cur;
      else break;
    }
    return cur;
  };
  for (const seg of path) {
    const u = unwrap(s) as {
      shape?: Record<string, unknown>;
      def?: { element?: unknown; valueType?: unknown };
    };
    if (typeof seg === "number") s = u.def?.element;
    else if (u.shape) s = u.shape[String(seg)];
    else s = u.def?.valueType;
  }
  const shape = (unwrap(s) as { shape?: Record<string, unknown> })?.shape;
  return shape ? Object.keys(shape) : [];
}

function toProblems(schema: Schema, err: z.ZodError): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const i of err.issues) {
    const isCredential = CREDENTIAL_NAMES.includes(i.path[0] as CredentialName);
    if (i.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, i.path);
      for (const k of i.keys) {
        out.push({
          path: formatKeyPath([...i.path, k]),
          message:
            i.path.length === 0
              ? `unknown config key (${suggest(k, known)}known keys: ${known.join(", ")})`
              : `unknown key (${suggest(k, known)}allowed here: ${known.join(", ")})`,
        });
      }
      continue;
    }
    const path = formatKeyPath(i.path);
    const input = (i as { input?: unknown }).input;
    const hint = /\(([^()]*(?:\([^()]*\)[^()]*)*)\)$/.exec(i.message)?.[1];
    if (i.code === "invalid_type" && input === undefined) {
      out.push({ path, message: `is required (${hint ?? `expected ${i.expected}`})` });
    } else if (
      i.code === "invalid_type" &&
      input !== null &&
      typeof input === "object" &&
      Object.keys(input as object).join() === "secure"
    ) {
      out.push({
        path,
        message: `is stored as a secret but is not a credential (set it in plain text: pulumi config set --path '${path}' <value>)`,
      });
    } else if (hint !== undefined) {
      // Our own messages already read "<what was wrong> (<what is allowed>)".
      const own = i.code === "custom" && (i as { params?: { own?: boolean } }).params?.own === true;
      const got = isCredential || own ? "" : `, got ${describeInput(input)}`;
      out.push({ path, message: i.message.replace(/ \(/, `${got} (`) });
    } else {
      const got = isCredential ? "" : ` (got ${describeInput(input)})`;
      out.push({ path, message: `${i.message.replace(/^Invalid input: /, "")}${got}` });
    }
  }
  return out;
}

function credentialProblems(
  values: Record<string, unknown>,
  env: Record<string, string | undefined>,
  development: boolean,
  options: ParseOptions,
): { problems: ConfigProblem[]; sources: Record<CredentialName, CredentialSource> } {
  const problems: ConfigProblem[] = [];
  const sources = {} as Record<CredentialName, CredentialSource>;
  for (const name of CREDENTIAL_NAMES) {
    const { env: envName } = CREDENTIALS[name];
    const configKey = `${PROJECT}:${name}`;
    const raw = values[name];
    const setCmd = `pulumi config set --secret ${configKey} <value>`;
    let source: CredentialSource["source"];
    if (typeof raw === "string" || (raw && typeof raw === "object")) {
      source = "config";
      if (typeof raw === "string") {
        if (raw.length === 0) {
          problems.push({ path: configKey, message: `is empty (${setCmd}, or set ${envName})` });
        } else if (!development) {
          problems.push({
            path: configKey,
            message: `is stored in plain text in the stack file (encrypt it: ${setCmd}, or remove it and set ${envName}; plain text is only accepted in a development stack)`,
          });
        }
      }
    } else if (env[envName]) {
      source = "environment";
    } else if (name === "configRepoToken" && development) {
      source = "not-needed";
    } else if (options.missingCredentials === "defer") {
      source = "pending";
    } else {
      source = "pending";
      problems.push({
        path: configKey,
        message: `is missing (set it with \`${setCmd}\` or in the environment variable ${envName})`,
      });
    }
    sources[name] = { source, configKey, env: envName };
  }
  return { problems, sources };
}

/**
 * Validates stack config values (keys without the `mosip-crvs:` prefix, values as in the stack
 * file: objects for structured keys, `{secure: ...}` or a string for credentials). Pure: no Pulumi,
 * no network, no files. Used by loadConfig and by scripts/check-config.ts.
 */
export function parseStackConfig(
  values: Record<string, unknown>,
  env: Record<string, string | undefined> = process.env,
  options: ParseOptions = {},
): ParseResult {
  const ctx = ruleContext(values);
  const schema = buildSchema(ctx);
  const r = schema.safeParse(values, { reportInput: true });
  const creds = credentialProblems(values, env, ctx.development, options);
  const problems = [...(r.success ? [] : toProblems(schema, r.error)), ...creds.problems];
  if (!r.success || problems.length > 0) return { ok: false, problems };
  const d = r.data;
  const { mosipClientSecret: _a, keycloakAdminPassword: _b, configRepoToken: _c, ...rest } = d;
  const config: StackConfig = {
    ...rest,
    mosip: { ...d.mosip, esignetUrl: d.mosip.esignetUrl ?? d.mosip.apiBaseUrl },
    configServer: {
      ...d.configServer,
      repo: { ...d.configServer.repo, branch: d.configServer.repo.branch ?? d.configServer.label },
    },
    credentials: creds.sources,
  };
  return { ok: true, config, problems: [] };
}

/**
 * Reads `tls.caBundleFile` (relative to `baseDir`) into `tls.caBundle`; a problem when the file is
 * missing or is not a PEM bundle.
 */
export function resolveCaBundleFile(config: StackConfig, baseDir: string): ConfigProblem[] {
  const file = config.tls.caBundleFile;
  if (!file) return [];
  const path = isAbsolute(file) ? file : resolvePath(baseDir, file);
  const key = formatKeyPath(["tls", "caBundleFile"]);
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch {
    return [
      {
        path: key,
        message: `cannot read ${file} (a readable PEM file, relative to the project directory)`,
      },
    ];
  }
  try {
    parsePemBundle(pem);
  } catch (e) {
    return [
      {
        path: key,
        message: `${file} is not a PEM certificate bundle: ${(e as Error).message} (one or more -----BEGIN CERTIFICATE----- blocks)`,
      },
    ];
  }
  config.tls.caBundle = pem;
  return [];
}

/** The credentials as secret Outputs; configRepoToken is absent only when not needed (development). */
export interface StackSecrets {
  mosipClientSecret: pulumi.Output<string>;
  keycloakAdminPassword: pulumi.Output<string>;
  configRepoToken?: pulumi.Output<string>;
}

export type LoadedStackConfig = StackConfig & { secrets: StackSecrets };

/**
 * Reads the stack config through Pulumi, validates it and returns it typed, with the credentials
 * as secret Outputs (from secret config, else from their environment variables). Throws one
 * StackConfigError listing every problem before anything talks to MOSIP.
 */
export function loadConfig(
  cfg?: pulumi.Config,
  env: Record<string, string | undefined> = process.env,
  baseDir: string = process.cwd(),
): LoadedStackConfig {
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  cfg ??= new pulumi.Config(PROJECT);
  const values: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  // Every key set in this namespace, so that typos are reported rather than ignored.
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
    .isConfigSecret;
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((CREDENTIAL_NAMES as string[]).includes(key)) {
      // Presence and storage only; the value itself stays inside an Output.
      const stored = isSecret ? isSecret(fullKey) : true;
      values[key] = stored ? { secure: "[secret]" } : (pulumi.runtime.getConfig(fullKey) ?? "");
      continue;
    }
    if (key === "environment") {
      values[key] = cfg.get(key);
      continue;
    }
    try {
      values[key] = cfg.getObject<unknown>(key);
    } catch {
      values[key] = cfg.get(key);
    }
  }
  const r = parseStackConfig(values, env);
  if (!r.ok) throw new StackConfigError(r.problems);
  const fileProblems = resolveCaBundleFile(r.config, baseDir);
  if (fileProblems.length > 0) throw new StackConfigError(fileProblems);
  const secretOf = (name: CredentialName): pulumi.Output<string> | undefined => {
    const src = r.config.credentials[name];
    if (src.source === "config") return cfg.requireSecret(name);
    if (src.source === "environment") return pulumi.secret(env[src.env] as string);
    return undefined;
  };
  const secrets: StackSecrets = {
    mosipClientSecret: secretOf("mosipClientSecret") as pulumi.Output<string>,
    keycloakAdminPassword: secretOf("keycloakAdminPassword") as pulumi.Output<string>,
  };
  const token = secretOf("configRepoToken");
  if (token) secrets.configRepoToken = token;
  return { ...r.config, secrets };
}
