// The bad-input corpus, as data. Config cases mutate the "local" stack's config (Pulumi.local.yaml,
// keys without the `mosip-crvs:` prefix) and name the setting the error must point at. MOSIP answer
// cases are what a broken gateway, proxy or MOSIP release may send back; `expect` is what the error
// must say (besides naming the call and what to do, which every case must).
type Json = Record<string, unknown>;
type Office = { centre: Json & { localized: Record<string, Json> }; machine: Json; officer: Json };
type System = Json & { contact: Json; callbacks: Json; esignet: Json };

export interface ConfigCase {
  name: string;
  /** Changes the config in place (a deep copy of the local stack's values). */
  mutate(c: Json): void;
  /** The key path the problem must be reported at (a regular expression on the path). */
  path: RegExp;
  /** Environment for credentials; the default supplies none. */
  env?: Record<string, string>;
}

const sys = (c: Json) => (c.crvsSystems as System[])[0];
const office = (c: Json, i = 0) => (c.registrationOffices as Office[])[i];
const mosip = (c: Json) => c.mosip as Json;

export const CONFIG_CASES: ConfigCase[] = [
  {
    name: "environment not a known one",
    mutate: (c) => (c.environment = "prod"),
    path: /:environment$/,
  },
  { name: "mosip missing", mutate: (c) => delete c.mosip, path: /:mosip$/ },
  { name: "mosip is a string", mutate: (c) => (c.mosip = "http://mosip"), path: /:mosip$/ },
  {
    name: "unsupported MOSIP release",
    mutate: (c) => (mosip(c).release = "1.1.5"),
    path: /mosip\.release$/,
  },
  { name: "release as a number", mutate: (c) => (mosip(c).release = 1.2), path: /mosip\.release$/ },
  {
    name: "apiBaseUrl not a URL",
    mutate: (c) => (mosip(c).apiBaseUrl = "mosip internal"),
    path: /mosip\.apiBaseUrl$/,
  },
  {
    name: "apiBaseUrl a number",
    mutate: (c) => (mosip(c).apiBaseUrl = 8090),
    path: /mosip\.apiBaseUrl$/,
  },
  { name: "no languages", mutate: (c) => (mosip(c).languages = []), path: /mosip\.languages/ },
  {
    name: "timeout zero",
    mutate: (c) => (mosip(c).requestTimeoutSeconds = 0),
    path: /mosip\.requestTimeoutSeconds$/,
  },
  {
    name: "timeout as text",
    mutate: (c) => (mosip(c).requestTimeoutSeconds = "30s"),
    path: /mosip\.requestTimeoutSeconds$/,
  },
  {
    name: "too many retries",
    mutate: (c) => (mosip(c).maxRetries = 50),
    path: /mosip\.maxRetries$/,
  },
  {
    name: "typo inside mosip",
    mutate: (c) => (mosip(c).clientID = "x"),
    path: /mosip(\.clientID)?$/,
  },
  {
    name: "typo at the top level",
    mutate: (c) => (c.crvsSystem = c.crvsSystems),
    path: /crvsSystem$/,
  },
  {
    name: "keycloak missing its url",
    mutate: (c) => delete (c.keycloak as Json).url,
    path: /keycloak\.url$/,
  },
  { name: "keycloak is a list", mutate: (c) => (c.keycloak = ["http://kc"]), path: /:keycloak$/ },
  { name: "no CRVS system", mutate: (c) => (c.crvsSystems = []), path: /:crvsSystems$/ },
  {
    name: "crvsSystems is a string",
    mutate: (c) => (c.crvsSystems = "opencrvs"),
    path: /:crvsSystems$/,
  },
  {
    name: "blank partner id",
    mutate: (c) => (sys(c).partnerId = ""),
    path: /crvsSystems\[0\]\.partnerId$/,
  },
  {
    name: "partner id with spaces",
    mutate: (c) => (sys(c).partnerId = "open crvs!"),
    path: /crvsSystems\[0\]\.partnerId$/,
  },
  {
    name: "two systems with one partner id",
    mutate: (c) => (c.crvsSystems as Json[]).push(JSON.parse(JSON.stringify(sys(c)))),
    path: /crvsSystems\[1\]/,
  },
  {
    name: "UIN without a legal mandate",
    mutate: (c) => (sys(c).identifier = "UIN"),
    path: /crvsSystems\[0\]\.identifier$/,
  },
  {
    name: "unknown identifier",
    mutate: (c) => (sys(c).identifier = "SSN"),
    path: /crvsSystems\[0\]\.identifier$/,
  },
  {
    name: "callback on ftp",
    mutate: (c) => (sys(c).callbacks.credentialIssued = "ftp://127.0.0.1/cb"),
    path: /callbacks\.credentialIssued$/,
  },
  {
    name: "callback not a URL",
    mutate: (c) => (sys(c).callbacks.packetStatus = "callback"),
    path: /callbacks\.packetStatus$/,
  },
  {
    name: "redirect URI not a URI",
    mutate: (c) => (sys(c).esignet.redirectUris = ["not a uri"]),
    path: /esignet\.redirectUris/,
  },
  {
    name: "unknown eSignet auth type",
    mutate: (c) => (sys(c).esignet.authTypes = ["fingerprint"]),
    path: /esignet\.authTypes/,
  },
  {
    name: "contact email invalid",
    mutate: (c) => (sys(c).contact.email = "nobody"),
    path: /contact\.email$/,
  },
  {
    name: "shared attributes a number",
    mutate: (c) => (sys(c).sharedAttributes = 5),
    path: /sharedAttributes$/,
  },
  {
    name: "no registration office",
    mutate: (c) => (c.registrationOffices = []),
    path: /:registrationOffices$/,
  },
  {
    name: "two offices, one centre name",
    mutate: (c) => {
      const twin = JSON.parse(JSON.stringify(office(c))) as Office;
      twin.machine.name = "other-machine";
      twin.officer.username = "other-officer";
      (c.registrationOffices as Office[]).push(twin);
    },
    path: /registrationOffices\[1\]\.centre\.localized\.eng\.name$/,
  },
  {
    name: "two offices, one machine name",
    mutate: (c) => {
      const twin = JSON.parse(JSON.stringify(office(c))) as Office;
      for (const l of Object.values(twin.centre.localized)) l.name = `${String(l.name)} 2`;
      twin.officer.username = "other-officer";
      (c.registrationOffices as Office[]).push(twin);
    },
    path: /registrationOffices\[1\]\.machine\.name$/,
  },
  {
    name: "latitude not a number",
    mutate: (c) => (office(c).centre.latitude = "north"),
    path: /centre\.latitude$/,
  },
  {
    name: "centre missing a language",
    mutate: (c) => delete office(c).centre.localized.fra,
    path: /centre\.localized/,
  },
  {
    name: "machine without a name",
    mutate: (c) => delete office(c).machine.name,
    path: /machine\.name$/,
  },
  {
    name: "officer name too long",
    mutate: (c) => (office(c).officer.username = "o".repeat(80)),
    path: /officer\.username$/,
  },
  {
    name: "office with an unknown key",
    mutate: (c) => ((office(c) as Json).center = {}),
    path: /registrationOffices\[0\]/,
  },
  {
    name: "adapter enabled as text",
    mutate: (c) => (c.adapter = { enabled: "yes" }),
    path: /adapter\.enabled$/,
  },
  {
    name: "plain-text credential in production",
    mutate: (c) => {
      c.environment = "production";
      mosip(c).apiBaseUrl = "https://mosip.example";
    },
    path: /mosipClientSecret$/,
  },
  {
    name: "plain http to a remote MOSIP in production",
    mutate: (c) => {
      c.environment = "production";
      mosip(c).apiBaseUrl = "http://mosip.example";
    },
    path: /mosip\.apiBaseUrl$/,
  },
  {
    name: "client secret neither in config nor in the environment",
    mutate: (c) => delete c.mosipClientSecret,
    path: /mosipClientSecret$/,
  },
  {
    name: "CA bundle that is not PEM",
    mutate: (c) => (c.tls = { caBundle: "/etc/ssl/ca.pem" }),
    path: /tls\.caBundle$/,
  },
];

