/**
 * The CMPP transport for one channel: as many sessions as the channel's "number of connections",
 * one shared queue of SUBMITs, and the receipts and replies of all of them.
 *
 * Work is not bound to a connection: each session pulls from the shared queue whenever its window
 * and its TPS allow, so submits spread across the live sessions by themselves, a slow or
 * flow-controlled connection simply pulls less, and a dropped session's work goes back to the
 * front of the queue for the others (and for itself once it has reconnected).
 *
 * ## Delivery guarantee: at least once (or at most once, with resubmitUncertain: false)
 *
 * A SUBMIT that was written to a connection but never answered may or may not have reached the
 * gateway; nothing on our side can tell. By default the pool sends it again rather than risk
 * losing it:
 *   - unanswered for T (requestTimeoutMs, 60 s): resent on the same connection, with the same
 *     Sequence_Id, up to N (maxTries, 3) transmissions; a "duplicate sequence" answer to such a
 *     resend is ignored in favour of the original's answer;
 *   - its connection dropped: put back at the front of the queue and sent again on whichever
 *     connection is live, up to maxAttempts (5) connection losses.
 * So a message is never silently lost, but the same message can reach the handset twice. Every
 * such transmission is counted (uncertainCopies on the result and on the error), and a late
 * SUBMIT_RESP for one is handed to onLateSubmitResp with its Msg_Id. With resubmitUncertain: false
 * nothing is sent twice: such a submit rejects with "uncertain" instead.
 *
 * Only these outcomes reject a submit:
 *   - a final SUBMIT_RESP Result (anything but 0, 8 and, for one number of several, 13): the
 *     gateway refused it, nothing was sent; Result 13 to a multi-destination SUBMIT is retried per
 *     number and only the bad numbers are marked failed in the result;
 *   - "timeout", "too_many_attempts" and "uncertain": the outcome is UNKNOWN (it may have been
 *     delivered) — record it so, do not assume failure;
 *   - "no_connection" (no session could log in within queueTimeoutMs, or logins are refused),
 *     "closed" (the pool closed first), "flow_control" and "invalid_request": nothing was sent.
 * Result 8 (flow control) is never final while retries remain: the connection slows down and the
 * SUBMIT goes back to the queue. close() settles every submit within closeTimeoutMs.
 *
 * A SUBMIT that reached the gateway is reported by its status report, which may come before the
 * SUBMIT_RESP, on another connection, or more than once; see pool/inbound.ts.
 *
 * ## Logins
 *
 * The CONNECT timestamp is China Standard Time unless timestampUtcOffsetMinutes says otherwise. A
 * gateway that answers the 3.0 login with Version 0x20, or refuses it with Status 4, gets 2.0 from
 * then on (one retry at once). Status 2, 3 and 4 (after that retry) are refusals that trying again
 * will not cure, and gateways lock accounts that keep trying: the pool stops logging in, fails its
 * queue with "no_connection", and lets one connection try again after refusedLoginBackoffMs (or at
 * retryLoginNow()); when that login succeeds the others follow.
 */
import { performance } from "node:perf_hooks";
import { LAYOUT } from "../codec/constants";
import { msgIdPlus, msgIdRange } from "../codec/msg-id";
import type { DeliverPdu, SubmitRespPdu } from "../codec/pdu";
import { CmppSubmitError, type CmppLoginError } from "../errors";
import { stderrLogger } from "../logger";
import type { SubmittedMessage } from "../receipts/receipt-matcher";
import { DEFAULT_CMPP_STAT_CODES } from "../receipts/stat-codes";
import {
  REFUSED_LOGIN_STATUSES,
  RESULT_BAD_DESTINATION,
  RESULT_FLOW_CONTROL,
  STATUS_VERSION_TOO_HIGH,
  describeConnectStatus,
  describeSubmitResult,
} from "../receipts/result-codes";
import type { CmppChannelSettings, CmppLogger, CmppVersion } from "../types";
import { ConnectionSlot, type LoginRetry, type SlotOwner } from "./connection-slot";
import { Deque } from "./deque";
import { InboundHandler } from "./inbound";
import type {
  CmppLoginRefusal,
  CmppPoolCounters,
  CmppPoolOptions,
  CmppPoolStatus,
  CmppSessionEvent,
  CmppSubmitRequest,
  CmppSubmitResult,
} from "./pool-types";
import { buildSubmitJob, type SegmentJob, type SubmitJob } from "./submit-job";

