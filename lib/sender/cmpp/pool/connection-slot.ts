/**
 * One of the pool's N connections over its lifetime: connect, log in, feed the session from the
 * pool's shared queue at the connection's allowed rate, and when the connection is lost hand its
 * unanswered work back and reconnect after a backoff. A slot outlives its sessions.
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
import type { CmppLogger } from "../types";

/** What a slot needs from its pool. */
export interface SlotOwner {
  hasQueued(): boolean;
  takeNext(): SegmentJob | undefined;
  onSlotReady(slot: ConnectionSlot): void;
  onLoginFailed(slot: ConnectionSlot, error: CmppLoginError): void;
  onSubmitResponse(slot: ConnectionSlot, job: SegmentJob, response: SubmitRespPdu, latencyMs: number): void;
  onSubmitTimeout(job: SegmentJob): void;
  onDeliver(pdu: DeliverPdu): void;
  onSlotClosed(slot: ConnectionSlot, reason: string, unanswered: SegmentJob[]): void;
}

export interface SlotConfig {
  host: string;
  port: number;
  session: Omit<SessionOptions, "logFields">;
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
  lastError: string | null = null;

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
    return this.session?.state ?? (this.reconnectTimer ? "waiting" : "idle");
  }

  get isReady(): boolean {
    return this.session?.state === "ready";
  }

  get inFlight(): number {
    return this.session?.windowUsed ?? 0;
  }

  start(): void {
    if (this.stopped || this.session !== null) return;
    const { host, port, logger } = this.config;
    const fields = { ...this.config.logFields, connection: this.index };
    const socket = netConnect({ host, port });
    const transport = new SocketTransport(socket, this.config.session.version, logger, fields);
    const session = new CmppSession<SegmentJob>(transport, { ...this.config.session, logFields: fields }, {
      onReady: () => {
        this.backoff.reset();
        this.lastError = null;
        this.owner.onSlotReady(this);
      },
      onLoginFailed: (error) => {
        this.lastError = error.message;
        this.owner.onLoginFailed(this, error);
      },
      onWindowOpen: () => this.pump(),
      onSubmitResponse: (job, response, latencyMs) => this.owner.onSubmitResponse(this, job, response, latencyMs),
      onSubmitTimeout: (job) => this.owner.onSubmitTimeout(job),
      onDeliver: (pdu) => this.owner.onDeliver(pdu),
      onClosed: (reason, unanswered) => this.onSessionClosed(reason, unanswered),
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

  /** Drains the window, TERMINATEs and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.reconnectTimer = null;
    this.wakeTimer = null;
    if (this.session) await this.session.close();
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

  private onSessionClosed(reason: string, unanswered: SegmentJob[]): void {
    this.session = null;
    this.transport = null;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    if (!this.stopped) this.lastError ??= reason;
    this.owner.onSlotClosed(this, reason, unanswered);
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.config.logger.info("CMPP connection closed; reconnecting", { ...this.config.logFields, connection: this.index, reason, delayMs: Math.round(delay) });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.start();
    }, delay);
  }
}
