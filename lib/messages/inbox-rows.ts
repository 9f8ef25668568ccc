import { sql, type SQL } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";

/**
 * The rule both inboxes follow (receipt-inbox.ts, dispatcher/outcome-inbox.ts): a row is kept by one
 * cheap insert, and whoever deletes it applies it, in the same transaction, so it is applied once
 * whoever gets there first: its own writer, or a sweep after its process died.
 */
export type InboxTable = "receipt_inbox" | "outcome_inbox";

const KEPT_AT: Record<InboxTable, string> = { receipt_inbox: "received_at", outcome_inbox: "kept_at" };

/**
 * Rows older than this were left behind (their process died, or its writer stalled): a sweep
 * applies them. A live writer applies its own within milliseconds.
 */
export const LEFT_BEHIND_AFTER_SECONDS = 10;

/** Deletes these rows; returns the ids it deleted (the others were taken already, and applied). */
export async function takeInboxRows(tx: Db, table: InboxTable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const taken = await executeRows<{ id: string }>(
    tx,
    sql`delete from ${sql.identifier(table)} where id = any(${arrayParam(ids, "uuid")}) returning id::text as id`,
  );
  return new Set(taken.map((t) => t.id));
}

/**
 * Deletes up to `limit` rows kept longer ago than LEFT_BEHIND_AFTER_SECONDS, oldest first, and
 * returns `returning` of each. SKIP LOCKED: two sweepers, or a sweeper and a live writer, never
 * take the same row.
 */
export async function takeLeftBehindRows<T>(tx: Db, table: InboxTable, limit: number, returning: SQL): Promise<T[]> {
  const keptAt = sql.identifier(KEPT_AT[table]);
  return executeRows<T>(
    tx,
    sql`with found as (
          select id from ${sql.identifier(table)}
           where ${keptAt} < now() - make_interval(secs => ${LEFT_BEHIND_AFTER_SECONDS}::integer)
           order by ${keptAt} limit ${limit}::integer
           for update skip locked
        )
        delete from ${sql.identifier(table)} t using found where t.id = found.id
        returning ${returning}`,
  );
}
