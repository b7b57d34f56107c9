// The harness's state file: one JSON document per stack, like a Pulumi checkpoint, with every
// secret value encrypted (AES-256-GCM, key derived by scrypt from PULUMI_CONFIG_PASSPHRASE as the
// passphrase secrets provider does), so no secret is ever written in plain text.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isSecret, SECRET_SIG, SIG_KEY, type Props } from "./values";

export interface ResourceState {
  urn: string;
  type: string;
  custom: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  inputs: Props;
  outputs: Props;
  dependencies: string[];
  /** Output keys the program asked to keep secret (additionalSecretOutputs). */
  additionalSecretOutputs?: string[];
}

export interface StackState {
  version: 1;
  stack: string;
  project: string;
  /** Random salt for the secrets key; kept so the same passphrase decrypts the file later. */
  salt: string;
  resources: ResourceState[];
  outputs: Props;
}

interface Encrypted {
  [SIG_KEY]: string;
  ciphertext: string;
}

/** Derived keys by passphrase and salt: scrypt is slow on purpose, and the engine saves the state
 * after every step (deriving it each time made the save, not MOSIP, the cost of big stacks). */
const derived = new Map<string, Buffer>();

function keyFor(passphrase: string, salt: string): Buffer {
  const id = `${salt}\u0000${passphrase}`;
  let key = derived.get(id);
  if (!key) derived.set(id, (key = scryptSync(passphrase, Buffer.from(salt, "base64"), 32)));
  return key;
}

function encryptValue(key: Buffer, value: unknown): Encrypted {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), "utf8"), c.final()]);
  const blob = Buffer.concat([iv, c.getAuthTag(), body]).toString("base64");
  return { [SIG_KEY]: SECRET_SIG, ciphertext: `v1:${blob}` };
}

function decryptValue(key: Buffer, e: Encrypted): unknown {
  const raw = Buffer.from(e.ciphertext.replace(/^v1:/, ""), "base64");
  const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  try {
    return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8"));
  } catch {
    throw new Error(
      "cannot decrypt the state's secrets: PULUMI_CONFIG_PASSPHRASE differs from the one the state was written with",
    );
  }
}

function walk(v: unknown, f: (x: unknown) => unknown | undefined): unknown {
  const r = f(v);
  if (r !== undefined) return r;
  if (Array.isArray(v)) return v.map((x) => walk(x, f));
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, walk(x, f)]));
  }
  return v;
}

export function passphrase(env: NodeJS.ProcessEnv = process.env): string {
  const p = env.PULUMI_CONFIG_PASSPHRASE;
  if (p === undefined) {
    throw new Error(
      "PULUMI_CONFIG_PASSPHRASE is not set: the harness encrypts secrets in its state file with it " +
        "(set it, even to an empty string for a throw-away local stack, as with `pulumi login --local`)",
    );
  }
  return p;
}

export function emptyState(stack: string, project: string): StackState {
  return {
    version: 1,
    stack,
    project,
    salt: randomBytes(16).toString("base64"),
    resources: [],
    outputs: {},
  };
}

export function loadState(file: string, stack: string, project: string, pass: string): StackState {
  if (!existsSync(file)) return emptyState(stack, project);
  const doc = JSON.parse(readFileSync(file, "utf8")) as StackState;
  const key = keyFor(pass, doc.salt);
  return walk(doc, (x) =>
    x &&
    typeof x === "object" &&
    (x as Props)[SIG_KEY] === SECRET_SIG &&
    "ciphertext" in (x as Props)
      ? { [SIG_KEY]: SECRET_SIG, value: decryptValue(key, x as Encrypted) }
      : undefined,
  ) as StackState;
}

/** Writes atomically (temp file + rename) so a killed run never leaves half a state file. */
export function saveState(file: string, state: StackState, pass: string): void {
  const key = keyFor(pass, state.salt);
  const doc = walk(state, (x) => (isSecret(x) ? encryptValue(key, x.value) : undefined));
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
