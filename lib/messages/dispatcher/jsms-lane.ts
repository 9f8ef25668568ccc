import { JsmsClient, JSMS_BATCH_LIMIT, type BatchRecipientResult } from "@/lib/sender/jsms";
import { logger } from "@/lib/util/logger";
import { REASON_SUBMIT_OUTCOME_UNKNOWN, type MessageTransition } from "../message-state";
import { claimQueuedMessages, oldestSendWithQueued, sendContents, type ClaimedMessage } from "./claims";
import type { DispatchChannel } from "./channel-transport";
import { createOutcomeRecorder, type SubmitOutcome } from "./outcome-recorder";
import type { Lane, LaneContext } from "./lane";
import { channelLive } from "../live/channel-live";

/**
 * One JSMS channel inside one dispatcher: claims up to 1000 queued messages of one send (one
 * template a batch) and posts them as one `/v1/messages/batch`, a few batches at a time. The
 * client never re-posts a batch whose body may have reached Jiguang; such recipients become
 * `unknown` (submit_outcome_unknown) for the operator to resend on purpose.
 */
type JsmsChannel = Extract<DispatchChannel, { type: "jsms" }>;

interface TemplateContent {
  id: number;
  params?: Record<string, string>;
  signId?: number;
}

const PARALLEL_BATCHES = 2;
/** A recipient JSMS did not take but may take later (50009, a connection refused) waits this long. */
const RETRY_AFTER_MS = 2_000;

export function startJsmsLane(ctx: LaneContext, channel: JsmsChannel): Lane {
  const recorder = createOutcomeRecorder({ db: ctx.db, channelId: channel.id, owner: ctx.owner, ...ctx.recorder });
  const live = channelLive(channel.id, "jsms");
  const detachLive = live.attachJsmsLane();
  const observe = ctx.options.jsms?.observe;
  const client = new JsmsClient(channel.jsms, {
    ...ctx.options.jsms,
    observe: (exchange) => {
      live.countApiCall(exchange);
      observe?.(exchange);
    },
  });
  const templates = new Map<string, TemplateContent>();
  let running = 0;
  let inFlight = 0;
  let stopping = false;
  let lastWork = Date.now();
  let looking: Promise<void> | null = null;
  // After a batch JSMS could not take at all (unreachable, rate limited), the lane waits before
  // claiming again, longer each time: the messages stay queued instead of churning through claims.
  let pauseUntil = 0;
  let pauseMs = 0;

  async function templateOf(sendId: string): Promise<TemplateContent | null> {
    if (!templates.has(sendId)) {
      const content = (await sendContents(ctx.db, [sendId])).get(sendId);
      const template = content?.template as TemplateContent | undefined;
      if (template) templates.set(sendId, template);
    }
    return templates.get(sendId) ?? null;
  }

  // The lane's batch workers claim in turn, never at once: two claims over the same send share its
  // rows between them (SKIP LOCKED on PostgreSQL), so a send of 300 went out as two batches, each
  // request one more against Jiguang's rate limit.
  let claiming: Promise<unknown> = Promise.resolve();
  function inTurn<T>(claim: () => Promise<T>): Promise<T> {
    const next = claiming.then(claim, claim);
    claiming = next.catch(() => {});
    return next;
  }

  async function sendOneBatch(): Promise<boolean> {
    if (stopping || !ctx.lease.live || Date.now() < pauseUntil) return false;
    const batch = await inTurn(async () => {
      if (stopping || !ctx.lease.live || Date.now() < pauseUntil) return null;
      const sendId = await oldestSendWithQueued(ctx.db, channel.id);
      if (!sendId) return null;
      const template = await templateOf(sendId);
      return { template, claimed: await claimQueuedMessages(ctx.db, ctx.owner, channel.id, JSMS_BATCH_LIMIT, { sendId }) };
    });
    if (!batch || batch.claimed.length === 0) return false;
    const { template, claimed } = batch;
    ctx.noteClaimed(claimed.length);
    lastWork = Date.now();
    inFlight += claimed.length;
    try {
      if (!template) {
        for (const m of claimed) void recorder.recordOutcome(failed(m, "no_template", "The send has no JSMS template."));
        return true;
      }
      const answer = await client.sendBatchChunk({
        tempId: template.id,
        signId: template.signId,
        recipients: claimed.map((m) => ({ mobile: m.phone, tempPara: template.params })),
      });
      // One moment for the whole batch: recipients put back together are claimed again together.
      const answeredAt = Date.now();
      // A refusal of the whole request is counted with its exchange; these are refusals of single numbers (50006…).
      for (const r of answer.results) if (!r.ok && r.outcome === "not_sent" && r.error.scope === "recipient") live.countRecipientError(r.error.code);
      answer.results.forEach((result, i) => void recorder.recordOutcome(outcomeOf(claimed[i]!, result, answeredAt)));
      // A batch JSMS could not take, or whose fate nobody knows as a whole (a 5xx, a timeout, a cut
      // connection): JSMS is failing. Posting the next batch at once would only turn up to 1000 more
      // messages unknown (the client's own sendBatch stops for the same reason), so the lane waits
      // and the rest stay queued.
      const wholeBatchFailed =
        answer.results.every((r) => r.outcome === "not_sent" && r.error.retryable) || answer.results.every((r) => r.outcome === "unknown");
      if (wholeBatchFailed) {
        pauseMs = Math.min(60_000, Math.max(2_000, pauseMs * 2));
        pauseUntil = Date.now() + pauseMs;
        const first = answer.results[0];
        logger.warn("JSMS took nothing of a batch; waiting before the next", { channelId: channel.id, waitMs: pauseMs, reason: first && !first.ok ? first.error.message : undefined });
        return false;
      }
      pauseMs = 0;
    } finally {
      inFlight -= claimed.length;
    }
    return true;
  }

  function look(): Promise<void> {
    if (looking) return looking;
    looking = (async () => {
      try {
        const workers: Promise<void>[] = [];
        while (running < PARALLEL_BATCHES && !stopping) {
          running += 1;
          workers.push(
            (async () => {
              try {
                while (await sendOneBatch()) {
                  // Keep going while there is work.
                }
              } catch (error) {
                logger.error("sending a JSMS batch failed", { channelId: channel.id, error });
              } finally {
                running -= 1;
              }
            })(),
          );
        }
        await Promise.all(workers);
      } finally {
        looking = null;
      }
    })();
    return looking;
  }

  return {
    channelId: channel.id,
    version: channel.version,
    wake: () => void look(),
    get busy() {
      return inFlight > 0 || recorder.pending > 0;
    },
    get inFlight() {
      return inFlight;
    },
    get idleForMs() {
      return inFlight > 0 ? 0 : Date.now() - lastWork;
    },
    status: () => null,
    async stop() {
      stopping = true;
      await looking;
      await recorder.close();
      client.close();
      detachLive();
    },
    fence() {
      stopping = true;
      client.close();
      detachLive();
    },
  };
}

