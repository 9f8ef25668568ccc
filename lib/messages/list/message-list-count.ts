import { sql, type SQL } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { channelProviderSql } from "@/lib/messages/stats/code-category";
import { rangeCellsSql, toCount } from "@/lib/messages/stats/range-cells";
import { messageCategorySql } from "./message-category";
import type { MessageListFilter } from "./message-list-filter";

/**
 * How many messages a filter matches, when the dashboard's counters can say it exactly and
 * cheaply: message_stats (per channel, minute or hour of creation, state and code) or send_stats
 * (per send, state and code), summed over a few thousand rows at most. Null when they cannot:
 * a userid or phone filter (not counted per number), a time bound not on a whole minute (the
 * finest bucket), or a send together with a time range. The export announces it as its total.
 */

const MINUTE = 60_000;
/** The widest range a whole-history count reads: every bucket there can be. */
const EARLIEST = "0001-01-01T00:00:00.000Z";
const LATEST = "9999-01-01T00:00:00.000Z";

const onMinute = (iso: string | undefined) => iso === undefined || Date.parse(iso) % MINUTE === 0;

export async function countMessagesFromCounters(db: Db, filter: MessageListFilter): Promise<number | null> {
  if (filter.userid !== undefined || filter.phone !== undefined) return null;
  if (!onMinute(filter.from) || !onMinute(filter.to)) return null;
  if (filter.sendId !== undefined && (filter.from !== undefined || filter.to !== undefined)) return null;

  // Cells first summed per (channel, state, code), so the category is read once per group.
  const conditions: SQL[] = [];
  if (filter.channelKey !== undefined) conditions.push(sql`c.channel_key = ${filter.channelKey}`);
  if (filter.provider !== undefined) conditions.push(sql`${channelProviderSql("c")} = ${filter.provider}`);
  if (filter.status !== undefined) conditions.push(sql`g.status in (${sql.join(filter.status.map((s) => sql`${s}`), sql`, `)})`);
  if (filter.code !== undefined) conditions.push(sql`g.code = ${filter.code}`);
  if (filter.category !== undefined) {
    conditions.push(sql`${messageCategorySql(channelProviderSql("c"), sql`nullif(g.code, '')`, sql`g.status`)} = ${filter.category}`);
  }
  const where = conditions.length ? sql.join(conditions, sql` and `) : sql`true`;

  const groups =
    filter.sendId !== undefined
      ? sql`select s.channel_id, ss.status, ss.code, sum(ss.n) as n
              from send_stats ss join sends s on s.id = ss.send_id
             where ss.send_id = ${filter.sendId}::uuid and ss.n <> 0
             group by 1, 2, 3`
      : sql`select r.channel_id, r.status, r.code, sum(r.n) as n
              from (${rangeCellsSql({ from: new Date(filter.from ?? EARLIEST), to: new Date(filter.to ?? LATEST) }, filter.status ? { statuses: filter.status } : {})}) r
             group by 1, 2, 3`;
  const [row] = await executeRows<{ n: string | number | null }>(
    db,
    sql`select coalesce(sum(g.n), 0) as n from (${groups}) g join channels c on c.id = g.channel_id where ${where}`,
  );
  return toCount(row?.n);
}
