/**
 * The simulator's shared state and gateway-wide behaviour: accounts, Msg_Id generation, flow
 * control, text reassembly for the stats, and the scheduling of status reports and replies onto
 * the accounts' connections.
 */
import { performance } from "node:perf_hooks";
import { MsgFmt } from "../codec/constants";
import { msgIdRange } from "../codec/msg-id";
import type { DeliverPdu, SubmitPdu } from "../codec/pdu";
import { encodeStatusReport } from "../codec/status-report";
import { segmentText } from "../message/segmenter";
import { decodeMessageContent, encodeGbk, encodeUcs2Be } from "../message/text-encoding";
import { concatHeader, parseUserData } from "../message/udh";
import { Reassembler } from "../message/reassembler";
import { silentLogger } from "../logger";
import type { CmppLogger, CmppVersion } from "../types";
import type { GatewayConnection } from "./gateway-connection";
import { MsgIdGenerator } from "./msg-id-generator";
import { createSimulatorStats, type CmppSimulatorStats, type SimulatorSubmitCopy } from "./simulator-stats";
import type { CmppSimulatorFaults, CmppSimulatorOptions, SimulatorAccount, SimulatorReplyRequest } from "./simulator-types";
import { DEFAULT_DEST_PATTERN, validateSubmit } from "./submit-validator";

/** A DELIVER waiting for a connection; built for that connection's version when sent. */
export interface OutgoingDeliver {
  make(version: CmppVersion): DeliverPdu;
  isReport: boolean;
}

export interface AccountState {
  config: SimulatorAccount;
  connections: Set<GatewayConnection>;
  /** DELIVERs for an account with no connection logged in: sent on its next login. */
  backlog: OutgoingDeliver[];
  flowWindowStart: number;
  flowCount: number;
  nextConnection: number;
}

interface ScheduledReport {
  dueAt: number;
  account: AccountState;
  origin: GatewayConnection;
  outgoing: OutgoingDeliver;
}

export interface ResolvedSimulatorOptions {
  versionTooHigh: "refuse" | "downgrade";
  maxUnanswered: number;
  windowExceeded: "drop" | "flow_control";
  timestampToleranceMs: number;
  clockUtcOffsetMinutes: number;
  idleTimeoutMs: number;
  activeTestIntervalMs: number;
  deliverTimeoutMs: number;
  recordTexts: boolean;
  reportsEnabled: boolean;
  reportDelayMs: number;
}

export class SimulatorCore {
  readonly stats: CmppSimulatorStats = createSimulatorStats();
  readonly accounts = new Map<string, AccountState>();
  readonly maxVersion: CmppVersion;
  readonly logger: CmppLogger;
  readonly options: ResolvedSimulatorOptions;
  faults: CmppSimulatorFaults;
  private readonly msgIds: MsgIdGenerator;
  private readonly texts = new Reassembler<number>(10 * 60_000, 100_000);
  private readonly reportQueue: ScheduledReport[] = [];
  private reportQueueHead = 0;
  private dropsTaken = 0;
  private smscSequence = 0;
  private replyReference = 0;
  private readonly destPattern: RegExp;
  private readonly mix: Array<{ stat: string; upTo: number }>;

