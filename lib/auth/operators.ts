import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { operators } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import { auditChanges } from "@/lib/audit-changes";
import type { Actor } from "./actor";
import { parseOrThrow } from "@/lib/util/zod";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./passwords";
import type { Role } from "./roles";
import { operatorCreateSchema, operatorUpdateSchema, setupSchema } from "./operator-schema";
import { ConflictError, DomainError, ForbiddenError, NotFoundError, isUniqueViolation } from "@/lib/util/errors";
import { AddressBlockedError, assertAddressAllowed, blockedErrorFor, recordAddressFailure } from "./attempt-limit";
import { hasRecentSignInFrom, revokeOperatorSessions } from "./operator-sessions";
import { sqlTimestamp } from "./sql-timestamp";

export interface OperatorView {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  /** Set while the account is locked after repeated failed sign-ins. */
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

type OperatorRow = typeof operators.$inferSelect;

function toView(row: OperatorRow): OperatorView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled,
    lockedUntil: row.lockedUntil?.toISOString() ?? null,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** After this many consecutive failures the account is locked for LOCK_MINUTES. */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

export class LoginLockedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super("login_locked", 429, `Too many failed sign-ins for this account. Try again in ${retryAfterSeconds} s.`);
  }
}

function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

export async function countOperators(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(operators);
  return row?.n ?? 0;
}

export async function listOperators(db: Db): Promise<OperatorView[]> {
  const rows = await db.select().from(operators).orderBy(asc(operators.createdAt));
  return rows.map(toView);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findOperatorById(db: Db, id: string): Promise<OperatorView | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.select().from(operators).where(eq(operators.id, id));
  return row ? toView(row) : null;
}

export async function createOperator(db: Db, actor: Actor, input: unknown): Promise<OperatorView> {
  const parsed = parseOrThrow(operatorCreateSchema, input);
  const passwordHash = await hashPassword(parsed.password);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(operators)
        .values({ email: parsed.email, name: parsed.name, passwordHash, role: parsed.role })
        .returning();
      await recordAudit(tx, actor, "operator.create", parsed.email, { name: parsed.name, role: parsed.role });
      return toView(row!);
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError("operator_exists", `An operator with the email ${parsed.email} already exists.`, [
        { path: "email", message: "errors.email_taken" },
      ]);
    }
    throw error;
  }
}

/**
 * The first admin, from the setup page or ADMIN_EMAIL/ADMIN_PASSWORD. Refused once any operator
 * exists; a transaction-scoped advisory lock makes two simultaneous setups create one admin.
 */
