import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { LEFT_BEHIND_AFTER_SECONDS } from "./inbox-rows";
import { applyKeptReceiptsIn, applyOrphanedReceipts, keepReceipts } from "./receipt-inbox";
import type { ProviderReceipt } from "./receipts";
import { insertTestChannel, insertTestMessages, insertTestSend, sendCounters } from "./testing/fixtures";

async function submittedMessage(db: Db, channelId: string, phone: string, providerId: string): Promise<string> {
  const sendId = await insertTestSend(db, channelId);
  const [id] = await insertTestMessages(db, sendId, channelId, [phone], "submitted");
  await db.execute(sql`insert into message_segments (message_id, part, channel_id, phone, provider_message_id) values (${id}::bigint, 1, ${channelId}::uuid, ${phone}, ${providerId})`);
  await db.execute(sql`update messages set segments = 1, provider_message_id = ${providerId} where id = ${id}::bigint`);
  return id!;
}

const stateOf = async (db: Db, id: string) =>
  (await executeRows<{ status: string; error_code: string | null; send_id: string }>(db, sql`select status, error_code, send_id::text from messages where id = ${id}::bigint`))[0]!;
const inboxRows = async (db: Db) => Number((await executeRows<{ n: number }>(db, sql`select count(*)::int as n from receipt_inbox`))[0]!.n);
const eventsOf = async (db: Db, id: string) =>
  (await executeRows<{ kind: string }>(db, sql`select kind from message_events where message_id = ${id}::bigint order by id`)).map((e) => e.kind);

describeEachDb("receipts kept before the gateway is answered", (t) => {
  let channelId: string;
  const report = (providerMessageId: string, phone: string, code: string): ProviderReceipt => ({
    channelId, providerMessageId, phone, code, category: code === "DELIVRD" ? "delivered" : "handset_off", final: true,
    reportedAt: new Date("2026-12-01T08:00:00Z"), raw: { stat: code, note: 'quote " and brace { kept' },
  });
  beforeAll(async () => {
    channelId = (await insertTestChannel(t.db)).id;
  });

  it("applies a kept receipt once, by the writer that kept it, and leaves nothing in the inbox", async () => {
    const id = await submittedMessage(t.db, channelId, "13800000101", "k1");
    const kept = await keepReceipts(t.db, [report("k1", "13800000101", "UNDELIV")]);
    expect(await inboxRows(t.db)).toBe(1);
    expect((await stateOf(t.db, id)).status).toBe("submitted");
    expect(await t.db.transaction((tx) => applyKeptReceiptsIn(tx, kept))).toBe(1);
    // Applied again (a retried batch): it was taken already, so nothing changes and no event is added.
    expect(await t.db.transaction((tx) => applyKeptReceiptsIn(tx, kept))).toBe(0);
    const state = await stateOf(t.db, id);
    expect(state).toMatchObject({ status: "failed", error_code: "UNDELIV" });
    expect(await eventsOf(t.db, id)).toEqual(["report"]);
    expect(await sendCounters(t.db, state.send_id)).toMatchObject({ failed_count: 1, submitted_count: 0 });
    expect(await inboxRows(t.db)).toBe(0);
  });

  it("leaves a fresh kept receipt to its writer, and applies one a dead process left once it is old", async () => {
    const id = await submittedMessage(t.db, channelId, "13800000102", "k2");
    const kept = await keepReceipts(t.db, [report("k2", "13800000102", "DELIVRD")]);
    // Its writer is alive and about to apply it: the sweep leaves it.
    expect(await applyOrphanedReceipts(t.db)).toBe(0);
    // The process died: the row ages past the sweep's bound.
    await t.db.execute(sql`update receipt_inbox set received_at = now() - make_interval(secs => ${LEFT_BEHIND_AFTER_SECONDS + 1}::integer)`);
    expect(await applyOrphanedReceipts(t.db)).toBe(1);
    expect((await stateOf(t.db, id)).status).toBe("delivered");
    const [event] = await executeRows<{ raw: unknown }>(t.db, sql`select raw from message_events where message_id = ${id}::bigint and kind = 'report'`);
    expect(JSON.stringify(event!.raw)).toContain('quote \\" and brace { kept');
    // The writer's own attempt, had it lived: the sweep took the row, so it applies nothing again.
    expect(await t.db.transaction((tx) => applyKeptReceiptsIn(tx, kept))).toBe(0);
    expect(await eventsOf(t.db, id)).toEqual(["report"]);
    expect(await inboxRows(t.db)).toBe(0);
  });
});
