import { readFileSync } from "node:fs";
import * as path from "node:path";
import { getProperties } from "properties-file";
import { describe, expect, test } from "vitest";
import {
  applyEdits,
  holds,
  listOf,
  placeholder,
  restoreKey,
  valueOf,
  writeValue,
  type KeyCondition,
} from "../../components/mosip/properties-edit";

const AUD = "auth.server.admin.allowed.audience";
const STACK = "dev";
const COMMENT = `# Added by the mosip-crvs stack "dev" (Pulumi); removed when the stack no longer manages it`;

describe("applyEdits", () => {
  test.each<[string, string, Record<string, KeyCondition>, string]>([
    [
      "appends to a list, other entries and order kept",
      `# c\n${AUD}=mosip-regproc-client,mosip-admin-client\nother=1\n`,
      { [AUD]: { contains: ["crvs1"] } },
      `# c\n${AUD}=mosip-regproc-client,mosip-admin-client,crvs1\nother=1\n`,
    ],
    [
      "several values, duplicates and present ones skipped",
      `${AUD}=a,b\n`,
      { [AUD]: { contains: ["b", "c", "d", "c"] } },
      `${AUD}=a,b,c,d\n`,
    ],
    [
      "an empty value gains no leading comma",
      `${AUD}=\n`,
      { [AUD]: { contains: ["c"] } },
      `${AUD}=c\n`,
    ],
    [
      "separator spacing, CRLF and escapes of other lines kept",
      `a = x\\/y\r\n${AUD} : a, b\r\nz\\:k=\\u00e9\r\n`,
      { [AUD]: { contains: ["c"] } },
      `a = x\\/y\r\n${AUD} : a, b,c\r\nz\\:k=\\u00e9\r\n`,
    ],
    [
      "a continued value gains the entry on its last physical line",
      `${AUD}=a,\\\n    b,\\\n    c\nnext=1\n`,
      { [AUD]: { contains: ["d"] } },
      `${AUD}=a,\\\n    b,\\\n    c,d\nnext=1\n`,
    ],
    [
      "merges into the default part of MOSIP's override placeholder",
      `${AUD}=\${${AUD}.kernel.override:a,b}\n`,
      { [AUD]: { contains: ["c"] } },
      `${AUD}=\${${AUD}.kernel.override:a,b,c}\n`,
    ],
    [
      "equals replaces the value on its line only",
      `# x\nmosip.role.commons-packet.putcreatepacket = REGISTRATION_PROCESSOR\ny=2\n`,
      {
        "mosip.role.commons-packet.putcreatepacket": {
          equals: "REGISTRATION_PROCESSOR,ONLINE_REGISTRATION_CLIENT",
        },
      },
      `# x\nmosip.role.commons-packet.putcreatepacket = REGISTRATION_PROCESSOR,ONLINE_REGISTRATION_CLIENT\ny=2\n`,
    ],
    [
      "the last of duplicate keys (the effective one) is edited",
      `${AUD}=a\n${AUD}=b\n`,
      { [AUD]: { contains: ["c"] } },
      `${AUD}=a\n${AUD}=b,c\n`,
    ],
    [
      "an absent key is appended under a comment naming the stack",
      `a=1\n`,
      { [AUD]: { contains: ["x", "y"] } },
      `a=1\n${COMMENT}\n${AUD}=x,y\n`,
    ],
    [
      "an absent key in a file without a final line break",
      `a=1`,
      { "k.v": { equals: "p:q =r\\s" } },
      `a=1\n${COMMENT}\nk.v=p:q =r\\\\s`,
    ],
  ])("%s", (_what, before, keys, after) => {
    const r = applyEdits(before, keys, STACK);
    expect(r.text).toBe(after);
    expect(r.changed).toEqual(Object.keys(keys));
    // What Java would read equals what was asked for.
    const parsed = getProperties(r.text);
    for (const [k, c] of Object.entries(keys)) expect(holds(parsed[k], c)).toBe(true);
    // A second application changes nothing.
    const again = applyEdits(r.text, keys, STACK, r.prior);
    expect(again.text).toBe(after);
    expect(again.changed).toEqual([]);
  });

  test("records prior values, and keeps earlier ones", () => {
    const r = applyEdits(`${AUD}=a\n`, { [AUD]: { contains: ["b"] }, n: { equals: "1" } }, STACK);
    expect(r.prior).toEqual({
      [AUD]: { present: true, value: "a", lines: [`${AUD}=a`] },
      n: { present: false },
    });
    const again = applyEdits(r.text, { [AUD]: { contains: ["b", "c"] } }, STACK, r.prior);
    expect(again.prior[AUD]).toEqual(r.prior[AUD]);
  });
});

