import { setImmediate as nextTurn } from "node:timers/promises";
import { and, asc, eq, isNull, or, sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { keepLeaseAlive, leaseFor, leaseLapsed, newLeaseOwner, whileLeased, type LeasedTable } from "@/lib/db/lease";
import { channels, sends } from "@/lib/db/schema";
import { logger } from "@/lib/util/logger";
import { announceQueued } from "./dispatcher/wake";
import { insertRecipientMessages, numberForChannel } from "./recipient-messages";
import { resendAudienceOf, writeResendChunk, type ResendAudience } from "./resend-audience";
import { finishCancelledSends } from "./send-controls";
import type { SendAudience } from "./send-request";
import { onSendWork, type SendWork } from "./send-wake";

/**
 * Turns a "preparing" send's audience into messages, in the background of every process with
 * WORKER on. A send is claimed with a lease (lib/db/lease.ts): any number of processes share the
 * work, and a send whose process died is taken over once its lease lapses.
 *
 * The audience is written in chunks, each one set-based statement (INSERT … SELECT), never one
 * statement per recipient. A chunk, the counters it adds (total, queued, failed) and the cursor
 * it advances commit in one transaction, which begins with the owner-checked write that locks the
 * send's row: a crash mid-chunk rolls all three back, and a new owner starts from the cursor the
 * last committed chunk left, so no recipient is written twice or skipped. The cursor is the
 * number of listed values done (userids, phones), the last userid done (everyone), or the last
 * source message id done (a resend, resend-audience.ts).
 *
 * Numbers: a userid gets the phone bound to the channel's key, else its `all` phone; with
 * neither its message is made `failed` with no_number_for_channel (and a "created" event saying
 * so). "Everyone" is every userid with one of those two bindings. Queued messages get no event:
 * their created_at says when they were made, and a million event rows would double the work.
 *
 * After the last chunk the send becomes "sending" (or "done" when every message failed), and
 * idle dispatchers are woken. A send cancelled meanwhile is no longer "preparing": the next
 * owner-checked write finds it gone and the preparer stops.
 */
export const PREPARE_LEASE_MS = 30_000;

/**
 * Recipients per statement. On PostgreSQL a chunk of 50,000 takes about a second on 2 cores
 * (most of it the six indexes and two foreign keys of messages), so a statement never holds the
 * send's row for long. The embedded database runs statements on the web process's own thread,
 * at about 20,000 recipients a second: chunks of 1,000 there hold the event loop ~50 ms each,
 * and it is let in between.
 */
export function defaultChunkSize(kind: "pglite" | "postgres"): number {
  return kind === "postgres" ? 50_000 : 1_000;
}

const preparingLease: LeasedTable = {
  table: sends,
  id: sends.id,
  owner: sends.leaseOwner,
  until: sends.leaseUntil,
  held: eq(sends.status, "preparing"),
};

export interface ClaimedSend {
  id: string;
  channelId: string;
  channelKey: string;
  segmentsPerMessage: number;
  audience: PreparedAudience;
  owner: string;
}

/** Every kind of audience a send can have: as asked (send-request.ts), or an earlier send's messages again. */
export type PreparedAudience = SendAudience | ResendAudience;

export interface PrepareOptions {
  /** This preparer's `lease_owner`; a new random one when left out. */
  owner?: string;
  leaseMs?: number;
  chunkSize?: number;
}

/**
 * Claims the oldest preparing send that no live lease holds, or that this owner holds already (a
 * preparer whose chunk failed on a database error takes its send up again at once rather than
 * after its own lease lapses); null when there is none.
 */
export async function claimPreparingSend(db: Db, options: PrepareOptions = {}): Promise<ClaimedSend | null> {
  const owner = options.owner ?? newLeaseOwner();
  return db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ id: sends.id })
      .from(sends)
      .where(and(eq(sends.status, "preparing"), or(isNull(sends.leaseOwner), isNull(sends.leaseUntil), leaseLapsed(preparingLease), eq(sends.leaseOwner, owner))))
      .orderBy(asc(sends.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!candidate) return null;
    const [claimed] = await tx
      .update(sends)
      .set({ leaseOwner: owner, leaseUntil: leaseFor(options.leaseMs ?? PREPARE_LEASE_MS) })
      .where(eq(sends.id, candidate.id))
      .returning({ id: sends.id, channelId: sends.channelId, segmentsPerMessage: sends.segmentsPerMessage, audience: sends.audience });
    const [channel] = await tx.select({ channelKey: channels.channelKey }).from(channels).where(eq(channels.id, claimed!.channelId));
    return {
      id: claimed!.id,
      channelId: claimed!.channelId,
      channelKey: channel!.channelKey,
      segmentsPerMessage: claimed!.segmentsPerMessage,
      audience: audienceOf(claimed!.audience),
      owner,
    };
  });
}