/** Reused for the common one-number case, so an accepted SUBMIT allocates no id array. */
const SINGLE: string[] = [""];

export interface CmppPool {
  /**
   * Queues a message. Resolves when every segment, to every number, has a SUBMIT_RESP with Result
   * 0 — or Result 13 for that number alone, marked in `destinations` — with the Msg_Ids; rejects
   * with a CmppSubmitError otherwise (see the delivery guarantee).
   */
  submit(request: CmppSubmitRequest): Promise<CmppSubmitResult>;
  /** Resolves once at least one connection is logged in (or rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Stops accepting submits and lets queued and in-flight work finish for up to closeTimeoutMs.
   * Then every submit still open is settled at once: "closed" when nothing of it was sent
   * unanswered, "uncertain" when a SUBMIT of it was written and never answered (its answer, if it
   * comes while the connection drains, goes to onLateSubmitResp). Then each connection waits up
   * to terminateTimeoutMs for answers still due, sends TERMINATE and closes. Idempotent.
   */
  close(): Promise<void>;
  status(): CmppPoolStatus;
  /**
   * Logs in again now: after refused logins (a changed password, "test connection"), one
   * connection tries at once and the others follow when it succeeds; otherwise every connection
   * waiting to reconnect tries now.
   */
  retryLoginNow(): void;
  /** Drops connection `index` at once, as a network failure would (tests, lease loss). */
  dropConnection(index: number, reason?: string): void;
}

export function createCmppPool(settings: CmppChannelSettings, options: CmppPoolOptions = {}): CmppPool {
  return new Pool(settings, options);
}

