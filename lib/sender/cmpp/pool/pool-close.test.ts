/**
 * close() against the simulator over loopback: every submit settles within closeTimeoutMs,
 * whatever the gateway is doing, and nothing is sent once the close deadline has passed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { performance } from "node:perf_hooks";
import { channel, closeSimulators, mobile, simulator, sleep, waitFor } from "../testing/fixtures";
import { MSG_ID, closeHarnessPools, settle, startPool } from "../testing/pool-harness";

afterEach(async () => {
  await closeHarnessPools();
  await closeSimulators();
});

/** Margin for the close deadline: timers, the sweep and the event loop on a busy machine. */
const SLACK_MS = 250;

describe("closing the pool", () => {
  it("settles every submit by the close timeout on a slow gateway: unanswered → uncertain, queued → closed", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 1_500 }, reports: { enabled: false } });
    const { pool, late } = startPool(channel(sim.port), { window: 8, closeTimeoutMs: 300 });
    await pool.ready();
    const outcomes = Array.from({ length: 30 }, (_, i) => settle(pool.submit({ dest: mobile(i), text: `slow ${i}`, ref: `r${i}` })));
    await waitFor(() => sim.stats.submits === 8, "a full window at the gateway");
    const closeStarted = performance.now();
    const closed = pool.close();
    const results = await Promise.all(outcomes);
    expect(Math.max(...results.map((r) => r.at)) - closeStarted).toBeLessThan(300 + SLACK_MS);

    const uncertain = results.filter((r) => r.error?.failure === "uncertain");
    const never = results.filter((r) => r.error?.failure === "closed");
    expect(uncertain).toHaveLength(8);
    expect(never).toHaveLength(22);
    for (const r of uncertain) expect(r.error).toMatchObject({ outcomeUnknown: true, uncertainCopies: 1, category: "unknown" });
    for (const r of never) expect(r.error).toMatchObject({ outcomeUnknown: false, uncertainCopies: 0 });

    // The connection waits a little for the answers still due and reports them as late.
    await closed;
    expect(late).toHaveLength(8);
    expect(late.every((l) => l.result === 0 && MSG_ID.test(l.msgId))).toBe(true);
    // The first eight written are the ones left unanswered.
    expect(new Set(late.map((l) => l.ref))).toEqual(new Set(Array.from({ length: 8 }, (_, i) => `r${i}`)));
    expect(sim.stats.submits).toBe(8); // nothing was sent after the deadline
    expect(sim.stats.terminatesReceived).toBe(1);
    expect(pool.status().queued).toBe(0);
  });

  it("settles work bounced by flow control (Result 8) while closing, instead of leaving it queued", async () => {
    const sim = await simulator({ faults: { flowControlSubmits: 1_000_000 } });
    const { pool } = startPool(channel(sim.port, { connections: 2 }), { closeTimeoutMs: 300, flowControl: { initialBackoffMs: 20, maxBackoffMs: 50 } });
    await waitFor(() => pool.status().ready === 2, "two connections");
    const outcomes = Array.from({ length: 50 }, (_, i) => settle(pool.submit({ dest: mobile(i), text: `fc ${i}` })));
    await waitFor(() => sim.stats.flowControlled > 10, "flow control");
    const closeStarted = performance.now();
    const closed = pool.close();
    const results = await Promise.all(outcomes);
    expect(Math.max(...results.map((r) => r.at)) - closeStarted).toBeLessThan(300 + SLACK_MS);
    // Result 8 means "not taken": never sent, unless an answer was still on its way at the deadline.
    for (const r of results) expect(["closed", "uncertain"]).toContain(r.error?.failure);
    expect(results.filter((r) => r.error?.failure === "closed").length).toBeGreaterThanOrEqual(40);
    await closed;
    expect(sim.stats.submitsAccepted).toBe(0);
    expect(pool.status().queued).toBe(0);
  });

  it("settles the work of a connection that drops while closing, as uncertain when it was in the window", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 2_000 }, reports: { enabled: false } });
    // The dropped connection would come back only after seconds: its work has nowhere to go.
    const { pool } = startPool(channel(sim.port), { closeTimeoutMs: 300, reconnectBaseMs: 10_000, reconnectMaxMs: 10_000 });
    await pool.ready();
    const outcomes = Array.from({ length: 20 }, (_, i) => settle(pool.submit({ dest: mobile(i), text: `drop ${i}` })));
    await waitFor(() => sim.stats.submits === 16, "a full window at the gateway");
    const closeStarted = performance.now();
    const closed = pool.close();
    await sleep(50);
    pool.dropConnection(0, "network gone");
    const results = await Promise.all(outcomes);
    expect(Math.max(...results.map((r) => r.at)) - closeStarted).toBeLessThan(300 + SLACK_MS);
    expect(results.filter((r) => r.error?.failure === "uncertain")).toHaveLength(16);
    expect(results.filter((r) => r.error?.failure === "closed")).toHaveLength(4);
    await closed;
    expect(pool.status().counters.uncertainCopies).toBe(16);
  });

  it("sends no SUBMIT again once TERMINATE is under way", async () => {
    const sim = await simulator({ faults: { ignoreSubmits: 1_000, ignoreTerminates: true } });
    // Resends are due every 250 ms; the close deadline (50 ms) comes before the first one.
    const { pool } = startPool(channel(sim.port), { requestTimeoutMs: 250, maxTries: 10, closeTimeoutMs: 50, terminateTimeoutMs: 800 });
    await pool.ready();
    const outcomes = [1, 2, 3].map((i) => settle(pool.submit({ dest: mobile(i), text: `t${i}` })));
    await waitFor(() => sim.stats.submits >= 3, "three SUBMITs at the gateway");
    const started = performance.now();
    await pool.close();
    // The connection waited 250 ms for answers and 800 ms for TERMINATE_RESP: four resend periods.
    expect(performance.now() - started).toBeGreaterThanOrEqual(800);
    expect(sim.stats.terminatesReceived).toBe(1);
    expect(sim.stats.submits).toBe(3);
    for (const r of await Promise.all(outcomes)) expect(r.error).toMatchObject({ failure: "uncertain", uncertainCopies: 1 });
  });

  it("is idempotent: a second close() waits for the same shutdown", async () => {
    const sim = await simulator();
    const { pool } = startPool(channel(sim.port));
    await pool.ready();
    await Promise.all([pool.close(), pool.close()]);
    await pool.close();
    expect(sim.stats.terminatesReceived).toBe(1);
  });
});