  constructor(private readonly raw: CmppSimulatorOptions) {
    this.maxVersion = raw.version ?? "3.0";
    this.logger = raw.logger ?? silentLogger;
    this.faults = { ...raw.faults };
    this.msgIds = new MsgIdGenerator(raw.gatewayId ?? 0x1001);
    this.destPattern = raw.destPattern ?? DEFAULT_DEST_PATTERN;
    this.options = {
      versionTooHigh: raw.versionTooHigh ?? "refuse",
      maxUnanswered: raw.maxUnanswered ?? 16,
      windowExceeded: raw.windowExceeded ?? "drop",
      timestampToleranceMs: raw.timestampToleranceMs ?? 10 * 60_000,
      clockUtcOffsetMinutes: raw.clockUtcOffsetMinutes ?? 480,
      idleTimeoutMs: raw.idleTimeoutMs ?? 0,
      activeTestIntervalMs: raw.activeTestIntervalMs ?? 0,
      deliverTimeoutMs: raw.deliverTimeoutMs ?? 60_000,
      recordTexts: raw.recordTexts ?? true,
      reportsEnabled: raw.reports?.enabled ?? true,
      reportDelayMs: raw.reports?.delayMs ?? 0,
    };
    const accounts = raw.accounts ?? [];
    if (raw.account !== undefined) {
      accounts.push({ account: raw.account, password: raw.password ?? "", accessNumber: raw.accessNumber, maxConnections: raw.maxConnections });
    }
    if (accounts.length === 0) throw new Error("the CMPP simulator needs at least one account");
    for (const config of accounts) {
      this.accounts.set(config.account, { config, connections: new Set(), backlog: [], flowWindowStart: 0, flowCount: 0, nextConnection: 0 });
    }
    let total = 0;
    this.mix = Object.entries(raw.reports?.mix ?? { DELIVRD: 1 }).map(([stat, weight]) => ({ stat, upTo: (total += weight) }));
  }

  /** Whether the drop-after-frames fault may drop one more connection. */
  takeDrop(): boolean {
    if (this.dropsTaken >= (this.faults.dropTimes ?? Number.POSITIVE_INFINITY)) return false;
    this.dropsTaken++;
    return true;
  }

  /** The Status for a login the refuseAuth / refuseAuthTimes faults refuse, or 0. Counts refuseAuthTimes down. */
  takeLoginRefusal(): number {
    const f = this.faults;
    if (f.refuseAuthTimes !== undefined) {
      if (f.refuseAuthTimes <= 0) return 0;
      f.refuseAuthTimes--;
    } else if (!f.refuseAuth) {
      return 0;
    }
    return typeof f.refuseAuth === "number" ? f.refuseAuth : 3;
  }

  /**
   * Whether a CONNECT timestamp (MMDDHHMMSS, no year) is within the tolerance of this gateway's
   * clock; the year is whichever makes it closest, so a login at New Year passes.
   */
  timestampAcceptable(timestamp: number, now = Date.now()): boolean {
    const tolerance = this.options.timestampToleranceMs;
    if (tolerance <= 0) return true;
    const month = Math.floor(timestamp / 100_000_000);
    const day = Math.floor(timestamp / 1_000_000) % 100;
    const hour = Math.floor(timestamp / 10_000) % 100;
    const minute = Math.floor(timestamp / 100) % 100;
    const second = timestamp % 100;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return false;
    const offsetMs = this.options.clockUtcOffsetMinutes * 60_000;
    const year = new Date(now + offsetMs).getUTCFullYear();
    let closest = Number.POSITIVE_INFINITY;
    for (const y of [year - 1, year, year + 1]) {
      closest = Math.min(closest, Math.abs(Date.UTC(y, month - 1, day, hour, minute, second) - offsetMs - now));
    }
    return closest <= tolerance;
  }

  /** 0 to accept, else the Result to answer. */
  judgeSubmit(pdu: SubmitPdu, account: AccountState, version: CmppVersion): number {
    if ((this.faults.flowControlSubmits ?? 0) > 0) {
      this.faults.flowControlSubmits = (this.faults.flowControlSubmits ?? 0) - 1;
      return 8;
    }
    if (this.faults.rejectSubmitsWith !== undefined) return this.faults.rejectSubmitsWith;
    const invalid = validateSubmit(pdu, {
      account: account.config.account,
      accessNumber: account.config.accessNumber,
      serviceId: account.config.serviceId,
      destPattern: this.destPattern,
      version,
    });
    if (invalid !== 0) return invalid;
    const limit = this.faults.flowControlAboveTps;
    if (limit !== undefined) {
      const now = performance.now();
      if (now - account.flowWindowStart >= 1000) {
        account.flowWindowStart = now;
        account.flowCount = 0;
      }
      const messages = pdu.destTerminalIds.length;
      if (account.flowCount + messages > limit) return 8;
      account.flowCount += messages;
    }
    return 0;
  }

