import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Provider-host tests spawn child Node processes and real servers; give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Builds the bundled MOSIP providers package that serialized providers require.
    globalSetup: ["test/provider-host/global-setup.ts"],
    // Imports its JSON schema without an import attribute, which Node 20 refuses; let Vite load it.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
