import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { applyTransitions } from "../message-state";

/**
 * Claiming queued messages: the house rule of lib/db/claim.ts. The rows are picked with
 * FOR UPDATE SKIP LOCKED (two dispatchers never pick the same message) and moved to
 * `submitting` under this dispatcher's name in the same transaction, which also counts the
 * attempt and the move on the send. Only messages of sends that are "sending" are picked: a
 * paused or cancelled send's messages stay where they are.
 */
export interface ClaimedMessage {
  id: string;
  sendId: string;
  phone: string;
  userid: string | null;
  attempts: number;
  uncertain: boolean;
}

export async function claimQueuedMessages(
  db: Db,
  owner: string,
  channelId: string,
  limit: number,
  options: { sendId?: string } = {},
): Promise<ClaimedMessage[]> {
  return db.transaction(async (tx) => {
    const picked = await executeRows<{ id: string; send_id: string; phone: string; userid: string | null; attempts: number; uncertain: boolean }>(
      tx,
      sql`select m.id::text as id, m.send_id::text as send_id, m.phone, m.userid, m.attempts, m.uncertain
            from messages m
           where m.channel_id = ${channelId}::uuid and m.status = 'queued'
             and (m.next_attempt_at is null or m.next_attempt_at <= now())
             and m.send_id in (select id from sends where channel_id = ${channelId}::uuid and status = 'sending')
             ${options.sendId ? sql`and m.send_id = ${options.sendId}::uuid` : sql``}
           order by m.id
           limit ${limit}::integer
           for update of m skip locked`,
    );
    if (picked.length === 0) return [];
    const moved = await applyTransitions(
      tx,
      picked.map((m) => ({ id: m.id, from: "queued" as const, to: "submitting" as const, attempts: 1 })),
      { owner },
    );
    const movedIds = new Set(moved.map((m) => m.id));
    return picked
      .filter((m) => movedIds.has(m.id))
      .map((m) => ({ id: m.id, sendId: m.send_id, phone: m.phone, userid: m.userid, attempts: m.attempts + 1, uncertain: m.uncertain }));
  });
}

/** The send with the oldest queued message of a channel (JSMS sends one template per batch). */
export async function oldestSendWithQueued(db: Db, channelId: string): Promise<string | null> {
  const [row] = await executeRows<{ send_id: string }>(
    db,
    sql`select m.send_id::text as send_id from messages m
         where m.channel_id = ${channelId}::uuid and m.status = 'queued'
           and (m.next_attempt_at is null or m.next_attempt_at <= now())
           and m.send_id in (select id from sends where channel_id = ${channelId}::uuid and status = 'sending')
         order by m.id limit 1`,
  );
  return row?.send_id ?? null;
}

/** Channels with messages ready to claim now. */
export async function channelsWithQueuedWork(db: Db): Promise<string[]> {
  const rows = await executeRows<{ id: string }>(
    db,
    sql`select c.id::text as id from channels c
         where c.enabled and exists (
           select 1 from messages m join sends s on s.id = m.send_id
            where m.channel_id = c.id and m.status = 'queued' and s.status = 'sending'
              and (m.next_attempt_at is null or m.next_attempt_at <= now()))`,
  );
  return rows.map((r) => r.id);
}

/** What each send says to send (`{text}` or `{template}`), by send id. */
export async function sendContents(db: Db, sendIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  if (sendIds.length === 0) return new Map();
  const rows = await executeRows<{ id: string; content: Record<string, unknown> }>(
    db,
    sql`select id::text as id, content from sends where id in (select value::uuid from json_array_elements_text(${JSON.stringify([...new Set(sendIds)])}::json))`,
  );
  return new Map(rows.map((r) => [r.id, r.content]));
}

/** Each enabled channel's version (its last save), as loadDispatchChannel reports it. */
export async function channelVersions(db: Db, channelIds: readonly string[]): Promise<Map<string, string>> {
  if (channelIds.length === 0) return new Map();
  const rows = await executeRows<{ id: string; updated_at: string | Date }>(
    db,
    sql`select id::text as id, updated_at from channels
         where enabled and id in (select value::uuid from json_array_elements_text(${JSON.stringify(channelIds)}::json))`,
  );
  return new Map(rows.map((r) => [r.id, new Date(r.updated_at).toISOString()]));
}
