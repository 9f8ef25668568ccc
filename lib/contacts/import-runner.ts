import fs from "node:fs/promises";
import { and, eq, lt, or } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels, importIssues, imports } from "@/lib/db/schema";
import { logger } from "@/lib/util/logger";
import { createLaneWriter, type WriteCounts } from "./contact-writer";
import { ImportFileError, estimateRowCount, openImportFile, type ImportBatch } from "./import";

/**
 * Runs uploads in the background, never inside a request. An import is claimed with a lease
 * (SELECT … FOR UPDATE SKIP LOCKED), so several worker processes on one PostgreSQL share the
 * queue and an import whose worker died is picked up again when its lease runs out. Rows are
 * read in batches and written while the next batch is being parsed; progress and counts are
 * stored after every batch, and a cancel request is honoured between batches.
 */
const LEASE_MS = 60_000;
/** The error report keeps at most this many issues; the counts stay exact beyond it. */
export const MAX_STORED_ISSUES = 100_000;

export interface ImportLimits {
  maxRows: number;
  /** Connections a batch is written over: 2 on PostgreSQL, 1 on PGlite (it has one). */
  writeLanes: number;
}

export function importLimits(databaseKind: "pglite" | "postgres", env: NodeJS.ProcessEnv = process.env): ImportLimits {
  return {
    maxRows: Number(env.IMPORT_MAX_ROWS ?? 2_000_000),
    writeLanes: databaseKind === "postgres" ? Number(env.IMPORT_WRITE_LANES ?? 2) : 1,
  };
}

type ImportRow = typeof imports.$inferSelect;

export async function claimNextImport(db: Db): Promise<ImportRow | null> {
  return db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ id: imports.id })
      .from(imports)
      .where(or(eq(imports.status, "queued"), and(eq(imports.status, "running"), lt(imports.leaseUntil, new Date()))))
      .orderBy(imports.createdAt)
      .limit(1)
      .for("update", { skipLocked: true });
    if (!candidate) return null;
    const [claimed] = await tx
      .update(imports)
      .set({
        status: "running",
        startedAt: new Date(),
        leaseUntil: new Date(Date.now() + LEASE_MS),
        // A re-run after a crash starts over: the writes are idempotent, the counts are not.
        processedRows: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        failedRows: 0,
        warnings: 0,
      })
      .where(eq(imports.id, candidate.id))
      .returning();
    await tx.delete(importIssues).where(eq(importIssues.importId, candidate.id));
    return claimed ?? null;
  });
}

/** Records the end of an import and removes its uploaded file: the report lives in the database. */
async function finish(db: Db, job: ImportRow, values: Partial<typeof imports.$inferInsert>) {
  await db
    .update(imports)
    .set({ ...values, finishedAt: new Date(), leaseUntil: null })
    .where(eq(imports.id, job.id));
  await fs.rm(job.filePath, { force: true });
}

/** Batches being written at once: enough to keep every lane busy while the reader parses ahead. */
const BATCHES_IN_FLIGHT = 3;

