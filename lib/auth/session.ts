import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { auth } from "./auth";
import { resolveOperatorSession, type SessionOperator } from "./operator-sessions";
import { getRuntime } from "@/lib/server/runtime";
import { clientAddressOf } from "@/lib/server/client-address";
import type { Actor } from "./actor";

/** The id of the session row the request's cookie names; null without a (valid) cookie. */
export async function currentSessionId(): Promise<string | null> {
  const session = (await auth()) as { sessionId?: string } | null;
  return session?.sessionId ?? null;
}

/**
 * The signed-in operator as an actor, with the role as it is now in the database, when the
 * session row is live (not signed out, not idle past SESSION_IDLE_MINUTES, operator enabled);
 * null otherwise. The actor carries the request's client address for the audit log.
 */
export async function getSessionActor(): Promise<Actor | null> {
  const sessionId = await currentSessionId();
  if (!sessionId) return null;
  const runtime = await getRuntime();
  const operator = await resolveOperatorSession(runtime.db, sessionId, { idleMs: runtime.env.sessionIdleMs, now: new Date() });
  if (!operator) return null;
  return { ...operator, address: clientAddressOf(await headers()) };
}

/** For pages and server actions: the operator, or a redirect to the sign-in page. */
export async function requireSessionActor(): Promise<SessionOperator> {
  const actor = await getSessionActor();
  if (!actor || actor.kind !== "operator") redirect("/login");
  return actor;
}
