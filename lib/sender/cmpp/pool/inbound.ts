/**
 * What the gateway sends us, turned into events: status reports become classified, deduplicated,
 * matched receipts; mobile-originated messages become replies, reassembled when concatenated.
 * Shared by all of a pool's connections, because a gateway may resend a DELIVER (or send the parts
 * of one reply, or the report of a SUBMIT made on another connection) on any of them.
 *
 * Reports are deduplicated by Msg_Id + number + Stat: many gateways report every number of a
 * multi-destination SUBMIT under the SUBMIT's one Msg_Id, so Msg_Id + Stat alone would drop all but
 * the first number's report. Such reports are matched by Msg_Id + number (see rememberGroup).
 */
import { ZERO_MSG_ID } from "../codec/msg-id";
import type { DeliverPdu } from "../codec/pdu";
import { parseStatusReport, type StatusReport } from "../codec/status-report";
import { decodeMessageContent } from "../message/text-encoding";
import { parseUserData } from "../message/udh";
import { Reassembler, type Reassembled } from "../message/reassembler";
import { BoundedSet } from "../receipts/bounded";
import { ReceiptMatcher, type SubmittedMessage } from "../receipts/receipt-matcher";
import { classifyStat, compileStatDictionary } from "../receipts/stat-codes";
import type { ReceiptCodeMapping } from "@/lib/sender/outcome";
import type { CmppReceipt, CmppReply } from "./pool-types";
import type { CmppLogger } from "../types";

interface ReplyPart {
  pdu: DeliverPdu;
}

export interface InboundCounters {
  receipts: number;
  duplicateReceipts: number;
  unmatchedReceipts: number;
  replies: number;
}

export interface InboundOptions {
  statCodes: Iterable<ReceiptCodeMapping>;
  receiptHoldMs: number;
  /** Hold a report that matches no SUBMIT of this pool (yet) for receiptHoldMs; false: hand it on at once (see CmppPoolOptions.holdUnmatchedReports). */
  holdUnmatched: boolean;
  trackedMessages: number;
  replyReassemblyMs: number;
  /** A promise returned here defers the report's DELIVER_RESP until it settles (see CmppPoolOptions.onReceipt). */
  onReceipt: (receipt: CmppReceipt) => unknown;
  onReply: (reply: CmppReply) => void;
  logger: CmppLogger;
  counters: InboundCounters;
}

export class InboundHandler {
  private readonly dictionary: ReadonlyMap<string, ReceiptCodeMapping>;
  private readonly matcher: ReceiptMatcher<StatusReport>;
  private readonly seen: BoundedSet<string>;
  private readonly replies: Reassembler<ReplyPart>;
  /** Whether any multi-destination SUBMIT was made (only then is the Msg_Id + number lookup needed). */
  private groups = false;
  /** Reports handed on whose keeping (onReceipt's promise) is not settled yet, by dedup key: a resent copy waits for the first. */
  private readonly keeping = new Map<string, Promise<unknown>>();

  constructor(private readonly options: InboundOptions) {
    this.dictionary = compileStatDictionary(options.statCodes);
    this.matcher = new ReceiptMatcher(options.trackedMessages, options.receiptHoldMs, 10_000);
    this.seen = new BoundedSet(options.trackedMessages);
    this.replies = new Reassembler(options.replyReassemblyMs);
  }

  /** A SUBMIT_RESP accepted `msgId`: remember it, and release any report that arrived first. */
  remember(msgId: string, message: SubmittedMessage): void {
    for (const report of this.matcher.remember(msgId, message)) this.emitReceipt(report, this.resolve(report) ?? message);
  }

  /**
   * A multi-destination SUBMIT answered with `baseMsgId`: its numbers' own ids (the spec's
   * Msg_Id … Msg_Id+N−1) are remembered by the caller with remember(); this also files every
   * number under baseMsgId + number, for gateways that report them all under baseMsgId. Call it
   * before remember(), so reports held for baseMsgId are released to the right numbers.
   */
  rememberGroup(baseMsgId: string, messages: readonly SubmittedMessage[]): void {
    this.groups = true;
    for (const message of messages) this.matcher.remember(groupKey(baseMsgId, message.dest), message);
  }

  /** A promise when the DELIVER_RESP must wait for the report to be kept (see onReceipt). */
  handleDeliver(pdu: DeliverPdu, now: number): void | Promise<unknown> {
    if (pdu.registeredDelivery === 1) return this.handleReport(pdu, now);
    this.handleReply(pdu, now);
  }

  /** Periodic: hand on reports that waited in vain, and replies whose parts never all came. */
  sweep(now: number): void {
    for (const report of this.matcher.expire(now)) this.emitReceipt(report, undefined);
    for (const partial of this.replies.expire(now)) this.emitReply(partial);
  }