/** The stored audience; anything unexpected is an empty list, so the send ends instead of looping. */
function audienceOf(stored: Record<string, unknown>): PreparedAudience {
  if (stored.kind === "everyone") return { kind: "everyone" };
  if (stored.kind === "resend") return resendAudienceOf(stored) ?? { kind: "userids", values: [] };
  const values = Array.isArray(stored.values) ? stored.values.filter((v): v is string => typeof v === "string") : [];
  return { kind: stored.kind === "phones" ? "phones" : "userids", values };
}

interface ChunkResult {
  queued: number;
  failed: number;
  /** The cursor after this chunk. */
  cursor: string | null;
  /** Nothing is left after it. */
  last: boolean;
}

/** The next chunk of a listed audience: `cursor` values are done; this writes the next `size`. */
async function writeListedChunk(tx: Db, send: ClaimedSend, values: readonly string[], cursor: string | null, size: number): Promise<ChunkResult> {
  const start = cursor === null ? 0 : Number(cursor);
  const chunk = values.slice(start, start + size);
  const next = String(start + chunk.length);
  const last = start + chunk.length >= values.length;
  if (chunk.length === 0) return { queued: 0, failed: 0, cursor: next, last };
  const listed = sql`json_array_elements_text(${JSON.stringify(chunk)}::json) with ordinality as v(value, ord)`;
  if (send.audience.kind === "phones") {
    const [row] = await executeRows<{ queued: number }>(
      tx,
      sql`with ins as (
        insert into messages (send_id, channel_id, phone, status, segments)
        select ${send.id}::uuid, ${send.channelId}::uuid, v.value, 'queued', ${send.segmentsPerMessage}::int from ${listed} order by v.ord
        returning 1
      ) select count(*)::int as queued from ins`,
    );
    return { queued: row?.queued ?? 0, failed: 0, cursor: next, last };
  }
  const number = numberForChannel(sql`v.value`, send.channelKey);
  const [row] = await executeRows<{ queued: number; failed: number }>(
    tx,
    sql`with resolved as (
      select v.ord, v.value as userid, ${number.phone} as phone
        from ${listed}
        ${number.joins}
    ), ${insertRecipientMessages(send, sql`r.ord`)}
    select (count(*) filter (where status = 'queued'))::int as queued, (count(*) filter (where status = 'failed'))::int as failed from ins`,
  );
  return { queued: row?.queued ?? 0, failed: row?.failed ?? 0, cursor: next, last };
}

/**
 * The next chunk of "everyone": userids after the cursor, in the bindings' primary-key order
 * (userid, bind_id), so the scan reads the index in order and stops after `size` users.
 */
async function writeEveryoneChunk(tx: Db, send: ClaimedSend, cursor: string | null, size: number): Promise<ChunkResult> {
  const [row] = await executeRows<{ made: number; last_userid: string | null }>(
    tx,
    sql`with chosen as (
      select userid,
             coalesce(max(phone) filter (where bind_id = ${send.channelKey}), max(phone) filter (where bind_id = 'all')) as phone
        from contact_phones
       where bind_id in (${send.channelKey}, 'all') and userid > ${cursor ?? ""}
       group by userid
       order by userid
       limit ${size}::int
    ), ins as (
      insert into messages (send_id, channel_id, userid, phone, status, segments)
      select ${send.id}::uuid, ${send.channelId}::uuid, userid, phone, 'queued', ${send.segmentsPerMessage}::int from chosen order by userid
      returning 1
    )
    select (select count(*)::int from ins) as made, (select max(userid) from chosen) as last_userid`,
  );
  const made = row?.made ?? 0;
  return { queued: made, failed: 0, cursor: row?.last_userid ?? cursor, last: made < size };
}

export type PrepareOutcome = "prepared" | "lost" | "stopped";

/**
 * Prepares a claimed send to its end, or until its lease is lost or `shouldStop` says so (the
 * lease is then given up, so another process may go on at once). Never throws for a lost lease;
 * a database error is thrown, the lease left to lapse.
 */
