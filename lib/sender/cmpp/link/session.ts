/**
 * One CMPP session (one TCP connection, client side) as a state machine over typed PDUs. It never
 * touches bytes: it is handed decoded PDUs and sends PDUs through a {@link PduTransport}.
 *
 *   connecting ──CONNECT_RESP ok──▶ ready ──close()──▶ draining ──window empty──▶ terminating ──▶ closed
 *        │                           │                                                 ▲
 *        └──refused / timeout / network────────────── connection lost ─────────────────┘
 *
 * What it owns (spec 7.1): the login, the sliding window of unanswered requests, Sequence_Id
 * allocation and matching (wrapping at 2^32), per-request timeout and resend (T, N), the idle
 * heartbeat (ACTIVE_TEST after C idle, dropped after N unanswered), answering the gateway's
 * DELIVER / ACTIVE_TEST / TERMINATE at once, and TERMINATE on shutdown after the window drains.
 *
 * Timeouts are found by one periodic sweep per session, not one timer per request: the window
 * holds at most a few dozen entries, so a sweep every few hundred milliseconds costs nothing,
 * whereas a timer per SUBMIT would cost an allocation and a heap operation at 30,000 a second.
 *
 * What to send next, how fast, and what to do with answers is the caller's business (the pool):
 * the session reports through {@link SessionHooks} with the opaque context given to submit().
 */
import { performance } from "node:perf_hooks";
import { VERSION_OCTET } from "../codec/constants";
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
  /** Clock for the CONNECT timestamp (minutes east of UTC); host local time when absent. */
  timestampUtcOffsetMinutes?: number;
  /** First Sequence_Id to use (tests start near 2^32 to exercise the wrap). */
  firstSequenceId?: number;
  logger: CmppLogger;
  /** Added to every log line (channel, connection index …). */
  logFields?: Record<string, unknown>;
}

export interface SessionHooks<C> {
  onReady?(): void;
  onLoginFailed?(error: CmppLoginError): void;
  /** Every SUBMIT_RESP except a duplicate-sequence answer to our own resend. `latencyMs` is from the last transmission. */
  onSubmitResponse?(context: C, response: SubmitRespPdu, latencyMs: number): void;
  /** A SUBMIT got no answer after maxTries transmissions. */
  onSubmitTimeout?(context: C): void;
  /** A DELIVER, already answered with DELIVER_RESP. */
  onDeliver?(pdu: DeliverPdu): void;
  /** A window slot opened up (after login, or after a response / timeout). */
  onWindowOpen?(): void;
  /** Once, when the session ends for any reason; `unanswered` are submits written but never answered. */
  onClosed?(reason: string, unanswered: C[]): void;
}

type PendingKind = "connect" | "submit" | "call" | "active_test" | "terminate";

interface Pending<C> {
  kind: PendingKind;
  pdu: RequestPdu;
  context: C | undefined;
  lastSentAt: number;
  tries: number;
  settle?: (pdu: QueryRespPdu | CancelRespPdu | null, error?: Error) => void;
}

const MAX_SEQUENCE = 0xffffffff;

