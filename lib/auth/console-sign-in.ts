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
      { sessionId, userAgent: client.userAgent },
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
        { sessionId },
      );
    }
    return true;
  });
}
