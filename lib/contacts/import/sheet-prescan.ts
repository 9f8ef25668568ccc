import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";

/**
 * What must be known about a worksheet before its first row is used, found by one fast pass over
 * its inflated bytes (no XML parsing): the `<dimension>` (the used range, for the row total) and
 * the merged ranges, which Excel writes after all the rows. The same pass checks the part's
 * checksum and size, so a damaged or bomb sheet fails before any row is imported.
 */
export interface CellRange {
  firstRow: number;
  lastRow: number;
  firstColumn: number;
  lastColumn: number;
  ref: string;
}

/** Beyond this many merged ranges a sheet is not a contact list. */
export const MAX_MERGES = 100_000;

/**
 * "B2:D5" (or "B2") → a range, read straight from the bytes [start, end) of the part; null when
 * unreadable. A sheet may have 100,000 merged ranges: a substring and a regular expression for
 * each took most of a second.
 */
function rangeAt(buf: Buffer, start: number, end: number): CellRange | null {
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  const first = cellAt(buf, start, end);
  if (first < 0) return null;
  let c1 = cellColumn;
  let r1 = cellRow;
  let c2 = c1;
  let r2 = r1;
  if (first < end) {
    if (buf[first] !== 0x3a /* : */ || cellAt(buf, first + 1, end) !== end) return null;
    c2 = cellColumn;
    r2 = cellRow;
  }
  if (c1 > c2) [c1, c2] = [c2, c1];
  if (r1 > r2) [r1, r2] = [r2, r1];
  return { firstRow: r1, lastRow: r2, firstColumn: c1, lastColumn: c2, ref: buf.toString("latin1", start, end) };
}

// cellAt's result besides the position, through module variables: no object per cell.
let cellColumn = 0;
let cellRow = 0;

/** Reads `$?A-ZZZ$?1-9999999` from buf[at]; returns the position after it, or -1. */
function cellAt(buf: Buffer, at: number, end: number): number {
  if (buf[at] === 0x24 /* $ */) at++;
  let column = 0;
  let letters = 0;
  for (; at < end && letters <= 3; at++, letters++) {
    const c = buf[at]! | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    column = column * 26 + (c - 0x60);
  }
  if (letters === 0 || letters > 3) return -1;
  if (buf[at] === 0x24) at++;
  let row = 0;
  let digits = 0;
  for (; at < end && digits <= 7; at++, digits++) {
    const d = buf[at]! - 0x30;
    if (d < 0 || d > 9) break;
    row = row * 10 + d;
  }
  if (digits === 0 || digits > 7) return -1;
  cellColumn = column - 1;
  cellRow = row;
  return at;
}

const MERGE = Buffer.from("mergeCell");
const DIMENSION = Buffer.from("dimension");
const SHEET_DATA = Buffer.from("sheetData");
/** Enough bytes before a marker to see its '<' and a namespace prefix. */
const LOOK_BEHIND = 16;
/**
 * An unclosed tag is kept back until its '>' comes. Excel's are a few dozen bytes; without a
 * bound, a tag that never closes would be kept and searched again with every chunk, so the pass
 * would take time quadratic in the sheet's size (hours for a sheet of a gigabyte).
 */
const MAX_TAG = 1 << 20;