export interface AnswerCase {
  name: string;
  /** HTTP status, content type and body the fake MOSIP answers with (`reset`: drops the socket). */
  status: number;
  contentType?: string;
  body?: string;
  reset?: boolean;
  /** What the error must mention (beyond the call and a hint). */
  expect: RegExp;
  /**
   * A known gap in the product code: the full check is expected to fail (test.fails, so the test
   * turns red once the gap is closed and this marker must go), while the minimum (no write, no
   * secret, no trace) is still asserted.
   */
  gap?: string;
}

const html = (title: string) =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
const env = (o: Json) => JSON.stringify({ id: null, version: "v1", responsetime: "x", ...o });

/** Answers to a kernel GET, consumed through components/mosip/client.ts. */
export const CLIENT_CASES: AnswerCase[] = [
  {
    name: "HTML error page with 200",
    status: 200,
    contentType: "text/html",
    body: html("Login"),
    expect: /HTML page "Login"/,
  },
  {
    name: "HTML 502 from the gateway",
    status: 502,
    contentType: "text/html",
    body: html("502 Bad Gateway"),
    expect: /HTTP 502/,
  },
  {
    name: "HTML 404",
    status: 404,
    contentType: "text/html",
    body: html("Not Found"),
    expect: /HTTP 404/,
  },
  {
    name: "truncated JSON",
    status: 200,
    contentType: "application/json",
    body: '{"response": {"id": "p1", "na',
    expect: /not a MOSIP JSON envelope|cut off/,
  },
  {
    name: "empty body",
    status: 200,
    contentType: "application/json",
    body: "",
    expect: /empty body/,
  },
  {
    name: "JSON array instead of an envelope",
    status: 200,
    contentType: "application/json",
    body: "[]",
    expect: /not a MOSIP JSON envelope/,
  },
  {
    name: "JSON string instead of an envelope",
    status: 200,
    contentType: "application/json",
    body: '"ok"',
    expect: /not a MOSIP JSON envelope/,
  },
  {
    name: "plain text",
    status: 200,
    contentType: "text/plain",
    body: "OK",
    expect: /not a MOSIP JSON envelope/,
  },
  {
    name: "XML",
    status: 200,
    contentType: "application/xml",
    body: "<error><code>1</code></error>",
    expect: /HTML page|not a MOSIP JSON envelope/,
  },
  {
    name: "unexpected error code",
    status: 200,
    contentType: "application/json",
    body: env({
      response: null,
      errors: [{ errorCode: "KER-UNK-999", message: "Something unexpected" }],
    }),
    expect: /KER-UNK-999/,
  },
  {
    name: "error without a code",
    status: 200,
    contentType: "application/json",
    body: env({ response: null, errors: [{ errorCode: null, message: "no code" }] }),
    expect: /\(no code\)/,
  },
  {
    name: "errors as a string",
    status: 500,
    contentType: "application/json",
    body: env({ errors: "broken" }),
    expect: /HTTP 500/,
  },
  {
    name: "500 with MOSIP errors",
    status: 500,
    contentType: "application/json",
    body: env({ errors: [{ errorCode: "KER-SYS-500", message: "Internal" }] }),
    expect: /KER-SYS-500/,
  },
  {
    name: "403 role missing",
    status: 200,
    contentType: "application/json",
    body: env({ errors: [{ errorCode: "KER-ATH-403", message: "Forbidden" }] }),
    expect: /KER-ATH-403/,
  },
  {
    name: "401 after a fresh token",
    status: 401,
    contentType: "application/json",
    body: env({ errors: [{ errorCode: "KER-ATH-401", message: "Authentication Failed" }] }),
    expect: /HTTP 401/,
  },
  { name: "connection reset", status: 0, reset: true, expect: /cannot connect|ECONNRESET|socket/i },
  {
    name: "unknown status 418",
    status: 418,
    contentType: "application/json",
    body: "{}",
    expect: /HTTP 418/,
  },
];

