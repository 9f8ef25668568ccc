/**
 * One CMPP session (one TCP connection, client side) as a state machine over typed PDUs. It never
 * touches bytes: it is handed decoded PDUs and sends PDUs through a {@link PduTransport}.
 *
 *   connecting ──CONNECT_RESP ok──▶ ready ──close()──▶ draining ──window empty──▶ terminating ──▶ closed
 *        │                           │                                                 ▲
 *        └──refused / timeout / network────────────── connection lost ─────────────────┘
 *
 * What it owns (spec 7.1): the login (and the version the gateway answers it in), the sliding
 * window of unanswered requests, Sequence_Id allocation and matching (wrapping at 2^32),
 * per-request timeout and resend (T, N), the idle heartbeat (ACTIVE_TEST after C idle, dropped
 * after N unanswered), answering the gateway's DELIVER / ACTIVE_TEST / TERMINATE at once, and
 * TERMINATE on shutdown after the window drains. Once close() has been called no SUBMIT is written
 * again, not even a resend: what is still unanswered goes back to the caller when the session ends.
 *
 * A SUBMIT_RESP that comes after its SUBMIT was given up (or a second answer to a resend) is not
 * thrown away: it is handed on as late, for a while, so the caller learns the Msg_Id of that copy.
 *
 * Timeouts are found by one periodic sweep per session, not one timer per request: the window
 * holds at most a few dozen entries, so a sweep every few hundred milliseconds costs nothing,
 * whereas a timer per SUBMIT would cost an allocation and a heap operation at 30,000 a second.
 *
 * What to send next, how fast, and what to do with answers is the caller's business (the pool):
 * the session reports through {@link SessionHooks} with the opaque context given to submit().
 */
import { performance } from "node:perf_hooks";
import { CommandId, VERSION_OCTET } from "../codec/constants";
import { authenticatorSource, cmppTimestamp, verifyAuthenticatorIsmg } from "../codec/auth";
import type {
  CancelPdu,
  CancelRespPdu,
  CmppPdu,
  ConnectPdu,
  DeliverPdu,
  QueryPdu,
  QueryRespPdu,
  RequestPdu,
  SubmitPdu,
  SubmitRespPdu,
} from "../codec/pdu";
import type { InvalidFrame } from "../codec/invalid-frame";
import { ZERO_MSG_ID } from "../codec/msg-id";
import { CmppLoginError } from "../errors";
import { RESULT_DUPLICATE_SEQUENCE } from "../receipts/result-codes";
import type { PduTransport } from "./socket-transport";
import type { CmppLogger, CmppVersion } from "../types";

export type SessionState = "connecting" | "ready" | "draining" | "terminating" | "closed";

export interface SessionOptions {
  account: string;
  password: string;
  version: CmppVersion;
  /** W: unanswered SUBMITs allowed at once (spec: 16). */
  windowSize: number;
  /** T: wait this long for a response before resending (spec: 60 s). */
  requestTimeoutMs: number;
  /** N: transmissions of one request before giving up (spec: 3). */
  maxTries: number;
  /** C: send ACTIVE_TEST after this long without receiving anything (spec: 3 min). */
  activeTestIntervalMs: number;
  /** Wait for CONNECT_RESP this long. */
  loginTimeoutMs: number;
  /** After close(), wait this long for the window to drain before sending TERMINATE anyway. */
  drainTimeoutMs: number;
  /** Wait for TERMINATE_RESP this long before closing the socket anyway. */
  terminateTimeoutMs: number;
  /** Check AuthenticatorISMG (off only for gateways known to send garbage there). */
  verifyIsmgAuthenticator: boolean;
  /** Clock for the CONNECT timestamp, minutes east of UTC (default 480, China Standard Time). */
  timestampUtcOffsetMinutes?: number;
  /**
   * Resend a SUBMIT left unanswered for T, up to maxTries transmissions (default true). When false
   * it is reported timed out after the first T, so the caller decides whether to send it again.
   */
  resendSubmits?: boolean;
  /** First Sequence_Id to use (tests start near 2^32 to exercise the wrap). */
  firstSequenceId?: number;
  logger: CmppLogger;
  /** Added to every log line (channel, connection index …). */
  logFields?: Record<string, unknown>;
}

