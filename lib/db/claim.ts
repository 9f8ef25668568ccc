import { isTransactionConflict } from "@/lib/util/errors";
import type { Db } from "./client";
import { inTransaction } from "./transaction";

/**
 * Work stored in a table is taken by claiming it, never by reading it: several processes share
 * one PostgreSQL, and two that read the same pending rows would both do the work. The rule:
 *
 *   1. select the rows with `.for("update", { skipLocked: true })` inside a transaction, so a
 *      second claimer skips them instead of waiting for them or doing them again;
 *   2. write what the work decided (its result, or a lease for work done outside the database)
 *      in that same transaction: the claim and its result commit together, and a crash rolls
 *      both back, so the rows are free for the next claimer and nothing is lost.
 *
 * One bad row must not hold back the rows claimed with it: they are processed together and,
 * should that fail, claimed again and processed one by one, each in a savepoint of its own. A row that
 * still fails is handed to `recordFailure`, inside the same transaction, to write down why (and
 * to set it aside after enough tries, so it stops coming back).
 */
export interface ClaimedRowsWork<Row, Result> {
  /** Selects the rows to work on, FOR UPDATE SKIP LOCKED. */
  claim(tx: Db): Promise<Row[]>;
  /** Does the work for these rows and records it; answers one result per row, in order. */
  process(tx: Db, rows: Row[]): Promise<Result[]>;
  /** Records a row's failure; its own savepoint is rolled back, the transaction goes on. */
  recordFailure(tx: Db, row: Row, error: unknown): Promise<void>;
}

export type ClaimedRowOutcome<Row, Result> = { row: Row; ok: true; result: Result } | { row: Row; ok: false; error: unknown };

/**
 * Claims, processes and records in one transaction (run again if PostgreSQL aborts it for a
 * deadlock: lib/db/transaction.ts); answers one outcome per claimed row. The
 * usual batch has no bad row, so it is tried first with no savepoint (each costs two more round
 * trips, and on the embedded database two more statements on the web process's thread); only if
 * it fails is the batch claimed again and done row by row, each row in a savepoint of its own.
 */
export async function processClaimedRows<Row, Result>(db: Db, work: ClaimedRowsWork<Row, Result>): Promise<ClaimedRowOutcome<Row, Result>[]> {
  let claimedAlone = false;
  try {
    return await inTransaction(db, async (tx) => {
      const rows = await work.claim(tx);
      // Set on every run: one aborted for a deadlock may have claimed one row, the next more.
      claimedAlone = rows.length <= 1;
      if (claimedAlone) return processOneByOne(tx, rows, work);
      const results = await work.process(tx, rows);
      return rows.map((row, i) => ({ row, ok: true as const, result: results[i]! }));
    });
  } catch (error) {
    // A single row's failure is recorded inside its savepoint; an error here is the database's.
    if (claimedAlone) throw error;
  }
  // Which row broke the batch is unknown, and its transaction is rolled back: claim the rows
  // again (another claimer may have taken some meanwhile) and try each alone.
  return inTransaction(db, async (tx) => processOneByOne(tx, await work.claim(tx), work));
}

async function processOneByOne<Row, Result>(tx: Db, rows: Row[], work: ClaimedRowsWork<Row, Result>): Promise<ClaimedRowOutcome<Row, Result>[]> {
  const outcomes: ClaimedRowOutcome<Row, Result>[] = [];
  for (const row of rows) {
    try {
      const [result] = await tx.transaction((savepoint) => work.process(savepoint, [row]));
      outcomes.push({ row, ok: true, result: result! });
    } catch (error) {
      // A deadlock is no fault of the row's: the whole transaction is run again (inTransaction).
      if (isTransactionConflict(error)) throw error;
      await work.recordFailure(tx, row, error);
      outcomes.push({ row, ok: false, error });
    }
  }
  return outcomes;
}
