import fs from "node:fs/promises";
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { importIssues, imports, type StoredHeaderProblem } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import { actorLabel, type Actor } from "@/lib/auth/actor";
import type { ReasonParams } from "@/lib/i18n/reason";
import { ConflictError, NotFoundError } from "@/lib/util/errors";

/**
 * Imports as records: created by an upload, claimed and run by the import runner, read by the
 * progress bar and the history. The answer shape is the REST contract's
 * (GET /api/v1/imports/{importId}).
 */
export interface ImportView {
  importId: string;
  status: "queued" | "running" | "done" | "failed" | "cancelled";
  dryRun: boolean;
  fileName: string;
  fileSize: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  totalRows: number | null;
  processedRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failedRows: number;
  warnings: number;
  cancelRequested: boolean;
  errorCode?: string;
  /** English, for systems. */
  error?: string;
  /** `error` as a catalogue key (`importErrors.*`) and its values; absent on imports from before they were stored. */
  errorKey?: string;
  errorParams?: ReasonParams;
  /** Header problems one by one (English `message`, and `key` + `params`), when the header was refused. */
  errorDetails?: StoredHeaderProblem[];
}

type ImportRow = typeof imports.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toImportView(row: ImportRow): ImportView {
  return {
    importId: row.id,
    status: row.status,
    dryRun: row.dryRun,
    fileName: row.fileName,
    fileSize: row.fileSize,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.unchanged,
    failedRows: row.failedRows,
    warnings: row.warnings,
    cancelRequested: row.cancelRequested,
    ...(row.errorCode ? { errorCode: row.errorCode } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.errorKey ? { errorKey: row.errorKey, errorParams: row.errorParams ?? {} } : {}),
    ...(row.errorDetails && row.errorDetails.length > 0 ? { errorDetails: row.errorDetails } : {}),
  };
}

/** Queues an uploaded file. The file is the import's from here on: if it cannot be recorded, it is removed. */
export async function createImport(
  db: Db,
  actor: Actor,
  file: { importId: string; fileName: string; fileKind: "xlsx" | "csv"; filePath: string; fileSize: number; dryRun: boolean },
): Promise<ImportView> {
  try {
    return await insertImport(db, actor, file);
  } catch (error) {
    await fs.rm(file.filePath, { force: true });
    throw error;
  }
}

async function insertImport(db: Db, actor: Actor, file: Parameters<typeof createImport>[2]): Promise<ImportView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(imports)
      .values({
        id: file.importId,
        fileName: file.fileName,
        fileKind: file.fileKind,
        filePath: file.filePath,
        fileSize: file.fileSize,
        dryRun: file.dryRun,
        createdBy: actorLabel(actor),
      })
      .returning();
    await recordAudit(tx, actor, "import.create", row!.id, { fileName: file.fileName, dryRun: file.dryRun, fileSize: file.fileSize });
    return toImportView(row!);
  });
}

async function findImport(db: Db, importId: string): Promise<ImportRow> {
  const [row] = UUID.test(importId) ? await db.select().from(imports).where(eq(imports.id, importId)) : [];
  if (!row) throw new NotFoundError("import_not_found", `No import ${importId}.`);
  return row;
}

export async function getImport(db: Db, importId: string): Promise<ImportView> {
  return toImportView(await findImport(db, importId));
}

/**
 * The import history, newest first, keyset-paged by creation time. `before` is the previous
 * page's nextCursor as a time: the REST route parses the text (timeCursor in
 * lib/api/query-schemas.ts), so a year PostgreSQL cannot hold never gets here.
 */
export async function listImports(db: Db, options: { before?: Date; limit?: number } = {}): Promise<{ items: ImportView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
  const before = options.before && !Number.isNaN(options.before.getTime()) ? options.before : null;
  const rows = await db
    .select()
    .from(imports)
    .where(before ? lt(imports.createdAt, before) : undefined)
    .orderBy(desc(imports.createdAt))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map(toImportView), nextCursor: rows.length > limit ? page[page.length - 1]!.createdAt.toISOString() : null };
}

/**
 * Asks a queued or running import to stop; the runner stops after the batch it is writing. One
 * conditional statement does it, so it serialises with a claim on the row lock: a queued import
 * becomes cancelled only if no runner has claimed it first, and a running one only gets the flag.
 */
export async function requestImportCancel(db: Db, actor: Actor, importId: string): Promise<ImportView> {
  const [updated] = UUID.test(importId)
    ? await db
        .update(imports)
        .set({
          status: sql`case when ${imports.status} = 'queued' then 'cancelled' else ${imports.status} end`,
          finishedAt: sql`case when ${imports.status} = 'queued' then now() else ${imports.finishedAt} end`,
          cancelRequested: true,
        })
        .where(and(eq(imports.id, importId), sql`${imports.status} in ('queued', 'running')`))
        .returning()
    : [];
  if (!updated) {
    const row = await findImport(db, importId);
    throw new ConflictError("import_finished", `This import has already ${row.status === "done" ? "finished" : row.status}.`);
  }
  await recordAudit(db, actor, "import.cancel", importId, { fileName: updated.fileName, status: updated.status });
  // Only queued → cancelled ends in "cancelled" here (a row already cancelled is not matched), so
  // this statement itself moved it, and no runner has the file: nothing else will remove it.
  if (updated.status === "cancelled") await fs.rm(updated.filePath, { force: true });
  return toImportView(updated);
}

/** Row errors and warnings in row order, a page at a time (for the error report). */
export async function* importIssuePages(db: Db, importId: string, pageSize = 5000) {
  await findImport(db, importId);
  let after = 0n;
  for (;;) {
    const page = await db
      .select()
      .from(importIssues)
      .where(and(eq(importIssues.importId, importId), sql`${importIssues.id} > ${after.toString()}::bigint`))
      .orderBy(importIssues.id)
      .limit(pageSize);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.id;
  }
}