export interface SessionHooks<C> {
  onReady?(): void;
  onLoginFailed?(error: CmppLoginError): void;
  /**
   * Every SUBMIT_RESP except a duplicate-sequence answer to our own resend. `latencyMs` is from the
   * last transmission. `unansweredCopies`: the SUBMIT's other transmissions that got no answer at
   * all (a resend answered "duplicate sequence" is known not to be a copy), each of which may be a
   * copy at the gateway; 0 unless it was resent.
   */
  onSubmitResponse?(context: C, response: SubmitRespPdu, latencyMs: number, unansweredCopies: number): void;
  /** A SUBMIT got no answer after maxTries transmissions (1 without resends); `unansweredCopies` as above. */
  onSubmitTimeout?(context: C, unansweredCopies: number): void;
  /** A SUBMIT_RESP for a SUBMIT already timed out, or a further answer to an answered resend. */
  onLateSubmitResponse?(context: C, response: SubmitRespPdu): void;
  /**
   * A DELIVER. Answered with DELIVER_RESP at once, or, when this returns a promise, once it settles:
   * a report is acknowledged only when the caller has it in safe keeping, so a gateway that never
   * resends an acknowledged DELIVER cannot lose a report to a crash between the two.
   */
  onDeliver?(pdu: DeliverPdu): void | Promise<unknown>;
  /** A DELIVER that did not decode, already answered with DELIVER_RESP Result 1. */
  onUndecodableDeliver?(frame: InvalidFrame): void;
  /** A window slot opened up (after login, or after a response / timeout). */
  onWindowOpen?(): void;
  /**
   * Once, when the session ends for any reason; `unanswered` are submits written but never
   * answered, and `unansweredCopies[i]` how many transmissions of unanswered[i] got no answer.
   */
  onClosed?(reason: string, unanswered: C[], unansweredCopies: number[]): void;
}

type PendingKind = "connect" | "submit" | "call" | "active_test" | "terminate";

interface Pending<C> {
  kind: PendingKind;
  pdu: RequestPdu;
  context: C | undefined;
  lastSentAt: number;
  tries: number;
  /** Duplicate-sequence answers to our resends, ignored while waiting for the real one. */
  duplicateAnswers: number;
  settle?: (pdu: QueryRespPdu | CancelRespPdu | null, error?: Error) => void;
}

/** A SUBMIT we stopped waiting for, whose answer may still come. */
interface LateCandidate<C> {
  context: C;
  /** Answers still possible: one per transmission not yet answered. */
  expected: number;
  until: number;
}

const MAX_SEQUENCE = 0xffffffff;
/** Late answers are listened for this many request timeouts, and for at most this many SUBMITs. */
const LATE_ANSWER_TIMEOUTS = 5;
const MAX_LATE_CANDIDATES = 4_096;
/** DELIVERs that arrive before the login is answered, held until it is (beyond this: left unanswered, so resent). */
const MAX_EARLY_DELIVERS = 256;
/** Result for a DELIVER that does not decode (spec 8.4.5.2: 1 = bad message structure). */
const DELIVER_RESULT_BAD_STRUCTURE = 1;

function versionOfOctet(octet: number): CmppVersion | null {
  if (octet >= 0x30 && octet < 0x40) return "3.0";
  if (octet >= 0x20 && octet < 0x30) return "2.0";
  return null;
}

