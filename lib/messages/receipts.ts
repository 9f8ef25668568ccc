import { sql } from "drizzle-orm";
import { arrayParam, unnestRows } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import type { OutcomeCategory } from "@/lib/sender/outcome";
import { applyTransitions, recordMessageEvents, type MessageEventInput, type MessageTransition } from "./message-state";
import { inTransaction } from "@/lib/db/transaction";

/**
 * Receipt reconciliation, one rule for every provider. A delivery report names the provider's id
 * of one segment (a JSMS message is one segment) and the number it is about; it is matched on
 * (channel, provider id, number), because many gateways report every number of a
 * multi-destination SUBMIT under one Msg_Id. Then:
 *   - the segment takes the report's outcome; a long message is delivered when every segment is,
 *     and failed (or expired) as soon as one segment is, with that segment's code;
 *   - an intermediate report (CMPP ACCEPTD) is recorded and changes no state;
 *   - a report for a segment or message already final changes nothing, but is kept as an event;
 *   - a report whose segment is not known yet (it overtook the submit answer that carries the
 *     id) waits in unmatched_receipts and is applied when the segment is recorded
 *     (matchUnmatchedReceipts).
 * Receipts are applied in batches: a fixed handful of statements per batch, whatever its size.
 */
export interface ProviderReceipt {
  channelId: string;
  providerMessageId: string;
  phone?: string | null;
  /** The provider's raw status code ("4001", "DELIVRD", "MK:0001"). */
  code: string;
  category: OutcomeCategory;
  /** false for intermediate reports (CMPP ACCEPTD). */
  final: boolean;
  reportedAt?: Date | null;
  raw?: Record<string, unknown>;
}

export type ReceiptOutcome = "applied" | "unmatched" | "duplicate";

const FINAL_SEGMENT_STATES = ["delivered", "failed", "expired"];
const FINAL_MESSAGE_STATES = ["delivered", "failed", "expired", "unknown", "cancelled"];

export function statusForReceipt(receipt: Pick<ProviderReceipt, "category" | "final">): "delivered" | "failed" | "expired" | null {
  if (!receipt.final) return null;
  if (receipt.category === "delivered") return "delivered";
  if (receipt.category === "expired") return "expired";
  return "failed";
}

/**
 * The same number written by two systems: a gateway may report `8613800138000` for the
 * `13800138000` we sent, or `00447…` for `+447…`. Compared by digits, without a mainland prefix.
 */
export function phoneMatchKey(phone: string): string {
  const digits = phone.replace(/^\+/, "").replace(/^00/, "");
  return /^861[3-9]\d{9}$/.test(digits) ? digits.slice(2) : digits;
}

export async function applyReceipts(db: Db, receipts: ProviderReceipt[]): Promise<ReceiptOutcome[]> {
  if (receipts.length === 0) return [];
  return inTransaction(db, (tx) => applyReceiptsIn(tx, receipts));
}

export async function applyReceipt(db: Db, receipt: ProviderReceipt): Promise<ReceiptOutcome> {
  return (await applyReceipts(db, [receipt]))[0]!;
}

interface SegmentRow {
  message_id: string;
  part: number;
  channel_id: string;
  phone: string;
  provider_message_id: string;
  status: string;
  message_status: string;
  segments: number;
}

interface MessageAfter {
  id: string;
  status: string;
  segments: number;
  /** Segment part → status, as this batch leaves it. */
  parts: Map<number, string>;
  failure: { status: "failed" | "expired"; code: string; category: string } | null;
  events: MessageEventInput[];
}

const pairKey = (channelId: string, providerMessageId: string) => `${channelId}\u0000${providerMessageId}`;

