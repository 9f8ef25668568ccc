/**
 * What a submit says happened, against the simulator over loopback: numbers refused alone, copies
 * whose outcome nobody knows, and SUBMIT_RESPs that come too late.
 */
import { afterEach, describe, expect, it } from "vitest";
import { channel, closeSimulators, mobile, simulator, sleep, waitFor } from "../testing/fixtures";
import { MSG_ID, closeHarnessPools, settle, startPool } from "../testing/pool-harness";

afterEach(async () => {
  await closeHarnessPools();
  await closeSimulators();
});

const BAD_NUMBER = { result: 13, description: "bad Dest_terminal_Id (destination number)", category: "invalid_number" };

describe("Result 13 on a multi-destination SUBMIT", () => {
  it("retries per number and fails only the bad one", async () => {
    const sim = await simulator();
    const { pool, receipts } = startPool(channel(sim.port));
    const result = await pool.submit({ dest: [mobile(1), "12345", mobile(2)], text: "hello all", ref: "split" });
    expect(result.destinations).toEqual([
      { dest: mobile(1), msgIds: [expect.stringMatching(MSG_ID)] },
      { dest: "12345", msgIds: [], failed: BAD_NUMBER },
      { dest: mobile(2), msgIds: [expect.stringMatching(MSG_ID)] },
    ]);
    expect(result.msgIds).toEqual([result.destinations[0].msgIds[0], result.destinations[2].msgIds[0]]);
    // The group was refused, then each number tried alone.
    expect(sim.stats.results).toEqual({ 13: 2, 0: 2 });
    expect(sim.stats.texts.get(mobile(1))).toEqual(["hello all"]);
    expect(sim.stats.texts.get(mobile(2))).toEqual(["hello all"]);
    await waitFor(() => receipts.length === 2, "two receipts");
    expect(receipts.every((r) => r.matched && r.ref === "split")).toBe(true);
    expect(pool.status().counters.destinationsRefused).toBe(1);
  });

  it("delivers every segment of a long message to the good numbers", async () => {
    const sim = await simulator();
    const { pool } = startPool(channel(sim.port));
    const text = "分段发送给多个号码的长短信。".repeat(10);
    const result = await pool.submit({ dest: ["1", mobile(3), "2"], text });
    expect(result.segments).toBeGreaterThan(1);
    expect(result.destinations.map((d) => d.failed?.result ?? 0)).toEqual([13, 0, 13]);
    expect(result.destinations[1].msgIds).toHaveLength(result.segments);
    expect(sim.stats.texts.get(mobile(3))).toEqual([text]);
    expect(sim.submitCopies().every((c) => c.count === 1)).toBe(true);
  });

  it("rejects with Result 13 when every number is bad", async () => {
    const sim = await simulator();
    const { pool } = startPool(channel(sim.port));
    const outcome = await settle(pool.submit({ dest: ["12345", "23456"], text: "nobody" }));
    expect(outcome.error).toMatchObject({ failure: "rejected", result: 13, category: "invalid_number" });
    expect(sim.stats.submitsAccepted).toBe(0);
  });
});

