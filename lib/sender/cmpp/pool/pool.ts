/**
 * The CMPP transport for one channel: as many sessions as the channel's "number of connections",
 * one shared queue of SUBMITs, and the receipts and replies of all of them.
 *
 * Work is not bound to a connection: each session pulls from the shared queue whenever its window
 * and its TPS allow, so submits spread across the live sessions by themselves, a slow or
 * flow-controlled connection simply pulls less, and a dropped session's work goes back to the
 * front of the queue for the others (and for itself once it has reconnected).
 *
 * ## Delivery guarantee: at least once
 *
 * A SUBMIT that was written to a connection but never answered may or may not have reached the
 * gateway; nothing on our side can tell. The pool always sends it again rather than risk losing it:
 *   - unanswered for T (requestTimeoutMs, 60 s): resent on the same connection, with the same
 *     Sequence_Id, up to N (maxTries, 3) transmissions; a "duplicate sequence" answer to such a
 *     resend is ignored in favour of the original's answer;
 *   - its connection dropped: put back at the front of the queue and sent again on whichever
 *     connection is live, up to maxAttempts (5) connection losses.
 * So a message is never silently lost, but the same message can reach the handset twice: once from
 * the transmission whose answer was lost, once from the resend. Multi-part messages can likewise
 * repeat a part. Only these outcomes reject a submit:
 *   - a final SUBMIT_RESP Result (anything but 0 and 8): the gateway refused it, nothing was sent;
 *   - "timeout" after N unanswered transmissions on a live connection, and "too_many_attempts":
 *     the outcome is UNKNOWN (it may have been delivered) — record it so, do not assume failure;
 *   - "no_connection" (no session could log in within queueTimeoutMs), "closed" (the pool closed
 *     first) and "invalid_request": nothing was sent.
 * Result 8 (flow control) is never final while retries remain: the connection slows down and the
 * SUBMIT goes back to the queue.
 *
 * A SUBMIT that reached the gateway is reported by its status report, which may come before the
 * SUBMIT_RESP; see receipts/receipt-matcher.ts. The gateway resends DELIVERs we did not answer
 * in time, so reports are deduplicated by Msg_Id + Stat.
 */
import { performance } from "node:perf_hooks";
import { LAYOUT } from "../codec/constants";
import { msgIdPlus, msgIdRange } from "../codec/msg-id";
import type { DeliverPdu, SubmitRespPdu } from "../codec/pdu";
import { CmppSubmitError, type CmppLoginError } from "../errors";
import { stderrLogger } from "../logger";
import { DEFAULT_CMPP_STAT_CODES } from "../receipts/stat-codes";
import { RESULT_FLOW_CONTROL, describeSubmitResult } from "../receipts/result-codes";
import type { CmppChannelSettings, CmppLogger } from "../types";
import { ConnectionSlot, type SlotOwner } from "./connection-slot";
import { Deque } from "./deque";
import { InboundHandler } from "./inbound";
import type { CmppPoolCounters, CmppPoolOptions, CmppPoolStatus, CmppSubmitRequest, CmppSubmitResult } from "./pool-types";
import { buildSubmitJob, type SegmentJob } from "./submit-job";

/** Reused for the common one-number case, so an accepted SUBMIT allocates no id array. */
const SINGLE: string[] = [""];

export interface CmppPool {
  /**
   * Queues a message. Resolves when every segment (to every number) has a SUBMIT_RESP with Result
   * 0, with the Msg_Ids; rejects with a CmppSubmitError otherwise (see the delivery guarantee).
   */
  submit(request: CmppSubmitRequest): Promise<CmppSubmitResult>;
  /** Resolves once at least one connection is logged in (or rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Stops accepting submits, lets queued and in-flight work finish (up to closeTimeoutMs), rejects
   * what is left with "closed", then drains every window and sends TERMINATE on every connection.
   */
  close(): Promise<void>;
  status(): CmppPoolStatus;
  /** Drops connection `index` at once, as a network failure would (tests, lease loss). */
  dropConnection(index: number, reason?: string): void;
}

export function createCmppPool(settings: CmppChannelSettings, options: CmppPoolOptions = {}): CmppPool {
  return new Pool(settings, options);
}

