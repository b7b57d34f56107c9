// The error classes and the scrubbing helpers the client (and the dynamic-resource base) rely on.
import { describe, expect, it } from "vitest";
import {
  isErrorCode,
  MosipApiError,
  MosipAuthError,
  MosipConfigError,
  MosipError,
  MosipHttpError,
  MosipHubError,
  MosipNetworkError,
} from "../../components/mosip/errors";
import { scrub, showUrl } from "../../components/mosip/redact";

const JWT =
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYW5kYm94LXRlc3QiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlLXNhbmRib3gtdGVzdA";

describe("error classes", () => {
  it("keep the hierarchy, their names, messages, stacks and facts", () => {
    const cases: [MosipError, string][] = [
      [new MosipApiError("a", { errors: [{ errorCode: "X", message: "m" }] }), "MosipApiError"],
      [
        new MosipHttpError("h", { status: 502, excerpt: "an HTML page", transient: true }),
        "MosipHttpError",
      ],
      [new MosipAuthError("u", { credential: 'client "c"' }), "MosipAuthError"],
      [new MosipNetworkError("n", { host: "h:1", code: "ECONNREFUSED" }), "MosipNetworkError"],
      [new MosipHubError("d", { reason: "Subscriber is not authorized" }), "MosipHubError"],
      [new MosipConfigError("c"), "MosipConfigError"],
    ];
    for (const [e, name] of cases) {
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(MosipError);
      expect(e.name).toBe(name);
      expect(e.stack?.startsWith(`${name}: ${e.message}`)).toBe(true);
      expect(String(e)).toBe(`${name}: ${e.message}`);
    }
    const api = cases[0]![0];
    expect(api.errorCode).toBe("X");
    expect(api.transient).toBe(false);
    expect((cases[1]![0] as MosipHttpError).excerpt).toBe("an HTML page");
    expect(cases[1]![0].transient).toBe(true);
    expect((cases[3]![0] as MosipNetworkError).code).toBe("ECONNREFUSED");
    expect((cases[4]![0] as MosipHubError).reason).toBe("Subscriber is not authorized");
    expect(new MosipError("x").errors).toEqual([]);
  });

  it("take errorCode from the first coded entry when none is given", () => {
    const e = new MosipApiError("m", {
      errors: [
        { errorCode: null, message: "uncoded" },
        { errorCode: "PMS_POL_016", message: "coded" },
      ],
    });
    expect(e.errorCode).toBe("PMS_POL_016");
    expect(new MosipApiError("m", { errorCode: "MOSIP-NULL-RESPONSE" }).errorCode).toBe(
      "MOSIP-NULL-RESPONSE",
    );
  });
});

describe("isErrorCode", () => {
  const e = new MosipApiError("m", {
    errors: [
      { errorCode: "PMS_PRT_005", message: "a" },
      { errorCode: "PMS_COR_001", message: "b" },
    ],
  });
  it("matches the first code and any code in errors[]", () => {
    expect(isErrorCode(e, "PMS_PRT_005")).toBe(true);
    expect(isErrorCode(e, "PMS_COR_001")).toBe(true);
    expect(isErrorCode(e, "PMS_COR_002")).toBe(false);
  });
  it("is false for anything that is not an error carrying codes", () => {
    expect(isErrorCode(undefined, "X")).toBe(false);
    expect(isErrorCode("PMS_PRT_005", "PMS_PRT_005")).toBe(false);
    expect(isErrorCode({ errorCode: "X" }, "X")).toBe(false);
    expect(isErrorCode(new Error("PMS_PRT_005"), "PMS_PRT_005")).toBe(false);
    // Errors re-thrown by other layers that copied the code keep matching.
    expect(
      isErrorCode(Object.assign(new Error("x"), { errorCode: "KER-ATH-403" }), "KER-ATH-403"),
    ).toBe(true);
  });
});

describe("scrub", () => {
  it("removes registered secrets, raw and URL-encoded", () => {
    const secret = "sandbox test/secret+1";
    const out = scrub(`a ${secret} b ${encodeURIComponent(secret)} c`, [secret]);
    expect(out).toBe("a [REDACTED] b [REDACTED] c");
  });
  it("removes JWTs, Authorization cookies/headers and secret-named fields", () => {
    const text = [
      `Cookie: Authorization=${JWT.slice(0, 20)}opaque-token-value; Other=1`,
      `authorization: Bearer opaque-bearer-123`,
      `{"clientId":"c","secretKey":"s3cr3t-value","password": "pw-value","clientSecret":"cs\\"q"}`,
      `hub.mode=subscribe&hub.secret=hub-secret-value&hub.topic=t`,
      `client_secret=form-secret&grant_type=client_credentials`,
      `token ${JWT}`,
    ].join("\n");
    const out = scrub(text);
    for (const leak of [
      "opaque-token-value",
      "opaque-bearer-123",
      "s3cr3t-value",
      "pw-value",
      'cs\\"q',
      "hub-secret-value",
      "form-secret",
      JWT,
    ])
      expect(out).not.toContain(leak);
    // What is not secret stays readable.
    expect(out).toContain('"clientId":"c"');
    expect(out).toContain("hub.topic=t");
    expect(out).toContain("grant_type=client_credentials");
    expect(out).toContain("Other=1");
  });
  it("keeps MOSIP's error codes after a URL whose path ends in a secret-looking word", () => {
    // A path segment is not a field name: `.../generate/apikey: PMS_PRT_055 "..."` names the error.
    const messages = [
      'MOSIP rejected PATCH https://api.mosip.example/v1/partnermanager/partners/p1/generate/apikey: PMS_PRT_055 "Login user and partner id mismatch"',
      "Keycloak refused POST http://127.0.0.1:8090/auth/realms/mosip/protocol/openid-connect/token: invalid_client",
    ];
    for (const m of messages) expect(scrub(m)).toBe(m);
    // The same words as field names are still hidden.
    expect(scrub('apikey: abc-key-value, "token": "t-value", secret=s-value')).toBe(
      'apikey: [REDACTED], "token": [REDACTED], secret=[REDACTED]',
    );
  });
  it("ignores empty secrets instead of mangling the text", () => {
    expect(scrub("plain text", ["", "plain"])).toBe("[REDACTED] text");
  });
});

describe("showUrl", () => {
  it("drops userinfo and hides secret-looking query values", () => {
    const u = new URL("https://user:pass@api.example/v1/x?apiKey=abc&partnerId=p1&client_secret=z");
    const shown = showUrl(u);
    expect(shown).toBe(
      "https://api.example/v1/x?apiKey=REDACTED&partnerId=p1&client_secret=REDACTED",
    );
    expect(u.password).toBe("pass"); // the caller's URL is untouched
  });
});
