import type { Writable } from "node:stream";
import { SheetRows, type XlsxCell } from "./sheet-xml";
import { HEADER_STYLE, SHEET_TAIL, contentTypes, packageRels, sheetHead, sheetPath, styles, workbook, workbookRels } from "./workbook-parts";
import { ZipStreamWriter, type ZipEntryWriter, type ZipWriterOptions } from "./zip-writer";

/**
 * A workbook of one table written as a stream: rows go in a batch at a time and come out as
 * deflated sheet XML at once, so memory holds a batch and the deflate's window, never the file.
 * The table fills as many sheets as Excel's row limit asks for, each with the header row; the
 * workbook's own parts, which name the sheets, are written after them (a zip's order is free).
 * See README.md beside this file for why this is not exceljs.
 */

export type { XlsxCell } from "./sheet-xml";

export interface XlsxColumn {
  header: string;
  /** In Excel's character widths; unset keeps Excel's default. */
  width?: number;
}

export interface XlsxWriterOptions extends ZipWriterOptions {
  sheetName: string;
  columns: readonly XlsxColumn[];
  /** Rows a sheet holds, its header included (default Excel's limit, 1,048,576). Lower only in tests. */
  rowsPerSheet?: number;
}

export const EXCEL_MAX_ROWS = 1_048_576;
/** Rows turned into bytes at a time (about 60 KB of XML for the message export). */
const ROWS_PER_CHUNK = 100;
const MAX_SHEET_NAME = 31;

/** A name Excel accepts: none of : \ / ? * [ ], no apostrophe at either end, 1–31 characters. */
export function safeSheetName(name: string): string {
  const cleaned = name
    .replace(/[:\\/?*[\]\u0000-\u001F]/g, " ")
    .replace(/^'+|'+$/g, "")
    .trim();
  return (cleaned || "Sheet").slice(0, MAX_SHEET_NAME);
}

/** "Messages", "Messages (2)", …, the base cut so the number always fits. */
function continuationName(base: string, index: number): string {
  if (index === 0) return base;
  const suffix = ` (${index + 1})`;
  return base.slice(0, MAX_SHEET_NAME - suffix.length) + suffix;
}

export class XlsxStreamWriter {
  private readonly zip: ZipStreamWriter;
  private readonly name: string;
  private readonly header: string[];
  private readonly widths: (number | undefined)[];
  private readonly rows = new SheetRows();
  private readonly rowsPerSheet: number;
  private readonly sheetNames: string[] = [];
  private sheet: ZipEntryWriter | null = null;
  /** Rows of the open sheet so far, its header included. */
  private sheetRows = 0;
  private done = false;

  constructor(out: Writable, options: XlsxWriterOptions) {
    this.zip = new ZipStreamWriter(out, options);
    this.name = safeSheetName(options.sheetName);
    this.header = options.columns.map((c) => c.header);
    this.widths = options.columns.map((c) => c.width);
    this.rowsPerSheet = Math.max(2, Math.min(options.rowsPerSheet ?? EXCEL_MAX_ROWS, EXCEL_MAX_ROWS));
  }

  /** Bytes handed to the stream so far. */
  get bytesWritten(): number {
    return this.zip.bytesWritten;
  }

  /** Adds rows (cells in column order; cells past the columns are written too) and waits while the stream is full. */
  async writeRows(rows: readonly (readonly XlsxCell[])[]): Promise<void> {
    let at = 0;
    while (at < rows.length) {
      if (!this.sheet || this.sheetRows === this.rowsPerSheet) await this.nextSheet();
      const end = at + Math.min(rows.length - at, this.rowsPerSheet - this.sheetRows, ROWS_PER_CHUNK);
      // Short strings, each turned into bytes at once: a long one would be a tree of pieces that
      // outlives several young-generation collections and is copied by each (measured: a third
      // of the XML's CPU time for 5,000-row strings).
      let xml = "";
      for (; at < end; at++) xml += this.rows.rowXml(++this.sheetRows, rows[at]!);
      await this.sheet!.write(xml);
    }
  }

  /** Closes the last sheet, writes the workbook's parts and the zip's directory; the stream is left open. */
  async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (!this.sheet) await this.nextSheet();
    await this.closeSheet();
    const count = this.sheetNames.length;
    await this.zip.addEntry("xl/workbook.xml", workbook(this.sheetNames));
    await this.zip.addEntry("xl/_rels/workbook.xml.rels", workbookRels(count));
    await this.zip.addEntry("xl/styles.xml", styles());
    await this.zip.addEntry("_rels/.rels", packageRels());
    await this.zip.addEntry("[Content_Types].xml", contentTypes(count));
    await this.zip.finish();
  }

  /** Stops writing at once (the download went away): frees the open deflate. */
  destroy(): void {
    this.done = true;
    this.zip.destroy();
  }

  private async nextSheet(): Promise<void> {
    await this.closeSheet();
    const index = this.sheetNames.length;
    this.sheetNames.push(continuationName(this.name, index));
    this.sheet = await this.zip.startEntry(sheetPath(index));
    await this.sheet.write(sheetHead(this.widths) + this.rows.rowXml(1, this.header, HEADER_STYLE));
    this.sheetRows = 1;
  }

  private async closeSheet(): Promise<void> {
    if (!this.sheet) return;
    await this.sheet.write(SHEET_TAIL);
    await this.sheet.end();
    this.sheet = null;
  }
}
