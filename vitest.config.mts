import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts"],
    // The long crash, fault and soak runs have their own configs (npm run test:faults, test:soak).
    exclude: ["**/node_modules/**", "**/*.faults.test.ts", "**/*.soak.test.ts"],
    environment: "node",
    // Database tests open PGlite (WASM) instances; a few seconds each on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
