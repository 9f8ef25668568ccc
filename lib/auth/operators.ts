import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { operators } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "./actor";
import { parseOrThrow } from "@/lib/util/zod";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./passwords";
import type { Role } from "./roles";
import { operatorCreateSchema, operatorUpdateSchema, setupSchema } from "./operator-schema";
import { ConflictError, DomainError, ForbiddenError, NotFoundError, isUniqueViolation } from "@/lib/util/errors";

export interface OperatorView {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
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
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** After this many consecutive failures the account is locked for LOCK_MINUTES. */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

export class LoginLockedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super("login_locked", 429, `Too many failed sign-ins. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`);
  }
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
      await recordAudit(tx, actor, "operator.create", parsed.email, { role: parsed.role });
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
export async function createFirstAdmin(db: Db, input: unknown, via: string): Promise<OperatorView> {
  const parsed = parseOrThrow(setupSchema, input);
  const passwordHash = await hashPassword(parsed.password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7243002)`);
    if ((await countOperators(tx)) > 0) {
      throw new ConflictError("setup_done", "The console already has an operator; sign in instead.");
    }
    const [row] = await tx.insert(operators).values({ email: parsed.email, passwordHash, role: "admin" }).returning();
    await recordAudit(tx, { kind: "system", role: "admin", label: via }, "operator.create_first_admin", parsed.email);
    return toView(row!);
  });
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
    const [row] = await tx
      .update(operators)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(operators.id, id))
      .returning();
    await recordAudit(tx, actor, "operator.update", current.email, patch);
    return toView(row!);
  });
}

/**
 * Checks a sign-in. Failures are counted per account; after MAX_FAILED_LOGINS in a row the
 * account is locked for LOCK_MINUTES, even for the right password. Unknown emails cost the
 * same bcrypt work as known ones, so timing does not tell which emails exist.
 */
export async function verifyOperatorLogin(db: Db, email: string, password: string, now = new Date()): Promise<OperatorView | null> {
  const [row] = await db.select().from(operators).where(sql`lower(${operators.email}) = ${email.trim().toLowerCase()}`);
  if (!row) {
    await verifyPassword(password, DUMMY_HASH);
    return null;
  }
  if (row.lockedUntil && row.lockedUntil > now) {
    throw new LoginLockedError((row.lockedUntil.getTime() - now.getTime()) / 1000);
  }
  const ok = await verifyPassword(password, row.passwordHash);
  if (!ok) {
    const failed = row.failedLogins + 1;
    const lock = failed >= MAX_FAILED_LOGINS;
    await db
      .update(operators)
      .set({
        failedLogins: lock ? 0 : failed,
        lockedUntil: lock ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null,
      })
      .where(eq(operators.id, row.id));
    if (lock) throw new LoginLockedError(LOCK_MINUTES * 60);
    return null;
  }
  if (row.disabled) return null;
  await db
    .update(operators)
    .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: now })
    .where(eq(operators.id, row.id));
  return toView(row);
}
