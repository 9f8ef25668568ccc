import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import type { Db } from "@/lib/db/client";
import { createImport } from "../import-service";

let written = 0;

/**
 * Test helper: writes `content` as an uploaded file in `dir` (under a fresh name, so repeated
 * names never collide) and queues it as the upload route would.
 */
export async function queueImportFile(db: Db, dir: string, name: string, content: Buffer | string, options: { dryRun?: boolean } = {}) {
  const filePath = path.join(dir, `${Date.now()}-${++written}-${name}`);
  fs.writeFileSync(filePath, content);
  return createImport(db, SYSTEM_ACTOR("test"), {
    importId: crypto.randomUUID(),
    fileName: name,
    fileKind: name.endsWith(".csv") ? "csv" : "xlsx",
    filePath,
    fileSize: fs.statSync(filePath).size,
    dryRun: options.dryRun ?? false,
  });
}