  /** Records an accepted SUBMIT and returns its Msg_Id (the first of a run, one per number, unless oneMsgIdPerSubmit). */
  acceptSubmit(pdu: SubmitPdu, account: AccountState): string {
    const count = pdu.destTerminalIds.length;
    const msgId = this.msgIds.next(this.faults.oneMsgIdPerSubmit ? 1 : count);
    this.stats.submitsAccepted++;
    this.stats.segments += count;
    if (this.options.recordTexts) {
      this.recordTexts(pdu, account);
      this.recordCopies(pdu);
    }
    return msgId;
  }

  /** Status reports for an accepted SUBMIT: now, or after the configured delay. */
  scheduleReports(pdu: SubmitPdu, msgId: string, account: AccountState, origin: GatewayConnection, immediately: boolean): void {
    if (!this.options.reportsEnabled) return;
    const count = pdu.destTerminalIds.length;
    const ids = this.faults.oneMsgIdPerSubmit ? new Array<string>(count).fill(msgId) : msgIdRange(msgId, count);
    const submitTime = reportTime(new Date());
    const copies = this.faults.duplicateReports ? 2 : 1;
    const dueAt = performance.now() + this.options.reportDelayMs;
    pdu.destTerminalIds.forEach((dest, i) => {
      const stat = this.raw.reports?.statFor?.({ dest, msgId: ids[i] }) ?? this.pickStat();
      const smscSequence = ++this.smscSequence;
      const report = (reportStat: string): OutgoingDeliver => ({
        isReport: true,
        make: (version) => ({
          command: "deliver",
          sequenceId: 0,
          msgId: this.msgIds.next(1),
          destId: pdu.srcId,
          serviceId: pdu.serviceId,
          tpPid: 0,
          tpUdhi: 0,
          msgFmt: MsgFmt.ASCII,
          srcTerminalId: dest,
          srcTerminalType: 0,
          registeredDelivery: 1,
          msgContent: encodeStatusReport(
            { msgId: ids[i], stat: reportStat, submitTime, doneTime: reportTime(new Date()), destTerminalId: dest, smscSequence },
            version,
          ),
          linkId: "",
        }),
      });
      const jitter = immediately ? 0 : (this.faults.reportJitterMs ?? 0);
      // "Accepted by the SMSC" comes at once; the final word when the handset answers.
      if (this.faults.acceptdFirst) {
        if (jitter > 0) this.enqueueReport({ dueAt: performance.now() + Math.random() * jitter, account, origin, outgoing: report("ACCEPTD") });
        else this.deliverTo(account, origin, report("ACCEPTD"));
      }
      const outgoing = report(stat);
      for (let c = 0; c < copies; c++) {
        if (jitter > 0) this.enqueueReport({ dueAt: dueAt + Math.random() * jitter, account, origin, outgoing });
        else if (immediately || this.options.reportDelayMs <= 0) this.deliverTo(account, origin, outgoing);
        else this.reportQueue.push({ dueAt, account, origin, outgoing });
      }
    });
  }

  /** A mobile-originated message to the account's connections (split with a header when long). */
  sendReply(request: SimulatorReplyRequest): string[] {
    const account = request.account ? this.accounts.get(request.account) : this.accounts.values().next().value;
    if (account === undefined) throw new Error(`unknown simulator account ${request.account}`);
    const reference = this.replyReference++ & 0xff;
    const { msgFmt, tpUdhi, contents } = encodeReply(request, reference);
    const ids: string[] = [];
    for (const content of contents) {
      const msgId = this.msgIds.next(1);
      ids.push(msgId);
      this.deliverTo(account, null, {
        isReport: false,
        make: () => ({
          command: "deliver",
          sequenceId: 0,
          msgId,
          destId: request.to ?? account.config.accessNumber ?? "",
          serviceId: account.config.serviceId ?? "",
          tpPid: 0,
          tpUdhi,
          msgFmt,
          srcTerminalId: request.from,
          srcTerminalType: 0,
          registeredDelivery: 0,
          msgContent: content,
          linkId: "",
        }),
      });
    }
    this.stats.repliesSent++;
    return ids;
  }

