/**
 * Logging in against the simulator over loopback: the version the gateway answers in, refused
 * logins and their long pause, the CONNECT clock, and DELIVERs that come with the login.
 */
import { afterEach, describe, expect, it } from "vitest";
import { performance } from "node:perf_hooks";
import { channel, closeSimulators, mobile, simulator, sleep, waitFor } from "../testing/fixtures";
import { closeHarnessPools, settle, startPool } from "../testing/pool-harness";
import type { CmppSessionEvent } from "./pool-types";

afterEach(async () => {
  await closeHarnessPools();
  await closeSimulators();
});

function eventsOf<T extends CmppSessionEvent["type"]>(events: CmppSessionEvent[], type: T): Array<Extract<CmppSessionEvent, { type: T }>> {
  return events.filter((e): e is Extract<CmppSessionEvent, { type: T }> => e.type === type);
}

describe("CMPP version", () => {
  it("speaks 2.0 after a 2.0-only gateway answers the 3.0 login with Version 0x20", async () => {
    const sim = await simulator({ version: "2.0", versionTooHigh: "downgrade" });
    const { pool, receipts, events } = startPool(channel(sim.port, { version: "3.0" }));
    const text = "二点零网关长短信".repeat(12);
    const result = await pool.submit({ dest: mobile(1), text, ref: "v2" });
    expect(result.segments).toBeGreaterThan(1);
    expect(sim.stats.texts.get(mobile(1))).toEqual([text]);
    expect(sim.stats.invalidFrames).toBe(0);
    await waitFor(() => receipts.length === result.segments, "a receipt per segment");
    expect(receipts.every((r) => r.ref === "v2" && r.matched)).toBe(true);
    expect(eventsOf(events, "version_downgraded")).toEqual([
      { type: "version_downgraded", connection: 0, version: "2.0", reason: expect.stringMatching(/Version 0x20/) },
    ]);
    expect(pool.status().connections[0].version).toBe("2.0");
    expect(sim.stats.loginStatuses).toEqual({ 0: 1 });
  });

  it("logs in again at once in 2.0 when the gateway answers Status 4 (version too high)", async () => {
    const sim = await simulator({ version: "2.0" });
    // With the ordinary backoff a second login would not come within this test.
    const { pool, events } = startPool(channel(sim.port, { version: "3.0", connections: 2 }), { reconnectBaseMs: 60_000, reconnectMaxMs: 60_000 });
    await waitFor(() => pool.status().ready === 2, "two connections in 2.0", 2_000);
    expect(sim.stats.loginStatuses).toEqual({ 4: 2, 0: 2 });
    expect(eventsOf(events, "ready").map((e) => e.version)).toEqual(["2.0", "2.0"]);
    expect(eventsOf(events, "version_downgraded")).toHaveLength(1);
    expect(eventsOf(events, "version_downgraded")[0].reason).toMatch(/Status 4/);
    const result = await pool.submit({ dest: [mobile(1), mobile(2)], text: "2.0 now" });
    expect(result.destinations.map((d) => d.msgIds.length)).toEqual([1, 1]);
    // Reconnects ask for 2.0 straight away.
    pool.dropConnection(0);
    await waitFor(() => pool.status().connections[0].state === "waiting", "the dropped connection to wait");
    pool.retryLoginNow();
    await waitFor(() => pool.status().ready === 2, "the reconnect");
    expect(sim.stats.loginStatuses).toEqual({ 4: 2, 0: 3 });
  });

  it("treats Status 4 to the 2.0 retry as a refused login", async () => {
    const sim = await simulator({ version: "2.0", faults: { refuseAuth: 4 } });
    const { pool, events } = startPool(channel(sim.port, { version: "3.0" }));
    await waitFor(() => eventsOf(events, "login_refused").length === 1, "the refusal");
    expect(sim.stats.loginStatuses).toEqual({ 4: 2 });
    expect(eventsOf(events, "login_refused")[0]).toMatchObject({ status: 4, reason: expect.stringMatching(/^login refused: version too high/) });
    expect(pool.status().connections[0]).toMatchObject({ state: "refused", version: "2.0" });
  });
});

