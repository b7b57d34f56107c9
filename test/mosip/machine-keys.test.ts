// MOSIP's machine-key normalisation (contract §8.3), checked against node:crypto and against the
// sandbox masterdata's own implementation of MachineUtil (written separately from MOSIP's source).
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  generateMachineKeyPair,
  keyIndex,
  normaliseMachineKey,
  sameMachineKey,
} from "../../components/mosip/machine-keys";
import { normaliseMachineKey as sandboxNormalise } from "../sandbox/masterdata";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const der = rsa.publicKey.export({ format: "der", type: "spki" });

describe("normaliseMachineKey", () => {
  test("base64 with padding, base64url with and without padding, wrapped lines: one stored form", () => {
    const b64 = der.toString("base64");
    expect(b64).toMatch(/[+/=]/); // the test means something only if the flavours differ
    const url = der.toString("base64url");
    const forms = [
      b64,
      url,
      `${url}==`.slice(0, url.length + ((4 - (url.length % 4)) % 4)),
      b64.replace(/(.{64})/g, "$1\n"),
    ];
    for (const f of forms) {
      const n = normaliseMachineKey(f);
      expect(n?.key, f.slice(0, 20)).toBe(url);
      expect(n?.key).not.toMatch(/[=+/]/);
    }
  });

  test("agrees with the sandbox masterdata's MachineUtil on key and keyIndex", () => {
    const mine = normaliseMachineKey(der.toString("base64"));
    const theirs = sandboxNormalise(der.toString("base64"));
    expect(mine).toEqual({ key: theirs!.key, index: theirs!.index });
  });

  test("keyIndex is lower-case colon-separated SHA-256 hex of the DER", () => {
    const hex = createHash("sha256").update(der).digest("hex");
    const idx = keyIndex(der);
    expect(idx.split(":")).toHaveLength(32);
    expect(idx.replace(/:/g, "")).toBe(hex);
    expect(idx).toBe(idx.toLowerCase());
  });

  test("rejects what MOSIP would not store as an RSA SubjectPublicKeyInfo", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
      format: "der",
      type: "spki",
    });
    expect(normaliseMachineKey(ec.toString("base64"))).toBeUndefined();
    expect(normaliseMachineKey("not a key")).toBeUndefined();
    expect(normaliseMachineKey("")).toBeUndefined();
    // A PEM is not accepted: MOSIP wants the bare base64 body.
    expect(
      normaliseMachineKey(rsa.publicKey.export({ format: "pem", type: "spki" }).toString()),
    ).toBeUndefined();
    // A TPM2 TPMT_PUBLIC-like blob (type 0x0001 RSA, nameAlg 0x000b) is not SPKI.
    expect(normaliseMachineKey(Buffer.from("0001000b00050072", "hex").toString("base64"))).toBe(
      undefined,
    );
    // Mixed alphabets are neither base64 nor base64url.
    const b = der.toString("base64");
    const i = b.search(/[+/]/);
    expect(normaliseMachineKey(`${b.slice(0, i)}-${b.slice(i + 1)}`.replace("/", "_"))).toBe(
      undefined,
    );
  });

  test("sameMachineKey compares bytes, not strings", () => {
    expect(sameMachineKey(der.toString("base64"), der.toString("base64url"))).toBe(true);
    const other = generateMachineKeyPair();
    expect(sameMachineKey(der.toString("base64"), other.key)).toBe(false);
    expect(sameMachineKey(undefined, null)).toBe(true);
    expect(sameMachineKey(other.key, undefined)).toBe(false);
    expect(sameMachineKey("garbage", "garbage")).toBe(false);
  });
});

describe("generateMachineKeyPair", () => {
  test("an RSA-2048 pair whose private key signs what the public key verifies", () => {
    const p = generateMachineKeyPair();
    expect(p.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const pub = createPublicKey({
      key: Buffer.from(p.key, "base64url"),
      format: "der",
      type: "spki",
    });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const sig = sign("sha256", Buffer.from("packet"), p.privateKeyPem);
    expect(verify("sha256", Buffer.from("packet"), pub, sig)).toBe(true);
    expect(p.index).toBe(keyIndex(Buffer.from(p.key, "base64url")));
    expect(normaliseMachineKey(p.key)?.key).toBe(p.key);
    expect(generateMachineKeyPair().key).not.toBe(p.key);
  });
});
