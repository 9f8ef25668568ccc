/**
 * One client connection as the gateway sees it: login checks, SUBMIT validation and answers,
 * and a window of outgoing DELIVERs (reports and replies) that the client must acknowledge.
 */
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { CommandId, HEADER_LENGTH, LAYOUT, VERSION_OCTET } from "../codec/constants";
import { authenticatorIsmg, authenticatorSource } from "../codec/auth";
import { encodePdu } from "../codec/codec";
import type { InvalidFrame } from "../codec/invalid-frame";
import { ZERO_MSG_ID } from "../codec/msg-id";
import type { CmppPdu, ConnectPdu, DeliverPdu, SubmitPdu } from "../codec/pdu";
import { SocketTransport } from "../link/socket-transport";
import type { CmppVersion } from "../types";
import type { AccountState, OutgoingDeliver, SimulatorCore } from "./simulator-core";

const DELIVER_WINDOW = 16;

interface PendingDeliver {
  pdu: DeliverPdu;
  sentAt: number;
  tries: number;
  isReport: boolean;
}

export class GatewayConnection {
  readonly transport: SocketTransport;
  account: AccountState | null = null;
  version: CmppVersion;
  private frames = 0;
  private acceptedSubmits = 0;
  lastReceivedAt = performance.now();
  private heartbeatPending = false;
  private closed = false;
  /** SUBMITs received whose answer is still being delayed (fault responseDelayMs). */
  private readonly unanswered = new Set<number>();
  private readonly deliverQueue: OutgoingDeliver[] = [];
  private readonly deliversInFlight = new Map<number, PendingDeliver>();
  private nextSequence = 1;

  constructor(
    socket: Socket,
    private readonly core: SimulatorCore,
    /** 1 for the first connection the simulator accepted, and so on. */
    readonly serial: number,
  ) {
    this.version = core.maxVersion;
    this.transport = new SocketTransport(socket, core.maxVersion, core.logger, { simulator: true });
    this.transport.attach({
      onPdu: (pdu) => this.onPdu(pdu),
      onInvalid: (frame) => this.onInvalid(frame),
      onClose: (reason) => this.onClose(reason),
    });
  }

  get isLoggedIn(): boolean {
    return this.account !== null && !this.closed;
  }

  /** Queues a DELIVER; it is built and sent when the connection's DELIVER window has room. */
  deliver(outgoing: OutgoingDeliver): void {
    this.deliverQueue.push(outgoing);
    this.pumpDelivers();
  }

  /** Periodic: idle timeout, our own heartbeat, DELIVER resends. */
  sweep(now: number): void {
    if (this.closed) return;
    const { idleTimeoutMs, activeTestIntervalMs, deliverTimeoutMs } = this.core.options;
    if (idleTimeoutMs && now - this.lastReceivedAt >= idleTimeoutMs) {
      this.core.stats.idleDisconnects++;
      this.transport.destroy("idle timeout");
      return;
    }
    if (activeTestIntervalMs && this.isLoggedIn && !this.heartbeatPending && now - this.lastReceivedAt >= activeTestIntervalMs) {
      this.heartbeatPending = true;
      this.core.stats.activeTestsSent++;
      this.transport.send({ command: "active_test", sequenceId: this.allocateSequence() });
    }
    for (const [sequenceId, pending] of this.deliversInFlight) {
      if (now - pending.sentAt < deliverTimeoutMs) continue;
      if (pending.tries >= 3) {
        this.deliversInFlight.delete(sequenceId);
        continue;
      }
      pending.tries++;
      pending.sentAt = now;
      this.transport.send(pending.pdu);
    }
    this.pumpDelivers();
  }

  close(): void {
    this.transport.destroy("simulator closing");
  }

