import { sql, type SQL } from "drizzle-orm";
import { arrayParam, unnestRows } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { SEND_SETTING_DEFAULTS } from "@/lib/channels/channel-schema";
import { FINAL_MESSAGE_STATES, IN_FLIGHT_STATES, MESSAGE_STATES, type MessageState } from "./message-states";

/**
 * The message state machine, and the one place where message states change. Every change goes
 * through a single SQL statement per batch that, together:
 *   - moves each message only from the state the caller saw (`from`), and, for a message being
 *     submitted, only while the caller's dispatcher still owns the claim: a change that lost a
 *     race (the message was cancelled, or its claim was taken back) changes nothing;
 *   - adds the same moves to the send's counters (`sends.*_count`) and marks the send done when
 *     nothing of it is left in flight, so progress is read from one row, never by counting;
 *   - records one `message_events` row per message moved, with the raw code.
 * The dashboard's counters (message_stats per channel per minute and hour, send_stats per send)
 * follow the same statement through the statement triggers on messages (drizzle/0007_dashboard.sql),
 * which also count the preparer's inserts.
 * Callers build the batch; they never write `messages.status` themselves.
 */
export { FINAL_MESSAGE_STATES, isFinalState, MESSAGE_STATES, type MessageState } from "./message-states";

/** Reason codes the console itself sets on a message (the provider's raw codes are kept as sent). */
export const REASON_NO_NUMBER = "no_number_for_channel";
export const REASON_SUBMIT_OUTCOME_UNKNOWN = "submit_outcome_unknown";
export const REASON_NO_FINAL_REPORT = "no_final_report";
export const REASON_CANCELLED = "cancelled";

export interface MessageEventInput {
  kind: string;
  code?: string | null;
  category?: string | null;
  /** 1-based segment the event is about. */
  part?: number | null;
  raw?: Record<string, unknown>;
}

export interface MessageTransition {
  id: bigint | string;
  from: MessageState;
  to: MessageState;
  /** Set both error fields (null clears them); left undefined, they keep their value. */
  error?: { code: string | null; category: string | null };
  providerMessageId?: string;
  segments?: number;
  /** Adds to the attempt count (a claim is an attempt). */
  attempts?: number;
  /** At least one attempt's outcome is unknown: set, never cleared. */
  uncertain?: boolean;
  /** For a message going back to `queued`: not claimed again before this. */
  nextAttemptAt?: Date | null;
  /** For a message becoming `submitted`: its report deadline in seconds from now (default: the channel's setting, read in the same statement). */
  reportDeadlineSeconds?: number;
  event?: MessageEventInput | null;
}

export interface TransitionOptions {
  /** The dispatcher making the change: claims are written as its own, and a change from
   * `submitting` applies only to messages it still holds. */
  owner?: string;
}

/** A message the batch moved. */
export interface AppliedTransition {
  id: string;
  sendId: string;
  from: MessageState;
  to: MessageState;
}

const FINAL_LIST = sql.raw(FINAL_MESSAGE_STATES.map((s) => `'${s}'`).join(", "));

/**
 * The shared tail of every state change: `upd` is a CTE of the messages moved, with columns
 * (id, send_id, from_s, to_s, was_uncertain, now_uncertain). It adds the moves to the send's
 * counters in the same statement.
 */
function countersCte(): SQL {
  const deltas = MESSAGE_STATES.map(
    (s) => sql.raw(`sum((to_s = '${s}')::int) - sum((from_s = '${s}')::int) as d_${s}`),
  );
  const sets = MESSAGE_STATES.map((s) => sql.raw(`${s}_count = s.${s}_count + d.d_${s}`));
  const inFlightAfter = sql.raw(IN_FLIGHT_STATES.map((s) => `s.${s}_count + d.d_${s}`).join(" + "));
  return sql`counted as (
    update sends s set
      ${sql.join(sets, sql`, `)},
      uncertain_count = s.uncertain_count + d.d_uncertain,
      status = case when s.status in ('sending', 'paused') and ${inFlightAfter} = 0 then 'done' else s.status end,
      finished_at = case when s.status in ('sending', 'paused') and ${inFlightAfter} = 0 then now() else s.finished_at end,
      updated_at = now()
    from (
      select send_id, ${sql.join(deltas, sql`, `)},
             sum((now_uncertain and not was_uncertain)::int) as d_uncertain
        from upd group by send_id
    ) d
    where s.id = d.send_id
    returning 1
  )`;
}

/**
 * Applies a batch of transitions in one statement; answers the messages actually moved. At most
 * one transition per message per batch.
 */
