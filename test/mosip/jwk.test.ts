// The JWK helpers against the contract's rule (§5.8) and against the sandbox PMS's own reading of it.
import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  canonicalJwk,
  generateRsaKeyPair,
  jwkProblem,
  jwkThumbprint,
  oidcClientId,
  publicJwk,
} from "../../components/mosip/jwk";
import * as sandboxPms from "../sandbox/pms-oidc";

describe("canonical JWK and PMS client id", () => {
  test("orders members like jose4j, drops private ones, escapes / and strips leading zero bytes", () => {
    const n = Buffer.from([0x00, 0x00, 0xc3, 0x5a, 0x01]).toString("base64url");
    const jwk = {
      "x-note": "a/b",
      e: "AQAB",
      n,
      d: "private-exponent",
      qi: "private",
      key_ops: ["verify"],
      alg: "RS256",
      use: "sig",
      kid: "k/1",
      kty: "RSA",
    };
    const text = canonicalJwk(jwk);
    expect(text).toBe(
      `{"kty":"RSA","kid":"k\\/1","use":"sig","key_ops":["verify"],"alg":"RS256","n":"w1oB","e":"AQAB","x-note":"a\\/b"}`,
    );
    expect(oidcClientId(jwk)).toBe(createHash("sha256").update(text, "utf8").digest("base64url"));
    expect(oidcClientId(jwk)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(publicJwk(jwk)).toEqual(JSON.parse(text));
    expect(Object.keys(publicJwk(jwk))).toEqual([
      "kty",
      "kid",
      "use",
      "key_ops",
      "alg",
      "n",
      "e",
      "x-note",
    ]);
  });

  test("agrees with the sandbox PMS on generated keys, whatever the member order", () => {
    for (let i = 0; i < 3; i++) {
      const { publicJwk: pub, privateJwk } = generateRsaKeyPair({ kid: `crvs/key-${i}` });
      const shuffled = Object.fromEntries(Object.entries(pub).reverse());
      expect(canonicalJwk(shuffled)).toBe(sandboxPms.canonicalJwk(shuffled));
      expect(oidcClientId(shuffled)).toBe(sandboxPms.oidcClientId(pub));
      // The private JWK hashes to the same id: PMS drops private members.
      expect(oidcClientId(privateJwk)).toBe(oidcClientId(pub));
    }
  });

  test("escapes strings as json-simple does (the sandbox PMS's reading), odd characters included", () => {
    const pub = generateRsaKeyPair().publicJwk;
    for (const kid of [
      "a/b",
      'q"uote\\back',
      "\\u00ab literal",
      "tab\tnl\ncr\r\b\f",
      "\u0001\u001f",
      "\u007f\u0085\u009f",
      "\u2000\u2028\u20ac",
      "é✓",
    ]) {
      const jwk = { ...pub, kid };
      expect(canonicalJwk(jwk)).toBe(sandboxPms.canonicalJwk(jwk));
    }
    expect(canonicalJwk({ ...pub, kid: "\u0001/\u20ac" })).toContain('"kid":"\\u0001\\/\\u20AC"');
  });

  test("refuses what is not an RSA key", () => {
    expect(() => canonicalJwk({ kty: "EC", x: "a", y: "b" })).toThrow(/kty "RSA"/);
    expect(jwkProblem({ kty: "EC" })).toMatch(/kty must be "RSA"/);
    expect(jwkProblem("x")).toBe("must be a JWK object");
    expect(jwkProblem({ kty: "RSA", n: "w1oB", e: "AQAB" })).toMatch(/bits; use at least 2048/);
    expect(jwkProblem({ kty: "RSA", n: "a+b", e: "AQAB" })).toBe("n must be a base64url string");
    const { publicJwk: pub } = generateRsaKeyPair();
    expect(jwkProblem(pub)).toBeUndefined();
    expect(jwkProblem({ ...pub, alg: "RS512" })).toMatch(/alg must be "RS256"/);
  });
});

describe("key pair generation", () => {
  test("the PEM and the private JWK are one key, and they sign what the public JWK verifies", () => {
    const pair = generateRsaKeyPair();
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicJwk).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256", e: "AQAB" });
    expect(pair.publicJwk.kid).toBe(jwkThumbprint(pair.publicJwk));
    expect(pair.publicJwk).not.toHaveProperty("d");
    expect(pair.privateJwk).toMatchObject({ kid: pair.publicJwk.kid, n: pair.publicJwk.n });
    expect(typeof pair.privateJwk.d).toBe("string");
    const fromJwk = createPrivateKey({ key: pair.privateJwk as never, format: "jwk" });
    const fromPem = createPrivateKey(pair.privateKeyPem);
    expect(fromJwk.export({ format: "der", type: "pkcs8" })).toEqual(
      fromPem.export({ format: "der", type: "pkcs8" }),
    );
    const pub = createPublicKey({ key: pair.publicJwk as never, format: "jwk" });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const data = Buffer.from("client_assertion");
    expect(verify("sha256", data, pub, sign("sha256", data, fromPem))).toBe(true);
  });

  test("two generations give two keys (two client ids)", () => {
    expect(oidcClientId(generateRsaKeyPair().publicJwk)).not.toBe(
      oidcClientId(generateRsaKeyPair().publicJwk),
    );
  });

  test("the RFC 7638 thumbprint matches the RFC's own example", () => {
    // RFC 7638 §3.1
    const n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    expect(jwkThumbprint({ kty: "RSA", n, e: "AQAB", alg: "RS256", kid: "2011-04-29" })).toBe(
      "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
    );
  });
});
