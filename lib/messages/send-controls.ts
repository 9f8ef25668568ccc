import { eq, sql } from "drizzle-orm";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit";
import { executeRows, type Db } from "@/lib/db/client";
import { sends } from "@/lib/db/schema";
import { ConflictError } from "@/lib/util/errors";
import { announceQueued } from "./dispatcher/wake";
import { REASON_CANCELLED, applyBulkTransition } from "./message-state";
import { SendNotFoundError, getSend, type SendStatus, type SendView } from "./send-queries";
import { wakeSendPreparers } from "./send-wake";

/**
 * Pause, resume and cancel. Each changes the send's status under its row lock (so it serialises
 * with the preparer's chunks and the dispatcher's counter updates), audited in the same
 * transaction, and answers the send as it is afterwards. Asking for the state a send is already in changes nothing
 * and answers it (a retried request is not an error); a move that cannot be made is 409.
 *
 *   pause:  sending → paused. A preparing send cannot be paused (409 send_preparing): preparing
 *           takes seconds and dispatches nothing; pause it once it is sending, or cancel it.
 *   resume: paused → sending, and idle dispatchers are woken. A sending or preparing send is
 *           answered as it is.
 *   cancel: preparing | sending | paused → cancelled, at once; then its queued messages become
 *           cancelled in bounded batches, the first ones inside the request and the rest in the
 *           background (the send preparer's sweep). Messages already submitting or submitted are
 *           left to finish. A done send cannot be cancelled (409 send_finished).
 */
export const CANCEL_BATCH = 5000;
/** Batches done inside the cancel request before the rest is left to the background. */
const CANCEL_BATCHES_IN_REQUEST = 4;

export class SendFinishedError extends ConflictError {
  constructor(status: string) {
    super("send_finished", `This send is already ${status}: there is nothing left to pause, resume or cancel.`);
  }
}

export class SendPreparingError extends ConflictError {
  constructor() {
    super("send_preparing", "This send is still being prepared (its recipients are being turned into messages, which takes seconds); pause it once it is sending, or cancel it.");
  }
}

interface Move {
  moved: boolean;
  /** The status before the move (the current one when nothing moved). */
  status: SendStatus;
  channelId: string;
}

/**
 * Moves the send from one of `from` to `to` under its row lock, audited in the same transaction;
 * 404 for an unknown send. A send in another status is answered as it is, unmoved.
 */
async function moveSend(db: Db, actor: Actor, sendId: string, action: string, from: readonly SendStatus[], to: SendStatus): Promise<Move> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ status: sends.status, channelId: sends.channelId, total: sends.total, queued: sends.queuedCount })
      .from(sends)
      .where(eq(sends.id, sendId))
      .for("update");
    if (!current) throw new SendNotFoundError(sendId);
    if (!from.includes(current.status)) return { moved: false, status: current.status, channelId: current.channelId };
    await tx
      .update(sends)
      .set({ status: to, updatedAt: sql`now()`, ...(to === "cancelled" ? { finishedAt: sql`now()` } : {}) })
      .where(eq(sends.id, sendId));
    await recordAudit(tx, actor, action, sendId, { from: current.status, total: current.total, queued: current.queued });
    return { moved: true, status: current.status, channelId: current.channelId };
  });
}

export async function pauseSend(db: Db, actor: Actor, sendId: string): Promise<SendView> {
  const move = await moveSend(db, actor, sendId, "send.pause", ["sending"], "paused");
  if (!move.moved && move.status === "preparing") throw new SendPreparingError();
  if (!move.moved && move.status !== "paused") throw new SendFinishedError(move.status);
  return getSend(db, sendId);
}

export async function resumeSend(db: Db, kind: "pglite" | "postgres", actor: Actor, sendId: string): Promise<SendView> {
  const move = await moveSend(db, actor, sendId, "send.resume", ["paused"], "sending");
  if (move.moved) await announceQueued(db, kind, move.channelId);
  else if (move.status !== "sending" && move.status !== "preparing") throw new SendFinishedError(move.status);
  return getSend(db, sendId);
}

export async function cancelSend(db: Db, actor: Actor, sendId: string, options: { batchesInRequest?: number } = {}): Promise<SendView> {
  const move = await moveSend(db, actor, sendId, "send.cancel", ["preparing", "sending", "paused"], "cancelled");
  if (!move.moved && move.status !== "cancelled") throw new SendFinishedError(move.status);
  // Also for a send cancelled before: a batch the background has not done yet is done now.
  const done = await cancelQueuedMessages(db, sendId, options.batchesInRequest ?? CANCEL_BATCHES_IN_REQUEST);
  if (!done) wakeSendPreparers("cancel");
  return getSend(db, sendId);
}

/**
 * Cancels queued messages of a cancelled send, at most `maxBatches` batches of CANCEL_BATCH;
 * answers whether none is left (a batch came back short). The dispatcher claims nothing of a
 * send that is not sending, so a queued message left here would wait forever.
 */
export async function cancelQueuedMessages(db: Db, sendId: string, maxBatches = Infinity, shouldStop: () => boolean = () => false): Promise<boolean> {
  for (let batch = 0; batch < maxBatches && !shouldStop(); batch++) {
    const moved = await applyBulkTransition(db, {
      // Re-checked in every batch: only a send that is cancelled has its messages cancelled.
      where: sql`m.send_id = ${sendId}::uuid and exists (select 1 from sends s where s.id = m.send_id and s.status = 'cancelled')`,
      from: "queued",
      to: "cancelled",
      error: { code: REASON_CANCELLED, category: null },
      event: { kind: "cancelled" },
      limit: CANCEL_BATCH,
    });
    if (moved < CANCEL_BATCH) return true;
  }
  return false;
}

/**
 * The background half of cancelling: every cancelled send that still counts queued messages
 * (a big one, one whose request ended early, or a message requeued after its cancel) has them
 * cancelled. Safe in several processes at once: the batches skip rows another one holds.
 */
export async function finishCancelledSends(db: Db, shouldStop: () => boolean = () => false): Promise<number> {
  const pending = await executeRows<{ id: string }>(db, sql`select id::text as id from sends where status = 'cancelled' and queued_count > 0 limit 100`);
  for (const { id } of pending) {
    if (shouldStop()) break;
    await cancelQueuedMessages(db, id, Infinity, shouldStop);
  }
  return pending.length;
}
