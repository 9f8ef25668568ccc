import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuild } from "./harness/console-process";
import { crashFigureLine, runCrash } from "./harness/crash-run";
import { createDeployment, type Deployment } from "./harness/deployment";
import { FIXED_PORTS } from "./testing/fixed-ports";

/**
 * The console killed with SIGKILL in the middle of a CMPP send, then started again on the same
 * database: no message lost, none left half-way, nothing the console had recorded as submitted
 * sent again, every copy the gateway got twice marked uncertain, every report applied (those the
 * gateway kept while the process was dead too). Real processes (the production build and
 * `npm run worker`), the gateway simulator in this process. See lib/reliability/README.md.
 */
const serverUrl = process.env.DATABASE_URL;
const CONNECTIONS = 4;
const TIMEOUT_MS = 4 * 60_000;

describe("a console process killed mid-send", () => {
  let deployment: Deployment | null = null;
  beforeAll(async () => {
    await ensureConsoleBuild();
  });
  afterEach(async () => {
    await deployment?.destroy();
    deployment = null;
  });

  it.skipIf(!serverUrl)("PostgreSQL: the web process killed at a third of 50,000 and restarted", async () => {
    deployment = await createDeployment({ kind: "postgres", serverUrl, name: "crash-web" });
    const figures = await runCrash({ deployment, victim: "web", messages: 50_000, connections: CONNECTIONS, port: FIXED_PORTS.crashWeb, block: 41, timeoutMs: TIMEOUT_MS });
    console.log(crashFigureLine("postgres web", figures));
    expect(figures.inFlightAtKill).toBeGreaterThan(0);
  });

  it.skipIf(!serverUrl)("PostgreSQL: npm run worker killed beside a live web process (WORKER=off) and restarted", async () => {
    deployment = await createDeployment({ kind: "postgres", serverUrl, name: "crash-worker" });
    const figures = await runCrash({ deployment, victim: "worker", messages: 10_000, connections: CONNECTIONS, port: FIXED_PORTS.crashWorker, block: 43, timeoutMs: TIMEOUT_MS });
    console.log(crashFigureLine("postgres worker", figures));
    expect(figures.inFlightAtKill).toBeGreaterThan(0);
  });
});
