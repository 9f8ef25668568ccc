import { defineConfig, devices } from "@playwright/test";
import fs from "node:fs";
import { CMPP_SIMULATOR, SANDBOX_APP, SANDBOX_URL } from "./e2e/fixtures";

/**
 * End-to-end tests against a production build in Debian's Chromium (no browser is downloaded).
 * e2e/server.mjs builds when needed and starts the console on a fresh, empty data directory,
 * so every run begins at first-run setup.
 */
const port = Number(process.env.E2E_PORT ?? 3210);
const sandboxPort = Number(new URL(SANDBOX_URL).port);
const cmppPort = Number(process.env.E2E_CMPP_SIMULATOR_PORT ?? 3212);

const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    locale: "en-US",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: chromium,
          args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        },
      },
    },
  ],
  webServer: [
    {
      // The console's JSMS traffic goes to the project's own sandbox, never to Jiguang.
      command: `node node_modules/tsx/dist/cli.mjs lib/sender/jsms/sandbox/cli.ts --port ${sandboxPort} --app ${SANDBOX_APP.appKey}:${SANDBOX_APP.masterSecret} --quiet`,
      url: `http://127.0.0.1:${sandboxPort}/__sandbox/stats`,
      timeout: 60_000,
      reuseExistingServer: false,
    },
    {
      // A CMPP gateway of the project's own, for "test connection" on CMPP channels.
      command: `node node_modules/tsx/dist/cli.mjs lib/sender/cmpp/simulator/cli.ts --port ${cmppPort} --account ${CMPP_SIMULATOR.account} --password ${CMPP_SIMULATOR.password} --report-delay 200 --report-by-suffix ${CMPP_SIMULATOR.failingSuffix}=UNDELIV`,
      port: cmppPort,
      timeout: 60_000,
      reuseExistingServer: false,
    },
    {
      command: `node e2e/server.mjs`,
      url: `http://127.0.0.1:${port}/api/health`,
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: { E2E_PORT: String(port), JSMS_BASE_URL: `http://127.0.0.1:${sandboxPort}` },
    },
  ],
});
