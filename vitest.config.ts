import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Provider-host tests spawn child Node processes and real servers; give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
