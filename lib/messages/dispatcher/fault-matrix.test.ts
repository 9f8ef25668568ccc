import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { startCmppSimulator, silentLogger, type CmppSimulator, type CmppSimulatorFaults, type CmppSimulatorOptions } from "@/lib/sender/cmpp";
import { isFinalState, REASON_NO_FINAL_REPORT } from "../message-state";
import { startDispatcher, type Dispatcher, type StartDispatcherOptions } from "./dispatcher";
import { announceQueued } from "./wake";
import {
  countsOnSendAndRows,
  createCmppTestChannel,
  eventKindsOf,
  messagesOf,
  phoneOf,
  queueSend,
  testHandle,
  waitFor,
} from "./testing/dispatch-fixtures";

/**
 * The CMPP rows of the fault matrix: the real dispatcher against the gateway simulator over
 * loopback, one fault each, judged by what an operator reads — messages by state, the send's
 * counters against count(*), uncertain counts, each message's timeline — and by what the gateway
 * received. Covered elsewhere and not repeated here: connections dropped with SUBMITs in the
 * window (dispatcher-faults.test.ts, with resubmission on and off), reports before the SUBMIT_RESP,
 * twice and on the other connection (same file), a dispatcher that dies holding claims
 * (dispatcher-reclaim.test.ts).
 */
const sealKey = crypto.randomBytes(32);