  private handleReport(pdu: DeliverPdu, now: number): void | Promise<unknown> {
    const report = parseStatusReport(pdu.msgContent);
    if (report === null) {
      this.options.logger.warn("status report too short to read; ignored", { msgId: pdu.msgId, length: pdu.msgContent.length });
      return;
    }
    // The gateway resends a DELIVER it thinks we missed: the same Msg_Id, number and Stat is one report.
    const key = `${report.msgId}|${report.destTerminalId}|${report.stat}`;
    if (!this.seen.add(key)) {
      this.options.counters.duplicateReceipts++;
      // Acknowledged when the first copy is kept, not before: else a crash meanwhile loses both.
      return this.keeping.get(key);
    }
    const submitted = this.resolve(report);
    // Handed on unmatched at once, to a caller that matches reports itself, and acknowledged once
    // it keeps it: held, it would be acknowledged before it was kept, and a crash meanwhile lose it.
    if (submitted !== undefined || !this.options.holdUnmatched) return this.keepingOf(key, this.emitReceipt(report, submitted));
    // Held in memory until its SUBMIT_RESP (receiptHoldMs at most), and acknowledged now: a held
    // DELIVER left unanswered would fill the gateway's window for DELIVERs, and after a restart
    // every report of the earlier process's submits is one this pool does not know.
    for (const displaced of this.matcher.hold(report.msgId, report, now)) this.emitReceipt(displaced, undefined);
  }

  /** Remembers a report's keeping under its dedup key until it settles, for resent copies. */
  private keepingOf(key: string, kept: Promise<unknown> | undefined): Promise<unknown> | undefined {
    if (kept === undefined) return undefined;
    this.keeping.set(key, kept);
    const forget = () => this.keeping.delete(key);
    kept.then(forget, forget);
    return kept;
  }

  /** The submit a report is about: by Msg_Id + number first (one-Msg_Id gateways), then by Msg_Id. */
  private resolve(report: StatusReport): SubmittedMessage | undefined {
    if (this.groups && report.destTerminalId !== "") {
      const byNumber = this.matcher.lookup(groupKey(report.msgId, report.destTerminalId));
      if (byNumber !== undefined) return byNumber;
    }
    return this.matcher.lookup(report.msgId);
  }

  /** onReceipt's promise, if it returned one. */
  private emitReceipt(report: StatusReport, submitted: SubmittedMessage | undefined): Promise<unknown> | undefined {
    const outcome = classifyStat(this.dictionary, report.stat);
    this.options.counters.receipts++;
    if (submitted === undefined) this.options.counters.unmatchedReceipts++;
    const receipt: CmppReceipt = {
      msgId: submitted?.msgId ?? report.msgId,
      stat: report.stat,
      final: outcome.final,
      category: outcome.category,
      description: outcome.description,
      dest: report.destTerminalId || submitted?.dest || "",
      submitTime: report.submitTime,
      doneTime: report.doneTime,
      smscSequence: report.smscSequence,
      matched: submitted !== undefined,
      receivedAt: new Date(),
    };
    if (submitted !== undefined) {
      if (submitted.msgId !== report.msgId) receipt.reportedMsgId = report.msgId;
      receipt.ref = submitted.ref;
      receipt.segment = submitted.segment;
      receipt.segments = submitted.segments;
    }
    const kept = this.safely(() => this.options.onReceipt(receipt));
    return kept instanceof Promise ? kept : undefined;
  }

  private handleReply(pdu: DeliverPdu, now: number): void {
    // Some gateways send MO Msg_Id 0; those cannot be deduplicated by id, so they are not.
    if (pdu.msgId !== ZERO_MSG_ID && !this.seen.add(`mo|${pdu.msgId}|${pdu.srcTerminalId}`)) return;
    const userData = pdu.tpUdhi === 1 ? parseUserData(pdu.msgContent) : null;
    if (userData?.concat) {
      const done = this.replies.add(`${pdu.srcTerminalId}|${pdu.destId}`, userData.concat, userData.body, { pdu }, now, (evicted) =>
        this.emitReply(evicted),
      );
      if (done) this.emitReply(done);
      return;
    }
    const body = userData ? userData.body : pdu.msgContent;
    this.emitReply({ parts: [body], metas: [{ pdu }], complete: true });
  }

  private emitReply(message: Reassembled<ReplyPart>): void {
    const first = message.metas[0].pdu;
    const present = message.parts.filter((p): p is Buffer => p !== undefined);
    // Whole bytes first, then decode: a UCS2 character may straddle two parts.
    const text = decodeMessageContent(Buffer.concat(present), first.msgFmt);
    this.options.counters.replies++;
    const reply: CmppReply = {
      from: first.srcTerminalId,
      to: first.destId,
      serviceId: first.serviceId,
      text,
      msgFmt: first.msgFmt,
      msgIds: message.metas.map((m) => m.pdu.msgId),
      segments: message.parts.length,
      complete: message.complete,
      linkId: first.linkId,
      receivedAt: new Date(),
    };
    this.safely(() => this.options.onReply(reply));
  }

  /** A throwing callback is the caller's bug; it must not take the connection down with it. */
  private safely<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.options.logger.error("CMPP receipt/reply callback threw", { error });
      return undefined;
    }
  }
}

function groupKey(msgId: string, dest: string): string {
  return `${msgId}#${dest}`;
}
