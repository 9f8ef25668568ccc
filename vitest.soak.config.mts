import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

/**
 * The soak (npm run test:soak): sends, callbacks and imports at a steady rate for SOAK_MINUTES
 * (60 by default; CI runs 10 of it through npm run test:faults), then the memory and handle slopes.
 */
const minutes = Number(process.env.SOAK_MINUTES ?? 60);

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.soak.test.ts", "scripts/**/*.soak.test.ts"],
    environment: "node",
    testTimeout: (minutes + 15) * 60_000,
    hookTimeout: 10 * 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