function unclosedTag(buf: Buffer, at: number): number {
  if (buf.length - at > MAX_TAG) {
    throw new ImportFileError(
      "corrupt_file",
      "The workbook is damaged and cannot be read (a tag longer than a megabyte).",
      importReason("importErrors.corrupt.tagTooLong"),
    );
  }
  return Math.max(0, at - LOOK_BEHIND);
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** True when buf[at] starts a tag's name: `<name` or `<prefix:name`. */
function startsTagName(buf: Buffer, at: number): boolean {
  if (buf[at - 1] === 0x3c) return true;
  if (buf[at - 1] !== 0x3a) return false;
  for (let i = at - 2; i >= Math.max(0, at - LOOK_BEHIND); i--) {
    const b = buf[i]!;
    if (b === 0x3c) return true;
    const nameByte = (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) || b === 0x5f || b === 0x2d || b === 0x2e;
    if (!nameByte) return false;
  }
  return false;
}

/** The range in the `ref="…"` attribute of the tag buf[from, to), or null. */
function refRange(buf: Buffer, from: number, to: number): CellRange | null {
  for (let at = from + 1; at + 3 < to; at++) {
    if (buf[at] !== 0x72 /* r */ || buf[at + 1] !== 0x65 || buf[at + 2] !== 0x66 || !isSpace(buf[at - 1])) continue;
    let p = at + 3;
    while (p < to && isSpace(buf[p])) p++;
    if (buf[p] !== 0x3d /* = */) continue;
    p++;
    while (p < to && isSpace(buf[p])) p++;
    const quote = buf[p];
    if (quote !== 0x22 && quote !== 0x27) continue;
    let close = p + 1;
    while (close < to && buf[close] !== quote) close++;
    return close < to ? rangeAt(buf, p + 1, close) : null;
  }
  return null;
}

export class SheetPrescan {
  dimension: CellRange | null = null;
  readonly merges: CellRange[] = [];
  private tail: Buffer = Buffer.alloc(0);
  private lookingForDimension = true;
  private scanned = 0;

  write(chunk: Buffer): void {
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    let keepFrom = Math.max(0, buf.length - (MERGE.length + LOOK_BEHIND));
    if (this.lookingForDimension) keepFrom = Math.min(keepFrom, this.findDimension(buf));
    let pos = 0;
    for (;;) {
      const at = buf.indexOf(MERGE, pos);
      if (at < 0) break;
      const after = buf[at + MERGE.length];
      if (after === undefined) {
        keepFrom = Math.min(keepFrom, Math.max(0, at - LOOK_BEHIND));
        break;
      }
      if (!isSpace(after) || !startsTagName(buf, at)) {
        pos = at + MERGE.length;
        continue;
      }
      const gt = buf.indexOf(0x3e, at);
      if (gt < 0) {
        keepFrom = Math.min(keepFrom, unclosedTag(buf, at));
        break;
      }
      const range = refRange(buf, at, gt);
      if (range && (range.lastRow > range.firstRow || range.lastColumn > range.firstColumn)) {
        if (this.merges.length >= MAX_MERGES) {
          throw new ImportFileError(
            "merged_cells",
            `The sheet has more than ${MAX_MERGES} merged ranges; unmerge the cells and upload it again.`,
            importReason("importErrors.mergedCells.tooMany", { max: MAX_MERGES }),
          );
        }
        this.merges.push(range);
      }
      pos = gt + 1;
    }
    keepFrom = Math.max(keepFrom, Math.min(pos, buf.length));
    this.scanned += chunk.length;
    this.tail = Buffer.from(buf.subarray(keepFrom));
  }

  /** Looks for `<dimension ref="…">` near the top; returns where to keep bytes from if unsure. */
  private findDimension(buf: Buffer): number {
    // The dimension comes before the rows; past the start of sheetData, or a megabyte, give up.
    const dataAt = buf.indexOf(SHEET_DATA);
    let pos = 0;
    for (;;) {
      const at = buf.indexOf(DIMENSION, pos);
      if (at < 0 || (dataAt >= 0 && at > dataAt)) break;
      if (!startsTagName(buf, at)) {
        pos = at + DIMENSION.length;
        continue;
      }
      const gt = buf.indexOf(0x3e, at);
      if (gt < 0) return unclosedTag(buf, at);
      this.dimension = refRange(buf, at, gt);
      this.lookingForDimension = false;
      return buf.length;
    }
    if (dataAt >= 0 || this.scanned > 1 << 20) this.lookingForDimension = false;
    return buf.length;
  }
}
