import { sql } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { isForeignKeyViolation } from "@/lib/util/errors";

/**
 * Which of a dispatcher's claims on a CMPP channel may have reached the gateway. A lane claims
 * ahead of its connections (hundreds of messages per connection) but hands the pool at most a
 * window each; before it hands a message over, the message's id is in this log. So when the
 * dispatcher dies, the reclaimer knows that its other claims certainly never left: they go back to
 * the queue as they were, and only the logged ones are sent again marked `uncertain` (or made
 * `unknown` where the channel does not resend). Without it every claim of a killed dispatcher was
 * taken for one the gateway may have had: up to a thousand messages a kill marked uncertain, and
 * on a channel that does not resend, a thousand never sent made `unknown`, lost.
 *
 * One row per dispatcher and channel holding the whole set (unsettled and about to be handed:
 * a few windows), rewritten in one statement a window's worth of handoffs at a time. The row goes
 * with the dispatcher's lease row (foreign key, on delete cascade).
 */

/**
 * Writes `messageIds` as the set of `owner`'s messages on the channel that may reach the gateway.
 * Resolves false when `owner` no longer holds a live lease (lapsed, or taken back): its claims are
 * another's to judge, and nothing more may be handed over.
 */
export async function logHandoffs(db: Db, owner: string, channelId: string, messageIds: readonly string[]): Promise<boolean> {
  try {
    const rows = await executeRows<{ ok: number }>(
      db,
      sql`insert into dispatcher_handoffs (worker_id, channel_id, message_ids, updated_at)
          select ${owner}, ${channelId}::uuid, ${arrayParam(messageIds, "bigint")}, now()
           where exists (select 1 from dispatcher_workers where id = ${owner} and lease_until >= now())
          on conflict (worker_id, channel_id) do update set message_ids = excluded.message_ids, updated_at = excluded.updated_at
          returning 1 as ok`,
    );
    return rows.length > 0;
  } catch (error) {
    // The lease row deleted between the check and the insert (taken back): the foreign key refuses.
    if (isForeignKeyViolation(error)) return false;
    throw error;
  }
}

/**
 * Per channel on which the dispatcher logged handoffs, the messages it may have handed to the
 * gateway (for the reclaimer). A channel without a row has no log to trust (a dispatcher of an
 * earlier version): all its claims there are taken for ones that may have left.
 */
export async function handoffsOf(db: Db, owner: string): Promise<Map<string, Set<string>>> {
  const rows = await executeRows<{ channel_id: string; ids: string[] }>(
    db,
    sql`select channel_id::text as channel_id, message_ids::text[] as ids from dispatcher_handoffs where worker_id = ${owner}`,
  );
  return new Map(rows.map((r) => [r.channel_id, new Set(r.ids)]));
}
