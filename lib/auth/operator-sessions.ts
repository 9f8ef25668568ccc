import { and, eq, gt, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { operatorSessions, operators } from "@/lib/db/schema";
import type { Actor } from "./actor";

/**
 * Console sessions as database rows. The session cookie (a signed JWT) carries only the row's id,
 * and every request checks the row, so signing out and disabling an operator end sessions at once
 * rather than when the cookie runs out.
 */

/**
 * The longest a session lives, however busy: also the JWT's maxAge. Auth.js re-signs the JWT with
 * a fresh expiry whenever its session endpoint is read, so the cap is enforced here, on the row.
 */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60_000;
/** lastSeenAt is written at most this often, so a busy page does not write on every request. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;
/** A successful sign-in from an address makes it a known address for the account lock this long. */
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SessionClient {
  address: string;
  userAgent: string | null;
}

export async function startOperatorSession(db: Db, operatorId: string, client: SessionClient, now: Date): Promise<string> {
  const [row] = await db
    .insert(operatorSessions)
    .values({
      operatorId,
      createdAt: now,
      lastSeenAt: now,
      address: client.address,
      // A user agent is free text from the client: keep what identifies a browser, not a megabyte.
      userAgent: client.userAgent?.slice(0, 512) ?? null,
    })
    .returning({ id: operatorSessions.id });
  return row!.id;
}

export type SessionOperator = Extract<Actor, { kind: "operator" }>;

/**
 * The operator behind a live session, or null when the session is unknown, revoked, idle for
 * longer than `idleMs`, older than SESSION_MAX_AGE_MS, or its operator is disabled. Touches
 * lastSeenAt when it is more than a minute old.
 */
export async function resolveOperatorSession(
  db: Db,
  sessionId: string,
  options: { idleMs: number; now: Date },
): Promise<SessionOperator | null> {
  if (!UUID.test(sessionId)) return null;
  const { idleMs, now } = options;
  const [row] = await db
    .select({
      lastSeenAt: operatorSessions.lastSeenAt,
      createdAt: operatorSessions.createdAt,
      revokedAt: operatorSessions.revokedAt,
      operatorId: operators.id,
      email: operators.email,
      role: operators.role,
      disabled: operators.disabled,
    })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(eq(operatorSessions.id, sessionId));
  if (!row || row.revokedAt || row.disabled) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > idleMs) return null;
  if (now.getTime() - row.createdAt.getTime() > SESSION_MAX_AGE_MS) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
    // Conditional, so parallel requests of one page write the row once between them.
    await db
      .update(operatorSessions)
      .set({ lastSeenAt: now })
      .where(
        and(
          eq(operatorSessions.id, sessionId),
          isNull(operatorSessions.revokedAt),
          lte(operatorSessions.lastSeenAt, new Date(now.getTime() - SESSION_TOUCH_INTERVAL_MS)),
        ),
      );
  }
  return { kind: "operator", id: row.operatorId, email: row.email, role: row.role };
}

/** Revokes one session; the operator it belonged to, or null when it was already ended or unknown. */
export async function revokeOperatorSession(db: Db, sessionId: string, now: Date): Promise<{ operatorId: string } | null> {
  if (!UUID.test(sessionId)) return null;
  const [row] = await db
    .update(operatorSessions)
    .set({ revokedAt: now })
    .where(and(eq(operatorSessions.id, sessionId), isNull(operatorSessions.revokedAt)))
    .returning({ operatorId: operatorSessions.operatorId });
  return row ?? null;
}

/** Revokes every live session of an operator (disabling them); how many were live. */
export async function revokeOperatorSessions(db: Db, operatorId: string, now: Date): Promise<number> {
  const rows = await db
    .update(operatorSessions)
    .set({ revokedAt: now })
    .where(and(eq(operatorSessions.operatorId, operatorId), isNull(operatorSessions.revokedAt)))
    .returning({ id: operatorSessions.id });
  return rows.length;
}

/**
 * Whether the operator signed in successfully from this address within KNOWN_ADDRESS_MS. "unknown"
 * (no trustworthy address: every such request shares it) is never a known address.
 */
export async function hasRecentSignInFrom(db: Db, operatorId: string, address: string, now: Date): Promise<boolean> {
  if (address === "unknown") return false;
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(operatorSessions)
    .where(
      and(
        eq(operatorSessions.operatorId, operatorId),
        eq(operatorSessions.address, address),
        gt(operatorSessions.createdAt, new Date(now.getTime() - KNOWN_ADDRESS_MS)),
      ),
    )
    .limit(1);
  return row !== undefined;
}
