/**
 * Which grains message_stats keeps. Minute and hour rows always; day rows (the local days of
 * COUNTER_DAY_ZONE) once the triggers keep them too (day-rows.sql beside this file), which makes a
 * month-long read sum about 30 rows per channel, state and code instead of 720. Reads find out by
 * looking for a day row: the triggers write them for every message once they exist, and the same
 * change fills them in for the messages already counted, so one day row means all are there. Until
 * then every read uses hour rows, which are always complete.
 */
import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";

/** The zone of the day rows' buckets (fixed in the trigger: SQL cannot read a setting per row). */
export const COUNTER_DAY_ZONE = "Asia/Shanghai";

/** How long "no day rows" is believed before looking again. */
const RECHECK_MS = 60_000;

const seen = new WeakMap<Db, { dayRows: boolean; at: number }>();

/** COUNTER_DAY_ZONE when the database keeps day rows, else undefined. */
export async function counterDayZone(db: Db, now: number = Date.now()): Promise<string | undefined> {
  const known = seen.get(db);
  if (known && (known.dayRows || now - known.at < RECHECK_MS)) return known.dayRows ? COUNTER_DAY_ZONE : undefined;
  const [row] = await executeRows<{ present: boolean }>(db, sql`select exists (select 1 from message_stats where grain = 'day') as present`);
  const dayRows = row?.present === true;
  seen.set(db, { dayRows, at: now });
  return dayRows ? COUNTER_DAY_ZONE : undefined;
}
