import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms";
import { REASON_SUBMIT_OUTCOME_UNKNOWN } from "../message-state";
import { startDispatcher, type Dispatcher } from "./dispatcher";
import { announceQueued } from "./wake";
import {
  countsOnSendAndRows,
  createJsmsTestChannel,
  eventKindsOf,
  messagesOf,
  phoneOf,
  queueSend,
  testHandle,
  waitFor,
  type TestChannel,
} from "./testing/dispatch-fixtures";
import { settleJsmsSend, startJsmsCallbackReceiver, type JsmsCallbackReceiver } from "./testing/jsms-callback-receiver";

/**
 * A JSMS channel end to end: the dispatcher posts template batches to the sandbox (a local
 * api.sms.jpush.cn), the sandbox posts signed delivery reports to a callback URL served here by
 * the same intake the console's route uses, and the operator's figures come out right. Then the
 * ways Jiguang fails: an answer after the client's deadline (the batch was taken), a 5xx, and the
 * rate limit 50009. JSMS has no idempotency key, so nothing whose body may have arrived is posted
 * again: what the sandbox accepted more than once must stay empty.
 */
const sealKey = crypto.randomBytes(32);
const template = { id: 1, params: { code: "1234" } };
/** Numbers ending in 4 "do not exist" (JSMS report 4004); the rest are delivered. */
const reportFor = (mobile: string) => (mobile.endsWith("4") ? 4004 : undefined);
const expectedFailed = (phones: string[]) => phones.filter((p) => p.endsWith("4")).length;

