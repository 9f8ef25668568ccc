import type { Db } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { actorLabel, type Actor } from "@/lib/auth/actor";

/**
 * Records who did what to which thing, and from where. Called inside the same transaction as the
 * change it records, so a change and its audit row commit or roll back together.
 *
 * `detail` is shown to admins and returned by the REST API: it names what changed and never
 * holds a secret or a password (nor its hash); secret fields are listed by name only.
 */
export async function recordAudit(
  db: Db,
  actor: Actor,
  action: string,
  target: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db.insert(auditLog).values({ actor: actorLabel(actor), action, target, detail, address: actor.address ?? null });
}