export class CmppSession<C = unknown> {
  private stateValue: SessionState = "connecting";
  private readonly pending = new Map<number, Pending<C>>();
  private readonly late = new Map<number, LateCandidate<C>>();
  private earlyDelivers: DeliverPdu[] = [];
  private versionValue: CmppVersion;
  /** SUBMITs and calls in the window (heartbeats and TERMINATE do not count). */
  private inFlight = 0;
  private nextSequence: number;
  private lastReceivedAt = 0;
  private heartbeatOutstanding = false;
  private drainDeadline = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private authSource: Buffer = Buffer.alloc(16);
  private closeReason = "";
  private readonly closeWaiters: Array<() => void> = [];
  private loginStartedAt = 0;
  /** Round trip of the login, for "test connection". */
  loginLatencyMs = 0;

  constructor(
    private readonly transport: PduTransport,
    private readonly options: SessionOptions,
    private readonly hooks: SessionHooks<C>,
  ) {
    this.nextSequence = options.firstSequenceId ?? 1;
    this.versionValue = options.version;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  /** The version asked for, and once logged in the one the gateway answered in (2.0 when it said so). */
  get version(): CmppVersion {
    return this.versionValue;
  }

  get windowUsed(): number {
    return this.inFlight;
  }

  /** True when a SUBMIT may be written now. */
  canSubmit(): boolean {
    return this.stateValue === "ready" && this.inFlight < this.options.windowSize;
  }

  /** Sends CONNECT. Call once the TCP connection is up. */
  start(): void {
    const now = performance.now();
    this.lastReceivedAt = now;
    this.loginStartedAt = now;
    const timestamp = cmppTimestamp(new Date(), this.options.timestampUtcOffsetMinutes ?? 480);
    this.authSource = authenticatorSource(this.options.account, this.options.password, timestamp);
    const connect: ConnectPdu = {
      command: "connect",
      sequenceId: this.allocateSequence(),
      sourceAddr: this.options.account,
      authenticatorSource: this.authSource,
      version: VERSION_OCTET[this.options.version],
      timestamp,
    };
    this.track("connect", connect, undefined, now);
    this.transport.send(connect);
    const sweepMs = Math.max(
      5,
      Math.min(500, Math.floor(Math.min(this.options.requestTimeoutMs, this.options.activeTestIntervalMs, this.options.loginTimeoutMs) / 4)),
    );
    this.sweepTimer = setInterval(() => this.sweep(performance.now()), sweepMs);
    this.sweepTimer.unref();
  }

  /**
   * Writes a SUBMIT (assigning its Sequence_Id). Only when canSubmit(); `context` comes back in
   * the hooks. The PDU object is kept for resends and must not be changed until it is answered.
   */
  submit(pdu: SubmitPdu, context: C): void {
    if (!this.canSubmit()) throw new Error(`session cannot submit in state ${this.stateValue} with ${this.inFlight} in flight`);
    pdu.sequenceId = this.allocateSequence();
    this.inFlight++;
    this.track("submit", pdu, context, performance.now());
    this.transport.send(pdu);
  }

  /** QUERY or CANCEL, answered by the matching response (or rejected on timeout / close). */
  call(pdu: QueryPdu): Promise<QueryRespPdu>;
  call(pdu: CancelPdu): Promise<CancelRespPdu>;
  call(pdu: QueryPdu | CancelPdu): Promise<QueryRespPdu | CancelRespPdu> {
    if (this.stateValue !== "ready") return Promise.reject(new Error(`session is ${this.stateValue}`));
    return new Promise((resolve, reject) => {
      pdu.sequenceId = this.allocateSequence();
      const entry = this.track("call", pdu, undefined, performance.now());
      entry.settle = (response, error) => (response ? resolve(response) : reject(error));
      this.inFlight++;
      this.transport.send(pdu);
    });
  }

  /** SUBMITs written and not answered yet, with how many of their transmissions got no answer. */
  unansweredSubmits(): Array<{ context: C; unansweredCopies: number }> {
    const out: Array<{ context: C; unansweredCopies: number }> = [];
    for (const entry of this.pending.values()) {
      if (entry.kind === "submit") out.push({ context: entry.context as C, unansweredCopies: entry.tries - entry.duplicateAnswers });
    }
    return out;
  }

  /**
   * Stops taking submits (and resending them), waits up to `drainTimeoutMs` (default: the
   * option) for the answers still due, sends TERMINATE, waits for TERMINATE_RESP (up to
   * terminateTimeoutMs) and closes. Resolves once closed.
   */
  close(drainTimeoutMs = this.options.drainTimeoutMs): Promise<void> {
    if (this.stateValue === "closed") return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.stateValue === "connecting") {
      this.transport.destroy("closed during login");
      this.finish("closed during login");
    } else if (this.stateValue === "ready") {
      this.stateValue = "draining";
      this.drainDeadline = performance.now() + drainTimeoutMs;
      if (this.inFlight === 0) this.sendTerminate();
    }
    return done;
  }

