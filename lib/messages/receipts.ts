import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { messageEvents, messages, unmatchedReceipts } from "@/lib/db/schema";
import type { OutcomeCategory } from "@/lib/sender/outcome";

/**
 * Receipt reconciliation, one rule for every provider: a delivery report names the provider's
 * message id; the message it belongs to takes the report's outcome. A report for a message we do
 * not know yet waits in unmatched_receipts until the message gets that id. Reports are
 * idempotent: the same report twice, or any report after a final one, changes nothing.
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

export const FINAL_STATES: readonly string[] = ["delivered", "failed", "expired", "cancelled"];

export function statusForReceipt(receipt: Pick<ProviderReceipt, "category" | "final">): "delivered" | "failed" | "expired" | null {
  if (!receipt.final) return null;
  if (receipt.category === "delivered") return "delivered";
  if (receipt.category === "expired") return "expired";
  return "failed";
}

const keyOf = (channelId: string, providerMessageId: string) => `${channelId}\u0000${providerMessageId}`;

export async function applyReceipts(db: Db, receipts: ProviderReceipt[]): Promise<ReceiptOutcome[]> {
  if (receipts.length === 0) return [];
  return db.transaction((tx) => applyReceiptsIn(tx, receipts));
}

export async function applyReceipt(db: Db, receipt: ProviderReceipt): Promise<ReceiptOutcome> {
  return (await applyReceipts(db, [receipt]))[0]!;
}

/** The batch rule, inside the caller's transaction. Receipts are applied in the order given. */
async function applyReceiptsIn(tx: Db, receipts: ProviderReceipt[]): Promise<ReceiptOutcome[]> {
  const found = new Map<string, { id: bigint; status: string }>();
  const idsByChannel = new Map<string, string[]>();
  for (const r of receipts) idsByChannel.set(r.channelId, [...(idsByChannel.get(r.channelId) ?? []), r.providerMessageId]);
  for (const [channelId, ids] of idsByChannel) {
    const rows = await tx
      .select({ id: messages.id, status: messages.status, providerMessageId: messages.providerMessageId })
      .from(messages)
      .where(and(eq(messages.channelId, channelId), inArray(messages.providerMessageId, [...new Set(ids)])))
      .orderBy(messages.id)
      .for("update");
    for (const row of rows) found.set(keyOf(channelId, row.providerMessageId!), { id: row.id, status: row.status });
  }

  const outcomes: ReceiptOutcome[] = [];
  const updates = new Map<bigint, { status: string; errorCode: string | null; errorCategory: string | null; doneAt: Date | null }>();
  const events: (typeof messageEvents.$inferInsert)[] = [];
  const unmatched: { index: number; receipt: ProviderReceipt }[] = [];
  const now = new Date();
  receipts.forEach((receipt, index) => {
    const message = found.get(keyOf(receipt.channelId, receipt.providerMessageId));
    if (!message) {
      unmatched.push({ index, receipt });
      outcomes.push("unmatched");
      return;
    }
    if (FINAL_STATES.includes(message.status)) {
      outcomes.push("duplicate");
      return;
    }
    const next = statusForReceipt(receipt);
    // Mutated in place so a second report for the same message in this batch sees the first.
    message.status = next ?? message.status;
    updates.set(message.id, {
      status: message.status,
      errorCode: next === "delivered" ? null : receipt.code,
      errorCategory: next === "delivered" ? null : receipt.category,
      doneAt: next ? (receipt.reportedAt ?? now) : null,
    });
    events.push({ messageId: message.id, kind: "receipt", code: receipt.code, category: receipt.category, raw: receipt.raw ?? {} });
    outcomes.push("applied");
  });

  if (updates.size > 0) {
    const rows = [...updates].map(
      ([id, u]) =>
        sql`(${id.toString()}::bigint, ${u.status}::text, ${u.errorCode}::text, ${u.errorCategory}::text, ${u.doneAt?.toISOString() ?? null}::timestamptz)`,
    );
    await tx.execute(sql`
      update messages m
         set status = v.status, error_code = v.error_code, error_category = v.error_category, done_at = v.done_at, updated_at = now()
        from (values ${sql.join(rows, sql`, `)}) as v(id, status, error_code, error_category, done_at)
       where m.id = v.id`);
    await tx.insert(messageEvents).values(events);
  }

  if (unmatched.length > 0) {
    const inserted = await tx
      .insert(unmatchedReceipts)
      .values(
        unmatched.map(({ receipt }) => ({
          channelId: receipt.channelId,
          providerMessageId: receipt.providerMessageId,
          phone: receipt.phone ?? null,
          code: receipt.code,
          category: receipt.category,
          final: receipt.final,
          reportedAt: receipt.reportedAt ?? null,
        })),
      )
      .onConflictDoNothing()
      .returning({ channelId: unmatchedReceipts.channelId, providerMessageId: unmatchedReceipts.providerMessageId, code: unmatchedReceipts.code });
    const fresh = new Set(inserted.map((r) => `${keyOf(r.channelId, r.providerMessageId)}\u0000${r.code}`));
    for (const { index, receipt } of unmatched) {
      const k = `${keyOf(receipt.channelId, receipt.providerMessageId)}\u0000${receipt.code}`;
      // The first of identical waiting receipts is "unmatched"; the rest are duplicates.
      if (fresh.has(k)) fresh.delete(k);
      else outcomes[index] = "duplicate";
    }
  }
  return outcomes;
}

/**
 * Applies waiting receipts to messages that now have their provider id. Called after submit
 * answers are recorded; returns how many receipts found their message.
 */
export async function matchUnmatchedReceipts(db: Db, channelId: string, providerMessageIds: string[]): Promise<number> {
  if (providerMessageIds.length === 0) return 0;
  return db.transaction(async (tx) => {
    const waiting = await tx
      .delete(unmatchedReceipts)
      .where(and(eq(unmatchedReceipts.channelId, channelId), inArray(unmatchedReceipts.providerMessageId, providerMessageIds)))
      .returning();
    // Intermediate reports first, so a final one that overtook them still has the last word.
    waiting.sort((a, b) => Number(a.final) - Number(b.final) || Number(a.id - b.id));
    const outcomes = await applyReceiptsIn(
      tx,
      waiting.map((row) => ({
        channelId,
        providerMessageId: row.providerMessageId,
        phone: row.phone,
        code: row.code,
        category: row.category as OutcomeCategory,
        final: row.final,
        reportedAt: row.reportedAt,
        raw: { matchedLate: true, receivedAt: row.receivedAt.toISOString() },
      })),
    );
    return outcomes.filter((o) => o !== "unmatched").length;
  });
}
