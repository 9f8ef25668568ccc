import { columnIndex, columnLetter } from "./cells";
import { ImportFileError } from "./import-file-error";
import type { MergeCover } from "./row-checker";

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

/** "B2:D5" (or "B2") → a range; null when unreadable. */
export function parseRange(ref: string): CellRange | null {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$/.exec(ref.trim());
  if (!m) return null;
  const c1 = columnIndex(m[1]!);
  const r1 = Number(m[2]);
  const c2 = m[3] ? columnIndex(m[3]) : c1;
  const r2 = m[4] ? Number(m[4]) : r1;
  return { firstRow: Math.min(r1, r2), lastRow: Math.max(r1, r2), firstColumn: Math.min(c1, c2), lastColumn: Math.max(c1, c2), ref: ref.trim() };
}

const MERGE = Buffer.from("mergeCell");
const DIMENSION = Buffer.from("dimension");
const SHEET_DATA = Buffer.from("sheetData");
/** Enough bytes before a marker to see its '<' and a namespace prefix. */
const LOOK_BEHIND = 16;

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

function refOf(tag: string): string | null {
  const m = /\sref\s*=\s*["']([^"']*)["']/.exec(tag);
  return m ? m[1]! : null;
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
        keepFrom = Math.min(keepFrom, Math.max(0, at - LOOK_BEHIND));
        break;
      }
      const ref = refOf(buf.toString("latin1", at, gt));
      const range = ref ? parseRange(ref) : null;
      if (range && (range.lastRow > range.firstRow || range.lastColumn > range.firstColumn)) {
        if (this.merges.length >= MAX_MERGES) {
          throw new ImportFileError("merged_cells", `The sheet has more than ${MAX_MERGES} merged ranges; unmerge the cells and upload it again.`);
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
      if (gt < 0) return Math.max(0, at - LOOK_BEHIND);
      const ref = refOf(buf.toString("latin1", at, gt));
      this.dimension = ref ? parseRange(ref) : null;
      this.lookingForDimension = false;
      return buf.length;
    }
    if (dataAt >= 0 || this.scanned > 1 << 20) this.lookingForDimension = false;
    return buf.length;
  }
}

/**
 * Answers "which merged range covers row N?" for rows asked in ascending order (as a sheet is
 * read), in time proportional to the ranges open at that row. Only ranges that touch the columns
 * being imported matter; a merge in the header row across columns is a header error.
 */
export class MergeIndex {
  private readonly ranges: CellRange[];
  private next = 0;
  private active: CellRange[] = [];
  private lastAsked = 0;

  constructor(merges: readonly CellRange[], width: number) {
    const header = merges.find((m) => m.firstRow <= 1 && m.lastColumn > m.firstColumn && m.firstColumn < width);
    if (header) {
      throw new ImportFileError(
        "bad_header",
        `The header cells ${header.ref} are merged; every column needs a header cell of its own. Unmerge them and give each column its header.`,
        [{ column: columnLetter(header.firstColumn), message: `Merged header cells ${header.ref}.` }],
      );
    }
    this.ranges = merges
      .filter((m) => m.firstColumn < width && m.lastRow >= 2)
      .map((m) => ({ ...m, firstRow: Math.max(m.firstRow, 2) }))
      .sort((a, b) => a.firstRow - b.firstRow);
  }

  get size(): number {
    return this.ranges.length;
  }

  coverAt(rowNumber: number): MergeCover | null {
    if (this.ranges.length === 0) return null;
    if (rowNumber < this.lastAsked) {
      // Rows out of order (a hand-made file): start over.
      this.next = 0;
      this.active = [];
    }
    this.lastAsked = rowNumber;
    while (this.next < this.ranges.length && this.ranges[this.next]!.firstRow <= rowNumber) this.active.push(this.ranges[this.next++]!);
    if (this.active.length > 0) this.active = this.active.filter((r) => r.lastRow >= rowNumber);
    const hit = this.active[0];
    return hit ? { ref: hit.ref, column: hit.firstColumn } : null;
  }
}
