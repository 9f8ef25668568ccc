/**
 * What the gateway sends us, turned into events: status reports become classified, deduplicated,
 * matched receipts; mobile-originated messages become replies, reassembled when concatenated.
 * Shared by all of a pool's connections, because a gateway may resend a DELIVER (or send the parts
 * of one reply) on any of them.
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
  trackedMessages: number;
  replyReassemblyMs: number;
  onReceipt: (receipt: CmppReceipt) => void;
  onReply: (reply: CmppReply) => void;
  logger: CmppLogger;
  counters: InboundCounters;
}

export class InboundHandler {
  private readonly dictionary: ReadonlyMap<string, ReceiptCodeMapping>;
  private readonly matcher: ReceiptMatcher<StatusReport>;
  private readonly seen: BoundedSet<string>;
  private readonly replies: Reassembler<ReplyPart>;

  constructor(private readonly options: InboundOptions) {
    this.dictionary = compileStatDictionary(options.statCodes);
    this.matcher = new ReceiptMatcher(options.trackedMessages, options.receiptHoldMs, 10_000);
    this.seen = new BoundedSet(options.trackedMessages);
    this.replies = new Reassembler(options.replyReassemblyMs);
  }

  /** A SUBMIT_RESP accepted `msgId`: remember it, and release any report that arrived first. */
  remember(msgId: string, message: SubmittedMessage): void {
    for (const report of this.matcher.remember(msgId, message)) this.emitReceipt(report, message);
  }

  handleDeliver(pdu: DeliverPdu, now: number): void {
    if (pdu.registeredDelivery === 1) this.handleReport(pdu, now);
    else this.handleReply(pdu, now);
  }

  /** Periodic: hand on reports that waited in vain, and replies whose parts never all came. */
  sweep(now: number): void {
    for (const report of this.matcher.expire(now)) this.emitReceipt(report, undefined);
    for (const partial of this.replies.expire(now)) this.emitReply(partial);
  }

  private handleReport(pdu: DeliverPdu, now: number): void {
    const report = parseStatusReport(pdu.msgContent);
    if (report === null) {
      this.options.logger.warn("status report too short to read; ignored", { msgId: pdu.msgId, length: pdu.msgContent.length });
      return;
    }
    // The gateway resends a DELIVER it thinks we missed: the same Msg_Id and Stat is one report.
    if (!this.seen.add(`${report.msgId}|${report.stat}`)) {
      this.options.counters.duplicateReceipts++;
      return;
    }
    const submitted = this.matcher.lookup(report.msgId);
    if (submitted !== undefined) {
      this.emitReceipt(report, submitted);
      return;
    }
    for (const displaced of this.matcher.hold(report.msgId, report, now)) this.emitReceipt(displaced, undefined);
  }

  private emitReceipt(report: StatusReport, submitted: SubmittedMessage | undefined): void {
    const outcome = classifyStat(this.dictionary, report.stat);
    this.options.counters.receipts++;
    if (submitted === undefined) this.options.counters.unmatchedReceipts++;
    const receipt: CmppReceipt = {
      msgId: report.msgId,
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
      receipt.ref = submitted.ref;
      receipt.segment = submitted.segment;
      receipt.segments = submitted.segments;
    }
    this.safely(() => this.options.onReceipt(receipt));
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
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger.error("CMPP receipt/reply callback threw", { error });
    }
  }
}