describe("restoreKey", () => {
  // Each case: apply, then restore every key; the file must come back byte for byte.
  test.each<[string, string, Record<string, KeyCondition>]>([
    ["a list entry", `# c\n${AUD}=a,b\nz=1\n`, { [AUD]: { contains: ["c", "d"] } }],
    ["a placeholder's default", `${AUD}=\${x.override:a}\n`, { [AUD]: { contains: ["c"] } }],
    ["a continued value", `${AUD}=a,\\\n  b\r\nq=1\r\n`, { [AUD]: { contains: ["c"] } }],
    ["an equals", `k = v\\/w\n  # indented\n`, { k: { equals: "other" } }],
    ["an appended key", `a=1\n`, { n: { contains: ["x"] }, m: { equals: "y" } }],
    ["an appended key, no final line break", `a=1`, { n: { equals: "y" } }],
    ["an appended key in an empty file", ``, { n: { equals: "y" } }],
  ])("%s comes back byte for byte", (_what, before, keys) => {
    const applied = applyEdits(before, keys, STACK);
    expect(applied.text).not.toBe(before);
    let text = applied.text;
    for (const [k, c] of Object.entries(keys)) {
      const r = restoreKey(text, k, c, applied.prior[k]!);
      expect(r.changed).toBe(true);
      text = r.text;
    }
    expect(text).toBe(before);
  });

  test("removes only what the stack added, after entries added by others", () => {
    const applied = applyEdits(`${AUD}=a,b\n`, { [AUD]: { contains: ["b", "c"] } }, STACK);
    const byHand = applied.text.replace("a,b,c", "a,b,c,e");
    const r = restoreKey(byHand, AUD, { contains: ["b", "c"] }, applied.prior[AUD]!);
    expect(r.text).toBe(`${AUD}=a,b,e\n`);
  });

  test("an entry moved by hand into the middle is still removed, the rest as written", () => {
    const prior = { present: true, value: "a, b", lines: [`${AUD}=a, b`] };
    const r = restoreKey(`${AUD}=a, c, b\n`, AUD, { contains: ["c"] }, prior);
    expect(r.text).toBe(`${AUD}=a, b\n`);
  });

  test("an equals changed by someone else since is left alone, with a note", () => {
    const applied = applyEdits(`k=1\n`, { k: { equals: "2" } }, STACK);
    const r = restoreKey(`k=3\n`, "k", { equals: "2" }, applied.prior.k!);
    expect(r).toEqual({
      text: `k=3\n`,
      changed: false,
      note: "k was changed by someone else since; left as it is",
    });
  });

  test("an appended key that others added entries to is kept, without the stack's entries", () => {
    const applied = applyEdits(`a=1\n`, { n: { contains: ["x"] } }, STACK);
    const r = restoreKey(
      applied.text.replace("n=x", "n=x,y"),
      "n",
      { contains: ["x"] },
      {
        present: false,
      },
    );
    expect(r.text).toBe(`a=1\n${COMMENT}\nn=y\n`);
  });

  test("a key gone from the file is nothing to restore", () => {
    expect(restoreKey(`a=1\n`, "k", { equals: "1" }, { present: true, value: "0" })).toEqual({
      text: `a=1\n`,
      changed: false,
    });
  });
});

describe("helpers", () => {
  test.each<[string, { name: string; fallback: string } | undefined]>([
    ["${a.override:x,y}", { name: "a.override", fallback: "x,y" }],
    ["${a.override:http://h:1/p}", { name: "a.override", fallback: "http://h:1/p" }],
    ["${a.override}", undefined],
    ["x,${a:b}", undefined],
    ["${a:${b:c}}", undefined],
  ])("placeholder(%s)", (v, want) => {
    expect(placeholder(v)).toEqual(want);
  });

  test.each<[string | undefined, string[]]>([
    [undefined, []],
    ["", []],
    [" a , b,,c ", ["a", "b", "c"]],
    ["${k:a,b}", ["a", "b"]],
  ])("listOf(%j)", (v, want) => {
    expect(listOf(v)).toEqual(want);
  });

  test.each<[string, string]>([
    ["plain", "plain"],
    ["a:b=c", "a:b=c"],
    [" lead", "\\ lead"],
    ["back\\slash", "back\\\\slash"],
    ["line\nbreak", "line\\nbreak"],
  ])("writeValue(%j)", (v, want) => {
    expect(writeValue(v)).toBe(want);
    expect(getProperties(`k=${want}`).k).toBe(v);
  });

  test("valueOf reads the effective value, unescaped", () => {
    expect(valueOf(`k=a\\/b\nk=c\\/d\n`, "k")).toBe("c/d");
    expect(valueOf(`k=a\n`, "x")).toBeUndefined();
  });

  test("the sandbox's real files: merging into every audience list keeps all other lines", () => {
    const dir = path.resolve(__dirname, "../sandbox/config-repo");
    for (const file of [
      "packet-manager-default.properties",
      "registration-processor-default.properties",
      "kernel-default.properties",
    ]) {
      const before = readFileSync(path.join(dir, file), "utf8");
      const r = applyEdits(before, { [AUD]: { contains: ["mosip-crvs1-client"] } }, STACK);
      const a = before.split("\n");
      const b = r.text.split("\n");
      expect(b.length, file).toBe(a.length);
      const differing = a.map((l, i) => (l === b[i] ? -1 : i)).filter((i) => i >= 0);
      expect(differing, file).toHaveLength(1);
      expect(listOf(getProperties(r.text)[AUD])).toEqual([
        ...listOf(getProperties(before)[AUD]),
        "mosip-crvs1-client",
      ]);
      expect(
        restoreKey(r.text, AUD, { contains: ["mosip-crvs1-client"] }, r.prior[AUD]!).text,
      ).toBe(before);
    }
  });
});