  /** Called by the transport for each decoded PDU. */
  handlePdu(pdu: CmppPdu): void {
    if (this.stateValue === "closed") return;
    this.lastReceivedAt = performance.now();
    switch (pdu.command) {
      case "connect_resp":
        this.onConnectResp(pdu.sequenceId, pdu.status, pdu.authenticatorIsmg, pdu.version);
        return;
      case "submit_resp":
        this.onSubmitResp(pdu);
        return;
      case "deliver":
        if (this.stateValue === "connecting") {
          // Before CONNECT_RESP: kept, and answered once the login succeeds. Left unanswered if it
          // fails, so the gateway sends it again on the next connection instead of losing it.
          if (this.earlyDelivers.length < MAX_EARLY_DELIVERS) this.earlyDelivers.push(pdu);
          return;
        }
        this.acceptDeliver(pdu);
        return;
      case "active_test":
        this.transport.send({ command: "active_test_resp", sequenceId: pdu.sequenceId, reserved: 0 });
        return;
      case "active_test_resp":
        this.settleSimple(pdu.sequenceId, "active_test");
        this.heartbeatOutstanding = false;
        return;
      case "terminate":
        this.transport.send({ command: "terminate_resp", sequenceId: pdu.sequenceId });
        this.transport.end();
        this.finish("gateway sent TERMINATE");
        return;
      case "terminate_resp":
        if (this.settleSimple(pdu.sequenceId, "terminate")) {
          this.transport.end();
          this.finish("closed by us (TERMINATE answered)");
        }
        return;
      case "query_resp":
      case "cancel_resp":
        this.onCallResp(pdu);
        return;
      default:
        this.log("debug", "ignoring unexpected PDU from gateway", { command: pdu.command, sequenceId: pdu.sequenceId });
    }
  }

  /**
   * Called by the transport for a frame that does not decode. Logged; the stream itself is still in
   * step. A DELIVER is answered Result 1: left unanswered, the gateway would resend it for ever.
   */
  handleInvalid(frame: InvalidFrame): void {
    this.log("warn", "undecodable CMPP frame from gateway", { reason: frame.reason, commandId: frame.commandId, sequenceId: frame.sequenceId });
    if (frame.commandId !== CommandId.DELIVER || this.stateValue === "connecting" || this.stateValue === "closed") return;
    this.lastReceivedAt = performance.now();
    this.transport.send({ command: "deliver_resp", sequenceId: frame.sequenceId, msgId: frame.msgId ?? ZERO_MSG_ID, result: DELIVER_RESULT_BAD_STRUCTURE });
    this.hooks.onUndecodableDeliver?.(frame);
  }

  /** Called by the transport when the connection ends. */
  handleTransportClosed(reason: string): void {
    if (this.stateValue === "closed") return;
    if (this.stateValue === "connecting") {
      this.hooks.onLoginFailed?.(new CmppLoginError("network", null, `connection closed during login (${reason})`));
    }
    this.finish(reason);
  }

