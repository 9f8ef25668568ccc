import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { startCmppSimulator, silentLogger, type CmppSimulator, type CmppSimulatorFaults } from "@/lib/sender/cmpp";
import { isFinalState, REASON_SUBMIT_OUTCOME_UNKNOWN } from "../message-state";
import { startDispatcher, type Dispatcher } from "./dispatcher";
import { announceQueued } from "./wake";
import {
  countsOnSendAndRows,
  createCmppTestChannel,
  messagesOf,
  phoneOf,
  queueSend,
  testHandle,
  waitFor,
  type TestChannel,
} from "./testing/dispatch-fixtures";

/**
 * The dispatcher against a gateway that misbehaves the ways real ones do: connections dropped
 * with SUBMITs in flight, status reports before the SUBMIT_RESP, twice, and on the other
 * connection. What is asserted is what an operator checks: every message ends final, the send's
 * counters equal count(*) over its messages, and what the gateway received.
 */
const sealKey = crypto.randomBytes(32);

describeEachDb("dispatcher against a misbehaving CMPP gateway", (t) => {
  let dispatcher: Dispatcher | undefined;
  const simulators: CmppSimulator[] = [];

  async function gateway(faults: CmppSimulatorFaults, statFor?: (m: { dest: string }) => string | undefined): Promise<CmppSimulator> {
    const simulator = await startCmppSimulator({
      account: "900001",
      password: "secret88",
      accessNumber: "1065",
      logger: silentLogger,
      reports: { delayMs: 20, statFor },
      faults,
    });
    simulators.push(simulator);
    return simulator;
  }

  /** Disabling the channel closes its lane, so nothing keeps logging in to a simulator that is gone. */
  async function retire(channel: TestChannel): Promise<void> {
    await t.db.execute(sql`update channels set enabled = false, updated_at = now() where id = ${channel.id}::uuid`);
    await waitFor("the channel's lane to close", async () => !dispatcher!.lanes().has(channel.id), 10_000);
  }

  beforeAll(async () => {
    dispatcher = await startDispatcher({
      handle: testHandle(t),
      sealKey,
      kind: "web",
      pollMs: 100,
      deadlineEveryMs: 1_000,
      cmppLogger: silentLogger,
      cmppPool: { reconnectBaseMs: 100, reconnectMaxMs: 300 },
    });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    for (const simulator of simulators) await simulator.close();
  });

  it("after connections drop with SUBMITs in flight, ends every message final and marks each copy the gateway got twice as uncertain", async () => {
    // Each connection drops after accepting its 40th SUBMIT, with those still waiting for their delayed answers lost.
    const simulator = await gateway({ responseDelayMs: 30, dropAfterSubmits: 40, dropTimes: 2 });
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `drop-resend-${t.kind}`, connections: 2 });
    const phones = Array.from({ length: 300 }, (_, i) => phoneOf(31, i));
    const sendId = await queueSend(t.db, channel.id, { text: "Your code is 4321" }, phones);
    await announceQueued(t.db, t.kind, channel.id);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    const messages = await messagesOf(t.db, sendId);
    expect(messages.filter((m) => !isFinalState(m.status))).toEqual([]);
    // At least once: a copy whose answer was lost was sent again, so every message reached the gateway.
    expect(rows.delivered).toBe(phones.length);

    expect(simulator.stats.droppedConnections).toBe(2);
    const copies = simulator.submitCopies();
    const twice = copies.filter((c) => c.count > 1);
    const histogram: Record<number, number> = {};
    for (const c of copies) histogram[c.count] = (histogram[c.count] ?? 0) + 1;
    console.log(`[${t.kind}] gateway copies per message after 2 dropped connections (copies → messages):`, histogram,
      `; uncertain on the send: ${counters.uncertain}`);
    // The fault must have bitten, or this test proves nothing.
    expect(twice.length).toBeGreaterThan(0);
    expect(new Set(copies.map((c) => c.dest))).toEqual(new Set(phones));

    const byPhone = new Map(messages.map((m) => [m.phone, m]));
    for (const copy of twice) {
      const message = byPhone.get(copy.dest)!;
      expect(message, `the message to ${copy.dest}, received ${copy.count} times`).toMatchObject({ uncertain: true });
      // Every transmission is an attempt; the gateway counts only the ones it accepted.
      expect(message.attempts).toBeGreaterThanOrEqual(copy.count);
    }
    // A SUBMIT written but still in the socket when the link dropped never reached the gateway:
    // uncertain too (nobody could know), so uncertain messages are at least those received twice.
    expect(counters.uncertain).toBeGreaterThanOrEqual(twice.length);
    await retire(channel);
  });

  it("with resubmission off, never sends a message twice: those in flight when the connection dropped end unknown", async () => {
    const simulator = await gateway({ responseDelayMs: 30, dropAfterSubmits: 40, dropTimes: 2 });
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, {
      name: `drop-at-most-once-${t.kind}`, connections: 2, resubmitUncertain: false,
    });
    const phones = Array.from({ length: 300 }, (_, i) => phoneOf(32, i));
    const sendId = await queueSend(t.db, channel.id, { text: "Your code is 8765" }, phones);
    await announceQueued(t.db, t.kind, channel.id);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(simulator.stats.droppedConnections).toBe(2);
    expect(simulator.duplicateSubmits()).toEqual([]);
    const messages = await messagesOf(t.db, sendId);
    const unknown = messages.filter((m) => m.status === "unknown");
    console.log(`[${t.kind}] resubmission off: ${unknown.length} of ${phones.length} messages unknown after 2 dropped connections`);
    expect(unknown.length).toBeGreaterThan(0);
    for (const m of unknown) expect(m).toMatchObject({ error_code: REASON_SUBMIT_OUTCOME_UNKNOWN, uncertain: true, attempts: 1 });
    expect(rows.delivered + rows.unknown).toBe(phones.length);
    expect(rows.uncertain).toBe(unknown.length);
    // An unknown one reached the gateway once (its answer was lost) or not at all (still in the socket): never twice.
    const accepted = new Map(simulator.submitCopies().map((c) => [c.dest, c.count]));
    for (const m of unknown) expect(accepted.get(m.phone) ?? 0).toBeLessThanOrEqual(1);
    console.log(`[${t.kind}] of those, the gateway had accepted ${unknown.filter((m) => accepted.has(m.phone)).length}`);
    await retire(channel);
  });

  it("counts each message once when reports come early, twice, and on the other connection", async () => {
    const simulator = await gateway(
      { reportBeforeResponse: true, duplicateReports: true, reportsOnOtherConnection: true, acceptdFirst: true },
      ({ dest }) => (dest.endsWith("7") ? "UNDELIV" : "DELIVRD"),
    );
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `reports-${t.kind}`, connections: 2 });
    const shortPhones = Array.from({ length: 200 }, (_, i) => phoneOf(41, i));
    const longPhones = Array.from({ length: 30 }, (_, i) => phoneOf(42, i));
    const longText = "Long notice: " + "the quick brown fox jumps over the lazy dog. ".repeat(7);
    const shortSend = await queueSend(t.db, channel.id, { text: "Short notice" }, shortPhones);
    const longSend = await queueSend(t.db, channel.id, { text: longText }, longPhones);
    await announceQueued(t.db, t.kind, channel.id);
    for (const sendId of [shortSend, longSend]) {
      await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");
    }

    const failedPhones = (phones: string[]) => phones.filter((p) => p.endsWith("7")).length;
    for (const [sendId, phones] of [[shortSend, shortPhones], [longSend, longPhones]] as const) {
      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      expect(rows).toMatchObject({ delivered: phones.length - failedPhones(phones), failed: failedPhones(phones), uncertain: 0 });
    }
    const [{ segments }] = await executeRows<{ segments: number }>(t.db, sql`select max(segments)::int as segments from messages where send_id = ${longSend}::uuid`);
    expect(segments).toBe(3);
    // Nothing was sent twice, whatever the reports did.
    expect(simulator.stats.submitsAccepted).toBe(shortPhones.length + longPhones.length * 3);
    expect(simulator.duplicateSubmits()).toEqual([]);

    // At most one final report per segment changed something; the rest are kept as ignored.
    const finalReports = await executeRows<{ message_id: string; part: number | null; n: number }>(
      t.db,
      sql`select e.message_id::text as message_id, e.part, count(*)::int as n
            from message_events e join messages m on m.id = e.message_id
           where m.channel_id = ${channel.id}::uuid and e.kind = 'report' and (e.raw->>'final')::boolean
           group by e.message_id, e.part`,
    );
    expect(finalReports.filter((r) => r.n > 1)).toEqual([]);
    // Every delivered message has its final report on each of its segments.
    const [{ delivered_parts }] = await executeRows<{ delivered_parts: number }>(
      t.db,
      sql`select coalesce(sum(segments), 0)::int as delivered_parts from messages where channel_id = ${channel.id}::uuid and status = 'delivered'`,
    );
    const deliveredReports = await executeRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from message_events e join messages m on m.id = e.message_id
           where m.channel_id = ${channel.id}::uuid and m.status = 'delivered' and e.kind = 'report' and e.code = 'DELIVRD'`,
    );
    expect(deliveredReports[0]!.n).toBe(delivered_parts);
    // No report is left waiting for a segment it should have found.
    const [{ waiting }] = await executeRows<{ waiting: number }>(
      t.db, sql`select count(*)::int as waiting from unmatched_receipts where channel_id = ${channel.id}::uuid`,
    );
    expect(waiting).toBe(0);
    await retire(channel);
  });
});
