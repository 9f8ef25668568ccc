import { sql } from "drizzle-orm";
import { unnestRows } from "@/lib/db/array-literal";
import type { Db } from "@/lib/db/client";
import { applyTransitions, recordMessageEvents, type MessageTransition } from "../message-state";
import { matchUnmatchedReceiptsIn } from "../receipts";

/**
 * What a channel's transport learnt of its submits, and how it is written: the messages' moves,
 * the parts the provider accepted with its ids, and the reports that came before their submit's
 * outcome was written (unmatched_receipts), applied now their ids are known. One transaction of a
 * fixed handful of statements whatever the batch's size.
 */
export interface RecordedSegment {
  messageId: string;
  part: number;
  phone: string;
  providerMessageId: string;
}

export interface SubmitOutcome {
  /** null for a SUBMIT_RESP that came after its message's outcome was decided (a late segment). */
  transition: MessageTransition | null;
  /** The parts the provider accepted, with its ids (a submitted message). */
  segments?: RecordedSegment[];
}

/**
 * Applies outcomes of `owner`'s claims on one channel in the caller's transaction. Returns how many
 * moves were not applied because the claim is no longer the owner's (another dispatcher took it
 * back; its outcome is that one's now).
 */
export async function applySubmitOutcomesIn(tx: Db, channelId: string, owner: string, batch: readonly SubmitOutcome[]): Promise<{ lost: number }> {
  const changes = batch.flatMap((o) => (o.transition ? [o.transition] : []));
  const applied = await applyTransitions(tx, changes, { owner });
  const moved = new Set(applied.map((a) => a.id));
  const segments = batch.flatMap((o) => (o.transition && moved.has(o.transition.id.toString()) ? (o.segments ?? []) : []));
  const late = batch.flatMap((o) => (o.transition ? [] : (o.segments ?? [])));
  if (segments.length > 0) await insertSegments(tx, channelId, segments, "replace");
  if (late.length > 0) {
    await insertSegments(tx, channelId, late, "keep");
    await recordMessageEvents(tx, late.map((l) => ({ messageId: l.messageId, kind: "late_submit_resp", part: l.part, code: "0", raw: { msgId: l.providerMessageId } })));
  }
  const ids = [...segments, ...late].map((s) => s.providerMessageId);
  if (ids.length > 0) await matchUnmatchedReceiptsIn(tx, channelId, ids);
  return { lost: changes.length - applied.length };
}

/**
 * A message sent again (after an uncertain attempt) keeps its part numbers with the new ids
 * ("replace"); a late answer never overwrites a part recorded since ("keep").
 */
async function insertSegments(tx: Db, channelId: string, segments: RecordedSegment[], onConflict: "replace" | "keep"): Promise<void> {
  await tx.execute(sql`insert into message_segments (message_id, part, channel_id, phone, provider_message_id)
    select message_id, part, ${channelId}::uuid, phone, provider_message_id
      from ${unnestRows(segments, "v", [
        ["message_id", "bigint", (s) => s.messageId],
        ["part", "integer", (s) => s.part],
        ["phone", "text", (s) => s.phone],
        ["provider_message_id", "text", (s) => s.providerMessageId],
      ])}
    on conflict (message_id, part) ${
      onConflict === "replace"
        ? sql`do update set provider_message_id = excluded.provider_message_id, status = 'submitted', code = null, category = null, done_at = null`
        : sql`do nothing`
    }`);
}