export async function prepareSend(
  db: Db,
  kind: "pglite" | "postgres",
  send: ClaimedSend,
  options: PrepareOptions & { shouldStop?: () => boolean } = {},
): Promise<PrepareOutcome> {
  const leaseMs = options.leaseMs ?? PREPARE_LEASE_MS;
  const size = Math.max(1, options.chunkSize ?? defaultChunkSize(kind));
  const shouldStop = options.shouldStop ?? (() => false);
  let lost = false;
  let finished = false;
  const lease = keepLeaseAlive(db, preparingLease, {
    id: send.id,
    owner: send.owner,
    ms: leaseMs,
    onLost: () => {
      if (!finished) lost = true;
    },
  });
  const values = send.audience.kind === "everyone" || send.audience.kind === "resend" ? [] : send.audience.values;
  // The embedded database runs no autovacuum, so nothing else ever gathers statistics: without
  // them its planner reads every binding for each chunk (a 1,000,000-user send took 316 s).
  if (kind === "pglite") await db.execute(sql`analyze contact_phones`);
  try {
    for (;;) {
      if (lost) break;
      if (shouldStop()) {
        await lease.stop();
        await db
          .update(sends)
          .set({ leaseOwner: null, leaseUntil: null })
          .where(whileLeased(preparingLease, send.id, send.owner));
        return "stopped";
      }
      const step = await db.transaction(async (tx) => {
        // Locks the send's row while the lease is this preparer's, and reads where the last chunk ended.
        const [held] = await tx
          .update(sends)
          .set({ leaseUntil: leaseFor(leaseMs) })
          .where(whileLeased(preparingLease, send.id, send.owner))
          .returning({ cursor: sends.prepareCursor });
        if (!held) return null;
        const chunk =
          send.audience.kind === "everyone"
            ? await writeEveryoneChunk(tx, send, held.cursor, size)
            : send.audience.kind === "resend"
              ? await writeResendChunk(tx, send, send.audience, held.cursor, size)
              : await writeListedChunk(tx, send, values, held.cursor, size);
        const inFlight = sql`${sends.queuedCount} + ${sends.submittingCount} + ${sends.submittedCount} + ${chunk.queued}::int`;
        await tx
          .update(sends)
          .set({
            total: sql`${sends.total} + ${chunk.queued + chunk.failed}::int`,
            queuedCount: sql`${sends.queuedCount} + ${chunk.queued}::int`,
            failedCount: sql`${sends.failedCount} + ${chunk.failed}::int`,
            prepareCursor: chunk.cursor,
            updatedAt: sql`now()`,
            ...(chunk.last
              ? {
                  status: sql`case when ${inFlight} > 0 then 'sending' else 'done' end`,
                  finishedAt: sql`case when ${inFlight} > 0 then null else now() end`,
                  leaseOwner: null,
                  leaseUntil: null,
                }
              : {}),
          })
          .where(eq(sends.id, send.id));
        return chunk;
      });
      if (!step) {
        lost = true;
        break;
      }
      if (step.last) {
        finished = true;
        await lease.stop();
        // Fresh statistics for the messages just made (no autovacuum on the embedded database).
        if (kind === "pglite") await db.execute(sql`analyze messages`);
        await announceQueued(db, kind, send.channelId);
        return "prepared";
      }
      // The embedded database runs on this thread: let waiting requests in between chunks.
      if (kind === "pglite") await nextTurn();
    }
  } finally {
    await lease.stop();
  }
  logger.info("send no longer being prepared here: cancelled, or taken over by another process", { sendId: send.id, owner: send.owner });
  return "lost";
}

export interface SendPreparer {
  /** Work is waiting: start on it now rather than at the next poll. */
  wake(work?: SendWork): void;
  /** Stops claiming; a send being prepared stops after its current chunk and its lease is given up. */
  stop(): Promise<void>;
  /** Resolves when nothing is running (tests). */
  idle(): Promise<void>;
}

export interface SendPreparerOptions extends PrepareOptions {
  /** How often to look for preparing sends another process created (default 1 s). */
  pollMs?: number;
  /** How often to look for cancelled sends with queued messages left (default 30 s). */
  sweepMs?: number;
}

/**
 * The in-process preparer: prepares sends one at a time, woken when a send is created here and
 * polling as a fallback (another process may have created one, or died holding one). It also
 * finishes cancelling big sends, in the background.
 */
export function startSendPreparer(db: Db, kind: "pglite" | "postgres", options: SendPreparerOptions = {}): SendPreparer {
  const prepareOptions: PrepareOptions = { owner: options.owner ?? newLeaseOwner(), leaseMs: options.leaseMs, chunkSize: options.chunkSize };
  const sweepMs = options.sweepMs ?? 30_000;
  let stopping = false;
  let running: Promise<void> | null = null;
  let again = false;
  let sweepDue = true;
  let lastSweep = 0;
  const shouldStop = () => stopping;

  const work = async () => {
    do {
      again = false;
      for (let send = await claimPreparingSend(db, prepareOptions); send && !stopping; send = await claimPreparingSend(db, prepareOptions)) {
        const outcome = await prepareSend(db, kind, send, { ...prepareOptions, shouldStop });
        if (outcome === "prepared") logger.info("send prepared", { sendId: send.id });
      }
      if (!stopping && (sweepDue || Date.now() - lastSweep >= sweepMs)) {
        sweepDue = false;
        lastSweep = Date.now();
        await finishCancelledSends(db, shouldStop);
      }
    } while (again && !stopping);
  };
  const tick = () => {
    if (stopping) return;
    if (running) {
      again = true;
      return;
    }
    running = work()
      .catch((error: unknown) => logger.error("send preparer error", { error }))
      .finally(() => (running = null));
  };
  const wake = (what: SendWork = "prepare") => {
    if (what === "cancel") sweepDue = true;
    tick();
  };
  const unsubscribe = onSendWork(wake);
  const timer = setInterval(tick, options.pollMs ?? 1_000);
  timer.unref();
  tick();
  return {
    wake,
    async stop() {
      stopping = true;
      clearInterval(timer);
      unsubscribe();
      await running;
    },
    async idle() {
      while (running) await running;
    },
  };
}
