/**
 * One of the pool's N connections over its lifetime: connect, log in, feed the session from the
 * pool's shared queue at the connection's allowed rate, and when the connection is lost hand its
 * unanswered work back and reconnect after a backoff. A slot outlives its sessions.
 *
 * What happens after a failed login is the pool's decision (it sees all slots): log in again at
 * once (in 2.0 after "version too high"), after the usual backoff, or not until woken (the account
 * was refused; see pool.ts).
 */
import { connect as netConnect } from "node:net";
import { performance } from "node:perf_hooks";
import type { DeliverPdu, SubmitRespPdu } from "../codec/pdu";
import type { CmppLoginError } from "../errors";
import { ReconnectBackoff } from "../link/backoff";
import { RateGovernor } from "../link/rate-governor";
import { CmppSession, type SessionOptions } from "../link/session";
import { SocketTransport } from "../link/socket-transport";
import type { SegmentJob } from "./submit-job";
import type { CmppLogger, CmppVersion } from "../types";

/** What a slot does after a failed login. */
export type LoginRetry = "backoff" | "now" | "wait_to_be_woken";

/** What a slot needs from its pool. */
export interface SlotOwner {
  hasQueued(): boolean;
  takeNext(): SegmentJob | undefined;
  /** The version to ask for in the next CONNECT. */
  loginVersion(): CmppVersion;
  /** Whether this slot may log in now (false while logins are refused and another slot retries). */
  mayLogIn(slot: ConnectionSlot): boolean;
  onSlotReady(slot: ConnectionSlot): void;
  onLoginFailed(slot: ConnectionSlot, error: CmppLoginError, attemptedVersion: CmppVersion): LoginRetry;
  /** `unansweredCopies`: see SessionHooks.onSubmitResponse. */
  onSubmitResponse(slot: ConnectionSlot, job: SegmentJob, response: SubmitRespPdu, latencyMs: number, unansweredCopies: number): void;
  onSubmitTimeout(job: SegmentJob, unansweredCopies: number): void;
  onLateSubmitResponse(job: SegmentJob, response: SubmitRespPdu): void;
  /** See SessionHooks.onDeliver: a promise defers the DELIVER_RESP until it settles. */
  onDeliver(pdu: DeliverPdu): void | Promise<unknown>;
  onUndecodableDeliver(): void;
  onSlotClosed(slot: ConnectionSlot, reason: string, unanswered: SegmentJob[], unansweredCopies: number[]): void;
}

export interface SlotConfig {
  host: string;
  port: number;
  session: Omit<SessionOptions, "logFields" | "version">;
  tps: number;
  flowControl: { initialBackoffMs?: number; maxBackoffMs?: number };
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  logger: CmppLogger;
  logFields: Record<string, unknown>;
}

export class ConnectionSlot {
  readonly governor: RateGovernor;
  private readonly backoff: ReconnectBackoff;
  private session: CmppSession<SegmentJob> | null = null;
  private transport: SocketTransport | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Not reconnecting until woken (logins refused). */
  private parked = false;
  private retry: LoginRetry = "backoff";
  lastError: string | null = null;
  /**
   * When the slot last went up (logged in) or down (lost its session, or started without one),
   * in epoch ms: "logged in since" or "down since" for the operator. Reconnect attempts while
   * down do not move it, so it says how long the connection has been unusable.
   */
  stateSince = Date.now();
  private loggedIn = false;

  constructor(
    readonly index: number,
    private readonly config: SlotConfig,
    private readonly owner: SlotOwner,
  ) {
    this.governor = new RateGovernor(config.tps, config.flowControl);
    this.backoff = new ReconnectBackoff(config.reconnectBaseMs, config.reconnectMaxMs);
  }

  get state(): string {
    if (this.stopped && this.session === null) return "stopped";
    if (this.session !== null) return this.session.state;
    if (this.parked) return "refused";
    return this.reconnectTimer ? "waiting" : "idle";
  }

  get isReady(): boolean {
    return this.session?.state === "ready";
  }

  /** Waiting to reconnect (after a backoff, or parked until woken). */
  get isWaiting(): boolean {
    return !this.stopped && this.session === null;
  }

  get isParked(): boolean {
    return this.parked && this.session === null;
  }

  get inFlight(): number {
    return this.session?.windowUsed ?? 0;
  }

  /** The version of the current session (negotiated once logged in), else the next login's. */
  get version(): CmppVersion {
    return this.session?.version ?? this.owner.loginVersion();
  }

  /** SUBMITs written on the current connection and not answered yet. */
  unanswered(): Array<{ context: SegmentJob; unansweredCopies: number }> {
    return this.session?.unansweredSubmits() ?? [];
  }

