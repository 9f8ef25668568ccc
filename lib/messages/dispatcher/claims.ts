import { sql } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { applyTransitions } from "../message-state";
import { inTransaction } from "@/lib/db/transaction";

/**
 * Claiming queued messages: the house rule of lib/db/claim.ts. The rows are picked with
 * FOR UPDATE SKIP LOCKED (two dispatchers never pick the same message) and moved to
 * `submitting` under this dispatcher's name in the same transaction, which also counts the
 * attempt and the move on the send. Only messages of sends that are "sending" are picked: a
 * paused or cancelled send's messages stay where they are. Which sends have queued messages is
 * read from their counters, never by scanning messages.
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
  const sendIds = options.sendId ? [options.sendId] : await sendsWithQueued(db, channelId);
  const claimed: ClaimedMessage[] = [];
  for (const sendId of sendIds) {
    if (claimed.length >= limit) break;
    claimed.push(...(await claimFromSend(db, owner, sendId, limit - claimed.length)));
  }
  return claimed;
}

/** Oldest first: a send is finished before the next one starts, as operators expect. */
async function sendsWithQueued(db: Db, channelId: string): Promise<string[]> {
  const rows = await executeRows<{ id: string }>(
    db,
    sql`select id::text as id from sends
         where channel_id = ${channelId}::uuid and status = 'sending' and queued_count > 0
         order by created_at, id limit 20`,
  );
  return rows.map((r) => r.id);
}

async function claimFromSend(db: Db, owner: string, sendId: string, limit: number): Promise<ClaimedMessage[]> {
  return inTransaction(db, async (tx) => {
    // (send_id, status, id) is the index that serves this: the send's queued messages in order.
    const picked = await executeRows<{ id: string; send_id: string; phone: string; userid: string | null; attempts: number; uncertain: boolean }>(
      tx,
      sql`select m.id::text as id, m.send_id::text as send_id, m.phone, m.userid, m.attempts, m.uncertain
            from messages m
           where m.send_id = ${sendId}::uuid and m.status = 'queued'
             and (m.next_attempt_at is null or m.next_attempt_at <= now())
             and exists (select 1 from sends s where s.id = m.send_id and s.status = 'sending')
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

/** The oldest send of a channel with queued messages (JSMS sends one template a batch). */
export async function oldestSendWithQueued(db: Db, channelId: string): Promise<string | null> {
  return (await sendsWithQueued(db, channelId))[0] ?? null;
}

/** Channels with sends that have queued messages, read from the sends' counters. */
export async function channelsWithQueuedWork(db: Db): Promise<string[]> {
  const rows = await executeRows<{ id: string }>(
    db,
    sql`select distinct s.channel_id::text as id from sends s join channels c on c.id = s.channel_id
         where s.status = 'sending' and s.queued_count > 0 and c.enabled`,
  );
  return rows.map((r) => r.id);
}

/** What each send says to send (`{text}` or `{template}`), by send id. */
export async function sendContents(db: Db, sendIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  if (sendIds.length === 0) return new Map();
  const rows = await executeRows<{ id: string; content: Record<string, unknown> }>(
    db,
    sql`select id::text as id, content from sends where id = any(${arrayParam([...new Set(sendIds)], "uuid")})`,
  );
  return new Map(rows.map((r) => [r.id, r.content]));
}

/** Each enabled channel's version (its last save), as loadDispatchChannel reports it. */
export async function channelVersions(db: Db, channelIds: readonly string[]): Promise<Map<string, string>> {
  if (channelIds.length === 0) return new Map();
  const rows = await executeRows<{ id: string; updated_at: string | Date }>(
    db,
    sql`select id::text as id, updated_at from channels
         where enabled and id = any(${arrayParam(channelIds, "uuid")})`,
  );
  return new Map(rows.map((r) => [r.id, new Date(r.updated_at).toISOString()]));
}
