import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { JsmsClient, JsmsError } from "@/lib/sender/jsms";
import { logger } from "@/lib/util/logger";
import { loadDispatchChannel } from "../dispatcher/channel-transport";
import { liveChannels, type ChannelLive } from "./channel-live";
import { buildLiveSnapshot, LIVE_ROW_MAX_AGE_MS, type ProcessIdentity } from "./live-snapshot";
import { processName } from "./process-identity";

/**
 * Writes this process's view of every channel it knows (channel-live.ts) to channel_live_stats,
 * one upsert statement per tick for all of them, and asks JSMS balances while they are wanted.
 * Each process (console server, `npm run worker`) runs one; on shutdown it stops and deletes its
 * rows, and readers ignore rows older than LIVE_ROW_MAX_AGE_MS (a process that died).
 */
export interface LiveStatsWriter {
  readonly processId: string;
  /** Writes a tick now (tests; the timer does it every `everyMs`). */
  flush(): Promise<void>;
  /** Stops writing and deletes this process's rows. */
  stop(): Promise<void>;
}

export interface LiveStatsWriterOptions {
  db: Db;
  kind: "web" | "worker";
  sealKey: Buffer;
  jsmsBaseUrl?: string;
  /** Default 2 s. */
  everyMs?: number;
  /** Ask a JSMS balance at most this often per channel, across processes (default 60 s). */
  balanceEveryMs?: number;
  /** Rows of processes silent for this long are deleted (default 10 min; readers already ignore them after 10 s). */
  forgetAfterMs?: number;
}

export function startLiveStatsWriter(options: LiveStatsWriterOptions): LiveStatsWriter {
  const { db } = options;
  const name = processName();
  const identity: ProcessIdentity = { id: name.id, kind: options.kind, pid: name.pid, host: name.host };
  const balanceEveryMs = options.balanceEveryMs ?? 60_000;
  const forgetAfterMs = options.forgetAfterMs ?? 10 * 60_000;
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastSweep = 0;
  const checking = new Map<string, Promise<void>>();

  async function writeSnapshots(): Promise<void> {
    const now = Date.now();
    const rows = liveChannels().map((entry) => ({ channel_id: entry.channelId, snapshot: buildLiveSnapshot(entry, identity, now) }));
    if (rows.length > 0) {
      await db.execute(sql`
        insert into channel_live_stats (process_id, channel_id, snapshot, updated_at)
        select ${identity.id}, v.channel_id, v.snapshot, now()
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(channel_id uuid, snapshot jsonb)
        on conflict (process_id, channel_id) do update set snapshot = excluded.snapshot, updated_at = excluded.updated_at`);
    }
    if (now - lastSweep > 60_000) {
      lastSweep = now;
      await db.execute(sql`delete from channel_live_stats where updated_at < now() - make_interval(secs => ${forgetAfterMs / 1000}::double precision)`);
    }
    for (const entry of liveChannels()) {
      if (entry.wantsBalance(now) && now >= entry.balanceDueAt && !checking.has(entry.channelId)) {
        entry.balanceDueAt = now + balanceEveryMs;
        const check = checkBalance(entry, now).finally(() => checking.delete(entry.channelId));
        checking.set(entry.channelId, check);
      }
    }
  }

  /** Asks JSMS unless another process did within balanceEveryMs (its row has the answer). */
  async function checkBalance(entry: ChannelLive, now: number): Promise<void> {
    try {
      const [other] = await executeRows<{ at: string | null }>(
        db,
        sql`select max(snapshot->'balance'->>'checkedAt') as at from channel_live_stats
             where channel_id = ${entry.channelId}::uuid and process_id <> ${identity.id}
               and updated_at > now() - make_interval(secs => ${LIVE_ROW_MAX_AGE_MS / 1000}::double precision)`,
      );
      const otherAt = other?.at ? Date.parse(other.at) : NaN;
      if (now - otherAt < balanceEveryMs) {
        entry.balanceDueAt = otherAt + balanceEveryMs;
        return;
      }
      const channel = await loadDispatchChannel(db, options.sealKey, entry.channelId);
      if (!channel || channel.type !== "jsms") return;
      // One try: the next check comes in a minute anyway.
      const client = new JsmsClient(channel.jsms, { baseUrl: options.jsmsBaseUrl, retry: { attempts: 1 }, maxSockets: 1, observe: (e) => entry.countApiCall(e) });
      const checkedAt = new Date().toISOString();
      try {
        entry.balance = { ...(await client.getBalance()), checkedAt, error: null };
      } catch (error) {
        const code = error instanceof JsmsError ? String(error.code) : "unexpected";
        const last = entry.balance ?? { appBalance: null, appIndustry: null, appMarket: null, appVoice: null };
        entry.balance = { ...last, checkedAt, error: code };
        logger.warn("JSMS balance check failed", { channelId: entry.channelId, code });
      } finally {
        client.close();
      }
    } catch (error) {
      logger.warn("JSMS balance check failed", { channelId: entry.channelId, error });
    }
  }

  function tick(): Promise<void> {
    if (running) return running;
    running = writeSnapshots()
      .catch((error: unknown) => logger.warn("writing live channel figures failed", { error }))
      .finally(() => (running = null));
    return running;
  }

  const timer = setInterval(() => {
    if (!stopped) void tick();
  }, options.everyMs ?? 2_000);
  timer.unref();

  return {
    processId: identity.id,
    async flush() {
      await running;
      await tick();
      if (checking.size > 0) {
        // A balance asked in this tick goes out with the next one: write it now too.
        await Promise.all(checking.values());
        await tick();
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await Promise.all(checking.values());
      await db.execute(sql`delete from channel_live_stats where process_id = ${identity.id}`).catch((error: unknown) =>
        logger.warn("could not delete this process's live channel rows; readers ignore them after 10 s", { error }),
      );
    },
  };
}
