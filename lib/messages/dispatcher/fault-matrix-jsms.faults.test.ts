import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms";
import { drainJsmsCallbacks } from "../jsms-callback-intake";
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
 * The JSMS rows of the fault matrix: the real dispatcher posting to the sandbox (a local
 * api.sms.jpush.cn) and the sandbox's signed callbacks coming back through the console's intake.
 * JSMS has no idempotency key, so whatever may have reached it is never posted again: the sandbox
 * counts what it accepted per message. Covered elsewhere and not repeated here: one answer after
 * the client's deadline, one 5xx, a rate limit that lets some batches through, reports posted
 * twice under new nonces (dispatcher-jsms.test.ts); the intake's own replay, forgery and crash
 * rules (jsms-callback-intake.test.ts, app/api/jsms/callback).
 */
const sealKey = crypto.randomBytes(32);
const template = { id: 1, params: { code: "1234" } };
/** Numbers ending in 4 "do not exist" (JSMS report 4004); the rest are delivered. */
const reportFor = (mobile: string) => (mobile.endsWith("4") ? 4004 : undefined);
const expectedFailed = (phones: string[]) => phones.filter((p) => p.endsWith("4")).length;

describeEachDb("fault matrix: JSMS and its callbacks", (t) => {
  let sandbox: JsmsSandbox;
  let callbacks: JsmsCallbackReceiver;
  let dispatcher: Dispatcher | undefined;
  /** Per channel key: the next N callbacks are stored, then answered 503, as when a proxy loses the console's 200. */
  const answersToLose = new Map<string, number>();
  /** Per channel key: callbacks the intake recognised as one it had stored (answered 200, changed nothing). */
  const storedBefore = new Map<string, number>();

  /**
   * A channel (and a JSMS app) of its own for each test: the lane's pause after a failing batch
   * and the callbacks still coming for an earlier test stay with that test.
   */
  let channel: TestChannel;
  let app = { appKey: "", masterSecret: "" };
  beforeEach(async () => {
    app = { appKey: crypto.randomBytes(12).toString("hex"), masterSecret: crypto.randomBytes(12).toString("hex") };
    channel = await createJsmsTestChannel(t.db, sealKey, { name: `jsms-matrix-${crypto.randomBytes(3).toString("hex")}-${t.kind}`, ...app });
    sandbox.addApp({ ...app, callbackUrl: callbacks.urlFor(channel.channelKey) });
  });

  const appStats = () => sandbox.stats().apps[app.appKey]!;
  const timesAccepted = (mobile: string) => sandbox.timesAccepted({ appKey: app.appKey, mobile, tempId: template.id, tempPara: template.params });

  async function queue(phones: string[]): Promise<string> {
    const sendId = await queueSend(t.db, channel.id, { template }, phones);
    await announceQueued(t.db, t.kind, channel.id);
    return sendId;
  }

  /** Until every message is answered and every callback posted and applied. */
  const settle = (sendId: string, timeoutMs = 60_000) => settleJsmsSend(t.db, sandbox, sendId, timeoutMs);

  const msgIdsOf = async (sendId: string) =>
    new Map(
      (await executeRows<{ phone: string; provider_message_id: string }>(
        t.db, sql`select phone, provider_message_id from messages where send_id = ${sendId}::uuid and provider_message_id is not null`,
      )).map((r) => [r.phone, r.provider_message_id]),
    );

  beforeAll(async () => {
    callbacks = await startJsmsCallbackReceiver({ db: t.db, sealKey }, (key, answer) => {
      if (answer.body.duplicate === true) storedBefore.set(key, (storedBefore.get(key) ?? 0) + 1);
      const lose = answersToLose.get(key) ?? 0;
      if (lose === 0 || answer.status !== 200) return undefined;
      answersToLose.set(key, lose - 1);
      return 503;
    });
    sandbox = await startJsmsSandbox({
      apps: [],
      reports: { delayMs: [10, 100], statusFor: reportFor },
      callbackRetryDelaysMs: [50, 100, 200],
    });
    dispatcher = await startDispatcher({
      handle: testHandle(t),
      sealKey,
      kind: "web",
      pollMs: 100,
      reclaimEveryMs: 500,
      // One try per request: what is tried again later is the dispatcher's doing, not the client's.
      // A deadline far above the event-loop stalls PGlite causes on a loaded machine (seconds), so
      // only the faults made here make an answer late.
      jsms: { baseUrl: sandbox.url, timeoutMs: 30_000, retry: { attempts: 1 } },
    });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await sandbox?.close();
    await callbacks?.close();
  });

  it("5xx for a while: the batches answered 5xx become unknown, each posted once; the lane pauses, and the rest go out after", { timeout: 90_000 }, async () => {
    // Eight sends of 50: eight batches (one send a batch), each cheap, so without a pause all would meet the outage.
    const sends = Array.from({ length: 8 }, (_, s) => Array.from({ length: 50 }, (_, i) => phoneOf(71, s * 100 + i)));
    const phones = sends.flat();
    const failedBefore = sandbox.stats().faults.failed;
    // The outage: 503s for 1.5 s from the first batch on, however many requests come in it.
    sandbox.faults({ failForMs: 1_500, failStatus: 503 });
    const sendIds: string[] = [];
    for (const batch of sends) sendIds.push(await queueSend(t.db, channel.id, { template }, batch));
    await announceQueued(t.db, t.kind, channel.id);
    for (const sendId of sendIds) await settle(sendId);
    for (const sendId of sendIds) {
      await waitFor("every report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done", 60_000);
    }

    const answered5xx = sandbox.stats().faults.failed - failedBefore;
    const messages = (await Promise.all(sendIds.map((id) => messagesOf(t.db, id)))).flat();
    const unknown = messages.filter((m) => m.status === "unknown");
    console.log(`[${t.kind}] JSMS 5xx for 1.5 s: ${answered5xx} of ${sends.length} batches answered 5xx, ${unknown.length} of ${phones.length} messages unknown`);
    for (const sendId of sendIds) {
      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      // A batch is all or nothing: a 5xx'd one is posted once and its messages are unknown, never re-posted.
      expect([0, 50]).toContain(rows.unknown);
      expect(rows.uncertain).toBe(rows.unknown);
    }
    expect(unknown.length).toBe(answered5xx * 50);
    // The lane stopped posting once JSMS failed (it pauses 2 s, longer than the outage): only the
    // batches already on their way (two at a time) got a 503; the rest went out after it.
    expect(answered5xx).toBeGreaterThan(0);
    expect(answered5xx).toBeLessThanOrEqual(2);
    const sent = phones.filter((p) => timesAccepted(p) === 1);
    expect(sent.length).toBe(phones.length - unknown.length);
    expect(messages.filter((m) => m.status === "delivered").length).toBe(sent.length - expectedFailed(sent));
    expect(messages.filter((m) => m.status === "failed").length).toBe(expectedFailed(sent));
    expect(sandbox.stats().acceptedMoreThanOnce).toEqual([]);
    for (const m of unknown) {
      expect(m).toMatchObject({ error_code: REASON_SUBMIT_OUTCOME_UNKNOWN, uncertain: true, attempts: 1 });
      // A 5xx comes before JSMS processed anything here; whatever the cause, it was posted at most once.
      expect(timesAccepted(m.phone)).toBe(0);
    }
  });

  it("the connection cut after JSMS took the batch: its messages are unknown (submit_outcome_unknown), the batch is never posted again", { timeout: 90_000 }, async () => {
    const before = appStats();
    sandbox.faults({ dropAfterAcceptNext: 1 });
    const phones = Array.from({ length: 300 }, (_, i) => phoneOf(72, i));
    const sendId = await queue(phones);
    await settle(sendId);

    expect(sandbox.stats().faults.droppedAfterAccept).toBe(1);
    expect(appStats().batchRequests - before.batchRequests).toBe(1);
    for (const p of phones) expect(timesAccepted(p)).toBe(1);
    const { counters, rows, status } = await countsOnSendAndRows(t.db, sendId);
    expect(status).toBe("done");
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ unknown: phones.length, uncertain: phones.length, delivered: 0 });
    for (const m of await messagesOf(t.db, sendId)) expect(m).toMatchObject({ status: "unknown", error_code: REASON_SUBMIT_OUTCOME_UNKNOWN, uncertain: true, attempts: 1 });
  });

  it("50009 on every request for a while: nothing fails, nothing is posted twice, the lane backs off, and every message goes out once after", { timeout: 90_000 }, async () => {
    const refusedBefore = sandbox.stats().errors["50009"] ?? 0;
    const requestsBefore = sandbox.stats().requests;
    sandbox.setLimits({ rateLimitPerSecond: 0 });
    let duringOutage = 0;
    try {
      const phones = Array.from({ length: 1_000 }, (_, i) => phoneOf(73, i));
      const sendId = await queue(phones);
      await waitFor("the rate limit to be hit", async () => (sandbox.stats().errors["50009"] ?? 0) > refusedBefore);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      duringOutage = sandbox.stats().requests - requestsBefore;
      sandbox.setLimits({ rateLimitPerSecond: null });
      await settle(sendId);
      await waitFor("every report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

      console.log(`[${t.kind}] JSMS 50009 for 1.5 s: ${duringOutage} requests during it`);
      // The refused batch waits 2 s, and the lane pauses (2 s, doubling): a handful of requests, not a loop.
      expect(duringOutage).toBeGreaterThan(0);
      expect(duringOutage).toBeLessThanOrEqual(3);
      for (const p of phones) expect(timesAccepted(p)).toBe(1);
      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
      expect(rows).toMatchObject({ delivered: phones.length - expectedFailed(phones), failed: expectedFailed(phones), unknown: 0, uncertain: 0 });
      // Refused requests were not attempts at the handset.
      for (const m of await messagesOf(t.db, sendId)) expect(m.attempts).toBe(1);
    } finally {
      sandbox.setLimits({ rateLimitPerSecond: null });
    }
  });

  it("the same callback twice (the console's 200 lost, Jiguang retries the very same form): applied once", { timeout: 90_000 }, async () => {
    const phones = Array.from({ length: 100 }, (_, i) => phoneOf(74, i));
    answersToLose.set(channel.channelKey, 40);
    const sendId = await queue(phones);
    await settle(sendId);
    await waitFor("every report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

    expect(answersToLose.get(channel.channelKey)).toBe(0);
    // Each lost answer brought the very same callback again, which the intake knew.
    expect(storedBefore.get(channel.channelKey)).toBe(40);
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ delivered: phones.length - expectedFailed(phones), failed: expectedFailed(phones), uncertain: 0 });
    // Each report stored and applied once: the retry is recognised by its nonce and timestamp.
    for (const kinds of (await eventKindsOf(t.db, sendId)).values()) expect(kinds).toEqual(["submit_resp", "report"]);
    const ids = [...(await msgIdsOf(sendId)).values()];
    const [{ stored }] = await executeRows<{ stored: number }>(
      t.db, sql`select count(*)::int as stored from jsms_callbacks where channel_id = ${channel.id}::uuid and type = 'SMS_REPORT' and data::jsonb->>'msgId' = any(${arrayParam(ids, "text")})`,
    );
    expect(stored).toBe(phones.length);
  });

  it("reports out of order (delivered then failed, failed then delivered): the first final report stands, the other is kept and changes nothing", { timeout: 90_000 }, async () => {
    const phones = Array.from({ length: 60 }, (_, i) => phoneOf(75, i));
    const sendId = await queue(phones);
    await settle(sendId);
    await waitFor("every first report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");
    const first = await countsOnSendAndRows(t.db, sendId);

    // Now the contrary reports: 4001 for the numbers that failed, 4004 for those delivered.
    const ids = await msgIdsOf(sendId);
    await Promise.all(phones.map((p) => sandbox.injectReport({ msgId: ids.get(p)!, status: reportFor(p) ? 4001 : 4004 })));
    await sandbox.settleCallbacks();
    await drainJsmsCallbacks(t.db);

    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toEqual(first.rows);
    expect(rows).toMatchObject({ delivered: phones.length - expectedFailed(phones), failed: expectedFailed(phones) });
    for (const m of await messagesOf(t.db, sendId)) {
      expect(m.status).toBe(reportFor(m.phone) ? "failed" : "delivered");
      expect(m.error_code).toBe(reportFor(m.phone) ? "4004" : null);
    }
    for (const kinds of (await eventKindsOf(t.db, sendId)).values()) expect(kinds).toEqual(["submit_resp", "report", "report_ignored"]);
  });

  it("callbacks before the send is recorded (the report overtakes the batch's answer): applied once the msg_id is recorded", { timeout: 90_000 }, async () => {
    // JSMS takes the batch at once and answers after 8 s (within the client's deadline); its reports come within 100 ms.
    const lateBefore = sandbox.stats().faults.lateAnswers;
    const unmatchedNow = async () =>
      (await executeRows<{ n: number }>(t.db, sql`select count(*)::int as n from unmatched_receipts where channel_id = ${channel.id}::uuid`))[0]!.n;
    const waitingBefore = await unmatchedNow();
    sandbox.faults({ lateAnswerNext: 1, lateAnswerMs: 8_000 });
    const phones = Array.from({ length: 200 }, (_, i) => phoneOf(76, i));
    const sendId = await queue(phones);
    await waitFor("the answer to be held back", async () => sandbox.stats().faults.lateAnswers > lateBefore);
    await sandbox.settleCallbacks();
    await drainJsmsCallbacks(t.db);
    // Every report arrived while the messages were still being submitted: they wait, unmatched.
    const early = (await unmatchedNow()) - waitingBefore;
    const { rows: whileWaiting } = await countsOnSendAndRows(t.db, sendId);
    console.log(`[${t.kind}] JSMS reports before the answer: ${early} waiting while ${whileWaiting.submitting} messages were submitting`);
    expect(whileWaiting.submitting).toBe(phones.length);
    expect(early).toBe(phones.length);

    await settle(sendId);
    await waitFor("every waiting report to be applied", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done", 15_000);
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ delivered: phones.length - expectedFailed(phones), failed: expectedFailed(phones), unknown: 0, uncertain: 0 });
    for (const kinds of (await eventKindsOf(t.db, sendId)).values()) expect(kinds).toEqual(["submit_resp", "report"]);
    const [{ matchedLate }] = await executeRows<{ matchedLate: number }>(
      t.db,
      sql`select count(*)::int as "matchedLate" from message_events e join messages m on m.id = e.message_id
           where m.send_id = ${sendId}::uuid and e.kind = 'report' and (e.raw->>'matchedLate')::boolean`,
    );
    expect(matchedLate).toBe(phones.length);
    expect(await unmatchedNow()).toBe(waitingBefore);
    for (const p of phones) expect(timesAccepted(p)).toBe(1);
  });
});