class Pool implements CmppPool, SlotOwner {
  private readonly queue = new Deque<SegmentJob>();
  private readonly slots: ConnectionSlot[];
  private readonly inbound: InboundHandler;
  private readonly logger: CmppLogger;
  private readonly counters: CmppPoolCounters = {
    segmentsSent: 0,
    segmentsAccepted: 0,
    flowControlled: 0,
    requeuedAfterDisconnect: 0,
    timeouts: 0,
    receipts: 0,
    duplicateReceipts: 0,
    unmatchedReceipts: 0,
    replies: 0,
    logins: 0,
    loginFailures: 0,
  };
  private readonly sweepTimer: NodeJS.Timeout;
  private nextReference = Math.floor(Math.random() * 256);
  private nextSlot = 0;
  private closing = false;
  private closed = false;
  private lastLoginError: string | null = null;
  private readyWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly settings: CmppChannelSettings,
    private readonly options: CmppPoolOptions,
  ) {
    this.logger = options.logger ?? stderrLogger;
    const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    const logFields = { channel: `${settings.account}@${settings.host}:${settings.port}` };
    this.inbound = new InboundHandler({
      statCodes: options.statCodes ?? DEFAULT_CMPP_STAT_CODES,
      receiptHoldMs: options.receiptHoldMs ?? 10_000,
      trackedMessages: options.trackedMessages ?? 200_000,
      replyReassemblyMs: options.replyReassemblyMs ?? 5 * 60_000,
      onReceipt: options.onReceipt ?? (() => {}),
      onReply: options.onReply ?? (() => {}),
      logger: this.logger,
      counters: this.counters,
    });
    const count = Math.max(1, Math.floor(settings.connections));
    this.slots = [];
    for (let i = 0; i < count; i++) {
      this.slots.push(
        new ConnectionSlot(
          i,
          {
            host: settings.host,
            port: settings.port,
            session: {
              account: settings.account,
              password: settings.password,
              version: settings.version,
              windowSize: options.window ?? 16,
              requestTimeoutMs,
              maxTries: options.maxTries ?? 3,
              activeTestIntervalMs: options.activeTestIntervalMs ?? 180_000,
              loginTimeoutMs: options.loginTimeoutMs ?? 30_000,
              drainTimeoutMs: requestTimeoutMs,
              terminateTimeoutMs: 5_000,
              verifyIsmgAuthenticator: options.verifyIsmgAuthenticator ?? true,
              timestampUtcOffsetMinutes: options.timestampUtcOffsetMinutes,
              firstSequenceId: options.firstSequenceId,
              logger: this.logger,
            },
            tps: settings.tpsPerConnection,
            flowControl: options.flowControl ?? {},
            reconnectBaseMs: options.reconnectBaseMs ?? 1_000,
            reconnectMaxMs: options.reconnectMaxMs ?? 60_000,
            logger: this.logger,
            logFields,
          },
          this,
        ),
      );
    }
    const sweepMs = Math.max(10, Math.min(1_000, Math.floor((options.receiptHoldMs ?? 10_000) / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref();
    for (const slot of this.slots) slot.start();
  }

  submit(request: CmppSubmitRequest): Promise<CmppSubmitResult> {
    if (this.closing) return Promise.reject(new CmppSubmitError("closed", null, "unknown", "the CMPP pool is closing"));
    return new Promise<CmppSubmitResult>((resolve, reject) => {
      const { segmentJobs } = buildSubmitJob(
        request,
        {
          settings: this.settings,
          defaults: this.options.submitDefaults ?? {},
          terminalIdWidth: LAYOUT[this.settings.version].terminalIdWidth,
          reference: this.nextReference++ & 0xff,
          now: performance.now(),
        },
        resolve,
        reject,
      );
      for (const segment of segmentJobs) this.queue.pushBack(segment);
      this.pumpAll();
    });
  }

  ready(timeoutMs = 30_000): Promise<void> {
    if (this.slots.some((s) => s.isReady)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(new Error(`no CMPP connection logged in within ${timeoutMs} ms${this.lastLoginError ? `: ${this.lastLoginError}` : ""}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    await this.waitForIdle(this.options.closeTimeoutMs ?? 30_000);
    for (const segment of this.queue.drain()) {
      segment.job.fail(new CmppSubmitError("closed", null, "unknown", "the CMPP pool closed before this message was sent"));
    }
    await Promise.all(this.slots.map((slot) => slot.stop()));
    clearInterval(this.sweepTimer);
    this.closed = true;
  }

  status(): CmppPoolStatus {
    return {
      connections: this.slots.map((s) => ({ index: s.index, state: s.state, inFlight: s.inFlight, rate: s.governor.currentRate, lastError: s.lastError })),
      ready: this.slots.filter((s) => s.isReady).length,
      queued: this.queue.length,
      counters: { ...this.counters },
    };
  }

  dropConnection(index: number, reason = "dropped on request"): void {
    this.slots[index]?.kill(reason);
  }

  // SlotOwner

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  takeNext(): SegmentJob | undefined {
    for (let segment = this.queue.shift(); segment !== undefined; segment = this.queue.shift()) {
      // A sibling segment already failed the message: the rest is not sent.
      if (segment.job.settled) continue;
      this.counters.segmentsSent++;
      return segment;
    }
    return undefined;
  }

  onSlotReady(slot: ConnectionSlot): void {
    this.counters.logins++;
    this.options.onSessionEvent?.({ type: "ready", connection: slot.index });
    for (const waiter of this.readyWaiters.splice(0)) waiter();
  }

  onLoginFailed(slot: ConnectionSlot, error: CmppLoginError): void {
    this.counters.loginFailures++;
    this.lastLoginError = error.message;
    this.options.onSessionEvent?.({ type: "login_failed", connection: slot.index, reason: error.message, status: error.status });
  }

  onSubmitResponse(slot: ConnectionSlot, segment: SegmentJob, response: SubmitRespPdu, latencyMs: number): void {
    const now = performance.now();
    const job = segment.job;
    if (response.result === 0) {
      this.counters.segmentsAccepted++;
      slot.governor.onAccepted(now);
      this.options.observeLatency?.(latencyMs);
      const count = segment.destCount;
      const ids = count === 1 ? SINGLE.fill(response.msgId) : msgIdRange(response.msgId, count);
      const acceptedAt = Date.now();
      for (let i = 0; i < count; i++) {
        const destIndex = segment.destOffset + i;
        job.setMsgId(destIndex, segment.segmentIndex, ids[i]);
        const submitted = { ref: job.ref, dest: job.dests[destIndex], segment: segment.segmentIndex + 1, segments: job.segments, acceptedAt };
        this.inbound.remember(ids[i], submitted);
        // A gateway that carries out of the 16-bit sequence instead of wrapping it: match that id too.
        if (i > 0) {
          const carried = msgIdPlus(response.msgId, i);
          if (carried !== ids[i]) this.inbound.remember(carried, submitted);
        }
      }
      job.segmentAccepted();
    } else if (response.result === RESULT_FLOW_CONTROL) {
      this.counters.flowControlled++;
      slot.governor.onFlowControl(now);
      segment.flowControlRetries++;
      if (segment.flowControlRetries > (this.options.flowControl?.maxRetries ?? 100)) {
        job.fail(new CmppSubmitError("flow_control", RESULT_FLOW_CONTROL, "rate_limited", "the gateway kept answering flow control (Result 8)", job.acceptedMsgIds()));
      } else {
        this.queue.pushFront(segment);
        // Other connections may have room (and no pause) now.
        this.pumpAll();
      }
    } else {
      this.logger.info("SUBMIT refused", { result: response.result, reason: describeSubmitResult(response.result), ref: job.ref });
      job.fail(CmppSubmitError.rejected(response.result, job.acceptedMsgIds()));
    }
    this.notifyIfIdle();
  }

  onSubmitTimeout(segment: SegmentJob): void {
    this.counters.timeouts++;
    segment.job.fail(
      new CmppSubmitError(
        "timeout",
        null,
        "unknown",
        "no SUBMIT_RESP after every resend: the message may or may not have been sent",
        segment.job.acceptedMsgIds(),
      ),
    );
    this.notifyIfIdle();
  }

  onDeliver(pdu: DeliverPdu): void {
    this.inbound.handleDeliver(pdu, performance.now());
  }

  onSlotClosed(slot: ConnectionSlot, reason: string, unanswered: SegmentJob[]): void {
    const maxAttempts = this.options.maxAttempts ?? 5;
    // Back to the front in their original order, ahead of newer work.
    for (let i = unanswered.length - 1; i >= 0; i--) {
      const segment = unanswered[i];
      if (segment.job.settled) continue;
      segment.attempts++;
      if (segment.attempts >= maxAttempts) {
        segment.job.fail(
          new CmppSubmitError(
            "too_many_attempts",
            null,
            "unknown",
            `lost with ${segment.attempts} dropped connections: the message may or may not have been sent`,
            segment.job.acceptedMsgIds(),
          ),
        );
      } else {
        this.queue.pushFront(segment);
        this.counters.requeuedAfterDisconnect++;
      }
    }
    if (!this.closing || unanswered.length > 0) {
      this.options.onSessionEvent?.({ type: "disconnected", connection: slot.index, reason, requeued: unanswered.length });
    }
    this.pumpAll();
    this.notifyIfIdle();
  }

  private pumpAll(): void {
    const n = this.slots.length;
    const start = this.nextSlot;
    this.nextSlot = (start + 1) % n;
    for (let i = 0; i < n && this.queue.length > 0; i++) this.slots[(start + i) % n].pump();
  }

  private sweep(): void {
    const now = performance.now();
    this.inbound.sweep(now);
    // With no connection logged in, nothing drains the queue: fail what has waited too long.
    const queueTimeout = this.options.queueTimeoutMs ?? 120_000;
    if (this.queue.length > 0 && !this.slots.some((s) => s.isReady)) {
      const head = this.queue.peek();
      if (head && now - head.job.enqueuedAt >= queueTimeout) {
        const reason = this.lastLoginError ?? this.slots.find((s) => s.lastError)?.lastError ?? "no connection";
        for (const segment of this.queue.drain()) {
          segment.job.fail(new CmppSubmitError("no_connection", null, "unknown", `no CMPP connection could be used: ${reason}`));
        }
      }
    }
    // A safety net: work queued while every slot was paused or full is picked up here at the latest.
    if (this.queue.length > 0) this.pumpAll();
    this.notifyIfIdle();
  }

  private waitForIdle(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.idleWaiters.push(done);
    });
  }

  /** Idle: nothing queued and nothing in flight — or nothing can make progress (no connection). */
  private isIdle(): boolean {
    const inFlight = this.slots.reduce((n, s) => n + s.inFlight, 0);
    if (this.queue.length === 0 && inFlight === 0) return true;
    return this.closing && !this.slots.some((s) => s.isReady) && inFlight === 0;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length > 0 && this.isIdle()) for (const waiter of this.idleWaiters.slice()) waiter();
  }
}
