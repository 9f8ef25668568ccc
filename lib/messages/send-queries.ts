import { and, asc, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels, messageEvents, messageSegments, messages, sends } from "@/lib/db/schema";
import { NotFoundError } from "@/lib/util/errors";
import type { MessageState } from "./message-state";

/**
 * Reading sends and messages for the REST API and the pages. A send's progress is its own row:
 * the counters are kept by the state machine in the same statements as the states they count,
 * so nothing here ever counts messages. The audience column (up to a million values) is never
 * read here either: a send is answered from a few hundred bytes.
 */
export type SendStatus = (typeof sends.$inferSelect)["status"];

export interface SendCounts {
  queued: number;
  submitting: number;
  submitted: number;
  delivered: number;
  failed: number;
  expired: number;
  unknown: number;
  cancelled: number;
}

export interface SendView {
  sendId: string;
  channelKey: string;
  channelName: string;
  channelType: "jsms" | "cmpp";
  status: SendStatus;
  /** Messages made so far (all of them once the send is past preparing). */
  total: number;
  /** Recipients as asked, before numbers were looked up. */
  audienceSize: number;
  counts: SendCounts;
  /** Messages with at least one attempt whose outcome is unknown (a copy may have arrived). */
  uncertain: number;
  segmentsPerMessage: number;
  content: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  /** The send this one resends the messages of (lib/messages/resend.ts); null for a send of its own. */
  resentFrom: string | null;
  /** A resend's chosen states (failed, expired, unknown); null for a send of its own. */
  resentStates: string[] | null;
}

/** One send as GET /api/v1/sends/{sendId} answers it: with the resends made of it, oldest first. */
export interface SendDetailView extends SendView {
  resends: string[];
}

export class SendNotFoundError extends NotFoundError {
  constructor(sendId: string) {
    super("send_not_found", `There is no send ${sendId}.`);
  }
}

export class MessageNotFoundError extends NotFoundError {
  constructor(id: string) {
    super("message_not_found", `There is no message ${id}.`);
  }
}

