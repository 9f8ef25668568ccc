import { sql, type SQL } from "drizzle-orm";

/**
 * A point in time as a parameter of a hand-written SQL expression. A bare Date is refused by
 * postgres.js and mis-typed by PGlite there; ISO text with an explicit type reads alike on both.
 */
export function sqlTimestamp(date: Date): SQL {
  return sql`${date.toISOString()}::timestamptz`;
}