  /** The periodic sweep: resends, timeouts, heartbeat, drain deadline. Public for tests. */
  sweep(now: number): void {
    if (this.stateValue === "closed") return;
    const timeout = this.options.requestTimeoutMs;
    // After close(): nothing is written again; what is unanswered waits for its answer or the end.
    const closing = this.stateValue === "draining" || this.stateValue === "terminating";
    const submitTries = this.options.resendSubmits === false ? 1 : this.options.maxTries;
    let windowChanged = false;
    for (const [sequenceId, entry] of this.pending) {
      const limit = entry.kind === "connect" ? this.options.loginTimeoutMs : entry.kind === "terminate" ? this.options.terminateTimeoutMs : timeout;
      if (now - entry.lastSentAt < limit) continue;
      switch (entry.kind) {
        case "connect":
          this.pending.delete(sequenceId);
          this.failLogin(new CmppLoginError("timeout", null, `no answer to the login within ${Math.round(limit / 1000)} s`));
          return;
        case "terminate":
          this.transport.end();
          this.finish("closed by us (no TERMINATE_RESP)");
          return;
        case "active_test":
          if (entry.tries < this.options.maxTries) {
            this.resend(entry, now);
          } else {
            this.log("warn", "gateway did not answer ACTIVE_TEST; dropping the connection", { tries: entry.tries });
            this.transport.destroy("no answer to ACTIVE_TEST");
            this.finish(`no answer to ${entry.tries} ACTIVE_TESTs`);
            return;
          }
          break;
        case "submit":
        case "call":
          if (closing) break;
          if (entry.tries < (entry.kind === "submit" ? submitTries : this.options.maxTries)) {
            this.resend(entry, now);
          } else {
            this.pending.delete(sequenceId);
            this.inFlight--;
            windowChanged = true;
            if (entry.kind === "submit") {
              this.expectLate(sequenceId, entry, entry.tries - entry.duplicateAnswers, now);
              this.hooks.onSubmitTimeout?.(entry.context as C, entry.tries - entry.duplicateAnswers);
            } else {
              entry.settle?.(null, new Error(`no answer after ${entry.tries} tries`));
            }
          }
          break;
      }
    }
    this.forgetLate(now);
    // A hook called above may have ended the session.
    if (this.isClosed()) return;
    if (
      (this.stateValue === "ready" || this.stateValue === "draining") &&
      !this.heartbeatOutstanding &&
      now - this.lastReceivedAt >= this.options.activeTestIntervalMs
    ) {
      this.heartbeatOutstanding = true;
      const pdu: RequestPdu = { command: "active_test", sequenceId: this.allocateSequence() };
      this.track("active_test", pdu, undefined, now);
      this.transport.send(pdu);
    }
    if (this.stateValue === "draining" && now >= this.drainDeadline) {
      this.log("warn", "window did not drain in time; terminating anyway", { inFlight: this.inFlight });
      this.sendTerminate();
    } else if (windowChanged) {
      this.afterWindowChange();
    }
  }

