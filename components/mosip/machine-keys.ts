// Machine keys as MOSIP masterdata stores them (contract §8.3): the registration client's encryption
// key (`publicKey`) and signing key (`signPublicKey`) arrive as base64 or base64url of an X.509
// SubjectPublicKeyInfo and are stored as base64url without padding of the DER; `keyIndex` is the
// lower-case, colon-separated hex SHA-256 of those bytes (kernel-core CryptoUtil.computeFingerPrint).
// MOSIP also accepts TPM2 `TPMT_PUBLIC` blobs; this stack only registers RSA keys it can check.
// Pure functions, copied into the serialized Machine provider: function declarations only.
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";

/** A key in MOSIP's stored form. */
export interface MachineKey {
  /** base64url, no padding, of the DER SubjectPublicKeyInfo. */
  key: string;
  /** `ab:cd:...`: SHA-256 of the DER, as MOSIP's keyIndex. */
  index: string;
}

/** MOSIP's keyIndex of DER bytes. */
export function keyIndex(der: Uint8Array): string {
  return createHash("sha256")
    .update(der)
    .digest("hex")
    .replace(/..(?!$)/g, "$&:");
}

/**
 * The stored form of a base64 / base64url RSA SubjectPublicKeyInfo (padding and surrounding white
 * space optional), or undefined when it is not one (a TPM blob, another algorithm, garbage).
 */
export function normaliseMachineKey(encoded: string): MachineKey | undefined {
  const s = String(encoded).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s) || (/[+/]/.test(s) && /[-_]/.test(s))) return undefined;
  try {
    const k = createPublicKey({
      key: Buffer.from(s.replace(/=+$/, ""), "base64url"),
      format: "der",
      type: "spki",
    });
    if (k.asymmetricKeyType !== "rsa") return undefined;
    const der = k.export({ format: "der", type: "spki" });
    return { key: der.toString("base64url"), index: keyIndex(der) };
  } catch {
    return undefined;
  }
}

/** True when both encode the same key bytes (whatever the base64 flavour). */
export function sameMachineKey(
  a: string | undefined | null,
  b: string | undefined | null,
): boolean {
  if (!a || !b) return !a && !b;
  const x = normaliseMachineKey(a);
  return x !== undefined && x.key === normaliseMachineKey(b)?.key;
}

/** A fresh RSA-2048 pair: the public key in MOSIP's stored form, the private key as PKCS#8 PEM. */
export function generateMachineKeyPair(): MachineKey & { privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ format: "der", type: "spki" });
  return {
    key: der.toString("base64url"),
    index: keyIndex(der),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}