  onLogin(connection: GatewayConnection): void {
    this.stats.connectionsOpen = this.openConnections();
    const account = connection.account;
    if (account === null) return;
    const name = account.config.account;
    this.stats.peakConnections[name] = Math.max(this.stats.peakConnections[name] ?? 0, account.connections.size);
    for (const outgoing of account.backlog.splice(0)) connection.deliver(outgoing);
  }

  /** Accepted copies per (number, segment, content), as a list. */
  submitCopies(): SimulatorSubmitCopy[] {
    return [...this.stats.copies.values()].map((copy) => ({ ...copy }));
  }

  onConnectionClosed(connection: GatewayConnection, reason: string, orphaned: OutgoingDeliver[]): void {
    this.logger.debug("simulator connection closed", { reason });
    const account = connection.account;
    if (account !== null) for (const outgoing of orphaned) this.deliverTo(account, null, outgoing);
  }

  /** Due reports out, connection sweeps. Called by the simulator's one timer. */
  tick(connections: Iterable<GatewayConnection>): void {
    const now = performance.now();
    while (this.reportQueueHead < this.reportQueue.length && this.reportQueue[this.reportQueueHead].dueAt <= now) {
      const item = this.reportQueue[this.reportQueueHead++];
      this.deliverTo(item.account, item.origin, item.outgoing);
    }
    if (this.reportQueueHead > 1024 && this.reportQueueHead * 2 > this.reportQueue.length) {
      this.reportQueue.splice(0, this.reportQueueHead);
      this.reportQueueHead = 0;
    }
    for (const connection of connections) connection.sweep(now);
  }

  /** Into the report queue in due order (the queue is read from its head while the head is due). */
  private enqueueReport(item: ScheduledReport): void {
    let low = this.reportQueueHead;
    let high = this.reportQueue.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.reportQueue[mid].dueAt <= item.dueAt) low = mid + 1;
      else high = mid;
    }
    this.reportQueue.splice(low, 0, item);
  }

  openConnections(): number {
    let n = 0;
    for (const account of this.accounts.values()) n += account.connections.size;
    return n;
  }

  private deliverTo(account: AccountState, origin: GatewayConnection | null, outgoing: OutgoingDeliver): void {
    let target: GatewayConnection | null = origin?.isLoggedIn ? origin : null;
    if (target !== null && outgoing.isReport && this.faults.reportsOnOtherConnection) {
      const others = [...account.connections].filter((c) => c.isLoggedIn && c !== origin);
      if (others.length > 0) target = others[account.nextConnection++ % others.length];
    }
    if (target === null && account.connections.size > 0) {
      const open = [...account.connections].filter((c) => c.isLoggedIn);
      if (open.length > 0) target = open[account.nextConnection++ % open.length];
    }
    if (target === null) account.backlog.push(outgoing);
    else target.deliver(outgoing);
  }

  private recordTexts(pdu: SubmitPdu, account: AccountState): void {
    const texts = this.stats.texts;
    const push = (dest: string, text: string) => {
      const list = texts.get(dest);
      if (list) list.push(text);
      else texts.set(dest, [text]);
    };
    const userData = pdu.tpUdhi === 1 ? parseUserData(pdu.msgContent) : null;
    if (userData?.concat) {
      for (const dest of pdu.destTerminalIds) {
        const done = this.texts.add(`${account.config.account}|${dest}|${pdu.srcId}`, userData.concat, userData.body, pdu.msgFmt, performance.now());
        if (done) push(dest, decodeMessageContent(Buffer.concat(done.parts.filter((p): p is Buffer => p !== undefined)), pdu.msgFmt));
      }
      return;
    }
    const text = decodeMessageContent(userData ? userData.body : pdu.msgContent, pdu.msgFmt);
    for (const dest of pdu.destTerminalIds) push(dest, text);
  }

  private recordCopies(pdu: SubmitPdu): void {
    const userData = pdu.tpUdhi === 1 ? parseUserData(pdu.msgContent) : null;
    const content = pdu.msgContent.toString("hex");
    let text: string | null = null;
    for (const dest of pdu.destTerminalIds) {
      const key = `${dest}|${pdu.pkNumber}/${pdu.pkTotal}|${content}`;
      const copy = this.stats.copies.get(key);
      if (copy !== undefined) {
        copy.count++;
        continue;
      }
      text ??= decodeMessageContent(userData ? userData.body : pdu.msgContent, pdu.msgFmt);
      this.stats.copies.set(key, { dest, segment: pdu.pkNumber, segments: pdu.pkTotal, text, count: 1 });
    }
  }

  private pickStat(): string {
    if (this.mix.length === 1) return this.mix[0].stat;
    const total = this.mix[this.mix.length - 1].upTo;
    const r = Math.random() * total;
    for (const entry of this.mix) if (r < entry.upTo) return entry.stat;
    return this.mix[this.mix.length - 1].stat;
  }
}