/** The batch rule, inside the caller's transaction. Receipts are applied in the order given. */
export async function applyReceiptsIn(tx: Db, receipts: readonly ProviderReceipt[]): Promise<ReceiptOutcome[]> {
  if (receipts.length === 0) return [];
  // The messages the receipts name, then every segment of each, locked: a message's outcome needs
  // all its parts. Both by index, with the ids as arrays the planner can see.
  const wanted = new Set(receipts.map((r) => pairKey(r.channelId, r.providerMessageId)));
  const named = await executeRows<{ message_id: string; channel_id: string; provider_message_id: string }>(
    tx,
    sql`select s.message_id::text as message_id, s.channel_id::text as channel_id, s.provider_message_id from message_segments s
         where s.provider_message_id = any(${arrayParam([...new Set(receipts.map((r) => r.providerMessageId))], "text")})
           and s.channel_id = any(${arrayParam([...new Set(receipts.map((r) => r.channelId))], "uuid")})`,
  );
  const messageIds = [...new Set(named.filter((n) => wanted.has(pairKey(n.channel_id, n.provider_message_id))).map((n) => n.message_id))];
  const rows =
    messageIds.length === 0
      ? []
      : await executeRows<SegmentRow>(
          tx,
          sql`select s.message_id::text as message_id, s.part, s.channel_id::text as channel_id, s.phone, s.provider_message_id,
                     s.status, m.status as message_status, m.segments
                from message_segments s join messages m on m.id = s.message_id
               where s.message_id = any(${arrayParam(messageIds, "bigint")}) and m.id = any(${arrayParam(messageIds, "bigint")})
               order by s.message_id, s.part
               for update of s, m`,
        );
  const byPair = new Map<string, SegmentRow[]>();
  const messagesById = new Map<string, MessageAfter>();
  for (const row of rows) {
    const key = pairKey(row.channel_id, row.provider_message_id);
    byPair.set(key, [...(byPair.get(key) ?? []), row]);
    let message = messagesById.get(row.message_id);
    if (!message) {
      message = { id: row.message_id, status: row.message_status, segments: row.segments, parts: new Map(), failure: null, events: [] };
      messagesById.set(row.message_id, message);
    }
    message.parts.set(row.part, row.status);
  }

  const outcomes: ReceiptOutcome[] = [];
  const segmentUpdates = new Map<string, { message_id: string; part: number; status: string; code: string; category: string; done_at: string | null }>();
  const unmatched: { index: number; receipt: ProviderReceipt }[] = [];
  const touched = new Set<MessageAfter>();
  const now = new Date();

  receipts.forEach((receipt, index) => {
    const candidates = byPair.get(pairKey(receipt.channelId, receipt.providerMessageId)) ?? [];
    // One row per id is the usual case; several share an id only across numbers of one SUBMIT.
    const segment =
      candidates.length <= 1 || !receipt.phone
        ? candidates[0]
        : candidates.find((c) => phoneMatchKey(c.phone) === phoneMatchKey(receipt.phone!));
    if (!segment) {
      unmatched.push({ index, receipt });
      outcomes.push("unmatched");
      return;
    }
    const message = messagesById.get(segment.message_id)!;
    const partStatus = message.parts.get(segment.part)!;
    const event: MessageEventInput = {
      kind: "report",
      code: receipt.code,
      category: receipt.category,
      part: message.segments > 1 ? segment.part : null,
      raw: { ...(receipt.raw ?? {}), providerMessageId: receipt.providerMessageId, phone: receipt.phone ?? null, final: receipt.final },
    };
    if (FINAL_SEGMENT_STATES.includes(partStatus) || FINAL_MESSAGE_STATES.includes(message.status) || message.failure) {
      message.events.push({ ...event, kind: "report_ignored" });
      touched.add(message);
      outcomes.push("duplicate");
      return;
    }
    const next = statusForReceipt(receipt);
    message.events.push(event);
    touched.add(message);
    outcomes.push("applied");
    if (!next) {
      if (partStatus === "submitted") {
        message.parts.set(segment.part, "accepted");
        segmentUpdates.set(`${segment.message_id}:${segment.part}`, {
          message_id: segment.message_id, part: segment.part, status: "accepted", code: receipt.code, category: receipt.category, done_at: null,
        });
      }
      return;
    }
    message.parts.set(segment.part, next);
    segmentUpdates.set(`${segment.message_id}:${segment.part}`, {
      message_id: segment.message_id, part: segment.part, status: next, code: receipt.code, category: receipt.category,
      done_at: (receipt.reportedAt ?? now).toISOString(),
    });
    if (next !== "delivered") message.failure = { status: next, code: receipt.code, category: receipt.category };
  });

  if (segmentUpdates.size > 0) {
    await tx.execute(sql`update message_segments s
        set status = v.status, code = v.code, category = v.category, done_at = v.done_at
       from ${unnestRows([...segmentUpdates.values()], "v", [
         ["message_id", "bigint", (u) => u.message_id],
         ["part", "integer", (u) => u.part],
         ["status", "text", (u) => u.status],
         ["code", "text", (u) => u.code],
         ["category", "text", (u) => u.category],
         ["done_at", "timestamptz", (u) => u.done_at],
       ])}
      where s.message_id = v.message_id and s.part = v.part`);
  }

  const transitions: MessageTransition[] = [];
  const plainEvents: Array<MessageEventInput & { messageId: string }> = [];
  for (const message of touched) {
    const delivered = message.parts.size >= message.segments && [...message.parts.values()].every((s) => s === "delivered");
    const to = message.failure?.status ?? (delivered ? "delivered" : null);
    const events = message.events;
    if (to && message.status === "submitted") {
      // The event that decided it rides on the transition; the others are recorded beside it.
      const decisive = events.length - 1;
      events.slice(0, decisive).forEach((e) => plainEvents.push({ ...e, messageId: message.id }));
      transitions.push({
        id: message.id,
        from: "submitted",
        to,
        error: to === "delivered" ? { code: null, category: null } : { code: message.failure!.code, category: message.failure!.category },
        event: events[decisive]!,
      });
    } else {
      events.forEach((e) => plainEvents.push({ ...e, messageId: message.id }));
    }
  }
  await applyTransitions(tx, transitions);
  await recordMessageEvents(tx, plainEvents);

  if (unmatched.length > 0) {
    const waiting = unmatched.map(({ receipt }) => ({
      channel_id: receipt.channelId,
      provider_message_id: receipt.providerMessageId,
      phone: receipt.phone ?? null,
      code: receipt.code,
      category: receipt.category,
      final: receipt.final,
      reported_at: receipt.reportedAt?.toISOString() ?? null,
      raw: receipt.raw ?? {},
    }));
    const inserted = await executeRows<{ channel_id: string; provider_message_id: string; phone: string | null; code: string }>(
      tx,
      sql`insert into unmatched_receipts (channel_id, provider_message_id, phone, code, category, final, reported_at, raw)
          select channel_id, provider_message_id, phone, code, category, final, reported_at, raw
            from ${unnestRows(waiting, "v", [
              ["channel_id", "uuid", (w) => w.channel_id],
              ["provider_message_id", "text", (w) => w.provider_message_id],
              ["phone", "text", (w) => w.phone],
              ["code", "text", (w) => w.code],
              ["category", "text", (w) => w.category],
              ["final", "boolean", (w) => w.final],
              ["reported_at", "timestamptz", (w) => w.reported_at],
              ["raw", "jsonb", (w) => JSON.stringify(w.raw)],
            ])}
          on conflict do nothing
          returning channel_id::text as channel_id, provider_message_id, phone, code`,
    );
    const waitingKey = (c: string, p: string, phone: string | null | undefined, code: string) => `${pairKey(c, p)}\u0000${phone ?? ""}\u0000${code}`;
    const fresh = new Set(inserted.map((r) => waitingKey(r.channel_id, r.provider_message_id, r.phone, r.code)));
    for (const { index, receipt } of unmatched) {
      const k = waitingKey(receipt.channelId, receipt.providerMessageId, receipt.phone, receipt.code);
      // The first of identical waiting receipts is "unmatched"; the rest are duplicates.
      if (fresh.has(k)) fresh.delete(k);
      else outcomes[index] = "duplicate";
    }
  }
  return outcomes;
}

