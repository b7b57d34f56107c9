// Vitest globalSetup: builds node_modules/@mosip-crvs/mosip-providers (scripts/build-providers.mjs)
// once before any test file runs, when it is missing or older than components/mosip. Serialized
// MOSIP providers `require` it in the provider host; components/mosip/provider-ref.ts would build
// it too, but test files run in parallel and each would pay for the check.
//
// A failed build (a syntax error in a file someone is editing) is reported, not thrown: tests that
// do not touch the MOSIP providers still run, and those that do fail with the build's message from
// provider-ref.ts.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export default function setup(): void {
  const root = path.resolve(__dirname, "../..");
  const script = path.join(root, "scripts/build-providers.mjs");
  const r = spawnSync(process.execPath, [script, "--if-stale"], { cwd: root, encoding: "utf8" });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.status !== 0)
    process.stderr.write(
      `warning: building @mosip-crvs/mosip-providers failed; MOSIP provider tests will fail:\n${r.stderr || String(r.error)}\n`,
    );
}
