/**
 * A status report is acknowledged (DELIVER_RESP) only once the caller has kept it, when onReceipt
 * returns a promise: a gateway never resends an acknowledged DELIVER, so a report acknowledged
 * before it was stored is lost to a crash in between. Unacknowledged when its connection ends,
 * the gateway sends it again on the next connection.
 */
import { afterEach, describe, expect, it } from "vitest";
import { channel, closeSimulators, mobile, simulator, sleep, waitFor } from "../testing/fixtures";
import { closeHarnessPools, startPool } from "../testing/pool-harness";
import type { CmppReceipt } from "./pool-types";

afterEach(async () => {
  await closeHarnessPools();
  await closeSimulators();
});

describe("acknowledging status reports", () => {
  it("answers a report's DELIVER only when onReceipt's promise resolves", async () => {
    const sim = await simulator({});
    let keep: () => void = () => {};
    const kept = new Promise<void>((resolve) => (keep = resolve));
    const received: CmppReceipt[] = [];
    const { pool } = startPool(channel(sim.port), { onReceipt: (r) => (received.push(r), kept) });
    await pool.submit({ dest: mobile(1), text: "held", ref: "h" });
    await waitFor(() => received.length === 1, "the receipt");
    await sleep(200);
    expect(sim.stats.reportsAcknowledged).toBe(0);
    keep();
    await waitFor(() => sim.stats.reportsAcknowledged === 1, "the acknowledgement");
  });

  it("leaves a report not yet kept with the gateway, which sends it again on the next connection", async () => {
    const sim = await simulator({});
    const first: CmppReceipt[] = [];
    const never = new Promise<void>(() => {});
    const one = startPool(channel(sim.port), { onReceipt: (r) => (first.push(r), never) });
    await one.pool.submit({ dest: mobile(2), text: "crash", ref: "c" });
    await waitFor(() => first.length === 1, "the receipt");
    // The process stops before the receipt is stored: its connection ends without the answer.
    await one.pool.close();
    await waitFor(() => sim.connectionCount() === 0, "the connection to end");
    expect(sim.stats.reportsAcknowledged).toBe(0);
    const second: CmppReceipt[] = [];
    // A new pool has no record of the SUBMIT: the report is held for its answer, then handed on unmatched.
    startPool(channel(sim.port), { receiptHoldMs: 100, onReceipt: (r) => void second.push(r) });
    await waitFor(() => second.length === 1, "the report again");
    expect(second[0]).toMatchObject({ dest: mobile(2), stat: "DELIVRD", msgId: first[0]!.msgId, matched: false });
    await waitFor(() => sim.stats.reportsAcknowledged === 1, "its acknowledgement");
  });

  it("with holdUnmatchedReports off, hands on a report that came before its SUBMIT_RESP at once and answers it once kept", async () => {
    const sim = await simulator({ faults: { reportBeforeResponse: true } });
    let keep: () => void = () => {};
    const kept = new Promise<void>((resolve) => (keep = resolve));
    const received: CmppReceipt[] = [];
    const { pool } = startPool(channel(sim.port), { holdUnmatchedReports: false, onReceipt: (r) => (received.push(r), kept) });
    const result = await pool.submit({ dest: mobile(4), text: "early", ref: "e" });
    await waitFor(() => received.length === 1, "the receipt");
    // Not held in memory (acknowledged, a crash before its SUBMIT_RESP came would lose it): the
    // caller matches it by the provider's id.
    expect(received[0]).toMatchObject({ matched: false, msgId: result.msgIds[0], dest: mobile(4), stat: "DELIVRD" });
    await sleep(200);
    expect(sim.stats.reportsAcknowledged).toBe(0);
    keep();
    await waitFor(() => sim.stats.reportsAcknowledged === 1, "the acknowledgement");
  });

  it("holding reports it cannot match yet (the default), answers them at once, so a backlog of another process's reports keeps flowing", async () => {
    const sim = await simulator({});
    const first: CmppReceipt[] = [];
    const never = new Promise<void>(() => {});
    const one = startPool(channel(sim.port), { onReceipt: (r) => (first.push(r), never) });
    for (let i = 0; i < 40; i++) await one.pool.submit({ dest: mobile(100 + i), text: "backlog", ref: `b${i}` });
    // The gateway stops at 16 unanswered DELIVERs a connection; the rest wait with it.
    await waitFor(() => first.length >= 16, "the first receipts");
    await sleep(300);
    await one.pool.close();
    await waitFor(() => sim.connectionCount() === 0, "the connection to end");
    // 40 reports unanswered, more than the gateway's 16 unanswered DELIVERs per connection.
    const second: CmppReceipt[] = [];
    startPool(channel(sim.port, { connections: 1 }), { receiptHoldMs: 60_000, onReceipt: (r) => void second.push(r) });
    await waitFor(() => sim.stats.reportsAcknowledged === 40, "every report acknowledged while held");
    expect(second).toEqual([]);
  });

  it("answers at once when onReceipt returns nothing", async () => {
    const sim = await simulator({});
    const { pool, receipts } = startPool(channel(sim.port));
    await pool.submit({ dest: mobile(3), text: "now", ref: "n" });
    await waitFor(() => receipts.length === 1 && sim.stats.reportsAcknowledged === 1, "receipt and acknowledgement");
  });
});
