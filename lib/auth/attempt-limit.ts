import { eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { authThrottle } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import { DomainError } from "@/lib/util/errors";
import { sqlTimestamp as at } from "./sql-timestamp";

/**
 * Failed attempts per client address, for sign-in and for the first-run setup page. The account
 * lock (operators.ts) stops guessing one account's password; this stops one address from guessing
 * many accounts' passwords, or burning bcrypt time on the setup page. Failures are counted by one
 * upsert statement, so parallel attempts cannot read the same count and all slip under the limit.
 */
export const ADDRESS_WINDOW_MS = 15 * 60_000;
/** Failures from one address within a window; reaching this blocks the address. */
export const ADDRESS_MAX_FAILURES = 10;
export const ADDRESS_BLOCK_MS = 15 * 60_000;

export type AttemptScope = "sign_in" | "setup";

export class AddressBlockedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super("address_blocked", 429, `Too many attempts from this address. Try again in ${retryAfterSeconds} s.`);
  }
}

function keyOf(scope: AttemptScope, address: string): string {
  return `${scope}:${address}`;
}

function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

/** Throws AddressBlockedError while the address is blocked; called before any password is checked. */
export async function assertAddressAllowed(db: Db, scope: AttemptScope, address: string, now: Date): Promise<void> {
  const [row] = await db
    .select({ blockedUntil: authThrottle.blockedUntil })
    .from(authThrottle)
    .where(eq(authThrottle.key, keyOf(scope, address)));
  if (row?.blockedUntil && row.blockedUntil > now) throw new AddressBlockedError(secondsUntil(row.blockedUntil, now));
}

export interface AddressFailure {
  /** Failures in the current window, this one included. */
  failures: number;
  /** Set while the address is blocked. */
  blockedUntil: Date | null;
}

/**
 * Counts one failed attempt. A window that has run out starts over at 1; the attempt that brings
 * the count to the limit blocks the address (recorded in the audit log once, by that attempt).
 */
export async function recordAddressFailure(db: Db, scope: AttemptScope, address: string, now: Date): Promise<AddressFailure> {
  const windowExpired = sql`${authThrottle.windowStartedAt} <= ${at(new Date(now.getTime() - ADDRESS_WINDOW_MS))}`;
  const failures = sql`case when ${windowExpired} then 1 else ${authThrottle.failures} + 1 end`;
  const [row] = await db
    .insert(authThrottle)
    .values({ key: keyOf(scope, address), failures: 1, windowStartedAt: now, blockedUntil: null })
    .onConflictDoUpdate({
      target: authThrottle.key,
      set: {
        failures,
        windowStartedAt: sql`case when ${windowExpired} then ${at(now)} else ${authThrottle.windowStartedAt} end`,
        // A block in force is kept as it is: refused attempts never reach this statement anyway.
        blockedUntil: sql`case
          when ${authThrottle.blockedUntil} > ${at(now)} then ${authThrottle.blockedUntil}
          when ${failures} >= ${ADDRESS_MAX_FAILURES} then ${at(new Date(now.getTime() + ADDRESS_BLOCK_MS))}
          else null end`,
      },
    })
    .returning({ failures: authThrottle.failures, blockedUntil: authThrottle.blockedUntil });
  const result = { failures: row!.failures, blockedUntil: row!.blockedUntil && row!.blockedUntil > now ? row!.blockedUntil : null };
  if (result.failures === ADDRESS_MAX_FAILURES && result.blockedUntil) {
    await recordAudit(db, { kind: "system", role: "admin", label: scope === "sign_in" ? "sign-in" : "setup", address }, "auth.address_blocked", address, {
      scope,
      failures: result.failures,
      blockedUntil: result.blockedUntil.toISOString(),
    });
  }
  return result;
}

/** The error to answer a failed attempt with when that attempt has just blocked its address. */
export function blockedErrorFor(failure: AddressFailure, now: Date): AddressBlockedError | null {
  return failure.blockedUntil ? new AddressBlockedError(secondsUntil(failure.blockedUntil, now)) : null;
}