export class CmppSession<C = unknown> {
  private stateValue: SessionState = "connecting";
  private readonly pending = new Map<number, Pending<C>>();
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
  }

  get state(): SessionState {
    return this.stateValue;
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
    const timestamp = cmppTimestamp(new Date(), this.options.timestampUtcOffsetMinutes);
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

  /**
   * Stops taking submits, waits (up to drainTimeoutMs) for the window to empty, sends TERMINATE,
   * waits for TERMINATE_RESP (up to terminateTimeoutMs) and closes. Resolves once closed.
   */
  close(): Promise<void> {
    if (this.stateValue === "closed") return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.stateValue === "connecting") {
      this.transport.destroy("closed during login");
      this.finish("closed during login");
    } else if (this.stateValue === "ready") {
      this.stateValue = "draining";
      this.drainDeadline = performance.now() + this.options.drainTimeoutMs;
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
        this.onConnectResp(pdu.sequenceId, pdu.status, pdu.authenticatorIsmg);
        return;
      case "submit_resp":
        this.onSubmitResp(pdu);
        return;
      case "deliver":
        // Answer first: the gateway resends an unanswered DELIVER, and the caller's work must not delay it.
        this.transport.send({ command: "deliver_resp", sequenceId: pdu.sequenceId, msgId: pdu.msgId, result: 0 });
        if (this.stateValue !== "connecting") this.hooks.onDeliver?.(pdu);
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

  /** Called by the transport for a frame that does not decode. Logged; the stream itself is still in step. */
  handleInvalid(frame: InvalidFrame): void {
    this.log("warn", "undecodable CMPP frame from gateway", { reason: frame.reason, commandId: frame.commandId, sequenceId: frame.sequenceId });
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
          if (entry.tries < this.options.maxTries) {
            this.resend(entry, now);
          } else {
            this.pending.delete(sequenceId);
            this.inFlight--;
            windowChanged = true;
            if (entry.kind === "submit") this.hooks.onSubmitTimeout?.(entry.context as C);
            else entry.settle?.(null, new Error(`no answer after ${entry.tries} tries`));
          }
          break;
      }
    }
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

  private onConnectResp(sequenceId: number, status: number, authenticatorIsmg: Buffer): void {
    if (this.stateValue !== "connecting" || !this.settleSimple(sequenceId, "connect")) return;
    this.loginLatencyMs = performance.now() - this.loginStartedAt;
    if (status !== 0) {
      this.failLogin(CmppLoginError.rejected(status));
      return;
    }
    if (
      this.options.verifyIsmgAuthenticator &&
      !verifyAuthenticatorIsmg(authenticatorIsmg, status, this.authSource, this.options.password, this.options.version)
    ) {
      this.failLogin(
        new CmppLoginError("bad_authenticator", status, "the gateway's AuthenticatorISMG does not match our password: this may not be the right gateway"),
      );
      return;
    }
    this.stateValue = "ready";
    this.log("info", "CMPP session logged in", { latencyMs: Math.round(this.loginLatencyMs) });
    this.hooks.onReady?.();
    this.hooks.onWindowOpen?.();
  }

  private onSubmitResp(pdu: SubmitRespPdu): void {
    const entry = this.pending.get(pdu.sequenceId);
    if (entry === undefined || entry.kind !== "submit") {
      this.log("debug", "SUBMIT_RESP for no outstanding SUBMIT (late answer to a resend?)", { sequenceId: pdu.sequenceId });
      return;
    }
    // Our resend reused the Sequence_Id while the gateway still held the original: its answer is still to come.
    if (pdu.result === RESULT_DUPLICATE_SEQUENCE && entry.tries > 1) return;
    this.pending.delete(pdu.sequenceId);
    this.inFlight--;
    this.hooks.onSubmitResponse?.(entry.context as C, pdu, performance.now() - entry.lastSentAt);
    this.afterWindowChange();
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
    for (const entry of this.pending.values()) {
      if (entry.kind === "submit") unanswered.push(entry.context as C);
      else if (entry.kind === "call") entry.settle?.(null, new Error(`session closed: ${reason}`));
    }
    this.pending.clear();
    this.inFlight = 0;
    this.hooks.onClosed?.(reason, unanswered);
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
    const entry: Pending<C> = { kind, pdu, context, lastSentAt: now, tries: 1 };
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

  /** 1 … 2^32−1, wrapping, skipping any id still awaiting its answer. */
  private allocateSequence(): number {
    for (;;) {
      const id = this.nextSequence;
      this.nextSequence = id >= MAX_SEQUENCE ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private log(level: "debug" | "info" | "warn", message: string, fields: Record<string, unknown>): void {
    this.options.logger[level](message, { ...this.options.logFields, ...fields });
  }
}
