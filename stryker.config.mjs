import os from "node:os";
import path from "node:path";

/**
 * Mutation testing of the security rules (`npm run test:mutation`; not part of `npm test`).
 * Stryker breaks one rule at a time in the files below and runs the Vitest tests that cover it:
 * a mutant that survives is a rule no test guards. Reports go to reports/mutation/.
 *
 * Two scopes. The default, "rules", takes the modules that hold the security rules themselves
 * and runs in 20 to 25 minutes on 2 cores. MUTATION_SCOPE=all takes the whole of lib/auth and
 * lib/channels: their database and password-hashing tests make each mutant cost tens of
 * seconds there, so it takes hours on 2 cores, and leaves out the mutants that act only at
 * module load (see ignoreStatic below).
 */
const RULES = {
  mutate: [
    "lib/auth/roles.ts",
    "lib/auth/api-keys.ts",
    "lib/channels/secret-sealing.ts",
    "lib/channels/legacy-secret-reseal.ts",
    "lib/channels/host.ts",
    "lib/channels/port-policy.ts",
    "lib/contacts/phone.ts",
    "lib/sender/jsms/callback.ts",
  ],
  // Constants are rules too (the role order, the phone patterns): keep the mutants that act at
  // module load, affordable here since these modules' tests are few and quick.
  ignoreStatic: false,
};

const ALL = {
  mutate: ["lib/auth/**/*.ts", "lib/channels/**/*.ts", "lib/contacts/phone.ts", "lib/sender/jsms/callback.ts", "!**/*.test.ts"],
  // Measured on this scope: static mutants are a fifth of the mutants but 86% of the time, since
  // each needs every test of its file run again in a fresh process.
  ignoreStatic: true,
};

const scope = process.env.MUTATION_SCOPE === "all" ? ALL : RULES;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  vitest: {
    // vitest.config.mts with only the mutated modules' own tests (MUTATION_SCOPE chooses them too).
    configFile: "vitest.mutation.config.mts",
    // Only the test files that import the mutated file (directly or not) are run.
    related: true,
    // As in vitest.config.mts: the database tests run PGlite (WASM) in child processes.
    pool: "forks",
  },
  ...scope,
  coverageAnalysis: "perTest",
  // The sandboxes live outside the working tree, so `tsc`, `eslint .` and `next` never see
  // instrumented copies of the code while a run is going on.
  tempDirName: path.join(os.tmpdir(), "sms-console-stryker"),
  ignorePatterns: ["data", "e2e", "test-results", "playwright-report", "reports", ".next"],
  // Later runs test only the mutants whose code or tests changed (reports/stryker-incremental.json).
  incremental: true,
  concurrency: Math.max(1, Math.min(4, os.availableParallelism())),
  // A database test file takes a few seconds to start; a mutant must be well past that to time out.
  timeoutMS: 15_000,
  dryRunTimeoutMinutes: 20,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 80, low: 60, break: null },
};

export default config;
