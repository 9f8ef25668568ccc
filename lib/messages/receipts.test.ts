import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { applyReceipts, applyWaitingReceipts, matchUnmatchedReceipts, phoneMatchKey, type ProviderReceipt } from "./receipts";
import { insertTestChannel, insertTestMessages, insertTestSend, sendCounters } from "./testing/fixtures";

async function addSegments(db: Db, messageId: string, channelId: string, phone: string, ids: string[]) {
  await db.execute(sql`insert into message_segments (message_id, part, channel_id, phone, provider_message_id)
    select ${messageId}::bigint, ord, ${channelId}::uuid, ${phone}, id from json_array_elements_text(${JSON.stringify(ids)}::json) with ordinality as x(id, ord)`);
  await db.execute(sql`update messages set segments = ${ids.length}::integer, provider_message_id = ${ids[0]} where id = ${messageId}::bigint`);
}

const statusOf = async (db: Db, id: string) =>
  (await executeRows<{ status: string; error_code: string | null }>(db, sql`select status, error_code from messages where id = ${id}::bigint`))[0]!;

describeEachDb("receipt reconciliation", (t) => {
  let channelId: string;
  const report = (providerMessageId: string, phone: string, code: string, over: Partial<ProviderReceipt> = {}): ProviderReceipt => ({
    channelId, providerMessageId, phone, code, category: code === "DELIVRD" ? "delivered" : code === "EXPIRED" ? "expired" : "invalid_number", final: code !== "ACCEPTD", ...over,
  });
  beforeAll(async () => {
    channelId = (await insertTestChannel(t.db)).id;
  });

  it("delivers a long message only when every segment is delivered, and fails it on one failed segment", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [long, broken] = await insertTestMessages(t.db, sendId, channelId, ["13800000001", "13800000002"], "submitted");
    await addSegments(t.db, long!, channelId, "13800000001", ["a1", "a2", "a3"]);
    await addSegments(t.db, broken!, channelId, "13800000002", ["b1", "b2"]);
    expect(await applyReceipts(t.db, [report("a1", "13800000001", "DELIVRD"), report("a2", "13800000001", "DELIVRD")])).toEqual(["applied", "applied"]);
    expect((await statusOf(t.db, long!)).status).toBe("submitted");
    await applyReceipts(t.db, [report("a3", "8613800000001", "DELIVRD"), report("b2", "13800000002", "UNDELIV"), report("b1", "13800000002", "DELIVRD")]);
    expect(await statusOf(t.db, long!)).toEqual({ status: "delivered", error_code: null });
    expect(await statusOf(t.db, broken!)).toEqual({ status: "failed", error_code: "UNDELIV" });
    expect(await sendCounters(t.db, sendId)).toMatchObject({ delivered_count: 1, failed_count: 1, submitted_count: 0, status: "done" });
    const events = await executeRows<{ kind: string; part: number }>(t.db, sql`select kind, part from message_events where message_id = ${long}::bigint order by id`);
    expect(events.map((e) => e.part).sort()).toEqual([1, 2, 3]);
  });

  it("matches reports that share one Msg_Id across numbers by the number, each once", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [a, b] = await insertTestMessages(t.db, sendId, channelId, ["13800000011", "13800000012"], "submitted");
    await addSegments(t.db, a!, channelId, "13800000011", ["shared"]);
    await addSegments(t.db, b!, channelId, "13800000012", ["shared"]);
    const outcomes = await applyReceipts(t.db, [report("shared", "13800000012", "UNDELIV"), report("shared", "13800000011", "DELIVRD"), report("shared", "13800000011", "DELIVRD")]);
    expect(outcomes).toEqual(["applied", "applied", "duplicate"]);
    expect((await statusOf(t.db, a!)).status).toBe("delivered");
    expect((await statusOf(t.db, b!)).status).toBe("failed");
  });

  it("keeps ACCEPTD as not final, and a report after the final one as an event that changes nothing", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [m] = await insertTestMessages(t.db, sendId, channelId, ["13800000021"], "submitted");
    await addSegments(t.db, m!, channelId, "13800000021", ["c1"]);
    await applyReceipts(t.db, [report("c1", "13800000021", "ACCEPTD")]);
    expect((await statusOf(t.db, m!)).status).toBe("submitted");
    await applyReceipts(t.db, [report("c1", "13800000021", "EXPIRED")]);
    expect((await applyReceipts(t.db, [report("c1", "13800000021", "DELIVRD")]))[0]).toBe("duplicate");
    expect((await statusOf(t.db, m!)).status).toBe("expired");
    const kinds = await executeRows<{ kind: string; code: string }>(t.db, sql`select kind, code from message_events where message_id = ${m}::bigint order by id`);
    expect(kinds).toEqual([{ kind: "report", code: "ACCEPTD" }, { kind: "report", code: "EXPIRED" }, { kind: "report_ignored", code: "DELIVRD" }]);
  });

  it("holds an early report until its segment is recorded, once, however often it came", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [m] = await insertTestMessages(t.db, sendId, channelId, ["13800000031"], "submitted");
    expect(await applyReceipts(t.db, [report("early", "13800000031", "DELIVRD"), report("early", "13800000031", "DELIVRD")])).toEqual(["unmatched", "duplicate"]);
    await addSegments(t.db, m!, channelId, "13800000031", ["early"]);
    expect(await matchUnmatchedReceipts(t.db, channelId, ["early"])).toBe(1);
    expect((await statusOf(t.db, m!)).status).toBe("delivered");
    expect(await matchUnmatchedReceipts(t.db, channelId, ["early"])).toBe(0);
  });

  it("applies a waiting receipt whose segment another transaction recorded, by the sweep", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const [m] = await insertTestMessages(t.db, sendId, channelId, ["13800000041"], "submitted");
    await applyReceipts(t.db, [report("crossed", "13800000041", "UNDELIV")]);
    // Recorded without looking at unmatched_receipts, as a transaction that began before the receipt was stored.
    await addSegments(t.db, m!, channelId, "13800000041", ["crossed"]);
    expect(await applyWaitingReceipts(t.db)).toBe(1);
    expect(await statusOf(t.db, m!)).toEqual({ status: "failed", error_code: "UNDELIV" });
    expect(await applyWaitingReceipts(t.db)).toBe(0);
  });
});

it("compares numbers as gateways write them", () => {
  expect(phoneMatchKey("8613800138000")).toBe(phoneMatchKey("13800138000"));
  expect(phoneMatchKey("+8613800138000")).toBe("13800138000");
  expect(phoneMatchKey("00447911123456")).toBe(phoneMatchKey("+447911123456"));
  expect(phoneMatchKey("13800138001")).not.toBe(phoneMatchKey("13800138000"));
});
