import { ApiError } from "@/lib/api/client";
import { FINAL_MESSAGE_STATES } from "@/lib/messages/message-states";
import type { MessageDetail, SendCounts, SendView as ServerSendView } from "@/lib/messages/send-queries";

/**
 * The shapes the sending pages read from the REST API (GET /api/v1/sends…, /api/v1/messages…),
 * as the contract writes them, and the little arithmetic the pages share.
 */
export { MESSAGE_STATES, isFinalState, type MessageState } from "@/lib/messages/message-states";
export type { MessageView, SendCounts, SendStatus } from "@/lib/messages/send-queries";

/** What a send says to send, as the pages read it. */
export type SendContent = { text: string } | { template: { id: number; params?: Record<string, string> | null; signId?: number | null } };

export type SendView = Omit<ServerSendView, "content"> & { content: SendContent };

/** GET /api/v1/sends/{sendId}: the send with the resends made of it, oldest first. */
export type SendDetail = SendView & { resends: string[] };

/** POST /api/v1/sends/{sendId}/resend (and each item of POST /api/v1/messages/resend). */
export interface ResendAnswer {
  sendId: string;
  /** false: an identical earlier request made it; this is that send. */
  created: boolean;
  resentFrom: string;
  audienceSize: number;
}

export interface ListResendAnswer {
  resends: ResendAnswer[];
}

/** GET /api/v1/messages/{id}: `segments` is the list of parts here, not their count. */
export type MessageWithTimeline = MessageDetail;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface RejectedRecipient {
  recipient: string;
  reason: string;
}

export interface PreviewResult {
  recipients: number;
  withoutNumber: number;
  /** The first refused inputs; `rejectedCount` counts them all. */
  rejected: RejectedRecipient[];
  rejectedCount?: number;
  /** The text as sent, the default signature applied; null (or absent) for a template. */
  text?: string | null;
  characters: number;
  encoding: "ASCII" | "UCS2" | null;
  segmentsPerMessage: number;
  segmentsTotal: number;
}

export interface SendCreated {
  sendId: string;
  accepted: number;
  rejected: RejectedRecipient[];
  rejectedCount?: number;
}

/** Messages whose state will not change again: the progress bar's numerator. */
export function finalCount(counts: SendCounts): number {
  return FINAL_MESSAGE_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}

/** Whole percent of messages final; 100 only when all are (a 99.6 % send still has work). */
export function finalPercent(counts: SendCounts, total: number): number {
  if (total <= 0) return 0;
  const done = finalCount(counts);
  if (done >= total) return 100;
  return Math.min(99, Math.floor((100 * done) / total));
}

/**
 * Whether a send can still change: the dispatcher works on it, or submitted messages still wait
 * for their reports (a paused or cancelled send gets receipts for what it already submitted).
 */
export function sendIsLive(send: Pick<SendView, "status" | "counts" | "total">): boolean {
  if (send.status === "preparing" || send.status === "sending") return true;
  if (send.status === "done") return false;
  return finalCount(send.counts) < send.total;
}

/** "operator:alice@example.com" → "alice@example.com" (as the import history shows its authors). */
export function actorName(createdBy: string): string {
  return createdBy.replace(/^operator:|^api_key:/, "");
}

/** A 404: the send or message does not exist, so asking again (or polling) is pointless. */
export function isMissing(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
