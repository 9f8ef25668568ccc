import { and, eq, like } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { logger } from "@/lib/util/logger";
import { LEGACY_VERSION, sealSecrets, unsealLegacySecrets } from "./secret-sealing";

export interface ResealResult {
  resealed: number;
  /** Channel keys whose v1 blob did not open with this key; left as they were. */
  unreadable: string[];
}

/**
 * Rewrites every channel row still sealed in the v1 format (no channel binding) as v2, bound to
 * its own id. Runs at start-up, once per process: the rows are locked while they are rewritten,
 * so several processes starting together on one PostgreSQL reseal each row once, and each
 * update also checks the blob it read is still there, so a secret changed meanwhile is kept.
 * A blob this key cannot open (another APP_SECRET) is logged and left alone rather than
 * stopping the console: that channel was unusable either way, the others are not.
 */
export async function resealLegacyChannelSecrets(db: Db, key: Buffer): Promise<ResealResult> {
  const result: ResealResult = { resealed: 0, unreadable: [] };
  await db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: channels.id, channelKey: channels.channelKey, sealedSecrets: channels.sealedSecrets })
      .from(channels)
      .where(like(channels.sealedSecrets, `${LEGACY_VERSION}%`))
      .for("update");
    for (const row of rows) {
      let secrets: Record<string, string>;
      try {
        secrets = unsealLegacySecrets(key, row.sealedSecrets);
      } catch (error) {
        result.unreadable.push(row.channelKey);
        logger.error("channel secrets in the v1 format do not open with this APP_SECRET; left unchanged", {
          channelKey: row.channelKey,
          error,
        });
        continue;
      }
      const updated = await tx
        .update(channels)
        .set({ sealedSecrets: sealSecrets(key, row.id, secrets) })
        .where(and(eq(channels.id, row.id), eq(channels.sealedSecrets, row.sealedSecrets)))
        .returning({ id: channels.id });
      result.resealed += updated.length;
    }
  });
  if (result.resealed > 0) logger.info("channel secrets resealed bound to their channel", { count: result.resealed });
  return result;
}