  private onPdu(pdu: CmppPdu): void {
    const stats = this.core.stats;
    stats.framesReceived++;
    this.frames++;
    this.lastReceivedAt = performance.now();
    const { dropAfterFrames } = this.core.faults;
    if (dropAfterFrames !== undefined && this.frames >= dropAfterFrames && this.core.takeDrop()) {
      stats.droppedConnections++;
      this.transport.destroy(`fault: dropped after ${this.frames} frames`);
      return;
    }
    if (this.account === null) {
      // Before login only CONNECT is allowed; anything else ends the connection.
      if (pdu.command === "connect") this.onConnect(pdu);
      else this.transport.destroy(`${pdu.command} before login`);
      return;
    }
    switch (pdu.command) {
      case "submit":
        this.onSubmit(pdu);
        return;
      case "deliver_resp": {
        stats.deliverResults[pdu.result] = (stats.deliverResults[pdu.result] ?? 0) + 1;
        const pending = this.deliversInFlight.get(pdu.sequenceId);
        if (pending) {
          this.deliversInFlight.delete(pdu.sequenceId);
          if (pending.isReport) stats.reportsAcknowledged++;
          this.pumpDelivers();
        }
        return;
      }
      case "active_test":
        stats.activeTestsReceived++;
        if (!this.core.faults.ignoreActiveTests) this.transport.send({ command: "active_test_resp", sequenceId: pdu.sequenceId, reserved: 0 });
        return;
      case "active_test_resp":
        stats.activeTestResponsesReceived++;
        this.heartbeatPending = false;
        return;
      case "terminate":
        stats.terminatesReceived++;
        if (this.core.faults.ignoreTerminates) return;
        this.transport.send({ command: "terminate_resp", sequenceId: pdu.sequenceId });
        this.transport.end();
        return;
      case "terminate_resp":
        this.transport.end();
        return;
      case "query":
        this.transport.send({
          command: "query_resp",
          sequenceId: pdu.sequenceId,
          time: pdu.time,
          queryType: pdu.queryType,
          queryCode: pdu.queryCode,
          mtTlMsg: stats.submits,
          mtTlUsr: stats.texts.size,
          mtScs: stats.segments,
          mtWt: 0,
          mtFl: stats.submits - stats.submitsAccepted,
          moScs: stats.repliesSent,
          moWt: 0,
          moFl: 0,
        });
        return;
      case "cancel":
        this.transport.send({ command: "cancel_resp", sequenceId: pdu.sequenceId, successId: 1 });
        return;
      case "connect":
        return; // already logged in: ignored, as most gateways do
      default:
        this.core.logger.debug("simulator ignoring PDU", { command: pdu.command });
    }
  }

  private onInvalid(frame: InvalidFrame): void {
    this.core.stats.invalidFrames++;
    this.lastReceivedAt = performance.now();
    if (frame.commandId === CommandId.SUBMIT && this.account !== null) {
      this.answerSubmit(frame.sequenceId, ZERO_MSG_ID, frame.result);
    } else if (frame.commandId === CommandId.CONNECT) {
      this.refuseLogin(frame.sequenceId, 1, this.core.maxVersion);
    }
    // Anything else undecodable has no response PDU to carry an error: ignored, as gateways do.
  }

  private onConnect(pdu: ConnectPdu): void {
    const core = this.core;
    const maxOctet = VERSION_OCTET[core.maxVersion];
    const tooHigh = pdu.version > maxOctet;
    // A 2.0-only gateway that "downgrades" accepts a 3.0 login and speaks 2.0 from its answer on.
    const negotiated: CmppVersion = tooHigh ? core.maxVersion : pdu.version >= 0x30 ? "3.0" : "2.0";
    const account = core.accounts.get(pdu.sourceAddr);
    let status = core.takeLoginRefusal();
    if (status !== 0) {
      // refused by a fault switch
    } else if (tooHigh && core.options.versionTooHigh === "refuse") status = 4;
    else if (pdu.version < 0x20) status = 1;
    else if (account === undefined) status = 2;
    else if (!authenticatorSource(account.config.account, account.config.password, pdu.timestamp).equals(pdu.authenticatorSource)) status = 3;
    else if (!core.timestampAcceptable(pdu.timestamp)) {
      core.stats.loginsRefusedForClock++;
      status = 3;
    } else if (account.connections.size >= (account.config.maxConnections ?? 8)) status = 5;
    core.stats.loginStatuses[status] = (core.stats.loginStatuses[status] ?? 0) + 1;
    if (status !== 0 || account === undefined) {
      this.refuseLogin(pdu.sequenceId, status, negotiated);
      return;
    }
    this.account = account;
    this.version = negotiated;
    this.transport.setVersion(negotiated);
    account.connections.add(this);
    core.stats.loginsAccepted++;
    // Reports waiting for the account go out after the login answer — or, with the fault, before it.
    if (core.faults.deliverBeforeConnectResp) core.onLogin(this);
    this.transport.send({
      command: "connect_resp",
      sequenceId: pdu.sequenceId,
      status: 0,
      authenticatorIsmg: authenticatorIsmg(0, pdu.authenticatorSource, account.config.password, negotiated),
      version: maxOctet,
    });
    if (!core.faults.deliverBeforeConnectResp) core.onLogin(this);
  }

  private refuseLogin(sequenceId: number, status: number, version: CmppVersion): void {
    this.core.stats.loginsRefused++;
    this.transport.setVersion(version);
    // "认证出错时，此项为空": no authenticator on failure.
    this.transport.send({ command: "connect_resp", sequenceId, status, authenticatorIsmg: Buffer.alloc(16), version: VERSION_OCTET[this.core.maxVersion] });
    this.transport.end();
  }

