import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { startDispatcher, type Dispatcher } from "./dispatcher";
import { announceQueued } from "./wake";
import { applyReceipts } from "../receipts";
import { sendCounters } from "../testing/fixtures";
import { queueSend, testHandle, waitFor } from "./testing/dispatch-fixtures";

const sealKey = crypto.randomBytes(32);

const queueText = (db: Db, channelId: string, text: string, phones: string[]) => queueSend(db, channelId, { text }, phones);

const phoneOf = (i: number) => `1380013${String(i).padStart(4, "0")}`;

describeEachDb("dispatcher over a CMPP gateway", (t) => {
  let simulator: CmppSimulator;
  let dispatcher: Dispatcher | undefined;
  let channelId: string;

  beforeAll(async () => {
    simulator = await startCmppSimulator({
      account: "900001",
      password: "secret88",
      accessNumber: "1065",
      logger: silentLogger,
      reports: {
        delayMs: 30,
        statFor: ({ dest }) => (dest.endsWith("7") ? "UNDELIV" : dest.endsWith("8") ? "EXPIRED" : dest.endsWith("9") ? "ACCEPTD" : "DELIVRD"),
      },
    });
    const view = await createChannel({ db: t.db, sealKey, publicUrl: "http://x" }, SYSTEM_ACTOR("test"), {
      type: "cmpp", name: `gw-${t.kind}`, provider: "china_mobile", host: "127.0.0.1", port: simulator.port,
      account: "900001", password: "secret88", accessNumber: "1065", connections: 2, tpsPerConnection: 10000,
    });
    [{ id: channelId }] = await executeRows<{ id: string }>(t.db, sql`select id::text as id from channels where channel_key = ${view.channelKey}`);
    dispatcher = await startDispatcher({ handle: testHandle(t), sealKey, kind: "web", pollMs: 100, deadlineEveryMs: 200, cmppLogger: silentLogger });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await simulator?.close();
  });

  it("sends every message once and ends each in the state its report gives, counted on the send", async () => {
    const phones = Array.from({ length: 300 }, (_, i) => phoneOf(i)).filter((p) => !p.endsWith("9"));
    const sendId = await queueText(t.db, channelId, "Your code is 1234", phones);
    await announceQueued(t.db, t.kind, channelId);
    await waitFor("the send to finish", async () => (await sendCounters(t.db, sendId)).status === "done");
    const byState = await executeRows<{ status: string; n: number }>(
      t.db, sql`select status, count(*)::int as n from messages where send_id = ${sendId}::uuid group by status order by status`,
    );
    const expected = { delivered: phones.filter((p) => !/[789]$/.test(p)).length, failed: phones.filter((p) => p.endsWith("7")).length, expired: phones.filter((p) => p.endsWith("8")).length };
    expect(Object.fromEntries(byState.map((r) => [r.status, r.n]))).toEqual(expected);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ delivered_count: expected.delivered, failed_count: expected.failed, expired_count: expected.expired, queued_count: 0, submitting_count: 0, submitted_count: 0 });
    expect(simulator.stats.submitsAccepted).toBeGreaterThanOrEqual(phones.length);
    const [failed] = await executeRows<{ error_code: string; error_category: string }>(
      t.db, sql`select error_code, error_category from messages where send_id = ${sendId}::uuid and status = 'failed' limit 1`,
    );
    expect(failed!.error_code).toBe("UNDELIV");
    const events = await executeRows<{ kind: string }>(
      t.db, sql`select e.kind from message_events e join messages m on m.id = e.message_id where m.phone = ${phoneOf(7)} and m.send_id = ${sendId}::uuid order by e.id`,
    );
    expect(events.map((e) => e.kind)).toEqual(["submit_resp", "report"]);
  });

  it("sends a long UCS2 message as one message of several segments, delivered when all are", async () => {
    simulator.resetStats();
    const text = "您好，" + "这是一条很长的短信。".repeat(14) + "😀结束";
    const sendId = await queueText(t.db, channelId, text, [phoneOf(1001)]);
    await announceQueued(t.db, t.kind, channelId);
    await waitFor("the long message to be delivered", async () => (await sendCounters(t.db, sendId)).status === "done");
    const [message] = await executeRows<{ id: string; status: string; segments: number }>(
      t.db, sql`select id::text as id, status, segments from messages where send_id = ${sendId}::uuid`,
    );
    expect(message!.status).toBe("delivered");
    expect(message!.segments).toBeGreaterThan(1);
    const segments = await executeRows<{ part: number; status: string }>(t.db, sql`select part, status from message_segments where message_id = ${message!.id}::bigint order by part`);
    expect(segments.map((s) => s.status)).toEqual(Array(message!.segments).fill("delivered"));
    expect(simulator.stats.submitsAccepted).toBe(message!.segments);
    expect(simulator.stats.texts.get(phoneOf(1001))).toEqual([text]);
  });

  it("leaves a paused send's messages queued and sends them once it is resumed", async () => {
    // Paused from its insert: a dispatcher polling between an insert and a later update would send it.
    const sendId = await queueSend(t.db, channelId, { text: "paused" }, [phoneOf(2001), phoneOf(2002)], "paused");
    await announceQueued(t.db, t.kind, channelId);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await sendCounters(t.db, sendId)).toMatchObject({ queued_count: 2, status: "paused" });
    await t.db.execute(sql`update sends set status = 'sending' where id = ${sendId}::uuid`);
    await announceQueued(t.db, t.kind, channelId);
    await waitFor("the resumed send to finish", async () => (await sendCounters(t.db, sendId)).status === "done");
  });

  it("turns submitted messages without a final report into unknown at their deadline, and keeps a late report as an event", async () => {
    await t.db.execute(sql`update channels set config = config || '{"reportDeadlineSeconds": 1}'::jsonb, updated_at = now() where id = ${channelId}::uuid`);
    // The gateway answers ACCEPTD for numbers ending in 9 and never a final report.
    const sendId = await queueText(t.db, channelId, "never reported", [phoneOf(3009)]);
    await announceQueued(t.db, t.kind, channelId);
    await waitFor("the deadline to pass", async () => (await sendCounters(t.db, sendId)).status === "done", 15_000);
    const [row] = await executeRows<{ status: string; error_code: string }>(t.db, sql`select status, error_code from messages where send_id = ${sendId}::uuid`);
    expect(row).toEqual({ status: "unknown", error_code: "no_final_report" });
    expect(await sendCounters(t.db, sendId)).toMatchObject({ unknown_count: 1, submitted_count: 0 });
    // A final report that comes after the deadline changes nothing and is kept on the timeline.
    const [segment] = await executeRows<{ provider_message_id: string }>(
      t.db, sql`select s.provider_message_id from message_segments s join messages m on m.id = s.message_id where m.send_id = ${sendId}::uuid`,
    );
    await applyReceipts(t.db, [{ channelId, providerMessageId: segment!.provider_message_id, phone: phoneOf(3009), code: "DELIVRD", category: "delivered", final: true }]);
    const kinds = await executeRows<{ kind: string }>(
      t.db, sql`select e.kind from message_events e join messages m on m.id = e.message_id where m.send_id = ${sendId}::uuid order by e.id`,
    );
    expect(kinds.map((k) => k.kind).filter((k) => k !== "report")).toEqual(["submit_resp", "deadline", "report_ignored"]);
    expect((await sendCounters(t.db, sendId)).unknown_count).toBe(1);
  });
});
