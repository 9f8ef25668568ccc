/**
 * One submit() call as queued work: the message is split into segments and its numbers into groups
 * of at most 99, and each (segment, group) becomes one SUBMIT — a SegmentJob. The SubmitJob settles
 * once every SegmentJob is done, or at the first final failure.
 *
 * Result 13 (bad Dest_terminal_Id) is final for one number, not for the message: a group SUBMIT
 * answered 13 is split into one SUBMIT per number, and a number answered 13 on its own is marked
 * refused while the others go on. The job resolves when at least one number got every segment
 * through (with the refused ones marked), and rejects with Result 13 only when every number was
 * refused.
 */
import { MAX_DESTINATIONS } from "../codec/constants";
import { ZERO_MSG_ID } from "../codec/msg-id";
import type { SubmitPdu } from "../codec/pdu";
import { CmppSubmitError } from "../errors";
import { segmentText, TextTooLongError } from "../message/segmenter";
import type { CmppChannelSettings } from "../types";
import { describeSubmitResult, submitResultCategory } from "../receipts/result-codes";
import type { CmppDestinationResult, CmppPoolOptions, CmppSubmitRequest, CmppSubmitResult } from "./pool-types";

/** The SUBMIT fields every segment of one submit() shares. */
export interface SubmitTemplate {
  serviceId: string;
  msgSrc: string;
  msgLevel: number;
  feeUserType: number;
  feeType: string;
  feeCode: string;
  validTime: string;
  srcId: string;
  msgFmt: number;
  tpUdhi: number;
  linkId: string;
}

type DestinationFailure = NonNullable<CmppDestinationResult["failed"]>;

export class SubmitJob {
  settled = false;
  /** [destination][segment] → Msg_Id, created when the first SUBMIT_RESP arrives. */
  private ids: string[][] | null = null;
  /** [destination] → why the gateway refused that number alone; null until one is. */
  destFailures: Array<DestinationFailure | undefined> | null = null;
  private refusedCount = 0;
  /** SegmentJobs not yet done (accepted, or refused for their one number). */
  pendingSegments: number;
  /** Transmissions whose outcome is unknown, over all segments (see CmppSubmitResult). */
  uncertainCopies = 0;

  constructor(
    readonly dests: string[],
    readonly segments: number,
    readonly ref: string | undefined,
    readonly enqueuedAt: number,
    readonly template: SubmitTemplate,
    private readonly resolveFn: (result: CmppSubmitResult) => void,
    private readonly rejectFn: (error: CmppSubmitError) => void,
    segmentJobCount: number,
  ) {
    this.pendingSegments = segmentJobCount;
  }

  setMsgId(destIndex: number, segmentIndex: number, msgId: string): void {
    this.ids ??= this.dests.map(() => new Array<string>(this.segments).fill(""));
    this.ids[destIndex][segmentIndex] = msgId;
  }

  acceptedMsgIds(): string[] {
    return this.ids === null ? [] : this.ids.flat().filter((id) => id !== "");
  }

  isRefused(destIndex: number): boolean {
    return this.destFailures !== null && this.destFailures[destIndex] !== undefined;
  }

  /** Whether any number of `segment`'s group was already refused (then it is sent per number). */
  hasRefusedIn(segment: SegmentJob): boolean {
    if (this.destFailures === null) return false;
    for (let i = segment.destOffset; i < segment.destOffset + segment.destCount; i++) if (this.destFailures[i] !== undefined) return true;
    return false;
  }

  /**
   * The gateway refused number `destIndex` alone with `result`: it is marked failed. When every
   * number is, the job rejects with that Result (nothing of it will be delivered).
   */
  refuseDestination(destIndex: number, result: number): void {
    if (this.settled || this.isRefused(destIndex)) return;
    this.destFailures ??= new Array<DestinationFailure | undefined>(this.dests.length);
    this.destFailures[destIndex] = { result, description: describeSubmitResult(result), category: submitResultCategory(result) };
    this.refusedCount++;
    if (this.refusedCount === this.dests.length) this.fail(CmppSubmitError.rejected(result, this.acceptedMsgIds(), this.uncertainCopies));
  }

  /** One SegmentJob done (accepted, or refused for its number); resolves the job when it was the last. */
  segmentDone(): void {
    if (this.settled) return;
    this.pendingSegments--;
    if (this.pendingSegments > 0) return;
    this.settled = true;
    const ids = this.ids ?? this.dests.map(() => new Array<string>(this.segments).fill(""));
    const failures = this.destFailures;
    if (failures === null) {
      this.resolveFn({
        msgIds: ids.length === 1 ? ids[0] : ids.flat(),
        segments: this.segments,
        destinations: this.dests.map((dest, i) => ({ dest, msgIds: ids[i] })),
        uncertainCopies: this.uncertainCopies,
      });
      return;
    }
    const destinations: CmppDestinationResult[] = this.dests.map((dest, i) => {
      const failed = failures[i];
      return failed === undefined ? { dest, msgIds: ids[i] } : { dest, msgIds: ids[i].filter((id) => id !== ""), failed };
    });
    this.resolveFn({
      msgIds: destinations.filter((d) => d.failed === undefined).flatMap((d) => d.msgIds),
      segments: this.segments,
      destinations,
      uncertainCopies: this.uncertainCopies,
    });
  }

  fail(error: CmppSubmitError): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(error);
  }
}

/**
 * One SUBMIT of a job: one segment to one group of numbers. Kept small while it waits in the
 * queue (queued work survives every young-generation GC, so its size is what the GC copies); the
 * PDU is built when the segment is first sent and kept for resends.
 */
