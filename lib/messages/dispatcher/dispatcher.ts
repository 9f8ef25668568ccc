import type { DatabaseHandle } from "@/lib/db/client";
import type { CmppLogger } from "@/lib/sender/cmpp";
import { logger } from "@/lib/util/logger";
import { channelsWithQueuedWork, channelVersions } from "./claims";
import { loadDispatchChannel } from "./channel-transport";
import { startCmppLane } from "./cmpp-lane";
import { setDispatcherHealth } from "./health-state";
import { startJsmsLane } from "./jsms-lane";
import type { DispatcherOptions, Lane, LaneContext } from "./lane";
import { applyOrphanedReceipts } from "../receipt-inbox";
import { applyLeftBehindOutcomes } from "./outcome-inbox";
import { applyWaitingReceipts } from "../receipts";
import { expireOverdueReports } from "./report-deadline";
import { onQueued, QUEUED_CHANNEL } from "./wake";
import { countLiveWorkers, endLeasesOfGoneProcesses, reclaimLapsedWorkers, takeWorkerLease, type WorkerLease } from "./worker-lease";

/**
 * The dispatcher: takes queued messages from the database and hands them to each channel's
 * transport, one lane per channel with work. It runs inside the console server (WORKER=on, the
 * default) and alone in `npm run worker`; any number run side by side on one PostgreSQL, since
 * all they share is claimed in the database (worker-lease.ts, claims.ts, connection-slots.ts).
 * It wakes on NOTIFY (PostgreSQL) or an in-process signal when work is queued, and polls as the
 * fallback. Besides, it takes back lapsed dispatchers' claims and expires overdue reports.
 */
export interface Dispatcher {
  readonly id: string;
  wake(channelId?: string): void;
  /** Stops claiming, drains the windows (bounded), records every outcome, releases what it holds. */
  stop(): Promise<void>;
  lanes(): ReadonlyMap<string, Lane>;
}

export interface StartDispatcherOptions extends DispatcherOptions {
  handle: DatabaseHandle;
  sealKey: Buffer;
  kind: "web" | "worker";
  cmppLogger?: CmppLogger;
}

