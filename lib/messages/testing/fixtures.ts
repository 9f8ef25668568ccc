import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { executeRows } from "@/lib/db/client";
import { channels, sends } from "@/lib/db/schema";

/**
 * Rows for tests of sending: a channel, a send in a given state, and its messages, written
 * directly (the send service and the dispatcher are what the tests exercise, not these).
 */
export async function insertTestChannel(db: Db, type: "jsms" | "cmpp" = "cmpp", config: Record<string, unknown> = {}): Promise<{ id: string; channelKey: string }> {
  const channelKey = `t${crypto.randomBytes(5).toString("hex")}`;
  const [row] = await db
    .insert(channels)
    .values({ channelKey, name: channelKey, type, config, sealedSecrets: "v1.test" })
    .returning({ id: channels.id, channelKey: channels.channelKey });
  return row!;
}

export async function insertTestSend(db: Db, channelId: string, status: "preparing" | "sending" | "paused" = "sending"): Promise<string> {
  const [row] = await db.insert(sends).values({ channelId, createdBy: "test", status }).returning({ id: sends.id });
  return row!.id;
}

/** Messages in a state, counted on the send as the state machine would have. Answers their ids in order. */
export async function insertTestMessages(
  db: Db,
  sendId: string,
  channelId: string,
  phones: readonly string[],
  status: "queued" | "submitted" = "queued",
): Promise<string[]> {
  const rows = await executeRows<{ id: string }>(
    db,
    sql`insert into messages (send_id, channel_id, userid, phone, status)
        select ${sendId}::uuid, ${channelId}::uuid, 'u' || p.ord, p.phone, ${status}
          from json_array_elements_text(${JSON.stringify(phones)}::json) with ordinality as p(phone, ord)
        returning id::text as id`,
  );
  await db.execute(
    sql`update sends set total = total + ${phones.length}::integer, ${sql.raw(`${status}_count = ${status}_count`)} + ${phones.length}::integer where id = ${sendId}::uuid`,
  );
  return rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

export async function sendCounters(db: Db, sendId: string): Promise<Record<string, number | string>> {
  const [row] = await executeRows<Record<string, number | string>>(
    db,
    sql`select status, total, queued_count, submitting_count, submitted_count, delivered_count, failed_count,
               expired_count, unknown_count, cancelled_count, uncertain_count from sends where id = ${sendId}::uuid`,
  );
  return row!;
}