  private onSubmit(pdu: SubmitPdu): void {
    const core = this.core;
    const account = this.account as AccountState;
    core.stats.submits++;
    core.stats.submitsByConnection[this.serial] = (core.stats.submitsByConnection[this.serial] ?? 0) + 1;
    if ((core.faults.ignoreSubmits ?? 0) > 0) {
      core.faults.ignoreSubmits = (core.faults.ignoreSubmits ?? 0) - 1;
      return;
    }
    const resent = this.unanswered.has(pdu.sequenceId);
    if (resent) {
      core.stats.duplicateSequenceIds++;
      if (!core.faults.acceptResentSequenceIds) {
        this.answerSubmit(pdu.sequenceId, ZERO_MSG_ID, 3);
        return;
      }
    }
    const limit = core.options.maxUnanswered;
    // A resend taken as new (acceptResentSequenceIds) occupies no further place in the window.
    if (limit > 0 && !resent && this.unanswered.size >= limit) {
      core.stats.windowExceeded++;
      if (core.options.windowExceeded === "flow_control") {
        this.answerSubmit(pdu.sequenceId, ZERO_MSG_ID, 8);
      } else {
        core.stats.droppedConnections++;
        this.transport.destroy(`more than ${limit} unanswered requests`);
      }
      return;
    }
    const result = core.judgeSubmit(pdu, account, this.version);
    const msgId = result === 0 ? core.acceptSubmit(pdu, account) : ZERO_MSG_ID;
    const { dropAfterSubmits } = core.faults;
    if (result === 0 && dropAfterSubmits !== undefined && ++this.acceptedSubmits >= dropAfterSubmits && core.takeDrop()) {
      // The gateway has it and will report it; the client never gets the answer.
      core.stats.droppedConnections++;
      core.scheduleReports(pdu, msgId, account, this, false);
      this.transport.destroy(`fault: dropped after accepting ${this.acceptedSubmits} SUBMITs`);
      return;
    }
    const reportNow = result === 0 && core.faults.reportBeforeResponse;
    if (reportNow) core.scheduleReports(pdu, msgId, account, this, true);
    const delay = core.faults.responseDelayMs ?? 0;
    if (delay > 0) {
      this.unanswered.add(pdu.sequenceId);
      core.stats.maxInFlight = Math.max(core.stats.maxInFlight, this.unanswered.size);
      setTimeout(() => {
        this.unanswered.delete(pdu.sequenceId);
        this.answerSubmit(pdu.sequenceId, msgId, result);
        if (result === 0 && !reportNow) core.scheduleReports(pdu, msgId, account, this, false);
      }, delay);
      return;
    }
    core.stats.maxInFlight = Math.max(core.stats.maxInFlight, 1);
    this.answerSubmit(pdu.sequenceId, msgId, result);
    if (result === 0 && !reportNow) core.scheduleReports(pdu, msgId, account, this, false);
  }

  private answerSubmit(sequenceId: number, msgId: string, result: number): void {
    const stats = this.core.stats;
    stats.results[result] = (stats.results[result] ?? 0) + 1;
    if (result === 8) stats.flowControlled++;
    this.transport.send({ command: "submit_resp", sequenceId, msgId, result });
  }

  private pumpDelivers(): void {
    if (!this.isLoggedIn) return;
    const now = performance.now();
    while (this.deliversInFlight.size < DELIVER_WINDOW && this.deliverQueue.length > 0) {
      const next = this.deliverQueue.shift();
      if (next === undefined) break;
      const pdu = next.make(this.version);
      pdu.sequenceId = this.allocateSequence();
      this.deliversInFlight.set(pdu.sequenceId, { pdu, sentAt: now, tries: 1, isReport: next.isReport });
      if (next.isReport) this.core.stats.reportsSent++;
      if ((this.core.faults.malformedDelivers ?? 0) > 0) {
        this.core.faults.malformedDelivers = (this.core.faults.malformedDelivers ?? 0) - 1;
        this.core.stats.malformedDeliversSent++;
        this.transport.sendRaw(malformedDeliver(pdu, this.version));
      } else {
        this.transport.send(pdu);
      }
    }
  }

  private allocateSequence(): number {
    const id = this.nextSequence;
    this.nextSequence = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  private onClose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.account?.connections.delete(this);
    // Reports not yet acknowledged go back to the account, to be sent on another connection.
    const orphaned: OutgoingDeliver[] = [...this.deliversInFlight.values()].map((p) => ({ make: () => p.pdu, isReport: p.isReport }));
    orphaned.push(...this.deliverQueue);
    this.deliversInFlight.clear();
    this.deliverQueue.length = 0;
    this.core.onConnectionClosed(this, reason, orphaned);
  }
}

/** The DELIVER's frame with its Msg_Length one too high, so it matches neither version's layout. */
function malformedDeliver(pdu: DeliverPdu, version: CmppVersion): Buffer {
  const frame = encodePdu(pdu, version);
  const l = LAYOUT[version];
  // Msg_Id 8, Dest_Id 21, Service_Id 10, TP_pid, TP_udhi, Msg_Fmt, Src_terminal_Id, [type], Registered_Delivery
  const msgLengthAt = HEADER_LENGTH + 8 + 21 + 10 + 3 + l.terminalIdWidth + (l.hasTerminalType ? 1 : 0) + 1;
  frame[msgLengthAt] = (frame[msgLengthAt] + 1) & 0xff;
  return frame;
}
