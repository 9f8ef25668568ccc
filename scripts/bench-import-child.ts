/**
 * One import for bench:import, in its own process so its peak resident memory is the importer's
 * alone: open the database, create the channels, queue the file, run it with the import runner.
 */
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { openDatabase, runMigrations } from "@/lib/db/client";
import { channels, imports } from "@/lib/db/schema";
import { claimNextImport, importLimits, runImport } from "@/lib/contacts/import-runner";

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
  const dataDir = process.env.BENCH_DATA_DIR!;
  const file = process.env.BENCH_FILE!;
  const kind = process.env.BENCH_KIND as "csv" | "xlsx";
  const handle = await openDatabase({ databaseUrl, dataDir });
  await runMigrations(handle, databaseUrl);
  for (const key of process.env.BENCH_KEYS!.split(",")) {
    await handle.db.insert(channels).values({ channelKey: key, name: key, type: "jsms", config: {}, sealedSecrets: "v1.x" }).onConflictDoNothing();
  }
  // The runner removes the file when done: give it a copy.
  const copy = path.join(dataDir, `upload.${kind}`);
  fs.copyFileSync(file, copy);
  const [created] = await handle.db
    .insert(imports)
    .values({ fileName: path.basename(file), fileKind: kind, filePath: copy, fileSize: fs.statSync(copy).size, createdBy: "bench" })
    .returning();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const job = await claimNextImport(handle.db);
  await runImport(handle.db, job!, importLimits(handle.kind));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const importerCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const [done] = await handle.db.select().from(imports).where(eq(imports.id, created!.id));
  await handle.close();
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    JSON.stringify({
      seconds,
      peakRssMb,
      importerCpuSeconds,
      result: { status: done!.status, inserted: done!.inserted, updated: done!.updated, unchanged: done!.unchanged, failedRows: done!.failedRows, error: done!.error ?? "" },
    }),
  );
}

void main();