export async function createFirstAdmin(db: Db, input: unknown, via: string, address?: string): Promise<OperatorView> {
  const parsed = parseOrThrow(setupSchema, input);
  // Hashing costs ~0.1 s of CPU: refuse without it once set-up is done (checked again under the lock).
  if ((await countOperators(db)) > 0) throw setupDone();
  const passwordHash = await hashPassword(parsed.password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7243002)`);
    if ((await countOperators(tx)) > 0) throw setupDone();
    const [row] = await tx.insert(operators).values({ email: parsed.email, passwordHash, role: "admin" }).returning();
    await recordAudit(tx, { kind: "system", role: "admin", label: via, address }, "operator.create_first_admin", parsed.email);
    return toView(row!);
  });
}

function setupDone(): ConflictError {
  return new ConflictError("setup_done", "The console already has an operator; sign in instead.");
}

/**
 * The set-up page's attempt: createFirstAdmin behind the per-address limit. Every refused attempt
 * (set-up already done, invalid input) counts, so the page cannot be used to burn bcrypt time or
 * to probe; a blocked address is refused before anything else runs.
 */
export async function attemptFirstAdminSetup(db: Db, input: unknown, address: string, now = new Date()): Promise<OperatorView> {
  await assertAddressAllowed(db, "setup", address, now);
  try {
    return await createFirstAdmin(db, input, "setup page", address);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw blockedErrorFor(await recordAddressFailure(db, "setup", address, now), now) ?? error;
  }
}

export async function updateOperator(db: Db, actor: Actor, id: string, input: unknown): Promise<OperatorView> {
  const patch = parseOrThrow(operatorUpdateSchema, input);
  if (!UUID.test(id)) throw new NotFoundError("operator_not_found", "No such operator.");
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(operators).where(eq(operators.id, id)).for("update");
    if (!current) throw new NotFoundError("operator_not_found", "No such operator.");
    if (actor.kind === "operator" && actor.id === id && (patch.disabled || (patch.role && patch.role !== "admin"))) {
      throw new ForbiddenError("You cannot disable yourself or take away your own admin role.");
    }
    const losesAdmin = current.role === "admin" && !current.disabled && (patch.disabled || (patch.role && patch.role !== "admin"));
    if (losesAdmin) {
      const [admins] = await tx
        .select({ n: count() })
        .from(operators)
        .where(and(eq(operators.role, "admin"), eq(operators.disabled, false)));
      if ((admins?.n ?? 0) <= 1) throw new ConflictError("last_admin", "The console must keep at least one enabled admin.");
    }
    const { unlock, ...fields } = patch;
    const now = new Date();
    const [row] = await tx
      .update(operators)
      .set({ ...fields, ...(unlock ? { failedLogins: 0, lockedUntil: null } : {}), updatedAt: now })
      .where(eq(operators.id, id))
      .returning();
    // In the same transaction: a disabled operator's open pages stop working with their next request.
    const revokedSessions = patch.disabled ? await revokeOperatorSessions(tx, id, now) : 0;
    // Named fields only: the row also holds the password hash, which never reaches the log.
    await recordAudit(tx, actor, "operator.update", current.email, {
      changes: auditChanges(current, row!, ["role", "disabled", "lockedUntil"]),
      ...(patch.disabled ? { revokedSessions } : {}),
    });
    return toView(row!);
  });
}

export interface LoginAttempt {
  email: string;
  password: string;
}

/**
 * Checks a sign-in from a client address. Two limits apply, both counted atomically in SQL:
 * - per address (attempt-limit.ts): a blocked address is refused before any password is checked;
 * - per account: after MAX_FAILED_LOGINS failures in a row, from anywhere, the account is locked
 *   for LOCK_MINUTES, even for the right password, but only for addresses the operator has not
 *   signed in from successfully lately. Otherwise anyone who knows an admin's email could keep
 *   that admin out for good; from their usual addresses the admin can still sign in (and that
 *   success ends the lock).
 * Unknown emails cost the same bcrypt work as known ones, so timing does not tell which exist.
 * Throws AddressBlockedError or LoginLockedError (with the seconds to wait); null for a wrong
 * password, an unknown email or a disabled account. Every refusal is in the audit log.
 */
export async function verifyOperatorLogin(db: Db, attempt: LoginAttempt, address: string, now = new Date()): Promise<OperatorView | null> {
  const email = attempt.email.trim().toLowerCase();
  const anonymous: Actor = { kind: "system", role: "admin", label: "sign-in", address };
  try {
    await assertAddressAllowed(db, "sign_in", address, now);
  } catch (error) {
    if (error instanceof AddressBlockedError) await recordAudit(db, anonymous, "auth.sign_in_failed", email, { reason: "address_limited" });
    throw error;
  }
  const [row] = await db.select().from(operators).where(sql`lower(${operators.email}) = ${email}`);
  if (!row) {
    await verifyPassword(attempt.password, DUMMY_HASH);
    await recordAudit(db, anonymous, "auth.sign_in_failed", email, { reason: "unknown_email" });
    const blocked = blockedErrorFor(await recordAddressFailure(db, "sign_in", address, now), now);
    if (blocked) throw blocked;
    return null;
  }
  const actor: Actor = { kind: "operator", id: row.id, email: row.email, role: row.role, address };
  const lockApplies = async (lockedUntil: Date | null) =>
    lockedUntil !== null && lockedUntil > now && !(await hasRecentSignInFrom(db, row.id, address, now));

  if (await lockApplies(row.lockedUntil)) {
    await recordAudit(db, actor, "auth.sign_in_failed", row.email, { reason: "locked" });
    throw new LoginLockedError(secondsUntil(row.lockedUntil!, now));
  }
  const ok = await verifyPassword(attempt.password, row.passwordHash);
  if (!ok || row.disabled) {
    const lock = ok ? null : await countFailedLogin(db, row.id, now);
    await recordAudit(db, actor, "auth.sign_in_failed", row.email, { reason: ok ? "disabled" : "wrong_password" });
    if (lock && lock.failures === MAX_FAILED_LOGINS && lock.lockedUntil) {
      await recordAudit(db, actor, "auth.lockout", row.email, { failures: lock.failures, lockedUntil: lock.lockedUntil.toISOString() });
    }
    const blocked = blockedErrorFor(await recordAddressFailure(db, "sign_in", address, now), now);
    if (blocked) throw blocked;
    if (lock?.lockedUntil && (await lockApplies(lock.lockedUntil))) throw new LoginLockedError(secondsUntil(lock.lockedUntil, now));
    return null;
  }
  const [updated] = await db
    .update(operators)
    .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: now })
    .where(eq(operators.id, row.id))
    .returning();
  return toView(updated!);
}

/**
 * One more failure in a row, counted by the database: parallel wrong passwords each see their own
 * count, so the one that reaches the limit locks the account. A lock that has run out starts a new
 * row of failures; a lock in force is not prolonged by failures from known addresses.
 */
async function countFailedLogin(db: Db, id: string, now: Date): Promise<{ failures: number; lockedUntil: Date | null }> {
  const lockExpired = sql`${operators.lockedUntil} <= ${sqlTimestamp(now)}`;
  const failures = sql`case when ${lockExpired} then 1 else ${operators.failedLogins} + 1 end`;
  const [row] = await db
    .update(operators)
    .set({
      failedLogins: failures,
      lockedUntil: sql`case
        when ${operators.lockedUntil} > ${sqlTimestamp(now)} then ${operators.lockedUntil}
        when ${failures} >= ${MAX_FAILED_LOGINS} then ${sqlTimestamp(new Date(now.getTime() + LOCK_MINUTES * 60_000))}
        else null end`,
    })
    .where(eq(operators.id, id))
    .returning({ failures: operators.failedLogins, lockedUntil: operators.lockedUntil });
  return { failures: row!.failures, lockedUntil: row!.lockedUntil };
}