describe("refused logins", () => {
  it("stops logging in after a refusal, fails work at once, and logs in on retryLoginNow()", async () => {
    const sim = await simulator({ faults: { refuseAuth: 3 } });
    const { pool, events } = startPool(channel(sim.port, { connections: 3 }), { refusedLoginBackoffMs: 60_000, reconnectBaseMs: 20, reconnectMaxMs: 20 });
    await waitFor(() => eventsOf(events, "login_refused").length > 0, "a refusal");
    const refusedAt = Date.now();
    // The ordinary 20 ms reconnect would have tried a dozen times more by now.
    await sleep(300);
    expect(sim.stats.loginsRefused).toBeLessThanOrEqual(3);
    const refused = eventsOf(events, "login_refused")[0];
    expect(refused).toMatchObject({ status: 3, reason: "login refused: authentication failed: wrong password (shared secret) for this account" });
    expect(refused.retryAt.getTime() - refusedAt).toBeGreaterThan(59_000);
    const status = pool.status();
    expect(status.loginRefused).toMatchObject({ status: 3, reason: refused.reason });
    expect(status.connections.map((c) => c.state)).toEqual(["refused", "refused", "refused"]);
    expect(status.connections.every((c) => c.refused?.reason === refused.reason)).toBe(true);

    const started = performance.now();
    const failed = await settle(pool.submit({ dest: mobile(1), text: "now?" }));
    expect(performance.now() - started).toBeLessThan(50);
    expect(failed.error).toMatchObject({ failure: "no_connection", message: expect.stringMatching(/login refused: authentication failed/) });

    // The operator fixed the password at the gateway and asks to try again.
    const refusals = sim.stats.loginsRefused;
    sim.setFaults({ refuseAuth: false });
    pool.retryLoginNow();
    await waitFor(() => pool.status().ready === 3, "every connection logged in");
    expect(sim.stats.loginsRefused).toBe(refusals);
    expect(pool.status().loginRefused).toBeNull();
    expect(pool.status().connections.every((c) => c.refused === null)).toBe(true);
    await expect(pool.submit({ dest: mobile(1), text: "now" })).resolves.toMatchObject({ segments: 1 });
  });

  it("tries again by itself after refusedLoginBackoffMs, one connection first", async () => {
    // Refused three times: both first logins, then the first retry.
    const sim = await simulator({ faults: { refuseAuth: 2, refuseAuthTimes: 3 } });
    const { pool, events } = startPool(channel(sim.port, { connections: 2 }), { refusedLoginBackoffMs: 400 });
    await waitFor(() => sim.stats.loginsRefused === 2, "both first logins refused");
    const refusedAt = performance.now();
    await sleep(600);
    // One connection tried again at 400 ms (and was refused); the other waited.
    expect(sim.stats.loginStatuses).toEqual({ 2: 3 });
    await waitFor(() => pool.status().ready === 2, "both connections logged in", 3_000);
    expect(performance.now() - refusedAt).toBeGreaterThanOrEqual(750);
    expect(sim.stats.loginStatuses).toEqual({ 2: 3, 0: 2 });
    expect(eventsOf(events, "login_refused")[0].reason).toMatch(/^login refused: illegal source address/);
    expect(pool.status().loginRefused).toBeNull();
  });

  it("keeps retrying with the ordinary backoff when the gateway only has too many connections (Status 5)", async () => {
    const sim = await simulator({ maxConnections: 1 });
    const { pool, events } = startPool(channel(sim.port, { connections: 2 }), { reconnectBaseMs: 20, reconnectMaxMs: 40 });
    await waitFor(() => eventsOf(events, "login_failed").length >= 3, "repeated attempts");
    expect(eventsOf(events, "login_refused")).toEqual([]);
    expect(pool.status().loginRefused).toBeNull();
  });
});

describe("the CONNECT timestamp", () => {
  it("is China Standard Time whatever the host's zone, so a UTC+8 gateway accepts it", async () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(new Date(Date.UTC(2024, 0, 1, 12)).getHours()).toBe(7); // the zone did change
      const sim = await simulator(); // checks timestamps against its UTC+8 clock, 10 minutes either way
      const cst = startPool(channel(sim.port));
      await cst.pool.ready(2_000);
      const hostClock = startPool(channel(sim.port), { timestampUtcOffsetMinutes: -300, reconnectBaseMs: 60_000 });
      await waitFor(() => eventsOf(hostClock.events, "login_refused").length === 1, "the refused login");
      expect(sim.stats.loginsRefusedForClock).toBe(1);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("follows timestampUtcOffsetMinutes for a gateway on another clock", async () => {
    const sim = await simulator({ clockUtcOffsetMinutes: 0 });
    const { pool } = startPool(channel(sim.port), { timestampUtcOffsetMinutes: 0 });
    await pool.ready(2_000);
    expect(sim.stats.loginsRefusedForClock).toBe(0);
  });
});

describe("DELIVERs during the login", () => {
  it("keeps reports and replies the gateway sends before its CONNECT_RESP", async () => {
    const sim = await simulator({ faults: { deliverBeforeConnectResp: true } });
    // Waiting for the account at the gateway: sent the moment it logs in, ahead of the login answer.
    sim.sendReply({ from: mobile(5), text: "first" });
    sim.sendReply({ from: mobile(6), text: "second" });
    const { replies } = startPool(channel(sim.port));
    await waitFor(() => replies.length === 2, "both replies");
    expect(replies.map((r) => r.text).sort()).toEqual(["first", "second"]);
    await waitFor(() => (sim.stats.deliverResults[0] ?? 0) === 2, "both acknowledged");
  });
});
