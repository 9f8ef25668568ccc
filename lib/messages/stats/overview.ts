/**
 * The Overview's figures: messages created in a range, per channel and in total, by state,
 * summed from the counters (range-cells.ts).
 */
import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { addState, deliveryCountsOf, emptyStateCounts, totalsOf, type StateCounts } from "./delivery-counts";
import { listChannelInfo, rangeCellsSql, toCount } from "./range-cells";
import type { Overview, TimeRange } from "./stats-types";
import { toMinuteRange } from "./time-range";

/** Messages created in the range by channel and state. */
export async function stateCountsByChannel(db: Db, range: TimeRange): Promise<Map<string, StateCounts>> {
  const rows = await executeRows<{ channel_id: string; status: string; n: string | number }>(
    db,
    sql`select channel_id::text as channel_id, status, sum(n) as n from (${rangeCellsSql(range)}) cells group by 1, 2`,
  );
  const byChannel = new Map<string, StateCounts>();
  for (const row of rows) {
    let counts = byChannel.get(row.channel_id);
    if (!counts) byChannel.set(row.channel_id, (counts = emptyStateCounts()));
    addState(counts, row.status, toCount(row.n));
  }
  return byChannel;
}

/** Totals and every channel (also those without messages in the range), in name order. */
export async function getOverview(db: Db, range: TimeRange): Promise<Overview> {
  const [channels, byChannel] = await Promise.all([listChannelInfo(db), stateCountsByChannel(db, range)]);
  const total = emptyStateCounts();
  const rows = channels.map((channel) => {
    const counts = byChannel.get(channel.id) ?? emptyStateCounts();
    for (const [state, n] of Object.entries(counts)) addState(total, state, n);
    return {
      channelKey: channel.channelKey,
      name: channel.name,
      type: channel.type,
      providerId: channel.providerId,
      enabled: channel.enabled,
      ...deliveryCountsOf(counts),
      inFlight: counts.queued + counts.submitting + counts.submitted,
    };
  });
  const read = toMinuteRange(range);
  return { from: read.from.toISOString(), to: read.to.toISOString(), totals: totalsOf(total), channels: rows };
}