/** YYMMDDHHMM, gateway local time. */
function reportTime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return two(d.getFullYear() % 100) + two(d.getMonth() + 1) + two(d.getDate()) + two(d.getHours()) + two(d.getMinutes());
}

function encodeReply(request: SimulatorReplyRequest, reference: number): { msgFmt: number; tpUdhi: 0 | 1; contents: Buffer[] } {
  if (request.msgFmt === MsgFmt.GBK) return splitWithHeader(gbkPieces(request.text), MsgFmt.GBK, reference, request.udh16);
  const segmented = segmentText(request.text, reference);
  if (!request.udh16 || segmented.tpUdhi === 0) return segmented;
  // The 16-bit form's header is 7 octets, one more than ours: cut smaller pieces (133 octets, 66 UCS2 units).
  const pieces: Buffer[] = [];
  if (segmented.msgFmt === MsgFmt.ASCII) {
    const bytes = Buffer.from(request.text, "latin1");
    for (let at = 0; at < bytes.length; at += 133) pieces.push(bytes.subarray(at, at + 133));
  } else {
    for (let at = 0; at < request.text.length; ) {
      let next = Math.min(at + 66, request.text.length);
      const code = request.text.charCodeAt(next - 1);
      if (next < request.text.length && code >= 0xd800 && code <= 0xdbff) next--;
      pieces.push(encodeUcs2Be(request.text.slice(at, next)));
      at = next;
    }
  }
  return splitWithHeader(pieces, segmented.msgFmt, reference, true);
}

/** GBK is 1 or 2 octets a character: cut between characters, at most 134 octets a piece. */
function gbkPieces(text: string): Buffer[] {
  const whole = encodeGbk(text);
  if (whole.length <= 140) return [whole];
  const pieces: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const ch of text) {
    const bytes = encodeGbk(ch);
    if (size + bytes.length > 133) {
      pieces.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(bytes);
    size += bytes.length;
  }
  if (current.length > 0) pieces.push(Buffer.concat(current));
  return pieces;
}

function splitWithHeader(pieces: Buffer[], msgFmt: number, reference: number, udh16 = false): { msgFmt: number; tpUdhi: 0 | 1; contents: Buffer[] } {
  if (pieces.length === 1) return { msgFmt, tpUdhi: 0, contents: pieces };
  const total = pieces.length;
  const header = (i: number) =>
    udh16 ? Buffer.from([0x06, 0x08, 0x04, (reference >> 8) & 0xff, reference & 0xff, total, i + 1]) : concatHeader(reference, total, i + 1);
  return { msgFmt, tpUdhi: 1, contents: pieces.map((p, i) => Buffer.concat([header(i), p])) };
}
