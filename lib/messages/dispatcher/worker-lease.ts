import { sql } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { newLeaseOwner } from "@/lib/db/lease";
import { inTransaction } from "@/lib/db/transaction";
import { hostProcessPrefix, isGoneProcess, thisHostProcess } from "@/lib/util/host-process";
import { logger } from "@/lib/util/logger";
import { applyTransitions, REASON_SUBMIT_OUTCOME_UNKNOWN, type MessageTransition } from "../message-state";
import { handoffsOf } from "./handoff-log";
import { applyOutcomesKeptBy } from "./outcome-inbox";

/**
 * A dispatcher's lease: one row in dispatcher_workers, renewed on a timer. Everything the
 * dispatcher holds hangs on it: the messages it claimed (messages.claimed_by) and the CMPP
 * connection slots it took. So one renewal a few seconds keeps all of it, and a crashed worker's
 * claims and slots all lapse together, to be taken back by any other dispatcher.
 *
 * A worker that cannot renew (the database is unreachable, the process stalled) must assume the
 * others will take its slots once its lease ends: it fences itself by closing its connections
 * before that moment (`onFence`), so the channel's connection limit holds even across a partition.
 */
export interface WorkerLeaseOptions {
  kind: "web" | "worker";
  leaseMs: number;
  /** Called once when the lease is (or may be) gone: stop claiming and close connections now. */
  onFence: (reason: string) => void;
}

export interface WorkerLease {
  readonly id: string;
  /** The lease's length; a fenced dispatcher has a quarter of it to close its connections. */
  readonly leaseMs: number;
  /** false once fenced. */
  readonly live: boolean;
  stop(): Promise<void>;
}

/** A failed renewal is tried again this soon (or within a tick, for very short leases). */
const RENEW_RETRY_MS = 500;

export async function takeWorkerLease(db: Db, options: WorkerLeaseOptions): Promise<WorkerLease> {
  const id = newLeaseOwner();
  const takenAt = Date.now();
  await db.execute(sql`insert into dispatcher_workers (id, kind, lease_until, host_process)
    values (${id}, ${options.kind}, now() + ${options.leaseMs}::integer * interval '1 millisecond', ${thisHostProcess()})`);
  let live = true;
  let stopped = false;
  let lastRenewed = takenAt;
  let renewing: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  const fence = (reason: string) => {
    if (!live) return;
    live = false;
    clearInterval(timer);
    if (retry) clearTimeout(retry);
    logger.warn("dispatcher lease lost; closing its connections and claims", { worker: id, reason });
    options.onFence(reason);
  };
  const renew = async () => {
    // The database's new lease_until is at least this moment plus leaseMs: count from the request,
    // not from its answer, so a slow round trip cannot make the fence late.
    const sentAt = Date.now();
    try {
      const rows = await executeRows<{ ok: number }>(
        db,
        sql`update dispatcher_workers set lease_until = now() + ${options.leaseMs}::integer * interval '1 millisecond'
             where id = ${id} and lease_until >= now() returning 1 as ok`,
      );
      if (rows.length === 0) fence("the lease had lapsed and may have been taken back");
      else lastRenewed = sentAt;
    } catch (error) {
      logger.warn("dispatcher lease renewal failed; retrying", { worker: id, error });
      // Again in a moment, not at the next tick: waiting a tick (a quarter of the lease) meant two
      // failed renewals in a row fenced the dispatcher, so a database restarted twice within a few
      // seconds (or one outage spanning two ticks) stopped its sending for a whole lease.
      if (!stopped && live) {
        retry ??= setTimeout(() => {
          retry = null;
          attempt();
        }, Math.min(RENEW_RETRY_MS, tickMs));
        retry.unref();
      }
    }
  };
  const attempt = () => {
    if (!stopped && live && !renewing) renewing = renew().finally(() => (renewing = null));
  };
  const tickMs = Math.max(50, Math.floor(options.leaseMs / 4));
  const timer = setInterval(() => {
    if (stopped) return;
    // Fence before the lease can lapse, with a margin for clocks and the time a close takes. The
    // check runs once a tick, so it fences at the first tick within half a tick of 0.75 × leaseMs:
    // with `> 0.75 × leaseMs` alone, a tick landing a millisecond early left the fence to the next
    // tick, at the very moment the lease lapses and others may take the connection slots.
    if (Date.now() - lastRenewed > options.leaseMs * 0.75 - tickMs / 2) return fence("could not renew the lease in time");
    attempt();
  }, tickMs);
  timer.unref();
  return {
    id,
    leaseMs: options.leaseMs,
    get live() {
      return live && !stopped;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (retry) clearTimeout(retry);
      await renewing;
      // Gone for good: what it still held is free at once, not after the lease runs out.
      await db.execute(sql`update channel_connection_slots set owner = null, taken_at = null where owner = ${id}`);
      await db.execute(sql`delete from dispatcher_workers where id = ${id}`);
    },
  };
}

export interface ReclaimOutcome {
  workers: number;
  /** Submit outcomes the lapsed worker had kept, applied before its claims were taken back. */
  applied: number;
  /** Claims that never reached a gateway (the handoff log says so), back in the queue as they were. */
  returned: number;
  /** Claims that may have been sent, back in the queue marked uncertain. */
  requeued: number;
  unknown: number;
}