/**
 * Answers to the lookups the providers make before any write (find on create, read on refresh):
 * wrong types and missing fields a different MOSIP release or a proxy could produce. The provider
 * must fail naming the object, and must not go on to write.
 */
export interface ProviderCase extends AnswerCase {
  provider: "PolicyGroup" | "Partner";
  op: "create" | "read";
}

export const PROVIDER_CASES: ProviderCase[] = [
  {
    name: "group list is an object",
    provider: "PolicyGroup",
    op: "create",
    status: 200,
    contentType: "application/json",
    body: env({ response: { data: [] }, errors: [] }),
    expect: /PolicyGroup/,
  },
  {
    name: "group list is a string",
    provider: "PolicyGroup",
    op: "create",
    status: 200,
    contentType: "application/json",
    body: env({ response: "none", errors: [] }),
    expect: /PolicyGroup/,
  },
  {
    name: "group entries without policyGroup",
    provider: "PolicyGroup",
    op: "create",
    status: 200,
    contentType: "application/json",
    body: env({ response: [{ name: "g" }, 7, null], errors: [] }),
    expect: /PolicyGroup/,
  },
  {
    name: "group list as HTML",
    provider: "PolicyGroup",
    op: "create",
    status: 200,
    contentType: "text/html",
    body: html("Maintenance"),
    expect: /Maintenance/,
  },
  {
    name: "group list truncated",
    provider: "PolicyGroup",
    op: "create",
    status: 200,
    contentType: "application/json",
    body: '{"response": [{"policyGroup": {"id": "1',
    expect: /PolicyGroup/,
  },
  {
    name: "group read: id missing",
    provider: "PolicyGroup",
    op: "read",
    status: 200,
    contentType: "application/json",
    body: env({ response: { policyGroup: { name: "g", isActive: "yes" } }, errors: [] }),
    expect: /PolicyGroup/,
  },
  {
    name: "group read: unexpected code",
    provider: "PolicyGroup",
    op: "read",
    status: 200,
    contentType: "application/json",
    body: env({ errors: [{ errorCode: "PMS_POL_999", message: "Unknown" }] }),
    expect: /PMS_POL_999/,
  },
  {
    name: "partner read: response is a number",
    provider: "Partner",
    op: "read",
    status: 200,
    contentType: "application/json",
    body: env({ response: 42, errors: [] }),
    expect: /Partner/,
  },
  {
    name: "partner read: HTML 503",
    provider: "Partner",
    op: "read",
    status: 503,
    contentType: "text/html",
    body: html("Service Unavailable"),
    expect: /HTTP 503/,
  },
  {
    name: "partner read: unexpected code",
    provider: "Partner",
    op: "read",
    status: 200,
    contentType: "application/json",
    body: env({ errors: [{ errorCode: "PMS_PRT_999", message: "Unknown" }] }),
    expect: /PMS_PRT_999/,
  },
];
