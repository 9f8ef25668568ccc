import type { Db } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { actorLabel, type Actor } from "@/lib/auth/actor";

/** Records who changed what. Called inside the same transaction as the change it records. */
export async function recordAudit(
  db: Db,
  actor: Actor,
  action: string,
  target: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db.insert(auditLog).values({ actor: actorLabel(actor), action, target, detail });
}
