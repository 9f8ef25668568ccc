/**
 * Throughput check for the import reader, run by hand (not part of the test suite):
 *
 *     npx tsx lib/contacts/import/bench-reader.ts [rows=1000000] [dir=/tmp/import-bench]
 *
 * Makes a CSV and an .xlsx (userid, phone, three channel columns) once, then times
 * estimateRowCount + openImportFile + every batch, and samples the peak RSS. The .xlsx is written by
 * exceljs's streaming writer with shared strings, as Excel stores text. Prints the machine's cores.
 *
 * Measured on the 2-core development machine (Node 20, other work running, load ≈ 2.5), 1,000,000
 * rows, reader alone (estimate + open + all batches, validation included):
 *   csv  (56 MiB)                         1.7–1.95 s, peak RSS 145–155 MB
 *   xlsx (55 MiB, exceljs-written, 3 M shared strings, no dimension)   6.4–7.0 s, peak RSS ≈ 305 MB
 *   xlsx (48 MiB, LibreOffice-written, 363 MB sheet XML)               6.7–7.3 s, peak RSS 180–215 MB
 * Live memory at the end of the xlsx run is about 75 MB (heap 36 MB + typed arrays); the rest of
 * the peak is garbage not yet collected. For comparison, exceljs's streaming WorkbookReader only
 * iterating the same rows (no validation): 18.7 s (LibreOffice file) and 20.7 s / 629 MB (exceljs file).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { estimateRowCount, openImportFile, type ImportFileKind } from "./index";

const CHANNEL_KEYS = ["bench00001", "bench00002", "bench00003"];
const HEADER = ["userid", "phone", ...CHANNEL_KEYS.map((k) => `phone:${k}`)];

function phoneOf(i: number, column: number): string {
  return `1${3 + ((i + column) % 7)}${String((i * 7919 + column * 104_729) % 1_000_000_000).padStart(9, "0")}`;
}

async function makeCsv(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(`${HEADER.join(",")}\n`);
  for (let i = 0; i < rows; i++) {
    const line = `user${i},${phoneOf(i, 0)},${phoneOf(i, 1)},${phoneOf(i, 2)},${phoneOf(i, 3)}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function makeXlsx(file: string, rows: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet("Users");
  sheet.addRow(HEADER).commit();
  for (let i = 0; i < rows; i++) {
    // Phones as numbers in two columns (as typed into Excel) and as text in the others.
    sheet.addRow([`user${i}`, Number(phoneOf(i, 0)), phoneOf(i, 1), Number(phoneOf(i, 2)), phoneOf(i, 3)]).commit();
  }
  sheet.commit();
  await workbook.commit();
}

async function time(file: string, kind: ImportFileKind) {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(sample, 25);
  const started = performance.now();
  const estimate = await estimateRowCount(file, kind);
  const opened = await openImportFile({ path: file, kind, channelKeys: new Set(CHANNEL_KEYS) });
  const headerMs = performance.now() - started;
  let rows = 0;
  let issues = 0;
  for await (const batch of opened.batches()) {
    rows += batch.rows.length;
    issues += batch.issues.length;
  }
  const totalMs = performance.now() - started;
  clearInterval(timer);
  sample();
  return { kind, estimate, rows, issues, headerMs: Math.round(headerMs), totalMs: Math.round(totalMs), rowsPerSecond: Math.round(rows / (totalMs / 1000)), peakRssMB: Math.round(peak / 2 ** 20) };
}

async function main() {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const dir = process.argv[3] ?? "/tmp/import-bench";
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, `users-${rows}.csv`);
  const xlsx = path.join(dir, `users-${rows}.xlsx`);
  if (!fs.existsSync(csv)) await makeCsv(csv, rows);
  if (!fs.existsSync(xlsx)) await makeXlsx(xlsx, rows);
  console.log(`cores: ${os.cpus().length}, node ${process.version}, rows: ${rows}`);
  console.log(`csv ${(fs.statSync(csv).size / 2 ** 20).toFixed(1)} MiB, xlsx ${(fs.statSync(xlsx).size / 2 ** 20).toFixed(1)} MiB`);
  // Each file in a fresh process would be fairer for RSS; run with one kind to get that.
  const kinds = (process.env.KIND ?? "csv,xlsx").split(",") as ImportFileKind[];
  for (const kind of kinds) console.log(await time(kind === "csv" ? csv : xlsx, kind));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
