// npm 11's `npm ci` refuses a lock missing an entry for any optional dependency a package names,
// and the registry here does not serve other platforms' builds (e.g. rollup for android), so a lock
// regenerated here loses them. scripts/complete-lockfile.mjs restores them; this keeps it honest.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const lock = JSON.parse(readFileSync(join(__dirname, "../../package-lock.json"), "utf8")) as {
  packages: Record<string, { optionalDependencies?: Record<string, string> }>;
};

describe("package-lock.json", () => {
  it("has an entry for every optional dependency (run `node scripts/complete-lockfile.mjs` after npm install)", async () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (
          !lock.packages[`node_modules/${name}`] &&
          !lock.packages[`${path}/node_modules/${name}`]
        ) {
          missing.push(`${name} (of ${path || "the project"})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("complete-lockfile adds platform entries with os, cpu and libc", async () => {
    const { completeLockfile } = (await import("../../scripts/complete-lockfile.mjs")) as {
      completeLockfile: (l: unknown) => string[];
    };
    const l = {
      packages: {
        "node_modules/rollup": {
          dev: true,
          optionalDependencies: {
            "@rollup/rollup-linux-arm64-musl": "4.1.0",
            "@rollup/rollup-win32-x64-msvc": "4.1.0",
          },
        },
      } as Record<string, Record<string, unknown>>,
    };
    expect(completeLockfile(l)).toHaveLength(2);
    expect(l.packages["node_modules/@rollup/rollup-linux-arm64-musl"]).toEqual({
      version: "4.1.0",
      dev: true,
      optional: true,
      os: ["linux"],
      cpu: ["arm64"],
      libc: ["musl"],
    });
    expect(l.packages["node_modules/@rollup/rollup-win32-x64-msvc"]).toMatchObject({
      os: ["win32"],
      cpu: ["x64"],
    });
  });
});
