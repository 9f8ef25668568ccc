/**
 * Status reports and DELIVERs the way real gateways send them, against the simulator over
 * loopback: one Msg_Id for every number, undecodable frames, another connection, ACCEPTD first,
 * and reports kept while the account had no connection.
 */
import { afterEach, describe, expect, it } from "vitest";
import { channel, closeSimulators, mobile, simulator, sleep, waitFor } from "../testing/fixtures";
import { closeHarnessPools, startPool } from "../testing/pool-harness";

afterEach(async () => {
  await closeHarnessPools();
  await closeSimulators();
});

describe("status reports", () => {
  it("keeps every number's report when the gateway reports all numbers under one Msg_Id", async () => {
    const sim = await simulator({ faults: { oneMsgIdPerSubmit: true, duplicateReports: true } });
    const { pool, receipts } = startPool(channel(sim.port));
    const dests = [mobile(1), mobile(2), mobile(3)];
    const result = await pool.submit({ dest: dests, text: "group", ref: "g" });
    await waitFor(() => sim.stats.reportsAcknowledged === 6, "both copies of three reports");
    expect(receipts).toHaveLength(3);
    expect(pool.status().counters.duplicateReceipts).toBe(3);
    const base = result.destinations[0].msgIds[0];
    for (const [i, dest] of dests.entries()) {
      const receipt = receipts.find((r) => r.dest === dest);
      // The id the submit result gave this number, and the one the gateway actually used.
      expect(receipt).toMatchObject({ matched: true, ref: "g", msgId: result.destinations[i].msgIds[0], stat: "DELIVRD" });
      expect(receipt?.reportedMsgId).toBe(i === 0 ? undefined : base);
    }
  });

  it("matches one-Msg_Id reports to their numbers when they come before the SUBMIT_RESP", async () => {
    const sim = await simulator({ faults: { oneMsgIdPerSubmit: true, reportBeforeResponse: true } });
    const { pool, receipts } = startPool(channel(sim.port));
    const result = await pool.submit({ dest: [mobile(4), mobile(5)], text: "early", ref: "e" });
    await waitFor(() => receipts.length === 2, "two receipts");
    const [firstNumber, secondNumber] = result.destinations;
    expect(receipts.find((r) => r.dest === firstNumber.dest)).toMatchObject({ matched: true, msgId: firstNumber.msgIds[0], ref: "e" });
    expect(receipts.find((r) => r.dest === secondNumber.dest)).toMatchObject({
      matched: true,
      msgId: secondNumber.msgIds[0],
      reportedMsgId: firstNumber.msgIds[0],
      ref: "e",
    });
  });

  it("matches reports that come on another connection than their SUBMIT", async () => {
    const sim = await simulator({ faults: { reportsOnOtherConnection: true } });
    const { pool, receipts } = startPool(channel(sim.port, { connections: 2 }));
    await waitFor(() => pool.status().ready === 2, "two connections");
    const refs = new Map(Array.from({ length: 20 }, (_, i) => [mobile(i), `r${i}`]));
    await Promise.all([...refs].map(([dest, ref]) => pool.submit({ dest, text: `to ${ref}`, ref })));
    await waitFor(() => receipts.length === 20, "twenty receipts");
    expect(receipts.every((r) => r.matched && r.ref === refs.get(r.dest))).toBe(true);
  });

  it("hands on ACCEPTD as not final, then the final report", async () => {
    const sim = await simulator({ faults: { acceptdFirst: true }, reports: { delayMs: 100 } });
    const { pool, receipts } = startPool(channel(sim.port));
    const result = await pool.submit({ dest: mobile(1), text: "step by step", ref: "a" });
    await waitFor(() => receipts.length === 2, "two reports");
    expect(receipts.map((r) => [r.stat, r.final, r.msgId, r.matched])).toEqual([
      ["ACCEPTD", false, result.msgIds[0], true],
      ["DELIVRD", true, result.msgIds[0], true],
    ]);
  });

  it("receives reports the gateway kept while the account had no connection", async () => {
    const sim = await simulator({ reports: { delayMs: 300 } });
    const first = startPool(channel(sim.port));
    const result = await first.pool.submit({ dest: mobile(1), text: "kept", ref: "k" });
    await first.pool.close(); // before the report is due
    await waitFor(() => sim.connectionCount() === 0, "no connection");
    await sleep(350);
    expect(sim.stats.reportsSent).toBe(0);
    // Another worker of the same channel logs in and gets it (unmatched: it did not submit it,
    // so handed on once the short wait for a SUBMIT_RESP is over).
    const second = startPool(channel(sim.port), { receiptHoldMs: 50 });
    await waitFor(() => second.receipts.length === 1, "the kept report");
    expect(second.receipts[0]).toMatchObject({ msgId: result.msgIds[0], matched: false, dest: mobile(1), stat: "DELIVRD" });
    expect(first.receipts).toEqual([]);
  });
});

describe("undecodable DELIVERs", () => {
  it("are answered with DELIVER_RESP Result 1 and the link stays up", async () => {
    const sim = await simulator({ faults: { malformedDelivers: 1 } });
    const { pool, receipts } = startPool(channel(sim.port));
    await pool.submit({ dest: mobile(1), text: "broken report" });
    await pool.submit({ dest: mobile(2), text: "good report" });
    await waitFor(() => sim.stats.deliverResults[1] === 1 && sim.stats.deliverResults[0] === 1, "one refused, one acknowledged");
    await waitFor(() => receipts.length === 1, "the good report");
    expect(sim.stats.deliverResults).toEqual({ 0: 1, 1: 1 });
    expect(receipts[0].dest).toBe(mobile(2));
    expect(pool.status().counters.undecodableDelivers).toBe(1);
    expect(sim.stats.connectionsAccepted).toBe(1);
  });
});
