import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { unnestRows } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { logger } from "@/lib/util/logger";
import { takeInboxRows, takeLeftBehindRows } from "../inbox-rows";
import { applySubmitOutcomesIn, type SubmitOutcome } from "./submit-outcomes";
import { inTransaction } from "@/lib/db/transaction";

/**
 * CMPP submit outcomes kept in `outcome_inbox` before the lane frees their window place: a message
 * whose outcome is kept is never sent again after a crash, so what a killed process leaves
 * unrecorded is at most its windows (connections × W), not the outcome writer's batch. Applying an
 * outcome locks the message and the counter rows every process on the channel shares; the window
 * waits only for this insert, which shares nothing. (The same split as receipt-inbox.ts.)
 *
 * Whoever deletes a kept row applies it, in the same transaction: the writer that kept it; the
 * dispatcher that takes a dead one's claims back, before it requeues them (worker-lease.ts); or,
 * for rows left behind otherwise, any dispatcher's sweep. Each applies it under the owner it was
 * kept for, so an outcome whose claim was taken back meanwhile changes nothing.
 */
export interface KeptOutcome {
  inboxId: string;
  outcome: SubmitOutcome;
}

type StoredOutcome = Omit<SubmitOutcome, "transition"> & {
  transition: (Omit<NonNullable<SubmitOutcome["transition"]>, "id" | "nextAttemptAt"> & { id: string; nextAttemptAt?: string | null }) | null;
};

function stored(outcome: SubmitOutcome): StoredOutcome {
  const t = outcome.transition;
  return {
    ...outcome,
    transition: t ? { ...t, id: t.id.toString(), nextAttemptAt: t.nextAttemptAt === undefined ? undefined : (t.nextAttemptAt?.toISOString() ?? null) } : null,
  };
}

function restored(row: StoredOutcome | string): SubmitOutcome {
  const s = typeof row === "string" ? (JSON.parse(row) as StoredOutcome) : row;
  const t = s.transition;
  return {
    ...s,
    transition: t ? { ...t, nextAttemptAt: t.nextAttemptAt === undefined ? undefined : t.nextAttemptAt === null ? null : new Date(t.nextAttemptAt) } : null,
  };
}

/** Keeps outcomes of `owner`'s claims in one statement; resolves once they are committed. */
export async function keepOutcomes(db: Db, channelId: string, owner: string, outcomes: readonly SubmitOutcome[]): Promise<KeptOutcome[]> {
  const kept = outcomes.map((outcome) => ({ inboxId: crypto.randomUUID(), outcome }));
  if (kept.length === 0) return kept;
  await db.execute(sql`insert into outcome_inbox (id, channel_id, owner, outcome)
    select id, ${channelId}::uuid, ${owner}, outcome from ${unnestRows(kept, "v", [
      ["id", "uuid", (k) => k.inboxId],
      ["outcome", "jsonb", (k) => JSON.stringify(stored(k.outcome))],
    ])}`);
  return kept;
}

/**
 * Takes these outcomes out of the inbox and applies those it took (with `direct`, outcomes never
 * kept), in the caller's transaction. One another has taken already (and applied) is skipped.
 */
export async function applyKeptOutcomesIn(tx: Db, channelId: string, owner: string, kept: readonly KeptOutcome[], direct: readonly SubmitOutcome[] = []): Promise<{ lost: number }> {
  let mine: SubmitOutcome[] = [];
  if (kept.length > 0) {
    const ids = await takeInboxRows(tx, "outcome_inbox", kept.map((k) => k.inboxId));
    mine = kept.filter((k) => ids.has(k.inboxId)).map((k) => k.outcome);
  }
  return applySubmitOutcomesIn(tx, channelId, owner, [...mine, ...direct]);
}

interface InboxRow {
  channel_id: string;
  owner: string;
  outcome: StoredOutcome | string;
}

/** Applies taken rows, channel by channel and owner by owner (each batch checks its own claims). */
async function applyTakenRows(tx: Db, rows: readonly InboxRow[]): Promise<number> {
  const groups = new Map<string, { channelId: string; owner: string; outcomes: SubmitOutcome[] }>();
  for (const row of rows) {
    const key = `${row.channel_id} ${row.owner}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { channelId: row.channel_id, owner: row.owner, outcomes: [] }));
    group.outcomes.push(restored(row.outcome));
  }
  let lost = 0;
  for (const group of groups.values()) lost += (await applySubmitOutcomesIn(tx, group.channelId, group.owner, group.outcomes)).lost;
  if (lost > 0) logger.warn("kept submit outcomes not applied: their claims had been taken back", { lost });
  return rows.length;
}

/**
 * Applies every outcome `owner` kept and did not apply, in the caller's transaction: the reclaim of
 * a lapsed dispatcher runs it before it requeues that dispatcher's claims, so nothing whose
 * SUBMIT_RESP was kept is sent again. Waits for a row another transaction holds (its live writer
 * applying it), then skips it as gone.
 */
export async function applyOutcomesKeptBy(tx: Db, owner: string): Promise<number> {
  const rows = await executeRows<InboxRow>(
    tx,
    sql`delete from outcome_inbox where owner = ${owner} returning channel_id::text as channel_id, owner, outcome`,
  );
  return applyTakenRows(tx, rows);
}

/**
 * Applies outcomes left behind (older than LEFT_BEHIND_AFTER_SECONDS in inbox-rows.ts: kept by a process after its
 * claims were taken back, or by one whose writer has stalled), oldest first (takeLeftBehindRows:
 * never two sweepers the same outcome).
 */
export async function applyLeftBehindOutcomes(db: Db, limit = 5_000): Promise<number> {
  return inTransaction(db, async (tx) => {
    const rows = await takeLeftBehindRows<InboxRow>(tx, "outcome_inbox", limit, sql`t.channel_id::text as channel_id, t.owner, t.outcome`);
    return applyTakenRows(tx, rows);
  });
}
