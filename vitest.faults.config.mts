import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

/**
 * The long reliability runs (npm run test:faults): processes killed mid-send, gateways and
 * databases failing under load, several web and worker processes on one PostgreSQL. One file at a
 * time: each starts servers, simulators and workers of its own and measures what they do, which a
 * second file beside it on two cores would only make noisier.
 */
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.faults.test.ts", "app/**/*.faults.test.ts", "scripts/**/*.faults.test.ts"],
    environment: "node",
    testTimeout: 15 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
