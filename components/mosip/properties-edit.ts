// Pure edits of a Java .properties file for the config repo (contract §3): each managed key either
// "contains these values" (merged into its comma-separated list, order and other entries kept) or
// "equals this value". Parsing is done by `properties-file`'s lossless parser (it reports each
// property's physical lines and its key, separator and value as written); the file is then edited
// line by line so every line the stack does not touch stays byte for byte, escapes and
// continuation lines included. New text is escaped with `properties-file`'s escapeKey/escapeValue.
//
// - A list value gains new entries at its end (on the last physical line of a continued value).
// - A whole-value Spring placeholder `${name:default}` (MOSIP's per-module override hook, e.g.
//   kernel-default's `auth.server.admin.allowed.audience=${auth.server.admin.allowed.audience.kernel.override:...}`)
//   gets the entries merged into its default part; the placeholder itself is kept, so an override
//   set on the config server still wins (and then the file's default is not what services see: the
//   resource reads the config server too and reports that).
// - An absent key is appended at the end, under a comment naming the stack.
// - The inverse (restore) removes only the entries the stack added, puts back the value an
//   `equals` replaced (its original lines, so the file returns byte for byte) and removes a key the
//   stack appended, with its comment. A value changed by someone else since is left alone.
//
// Everything here is reached from the serialized provider (config-properties.ts): function
// declarations only, no module-level objects, comments above functions rather than inside.
import { Properties } from "properties-file/parser";
import { escapeKey, escapeValue } from "properties-file/escape";
import { unescapeContent } from "properties-file/unescape";

/** What the stack wants of one key. */
export type KeyCondition = { contains: string[] } | { equals: string };

/** What a key held before the stack first touched it (kept in state for the restore). */
export interface PriorValue {
  /** Whether the key was in the file. */
  present: boolean;
  /** Its (unescaped) value, when present. */
  value?: string;
  /** Its physical lines as written, when present: what an `equals` restore writes back. */
  lines?: string[];
  /** The stack added a line break at the end of a file that had none (an appended key). */
  addedEol?: boolean;
}

/** A physical line and the line break after it ("" for the last line without one). */
interface Line {
  text: string;
  eol: string;
}

interface Located {
  start: number;
  end: number;
  rawLines: string[];
  prefix: string;
  value: string;
  escapedValue: string;
}

/** The comment above a key the stack appends. */
export function appendedComment(stackName: string): string {
  return `# Added by the mosip-crvs stack "${stackName}" (Pulumi); removed when the stack no longer manages it`;
}

function splitLines(text: string): Line[] {
  const parts = text.split(/(\r\n|\r|\n)/);
  const out: Line[] = [];
  for (let i = 0; i < parts.length; i += 2) out.push({ text: parts[i]!, eol: parts[i + 1] ?? "" });
  if (out.length > 1 && out[out.length - 1]!.text === "" && out[out.length - 1]!.eol === "")
    out.pop();
  return out;
}

function joinLines(lines: Line[]): string {
  return lines.map((l) => l.text + l.eol).join("");
}

function eolOf(lines: Line[]): string {
  return lines.find((l) => l.eol !== "")?.eol ?? "\n";
}

/** The effective (last) occurrence of `key`, with its lines (0-based) and its key part as written. */
function locate(text: string, key: string): Located | undefined {
  const node = new Properties(text).getEffectiveProperty(key);
  if (!node) return undefined;
  const prefix = `${node.leadingWhitespace}${node.escapedKey}${node.separatorLeading}${node.separatorChar ?? ""}${node.separatorTrailing}`;
  return {
    start: node.startingLineNumber - 1,
    end: node.endingLineNumber - 1,
    rawLines: node.rawLines,
    prefix,
    value: node.value,
    escapedValue: node.escapedValue,
  };
}

/** The current (unescaped) value of `key`, undefined when absent. */
export function valueOf(text: string, key: string): string | undefined {
  return new Properties(text).getEffectiveProperty(key)?.value;
}

