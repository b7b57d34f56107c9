// Property values as they cross the Pulumi wire: secrets are wrapped in an object carrying the
// secret signature, unknowns are a sentinel string. The harness engine keeps these markers on
// inputs and outputs, strips them for providers that do not accept secrets (as the engine does),
// and encrypts wrapped values whenever state is written.
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

export function isSecret(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Props)[SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): Props {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Removes every secret wrapper (for providers, diffs and comparisons). */
export function reveal(v: unknown): unknown {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

export function revealProps(p: Props): Props {
  return reveal(p) as Props;
}

/** Whether any secret wrapper is inside `v`. */
export function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v as Props).some(containsSecret);
  return false;
}

export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (isSecret(v)) return containsUnknown(v.value);
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v as Props).some(containsUnknown);
  return false;
}

/** Wraps the top-level keys that must be secret; already-wrapped values stay as they are. */
export function markSecrets(outputs: Props, keys: Iterable<string>): Props {
  const out = { ...outputs };
  for (const k of keys) if (k in out && !isSecret(out[k])) out[k] = secret(out[k]);
  return out;
}

/** Top-level keys whose input value was (or contained) a secret: the engine keeps them secret. */
export function secretKeysOf(inputs: Props): string[] {
  return Object.keys(inputs).filter((k) => containsSecret(inputs[k]));
}

export function fromStruct(s: Struct | undefined): Props {
  return s ? (s.toJavaScript() as Props) : {};
}

export function toStruct(p: Props): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(p)) as Record<string, never>);
}

/** Key-order independent JSON, for comparisons. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Props;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/** Top-level keys whose values differ (secrets compared by value, reported by name only). */
export function changedKeys(olds: Props, news: Props, ignore: string[] = []): string[] {
  const a = revealProps(olds);
  const b = revealProps(news);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !ignore.includes(k) && stable(a[k]) !== stable(b[k]))
    .sort();
}

/** A display copy: secrets as "[secret]", long strings shortened. */
export function masked(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(masked);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, masked(x)]));
  }
  if (typeof v === "string" && v.length > 120) return `${v.slice(0, 60)}...(${v.length} chars)`;
  return v;
}
