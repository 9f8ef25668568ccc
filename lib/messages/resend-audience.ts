import { sql, type SQL } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { planMessageList } from "./list/message-list-query";
import { messageListFilterSchema } from "./list/message-list-filter";
import { insertRecipientMessages, numberForChannel } from "./recipient-messages";
import { RESEND_STATES, canonicalFilter, type ResendState, type StoredListFilter } from "./resend-schema";

/**
 * A resend's audience: the messages of one earlier send (`fromSendId`) that are in one of the
 * chosen final states, optionally narrowed by the message list's filter (the same conditions as
 * the list, lib/messages/list/message-list-query.ts, so it takes what the list shows). The send preparer turns it into
 * messages in chunks by message id (the cursor is the last source message id done), as it does
 * the other kinds; the chunk, its counters and the cursor commit together (send-preparer.ts).
 *
 * What a chunk takes is read as the chunk is written: while the earlier send is still sending,
 * a message that reaches a chosen state before its chunk is read is taken, one that reaches it
 * later is not (resend again to take it).
 *
 * Never resent twice: a source message whose recipient (its userid, or its phone when it has no
 * userid) already has a message in another resend of the same send is left out. So a second
 * resend of a send, with other states or another filter, takes only what no earlier one took,
 * and a chain (a send, its resend, the resend's resend) always continues from its newest link.
 *
 * Numbers: a message with a userid gets the number the user has now for the new send's channel
 * (its binding to the channel's key, else its `all` number, else the message is made failed with
 * no_number_for_channel, as the userids kind does); a message without a userid keeps its phone.
 */
export interface ResendAudience {
  kind: "resend";
  fromSendId: string;
  states: ResendState[];
  /** The list filter a resend from the message list was made with, as its query string writes it. */
  filter?: StoredListFilter;
}

/** The send a chunk is written for. */
export interface ResendTarget {
  id: string;
  channelId: string;
  channelKey: string;
  segmentsPerMessage: number;
}

/** What one chunk wrote; the same shape as the preparer's other kinds. */
export interface ResendChunk {
  queued: number;
  failed: number;
  /** The last source message id done. */
  cursor: string | null;
  last: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The stored audience if it is a resend one; a malformed one is null (the preparer then makes no messages). */
export function resendAudienceOf(stored: Record<string, unknown>): ResendAudience | null {
  if (stored.kind !== "resend" || typeof stored.fromSendId !== "string" || !UUID.test(stored.fromSendId)) return null;
  const states = Array.isArray(stored.states) ? RESEND_STATES.filter((s) => (stored.states as unknown[]).includes(s)) : [];
  if (states.length === 0) return null;
  let filter: StoredListFilter | undefined;
  if (stored.filter !== undefined) {
    const parsed = messageListFilterSchema.safeParse(stored.filter);
    if (!parsed.success) return null;
    filter = canonicalFilter(parsed.data);
  }
  return { kind: "resend", fromSendId: stored.fromSendId, states, ...(filter ? { filter } : {}) };
}

/** The other resends of the send (a handful at most): the recipients they took are left out. */
async function earlierResends(db: Db, fromSendId: string, except: string | null): Promise<string[]> {
  const rows = await executeRows<{ id: string }>(
    db,
    sql`select id::text as id from sends where resent_from = ${fromSendId}::uuid and id <> ${except ?? "00000000-0000-0000-0000-000000000000"}::uuid`,
  );
  return rows.map((r) => r.id);
}

/**
 * The source messages the audience takes, as conditions on `m` and its channel `c`; null when
 * the filter can match nothing. Two NOT EXISTS, one per kind of recipient, so each can be
 * answered by its own index (userid, id) or (phone, id).
 */
async function takenConditions(db: Db, audience: ResendAudience, others: readonly string[]): Promise<SQL | null> {
  const where: SQL[] = [sql`m.send_id = ${audience.fromSendId}::uuid`, sql`m.status = any(${arrayParam(audience.states, "text")})`];
  if (audience.filter) {
    const plan = await planMessageList(db, messageListFilterSchema.parse(audience.filter));
    if (plan.empty) return null;
    where.push(plan.where);
  }
  if (others.length > 0) {
    const resends = arrayParam(others, "uuid");
    where.push(sql`(
      (m.userid is not null and not exists (select 1 from messages n where n.userid = m.userid and n.send_id = any(${resends})))
      or (m.userid is null and not exists (select 1 from messages n where n.phone = m.phone and n.userid is null and n.send_id = any(${resends})))
    )`);
  }
  return sql.join(where, sql` and `);
}

/** How many messages the audience would take now (the new send's audience size). */
export async function countResendable(db: Db, audience: ResendAudience): Promise<number> {
  const taken = await takenConditions(db, audience, await earlierResends(db, audience.fromSendId, null));
  if (!taken) return 0;
  const [row] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from messages m join channels c on c.id = m.channel_id where ${taken}`);
  return row?.n ?? 0;
}

/** Whether the audience would take any message now. */
export async function anyResendable(db: Db, audience: ResendAudience): Promise<boolean> {
  const taken = await takenConditions(db, audience, await earlierResends(db, audience.fromSendId, null));
  if (!taken) return false;
  const rows = await executeRows<{ one: number }>(db, sql`select 1 as one from messages m join channels c on c.id = m.channel_id where ${taken} limit 1`);
  return rows.length > 0;
}

/**
 * The next chunk: up to `size` source messages after the cursor, in id order, each made into a
 * message of the new send with its number resolved for the new channel.
 */
export async function writeResendChunk(tx: Db, target: ResendTarget, audience: ResendAudience, cursor: string | null, size: number): Promise<ResendChunk> {
  const taken = await takenConditions(tx, audience, await earlierResends(tx, audience.fromSendId, target.id));
  if (!taken) return { queued: 0, failed: 0, cursor, last: true };
  const after = cursor === null ? sql`` : sql` and m.id > ${cursor}::bigint`;
  const number = numberForChannel(sql`p.userid`, target.channelKey);
  const [row] = await executeRows<{ picked: number; last_id: string | null; queued: number; failed: number }>(
    tx,
    sql`with picked as (
      select m.id, m.userid, m.phone from messages m join channels c on c.id = m.channel_id
       where ${taken}${after}
       order by m.id
       limit ${size}::int
    ), resolved as (
      select p.id, p.userid, case when p.userid is null then p.phone else ${number.phone} end as phone
        from picked p
        ${number.joins}
    ), ${insertRecipientMessages(target, sql`r.id`)}
    select (select count(*)::int from picked) as picked, (select max(id)::text from picked) as last_id,
           (select count(*) filter (where status = 'queued')::int from ins) as queued,
           (select count(*) filter (where status = 'failed')::int from ins) as failed`,
  );
  const picked = row?.picked ?? 0;
  return { queued: row?.queued ?? 0, failed: row?.failed ?? 0, cursor: row?.last_id ?? cursor, last: picked < size };
}
