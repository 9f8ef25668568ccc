import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { operators } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import { verifyOperatorLogin, type LoginAttempt, type OperatorView } from "./operators";
import { revokeOperatorSession, startOperatorSession, type SessionClient } from "./operator-sessions";

/**
 * Signing in and out of the console, as the Auth.js glue (auth.ts) and the sign-out action call
 * them: the rules live in verifyOperatorLogin and operator-sessions.ts; this ties them to a
 * session row and the audit log.
 */

/**
 * How the audit log names a session: a one-way reference that ties a sign-in to its sign-out
 * without naming the live session row. The row's id is what the session cookie carries, and the
 * audit log is read by every admin and admin API key; with the id in it, anyone who also learnt
 * the session secret could forge a cookie for any live session listed there.
 */
export function sessionAuditReference(sessionId: string): string {
  return crypto.createHash("sha256").update(`audit-session:${sessionId}`).digest("hex").slice(0, 16);
}

/** A checked sign-in with its new session row; throws or answers null as verifyOperatorLogin does. */
export async function signInOperator(
  db: Db,
  attempt: LoginAttempt,
  client: SessionClient,
  now = new Date(),
): Promise<{ operator: OperatorView; sessionId: string } | null> {
  const operator = await verifyOperatorLogin(db, attempt, client.address, now);
  if (!operator) return null;
  return db.transaction(async (tx) => {
    const sessionId = await startOperatorSession(tx, operator.id, client, now);
    await recordAudit(
      tx,
      { kind: "operator", id: operator.id, email: operator.email, role: operator.role, address: client.address },
      "auth.sign_in",
      operator.email,
      { session: sessionAuditReference(sessionId), userAgent: client.userAgent },
    );
    return { operator, sessionId };
  });
}

/** Ends a session; recorded once, however often sign-out is pressed. */
export async function signOutOperator(db: Db, sessionId: string, address: string, now = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const ended = await revokeOperatorSession(tx, sessionId, now);
    if (!ended) return false;
    const [operator] = await tx.select().from(operators).where(eq(operators.id, ended.operatorId));
    if (operator) {
      await recordAudit(
        tx,
        { kind: "operator", id: operator.id, email: operator.email, role: operator.role, address },
        "auth.sign_out",
        operator.email,
        { session: sessionAuditReference(sessionId) },
      );
    }
    return true;
  });
}
