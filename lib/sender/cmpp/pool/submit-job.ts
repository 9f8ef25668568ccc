/**
 * One submit() call as queued work: the message is split into segments and its numbers into groups
 * of at most 99, and each (segment, group) becomes one SUBMIT — a SegmentJob. The SubmitJob settles
 * once every SegmentJob is accepted, or at the first final failure.
 */
import { MAX_DESTINATIONS } from "../codec/constants";
import { ZERO_MSG_ID } from "../codec/msg-id";
import type { SubmitPdu } from "../codec/pdu";
import { CmppSubmitError } from "../errors";
import { segmentText, TextTooLongError } from "../message/segmenter";
import type { CmppChannelSettings } from "../types";
import type { CmppPoolOptions, CmppSubmitRequest, CmppSubmitResult } from "./pool-types";

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

export class SubmitJob {
  settled = false;
  /** [destination][segment] → Msg_Id, created when the first SUBMIT_RESP arrives. */
  private ids: string[][] | null = null;
  pendingSegments: number;

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

  /** One SUBMIT accepted; resolves the job when it was the last. */
  segmentAccepted(): void {
    if (this.settled) return;
    this.pendingSegments--;
    if (this.pendingSegments > 0) return;
    this.settled = true;
    const ids = this.ids ?? [];
    this.resolveFn({
      msgIds: ids.length === 1 ? ids[0] : ids.flat(),
      segments: this.segments,
      destinations: this.dests.map((dest, i) => ({ dest, msgIds: ids[i] })),
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
