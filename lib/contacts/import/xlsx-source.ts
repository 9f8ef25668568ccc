import { isAscii } from "node:buffer";
import fs, { type FileHandle } from "node:fs/promises";
import type { RawRow } from "./cells";
import { ole2Error, readHead, sniffBytes } from "./file-sniff";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";
import { throwIfCancelled, type RawRowSource } from "./row-source";
import { SharedStringTable, SharedStringsScanner, sharedStringLimits } from "./shared-strings";
import { MergeIndex } from "./merge-index";
import { SheetPrescan } from "./sheet-prescan";
import { SheetScanner } from "./sheet-scanner";
import { locateFirstSheet } from "./xlsx-package";
import { InflateBudget, checkDeclaredSizes, readEntry, readZipDirectory, type ZipEntry, type ZipLimits } from "./zip-reader";

export interface XlsxSourceOptions extends ZipLimits {
  path: string;
  maxCellLength: number;
  maxRows: number;
  signal?: AbortSignal;
}

/**
 * Opens an .xlsx for streaming: checks what the file is, its zip directory (bomb check on the
 * declared sizes), finds the first sheet, pre-scans it (checksum, real inflated size, merged
 * ranges, dimension), loads the shared strings, and then streams the sheet's rows.
 */
export async function openXlsxSource(options: XlsxSourceOptions): Promise<RawRowSource> {
  const file = await fs.open(options.path, "r");
  try {
    const { size } = await file.stat();
    const kind = sniffBytes(await readHead(file, 4096));
    if (kind === "ole2") throw await ole2Error(file, size);
    if (kind === "empty") throw new ImportFileError("empty_sheet", "The file is empty.", importReason("importErrors.emptySheet.file"));
    if (kind === "text") {
      throw new ImportFileError(
        "not_xlsx",
        "This file is text (it looks like a CSV file), not an Excel workbook. Upload it with the .csv extension, or save it in Excel as .xlsx.",
        importReason("importErrors.notXlsx.text"),
      );
    }
    if (kind !== "zip") {
      throw new ImportFileError(
        "not_xlsx",
        "This file is not an Excel workbook (.xlsx); it does not even start like one.",
        importReason("importErrors.notXlsx.notZip"),
      );
    }

    const entries = await readZipDirectory(file, size);
    checkDeclaredSizes(entries, options);
    const budget = new InflateBudget(options.maxInflatedBytes);
    const location = await locateFirstSheet(file, entries, budget);

    const prescan = new SheetPrescan();
    let dimensionChecked = false;
    for await (const chunk of readEntry(file, location.sheet, { budget, verifyCrc: true })) {
      throwIfCancelled(options.signal);
      prescan.write(chunk);
      // The dimension comes first: refuse an oversized sheet without inflating the rest of it.
      if (!dimensionChecked && prescan.dimension) {
        dimensionChecked = true;
        checkDimension(prescan.dimension.lastRow, options.maxRows);
      }
    }

    const strings = new SharedStringTable(options.maxCellLength, sharedStringLimits(options.maxRows));
    if (location.sharedStrings) await loadSharedStrings(options, file, location.sharedStrings, budget, strings);
    return new XlsxSource(options, file, location.sheet, budget, strings, prescan);
  } catch (error) {
    await file.close();
    throw error;
  }
}

function checkDimension(lastRow: number, maxRows: number): void {
  if (lastRow - 1 <= maxRows) return;
  throw new ImportFileError(
    "too_many_rows",
    `The sheet uses rows down to row ${lastRow.toLocaleString("en")}: more than the ${maxRows.toLocaleString("en")} data rows one import may have. Split the file; if the rows below your data are empty, delete them in Excel and save again.`,
    importReason("importErrors.tooManyRows.dimension", { lastRow, max: maxRows }),
  );
}

async function loadSharedStrings(options: XlsxSourceOptions, file: FileHandle, entry: ZipEntry, budget: InflateBudget, table: SharedStringTable) {
  const scanner = new SharedStringsScanner(table, options.maxCellLength);
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of readEntry(file, entry, { budget, verifyCrc: true })) {
    throwIfCancelled(options.signal);
    scanner.write(decodeChunk(decoder, chunk));
  }
  scanner.write(decoder.decode());
  scanner.end();
  table.finish();
}

/**
 * Sheet XML is mostly ASCII, and a one-byte string is made several times faster than UTF-8
 * decoding. An ASCII chunk cannot follow a character cut at the previous chunk's end (its
 * continuation bytes are not ASCII), so skipping the streaming decoder for it is safe.
 */
function decodeChunk(decoder: TextDecoder, chunk: Buffer): string {
  return isAscii(chunk) ? chunk.toString("latin1") : decoder.decode(chunk, { stream: true });
}

class XlsxSource implements RawRowSource {
  private readonly chunks: AsyncGenerator<Buffer, void, undefined>;
  private readonly scanner: SheetScanner;
  private readonly decoder = new TextDecoder("utf-8");
  private rows: RawRow[] = [];
  private compressedRead = 0;
  private exhausted = false;
  private closed = false;

  constructor(
    private readonly options: XlsxSourceOptions,
    private readonly file: FileHandle,
    private readonly sheet: ZipEntry,
    budget: InflateBudget,
    strings: SharedStringTable,
    private readonly prescan: SheetPrescan,
  ) {
    this.scanner = new SheetScanner({ sharedStrings: strings, maxCellLength: options.maxCellLength, onRow: (row) => this.rows.push(row) });
    this.chunks = readEntry(file, sheet, {
      budget,
      onCompressedProgress: (bytes) => (this.compressedRead = bytes),
    });
  }

  async next(): Promise<RawRow[] | null> {
    while (this.rows.length === 0 && !this.exhausted) {
      throwIfCancelled(this.options.signal);
      const step = await this.chunks.next();
      if (step.done) {
        this.scanner.write(this.decoder.decode());
        this.scanner.end();
        this.exhausted = true;
      } else {
        this.scanner.write(decodeChunk(this.decoder, step.value));
        if (this.scanner.finished) {
          // </sheetData> met: the rest of the part (merges, print settings) was pre-scanned.
          this.exhausted = true;
          await this.chunks.return(undefined);
        }
      }
    }
    if (this.rows.length === 0) return null;
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  setColumnLimit(limit: number): void {
    this.scanner.columnLimit = limit;
  }

  mergeLookup(width: number) {
    const index = new MergeIndex(this.prescan.merges, width);
    return index.size > 0 ? (rowNumber: number) => index.coverAt(rowNumber) : undefined;
  }

  progress(): number {
    return this.exhausted ? 1 : Math.min(1, this.compressedRead / Math.max(1, this.sheet.compressedSize));
  }

  lastRowNumber(): number {
    return this.scanner.lastRowNumber;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chunks.return(undefined);
    await this.file.close();
  }
}
