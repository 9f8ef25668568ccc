import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { unnestRows } from "@/lib/db/array-literal";
import type { Db } from "@/lib/db/client";
import { takeInboxRows, takeLeftBehindRows } from "./inbox-rows";
import { applyReceiptsIn, type ProviderReceipt } from "./receipts";
import { inTransaction } from "@/lib/db/transaction";

/**
 * CMPP status reports kept in `receipt_inbox` before the gateway is answered (DELIVER_RESP): a
 * gateway never sends an answered report again, so a receipt must be in the database before the
 * answer leaves, or a crash in between loses it. Applying a receipt to its message locks the
 * message, its parts and the dashboard's counter rows, which every process sending on the channel
 * shares; the answer waits only for this insert, which shares nothing.
 *
 * Whoever deletes a kept row applies it, in the same transaction: the writer that kept it, or, when
 * its process died first, any dispatcher's sweep. So a receipt is applied once either way.
 */
export interface KeptReceipt {
  inboxId: string;
  receipt: ProviderReceipt;
}


type StoredReceipt = Omit<ProviderReceipt, "reportedAt"> & { reportedAt: string | null };

function stored(receipt: ProviderReceipt): StoredReceipt {
  return { ...receipt, reportedAt: receipt.reportedAt?.toISOString() ?? null };
}

function restored(row: StoredReceipt): ProviderReceipt {
  return { ...row, reportedAt: row.reportedAt ? new Date(row.reportedAt) : null };
}

/** Keeps receipts in one statement; resolves once they are committed. */
export async function keepReceipts(db: Db, receipts: readonly ProviderReceipt[]): Promise<KeptReceipt[]> {
  const kept = receipts.map((receipt) => ({ inboxId: crypto.randomUUID(), receipt }));
  if (kept.length === 0) return kept;
  await db.execute(sql`insert into receipt_inbox (id, channel_id, receipt)
    select id, channel_id, receipt from ${unnestRows(kept, "v", [
      ["id", "uuid", (k) => k.inboxId],
      ["channel_id", "uuid", (k) => k.receipt.channelId],
      ["receipt", "jsonb", (k) => JSON.stringify(stored(k.receipt))],
    ])}`);
  return kept;
}

/**
 * Takes these receipts out of the inbox and applies those it took, in the caller's transaction.
 * One a sweep has taken already (and applied) is skipped.
 */
export async function applyKeptReceiptsIn(tx: Db, kept: readonly KeptReceipt[]): Promise<number> {
  if (kept.length === 0) return 0;
  const ids = await takeInboxRows(tx, "receipt_inbox", kept.map((k) => k.inboxId));
  const mine = kept.filter((k) => ids.has(k.inboxId)).map((k) => k.receipt);
  await applyReceiptsIn(tx, mine);
  return mine.length;
}

/**
 * Applies receipts a process kept and did not live to apply (older than LEFT_BEHIND_AFTER_SECONDS),
 * oldest first (takeLeftBehindRows: never two sweepers the same receipt).
 */
export async function applyOrphanedReceipts(db: Db, limit = 5_000): Promise<number> {
  return inTransaction(db, async (tx) => {
    const rows = await takeLeftBehindRows<{ receipt: StoredReceipt }>(tx, "receipt_inbox", limit, sql`t.receipt`);
    await applyReceiptsIn(
      tx,
      rows.map((r) => restored(typeof r.receipt === "string" ? (JSON.parse(r.receipt) as StoredReceipt) : r.receipt)),
    );
    return rows.length;
  });
}
