import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { applyBulkTransition, applyTransitions } from "../message-state";
import { insertTestChannel, insertTestMessages, insertTestSend } from "../testing/fixtures";

type Cell = { channel_id: string; status: string; code: string; n: number };

/** What the counters say, per channel, state and code, at one grain. */
async function countersAt(db: Db, grain: "minute" | "hour", channelId: string): Promise<Cell[]> {
  return executeRows<Cell>(
    db,
    sql`select channel_id::text, status, code, sum(n)::int as n from message_stats
         where grain = ${grain} and channel_id = ${channelId}::uuid
         group by 1, 2, 3 having sum(n) <> 0 order by 2, 3`,
  );
}

/** The truth the counters must equal. */
async function countedFromMessages(db: Db, channelId: string): Promise<Cell[]> {
  return executeRows<Cell>(
    db,
    sql`select channel_id::text, status, coalesce(error_code, '') as code, count(*)::int as n from messages
         where channel_id = ${channelId}::uuid group by 1, 2, 3 order by 2, 3`,
  );
}

async function sendCells(db: Db, sendId: string, from: "stats" | "messages") {
  return from === "stats"
    ? executeRows<{ status: string; code: string; n: number }>(
        db,
        sql`select status, code, n::int as n from send_stats where send_id = ${sendId}::uuid and n <> 0 order by 1, 2`,
      )
    : executeRows<{ status: string; code: string; n: number }>(
        db,
        sql`select status, coalesce(error_code, '') as code, count(*)::int as n from messages where send_id = ${sendId}::uuid group by 1, 2 order by 1, 2`,
      );
}

describeEachDb("dashboard counters kept with every message write", (t) => {
  let channelId: string;
  beforeAll(async () => {
    channelId = (await insertTestChannel(t.db)).id;
  });

  it("equal count(*) over messages after inserts, batch moves, bulk moves and a rolled-back change", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const ids = await insertTestMessages(t.db, sendId, channelId, ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005"]);
    await applyTransitions(t.db, ids.slice(0, 4).map((id) => ({ id, from: "queued" as const, to: "submitting" as const, attempts: 1 })), { owner: "w1" });
    await applyTransitions(
      t.db,
      [
        { id: ids[0]!, from: "submitting", to: "submitted", providerMessageId: "a" },
        { id: ids[1]!, from: "submitting", to: "submitted", providerMessageId: "b" },
        { id: ids[2]!, from: "submitting", to: "failed", error: { code: "submit_result:13", category: "invalid_number" } },
        { id: ids[3]!, from: "submitting", to: "submitted", providerMessageId: "d" },
      ],
      { owner: "w1" },
    );
    await applyTransitions(t.db, [
      { id: ids[0]!, from: "submitted", to: "delivered", error: { code: null, category: null } },
      { id: ids[1]!, from: "submitted", to: "failed", error: { code: "MK:0001", category: "invalid_number" } },
    ]);
    await applyBulkTransition(t.db, { where: sql`send_id = ${sendId}::uuid`, from: "queued", to: "cancelled", event: { kind: "cancelled" }, limit: 100 });
    // A change that rolls back takes its counts with it.
    await t.db
      .transaction(async (tx) => {
        await applyTransitions(tx, [{ id: ids[3]!, from: "submitted", to: "expired", error: { code: "EXPIRED", category: "expired" } }]);
        throw new Error("roll back");
      })
      .catch(() => undefined);

    const truth = await countedFromMessages(t.db, channelId);
    expect(truth).toEqual([
      { channel_id: channelId, status: "cancelled", code: "", n: 1 },
      { channel_id: channelId, status: "delivered", code: "", n: 1 },
      { channel_id: channelId, status: "failed", code: "MK:0001", n: 1 },
      { channel_id: channelId, status: "failed", code: "submit_result:13", n: 1 },
      { channel_id: channelId, status: "submitted", code: "", n: 1 },
    ]);
    expect(await countersAt(t.db, "minute", channelId)).toEqual(truth);
    expect(await countersAt(t.db, "hour", channelId)).toEqual(truth);
    expect(await sendCells(t.db, sendId, "stats")).toEqual(await sendCells(t.db, sendId, "messages"));
  });

  it("keep the newest message of a cell as its example", async () => {
    const sendId = await insertTestSend(t.db, channelId);
    const ids = await insertTestMessages(t.db, sendId, channelId, ["13800000011", "13800000012"], "submitted");
    await applyTransitions(t.db, ids.map((id) => ({ id, from: "submitted" as const, to: "failed" as const, error: { code: "XYZ:9", category: "unknown" } })));
    const [cell] = await executeRows<{ last_message_id: string }>(
      t.db,
      sql`select last_message_id::text from send_stats where send_id = ${sendId}::uuid and status = 'failed' and code = 'XYZ:9'`,
    );
    expect(cell?.last_message_id).toBe(ids[1]);
  });
});