function failed(message: ClaimedMessage, code: string, text: string, category = "unknown"): SubmitOutcome {
  return {
    transition: { id: message.id, from: "submitting", to: "failed", error: { code, category }, event: { kind: "submit_error", code, category, raw: { message: text } } },
  };
}

export function outcomeOf(message: ClaimedMessage, result: BatchRecipientResult, answeredAt = Date.now()): SubmitOutcome {
  if (result.outcome === "accepted") {
    return {
      transition: {
        id: message.id,
        from: "submitting",
        to: "submitted",
        providerMessageId: result.msgId,
        segments: 1,
            event: { kind: "submit_resp", code: "0", raw: { msgId: result.msgId } },
      },
      segments: [{ messageId: message.id, part: 1, phone: message.phone, providerMessageId: result.msgId }],
    };
  }
  const code = String(result.error.code);
  if (result.outcome === "unknown") {
    const transition: MessageTransition = {
      id: message.id,
      from: "submitting",
      to: "unknown",
      uncertain: true,
      error: { code: REASON_SUBMIT_OUTCOME_UNKNOWN, category: "unknown" },
      event: { kind: "uncertain_attempt", code: REASON_SUBMIT_OUTCOME_UNKNOWN, raw: { message: result.error.message } },
    };
    return { transition };
  }
  if (result.error.retryable) {
    return {
      transition: {
        id: message.id,
        from: "submitting",
        to: "queued",
        attempts: -1,
        nextAttemptAt: new Date(answeredAt + RETRY_AFTER_MS),
        event: { kind: "requeued", code, raw: { message: result.error.message } },
      },
    };
  }
  return failed(message, code, result.error.message, result.error.category);
}
