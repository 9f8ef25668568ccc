import { isBlankCell, isCellProblem, shownValue, type RawRow } from "./cells";
import { resolveColumns, type ColumnLayout } from "./columns";
import { openCsvSource } from "./csv-source";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";
import { RowChecker } from "./row-checker";
import { throwIfCancelled, type RawRowSource } from "./row-source";
import type { ImportBatch, ImportIssue, ImportRow, OpenedImportFile, ReadImportOptions } from "./types";
import { openXlsxSource } from "./xlsx-source";

export const IMPORT_DEFAULTS = {
  maxRows: 2_000_000,
  maxCellLength: 1000,
  batchSize: 5000,
  maxInflatedBytes: 2 * 1024 ** 3,
  maxCompressionRatio: 200,
} as const;

function isBlankRow(row: RawRow): boolean {
  return row.extra === null && row.cells.every(isBlankCell);
}

/** Rows read before the header was known kept every cell: treat the ones past the header as the reader now would. */
function limitColumns(row: RawRow, width: number): RawRow {
  if (row.cells.length <= width) return row;
  // A row the reader was in the middle of when the limit was set holds cells past it, all to the
  // left of any cell met after it (row.extra): the first of those is the one to report.
  let extra: RawRow["extra"] = null;
  for (let column = width; column < row.cells.length && extra === null; column++) {
    const cell = row.cells[column];
    if (!isBlankCell(cell)) extra = { column, value: isCellProblem(cell) ? cell.shown : shownValue(cell as string) };
  }
  return { rowNumber: row.rowNumber, cells: row.cells.slice(0, width), extra: extra ?? row.extra };
}

/**
 * Opens an uploaded .xlsx or .csv for import. Everything about the file as a whole is checked
 * here, before any row is used: what the file really is, zip bomb, damage, the header row (every
 * problem at once, with the existing channel keys). Then `batches()` streams the data rows.
 */
export async function openImportFile(options: ReadImportOptions): Promise<OpenedImportFile> {
  const maxRows = options.maxRows ?? IMPORT_DEFAULTS.maxRows;
  const maxCellLength = options.maxCellLength ?? IMPORT_DEFAULTS.maxCellLength;
  const batchSize = Math.max(1, options.batchSize ?? IMPORT_DEFAULTS.batchSize);
  const { signal } = options;
  throwIfCancelled(signal);

  const source: RawRowSource =
    options.kind === "xlsx"
      ? await openXlsxSource({
          path: options.path,
          maxCellLength,
          maxRows,
          maxInflatedBytes: options.maxInflatedBytes ?? IMPORT_DEFAULTS.maxInflatedBytes,
          maxCompressionRatio: options.maxCompressionRatio ?? IMPORT_DEFAULTS.maxCompressionRatio,
          signal,
        })
      : await openCsvSource({ path: options.path, maxCellLength, signal });

  let checker: RowChecker;
  let layout: ColumnLayout;
  let width = 0;
  let pending: RawRow[] = [];
  try {
    let header: RawRow | null = null;
    while (header === null) {
      const rows = await source.next();
      if (rows === null) break;
      const at = rows.findIndex((row) => !isBlankRow(row));
      if (at >= 0) {
        header = rows[at]!;
        pending = rows.slice(at + 1);
      }
    }
    if (header === null) throw new ImportFileError("empty_sheet", "The sheet is empty: there is no header row and no data.", importReason("importErrors.emptySheet.noRows"));
    if (header.rowNumber !== 1) {
      throw new ImportFileError(
        "bad_header",
        `Row 1 is empty, and the first filled row is row ${header.rowNumber}; the first row must hold the column headers (userid, phone, phone:KEY …).`,
        importReason("importErrors.header.rowOneEmpty", { row: header.rowNumber }),
      );
    }
    layout = resolveColumns(header.cells, options.channelKeys);
    width = layout.byIndex.length;
    source.setColumnLimit(width);
    pending = pending.map((row) => limitColumns(row, width));
    checker = new RowChecker({ layout, maxCellLength, mergeAt: source.mergeLookup?.(width) });
  } catch (error) {
    await source.close();
    throw error;
  }

  let started = false;
  async function* batches(): AsyncGenerator<ImportBatch, void, undefined> {
    if (started) throw new Error("batches() can be iterated only once.");
    started = true;
    let rows: ImportRow[] = [];
    let issues: ImportIssue[] = [];
    let highestRow = 1;
    let yieldedRowsRead = -1;
    const ready: ImportBatch[] = [];
    const seal = () => {
      ready.push({ rows, issues, rowsRead: highestRow - 1, progress: source.progress() });
      rows = [];
      issues = [];
    };
    const take = (read: RawRow) => {
      // The row the header's chunk ended in was read before the limit was set, past the header's width.
      const raw = limitColumns(read, width);
      if (raw.rowNumber - 1 > maxRows && !isBlankRow(raw)) {
        throw new ImportFileError(
          "too_many_rows",
          `The file has more than ${maxRows.toLocaleString("en")} data rows, the most one import may have; it stopped at row ${raw.rowNumber.toLocaleString("en")}. Split the file and import the parts one after another.`,
          importReason("importErrors.tooManyRows.reader", { max: maxRows, row: raw.rowNumber }),
        );
      }
      checker.check(raw, rows, issues);
      if (raw.rowNumber > highestRow) highestRow = raw.rowNumber;
      if (rows.length >= batchSize || issues.length >= batchSize) seal();
    };

    try {
      for (const raw of pending) take(raw);
      pending = [];
      for (;;) {
        while (ready.length > 0) {
          const batch = ready.shift()!;
          yieldedRowsRead = batch.rowsRead;
          yield batch;
          throwIfCancelled(signal);
        }
        throwIfCancelled(signal);
        const next = await source.next();
        if (next === null) break;
        for (const raw of next) take(raw);
      }
      // Blank rows at the end count as read, so the total matches the sheet's last row.
      highestRow = Math.max(highestRow, source.lastRowNumber());
      if (rows.length > 0 || issues.length > 0 || highestRow - 1 !== yieldedRowsRead) seal();
      while (ready.length > 0) yield ready.shift()!;
    } finally {
      await source.close();
    }
  }

  return {
    columns: layout.columns,
    get encoding() {
      return source.encoding;
    },
    batches,
    close: () => source.close(),
  };
}
