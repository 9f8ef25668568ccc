import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/util/errors";
import { channelLive } from "./channel-live";
import { mergeLive, type LiveRow, type MergedLive } from "./live-merge";
import { LIVE_ROW_MAX_AGE_MS } from "./live-snapshot";

/**
 * Reading the live figures: the channel_live_stats rows of processes that wrote in the last
 * LIVE_ROW_MAX_AGE_MS, and the queue, read from the sends' own counters (queued_count of sends
 * that are sending) and, for its age, the first queued message of each such send by the
 * (send_id, status, id) index: an index probe per sending send, never a count over messages.
 */
export interface QueueFigures {
  depth: number;
  /** When the oldest message still queued was made (null: nothing queued). */
  oldestQueuedAt: string | null;
  lagSeconds: number;
}

export interface ChannelLiveView extends MergedLive {
  channelKey: string;
  type: "cmpp" | "jsms";
  enabled: boolean;
  /** The server's time of this answer (rates and "since" are read against it). */
  at: string;
  /** CMPP: the channel's settings (the limit is for all processes together); null for JSMS. */
  configuredConnections: number | null;
  tpsLimit: number | null;
  queue: QueueFigures;
}

const fresh = () => sql`now() - make_interval(secs => ${LIVE_ROW_MAX_AGE_MS / 1000}::double precision)`;

/** Queue depth and age per channel (only channels with queued work of a sending send appear). */
export async function queueByChannel(db: Db, channelId?: string): Promise<Map<string, QueueFigures>> {
  const rows = await executeRows<{ channel_id: string; depth: number; oldest_ms: number | null; lag: number | null }>(
    db,
    sql`select s.channel_id::text as channel_id,
               sum(s.queued_count)::float8 as depth,
               (extract(epoch from min(q.created_at)) * 1000)::float8 as oldest_ms,
               extract(epoch from now() - min(q.created_at))::float8 as lag
          from sends s
          left join lateral (
            select m.created_at from messages m where m.send_id = s.id and m.status = 'queued' order by m.id limit 1
          ) q on true
         where s.status = 'sending' and s.queued_count > 0
               ${channelId ? sql`and s.channel_id = ${channelId}::uuid` : sql``}
         group by s.channel_id`,
  );
  return new Map(
    rows.map((r) => [
      r.channel_id,
      {
        depth: Number(r.depth),
        oldestQueuedAt: r.oldest_ms === null ? null : new Date(Number(r.oldest_ms)).toISOString(),
        lagSeconds: r.lag === null ? 0 : Math.max(0, Math.round(Number(r.lag) * 10) / 10),
      },
    ]),
  );
}

const NO_QUEUE: QueueFigures = { depth: 0, oldestQueuedAt: null, lagSeconds: 0 };

export interface LiveRowOfChannel extends LiveRow {
  channelId: string;
}

/** Fresh rows, of one channel or of all. */
export async function freshLiveRows(db: Db, channelId?: string): Promise<LiveRowOfChannel[]> {
  const rows = await executeRows<{ process_id: string; channel_id: string; snapshot: unknown; updated_ms: number }>(
    db,
    sql`select process_id, channel_id::text as channel_id, snapshot, (extract(epoch from updated_at) * 1000)::float8 as updated_ms
          from channel_live_stats
         where updated_at > ${fresh()} ${channelId ? sql`and channel_id = ${channelId}::uuid` : sql``}
         order by process_id`,
  );
  return rows.map((r) => ({
    processId: r.process_id,
    channelId: r.channel_id,
    // postgres.js hands jsonb over parsed; a driver that gives text gets it parsed here.
    snapshot: typeof r.snapshot === "string" ? (JSON.parse(r.snapshot) as unknown) : r.snapshot,
    updatedAt: new Date(Number(r.updated_ms)),
  }));
}

/**
 * The channel's live figures across every process. `viewing` says someone watches the cockpit,
 * so this process keeps the JSMS balance fresh while they do.
 */
export async function readChannelLive(db: Db, channelKey: string, options: { viewing?: boolean } = {}): Promise<ChannelLiveView> {
  const [channel] = await executeRows<{ id: string; type: "cmpp" | "jsms"; enabled: boolean; config: Record<string, unknown> | string }>(
    db,
    sql`select id::text as id, type, enabled, config from channels where channel_key = ${channelKey}`,
  );
  if (!channel) throw new NotFoundError("channel_not_found", `No channel has the key ${channelKey}.`);
  if (options.viewing) channelLive(channel.id, channel.type).noteViewed();
  const [rows, queue] = await Promise.all([freshLiveRows(db, channel.id), queueByChannel(db, channel.id)]);
  const config = (typeof channel.config === "string" ? JSON.parse(channel.config) : channel.config) as Record<string, unknown>;
  const connections = channel.type === "cmpp" ? Number(config.connections ?? 1) : null;
  return {
    channelKey,
    type: channel.type,
    enabled: channel.enabled,
    at: new Date().toISOString(),
    configuredConnections: connections,
    tpsLimit: connections === null ? null : connections * Number(config.tpsPerConnection ?? 100),
    queue: queue.get(channel.id) ?? NO_QUEUE,
    ...mergeLive(rows),
  };
}