  start(): void {
    if (this.stopped || this.session !== null) return;
    this.parked = false;
    this.retry = "backoff";
    const { host, port, logger } = this.config;
    const fields = { ...this.config.logFields, connection: this.index };
    const version = this.owner.loginVersion();
    const socket = netConnect({ host, port });
    const transport = new SocketTransport(socket, version, logger, fields);
    const session = new CmppSession<SegmentJob>(transport, { ...this.config.session, version, logFields: fields }, {
      onReady: () => {
        this.backoff.reset();
        this.lastError = null;
        this.stateSince = Date.now();
        this.loggedIn = true;
        this.owner.onSlotReady(this);
      },
      onLoginFailed: (error) => {
        this.lastError = error.message;
        this.retry = this.owner.onLoginFailed(this, error, version);
      },
      onWindowOpen: () => this.pump(),
      onSubmitResponse: (job, response, latencyMs, copies) => this.owner.onSubmitResponse(this, job, response, latencyMs, copies),
      onSubmitTimeout: (job, copies) => this.owner.onSubmitTimeout(job, copies),
      onLateSubmitResponse: (job, response) => this.owner.onLateSubmitResponse(job, response),
      onDeliver: (pdu) => this.owner.onDeliver(pdu),
      onUndecodableDeliver: () => this.owner.onUndecodableDeliver(),
      onClosed: (reason, unanswered, copies) => this.onSessionClosed(reason, unanswered, copies),
    });
    transport.attach({
      onPdu: (pdu) => session.handlePdu(pdu),
      onInvalid: (frame) => session.handleInvalid(frame),
      onClose: (reason) => session.handleTransportClosed(reason),
    });
    // The login timeout covers the TCP handshake too: an unreachable host must not hang the slot.
    const connectTimer = setTimeout(() => transport.destroy("TCP connect timed out"), this.config.session.loginTimeoutMs);
    connectTimer.unref();
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      session.start();
    });
    socket.once("close", () => clearTimeout(connectTimer));
    this.session = session;
    this.transport = transport;
  }

  /** Logs in now if this slot is waiting to reconnect (backoff or parked); the backoff starts over. */
  wake(): void {
    if (!this.isWaiting) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.backoff.reset();
    this.start();
  }

  /**
   * Moves queued work into this session while its window and its rate allow. When only the rate
   * stops it, one timer wakes the slot when the next permit is due.
   */
  pump(): void {
    const session = this.session;
    if (session === null || this.stopped) return;
    const now = performance.now();
    while (session.canSubmit() && this.owner.hasQueued()) {
      if (!this.governor.tryTake(now)) {
        this.scheduleWake(now);
        return;
      }
      const job = this.owner.takeNext();
      if (job === undefined) return;
      session.submit(job.pdu, job);
    }
  }

  /**
   * Stops reconnecting, waits up to `drainMs` for answers still due (nothing more is sent),
   * TERMINATEs and closes.
   */
  async stop(drainMs?: number): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.reconnectTimer = null;
    this.wakeTimer = null;
    if (this.session) await this.session.close(drainMs);
  }

  /** Drops the connection at once (tests; a worker losing its connection lease). */
  kill(reason: string): void {
    this.transport?.destroy(reason);
  }

  private scheduleWake(now: number): void {
    if (this.wakeTimer !== null) return;
    const delay = Math.max(1, Math.ceil(this.governor.delayMs(now)));
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.pump();
    }, delay);
  }

  private onSessionClosed(reason: string, unanswered: SegmentJob[], copies: number[]): void {
    // A session that never logged in leaves the slot down since it went down before.
    if (this.loggedIn) this.stateSince = Date.now();
    this.loggedIn = false;
    this.session = null;
    this.transport = null;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    if (!this.stopped) this.lastError ??= reason;
    this.owner.onSlotClosed(this, reason, unanswered, copies);
    if (this.stopped) return;
    const retry = this.retry;
    this.retry = "backoff";
    if (retry === "wait_to_be_woken" || !this.owner.mayLogIn(this)) {
      this.parked = true;
      this.config.logger.info("CMPP connection closed; not logging in again until woken", { ...this.config.logFields, connection: this.index, reason });
      return;
    }
    const delay = retry === "now" ? 0 : this.backoff.next();
    this.config.logger.info("CMPP connection closed; reconnecting", { ...this.config.logFields, connection: this.index, reason, delayMs: Math.round(delay) });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.owner.mayLogIn(this)) this.start();
      else this.parked = true;
    }, delay);
  }
}