/**
 * A value that is one Spring placeholder with a default, `${name:default}`: its parts. Only the
 * first `:` separates (a default may itself contain colons, e.g. a URL).
 */
export function placeholder(value: string): { name: string; fallback: string } | undefined {
  const m = /^\$\{([^:{}]+):([\s\S]*)\}$/.exec(value.trim());
  if (!m || m[2]!.includes("${")) return undefined;
  return { name: m[1]!, fallback: m[2]! };
}

/** The entries of a comma-separated list (a placeholder's default part), trimmed, blanks dropped. */
export function listOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  const p = placeholder(value);
  return (p ? p.fallback : value)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Whether `value` meets the condition (for a placeholder: its default part). */
export function holds(value: string | undefined, cond: KeyCondition): boolean {
  if ("equals" in cond) return value === cond.equals;
  const have = listOf(value);
  return cond.contains.every((v) => have.includes(v));
}

/**
 * Escapes a value as the files in the config repo write them: escapeValue's output without its
 * (legal but unusual) `\:` and `\=`, checked by unescaping it again.
 */
export function writeValue(value: string): string {
  const out = escapeValue(value).replace(/\\(.)/g, (m, c: string) =>
    c === ":" || c === "=" ? c : m,
  );
  if (unescapeContent(out) !== value) throw new Error(`cannot write ${JSON.stringify(value)}`);
  return out;
}

function replaceNode(lines: Line[], at: Located, texts: string[]): Line[] {
  const eol = lines[at.end]!.eol;
  const inner = eolOf(lines);
  const fresh = texts.map((t, i) => ({ text: t, eol: i === texts.length - 1 ? eol : inner }));
  return [...lines.slice(0, at.start), ...fresh, ...lines.slice(at.end + 1)];
}

/** Appends list entries at the end of the value's last physical line (inside a placeholder). */
function addEntries(lines: Line[], at: Located, add: string[]): Line[] {
  const last = at.rawLines[at.rawLines.length - 1]!;
  const p = placeholder(at.value);
  const cut = p ? last.lastIndexOf("}") : last.length;
  const empty =
    listOf(at.value).length === 0 && (p ? p.fallback.trim() === "" : at.value.trim() === "");
  const joined = add.map(writeValue).join(",");
  const text = `${last.slice(0, cut)}${empty ? "" : ","}${joined}${last.slice(cut)}`;
  return replaceNode(lines, at, [...at.rawLines.slice(0, -1), text]);
}

/**
 * Removes list entries. The exact inverse of addEntries when they are still at the end of the last
 * line (so the file comes back byte for byte); otherwise the value is rewritten on one line with
 * the other entries, as written, in their order.
 */
function removeEntries(lines: Line[], at: Located, remove: string[]): Line[] {
  const last = at.rawLines[at.rawLines.length - 1]!;
  const p = placeholder(at.value);
  const cut = p ? last.lastIndexOf("}") : last.length;
  const tail = `,${remove.map(writeValue).join(",")}`;
  if (last.slice(0, cut).endsWith(tail) && tail.length < cut) {
    const text = `${last.slice(0, cut - tail.length)}${last.slice(cut)}`;
    return replaceNode(lines, at, [...at.rawLines.slice(0, -1), text]);
  }
  const escaped = p ? placeholder(at.escapedValue) : undefined;
  const body = escaped ? escaped.fallback : at.escapedValue;
  const kept = body.split(",").filter((s) => !remove.includes(unescapeContent(s).trim()));
  const value = escaped ? `\${${escaped.name}:${kept.join(",")}}` : kept.join(",");
  return replaceNode(lines, at, [`${at.prefix}${value}`]);
}

/**
 * Applies the conditions to the file. `prior` holds what earlier runs recorded; a key seen for the
 * first time gets its prior value recorded. Returns the new text (the same text when every
 * condition already holds), the prior values of every managed key, and the keys written.
 */
