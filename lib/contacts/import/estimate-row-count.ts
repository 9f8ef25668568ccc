import fsp from "node:fs/promises";
import { readRange } from "./file-range";
import { SheetPrescan } from "./sheet-prescan";
import { locateFirstSheet } from "./xlsx-package";
import { InflateBudget, readEntry, readZipDirectory } from "./zip-reader";
import type { ImportFileKind } from "./types";

/** The start of a sheet holds its dimension; inflating more than this to find it is not cheap. */
const DIMENSION_SEARCH_BYTES = 1 << 20;

/**
 * A cheap guess at the number of data rows (header excluded), for a progress bar's total:
 * xlsx: from the first sheet's `<dimension ref>` (null when the sheet has none);
 * csv: the number of line breaks, which over-counts only line breaks inside quoted cells.
 * Null when the file cannot be read; openImportFile reports why.
 */
export async function estimateRowCount(path: string, kind: ImportFileKind): Promise<number | null> {
  try {
    return kind === "xlsx" ? await estimateXlsxRows(path) : await countCsvLines(path);
  } catch {
    return null;
  }
}

async function estimateXlsxRows(path: string): Promise<number | null> {
  const file = await fsp.open(path, "r");
  try {
    const { size } = await file.stat();
    const entries = await readZipDirectory(file, size);
    const budget = new InflateBudget(64 * 1024 * 1024);
    const { sheet } = await locateFirstSheet(file, entries, budget);
    const prescan = new SheetPrescan();
    let seen = 0;
    const chunks = readEntry(file, sheet, { budget, chunkSize: 64 * 1024 });
    for await (const chunk of chunks) {
      prescan.write(chunk);
      seen += chunk.length;
      if (prescan.dimension || seen >= DIMENSION_SEARCH_BYTES || chunk.includes("sheetData")) break;
    }
    return prescan.dimension ? Math.max(0, prescan.dimension.lastRow - 1) : null;
  } finally {
    await file.close();
  }
}

async function countCsvLines(path: string): Promise<number> {
  let lineFeeds = 0;
  let carriageReturns = 0;
  let last = -1;
  const file = await fsp.open(path, "r");
  try {
    const { size } = await file.stat();
    for await (const chunk of readRange(file, 0, size)) {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lineFeeds++;
      // Old Mac files end lines with CR alone; count those only when there is no LF at all.
      if (lineFeeds === 0) for (let at = chunk.indexOf(13); at >= 0; at = chunk.indexOf(13, at + 1)) carriageReturns++;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    }
  } finally {
    await file.close();
  }
  const breaks = lineFeeds > 0 ? lineFeeds : carriageReturns;
  // A last line without a line break is a row too; the header is not.
  const lines = breaks + (last === -1 || last === 10 || last === 13 ? 0 : 1);
  return Math.max(0, lines - 1);
}
