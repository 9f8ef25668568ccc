import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuild } from "./harness/console-process";
import { crashFigureLine, runCrash } from "./harness/crash-run";
import { createDeployment, type Deployment } from "./harness/deployment";
import { FIXED_PORTS } from "./testing/fixed-ports";

/**
 * The crash run of crash.faults.test.ts on the embedded database (PGlite in DATA_DIR), in a file of
 * its own to keep each faults file within a few minutes. The console killed with SIGKILL in the
 * middle of a CMPP send, then started again on the same DATA_DIR, with the same checks. See
 * lib/reliability/README.md.
 */
const CONNECTIONS = 4;
const TIMEOUT_MS = 4 * 60_000;

describe("the console on the embedded database killed mid-send", () => {
  let deployment: Deployment | null = null;
  beforeAll(async () => {
    await ensureConsoleBuild();
  });
  afterEach(async () => {
    await deployment?.destroy();
    deployment = null;
  });

  it("embedded database: the web process killed and restarted on the same DATA_DIR", async () => {
    deployment = await createDeployment({ kind: "pglite", name: "crash-pglite" });
    const figures = await runCrash({ deployment, victim: "web", messages: 50_000, connections: CONNECTIONS, port: FIXED_PORTS.crashEmbedded, block: 42, timeoutMs: TIMEOUT_MS });
    console.log(crashFigureLine("embedded web", figures));
    expect(figures.inFlightAtKill).toBeGreaterThan(0);
  });
});