export function applyEdits(
  text: string,
  keys: Record<string, KeyCondition>,
  stackName: string,
  prior: Record<string, PriorValue> = {},
): { text: string; prior: Record<string, PriorValue>; changed: string[] } {
  const priors: Record<string, PriorValue> = {};
  const changed: string[] = [];
  for (const key of Object.keys(keys).sort()) {
    const cond = keys[key]!;
    let lines = splitLines(text);
    const at = locate(text, key);
    priors[key] = prior[key] ?? {
      present: !!at,
      ...(at ? { value: at.value, lines: at.rawLines } : {}),
    };
    if (holds(at?.value, cond)) continue;
    if (!at) {
      const value = "equals" in cond ? cond.equals : cond.contains.join(",");
      const eol = eolOf(lines);
      const last = lines[lines.length - 1];
      const addedEol = !!last && last.text !== "" && last.eol === "";
      if (addedEol) last!.eol = eol;
      if (last && last.text === "" && last.eol === "" && lines.length === 1) lines = [];
      lines.push({ text: appendedComment(stackName), eol });
      lines.push({ text: `${escapeKey(key)}=${writeValue(value)}`, eol: addedEol ? "" : eol });
      if (!prior[key]) priors[key] = { present: false, ...(addedEol ? { addedEol } : {}) };
    } else if ("equals" in cond) {
      lines = replaceNode(lines, at, [`${at.prefix}${writeValue(cond.equals)}`]);
    } else {
      const have = listOf(at.value);
      lines = addEntries(
        lines,
        at,
        cond.contains.filter((v, i, a) => !have.includes(v) && a.indexOf(v) === i),
      );
    }
    text = joinLines(lines);
    changed.push(key);
  }
  return { text, prior: priors, changed };
}

/**
 * Undoes the stack's part of one key. For `contains`: removes the entries of `cond` that were not
 * in the prior value (only those still there); a key the stack appended goes once its list is
 * empty. For `equals`: puts the prior lines back (or removes an appended key) when the value is still
 * the one the stack wrote. Returns the new text and, when something was left alone, why.
 */
export function restoreKey(
  text: string,
  key: string,
  cond: KeyCondition,
  prior: PriorValue,
): { text: string; changed: boolean; note?: string } {
  const at = locate(text, key);
  if (!at) return { text, changed: false };
  let lines = splitLines(text);
  const dropKey = (): string => {
    const above = lines[at.start - 1];
    const start =
      above && above.text.startsWith("# Added by the mosip-crvs stack ") ? at.start - 1 : at.start;
    const rest = [...lines.slice(0, start), ...lines.slice(at.end + 1)];
    if (prior.addedEol && at.end === lines.length - 1 && rest.length > 0)
      rest[rest.length - 1]!.eol = "";
    return joinLines(rest);
  };
  if ("equals" in cond) {
    if (at.value !== cond.equals)
      return {
        text,
        changed: false,
        note: `${key} was changed by someone else since; left as it is`,
      };
    if (!prior.present) return { text: dropKey(), changed: true };
    if (prior.value === at.value) return { text, changed: false };
    return {
      text: joinLines(
        replaceNode(lines, at, prior.lines ?? [`${at.prefix}${writeValue(prior.value ?? "")}`]),
      ),
      changed: true,
    };
  }
  const before = listOf(prior.value);
  const have = listOf(at.value);
  const remove = cond.contains.filter(
    (v, i, a) => !before.includes(v) && have.includes(v) && a.indexOf(v) === i,
  );
  if (remove.length === 0) return { text, changed: false };
  if (!prior.present && have.every((v) => remove.includes(v)) && !placeholder(at.value))
    return { text: dropKey(), changed: true };
  lines = removeEntries(lines, at, remove);
  return { text: joinLines(lines), changed: true };
}