export async function startDispatcher(options: StartDispatcherOptions): Promise<Dispatcher> {
  const db = options.handle.db;
  const pollMs = options.pollMs ?? 1_000;
  const laneIdleMs = options.laneIdleMs ?? 30_000;
  const lanes = new Map<string, Lane>();
  const opening = new Map<string, Promise<void>>();
  let liveWorkers = 1;
  let claimedTotal = 0;
  let stopping = false;

  const lease: WorkerLease = await takeWorkerLease(db, {
    kind: options.kind,
    leaseMs: options.leaseMs ?? 30_000,
    onFence: () => {
      for (const lane of lanes.values()) lane.fence();
      lanes.clear();
      setDispatcherHealth({ state: "not_running" });
      // Rejoin under a new lease: the old one's claims are another dispatcher's to take back.
      if (!stopping) void restartAfterFence();
    },
  });

  const ctx: LaneContext = {
    db,
    owner: lease.id,
    lease,
    options,
    recorder: options.recorder,
    cmppLogger: options.cmppLogger,
    liveWorkers: () => liveWorkers,
    noteClaimed: (count) => {
      claimedTotal += count;
      setDispatcherHealth({ lastClaimAt: new Date().toISOString() });
    },
  };

  async function openLane(channelId: string): Promise<void> {
    const channel = await loadDispatchChannel(db, options.sealKey, channelId);
    if (!channel || !channel.enabled || stopping) return;
    const existing = lanes.get(channelId);
    if (existing && existing.version === channel.version) return existing.wake();
    if (existing) {
      // The channel was saved: finish with the old settings, then open with the new.
      lanes.delete(channelId);
      await existing.stop();
    }
    const lane = channel.type === "cmpp" ? startCmppLane(ctx, channel) : startJsmsLane(ctx, channel);
    lanes.set(channelId, lane);
    lane.wake();
  }

  function ensureLane(channelId: string): void {
    if (stopping || !lease.live || opening.has(channelId)) return;
    const lane = lanes.get(channelId);
    if (lane) {
      lane.wake();
      return;
    }
    const pending = openLane(channelId)
      .catch((error: unknown) => logger.error("could not open a channel for sending", { channelId, error }))
      .finally(() => opening.delete(channelId));
    opening.set(channelId, pending);
  }

  async function poll(): Promise<void> {
    if (stopping || !lease.live) return;
    try {
      for (const channelId of await channelsWithQueuedWork(db)) ensureLane(channelId);
      const versions = await channelVersions(db, [...lanes.keys()]);
      for (const [channelId, lane] of lanes) {
        if (versions.get(channelId) !== lane.version) {
          // Saved (or disabled, or deleted) since the lane opened: finish with the old settings, reopen with the new.
          lanes.delete(channelId);
          await lane.stop();
          ensureLane(channelId);
        } else if (!lane.busy && lane.idleForMs > laneIdleMs) {
          lanes.delete(channelId);
          await lane.stop();
        } else {
          lane.wake();
        }
      }
      setDispatcherHealth({ state: "running", claimed: [...lanes.values()].reduce((n, l) => n + l.inFlight, 0) });
    } catch (error) {
      logger.error("dispatcher poll failed", { error });
    }
  }

  async function housekeeping(): Promise<void> {
    if (stopping) return;
    try {
      await endLeasesOfGoneProcesses(db);
      liveWorkers = Math.max(1, await countLiveWorkers(db));
      const taken = await reclaimLapsedWorkers(db);
      if (taken.requeued > 0) void poll();
      const late = await applyWaitingReceipts(db);
      if (late > 0) logger.info("applied receipts that had waited for their submit answer", { applied: late });
      const orphaned = await applyOrphanedReceipts(db);
      if (orphaned > 0) logger.info("applied receipts a stopped process had kept but not applied", { applied: orphaned });
      const leftBehind = await applyLeftBehindOutcomes(db);
      if (leftBehind > 0) logger.info("applied submit outcomes kept but left unapplied", { applied: leftBehind });
    } catch (error) {
      logger.error("taking back lapsed dispatchers' work failed", { error });
    }
  }

  async function deadlines(): Promise<void> {
    if (stopping) return;
    try {
      const expired = await expireOverdueReports(db);
      if (expired > 0) logger.info("messages without a final report by their deadline are now unknown", { expired });
    } catch (error) {
      logger.error("expiring overdue reports failed", { error });
    }
  }

  const timers = [
    setInterval(() => void poll(), pollMs),
    setInterval(() => void housekeeping(), options.reclaimEveryMs ?? 5_000),
    setInterval(() => void deadlines(), options.deadlineEveryMs ?? 5_000),
  ];
  for (const timer of timers) timer.unref();

  const offLocal = onQueued((channelId) => ensureLane(channelId));
  const offRemote = options.handle.listen
    ? await options.handle.listen(QUEUED_CHANNEL, (channelId) => ensureLane(channelId)).catch((error: unknown) => {
        logger.warn("LISTEN for queued work failed; polling only", { error });
        return null;
      })
    : null;

  let replacement: Dispatcher | null = null;
  async function restartAfterFence(): Promise<void> {
    for (const timer of timers) clearInterval(timer);
    offLocal();
    await offRemote?.().catch(() => {});
    try {
      replacement = await startDispatcher(options);
    } catch (error) {
      logger.error("dispatcher could not rejoin after losing its lease", { error });
    }
  }

  setDispatcherHealth({ state: "running", claimed: 0, lastClaimAt: null });
  await housekeeping();
  void poll();
  void deadlines();
  logger.info("dispatcher started", { id: lease.id, kind: options.kind });

  return {
    id: lease.id,
    wake(channelId) {
      if (replacement) return replacement.wake(channelId);
      if (channelId) ensureLane(channelId);
      else void poll();
    },
    lanes: () => lanes,
    async stop() {
      if (replacement) return replacement.stop();
      stopping = true;
      setDispatcherHealth({ state: "stopping" });
      for (const timer of timers) clearInterval(timer);
      offLocal();
      await offRemote?.().catch(() => {});
      await Promise.all([...opening.values()]);
      await Promise.all([...lanes.values()].map((lane) => lane.stop()));
      lanes.clear();
      await lease.stop().catch((error: unknown) => logger.warn("could not end the dispatcher lease; it lapses by itself", { error }));
      setDispatcherHealth({ state: "not_running", claimed: 0 });
      logger.info("dispatcher stopped", { id: lease.id, claimedSinceStart: claimedTotal });
    },
  };
}
