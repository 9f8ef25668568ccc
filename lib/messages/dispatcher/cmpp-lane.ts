import { createCmppPool, CmppSubmitError, type CmppPool, type CmppPoolOptions, type CmppReceipt, type CmppSubmitResult } from "@/lib/sender/cmpp";
import { logger } from "@/lib/util/logger";
import { REASON_SUBMIT_OUTCOME_UNKNOWN, type MessageTransition } from "../message-state";
import { claimQueuedMessages, sendContents, type ClaimedMessage } from "./claims";
import type { DispatchChannel } from "./channel-transport";
import { releaseConnectionSlots, slotsHeldByOthers, takeConnectionSlots } from "./connection-slots";
import { logHandoffs } from "./handoff-log";
import { createOutcomeRecorder, type OutcomeRecorder, type SubmitOutcome } from "./outcome-recorder";
import type { Lane, LaneContext } from "./lane";
import { channelLive } from "../live/channel-live";

/**
 * One CMPP channel inside one dispatcher: the connection slots it holds, a pool with one
 * connection per slot, and a feeder that hands claimed messages to the pool. Claims run ahead of
 * the connections by a bounded amount (`aheadPerConnection`), so a crash leaves few claims to take
 * back and flow control never piles work up in memory.
 *
 * The pool gets at most a window per connection (connections × W) of messages whose outcome is
 * not yet in the database: a message's place is freed once its outcome is kept there, not when
 * its SUBMIT_RESP comes. So a process killed at any moment leaves at most that many messages the
 * gateway may have taken unrecorded, which are sent again marked uncertain; the rest of its claims
 * certainly never left, and the handoff log (handoff-log.ts) says which those are: a message is
 * handed over only once its id is written there, a window's worth ahead. (Freeing the place at
 * the answer let the recorder's unwritten batch, often a thousand answered messages, be sent
 * twice after a kill.) A place waits only until its
 * outcome is kept by one cheap insert (outcome_inbox, written at once), and applied after in the
 * usual large batches, so the windows turn over at the pace of that insert.
 */
type CmppChannel = Extract<DispatchChannel, { type: "cmpp" }>;

const CLAIM_BATCH = 1_000;