describe("uncertain copies", () => {
  it("counts the copy left unanswered by a dropped connection; the gateway saw the message twice", async () => {
    // The gateway accepts the first SUBMIT and drops the connection before answering it.
    const sim = await simulator({ faults: { dropAfterSubmits: 1, dropTimes: 1 } });
    const { pool, receipts } = startPool(channel(sim.port), { receiptHoldMs: 50 });
    const result = await pool.submit({ dest: mobile(1), text: "twice", ref: "u" });
    expect(result.uncertainCopies).toBe(1);
    expect(pool.status().counters.uncertainCopies).toBe(1);
    expect(sim.duplicateSubmits()).toEqual([{ dest: mobile(1), segment: 1, segments: 1, text: "twice", count: 2 }]);
    // Both copies are reported; only the answered one's Msg_Id is known to the pool.
    await waitFor(() => receipts.length === 2, "both copies' reports");
    expect(receipts.filter((r) => r.matched).map((r) => r.msgId)).toEqual(result.msgIds);
  });

  it("counts a resend that got no answer, but not one the gateway answered 'duplicate sequence'", async () => {
    const sim = await simulator({ faults: { ignoreSubmits: 1 } });
    const { pool } = startPool(channel(sim.port), { requestTimeoutMs: 200 });
    expect((await pool.submit({ dest: mobile(1), text: "resent" })).uncertainCopies).toBe(1);

    // Answered at 300 ms: after the resend at 200 ms (which gets Result 3), before the next at 400 ms.
    sim.setFaults({ responseDelayMs: 300 });
    expect((await pool.submit({ dest: mobile(2), text: "slow" })).uncertainCopies).toBe(0);
    expect(sim.stats.duplicateSequenceIds).toBe(1);
    expect(sim.duplicateSubmits()).toEqual([]);
  });

  it("carries the count on a timeout", async () => {
    const sim = await simulator({ faults: { ignoreSubmits: 3 } });
    const { pool } = startPool(channel(sim.port), { requestTimeoutMs: 80, maxTries: 3 });
    const outcome = await settle(pool.submit({ dest: mobile(1), text: "lost" }));
    expect(outcome.error).toMatchObject({ failure: "timeout", uncertainCopies: 3, outcomeUnknown: true });
  });

  it("with resubmitUncertain: false, does not send a dropped connection's SUBMIT again", async () => {
    const sim = await simulator({ faults: { dropAfterSubmits: 1, dropTimes: 1 } });
    const { pool } = startPool(channel(sim.port), { resubmitUncertain: false });
    const outcome = await settle(pool.submit({ dest: mobile(1), text: "once" }));
    expect(outcome.error).toMatchObject({ failure: "uncertain", uncertainCopies: 1, category: "unknown", outcomeUnknown: true });
    expect(outcome.error?.message).toMatch(/may or may not have been delivered/);
    await pool.ready();
    await expect(pool.submit({ dest: mobile(2), text: "next" })).resolves.toMatchObject({ uncertainCopies: 0 });
    expect(sim.submitCopies().find((c) => c.dest === mobile(1))?.count).toBe(1);
  });

  it("with resubmitUncertain: false, does not resend a SUBMIT that timed out", async () => {
    const sim = await simulator({ faults: { ignoreSubmits: 1 } });
    const { pool } = startPool(channel(sim.port), { requestTimeoutMs: 80, resubmitUncertain: false });
    const outcome = await settle(pool.submit({ dest: mobile(1), text: "once" }));
    expect(outcome.error).toMatchObject({ failure: "uncertain", uncertainCopies: 1 });
    await sleep(250);
    expect(sim.stats.submits).toBe(1);
  });
});

describe("late SUBMIT_RESP", () => {
  it("still gives the Msg_Id after the submit timed out, and the report is matched", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 400 } });
    const { pool, late, receipts } = startPool(channel(sim.port), { requestTimeoutMs: 100, maxTries: 2 });
    const outcome = await settle(pool.submit({ dest: mobile(1), text: "late", ref: "L" }));
    // Two transmissions; the resend was answered "duplicate sequence", so one copy is in doubt.
    expect(outcome.error).toMatchObject({ failure: "timeout", uncertainCopies: 1 });
    await waitFor(() => late.length === 1, "the late answer");
    expect(late[0]).toEqual({ ref: "L", dest: mobile(1), segment: 1, segments: 1, msgId: expect.stringMatching(MSG_ID), result: 0 });
    await waitFor(() => receipts.length === 1, "the report");
    expect(receipts[0]).toMatchObject({ msgId: late[0].msgId, matched: true, ref: "L", dest: mobile(1) });
    expect(pool.status().counters.lateSubmitResponses).toBe(1);
  });

  it("reports one per number for a late multi-destination answer", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 300 }, reports: { enabled: false } });
    const { pool, late } = startPool(channel(sim.port), { requestTimeoutMs: 60, maxTries: 1 });
    await settle(pool.submit({ dest: [mobile(1), mobile(2)], text: "both", ref: "G" }));
    await waitFor(() => late.length === 2, "two late entries");
    expect(late.map((l) => l.dest)).toEqual([mobile(1), mobile(2)]);
    expect(BigInt("0x" + late[1].msgId) - BigInt("0x" + late[0].msgId)).toBe(1n);
  });
});