/** Runs one claimed import to its end (done, failed or cancelled). Never throws. */
export async function runImport(db: Db, job: ImportRow, limits: ImportLimits): Promise<void> {
  const controller = new AbortController();
  const writer = createLaneWriter(db, { lanes: limits.writeLanes, dryRun: job.dryRun, deferCommitFlush: true });
  let storedIssues = 0;
  const totals = { processedRows: 0, inserted: 0, updated: 0, unchanged: 0, failedRows: 0, warnings: 0 };

  /** Records a written batch: its counts, its issues, the progress. Returns whether a cancel was asked for. */
  const record = async (batch: ImportBatch, counts: WriteCounts): Promise<boolean> => {
    const errors = batch.issues.filter((i) => i.severity === "error");
    totals.processedRows = batch.rowsRead;
    totals.inserted += counts.inserted;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
    totals.failedRows += new Set(errors.map((i) => i.rowNumber)).size;
    totals.warnings += batch.issues.length - errors.length;

    const room = MAX_STORED_ISSUES - storedIssues;
    if (room > 0 && batch.issues.length > 0) {
      const keep = batch.issues.slice(0, room);
      for (let i = 0; i < keep.length; i += 5000) {
        await db.insert(importIssues).values(
          keep.slice(i, i + 5000).map((issue) => ({
            importId: job.id,
            rowNumber: issue.rowNumber,
            column: issue.column,
            value: issue.value.slice(0, 1000),
            reason: issue.reason,
            severity: issue.severity,
          })),
        );
      }
      storedIssues += keep.length;
    }
    const [state] = await db
      .update(imports)
      .set({ ...totals, leaseUntil: new Date(Date.now() + LEASE_MS) })
      .where(eq(imports.id, job.id))
      .returning({ cancelRequested: imports.cancelRequested });
    return state?.cancelRequested ?? false;
  };

  try {
    const channelKeys = new Set((await db.select({ key: channels.channelKey }).from(channels)).map((c) => c.key));
    const totalRows = await estimateRowCount(job.filePath, job.fileKind).catch(() => null);
    await db.update(imports).set({ totalRows }).where(eq(imports.id, job.id));
    // Refuse an oversized file before writing any of it (the reader would only stop at the limit).
    if (totalRows !== null && totalRows > limits.maxRows) {
      throw new ImportFileError(
        "too_many_rows",
        `The file has about ${totalRows.toLocaleString("en")} data rows; at most ${limits.maxRows.toLocaleString("en")} can be imported at once. Split it into smaller files.`,
      );
    }
    const file = await openImportFile({ path: job.filePath, kind: job.fileKind, channelKeys, maxRows: limits.maxRows, signal: controller.signal });

    // Batches are written while later ones are parsed, and recorded in file order as they finish.
    const inFlight: { batch: ImportBatch; written: Promise<WriteCounts> }[] = [];
    let cancelled = false;
    let allRead = false;
    const recordOldest = async () => {
      const { batch, written } = inFlight.shift()!;
      const cancelAsked = await record(batch, await written);
      // A cancel stops the reading. Once the whole file is read and sent there is nothing left
      // to stop, and the import is done.
      if (cancelAsked && !cancelled && !allRead) {
        cancelled = true;
        controller.abort();
      }
    };
    try {
      let readError: unknown = null;
      try {
        for await (const batch of file.batches()) {
          const written = writer.write(batch.rows);
          written.catch(() => {}); // handled when recorded; avoids an unhandled rejection meanwhile
          inFlight.push({ batch, written });
          if (inFlight.length >= BATCHES_IN_FLIGHT) await recordOldest();
          if (cancelled) break;
        }
        allRead = !cancelled;
      } catch (error) {
        readError = error;
      }
      // What was already sent to the database is written: count it, whatever stopped the reading.
      while (inFlight.length > 0) await recordOldest();
      if (readError) throw readError;
    } finally {
      await writer.settled(); // nothing may still be writing once the import is marked finished
    }
    if (cancelled) {
      await finish(db, job, { ...totals, status: "cancelled" });
      logger.info("import cancelled", { importId: job.id, processedRows: totals.processedRows });
      return;
    }
    await finish(db, job, { ...totals, status: "done" });
    logger.info("import done", { importId: job.id, ...totals, dryRun: job.dryRun });
  } catch (error) {
    const known = error instanceof ImportFileError;
    if (!known) logger.error("import failed", { importId: job.id, error });
    await finish(db, job, {
      ...totals,
      status: "failed",
      errorCode: known ? error.code : "internal_error",
      error: known ? error.message : "The import stopped because of an internal error; the rows written before it are kept.",
    }).catch((e: unknown) => logger.error("could not record a failed import", { importId: job.id, error: e }));
  }
}

/**
 * The in-process runner: works through queued imports one at a time, woken by new uploads and
 * polling every few seconds as a fallback (another process may have queued one).
 */
export function startImportRunner(db: Db, limits: ImportLimits, options: { pollMs?: number } = {}) {
  let running = false;
  let again = false;
  const tick = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        for (let job = await claimNextImport(db); job; job = await claimNextImport(db)) await runImport(db, job, limits);
      } while (again);
    } catch (error) {
      logger.error("import runner error", { error });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.pollMs ?? 5_000);
  timer.unref();
  void tick();
  return {
    wake: () => void tick(),
    stop: () => clearInterval(timer),
    /** Resolves when the runner is idle (tests). */
    async idle() {
      while (running) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