export function startCmppLane(ctx: LaneContext, channel: CmppChannel): Lane {
  /** Claimed, not yet handed to the pool: they wait for a window place. */
  const waiting: ClaimedMessage[] = [];
  /**
   * In the handoff log: handed to the pool and not yet settled, and the first `loggedWaiting` of
   * `waiting`, which may be handed over without another write.
   */
  const logged = new Set<string>();
  let loggedWaiting = 0;
  let logging: Promise<void> | null = null;
  const recorder: OutcomeRecorder = createOutcomeRecorder({
    db: ctx.db,
    channelId: channel.id,
    owner: ctx.owner,
    ...ctx.recorder,
    keepOutcomes: true,
    hurry: () => waiting.length > 0,
  });
  let pool: CmppPool | null = null;
  let slots: number[] = [];
  /** Claimed and not yet settled (waiting, or handed to the pool with the outcome not yet written). */
  let inFlight = 0;
  /** Handed to the pool, outcome not yet written: at most `windowPlaces()`. */
  let unsettled = 0;
  const windowSize = ctx.options.cmppPool?.window ?? 16;
  const windowPlaces = () => slots.length * windowSize;
  let stopping = false;
  let pumping: Promise<void> | null = null;
  let lastWork = Date.now();
  const contents = new Map<string, string>();
  const aheadPerConnection = ctx.options.claimAheadPerConnection ?? 256;
  // The cockpit's view of this lane: its pool's connections and counters, read when a snapshot is taken.
  const live = channelLive(channel.id, "cmpp");
  const detachLive = live.attachCmppLane(() => ({ pool: pool?.status() ?? null, slots }), channel.cmpp);
  const observeLatency = ctx.options.cmppPool?.observeLatency;
  const requeueAfter: RequeueBackoff = {
    flow_control: ctx.options.cmppRequeueAfterMs?.flowControl ?? BACKOFF_MS.flow_control,
    no_connection: ctx.options.cmppRequeueAfterMs?.noConnection ?? BACKOFF_MS.no_connection,
  };

  // A fenced lane (its lease may be lapsing) closes its pool, which keeps sending its queue for
  // closeTimeoutMs, then waits for late answers and TERMINATE_RESP (terminateTimeoutMs each)
  // before the sockets close. All of it must be over before the lease lapses and others take the
  // slots and resend what this one held: the fence leaves a quarter of the lease, so each phase
  // gets at most a sixteenth. (Without this, the defaults of 30 s + 5 s + 5 s outlasted the lease:
  // more connections than the channel allows, and every queued message sent twice.)
  const closePhaseMs = Math.floor(ctx.lease.leaseMs / 16);
  const poolOptions: CmppPoolOptions = {
    ...ctx.options.cmppPool,
    closeTimeoutMs: Math.min(ctx.options.cmppPool?.closeTimeoutMs ?? 30_000, closePhaseMs),
    terminateTimeoutMs: Math.min(ctx.options.cmppPool?.terminateTimeoutMs ?? 5_000, closePhaseMs),
    logger: ctx.cmppLogger,
    resubmitUncertain: channel.send.resubmitUncertain,
    timestampUtcOffsetMinutes: channel.send.timestampUtcOffsetMinutes,
    // Reports are matched to messages in the database (by the provider's id, a report that came
    // before its submit's outcome waiting in unmatched_receipts), so none waits in memory
    // unacknowledged or acknowledged before it is kept.
    holdUnmatchedReports: false,
    onReceipt: (receipt) => recorder.recordReceipt(receiptOf(channel.id, receipt)),
    observeLatency: (ms) => {
      live.recordSubmitLatency(ms);
      observeLatency?.(ms);
    },
    onLateSubmitResp: (late) => {
      if (late.ref && late.msgId) recorder.recordLateSegment({ messageId: late.ref, part: late.segment, phone: late.dest, providerMessageId: late.msgId });
    },
    onSessionEvent: (event) => {
      if (event.type === "login_failed") logger.warn("CMPP login failed", { channelId: channel.id, connection: event.connection, reason: event.reason });
      if (event.type === "login_refused") logger.error("CMPP gateway refuses the login; retrying after a long pause", { channelId: channel.id, reason: event.reason, retryAt: event.retryAt.toISOString() });
    },
  };

  async function ensurePool(): Promise<boolean> {
    if (pool) return true;
    const total = channel.cmpp.connections;
    // A fair share: the slots others hold are theirs; of the rest, take what this worker's share allows.
    const others = await slotsHeldByOthers(ctx.db, ctx.owner, channel.id, total);
    const share = Math.max(1, Math.ceil(total / Math.max(1, ctx.liveWorkers())));
    slots = await takeConnectionSlots(ctx.db, ctx.owner, channel.id, total, Math.min(share, total - others));
    if (slots.length === 0) return false;
    pool = createCmppPool({ ...channel.cmpp, connections: slots.length }, poolOptions);
    logger.info("CMPP channel opened", { channelId: channel.id, connections: slots.length, of: total });
    return true;
  }

  async function textOf(sendIds: string[]): Promise<void> {
    const missing = [...new Set(sendIds)].filter((id) => !contents.has(id));
    if (missing.length === 0) return;
    for (const [id, content] of await sendContents(ctx.db, missing)) contents.set(id, String(content.text ?? ""));
  }

  /** Hands waiting messages to the pool while it has window places and they are in the handoff log. */
  function feed(): void {
    while (pool && loggedWaiting > 0 && unsettled < windowPlaces()) {
      loggedWaiting -= 1;
      handOver(pool, waiting.shift()!);
    }
    // A window's worth ahead, so the windows rarely wait for the write.
    if (!stopping && loggedWaiting < windowPlaces() && waiting.length > loggedWaiting) void logAhead();
  }

  /** Writes the next window's worth of waiting messages to the handoff log, then feeds. */
  function logAhead(): Promise<void> {
    if (logging) return logging;
    const next = waiting.slice(loggedWaiting, loggedWaiting + Math.max(1, windowPlaces())).map((m) => m.id);
    logging = (async () => {
      try {
        if (!ctx.lease.live) return;
        // The whole set each time: what the pool holds, what is logged to come, and the next ones.
        if (!(await logHandoffs(ctx.db, ctx.owner, channel.id, [...logged, ...next]))) return;
        // Claims returned meanwhile (returnWaiting) are not in `waiting` any more.
        const stillFirst = next.every((id, i) => waiting[loggedWaiting + i]?.id === id);
        if (!stillFirst) return;
        for (const id of next) logged.add(id);
        loggedWaiting += next.length;
      } catch (error) {
        logger.warn("could not write the CMPP handoff log; trying again", { channelId: channel.id, error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        logging = null;
      }
      if (!stopping) feed();
    })();
    return logging;
  }

  function handOver(to: CmppPool, message: ClaimedMessage): void {
    unsettled += 1;
    const text = contents.get(message.sendId) ?? "";
    to.submit({ dest: message.phone, text, ref: message.id })
      .then(
        (result) => recorder.recordOutcome(submitted(message, result)),
        (error: unknown) => recorder.recordOutcome(notSubmitted(message, error, channel.send.resubmitUncertain, requeueAfter)),
      )
      .finally(() => {
        unsettled -= 1;
        inFlight -= 1;
        logged.delete(message.id);
        if (!stopping) feed();
        if (!stopping && inFlight < (slots.length * aheadPerConnection) / 2) void pump();
      });
  }

  /** Claims that never reached the pool go back to the queue as they were: certainly not sent. */
  function returnWaiting(): void {
    loggedWaiting = 0;
    for (const message of waiting.splice(0)) {
      logged.delete(message.id);
      void recorder.recordOutcome({ transition: requeue(message, 0, null) }).finally(() => (inFlight -= 1));
    }
  }

  async function pumpOnce(): Promise<boolean> {
    if (stopping || !ctx.lease.live) return false;
    if (!(await ensurePool())) return false;
    // While the gateway refuses the login, messages stay queued rather than churn through claims.
    if (pool!.status().loginRefused) return false;
    const room = slots.length * aheadPerConnection - inFlight;
    if (room < Math.min(CLAIM_BATCH, slots.length * aheadPerConnection) / 4) return false;
    const claimed = await claimQueuedMessages(ctx.db, ctx.owner, channel.id, Math.min(room, CLAIM_BATCH));
    if (claimed.length === 0) return false;
    ctx.noteClaimed(claimed.length);
    lastWork = Date.now();
    await textOf(claimed.map((m) => m.sendId));
    inFlight += claimed.length;
    waiting.push(...claimed);
    if (stopping) returnWaiting();
    else feed();
    return claimed.length === Math.min(room, CLAIM_BATCH);
  }

  function pump(): Promise<void> {
    if (pumping) return pumping;
    pumping = (async () => {
      try {
        while (await pumpOnce()) {
          // Keep claiming while whole batches come back and there is room.
        }
      } catch (error) {
        logger.error("claiming CMPP messages failed", { channelId: channel.id, error });
      } finally {
        pumping = null;
      }
    })();
    return pumping;
  }

  return {
    channelId: channel.id,
    version: channel.version,
    wake: () => void pump(),
    get busy() {
      return inFlight > 0 || recorder.pending > 0;
    },
    get idleForMs() {
      return inFlight > 0 ? 0 : Date.now() - lastWork;
    },
    get inFlight() {
      return inFlight;
    },
    status: () => pool?.status() ?? null,
    async stop() {
      stopping = true;
      await pumping;
      returnWaiting();
      // close() lets what is in the windows finish (bounded by the pool's close timeout) and
      // settles the rest as not sent; each settles through the recorder like any other outcome.
      await pool?.close();
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await recorder.close();
      await releaseConnectionSlots(ctx.db, ctx.owner, channel.id).catch((error: unknown) =>
        logger.warn("could not release CMPP connection slots; they free when the lease lapses", { channelId: channel.id, error }),
      );
      detachLive();
      pool = null;
    },
    fence() {
      stopping = true;
      // Written only while the lease still holds the claims; else their next owner takes them back.
      returnWaiting();
      // The lease may be gone: the connections must close now, whatever is in flight.
      void (pool?.close() ?? Promise.resolve()).finally(detachLive);
    },
  };
}

function receiptOf(channelId: string, r: CmppReceipt) {
  return {
    channelId,
    providerMessageId: r.msgId,
    phone: r.dest,
    code: r.stat,
    category: r.category,
    final: r.final,
    raw: { stat: r.stat, submitTime: r.submitTime, doneTime: r.doneTime, smscSequence: r.smscSequence, description: r.description },
  };
}

export function submitted(message: ClaimedMessage, result: CmppSubmitResult): SubmitOutcome {
  const copies = result.uncertainCopies ?? 0;
  const transition: MessageTransition = {
    id: message.id,
    from: "submitting",
    to: "submitted",
    providerMessageId: result.msgIds[0],
    segments: result.segments,
    attempts: copies,
    uncertain: copies > 0,
    event: { kind: "submit_resp", code: "0", raw: { msgIds: result.msgIds, ...(copies > 0 ? { uncertainCopies: copies } : {}) } },
  };
  return {
    transition,
    segments: result.msgIds.map((providerMessageId, i) => ({ messageId: message.id, part: i + 1, phone: message.phone, providerMessageId })),
  };
}

/** Flow control and lost connections are not failures: the message waits and is claimed again. */
const BACKOFF_MS = { flow_control: 5_000, no_connection: 30_000 } as const;
type RequeueBackoff = Record<keyof typeof BACKOFF_MS, number>;

export function notSubmitted(message: ClaimedMessage, error: unknown, resubmit: boolean, backoff: RequeueBackoff = BACKOFF_MS): SubmitOutcome {
  if (!(error instanceof CmppSubmitError)) {
    logger.error("CMPP submit failed unexpectedly; the message is queued again", { messageId: message.id, error });
    return { transition: requeue(message, 5_000, { kind: "requeued", raw: { reason: String(error) } }) };
  }
  const copies = error.uncertainCopies ?? 0;
  switch (error.failure) {
    case "rejected":
      return {
        transition: {
          id: message.id,
          from: "submitting",
          to: "failed",
          attempts: copies,
          uncertain: copies > 0,
          error: { code: `submit_result:${error.result}`, category: error.category },
          event: { kind: "submit_resp", code: String(error.result), category: error.category, raw: { message: error.message } },
        },
      };
    case "invalid_request":
      return {
        transition: {
          id: message.id,
          from: "submitting",
          to: "failed",
          error: { code: "invalid_request", category: "invalid_number" },
          event: { kind: "submit_error", code: "invalid_request", raw: { message: error.message } },
        },
      };
    case "uncertain":
      // The pool gave up on it without sending it again (it was closing, or the channel does not
      // resubmit). Where the channel resubmits, it goes back to the queue marked uncertain, as a
      // crashed dispatcher's claims do; else its outcome stays unknown.
      if (resubmit) {
        return { transition: { ...requeue(message, 0, { kind: "uncertain_attempt", code: error.failure, raw: { message: error.message, uncertainCopies: copies } }), attempts: 0, uncertain: true } };
      }
      return unknownOutcome(message, error, copies);
    case "timeout":
    case "too_many_attempts":
      return unknownOutcome(message, error, copies);
    case "flow_control":
    case "no_connection":
      return { transition: requeue(message, backoff[error.failure], { kind: "requeued", code: error.failure, raw: { message: error.message } }) };
    case "closed":
    default:
      return { transition: requeue(message, 0, { kind: "requeued", code: "closed" }) };
  }
}

function unknownOutcome(message: ClaimedMessage, error: CmppSubmitError, copies: number): SubmitOutcome {
  return {
    transition: {
      id: message.id,
      from: "submitting",
      to: "unknown",
      attempts: Math.max(0, copies - 1),
      uncertain: true,
      error: { code: REASON_SUBMIT_OUTCOME_UNKNOWN, category: "unknown" },
      event: { kind: "uncertain_attempt", code: error.failure, raw: { message: error.message, uncertainCopies: copies } },
    },
  };
}

function requeue(message: ClaimedMessage, afterMs: number, event: MessageTransition["event"]): MessageTransition {
  // The claim counted an attempt that never reached the gateway: take it back.
  return { id: message.id, from: "submitting", to: "queued", attempts: -1, nextAttemptAt: afterMs > 0 ? new Date(Date.now() + afterMs) : null, event };
}