/**
 * Applies waiting receipts to segments now recorded with these provider ids, inside the caller's
 * transaction (the one that recorded the segments). Answers how many receipts found their segment.
 */
export async function matchUnmatchedReceiptsIn(tx: Db, channelId: string, providerMessageIds: readonly string[]): Promise<number> {
  if (providerMessageIds.length === 0) return 0;
  const waiting = await executeRows<Omit<WaitingRow, "channel_id">>(
    tx,
    sql`delete from unmatched_receipts
         where channel_id = ${channelId}::uuid
           and provider_message_id = any(${arrayParam([...new Set(providerMessageIds)], "text")})
        returning id::text as id, provider_message_id, phone, code, category, final, reported_at::text as reported_at, raw, received_at::text as received_at`,
  );
  return applyWaiting(tx, waiting.map((row) => ({ ...row, channel_id: channelId })));
}

interface WaitingRow {
  id: string;
  channel_id: string;
  provider_message_id: string;
  phone: string | null;
  code: string;
  category: string;
  final: boolean;
  reported_at: string | null;
  raw: Record<string, unknown>;
  received_at: string;
}

/** Applies receipts taken out of unmatched_receipts; answers how many found their segment. */
async function applyWaiting(tx: Db, waiting: WaitingRow[]): Promise<number> {
  if (waiting.length === 0) return 0;
  // Intermediate reports first, so a final one that overtook them still has the last word.
  waiting.sort((a, b) => Number(a.final) - Number(b.final) || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const outcomes = await applyReceiptsIn(
    tx,
    waiting.map((row) => ({
      channelId: row.channel_id,
      providerMessageId: row.provider_message_id,
      phone: row.phone,
      code: row.code,
      category: row.category as OutcomeCategory,
      final: row.final,
      reportedAt: row.reported_at ? new Date(row.reported_at) : null,
      raw: { ...row.raw, matchedLate: true, receivedAt: row.received_at },
    })),
  );
  return outcomes.filter((o) => o !== "unmatched").length;
}

export async function matchUnmatchedReceipts(db: Db, channelId: string, providerMessageIds: string[]): Promise<number> {
  return inTransaction(db, (tx) => matchUnmatchedReceiptsIn(tx, channelId, providerMessageIds));
}

/**
 * Applies waiting receipts whose segment has been recorded since, whoever recorded it. The
 * transaction that records a segment applies the receipts waiting for it, but it cannot see one
 * stored by a concurrent transaction that has not committed yet (a callback in another process, a
 * receipt writer racing the outcome writer); this sweep, run every few seconds, catches those.
 * Rows are claimed with SKIP LOCKED so two sweepers never apply the same receipt.
 */
export async function applyWaitingReceipts(db: Db, limit = 5_000): Promise<number> {
  return inTransaction(db, async (tx) => {
    const waiting = await executeRows<WaitingRow>(
      tx,
      sql`with found as (
            select u.id from unmatched_receipts u
             where exists (select 1 from message_segments s where s.channel_id = u.channel_id and s.provider_message_id = u.provider_message_id)
             order by u.id limit ${limit}::integer
             for update of u skip locked
          )
          delete from unmatched_receipts u using found where u.id = found.id
          returning u.id::text as id, u.channel_id::text as channel_id, u.provider_message_id, u.phone, u.code, u.category, u.final,
                    u.reported_at::text as reported_at, u.raw, u.received_at::text as received_at`,
    );
    return applyWaiting(tx, waiting);
  });
}