  private onConnectResp(sequenceId: number, status: number, authenticatorIsmg: Buffer, versionOctet: number): void {
    if (this.stateValue !== "connecting" || !this.settleSimple(sequenceId, "connect")) return;
    this.loginLatencyMs = performance.now() - this.loginStartedAt;
    if (status !== 0) {
      this.earlyDelivers = [];
      this.failLogin(CmppLoginError.rejected(status));
      return;
    }
    // Version in CONNECT_RESP: a 2.0-only gateway may accept a 3.0 login and say 0x20. It then
    // speaks 2.0, so must we. (A 3.0 gateway answering our 2.0 login with 0x30 stays at 2.0.)
    const answered = versionOfOctet(versionOctet);
    const version: CmppVersion = this.options.version === "3.0" && answered === "2.0" ? "2.0" : this.options.version;
    if (
      this.options.verifyIsmgAuthenticator &&
      !verifyAuthenticatorIsmg(authenticatorIsmg, status, this.authSource, this.options.password, version)
    ) {
      this.earlyDelivers = [];
      this.failLogin(
        new CmppLoginError("bad_authenticator", status, "the gateway's AuthenticatorISMG does not match our password: this may not be the right gateway"),
      );
      return;
    }
    if (version !== this.versionValue) {
      this.versionValue = version;
      this.transport.setVersion(version);
      this.log("warn", "the gateway answered the 3.0 login as a 2.0 gateway; speaking 2.0", { version: versionOctet });
    }
    this.stateValue = "ready";
    this.log("info", "CMPP session logged in", { latencyMs: Math.round(this.loginLatencyMs), version });
    this.hooks.onReady?.();
    // DELIVERs that came with or before the login answer: answered and handed on now.
    const early = this.earlyDelivers;
    this.earlyDelivers = [];
    for (const pdu of early) {
      if (this.isClosed()) return;
      this.acceptDeliver(pdu);
    }
    if (this.isClosed()) return;
    this.hooks.onWindowOpen?.();
  }

  private acceptDeliver(pdu: DeliverPdu): void {
    const answer = () => {
      if (!this.isClosed()) this.transport.send({ command: "deliver_resp", sequenceId: pdu.sequenceId, msgId: pdu.msgId, result: 0 });
    };
    const kept = this.hooks.onDeliver?.(pdu);
    // A report the caller keeps asynchronously (written to a database) is answered once it is kept:
    // answered before, a crash in between lost it for good (the gateway never resends an answered
    // DELIVER). Unanswered when the connection closes first, the gateway sends it again.
    if (kept instanceof Promise) kept.then(answer, answer);
    else answer();
  }

  private onSubmitResp(pdu: SubmitRespPdu): void {
    const entry = this.pending.get(pdu.sequenceId);
    if (entry === undefined || entry.kind !== "submit") {
      this.onLateSubmitResp(pdu);
      return;
    }
    // Our resend reused the Sequence_Id while the gateway still held the original: its answer is still to come.
    if (pdu.result === RESULT_DUPLICATE_SEQUENCE && entry.tries > 1) {
      entry.duplicateAnswers++;
      return;
    }
    this.pending.delete(pdu.sequenceId);
    this.inFlight--;
    // The other transmissions of a resent SUBMIT may still be answered (each one a copy at the gateway).
    const otherUnanswered = entry.tries - 1 - entry.duplicateAnswers;
    if (otherUnanswered > 0) this.expectLate(pdu.sequenceId, entry, otherUnanswered, performance.now());
    this.hooks.onSubmitResponse?.(entry.context as C, pdu, performance.now() - entry.lastSentAt, otherUnanswered);
    this.afterWindowChange();
  }

  private onLateSubmitResp(pdu: SubmitRespPdu): void {
    const candidate = this.late.get(pdu.sequenceId);
    if (candidate === undefined) {
      this.log("debug", "SUBMIT_RESP for no outstanding SUBMIT", { sequenceId: pdu.sequenceId });
      return;
    }
    if (--candidate.expected <= 0) this.late.delete(pdu.sequenceId);
    // A duplicate-sequence answer says nothing about any copy.
    if (pdu.result === RESULT_DUPLICATE_SEQUENCE) return;
    this.log("info", "late SUBMIT_RESP", { sequenceId: pdu.sequenceId, result: pdu.result, msgId: pdu.msgId });
    this.hooks.onLateSubmitResponse?.(candidate.context, pdu);
  }

  private expectLate(sequenceId: number, entry: Pending<C>, expected: number, now: number): void {
    if (expected <= 0) return;
    if (this.late.size >= MAX_LATE_CANDIDATES) {
      const oldest = this.late.keys().next();
      if (!oldest.done) this.late.delete(oldest.value);
    }
    this.late.set(sequenceId, { context: entry.context as C, expected, until: now + LATE_ANSWER_TIMEOUTS * this.options.requestTimeoutMs });
  }

