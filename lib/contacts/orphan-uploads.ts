import fs from "node:fs/promises";
import path from "node:path";
import { inArray } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { imports } from "@/lib/db/schema";
import { logger } from "@/lib/util/logger";
import { uploadsDir } from "./upload";

/**
 * Removes uploads that no import will ever read: a process that died between receiving a file
 * and queuing it, or while finishing an import, leaves its file in DATA_DIR/uploads. A file is
 * kept while its import (by the id in its name, `<importId>.<ext>`) is queued or running, and
 * while it was written to recently: another process may be receiving it right now, and its
 * import row only exists once the upload is complete. Files not named like uploads are left alone.
 */
export const ORPHAN_MIN_AGE_MS = 10 * 60_000;

const UPLOAD_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(xlsx|csv)$/i;

export async function removeOrphanUploads(db: Db, dataDir: string, options: { minAgeMs?: number } = {}): Promise<number> {
  const dir = uploadsDir(dataDir);
  const names = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const uploads = names.flatMap((name) => {
    const match = UPLOAD_NAME.exec(name);
    return match ? [{ name, importId: match[1]!.toLowerCase() }] : [];
  });
  if (uploads.length === 0) return 0;

  const live = new Set(
    (
      await db
        .select({ id: imports.id })
        .from(imports)
        .where(inArray(imports.status, ["queued", "running"]))
    ).map((row) => row.id.toLowerCase()),
  );
  const writtenBefore = Date.now() - (options.minAgeMs ?? ORPHAN_MIN_AGE_MS);
  let removed = 0;
  for (const upload of uploads) {
    if (live.has(upload.importId)) continue;
    const filePath = path.join(dir, upload.name);
    const stat = await fs.stat(filePath).catch(() => null);
    if (!stat?.isFile() || stat.mtimeMs > writtenBefore) continue;
    await fs.rm(filePath, { force: true });
    removed++;
  }
  if (removed > 0) logger.info("removed uploads that belong to no queued or running import", { removed });
  return removed;
}
