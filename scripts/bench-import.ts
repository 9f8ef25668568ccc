/**
 * `npm run bench:import`: generates a 1,000,000-row workbook (userid, phone and three channel
 * columns) and the same rows as CSV, then imports each through the import runner — the code path
 * an upload takes — in a child process, and prints rows/s and that process's peak resident
 * memory, on PostgreSQL (when a server answers) and on the embedded database.
 * Goal (2 cores): xlsx ≤ 30 s and CSV ≤ 15 s on PostgreSQL, peak memory ≤ 512 MB. The CSV is then
 * imported a second time into the same database (every row unchanged), as a re-upload would be.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { createScratchDatabase } from "@/lib/db/scratch-database";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const KEYS = ["chana", "chanb", "chanc"];
// Narrow a run while tuning, e.g. BENCH_IMPORT_KINDS=csv BENCH_IMPORT_DATABASES=postgres.
const KINDS = (process.env.BENCH_IMPORT_KINDS ?? "csv,xlsx").split(",") as ("csv" | "xlsx")[];
const DATABASES = (process.env.BENCH_IMPORT_DATABASES ?? "postgres,pglite").split(",");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-import-"));
const root = path.resolve(__dirname, "..");

function row(i: number): string[] {
  const n = (k: number) => String(13000000000 + ((i * 7919 + k * 104729) % 999999999));
  return [`user${String(i).padStart(7, "0")}`, n(0), n(1), n(2), i % 5 === 0 ? "" : n(3)];
}

async function generate(): Promise<{ csv: string; xlsx: string }> {
  const header = ["userid", "phone", ...KEYS.map((k) => `phone:${k}`)];
  const csv = path.join(dir, "users.csv");
  const out = fs.createWriteStream(csv);
  out.write(header.join(",") + "\n");
  for (let i = 0; i < ROWS; i++) {
    if (!out.write(row(i).join(",") + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));

  const xlsx = path.join(dir, "users.xlsx");
  if (!KINDS.includes("xlsx")) return { csv, xlsx };
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: xlsx, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet("users");
  sheet.addRow(header).commit();
  for (let i = 0; i < ROWS; i++) {
    const cells: (string | number)[] = row(i);
    // Phones as numbers, as Excel stores typed digits.
    for (let c = 1; c < cells.length; c++) if (cells[c] !== "") cells[c] = Number(cells[c]);
    sheet.addRow(cells).commit();
  }
  sheet.commit();
  await workbook.commit();
  return { csv, xlsx };
}

function importIn(child: { databaseUrl?: string; dataDir: string; file: string; kind: "csv" | "xlsx" }) {
  const result = spawnSync(
    process.execPath,
    [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "scripts", "bench-import-child.ts")],
    {
      cwd: root,
      env: { ...process.env, BENCH_DATABASE_URL: child.databaseUrl ?? "", BENCH_DATA_DIR: child.dataDir, BENCH_FILE: child.file, BENCH_KIND: child.kind, BENCH_KEYS: KEYS.join(",") },
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`import child failed:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as { seconds: number; peakRssMb: number; importerCpuSeconds: number; result: Record<string, number | string> };
}

/**
 * Starts a PostgreSQL run from a fresh checkpoint, so the previous run's dirty pages and WAL are
 * not written during this one (they made back-to-back runs differ by seconds). Needs superuser
 * or pg_checkpoint; skipped without.
 */
async function checkpoint(serverUrl: string) {
  const { default: postgres } = await import("postgres");
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`checkpoint`;
  } catch {
    // not allowed: measure as is
  } finally {
    await admin.end();
  }
}

async function main() {
  console.log(`bench:import: ${ROWS} rows × (userid, phone, ${KEYS.length} channel columns), ${os.cpus().length} cores`);
  const t0 = Date.now();
  const files = await generate();
  // Written files still being flushed to disk would slow whichever run comes first.
  spawnSync("sync");
  console.log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: csv ${(fs.statSync(files.csv).size / 1e6).toFixed(0)} MB, xlsx ${fs.existsSync(files.xlsx) ? (fs.statSync(files.xlsx).size / 1e6).toFixed(0) : "-"} MB`);

  const targets: { label: string; databaseUrl?: string; drop?: () => Promise<void> }[] = [];
  const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  if (DATABASES.includes("postgres")) {
    try {
      const scratch = await createScratchDatabase(serverUrl);
      targets.push({ label: "PostgreSQL", databaseUrl: scratch.url, drop: scratch.drop });
    } catch {
      console.log(`(no PostgreSQL at ${serverUrl}: skipping the PostgreSQL run)`);
    }
  }
  if (DATABASES.includes("pglite")) targets.push({ label: "embedded (PGlite)" });

  for (const target of targets) {
    for (const kind of KINDS) {
      const dataDir = fs.mkdtempSync(path.join(dir, "data-"));
      // Each file into an empty database: every row is an insert. Then the CSV once more.
      let databaseUrl = target.databaseUrl;
      let drop: (() => Promise<void>) | undefined;
      if (databaseUrl) {
        const scratch = await createScratchDatabase(serverUrl);
        databaseUrl = scratch.url;
        drop = scratch.drop;
      }
      try {
        const file = kind === "csv" ? files.csv : files.xlsx;
        const report = (label: string, run: ReturnType<typeof importIn>, goal: number | null) =>
          console.log(
            `${target.label.padEnd(18)} ${label.padEnd(11)} ${run.seconds.toFixed(1).padStart(6)} s  ${Math.round(ROWS / run.seconds)
              .toLocaleString("en")
              .padStart(9)} rows/s  peak RSS ${run.peakRssMb} MB  importer CPU ${run.importerCpuSeconds.toFixed(1)} s` +
              (goal ? `  (goal ≤ ${goal} s, ≤ 512 MB)` : "") +
              `  → ${JSON.stringify(run.result)}`,
          );
        if (databaseUrl) await checkpoint(serverUrl);
        report(kind, importIn({ databaseUrl, dataDir, file, kind }), target.databaseUrl ? (kind === "csv" ? 15 : 30) : null);
        // The same file again, as operators re-upload a corrected sheet: every row is unchanged.
        if (kind === "csv") {
          if (databaseUrl) await checkpoint(serverUrl);
          report("csv again", importIn({ databaseUrl, dataDir, file, kind }), null);
        }
      } finally {
        await drop?.();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
    await target.drop?.();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
