// "Partner Based" credential encryption as the sandbox does it: the credential is encrypted for
// the partner with the public key of its MOSIP-signed certificate, so only the holder of the
// partner's private key (the CRVS adapter) can read it.
//
// The sandbox uses JWE compact serialisation (RFC 7516) with RSA-OAEP-256 key wrapping of a random
// content key and A256GCM content encryption: the same construction (RSA-OAEP over a random AES
// key + AES-GCM) as MOSIP's keymanager, but NOT its byte layout (`VER_R2` + certificate
// thumbprint + `#KEY_SPLITTER#` ...). An adapter that decrypts MOSIP's exact format needs that
// layout; this sandbox does not reproduce it.
import { createPublicKey } from "node:crypto";
import { compactDecrypt, CompactEncrypt, importPKCS8, type KeyLike } from "jose";

const ALG = "RSA-OAEP-256";
const ENC = "A256GCM";

/** Encrypts `plaintext` for the holder of the certificate's private key. */
export async function encryptForPartner(
  certificatePem: string,
  plaintext: Uint8Array,
): Promise<string> {
  const key = createPublicKey(certificatePem);
  return new CompactEncrypt(plaintext).setProtectedHeader({ alg: ALG, enc: ENC }).encrypt(key);
}

/** Decrypts what `encryptForPartner` produced, with the partner's PKCS#8 private key (PEM). */
export async function decryptCredential(
  credential: string,
  privateKey: string | KeyLike,
): Promise<Uint8Array> {
  const key = typeof privateKey === "string" ? await importPKCS8(privateKey, ALG) : privateKey;
  const { plaintext } = await compactDecrypt(credential, key, {
    keyManagementAlgorithms: [ALG],
    contentEncryptionAlgorithms: [ENC],
  });
  return plaintext;
}