export class SegmentJob {
  /** Transmissions lost to dropped connections (resends on one connection are the session's). */
  attempts = 0;
  flowControlRetries = 0;
  /** Transmissions of this SUBMIT whose outcome is unknown (also added to job.uncertainCopies). */
  uncertainCopies = 0;
  private built: SubmitPdu | null = null;

  constructor(
    readonly job: SubmitJob,
    readonly content: Buffer,
    /** 0-based segment. */
    readonly segmentIndex: number,
    /** Index in job.dests of this SUBMIT's first number, and how many numbers it carries. */
    readonly destOffset: number,
    readonly destCount: number,
  ) {}

  get pdu(): SubmitPdu {
    return (this.built ??= this.buildPdu());
  }

  addUncertainCopies(copies: number): void {
    this.uncertainCopies += copies;
    this.job.uncertainCopies += copies;
  }

  /**
   * One SUBMIT per number of this group that is not refused yet, carrying its retry state. The
   * caller adjusts job.pendingSegments (these replace this one).
   */
  splitPerDestination(): SegmentJob[] {
    const parts: SegmentJob[] = [];
    for (let i = this.destOffset; i < this.destOffset + this.destCount; i++) {
      if (this.job.isRefused(i)) continue;
      const part = new SegmentJob(this.job, this.content, this.segmentIndex, i, 1);
      part.attempts = this.attempts;
      part.flowControlRetries = this.flowControlRetries;
      parts.push(part);
    }
    return parts;
  }

  private buildPdu(): SubmitPdu {
    const t = this.job.template;
    const dests = this.job.dests;
    return {
      command: "submit",
      sequenceId: 0,
      msgId: ZERO_MSG_ID,
      pkTotal: this.job.segments,
      pkNumber: this.segmentIndex + 1,
      // Always: delivery and loss analysis need a report for every message.
      registeredDelivery: 1,
      msgLevel: t.msgLevel,
      serviceId: t.serviceId,
      feeUserType: t.feeUserType,
      feeTerminalId: "",
      feeTerminalType: 0,
      tpPid: 0,
      tpUdhi: t.tpUdhi,
      msgFmt: t.msgFmt,
      msgSrc: t.msgSrc,
      feeType: t.feeType,
      feeCode: t.feeCode,
      validTime: t.validTime,
      atTime: "",
      srcId: t.srcId,
      destTerminalIds: this.destCount === dests.length ? dests : dests.slice(this.destOffset, this.destOffset + this.destCount),
      destTerminalType: 0,
      msgContent: this.content,
      linkId: t.linkId,
    };
  }
}

const NUMBER = /^\+?\d{1,20}$/;
const DIGITS = /^\d*$/;

export interface BuildContext {
  settings: CmppChannelSettings;
  defaults: NonNullable<CmppPoolOptions["submitDefaults"]>;
  terminalIdWidth: number;
  /** The concatenation reference for this message. */
  reference: number;
  now: number;
}

/**
 * Validates a request and turns it into queued work. Throws CmppSubmitError("invalid_request")
 * for what no gateway would accept, before anything is sent.
 */
export function buildSubmitJob(
  request: CmppSubmitRequest,
  ctx: BuildContext,
  resolve: (result: CmppSubmitResult) => void,
  reject: (error: CmppSubmitError) => void,
): { job: SubmitJob; segmentJobs: SegmentJob[] } {
  const dests = (Array.isArray(request.dest) ? request.dest : [request.dest]).map((d) => d.trim());
  if (dests.length === 0) throw invalid("no destination number", "invalid_number");
  for (const dest of dests) {
    if (!NUMBER.test(dest) || dest.length > ctx.terminalIdWidth) throw invalid(`"${dest}" is not a phone number`, "invalid_number");
  }
  if (request.text.length === 0) throw invalid("empty text", "content_rejected");
  const suffix = request.srcIdSuffix ?? "";
  const srcId = ctx.settings.accessNumber + suffix;
  if (!DIGITS.test(suffix) || srcId.length > 21) throw invalid(`Src_Id "${srcId}" must be digits, at most 21`, "invalid_number");
  let segmented;
  try {
    segmented = segmentText(request.text, ctx.reference);
  } catch (error) {
    if (error instanceof TextTooLongError) throw invalid(error.message, "content_rejected");
    throw error;
  }
  const total = segmented.contents.length;
  const groups = Math.ceil(dests.length / MAX_DESTINATIONS);
  const d = ctx.defaults;
  const template: SubmitTemplate = {
    serviceId: ctx.settings.serviceId,
    msgSrc: ctx.settings.account,
    msgLevel: d.msgLevel ?? 1,
    feeUserType: d.feeUserType ?? 2,
    feeType: d.feeType ?? "01",
    feeCode: d.feeCode ?? "000000",
    validTime: d.validTime ?? "",
    srcId,
    msgFmt: segmented.msgFmt,
    tpUdhi: segmented.tpUdhi,
    linkId: request.linkId ?? "",
  };
  const job = new SubmitJob(dests, total, request.ref, ctx.now, template, resolve, reject, total * groups);
  const segmentJobs: SegmentJob[] = [];
  for (let offset = 0; offset < dests.length; offset += MAX_DESTINATIONS) {
    const count = Math.min(MAX_DESTINATIONS, dests.length - offset);
    for (let i = 0; i < total; i++) segmentJobs.push(new SegmentJob(job, segmented.contents[i], i, offset, count));
  }
  return { job, segmentJobs };
}

function invalid(message: string, category: "invalid_number" | "content_rejected"): CmppSubmitError {
  return new CmppSubmitError("invalid_request", null, category, message);
}