const sendColumns = {
  id: sends.id,
  channelKey: channels.channelKey,
  channelName: channels.name,
  channelType: channels.type,
  status: sends.status,
  total: sends.total,
  audienceSize: sends.audienceSize,
  queued: sends.queuedCount,
  submitting: sends.submittingCount,
  submitted: sends.submittedCount,
  delivered: sends.deliveredCount,
  failed: sends.failedCount,
  expired: sends.expiredCount,
  unknown: sends.unknownCount,
  cancelled: sends.cancelledCount,
  uncertain: sends.uncertainCount,
  segmentsPerMessage: sends.segmentsPerMessage,
  content: sends.content,
  createdBy: sends.createdBy,
  createdAt: sends.createdAt,
  finishedAt: sends.finishedAt,
  resentFrom: sends.resentFrom,
  // Read only for a resend, whose audience is a few fields: another send's may hold a million values.
  resentStates: sql<string[] | null>`case when ${sends.resentFrom} is not null then ${sends.audience}->'states' end`,
  // The creation time to the microsecond, for the list's cursor (a JS Date keeps milliseconds).
  cursorAt: sql<string>`to_char(${sends.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
};

function toSendView(row: SendRow): SendView {
  return {
    sendId: row.id,
    channelKey: row.channelKey,
    channelName: row.channelName,
    channelType: row.channelType,
    status: row.status,
    total: row.total,
    audienceSize: row.audienceSize,
    counts: {
      queued: row.queued,
      submitting: row.submitting,
      submitted: row.submitted,
      delivered: row.delivered,
      failed: row.failed,
      expired: row.expired,
      unknown: row.unknown,
      cancelled: row.cancelled,
    },
    uncertain: row.uncertain,
    segmentsPerMessage: row.segmentsPerMessage,
    content: row.content,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    resentFrom: row.resentFrom,
    resentStates: Array.isArray(row.resentStates) ? row.resentStates : null,
  };
}

function selectSends(db: Db) {
  return db.select(sendColumns).from(sends).innerJoin(channels, eq(channels.id, sends.channelId));
}

type SendRow = Awaited<ReturnType<typeof selectSends>>[number];

/** One send by id, with the resends made of it; 404 send_not_found. */
export async function getSend(db: Db, sendId: string): Promise<SendDetailView> {
  const [row] = await selectSends(db).where(eq(sends.id, sendId));
  if (!row) throw new SendNotFoundError(sendId);
  return { ...toSendView(row), resends: await resendsOf(db, sendId) };
}

/** The resends made of a send, oldest first (by sends_resent_from_idx). */
export async function resendsOf(db: Db, sendId: string): Promise<string[]> {
  const rows = await db.select({ id: sends.id }).from(sends).where(eq(sends.resentFrom, sendId)).orderBy(asc(sends.createdAt), asc(sends.id));
  return rows.map((r) => r.id);
}

/** Where a page of sends ended: the last send's creation time (to the microsecond) and id. */
export interface SendCursor {
  at: string;
  id: string;
}

export function encodeSendCursor(cursor: SendCursor): string {
  return `${cursor.at}_${cursor.id}`;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Sends newest first, keyset-paged on (created_at, id): a page never skips or repeats a send. */
export async function listSends(db: Db, options: { cursor?: SendCursor; limit: number }): Promise<Page<SendView>> {
  const { cursor, limit } = options;
  const rows = await selectSends(db)
    .where(cursor ? sql`(${sends.createdAt}, ${sends.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined)
    .orderBy(desc(sends.createdAt), desc(sends.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toSendView), nextCursor: rows.length > limit && last ? encodeSendCursor({ at: last.cursorAt, id: last.id }) : null };
}

export interface MessageView {
  /** A bigint, as a string. */
  id: string;
  sendId: string;
  userid: string | null;
  phone: string;
  status: MessageState;
  providerMessageId: string | null;
  segments: number;
  attempts: number;
  uncertain: boolean;
  errorCode: string | null;
  errorCategory: string | null;
  createdAt: string;
  submittedAt: string | null;
  doneAt: string | null;
  updatedAt: string;
}

export interface MessageEventView {
  at: string;
  kind: string;
  code: string | null;
  category: string | null;
  part: number | null;
  raw: Record<string, unknown>;
}

export interface MessageSegmentView {
  part: number;
  providerMessageId: string | null;
  status: string;
  code: string | null;
  doneAt: string | null;
}

/**
 * One message with its timeline. `segments` is the list of its parts as submitted (DESIGN.md
 * section 6), so the number of parts, `segments` in a list item, is `segmentCount` here; a
 * message not yet submitted has a count and no part rows.
 */
export interface MessageDetail extends Omit<MessageView, "segments"> {
  segmentCount: number;
  /** Oldest first. */
  events: MessageEventView[];
  /** In part order. */
  segments: MessageSegmentView[];
}

const messageColumns = {
  id: messages.id,
  sendId: messages.sendId,
  userid: messages.userid,
  phone: messages.phone,
  status: messages.status,
  providerMessageId: messages.providerMessageId,
  segments: messages.segments,
  attempts: messages.attempts,
  uncertain: messages.uncertain,
  errorCode: messages.errorCode,
  errorCategory: messages.errorCategory,
  createdAt: messages.createdAt,
  submittedAt: messages.submittedAt,
  doneAt: messages.doneAt,
  updatedAt: messages.updatedAt,
};

function selectMessages(db: Db) {
  return db.select(messageColumns).from(messages);
}

type MessageRow = Awaited<ReturnType<typeof selectMessages>>[number];

function toMessageView(row: MessageRow): MessageView {
  return {
    id: row.id.toString(),
    sendId: row.sendId,
    userid: row.userid,
    phone: row.phone,
    status: row.status as MessageState,
    providerMessageId: row.providerMessageId,
    segments: row.segments,
    attempts: row.attempts,
    uncertain: row.uncertain,
    errorCode: row.errorCode,
    errorCategory: row.errorCategory,
    createdAt: row.createdAt.toISOString(),
    submittedAt: row.submittedAt?.toISOString() ?? null,
    doneAt: row.doneAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface MessageFilters {
  sendId?: string;
  status?: MessageState;
  /** Normalised (lib/contacts/phone.ts): matched exactly. */
  phone?: string;
  userid?: string;
  /** The last id of the previous page. */
  before?: bigint;
  limit: number;
}

/**
 * Messages newest first (by id), keyset-paged on the id. Each filter is served by an index that
 * ends in the id: (send_id, status, id), (send_id, id), (phone, id), (userid, id).
 */
export async function listMessages(db: Db, filters: MessageFilters): Promise<Page<MessageView>> {
  const where: SQL[] = [];
  if (filters.sendId !== undefined) where.push(eq(messages.sendId, filters.sendId));
  if (filters.status !== undefined) where.push(eq(messages.status, filters.status));
  if (filters.phone !== undefined) where.push(eq(messages.phone, filters.phone));
  if (filters.userid !== undefined) where.push(eq(messages.userid, filters.userid));
  if (filters.before !== undefined) where.push(lt(messages.id, filters.before));
  const rows = await selectMessages(db)
    .where(and(...where))
    .orderBy(desc(messages.id))
    .limit(filters.limit + 1);
  const page = rows.slice(0, filters.limit);
  const last = page[page.length - 1];
  return { items: page.map(toMessageView), nextCursor: rows.length > filters.limit && last ? last.id.toString() : null };
}

/** One message with its events (oldest first) and segments; 404 message_not_found. */
export async function getMessage(db: Db, id: bigint): Promise<MessageDetail> {
  const [row] = await selectMessages(db).where(eq(messages.id, id));
  if (!row) throw new MessageNotFoundError(id.toString());
  const [events, segments] = await Promise.all([
    db
      .select({ at: messageEvents.at, kind: messageEvents.kind, code: messageEvents.code, category: messageEvents.category, part: messageEvents.part, raw: messageEvents.raw })
      .from(messageEvents)
      .where(eq(messageEvents.messageId, id))
      .orderBy(asc(messageEvents.id)),
    db
      .select({
        part: messageSegments.part,
        providerMessageId: messageSegments.providerMessageId,
        status: messageSegments.status,
        code: messageSegments.code,
        doneAt: messageSegments.doneAt,
      })
      .from(messageSegments)
      .where(eq(messageSegments.messageId, id))
      .orderBy(asc(messageSegments.part)),
  ]);
  const { segments: segmentCount, ...message } = toMessageView(row);
  return {
    ...message,
    segmentCount,
    events: events.map((e) => ({ ...e, at: e.at.toISOString() })),
    segments: segments.map((s) => ({ ...s, doneAt: s.doneAt?.toISOString() ?? null })),
  };
}
