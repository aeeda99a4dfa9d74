import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Native libraries (llama.cpp, better-sqlite3) behave best in forked processes.
    pool: "forks",
    // The machine has 2 cores; model tests are CPU-heavy.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