  /** Stops listening for late answers past their time (insertion order is expiry order). */
  private forgetLate(now: number): void {
    for (const [sequenceId, candidate] of this.late) {
      if (candidate.until > now) break;
      this.late.delete(sequenceId);
    }
  }

  private onCallResp(pdu: QueryRespPdu | CancelRespPdu): void {
    const entry = this.pending.get(pdu.sequenceId);
    if (entry === undefined || entry.kind !== "call") return;
    this.pending.delete(pdu.sequenceId);
    this.inFlight--;
    entry.settle?.(pdu);
    this.afterWindowChange();
  }

  private afterWindowChange(): void {
    if (this.stateValue === "ready") this.hooks.onWindowOpen?.();
    else if (this.stateValue === "draining" && this.inFlight === 0) this.sendTerminate();
  }

  private sendTerminate(): void {
    if (this.stateValue !== "ready" && this.stateValue !== "draining") return;
    this.stateValue = "terminating";
    const pdu: RequestPdu = { command: "terminate", sequenceId: this.allocateSequence() };
    this.track("terminate", pdu, undefined, performance.now());
    this.transport.send(pdu);
  }

  private failLogin(error: CmppLoginError): void {
    this.log("warn", "CMPP login failed", { failure: error.failure, status: error.status, reason: error.message });
    this.hooks.onLoginFailed?.(error);
    this.transport.end();
    this.finish(error.message);
  }

  private finish(reason: string): void {
    if (this.stateValue === "closed") return;
    this.stateValue = "closed";
    this.closeReason = reason;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const unanswered: C[] = [];
    const transmissions: number[] = [];
    for (const entry of this.pending.values()) {
      if (entry.kind === "submit") {
        unanswered.push(entry.context as C);
        transmissions.push(entry.tries - entry.duplicateAnswers);
      } else if (entry.kind === "call") entry.settle?.(null, new Error(`session closed: ${reason}`));
    }
    this.pending.clear();
    this.late.clear();
    this.earlyDelivers = [];
    this.inFlight = 0;
    this.hooks.onClosed?.(reason, unanswered, transmissions);
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }

  private isClosed(): boolean {
    return this.stateValue === "closed";
  }

  /** Why the session ended ("" while open). */
  get closedBecause(): string {
    return this.closeReason;
  }

  private track(kind: PendingKind, pdu: RequestPdu, context: C | undefined, now: number): Pending<C> {
    const entry: Pending<C> = { kind, pdu, context, lastSentAt: now, tries: 1, duplicateAnswers: 0 };
    this.pending.set(pdu.sequenceId, entry);
    return entry;
  }

  private resend(entry: Pending<C>, now: number): void {
    entry.tries++;
    entry.lastSentAt = now;
    this.log("debug", "resending unanswered request", { command: entry.pdu.command, sequenceId: entry.pdu.sequenceId, try: entry.tries });
    this.transport.send(entry.pdu);
  }

  private settleSimple(sequenceId: number, kind: PendingKind): boolean {
    const entry = this.pending.get(sequenceId);
    if (entry === undefined || entry.kind !== kind) return false;
    this.pending.delete(sequenceId);
    return true;
  }

  /** 1 … 2^32−1, wrapping, skipping any id still awaiting its answer (late ones included). */
  private allocateSequence(): number {
    for (;;) {
      const id = this.nextSequence;
      this.nextSequence = id >= MAX_SEQUENCE ? 1 : id + 1;
      if (!this.pending.has(id) && (this.late.size === 0 || !this.late.has(id))) return id;
    }
  }

  private log(level: "debug" | "info" | "warn", message: string, fields: Record<string, unknown>): void {
    this.options.logger[level](message, { ...this.options.logFields, ...fields });
  }
}
