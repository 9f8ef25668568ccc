import crypto from "node:crypto";
import os from "node:os";
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { logger } from "@/lib/util/logger";
import { executeRows, type Db } from "./client";

/**
 * Leases on queue rows, for every worker that claims rows other processes may claim too.
 *
 * The rule: a worker writes a leased row only while it holds the lease, and every such write
 * says so in its own WHERE clause (`whileLeased`: `id = … and lease_owner = <me>` and the state
 * the lease covers, such as `status = 'running'`). A write that matches no row means the lease is
 * lost: another worker claimed the row after it looked expired. The loser then stops at once and
 * writes nothing more of it, not even a final status, and leaves its files alone: the row now
 * belongs to the new owner. A lease's end time is only what claimers look at; the owner check is
 * what keeps two workers from both writing.
 *
 * The lease is renewed on a timer (`keepLeaseAlive`), never only between units of work: one slow
 * unit would otherwise let the lease run out while its worker is alive. All times come from the
 * database clock, the one clock every process shares.
 */
export interface LeasedTable {
  table: PgTable;
  id: PgColumn;
  owner: PgColumn;
  until: PgColumn;
  /** The state a lease is held in (e.g. status = 'running'): a write outside it is refused too. */
  held?: SQL;
}

/** A worker's identity in `lease_owner`: random per runner, with host and pid to read in logs. */
export function newLeaseOwner(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomUUID()}`;
}

/** The end of a lease taken or renewed now, for `lease_until`. */
export function leaseFor(ms: number): SQL {
  return sql`now() + ${Math.round(ms)}::integer * interval '1 millisecond'`;
}

/** A lease whose end has passed: its row may be claimed by another worker. */
export function leaseLapsed(leased: LeasedTable): SQL {
  return sql`${leased.until} < now()`;
}

/** The WHERE clause of every write of a leased row. */
export function whileLeased(leased: LeasedTable, id: string, owner: string): SQL {
  return and(eq(leased.id, id), eq(leased.owner, owner), leased.held)!;
}

/** Extends the lease; false when it is no longer this owner's. */
export async function renewLease(db: Db, leased: LeasedTable, id: string, owner: string, ms: number): Promise<boolean> {
  const rows = await executeRows<{ held: number }>(
    db,
    sql`update ${leased.table} set ${sql.identifier(leased.until.name)} = ${leaseFor(ms)} where ${whileLeased(leased, id, owner)} returning 1 as held`,
  );
  return rows.length > 0;
}

export interface LeaseKeeper {
  /** Stops renewing; resolves once no renewal is in flight (call it before the final write). */
  stop(): Promise<void>;
}

/**
 * Renews a lease every third of its length until stopped. `onLost` is called once when a renewal
 * finds the lease taken; a renewal that fails (database unreachable) is retried at the next tick,
 * and if the lease runs out meanwhile the worker's next owner-checked write finds it lost.
 */
export function keepLeaseAlive(
  db: Db,
  leased: LeasedTable,
  lease: { id: string; owner: string; ms: number; onLost: () => void },
): LeaseKeeper {
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  const renew = async () => {
    try {
      if (!(await renewLease(db, leased, lease.id, lease.owner, lease.ms))) {
        stop();
        lease.onLost();
      }
    } catch (error) {
      logger.warn("lease renewal failed; retrying", { id: lease.id, owner: lease.owner, error });
    }
  };
  const timer = setInterval(() => {
    if (stopped || inFlight) return;
    inFlight = renew().finally(() => (inFlight = null));
  }, Math.max(1, Math.floor(lease.ms / 3)));
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return {
    async stop() {
      stop();
      await inFlight;
    },
  };
}