interface Refusal {
  status: number;
  reason: string;
  since: number;
  retryAt: number;
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
    uncertainCopies: 0,
    lateSubmitResponses: 0,
    destinationsRefused: 0,
    undecodableDelivers: 0,
  };
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly resubmitUncertain: boolean;
  private readonly requestTimeoutMs: number;
  private readonly terminateTimeoutMs: number;
  private readonly refusedLoginBackoffMs: number;
  private readonly windowSize: number;
  private nextReference = Math.floor(Math.random() * 256);
  private nextSlot = 0;
  /** close() called: no new submits; queued and in-flight work may still finish. */
  private closing = false;
  /** close()'s deadline passed: nothing is sent any more, and whatever comes back is settled at once. */
  private stopping = false;
  private closePromise: Promise<void> | null = null;
  private lastLoginError: string | null = null;
  /** What CONNECT asks for: the channel's version, or 2.0 once the gateway showed it speaks only that. */
  private loginVersionValue: CmppVersion;
  private downgradeReason: string | null = null;
  private downgradeAnnounced = false;
  private refusal: Refusal | null = null;
  private refusalTimer: NodeJS.Timeout | null = null;
  /** While logins are refused, the one slot allowed to try. */
  private retrying: ConnectionSlot | null = null;
  private readyWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly settings: CmppChannelSettings,
    private readonly options: CmppPoolOptions,
  ) {
    this.logger = options.logger ?? stderrLogger;
    this.loginVersionValue = settings.version;
    this.resubmitUncertain = options.resubmitUncertain ?? true;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.terminateTimeoutMs = options.terminateTimeoutMs ?? 5_000;
    this.refusedLoginBackoffMs = options.refusedLoginBackoffMs ?? 10 * 60_000;
    this.windowSize = options.window ?? 16;
    const logFields = { channel: `${settings.account}@${settings.host}:${settings.port}` };
    this.inbound = new InboundHandler({
      statCodes: options.statCodes ?? DEFAULT_CMPP_STAT_CODES,
      receiptHoldMs: options.receiptHoldMs ?? 10_000,
      holdUnmatched: options.holdUnmatchedReports ?? true,
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
              windowSize: this.windowSize,
              requestTimeoutMs: this.requestTimeoutMs,
              maxTries: options.maxTries ?? 3,
              resendSubmits: this.resubmitUncertain,
              activeTestIntervalMs: options.activeTestIntervalMs ?? 180_000,
              loginTimeoutMs: options.loginTimeoutMs ?? 30_000,
              drainTimeoutMs: this.requestTimeoutMs,
              terminateTimeoutMs: this.terminateTimeoutMs,
              verifyIsmgAuthenticator: options.verifyIsmgAuthenticator ?? true,
              timestampUtcOffsetMinutes: options.timestampUtcOffsetMinutes ?? 480,
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
    if (this.refusal !== null && this.isRefusedForNow()) {
      return Promise.reject(new CmppSubmitError("no_connection", null, "unknown", `no CMPP connection can log in: ${this.refusal.reason}`));
    }
    return new Promise<CmppSubmitResult>((resolve, reject) => {
      const { segmentJobs } = buildSubmitJob(
        request,
        {
          settings: this.settings,
          defaults: this.options.submitDefaults ?? {},
          terminalIdWidth: LAYOUT[this.loginVersionValue].terminalIdWidth,
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

  close(): Promise<void> {
    return (this.closePromise ??= this.shutDown());
  }

  status(): CmppPoolStatus {
    const refusal = this.refusal === null ? null : publicRefusal(this.refusal);
    return {
      connections: this.slots.map((s) => ({
        index: s.index,
        state: s.state,
        inFlight: s.inFlight,
        windowSize: this.windowSize,
        rate: s.governor.currentRate,
        lastError: s.lastError,
        since: new Date(s.stateSince),
        version: s.version,
        refused: refusal !== null && (s.isParked || s === this.retrying) ? refusal : null,
      })),
      ready: this.slots.filter((s) => s.isReady).length,
      queued: this.queue.length,
      loginRefused: refusal,
      counters: { ...this.counters },
    };
  }

  retryLoginNow(): void {
    if (this.closing) return;
    if (this.refusal === null) {
      for (const slot of this.slots) slot.wake();
      return;
    }
    if (this.retrying !== null) {
      this.retrying.wake();
      return;
    }
    this.retryRefusedLogin();
  }

  dropConnection(index: number, reason = "dropped on request"): void {
    this.slots[index]?.kill(reason);
  }

  // SlotOwner

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  takeNext(): SegmentJob | undefined {
    if (this.stopping) return undefined;
    for (let segment = this.queue.shift(); segment !== undefined; segment = this.queue.shift()) {
      const job = segment.job;
      // A sibling segment already failed the message: the rest is not sent.
      if (job.settled) continue;
      if (job.destFailures !== null) {
        // A number of this message was refused: never send it again, and send the others per number.
        if (segment.destCount === 1 && job.isRefused(segment.destOffset)) {
          job.segmentDone();
          continue;
        }
        if (segment.destCount > 1 && job.hasRefusedIn(segment)) {
          this.splitPerDestination(segment);
          continue;
        }
      }
      this.counters.segmentsSent++;
      return segment;
    }
    return undefined;
  }

  loginVersion(): CmppVersion {
    return this.loginVersionValue;
  }

  mayLogIn(slot: ConnectionSlot): boolean {
    return this.refusal === null || this.retrying === slot;
  }

  onSlotReady(slot: ConnectionSlot): void {
    this.counters.logins++;
    const version = slot.version;
    if (version === "2.0" && this.settings.version === "3.0") {
      this.loginVersionValue = "2.0";
      if (!this.downgradeAnnounced) {
        this.downgradeAnnounced = true;
        const reason = this.downgradeReason ?? "the gateway answered the 3.0 login with Version 0x20";
        this.logger.warn("CMPP gateway speaks 2.0 only; using 2.0 (set the channel to 2.0)", { reason });
        this.emit({ type: "version_downgraded", connection: slot.index, version, reason });
      }
    }
    if (this.refusal !== null) {
      // The account works again (a new secret, an unlocked account): everyone logs in.
      this.refusal = null;
      this.retrying = null;
      if (this.refusalTimer) clearTimeout(this.refusalTimer);
      this.refusalTimer = null;
      for (const other of this.slots) if (other !== slot && other.isParked) other.wake();
    }
    this.emit({ type: "ready", connection: slot.index, version });
    for (const waiter of this.readyWaiters.splice(0)) waiter();
  }

  onLoginFailed(slot: ConnectionSlot, error: CmppLoginError, attemptedVersion: CmppVersion): LoginRetry {
    this.counters.loginFailures++;
    this.lastLoginError = error.message;
    this.emit({ type: "login_failed", connection: slot.index, reason: error.message, status: error.status });
    if (error.failure !== "rejected" || error.status === null) return "backoff";
    if (error.status === STATUS_VERSION_TOO_HIGH && attemptedVersion === "3.0") {
      // "Version too high": once more at once, in 2.0 (and 2.0 from then on).
      this.loginVersionValue = "2.0";
      this.downgradeReason = "the gateway refused the 3.0 login with Status 4 (version too high)";
      return "now";
    }
    if (REFUSED_LOGIN_STATUSES.has(error.status)) {
      this.refuseLogins(slot, error.status);
      return "wait_to_be_woken";
    }
    return "backoff";
  }

  onSubmitResponse(slot: ConnectionSlot, segment: SegmentJob, response: SubmitRespPdu, latencyMs: number, unansweredCopies: number): void {
    const job = segment.job;
    if (job.settled) {
      this.onLateSubmitResponse(segment, response);
      return;
    }
    // Earlier transmissions that went unanswered: each may be a copy at the gateway.
    if (unansweredCopies > 0) this.countUncertain(segment, unansweredCopies);
    const now = performance.now();
    if (response.result === 0) {
      this.counters.segmentsAccepted++;
      slot.governor.onAccepted(now);
      this.options.observeLatency?.(latencyMs);
      const ids = this.rememberAccepted(segment, response.msgId);
      for (let i = 0; i < segment.destCount; i++) job.setMsgId(segment.destOffset + i, segment.segmentIndex, ids[i]);
      job.segmentDone();
    } else if (response.result === RESULT_FLOW_CONTROL) {
      this.counters.flowControlled++;
      slot.governor.onFlowControl(now);
      segment.flowControlRetries++;
      if (segment.flowControlRetries > (this.options.flowControl?.maxRetries ?? 100)) {
        job.fail(
          new CmppSubmitError("flow_control", RESULT_FLOW_CONTROL, "rate_limited", "the gateway kept answering flow control (Result 8)", job.acceptedMsgIds(), job.uncertainCopies),
        );
      } else {
        this.queue.pushFront(segment);
        // Other connections may have room (and no pause) now.
        this.pumpAll();
      }
    } else if (response.result === RESULT_BAD_DESTINATION && segment.destCount > 1) {
      // One bad number refuses the whole group: find out which, number by number.
      this.logger.info("multi-destination SUBMIT refused with Result 13; retrying per number", { ref: job.ref, numbers: segment.destCount });
      this.splitPerDestination(segment);
      this.pumpAll();
    } else if (response.result === RESULT_BAD_DESTINATION && job.dests.length > 1) {
      this.counters.destinationsRefused++;
      this.logger.info("number refused (Result 13)", { ref: job.ref, dest: job.dests[segment.destOffset] });
      job.refuseDestination(segment.destOffset, response.result);
      job.segmentDone();
    } else {
      this.logger.info("SUBMIT refused", { result: response.result, reason: describeSubmitResult(response.result), ref: job.ref });
      job.fail(CmppSubmitError.rejected(response.result, job.acceptedMsgIds(), job.uncertainCopies));
    }
    this.notifyIfIdle();
  }

  onSubmitTimeout(segment: SegmentJob, unansweredCopies: number): void {
    this.counters.timeouts++;
    const job = segment.job;
    if (!job.settled) {
      this.countUncertain(segment, unansweredCopies);
      job.fail(
        this.resubmitUncertain
          ? new CmppSubmitError(
              "timeout",
              null,
              "unknown",
              "no SUBMIT_RESP after every resend: the message may or may not have been sent",
              job.acceptedMsgIds(),
              job.uncertainCopies,
            )
          : this.uncertainError(job, "no SUBMIT_RESP in time, and it is not sent again (resubmitUncertain: false)"),
      );
    }
    this.notifyIfIdle();
  }

  /** A SUBMIT_RESP after the pool stopped waiting for it: the copy it answers is real, so its id is kept. */
  onLateSubmitResponse(segment: SegmentJob, response: SubmitRespPdu): void {
    this.counters.lateSubmitResponses++;
    const job = segment.job;
    const ids = response.result === 0 ? this.rememberAccepted(segment, response.msgId) : null;
    this.logger.info("late SUBMIT_RESP", { ref: job.ref, result: response.result, msgId: response.msgId });
    const hook = this.options.onLateSubmitResp;
    if (hook === undefined) return;
    for (let i = 0; i < segment.destCount; i++) {
      const late = {
        ref: job.ref,
        dest: job.dests[segment.destOffset + i],
        segment: segment.segmentIndex + 1,
        segments: job.segments,
        msgId: ids === null ? "" : ids[i],
        result: response.result,
      };
      this.safely(() => hook(late));
    }
  }

  onDeliver(pdu: DeliverPdu): void | Promise<unknown> {
    return this.inbound.handleDeliver(pdu, performance.now());
  }

  onUndecodableDeliver(): void {
    this.counters.undecodableDelivers++;
  }

  onSlotClosed(slot: ConnectionSlot, reason: string, unanswered: SegmentJob[], unansweredCopies: number[]): void {
    const maxAttempts = this.options.maxAttempts ?? 5;
    let requeued = 0;
    // Back to the front in their original order, ahead of newer work.
    for (let i = unanswered.length - 1; i >= 0; i--) {
      const segment = unanswered[i];
      const job = segment.job;
      if (job.settled) continue;
      // Written, never answered: the gateway may have it.
      this.countUncertain(segment, unansweredCopies[i]);
      if (this.stopping || !this.resubmitUncertain) {
        job.fail(this.uncertainError(job, `its connection was lost (${reason}) before the SUBMIT was answered`));
        continue;
      }
      segment.attempts++;
      if (segment.attempts >= maxAttempts) {
        job.fail(
          new CmppSubmitError(
            "too_many_attempts",
            null,
            "unknown",
            `lost with ${segment.attempts} dropped connections: the message may or may not have been sent`,
            job.acceptedMsgIds(),
            job.uncertainCopies,
          ),
        );
      } else {
        this.queue.pushFront(segment);
        this.counters.requeuedAfterDisconnect++;
        requeued++;
      }
    }
    // While closing, connections end on purpose: only one that hands work back is news.
    if (!this.closing || requeued > 0) {
      this.emit({ type: "disconnected", connection: slot.index, reason, requeued });
    }
    this.pumpAll();
    this.notifyIfIdle();
  }

  // Internals

  private async shutDown(): Promise<void> {
    this.closing = true;
    if (this.refusalTimer) clearTimeout(this.refusalTimer);
    this.refusalTimer = null;
    await this.waitForIdle(this.options.closeTimeoutMs ?? 30_000);
    this.stopping = true;
    // Written and still unanswered: settled now; an answer that still comes goes to onLateSubmitResp.
    for (const slot of this.slots) {
      for (const { context: segment, unansweredCopies } of slot.unanswered()) {
        if (segment.job.settled) continue;
        this.countUncertain(segment, unansweredCopies);
        segment.job.fail(this.uncertainError(segment.job, "the CMPP pool closed before its SUBMIT was answered"));
      }
    }
    this.failQueued("closed", "the CMPP pool closed before this message was sent");
    await Promise.all(this.slots.map((slot) => slot.stop(Math.min(this.requestTimeoutMs, this.terminateTimeoutMs))));
    clearInterval(this.sweepTimer);
  }

  /**
   * Fails everything queued: with `failure` (nothing of it is at the gateway unanswered), or with
   * "uncertain" for a message one of whose queued SUBMITs was already written once unanswered.
   */
  private failQueued(failure: "closed" | "no_connection", message: string): void {
    const left = this.queue.drain();
    if (left.length === 0) return;
    const uncertain = new Set<SubmitJob>();
    for (const segment of left) if (segment.uncertainCopies > 0) uncertain.add(segment.job);
    for (const segment of left) {
      const job = segment.job;
      if (job.settled) continue;
      job.fail(
        uncertain.has(job)
          ? this.uncertainError(job, `${message}, and an earlier SUBMIT of it was never answered`)
          : new CmppSubmitError(failure, null, "unknown", message, job.acceptedMsgIds(), job.uncertainCopies),
      );
    }
  }

  private uncertainError(job: SubmitJob, why: string): CmppSubmitError {
    return new CmppSubmitError("uncertain", null, "unknown", `${why}: the message may or may not have been delivered`, job.acceptedMsgIds(), job.uncertainCopies);
  }

  private countUncertain(segment: SegmentJob, copies: number): void {
    if (copies <= 0) return;
    segment.addUncertainCopies(copies);
    this.counters.uncertainCopies += copies;
  }

  /** Replaces a group SUBMIT by one per number not refused yet, at the front of the queue. */
  private splitPerDestination(segment: SegmentJob): void {
    const parts = segment.splitPerDestination();
    segment.job.pendingSegments += parts.length;
    segment.job.segmentDone(); // the group itself
    for (let i = parts.length - 1; i >= 0; i--) this.queue.pushFront(parts[i]);
  }

  /** Records an accepted SUBMIT's Msg_Ids for matching; returns them, one per number. */
  private rememberAccepted(segment: SegmentJob, msgId: string): string[] {
    const job = segment.job;
    const count = segment.destCount;
    const ids = count === 1 ? SINGLE.fill(msgId) : msgIdRange(msgId, count);
    const acceptedAt = Date.now();
    if (count === 1) {
      this.inbound.remember(msgId, this.submitted(job, segment.destOffset, segment.segmentIndex, msgId, acceptedAt));
      return ids;
    }
    const messages: SubmittedMessage[] = [];
    for (let i = 0; i < count; i++) messages.push(this.submitted(job, segment.destOffset + i, segment.segmentIndex, ids[i], acceptedAt));
    // Gateways that report every number under the SUBMIT's one Msg_Id: matched by Msg_Id + number.
    this.inbound.rememberGroup(msgId, messages);
    for (let i = 0; i < count; i++) {
      this.inbound.remember(ids[i], messages[i]);
      // A gateway that carries out of the 16-bit sequence instead of wrapping it: match that id too.
      if (i > 0) {
        const carried = msgIdPlus(msgId, i);
        if (carried !== ids[i]) this.inbound.remember(carried, messages[i]);
      }
    }
    return ids;
  }

  private submitted(job: SubmitJob, destIndex: number, segmentIndex: number, msgId: string, acceptedAt: number): SubmittedMessage {
    return { ref: job.ref, dest: job.dests[destIndex], segment: segmentIndex + 1, segments: job.segments, acceptedAt, msgId };
  }

  private refuseLogins(slot: ConnectionSlot, status: number): void {
    const reason = `login refused: ${describeConnectStatus(status)}`;
    const now = Date.now();
    this.refusal = { status, reason, since: this.refusal?.since ?? now, retryAt: now + this.refusedLoginBackoffMs };
    this.retrying = null;
    this.lastLoginError = reason;
    if (this.refusalTimer) clearTimeout(this.refusalTimer);
    this.refusalTimer = null;
    if (!this.closing) {
      this.refusalTimer = setTimeout(() => this.retryRefusedLogin(), this.refusedLoginBackoffMs);
      this.refusalTimer.unref();
    }
    this.logger.warn("CMPP login refused; not trying again for a while", { status, reason, retryInMs: this.refusedLoginBackoffMs });
    this.emit({ type: "login_refused", connection: slot.index, status, reason, retryAt: new Date(this.refusal.retryAt) });
    if (this.isRefusedForNow()) this.failQueued("no_connection", `no CMPP connection can log in: ${reason}`);
  }

  /** One connection tries the refused login again; the others wait for its result. */
  private retryRefusedLogin(): void {
    this.refusalTimer = null;
    if (this.closing || this.refusal === null) return;
    const slot = this.slots.find((s) => s.isParked) ?? this.slots.find((s) => s.isWaiting);
    if (slot === undefined) return;
    this.retrying = slot;
    this.logger.info("trying the refused CMPP login again", { connection: slot.index });
    slot.wake();
  }

  /** Logins are refused, nobody is trying again right now, and no connection is up. */
  private isRefusedForNow(): boolean {
    return this.refusal !== null && this.retrying === null && !this.slots.some((s) => s.isReady);
  }

  private emit(event: CmppSessionEvent): void {
    const hook = this.options.onSessionEvent;
    if (hook !== undefined) this.safely(() => hook(event));
  }

  /** A throwing callback is the caller's bug; it must not take a connection down with it. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error("CMPP pool callback threw", { error });
    }
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
    if (this.queue.length > 0 && this.refusal !== null && this.isRefusedForNow()) {
      this.failQueued("no_connection", `no CMPP connection can log in: ${this.refusal.reason}`);
    }
    // With no connection logged in, nothing drains the queue: fail what has waited too long.
    const queueTimeout = this.options.queueTimeoutMs ?? 120_000;
    if (this.queue.length > 0 && !this.slots.some((s) => s.isReady)) {
      const head = this.queue.peek();
      if (head && now - head.job.enqueuedAt >= queueTimeout) {
        const reason = this.lastLoginError ?? this.slots.find((s) => s.lastError)?.lastError ?? "no connection";
        this.failQueued("no_connection", `no CMPP connection could be used: ${reason}`);
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

function publicRefusal(refusal: Refusal): CmppLoginRefusal {
  return { status: refusal.status, reason: refusal.reason, since: new Date(refusal.since), retryAt: new Date(refusal.retryAt) };
}
