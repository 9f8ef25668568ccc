import { defineConfig } from "vitest/config";
import base from "./vitest.config.mts";

/**
 * The tests a mutation run (stryker.config.mjs) uses: each mutated module's own tests, not every
 * test that happens to pass through it (the import tests run phone.ts on thousands of rows and
 * would make every phone.ts mutant cost minutes). Chosen here rather than with Stryker's
 * `testFiles`, which in StrykerJS 10.1 leaves the mutants acting at module load inactive, so
 * they are reported as survived whatever the tests do.
 */
const RULES = [
  "lib/auth/roles.test.ts",
  "lib/auth/api-keys.test.ts",
  "lib/api/handler.test.ts",
  "lib/channels/*.test.ts",
  "lib/contacts/phone.test.ts",
  "lib/sender/jsms/callback.test.ts",
];

const ALL = [
  "lib/auth/**/*.test.ts",
  "lib/api/handler.test.ts",
  "lib/channels/**/*.test.ts",
  "lib/contacts/phone.test.ts",
  "lib/sender/jsms/callback.test.ts",
];

export default defineConfig({
  ...base,
  test: { ...base.test, include: process.env.MUTATION_SCOPE === "all" ? ALL : RULES },
});
