/**
 * Chart data: per channel, per bucket (minute, hour or day, by the range's length), the
 * messages created in the bucket by outcome. Minute charts read minute rows; hour and day charts
 * read hour rows with minute rows at the range's edges, so a chart from 10:30 starts at 10:30.
 * Day buckets are the days of the operator's time zone, made of whole UTC hours: in a zone whose
 * offset is not whole hours (India, +05:30) an hour is counted in the day it starts in, so days
 * there are rounded to the hour.
 */
import { sql, type SQL } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { ValidationError } from "@/lib/util/errors";
import { addState, deliveryCountsOf, emptyStateCounts, type StateCounts } from "./delivery-counts";
import { channelByKey, listChannelInfo, rangeCellsSql, toCount, type ChannelInfo } from "./range-cells";
import type { Series, SeriesBucket, SeriesGrain, SeriesQuery } from "./stats-types";
import { chooseSeriesGrain, DEFAULT_TIME_ZONE, isTimeZone, toMinuteRange } from "./time-range";

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The generate_series of every bucket start from the range's first to its last (days follow the zone's calendar), as timestamptz `g`. */
function bucketStartsSql(grain: SeriesGrain, timeZone: string, from: Date, to: Date): SQL {
  const zone = sql.raw(`'${grain === "day" ? timeZone : "UTC"}'`);
  const unit = sql.raw(`'${grain}'`);
  const step = sql.raw(`interval '1 ${grain}'`);
  const last = sql`(${to.toISOString()}::timestamptz - interval '1 microsecond')`;
  return sql`select s at time zone ${zone} as g
      from generate_series(date_trunc(${unit}, ${from.toISOString()}::timestamptz at time zone ${zone}),
                           date_trunc(${unit}, ${last} at time zone ${zone}), ${step}) s`;
}

export async function getSeries(db: Db, query: SeriesQuery): Promise<Series> {
  const timeZone = query.timeZone ?? DEFAULT_TIME_ZONE;
  // The zone is written into the statement (date_trunc's zone cannot vary per row), so it must be a real one.
  if (!isTimeZone(timeZone)) throw new ValidationError("Unknown time zone.", [{ path: "timeZone", message: "errors.stats_time_zone_invalid" }]);
  const range = toMinuteRange(query);
  const grain = chooseSeriesGrain(range);
  const only = query.channelKey === undefined ? undefined : await channelByKey(db, query.channelKey);
  const [channels, rows, steps] = await Promise.all([
    only ? Promise.resolve([only]) : listChannelInfo(db),
    executeRows<{ start: string; channel_id: string; status: string; n: string | number }>(
      db,
      // Each counter row finds its chart bucket by a binary search over the bucket starts
      // (width_bucket): zone arithmetic per row would cost more than the rest of the query.
      sql`with steps as (select array_agg(g order by g) as starts from (${bucketStartsSql(grain, timeZone, range.from, range.to)}) s),
          agg as (
            select width_bucket(cells.bucket, steps.starts) as i, cells.channel_id, cells.status, sum(cells.n) as n
              from (${rangeCellsSql(range, { channelIds: only ? [only.id] : undefined, minutesOnly: grain === "minute" })}) cells cross join steps
             group by 1, 2, 3)
          select to_char(steps.starts[agg.i] at time zone 'UTC', ${sql.raw(ISO)}) as start, agg.channel_id::text as channel_id, agg.status, agg.n
            from agg cross join steps where agg.i > 0`,
    ),
    range.to > range.from
      ? executeRows<{ start: string }>(db, sql`select to_char(g at time zone 'UTC', ${sql.raw(ISO)}) as start from (${bucketStartsSql(grain, timeZone, range.from, range.to)}) s order by g`)
      : Promise.resolve([]),
  ]);

  const cells = new Map<string, StateCounts>();
  const withMessages = new Set<string>();
  for (const row of rows) {
    const key = `${row.start}|${row.channel_id}`;
    let counts = cells.get(key);
    if (!counts) cells.set(key, (counts = emptyStateCounts()));
    addState(counts, row.status, toCount(row.n));
    withMessages.add(row.channel_id);
  }
  const shown: ChannelInfo[] = only ? [only] : channels.filter((c) => withMessages.has(c.id));
  const ordered = [...shown].sort((a, b) => (a.channelKey < b.channelKey ? -1 : a.channelKey > b.channelKey ? 1 : 0));
  const buckets: SeriesBucket[] = [];
  for (const { start } of steps) {
    for (const channel of ordered) {
      buckets.push({ start, channelKey: channel.channelKey, ...deliveryCountsOf(cells.get(`${start}|${channel.id}`) ?? emptyStateCounts()) });
    }
  }
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    grain,
    timeZone,
    channels: shown.map((c) => ({ channelKey: c.channelKey, name: c.name })),
    buckets,
  };
}
