import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { messageEvents, messages, unmatchedReceipts } from "@/lib/db/schema";
import type { OutcomeCategory } from "@/lib/sender/outcome";

/**
 * Receipt reconciliation, one rule for every provider: a delivery report names the provider's
 * message id; the message it belongs to takes the report's outcome. A report for a message we do
 * not know yet waits in unmatched_receipts until the message gets that id. Reports are
 * idempotent: the same report twice, or any report after a final one, changes nothing.
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

export const FINAL_STATES = ["delivered", "failed", "expired", "cancelled"] as const;

export function statusForReceipt(receipt: Pick<ProviderReceipt, "category" | "final">): "delivered" | "failed" | "expired" | null {
  if (!receipt.final) return null;
  if (receipt.category === "delivered") return "delivered";
  if (receipt.category === "expired") return "expired";
  return "failed";
}

export async function applyReceipt(db: Db, receipt: ProviderReceipt): Promise<ReceiptOutcome> {
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select({ id: messages.id, status: messages.status })
      .from(messages)
      .where(and(eq(messages.channelId, receipt.channelId), eq(messages.providerMessageId, receipt.providerMessageId)))
      .for("update");
    if (!message) {
      const inserted = await tx
        .insert(unmatchedReceipts)
        .values({
          channelId: receipt.channelId,
          providerMessageId: receipt.providerMessageId,
          phone: receipt.phone ?? null,
          code: receipt.code,
          category: receipt.category,
          final: receipt.final,
          reportedAt: receipt.reportedAt ?? null,
        })
        .onConflictDoNothing()
        .returning({ id: unmatchedReceipts.id });
      return inserted.length ? "unmatched" : "duplicate";
    }
    return applyToMessage(tx, message, receipt);
  });
}

async function applyToMessage(db: Db, message: { id: bigint; status: string }, receipt: ProviderReceipt): Promise<ReceiptOutcome> {
  if ((FINAL_STATES as readonly string[]).includes(message.status)) return "duplicate";
  const next = statusForReceipt(receipt);
  const now = new Date();
  await db
    .update(messages)
    .set({
      status: next ?? message.status,
      errorCode: next === "delivered" ? null : receipt.code,
      errorCategory: next === "delivered" ? null : receipt.category,
      updatedAt: now,
      doneAt: next ? (receipt.reportedAt ?? now) : null,
    })
    .where(eq(messages.id, message.id));
  await db.insert(messageEvents).values({
    messageId: message.id,
    kind: "receipt",
    code: receipt.code,
    category: receipt.category,
    raw: receipt.raw ?? {},
  });
  return "applied";
}

/**
 * Applies waiting receipts to messages that now have their provider id. Called after submit
 * answers are recorded; returns how many receipts found their message.
 */
export async function matchUnmatchedReceipts(db: Db, channelId: string, providerMessageIds: string[]): Promise<number> {
  if (providerMessageIds.length === 0) return 0;
  return db.transaction(async (tx) => {
    const waiting = await tx
      .select()
      .from(unmatchedReceipts)
      .where(and(eq(unmatchedReceipts.channelId, channelId), inArray(unmatchedReceipts.providerMessageId, providerMessageIds)))
      // Intermediate reports first, so a final one that arrived earlier still has the last word.
      .orderBy(sql`${unmatchedReceipts.final} asc, ${unmatchedReceipts.id} asc`)
      .for("update");
    let matched = 0;
    for (const row of waiting) {
      const [message] = await tx
        .select({ id: messages.id, status: messages.status })
        .from(messages)
        .where(and(eq(messages.channelId, channelId), eq(messages.providerMessageId, row.providerMessageId)))
        .for("update");
      if (!message) continue;
      await applyToMessage(tx, message, {
        channelId,
        providerMessageId: row.providerMessageId,
        phone: row.phone,
        code: row.code,
        category: row.category as OutcomeCategory,
        final: row.final,
        reportedAt: row.reportedAt,
        raw: { matchedLate: true, receivedAt: row.receivedAt.toISOString() },
      });
      await tx.delete(unmatchedReceipts).where(eq(unmatchedReceipts.id, row.id));
      matched++;
    }
    return matched;
  });
}