export async function applyTransitions(db: Db, transitions: readonly MessageTransition[], options: TransitionOptions = {}): Promise<AppliedTransition[]> {
  if (transitions.length === 0) return [];
  const seen = new Set<string>();
  for (const t of transitions) {
    const id = t.id.toString();
    if (seen.has(id)) throw new Error(`message ${id} appears twice in one batch of state changes`);
    seen.add(id);
  }
  const values = unnestRows(transitions, "v", [
    ["id", "bigint", (t) => t.id.toString()],
    ["from_s", "text", (t) => t.from],
    ["to_s", "text", (t) => t.to],
    ["set_error", "boolean", (t) => t.error !== undefined],
    ["error_code", "text", (t) => t.error?.code],
    ["error_category", "text", (t) => t.error?.category],
    ["pmid", "text", (t) => t.providerMessageId],
    ["segments", "integer", (t) => t.segments],
    ["attempts", "integer", (t) => t.attempts ?? 0],
    ["uncertain", "boolean", (t) => t.uncertain ?? false],
    ["next_at", "timestamptz", (t) => t.nextAttemptAt?.toISOString()],
    ["deadline_s", "integer", (t) => t.reportDeadlineSeconds],
    ["kind", "text", (t) => t.event?.kind],
    ["code", "text", (t) => t.event?.code],
    ["category", "text", (t) => t.event?.category],
    ["part", "integer", (t) => t.event?.part],
    ["raw", "jsonb", (t) => JSON.stringify(t.event?.raw ?? {})],
  ]);
  const owner = options.owner ?? null;
  const applied = await executeRows<{ id: string; send_id: string; from_s: MessageState; to_s: MessageState }>(
    db,
    sql`with v as (select * from ${values}),
    cur as (
      -- By id through the primary key: the planner cannot see how few rows v holds, and would
      -- otherwise scan every message to join them.
      select m.id, m.uncertain, m.channel_id from messages m join v on v.id = m.id
       where m.id = any(${arrayParam(transitions.map((t) => t.id.toString()), "bigint")})
         and m.status = v.from_s
         and (v.from_s <> 'submitting' or m.claimed_by is not distinct from ${owner}::text)
       for update of m
    ),
    upd as (
      update messages m set
        status = v.to_s,
        error_code = case when v.set_error then v.error_code else m.error_code end,
        error_category = case when v.set_error then v.error_category else m.error_category end,
        provider_message_id = coalesce(v.pmid, m.provider_message_id),
        segments = coalesce(v.segments, m.segments),
        attempts = m.attempts + v.attempts,
        uncertain = m.uncertain or v.uncertain,
        claimed_by = case when v.to_s = 'submitting' then ${owner}::text else null end,
        next_attempt_at = case when v.to_s = 'queued' then v.next_at else null end,
        report_deadline_at = case when v.to_s = 'submitted'
          then coalesce(m.report_deadline_at, now() + coalesce(v.deadline_s, ch.deadline_s, ${SEND_SETTING_DEFAULTS.reportDeadlineSeconds}::integer) * interval '1 second') else null end,
        submitted_at = case when v.to_s = 'submitted' then coalesce(m.submitted_at, now()) else m.submitted_at end,
        done_at = case when v.to_s in (${FINAL_LIST}) then now() else null end,
        updated_at = now()
      from v join cur on cur.id = v.id
        left join lateral (
          select (c.config->>'reportDeadlineSeconds')::integer as deadline_s from channels c where c.id = cur.channel_id
        ) ch on true
      where m.id = v.id
      returning m.id, m.send_id, v.from_s, v.to_s, cur.uncertain as was_uncertain, m.uncertain as now_uncertain
    ),
    ${countersCte()},
    evented as (
      insert into message_events (message_id, kind, part, code, category, raw)
      select upd.id, v.kind, v.part, v.code, v.category, v.raw from upd join v on v.id = upd.id where v.kind is not null
      returning 1
    )
    select id::text as id, send_id::text as send_id, from_s, to_s from upd`,
  );
  return applied.map((r) => ({ id: r.id, sendId: r.send_id, from: r.from_s, to: r.to_s }));
}

export interface BulkTransition {
  /** Which messages (besides the state): e.g. sql`send_id = ${id}`. */
  where: SQL;
  from: MessageState;
  to: MessageState;
  error?: { code: string | null; category: string | null };
  event: MessageEventInput;
  /** At most this many messages per statement, so one statement never locks millions of rows. */
  limit: number;
}

/**
 * The same rule for a change picked by a condition instead of by id (cancel a send's queued
 * messages, expire overdue reports): one bounded batch per call; answers how many moved. Call it
 * until it answers less than `limit`.
 */
export async function applyBulkTransition(db: Db, change: BulkTransition): Promise<number> {
  const setError = change.error !== undefined;
  const rows = await executeRows<{ moved: number }>(
    db,
    sql`with cur as (
      select m.id, m.uncertain from messages m
       where m.status = ${change.from} and ${change.where}
       order by m.id limit ${change.limit}
       for update of m skip locked
    ),
    upd as (
      update messages m set
        status = ${change.to},
        error_code = case when ${setError}::boolean then ${change.error?.code ?? null}::text else m.error_code end,
        error_category = case when ${setError}::boolean then ${change.error?.category ?? null}::text else m.error_category end,
        claimed_by = null,
        next_attempt_at = null,
        report_deadline_at = null,
        done_at = case when ${change.to}::text in (${FINAL_LIST}) then now() else null end,
        updated_at = now()
      from cur where m.id = cur.id
      returning m.id, m.send_id, ${change.from}::text as from_s, ${change.to}::text as to_s, cur.uncertain as was_uncertain, m.uncertain as now_uncertain
    ),
    ${countersCte()},
    evented as (
      insert into message_events (message_id, kind, part, code, category, raw)
      select upd.id, ${change.event.kind}, ${change.event.part ?? null}::integer, ${change.event.code ?? null}::text,
             ${change.event.category ?? null}::text, ${JSON.stringify(change.event.raw ?? {})}::jsonb
        from upd
      returning 1
    )
    select count(*)::int as moved from upd`,
  );
  return rows[0]?.moved ?? 0;
}

/** Events that change no state (a report after a final one, a duplicate), kept for the timeline. */
export async function recordMessageEvents(db: Db, events: ReadonlyArray<MessageEventInput & { messageId: bigint | string }>): Promise<void> {
  if (events.length === 0) return;
  await db.execute(sql`insert into message_events (message_id, kind, part, code, category, raw)
    select message_id, kind, part, code, category, raw from ${unnestRows(events, "v", [
      ["message_id", "bigint", (e) => e.messageId.toString()],
      ["kind", "text", (e) => e.kind],
      ["part", "integer", (e) => e.part],
      ["code", "text", (e) => e.code],
      ["category", "text", (e) => e.category],
      ["raw", "jsonb", (e) => JSON.stringify(e.raw ?? {})],
    ])}`);
}
