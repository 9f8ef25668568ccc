import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { MESSAGE_STATES, type MessageState } from "@/lib/messages/message-states";
import type { CmppSimulator } from "@/lib/sender/cmpp";

/**
 * What an auditor checks after a fault, read from the database itself (count(*) over messages,
 * never the counters under test) and from what the gateway received.
 */
export type StateCounts = Record<MessageState, number>;

export async function messageStateCounts(db: Db, sendId: string): Promise<StateCounts & { total: number; uncertain: number }> {
  const rows = await executeRows<{ status: MessageState; n: number; uncertain: number }>(
    db,
    sql`select status, count(*)::int as n, count(*) filter (where uncertain)::int as uncertain from messages where send_id = ${sendId}::uuid group by status`,
  );
  const counts = Object.fromEntries(MESSAGE_STATES.map((s) => [s, 0])) as StateCounts;
  let total = 0;
  let uncertain = 0;
  for (const row of rows) {
    counts[row.status] = row.n;
    total += row.n;
    uncertain += row.uncertain;
  }
  return { ...counts, total, uncertain };
}

/**
 * The numbers whose SUBMIT_RESP the console had recorded: a provider id stored with the message,
 * or its outcome kept and not yet applied (outcome_inbox), which whoever takes the claim back
 * applies before anything is sent again.
 */
export async function numbersWithRecordedSubmit(db: Db, sendId: string): Promise<Set<string>> {
  const rows = await executeRows<{ phone: string }>(
    db,
    sql`select phone from messages where send_id = ${sendId}::uuid and provider_message_id is not null
        union
        select m.phone from outcome_inbox o join messages m on m.id = (o.outcome->'transition'->>'id')::bigint
         where m.send_id = ${sendId}::uuid and o.outcome->'transition'->>'to' = 'submitted'`,
  );
  return new Set(rows.map((r) => r.phone));
}

/** The numbers of messages claimed and not yet answered when read (`submitting`): what a crash leaves in flight. */
export async function numbersInFlight(db: Db, sendId: string): Promise<Set<string>> {
  const rows = await executeRows<{ phone: string }>(db, sql`select phone from messages where send_id = ${sendId}::uuid and status = 'submitting'`);
  return new Set(rows.map((r) => r.phone));
}

/** Claimed messages that a dispatcher's handoff log names: those it may have handed to the gateway. */
export async function numbersHandedOff(db: Db, sendId: string): Promise<Set<string>> {
  const rows = await executeRows<{ phone: string }>(
    db,
    sql`select m.phone from messages m
         where m.send_id = ${sendId}::uuid and m.status = 'submitting'
           and m.id in (select unnest(message_ids) from dispatcher_handoffs)`,
  );
  return new Set(rows.map((r) => r.phone));
}

export interface MessageByNumber {
  status: MessageState;
  uncertain: boolean;
  attempts: number;
  errorCode: string | null;
}

export async function messageByNumber(db: Db, sendId: string): Promise<Map<string, MessageByNumber>> {
  const rows = await executeRows<{ phone: string; status: MessageState; uncertain: boolean; attempts: number; error_code: string | null }>(
    db,
    sql`select phone, status, uncertain, attempts, error_code from messages where send_id = ${sendId}::uuid`,
  );
  return new Map(rows.map((r) => [r.phone, { status: r.status, uncertain: r.uncertain, attempts: r.attempts, errorCode: r.error_code }]));
}

/** Numbers the gateway accepted more than one SUBMIT for (one-part texts: one copy a number). */
export function numbersReceivedTwice(simulator: CmppSimulator): string[] {
  return simulator.duplicateSubmits().map((copy) => copy.dest);
}

/** Distinct numbers the gateway accepted at least one SUBMIT for. */
export function numbersReceived(simulator: CmppSimulator): number {
  return new Set(simulator.submitCopies().map((copy) => copy.dest)).size;
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, options: { timeoutMs: number; everyMs?: number; progress?: () => Promise<string> }): Promise<T> {
  const until = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${options.progress ? `; ${await options.progress()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 250));
  }
}