describeEachDb("fault matrix: CMPP", (t) => {
  const simulators: CmppSimulator[] = [];
  afterAll(async () => {
    for (const simulator of simulators) await simulator.close();
  });

  async function gateway(faults: CmppSimulatorFaults, reports: CmppSimulatorOptions["reports"] = { delayMs: 20 }): Promise<CmppSimulator> {
    const simulator = await startCmppSimulator({ account: "900001", password: "secret88", accessNumber: "1065", logger: silentLogger, reports, faults });
    simulators.push(simulator);
    return simulator;
  }

  /** A dispatcher for one test, so each fault gets the pool timings it needs; stopped (its lanes closed) at the end. */
  async function withDispatcher<T>(options: Partial<StartDispatcherOptions>, run: (dispatcher: Dispatcher) => Promise<T>): Promise<T> {
    const dispatcher = await startDispatcher({
      handle: testHandle(t),
      sealKey,
      kind: "web",
      pollMs: 100,
      reclaimEveryMs: 500,
      deadlineEveryMs: 300,
      cmppLogger: silentLogger,
      ...options,
      cmppPool: { reconnectBaseMs: 100, reconnectMaxMs: 300, ...options.cmppPool },
    });
    try {
      return await run(dispatcher);
    } finally {
      await dispatcher.stop();
    }
  }

  async function finished(sendId: string, timeoutMs = 30_000): Promise<void> {
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done", timeoutMs);
  }

  it("flow control (Result 8) for a while, then normal: every message delivered once, none failed, each Result 8 counted", { timeout: 90_000 }, async () => {
    const flowControlled = 40;
    const simulator = await gateway({ flowControlSubmits: flowControlled });
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `flow-${t.kind}`, connections: 2 });
    const phones = Array.from({ length: 300 }, (_, i) => phoneOf(61, i));
    await withDispatcher({ cmppPool: { flowControl: { initialBackoffMs: 20, maxBackoffMs: 200 } } }, async (dispatcher) => {
      const sendId = await queueSend(t.db, channel.id, { text: "Flow control notice" }, phones);
      const startedAt = Date.now();
      await announceQueued(t.db, t.kind, channel.id);
      await finished(sendId);
      // The governor halves its rate at each Result 8 and grows back by a quarter a second: the figure to watch.
      console.log(`[${t.kind}] ${flowControlled} Result 8 answers at the start: ${phones.length} messages done in ${Date.now() - startedAt} ms`);

      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      expect(rows).toMatchObject({ delivered: phones.length, failed: 0, unknown: 0, uncertain: 0 });
      // A Result 8 is not an attempt at the handset, and nothing was sent twice.
      for (const m of await messagesOf(t.db, sendId)) expect(m.attempts).toBe(1);
      expect(simulator.stats.flowControlled).toBe(flowControlled);
      expect(simulator.stats.submitsAccepted).toBe(phones.length);
      expect(simulator.duplicateSubmits()).toEqual([]);
      // What the cockpit shows (the pool's counters): every Result 8 the gateway answered.
      expect(dispatcher.lanes().get(channel.id)?.status()?.counters.flowControlled).toBe(flowControlled);
    });
  });

  it("SUBMIT_RESPs slower than the resend timeout, each resend a new copy at the gateway: none lost, every copy marked uncertain, counts consistent", { timeout: 90_000 }, async () => {
    // Answers after 300 ms; resends after 200 ms (up to three transmissions, the last timing out at 600 ms).
    const simulator = await gateway({ responseDelayMs: 300, acceptResentSequenceIds: true });
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `slow-${t.kind}`, connections: 2 });
    const phones = Array.from({ length: 120 }, (_, i) => phoneOf(62, i));
    await withDispatcher({ cmppPool: { requestTimeoutMs: 200, maxTries: 3 } }, async () => {
      const sendId = await queueSend(t.db, channel.id, { text: "Slow gateway notice" }, phones);
      await announceQueued(t.db, t.kind, channel.id);
      await finished(sendId);

      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      const messages = await messagesOf(t.db, sendId);
      expect(messages.filter((m) => !isFinalState(m.status))).toEqual([]);
      // None lost: the gateway has every one, and each ends delivered (its report came) or, when
      // no answer came in time, unknown and uncertain — never failed.
      const copies = new Map(simulator.submitCopies().map((c) => [c.dest, c.count]));
      expect(new Set(copies.keys())).toEqual(new Set(phones));
      expect(rows.failed).toBe(0);
      expect(rows.delivered + rows.unknown).toBe(phones.length);
      const twice = [...copies].filter(([, n]) => n > 1);
      expect(twice.length).toBeGreaterThan(0);
      const byPhone = new Map(messages.map((m) => [m.phone, m]));
      for (const [phone, n] of twice) {
        const m = byPhone.get(phone)!;
        expect(m, `the message to ${phone}, received ${n} times`).toMatchObject({ uncertain: true });
        expect(m.attempts).toBeGreaterThanOrEqual(n);
      }
      for (const m of messages.filter((m) => m.status === "unknown")) expect(m.uncertain).toBe(true);
      expect(counters.uncertain).toBeGreaterThanOrEqual(twice.length);
      console.log(`[${t.kind}] slow SUBMIT_RESP: ${twice.length} of ${phones.length} messages reached the gateway more than once; ` +
        `${rows.uncertain} uncertain, ${rows.delivered} delivered, ${rows.unknown} unknown`);
    });
  });

  it("reports out of order, twice, and ACCEPTD after the final one: each message ends as its final report says, applied once", { timeout: 90_000 }, async () => {
    const simulator = await gateway(
      { reportJitterMs: 400, acceptdFirst: true, duplicateReports: true },
      { delayMs: 20, statFor: ({ dest }) => (dest.endsWith("3") ? "UNDELIV" : "DELIVRD") },
    );
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `order-${t.kind}`, connections: 2 });
    const shortPhones = Array.from({ length: 150 }, (_, i) => phoneOf(63, i));
    const longPhones = Array.from({ length: 30 }, (_, i) => phoneOf(64, i));
    const longText = "Long notice: " + "the quick brown fox jumps over the lazy dog. ".repeat(7);
    await withDispatcher({}, async () => {
      const shortSend = await queueSend(t.db, channel.id, { text: "Short notice" }, shortPhones);
      const longSend = await queueSend(t.db, channel.id, { text: longText }, longPhones);
      await announceQueued(t.db, t.kind, channel.id);
      for (const sendId of [shortSend, longSend]) await finished(sendId);
      // An ACCEPTD and two final reports per part; the late ones keep coming after the send is done.
      const parts = shortPhones.length + longPhones.length * 3;
      await waitFor("every report to reach the console", async () => simulator.stats.reportsAcknowledged === parts * 3);
      // The connection drops the second copy of a final report (same Msg_Id, number and Stat); the rest are recorded.
      await waitFor("every report to be recorded", async () => {
        const [{ n }] = await executeRows<{ n: number }>(
          t.db, sql`select count(*)::int as n from message_events e join messages m on m.id = e.message_id where m.channel_id = ${channel.id}::uuid and e.kind in ('report', 'report_ignored')`,
        );
        return n >= parts * 2;
      });

      const failedOf = (phones: string[]) => phones.filter((p) => p.endsWith("3")).length;
      for (const [sendId, phones] of [[shortSend, shortPhones], [longSend, longPhones]] as const) {
        const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
        expect(counters).toEqual(rows);
        expect(rows).toMatchObject({ delivered: phones.length - failedOf(phones), failed: failedOf(phones), uncertain: 0 });
        for (const m of await messagesOf(t.db, sendId)) if (m.status === "failed") expect(m.error_code).toBe("UNDELIV");
      }
      expect(simulator.duplicateSubmits()).toEqual([]);
      // A late ACCEPTD never takes a part back from its final state: a delivered message's parts are
      // all delivered; a failed one failed at one part (its later parts' reports change nothing).
      const parts2 = await executeRows<{ message_status: string; segment_status: string; n: number }>(
        t.db,
        sql`select m.status as message_status, s.status as segment_status, count(*)::int as n
              from message_segments s join messages m on m.id = s.message_id
             where s.channel_id = ${channel.id}::uuid group by m.status, s.status order by 1, 2`,
      );
      const partsBy = (message: string, segment: string) => parts2.find((p) => p.message_status === message && p.segment_status === segment)?.n ?? 0;
      const allFailed = failedOf(shortPhones) + failedOf(longPhones);
      expect(partsBy("delivered", "delivered")).toBe(parts - failedOf(shortPhones) - failedOf(longPhones) * 3);
      expect(parts2.filter((p) => p.message_status === "delivered" && p.segment_status !== "delivered")).toEqual([]);
      expect(partsBy("failed", "failed")).toBe(allFailed);
      // At most one final report per part changed anything; the order did vary (some ACCEPTD came last).
      const applied = await executeRows<{ n: number }>(
        t.db,
        sql`select count(*)::int as n from message_events e join messages m on m.id = e.message_id
             where m.channel_id = ${channel.id}::uuid and e.kind = 'report' and (e.raw->>'final')::boolean
             group by e.message_id, e.part having count(*) > 1`,
      );
      expect(applied).toEqual([]);
      const [{ lateAcceptd }] = await executeRows<{ lateAcceptd: number }>(
        t.db,
        sql`select count(*)::int as "lateAcceptd" from message_events e join messages m on m.id = e.message_id
             where m.channel_id = ${channel.id}::uuid and e.kind = 'report_ignored' and e.code = 'ACCEPTD'`,
      );
      console.log(`[${t.kind}] reports out of order: ${lateAcceptd} ACCEPTD reports came after a final one and changed nothing`);
      expect(lateAcceptd).toBeGreaterThan(0);
      const [{ waiting }] = await executeRows<{ waiting: number }>(t.db, sql`select count(*)::int as waiting from unmatched_receipts where channel_id = ${channel.id}::uuid`);
      expect(waiting).toBe(0);
    });
  });

  it("reports after the report deadline: the messages stay unknown (no_final_report), the late report is kept on the timeline", { timeout: 90_000 }, async () => {
    // The deadline is 1 s; the gateway reports after 2.5 s.
    const simulator = await gateway({}, { delayMs: 2_500 });
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `late-${t.kind}`, connections: 1, reportDeadlineSeconds: 1 });
    const phones = Array.from({ length: 50 }, (_, i) => phoneOf(65, i));
    await withDispatcher({}, async () => {
      const sendId = await queueSend(t.db, channel.id, { text: "Late report notice" }, phones);
      await announceQueued(t.db, t.kind, channel.id);
      await finished(sendId);
      const atDeadline = await countsOnSendAndRows(t.db, sendId);
      expect(atDeadline.rows).toMatchObject({ unknown: phones.length, delivered: 0 });
      await waitFor("every late report to be recorded", async () => {
        const kinds = await eventKindsOf(t.db, sendId);
        return [...kinds.values()].filter((k) => k.includes("report_ignored")).length === phones.length;
      });

      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      expect(rows).toMatchObject({ unknown: phones.length, delivered: 0, uncertain: 0 });
      for (const m of await messagesOf(t.db, sendId)) expect(m).toMatchObject({ status: "unknown", error_code: REASON_NO_FINAL_REPORT });
      for (const kinds of (await eventKindsOf(t.db, sendId)).values()) expect(kinds).toEqual(["submit_resp", "deadline", "report_ignored"]);
    });
  });

  it("the gateway refuses logins for a while, then accepts: the send completes, no message failed or counted twice for it", { timeout: 90_000 }, async () => {
    const simulator = await gateway({ refuseAuthTimes: 3 });
    const channel = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `refused-${t.kind}`, connections: 2 });
    const phones = Array.from({ length: 200 }, (_, i) => phoneOf(66, i));
    await withDispatcher({ cmppPool: { refusedLoginBackoffMs: 300 }, cmppRequeueAfterMs: { noConnection: 300 } }, async () => {
      const sendId = await queueSend(t.db, channel.id, { text: "After the refusal" }, phones);
      await announceQueued(t.db, t.kind, channel.id);
      await finished(sendId);

      expect(simulator.stats.loginStatuses[3]).toBe(3);
      expect(simulator.stats.loginsAccepted).toBeGreaterThan(0);
      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      expect(rows).toMatchObject({ delivered: phones.length, failed: 0, unknown: 0, uncertain: 0 });
      // A message that waited for the login was not an attempt: each counts one.
      for (const m of await messagesOf(t.db, sendId)) expect(m.attempts).toBe(1);
      expect(simulator.stats.submitsAccepted).toBe(phones.length);
      expect(simulator.duplicateSubmits()).toEqual([]);
      const [{ waited }] = await executeRows<{ waited: number }>(
        t.db,
        sql`select count(distinct e.message_id)::int as waited from message_events e join messages m on m.id = e.message_id
             where m.send_id = ${sendId}::uuid and e.kind = 'requeued' and e.code = 'no_connection'`,
      );
      console.log(`[${t.kind}] logins refused 3 times: ${waited} messages went back to the queue and out later`);
    });
  });
});
