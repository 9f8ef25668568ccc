/**
 * The counter rows behind a range, and the channels they belong to: the building blocks of every
 * dashboard query. A range is read as the union of its segments (time-range.ts): each is a range
 * scan of message_stats' primary key (grain, bucket, …), so a month reads about 720 hour rows
 * per channel, state and code, never the messages themselves.
 */
import { sql, type SQL } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/util/errors";
import { channelProviderSql } from "./code-category";
import type { TimeRange } from "./stats-types";
import { rangeSegments, toMinuteRange, type RangeSegment } from "./time-range";

export const LOSS_STATES = ["failed", "expired", "unknown"] as const;

export interface RangeCellsOptions {
  /** Only these channels (message_stats.channel_id). */
  channelIds?: readonly string[];
  /** Only these states. */
  statuses?: readonly string[];
  /** Read minute rows only (a minute chart), not hour rows for the whole hours. */
  minutesOnly?: boolean;
}

const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;

function statesList(states: readonly string[]): SQL {
  return sql.join(states.map((s) => sql`${s}`), sql`, `);
}

function minuteSegment(range: TimeRange): RangeSegment[] {
  const { from, to } = toMinuteRange(range);
  return to > from ? [{ grain: "minute", from, to }] : [];
}

/**
 * `select grain, bucket, channel_id, status, code, n, last_message_id` over the counter rows that add
 * up to the range (use it as a subquery). Rows with n = 0 (cells emptied by later moves) are left out.
 */
export function rangeCellsSql(range: TimeRange, options: RangeCellsOptions = {}): SQL {
  const filters: SQL[] = [sql`n <> 0`];
  if (options.channelIds) {
    filters.push(options.channelIds.length ? sql`channel_id in (${sql.join(options.channelIds.map((id) => sql`${id}::uuid`), sql`, `)})` : sql`false`);
  }
  if (options.statuses) filters.push(sql`status in (${statesList(options.statuses)})`);
  const segments: RangeSegment[] = options.minutesOnly ? minuteSegment(range) : rangeSegments(range);
  const parts = segments.map(
    (segment) =>
      sql`select grain, bucket, channel_id, status, code, n, last_message_id from message_stats
           where grain = ${segment.grain} and bucket >= ${at(segment.from)} and bucket < ${at(segment.to)} and ${sql.join(filters, sql` and `)}`,
  );
  if (!parts.length) return sql`select null::text as grain, null::timestamptz as bucket, null::uuid as channel_id, null::text as status, null::text as code, 0::bigint as n, null::bigint as last_message_id where false`;
  return sql.join(parts, sql` union all `);
}

export interface ChannelInfo {
  id: string;
  channelKey: string;
  name: string;
  type: "jsms" | "cmpp";
  enabled: boolean;
  providerId: string;
}

/** Every channel with its provider id, in name order (a console has a handful). */
export async function listChannelInfo(db: Db, where: SQL = sql`true`): Promise<ChannelInfo[]> {
  return executeRows<ChannelInfo>(
    db,
    sql`select c.id::text as id, c.channel_key as "channelKey", c.name, c.type, c.enabled, ${channelProviderSql("c")} as "providerId"
          from channels c where ${where} order by lower(c.name), c.channel_key`,
  );
}

/** One channel by its key; 404 channel_not_found. */
export async function channelByKey(db: Db, channelKey: string): Promise<ChannelInfo> {
  const [row] = await listChannelInfo(db, sql`c.channel_key = ${channelKey}`);
  if (!row) throw new NotFoundError("channel_not_found", `There is no channel "${channelKey}".`);
  return row;
}

/** Counts as plain numbers: sums of bigint arrive as strings on postgres.js. */
export function toCount(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}
