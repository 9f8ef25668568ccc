/**
 * The simulator's misbehaviours that only show over time, driven through the real pool: resends
 * taken as new messages (acceptResentSequenceIds) and status reports out of order (reportJitterMs).
 * Each is off by default, which the first test of each pair shows.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createCmppPool, type CmppPool } from "../pool/pool";
import type { CmppPoolOptions, CmppReceipt } from "../pool/pool-types";
import { silentLogger } from "../logger";
import { channel, closeSimulators, mobile, simulator, waitFor } from "../testing/fixtures";
import type { CmppSimulatorFaults } from "./simulator-types";

const pools: CmppPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await closeSimulators();
});

async function poolOn(faults: CmppSimulatorFaults, options: Partial<CmppPoolOptions> = {}, reportDelayMs = 0) {
  const sim = await simulator({ faults, logger: silentLogger, reports: { delayMs: reportDelayMs } });
  const receipts: CmppReceipt[] = [];
  const pool = createCmppPool(channel(sim.port), { logger: silentLogger, onReceipt: (r) => receipts.push(r), ...options });
  pools.push(pool);
  return { sim, pool, receipts };
}

describe("simulator fault: resent SUBMITs", () => {
  // Answers come after 250 ms; the client resends after 100 ms, so each SUBMIT goes out three times.
  const slow = { requestTimeoutMs: 100, maxTries: 3 };

  it("by default answers a resend of an unanswered Sequence_Id with Result 3 and keeps one copy", async () => {
    const { sim, pool } = await poolOn({ responseDelayMs: 250 }, slow);
    const result = await pool.submit({ dest: mobile(1), text: "hello" });
    expect(result.msgIds).toHaveLength(1);
    expect(sim.stats.duplicateSequenceIds).toBeGreaterThan(0);
    expect(sim.stats.results[3]).toBe(sim.stats.duplicateSequenceIds);
    expect(sim.submitCopies()).toMatchObject([{ dest: mobile(1), count: 1 }]);
  });

  it("with acceptResentSequenceIds takes each resend as a new message and reports each copy", async () => {
    const { sim, pool, receipts } = await poolOn({ responseDelayMs: 250, acceptResentSequenceIds: true }, slow);
    const result = await pool.submit({ dest: mobile(2), text: "hello" });
    expect(result.msgIds).toHaveLength(1);
    const [copy] = sim.submitCopies();
    expect(copy!.count).toBe(1 + sim.stats.duplicateSequenceIds);
    expect(copy!.count).toBeGreaterThan(1);
    expect(sim.stats.results[3]).toBeUndefined();
    // Every copy is a message on the handset, each with its own report.
    await waitFor(() => sim.stats.reportsSent === copy!.count, "a report per copy");
    expect(receipts.length).toBeGreaterThanOrEqual(1);
  });
});

describe("simulator fault: reports out of order", () => {
  const numbers = Array.from({ length: 40 }, (_, i) => mobile(100 + i));

  async function reportOrder(faults: CmppSimulatorFaults): Promise<string[]> {
    const { pool, receipts } = await poolOn(faults, {}, 20);
    for (const dest of numbers) await pool.submit({ dest, text: "hello" });
    await waitFor(() => receipts.filter((r) => r.final).length === numbers.length, "every final report", 5_000);
    return receipts.filter((r) => r.final).map((r) => r.dest);
  }

  it("by default sends reports in the order the SUBMITs were accepted", async () => {
    expect(await reportOrder({})).toEqual(numbers);
  });

  it("with reportJitterMs sends each report once, in another order, and an ACCEPTD may follow its final report", async () => {
    const { pool, receipts } = await poolOn({ reportJitterMs: 300, acceptdFirst: true }, {}, 20);
    await Promise.all(numbers.map((dest) => pool.submit({ dest, text: "hello" })));
    await waitFor(() => receipts.length === numbers.length * 2, "every report", 5_000);
    const finals = receipts.filter((r) => r.final).map((r) => r.dest);
    expect([...finals].sort()).toEqual([...numbers].sort());
    expect(finals).not.toEqual(numbers);
    const finalAt = new Map(receipts.map((r, i) => [`${r.dest}:${r.final}`, i]));
    const acceptdLast = numbers.filter((n) => finalAt.get(`${n}:false`)! > finalAt.get(`${n}:true`)!);
    expect(acceptdLast.length).toBeGreaterThan(0);
  });
});
