import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { applyBulkTransition, applyTransitions, recordMessageEvents } from "./message-state";
import { insertTestChannel, insertTestMessages, insertTestSend, sendCounters } from "./testing/fixtures";

describeEachDb("message state changes", (t) => {
  let channelId: string;
  beforeAll(async () => {
    channelId = (await insertTestChannel(t.db)).id;
  });

  it("moves messages, counts the moves on the send and records an event each, in one batch", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const ids = await insertTestMessages(t.db, sendId, channelId, ["13800000001", "13800000002", "13800000003"]);
    const claimed = await applyTransitions(
      t.db,
      ids.map((id) => ({ id, from: "queued" as const, to: "submitting" as const, attempts: 1, event: { kind: "claimed" } })),
      { owner: "w1" },
    );
    expect(claimed).toHaveLength(3);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ queued_count: 0, submitting_count: 3, status: "sending" });

    const submitted = await applyTransitions(
      t.db,
      [
        { id: ids[0]!, from: "submitting", to: "submitted", providerMessageId: "m1", event: { kind: "submit_resp", code: "0" } },
        { id: ids[1]!, from: "submitting", to: "failed", error: { code: "submit_result:13", category: "invalid_number" }, event: { kind: "submit_resp", code: "13" } },
        { id: ids[2]!, from: "submitting", to: "queued", uncertain: true, event: { kind: "uncertain_attempt" } },
      ],
      { owner: "w1" },
    );
    expect(submitted.map((s) => s.to)).toEqual(expect.arrayContaining(["submitted", "failed", "queued"]));
    expect(await sendCounters(t.db, sendId)).toMatchObject({ queued_count: 1, submitting_count: 0, submitted_count: 1, failed_count: 1, uncertain_count: 1 });

    const [row] = await executeRows<{ status: string; attempts: number; provider_message_id: string; report_deadline_at: string | null; claimed_by: string | null }>(
      t.db,
      sql`select status, attempts, provider_message_id, report_deadline_at, claimed_by from messages where id = ${ids[0]}::bigint`,
    );
    expect(row).toMatchObject({ status: "submitted", attempts: 1, provider_message_id: "m1", claimed_by: null });
    expect(row!.report_deadline_at).not.toBeNull();
    const events = await executeRows<{ kind: string; code: string | null }>(t.db, sql`select kind, code from message_events where message_id = ${ids[1]}::bigint order by id`);
    expect(events).toEqual([{ kind: "claimed", code: null }, { kind: "submit_resp", code: "13" }]);
  });

  it("changes nothing for a message whose claim another dispatcher holds, or that left the expected state", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [a, b] = await insertTestMessages(t.db, sendId, channelId, ["13800000011", "13800000012"]);
    await applyTransitions(t.db, [{ id: a!, from: "queued", to: "submitting" }], { owner: "w1" });
    const stolen = await applyTransitions(t.db, [{ id: a!, from: "submitting", to: "submitted" }], { owner: "w2" });
    expect(stolen).toEqual([]);
    const stale = await applyTransitions(t.db, [{ id: b!, from: "submitting", to: "submitted" }], { owner: "w1" });
    expect(stale).toEqual([]);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ queued_count: 1, submitting_count: 1, submitted_count: 0 });
  });

  it("marks the send done when its last message is final, and counts an uncertain message once", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [a] = await insertTestMessages(t.db, sendId, channelId, ["13800000021"]);
    await applyTransitions(t.db, [{ id: a!, from: "queued", to: "submitting", uncertain: true }], { owner: "w1" });
    await applyTransitions(t.db, [{ id: a!, from: "submitting", to: "submitted", uncertain: true }], { owner: "w1" });
    expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "sending", uncertain_count: 1 });
    await applyTransitions(t.db, [{ id: a!, from: "submitted", to: "delivered", event: { kind: "report", code: "DELIVRD" } }]);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "done", delivered_count: 1, submitted_count: 0 });
  });

  it("refuses the same message twice in one batch", async () => {
    await expect(applyTransitions(t.db, [{ id: "1", from: "queued", to: "submitting" }, { id: "1", from: "queued", to: "submitting" }])).rejects.toThrow(/twice/);
  });

  it("moves messages picked by a condition in bounded batches, counters and events included", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    await insertTestMessages(t.db, sendId, channelId, Array.from({ length: 25 }, (_, i) => `1390000${String(i).padStart(4, "0")}`));
    const change = { where: sql`send_id = ${sendId}::uuid`, from: "queued" as const, to: "cancelled" as const, error: { code: "cancelled", category: null }, event: { kind: "cancelled" }, limit: 10 };
    expect(await applyBulkTransition(t.db, change)).toBe(10);
    expect(await applyBulkTransition(t.db, change)).toBe(10);
    expect(await applyBulkTransition(t.db, change)).toBe(5);
    expect(await applyBulkTransition(t.db, change)).toBe(0);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ queued_count: 0, cancelled_count: 25, status: "done" });
    const [events] = await executeRows<{ n: number }>(t.db, sql`select count(*)::int as n from message_events e join messages m on m.id = e.message_id where m.send_id = ${sendId}::uuid and e.kind = 'cancelled'`);
    expect(events!.n).toBe(25);
  });

  it("records events that change no state", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [a] = await insertTestMessages(t.db, sendId, channelId, ["13800000031"]);
    await recordMessageEvents(t.db, [{ messageId: a!, kind: "report_ignored", code: "DELIVRD", part: 2, raw: { late: true } }]);
    const events = await executeRows<{ kind: string; part: number; raw: unknown }>(t.db, sql`select kind, part, raw from message_events where message_id = ${a}::bigint`);
    expect(events).toEqual([{ kind: "report_ignored", part: 2, raw: { late: true } }]);
  });
});

describe("message states", () => {
  it("lists final states apart from those in flight", async () => {
    const { isFinalState } = await import("./message-state");
    expect(["delivered", "failed", "expired", "unknown", "cancelled"].every(isFinalState)).toBe(true);
    expect(["queued", "submitting", "submitted"].some(isFinalState)).toBe(false);
  });
});
