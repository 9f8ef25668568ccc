import { databaseErrorOf, isTransactionConflict } from "@/lib/util/errors";
import { logger } from "@/lib/util/logger";
import type { Db } from "./client";

/** Tries of a transaction PostgreSQL keeps aborting for conflicts, before its error is the caller's. */
const CONFLICT_TRIES = 5;

/**
 * One transaction, run again when PostgreSQL aborts it to break a deadlock or a serialisation
 * conflict. Transactions that change messages lock their rows and, at the end of each statement,
 * their send's and channel's counter rows; two such transactions over one send (a receipt batch
 * and a submit-outcome batch, a claim and a callback) can wait on each other, and PostgreSQL then
 * aborts one after its deadlock_timeout. That one was rolled back whole, so it is run again after
 * a short random pause. `work` must not change anything outside the database (it may run twice).
 */
export async function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (!isTransactionConflict(error) || attempt >= CONFLICT_TRIES) throw error;
      logger.warn("transaction aborted for a conflict; running it again", { attempt, error: { message: databaseErrorOf(error)?.message ?? String(error) } });
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