describeEachDb("dispatcher over JSMS (sandbox)", (t) => {
  const app = { appKey: crypto.randomBytes(12).toString("hex"), masterSecret: crypto.randomBytes(12).toString("hex") };
  let sandbox: JsmsSandbox;
  let callbacks: JsmsCallbackReceiver;
  let channel: TestChannel;
  let dispatcher: Dispatcher | undefined;

  const appStats = () => sandbox.stats().apps[app.appKey]!;
  const timesAccepted = (mobile: string) => sandbox.timesAccepted({ appKey: app.appKey, mobile, tempId: template.id, tempPara: template.params });

  async function sendAndSettle(phones: string[]): Promise<string> {
    const sendId = await queueSend(t.db, channel.id, { template }, phones);
    await announceQueued(t.db, t.kind, channel.id);
    await settleJsmsSend(t.db, sandbox, sendId);
    return sendId;
  }

  beforeAll(async () => {
    callbacks = await startJsmsCallbackReceiver({ db: t.db, sealKey });
    channel = await createJsmsTestChannel(t.db, sealKey, { name: `jsms-${t.kind}`, ...app });
    const callbackUrl = callbacks.urlFor(channel.channelKey);
    sandbox = await startJsmsSandbox({
      apps: [{ ...app, callbackUrl }],
      reports: { delayMs: [10, 150], statusFor: reportFor, duplicateRate: 0.05 },
      callbackRetryDelaysMs: [50, 100, 200],
      seed: 7,
    });
    dispatcher = await startDispatcher({
      handle: testHandle(t),
      sealKey,
      kind: "web",
      pollMs: 100,
      // One try per request: what is retried later is the dispatcher's doing, not the client's.
      jsms: { baseUrl: sandbox.url, timeoutMs: 5_000, retry: { attempts: 1 } },
    });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await sandbox?.close();
    await callbacks?.close();
  });

  it("sends 1,200 as two batches and ends each message as its delivery report, received through the callback, says", async () => {
    const before = appStats();
    const phones = Array.from({ length: 1_200 }, (_, i) => phoneOf(51, i));
    const sendId = await sendAndSettle(phones);
    await waitFor("every report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

    const after = appStats();
    expect(after.batchRequests - before.batchRequests).toBe(2);
    expect(after.accepted - before.accepted).toBe(phones.length);
    expect(sandbox.stats().acceptedMoreThanOnce).toEqual([]);
    expect(sandbox.stats().callbacks.urlChecksFailed).toBe(0);

    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ delivered: phones.length - expectedFailed(phones), failed: expectedFailed(phones), uncertain: 0 });
    const messages = await messagesOf(t.db, sendId);
    for (const m of messages.filter((m) => m.status === "failed")) expect(m.error_code).toBe("4004");
    for (const m of messages) expect(m.attempts).toBe(1);
    // A duplicate report (the sandbox sends some twice) is kept and changes nothing.
    const kinds = await eventKindsOf(t.db, sendId);
    for (const list of kinds.values()) expect(list.filter((k) => k !== "report_ignored")).toEqual(["submit_resp", "report"]);
    const ignored = [...kinds.values()].filter((list) => list.includes("report_ignored")).length;
    console.log(`[${t.kind}] JSMS: ${sandbox.stats().callbacks.duplicates} reports posted twice, ${ignored} messages kept one as report_ignored`);
    expect(ignored).toBeGreaterThan(0);
  });

  it("a batch answered after the client's deadline is not posted again: its messages become unknown, uncertain", async () => {
    const before = appStats();
    sandbox.faults({ lateAnswerNext: 1, lateAnswerMs: 7_000 });
    const phones = Array.from({ length: 300 }, (_, i) => phoneOf(52, i));
    const sendId = await sendAndSettle(phones);

    expect(appStats().batchRequests - before.batchRequests).toBe(1);
    for (const p of phones) expect(timesAccepted(p)).toBe(1);
    expect(sandbox.stats().acceptedMoreThanOnce).toEqual([]);
    const { counters, rows, status } = await countsOnSendAndRows(t.db, sendId);
    expect(status).toBe("done");
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ unknown: phones.length, uncertain: phones.length });
    for (const m of await messagesOf(t.db, sendId)) expect(m).toMatchObject({ status: "unknown", error_code: REASON_SUBMIT_OUTCOME_UNKNOWN, uncertain: true });
    // Their reports came, but name msg_ids nobody told us: they wait, matching no message.
    const [{ waiting }] = await executeRows<{ waiting: number }>(t.db, sql`select count(*)::int as waiting from unmatched_receipts where channel_id = ${channel.id}::uuid`);
    console.log(`[${t.kind}] JSMS late answer: ${phones.length} unknown, ${waiting} delivery reports matching no message`);
  });

  it("a 5xx answer makes the batch's messages unknown and is not posted again", async () => {
    const before = appStats();
    const requests = sandbox.stats().requests;
    sandbox.faults({ failNext: 1, failStatus: 502 });
    const phones = Array.from({ length: 200 }, (_, i) => phoneOf(53, i));
    const sendId = await sendAndSettle(phones);

    expect(sandbox.stats().requests - requests).toBe(1);
    expect(appStats().accepted - before.accepted).toBe(0);
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ unknown: phones.length, uncertain: phones.length });
    for (const m of await messagesOf(t.db, sendId)) expect(m.error_code).toBe(REASON_SUBMIT_OUTCOME_UNKNOWN);
  });

  it("rate limited (50009): the refused batch waits and goes out later, every message once", async () => {
    sandbox.setLimits({ rateLimitPerSecond: 1 });
    try {
      const before = appStats();
      const refusedBefore = sandbox.stats().errors["50009"] ?? 0;
      const phones = Array.from({ length: 1_200 }, (_, i) => phoneOf(54, i));
      const sendId = await sendAndSettle(phones);
      await waitFor("every report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

      expect((sandbox.stats().errors["50009"] ?? 0) - refusedBefore).toBeGreaterThan(0);
      expect(appStats().accepted - before.accepted).toBe(phones.length);
      expect(sandbox.stats().acceptedMoreThanOnce).toEqual([]);
      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      expect(rows).toMatchObject({ delivered: phones.length - expectedFailed(phones), failed: expectedFailed(phones), uncertain: 0 });
      const messages = await messagesOf(t.db, sendId);
      // A request JSMS refused was not an attempt at the handset.
      for (const m of messages) expect(m.attempts).toBe(1);
      const requeued = await executeRows<{ n: number }>(
        t.db,
        sql`select count(distinct e.message_id)::int as n from message_events e join messages m on m.id = e.message_id
             where m.send_id = ${sendId}::uuid and e.kind = 'requeued' and e.code = '50009'`,
      );
      console.log(`[${t.kind}] JSMS 50009: ${requeued[0]!.n} messages waited and went out later`);
      expect(requeued[0]!.n).toBeGreaterThan(0);
    } finally {
      sandbox.setLimits({ rateLimitPerSecond: null });
    }
  });
});
