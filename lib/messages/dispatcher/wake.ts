import { sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { processListeners } from "@/lib/util/process-listeners";

/**
 * "There is work": new queued messages (a send prepared or resumed) wake idle dispatchers at
 * once instead of at their next poll. In this process through a listener list; in the other
 * processes on PostgreSQL through NOTIFY on QUEUED_CHANNEL (the dispatcher LISTENs to it). On the
 * embedded database there is one process, so the listener list is all there is. Polling stays
 * as the fallback in every mode: a lost notification only delays work, never loses it.
 */
export const QUEUED_CHANNEL = "sms_console_queued";

const dispatchers = processListeners<string>("sms-console.queued-listeners");

export function onQueued(listener: (channelId: string) => void): () => void {
  return dispatchers.on(listener);
}

export function wakeLocalDispatchers(channelId: string): void {
  dispatchers.emit(channelId);
}

/**
 * Call after the transaction that queued messages has committed. On PostgreSQL the NOTIFY also
 * reaches this process's own listener, which is harmless (a wake is idempotent).
 */
export async function announceQueued(db: Db, kind: "pglite" | "postgres", channelId: string): Promise<void> {
  wakeLocalDispatchers(channelId);
  if (kind === "postgres") await db.execute(sql`select pg_notify(${QUEUED_CHANNEL}, ${channelId})`);
}
