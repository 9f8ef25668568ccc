import { redirect } from "next/navigation";
import { auth } from "./auth";
import { findOperatorById } from "./operators";
import { getDb } from "@/lib/server/runtime";
import type { Actor } from "./actor";

/** The signed-in operator as an actor, with the role as it is now in the database; null if none. */
export async function getSessionActor(): Promise<Actor | null> {
  const session = (await auth()) as { operatorId?: string } | null;
  if (!session?.operatorId) return null;
  const operator = await findOperatorById(await getDb(), session.operatorId);
  if (!operator || operator.disabled) return null;
  return { kind: "operator", id: operator.id, email: operator.email, role: operator.role };
}

/** For pages and server actions: the operator, or a redirect to the sign-in page. */
export async function requireSessionActor(): Promise<Extract<Actor, { kind: "operator" }>> {
  const actor = await getSessionActor();
  if (!actor || actor.kind !== "operator") redirect("/login");
  return actor;
}
