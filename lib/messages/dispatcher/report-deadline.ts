import { sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { applyBulkTransition, REASON_NO_FINAL_REPORT } from "../message-state";

/**
 * A submitted message whose final report has not come by its deadline (the channel's
 * reportDeadlineSeconds after the submit, 72 h by default) becomes `unknown`: the gateway took
 * it, and nobody can say more. In bounded batches; a late report after this is kept as an event
 * and changes nothing.
 */
export async function expireOverdueReports(db: Db, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const moved = await applyBulkTransition(db, {
      where: sql`m.report_deadline_at < now()`,
      from: "submitted",
      to: "unknown",
      error: { code: REASON_NO_FINAL_REPORT, category: "unknown" },
      event: { kind: "deadline", code: REASON_NO_FINAL_REPORT },
      limit: batch,
    });
    total += moved;
    if (moved < batch) return total;
  }
}
