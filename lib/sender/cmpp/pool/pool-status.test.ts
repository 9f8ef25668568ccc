/**
 * What the pool tells a dashboard about its connections: up or not, since when, why it went
 * down, and how full each window is.
 */
import { afterEach, describe, expect, it } from "vitest";
import { channel, closeSimulators, simulator, sleep, waitFor } from "../testing/fixtures";
import { closeHarnessPools, startPool } from "../testing/pool-harness";

afterEach(async () => {
  await closeHarnessPools();
  await closeSimulators();
});

describe("CMPP pool status", () => {
  it("says since when each connection is logged in, and since when it is down and why", async () => {
    const sim = await simulator();
    const started = Date.now();
    const { pool } = startPool(channel(sim.port, { connections: 2 }), { window: 8, reconnectBaseMs: 60_000, reconnectMaxMs: 60_000 });
    await waitFor(() => pool.status().ready === 2, "two connections");
    const up = pool.status().connections;
    expect(up.map((c) => [c.state, c.windowSize, c.inFlight, c.lastError])).toEqual([
      ["ready", 8, 0, null],
      ["ready", 8, 0, null],
    ]);
    for (const c of up) expect(c.since.getTime()).toBeGreaterThanOrEqual(started);

    await sleep(20);
    pool.dropConnection(1, "cable pulled");
    await waitFor(() => pool.status().connections[1]!.state === "waiting", "the dropped connection to wait");
    const [kept, dropped] = pool.status().connections;
    expect(kept!.since).toEqual(up[0]!.since);
    expect(dropped!.since.getTime()).toBeGreaterThan(up[1]!.since.getTime());
    expect(dropped!.lastError).toMatch(/cable pulled/);
  });
});