/**
 * Takes back what lapsed dispatchers held. The outcomes they kept are applied first. Their
 * claims on a CMPP channel that the handoff log says never reached the connections go back to the
 * queue as they were (handoff-log.ts). The other `submitting` messages may or may not have been
 * sent (the crash could come before or after the SUBMIT left), so each is marked uncertain:
 * CMPP channels that allow it send it again (counted as an attempt); JSMS never re-posts (no
 * idempotency key at Jiguang) and CMPP channels with resubmission off make it `unknown`.
 * Their connection slots are freed. One lapsed worker per transaction, its rows locked so two
 * reclaimers never both take the same worker's messages back.
 */
export async function reclaimLapsedWorkers(db: Db, batch = 5_000): Promise<ReclaimOutcome> {
  const outcome: ReclaimOutcome = { workers: 0, applied: 0, returned: 0, requeued: 0, unknown: 0 };
  for (;;) {
    // Counted once committed: a transaction aborted for a deadlock runs again from the start.
    const step: Omit<ReclaimOutcome, "workers"> = { applied: 0, returned: 0, requeued: 0, unknown: 0 };
    const done = await inTransaction(db, async (tx) => {
      Object.assign(step, { applied: 0, returned: 0, requeued: 0, unknown: 0 });
      const [worker] = await executeRows<{ id: string }>(
        tx,
        sql`select id from dispatcher_workers where lease_until < now() order by lease_until limit 1 for update skip locked`,
      );
      if (!worker) return true;
      // First what it knew: outcomes it kept (their SUBMIT_RESP came) and had not applied yet.
      // Requeued as uncertain, those would be sent again though the gateway has them.
      step.applied += await applyOutcomesKeptBy(tx, worker.id);
      const handoffs = await handoffsOf(tx, worker.id);
      for (;;) {
        const held = await executeRows<{ id: string; channel_id: string; type: string; resubmit: boolean }>(
          tx,
          sql`select m.id::text as id, m.channel_id::text as channel_id, c.type, coalesce((c.config->>'resubmitUncertain')::boolean, true) as resubmit
                from messages m join channels c on c.id = m.channel_id
               where m.status = 'submitting' and m.claimed_by = ${worker.id}
               order by m.id limit ${batch}`,
        );
        if (held.length === 0) break;
        const neverHanded = (m: (typeof held)[number]) => {
          const logged = m.type === "cmpp" ? handoffs.get(m.channel_id) : undefined;
          return logged !== undefined && !logged.has(m.id);
        };
        const transitions: MessageTransition[] = held.map((m) =>
          neverHanded(m)
            ? // The claim counted an attempt that never reached the gateway: take it back.
              { id: m.id, from: "submitting", to: "queued", attempts: -1 }
            : m.type === "cmpp" && m.resubmit
            ? { id: m.id, from: "submitting", to: "queued", uncertain: true, event: { kind: "uncertain_attempt", raw: { reason: "dispatcher_lost", worker: worker.id } } }
            : {
                id: m.id,
                from: "submitting",
                to: "unknown",
                uncertain: true,
                error: { code: REASON_SUBMIT_OUTCOME_UNKNOWN, category: "unknown" },
                event: { kind: "uncertain_attempt", code: REASON_SUBMIT_OUTCOME_UNKNOWN, raw: { reason: "dispatcher_lost", worker: worker.id } },
              },
        );
        const returned = new Set(held.filter(neverHanded).map((m) => m.id));
        const moved = await applyTransitions(tx, transitions, { owner: worker.id });
        for (const m of moved) {
          if (m.to === "unknown") step.unknown += 1;
          else if (returned.has(m.id)) step.returned += 1;
          else step.requeued += 1;
        }
        if (held.length < batch) break;
      }
      await tx.execute(sql`update channel_connection_slots set owner = null, taken_at = null where owner = ${worker.id}`);
      await tx.execute(sql`delete from dispatcher_workers where id = ${worker.id}`);
      return false;
    });
    if (done) break;
    outcome.workers += 1;
    outcome.applied += step.applied;
    outcome.returned += step.returned;
    outcome.requeued += step.requeued;
    outcome.unknown += step.unknown;
  }
  if (outcome.workers > 0) logger.warn("took back the work of lapsed dispatchers", { ...outcome });
  return outcome;
}

/**
 * Ends at once the leases of dispatchers whose process is certainly gone (killed, crashed) on this
 * kernel (lib/util/host-process.ts): a console restarted after a crash takes its predecessor's
 * claims and connection slots back now rather than when the lease lapses, and counts it out of
 * the fair share. Leases of processes it cannot judge (other hosts) lapse as before.
 */
export async function endLeasesOfGoneProcesses(db: Db): Promise<number> {
  const prefix = hostProcessPrefix();
  if (!prefix) return 0;
  const rows = await executeRows<{ id: string; host_process: string }>(
    db,
    sql`select id, host_process from dispatcher_workers where lease_until >= now() and starts_with(host_process, ${prefix})`,
  );
  const gone = rows.filter((r) => isGoneProcess(r.host_process)).map((r) => r.id);
  if (gone.length === 0) return 0;
  await db.execute(sql`update dispatcher_workers set lease_until = now() - interval '1 millisecond'
    where id = any(${arrayParam(gone, "text")}) and lease_until >= now()`);
  logger.warn("dispatchers whose process is gone: their leases end now", { workers: gone });
  return gone.length;
}

/** Dispatchers with a live lease (for a fair share of connection slots). */
export async function countLiveWorkers(db: Db): Promise<number> {
  const [row] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from dispatcher_workers where lease_until >= now()`);
  return row?.n ?? 0;
}
