import { columnLetter } from "./cells";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";
import type { MergeCover } from "./row-checker";
import type { CellRange } from "./sheet-prescan";

/**
 * Answers "which merged range covers row N?" in O(log n) for n merged ranges, in any row order.
 * Merged ranges may overlap in a hand-made file (Excel never writes that), and a sweep over the
 * ranges open at a row would then cost every open range on every row: 100,000 ranges stacked over
 * the same rows made each row cost milliseconds. So the ranges are flattened once into disjoint
 * row segments, each naming one range that covers it, and a row is found by binary search.
 * Only ranges that touch the columns being imported matter; a merge in the header row across
 * columns is a header error.
 */
export class MergeIndex {
  /** Segment i covers rows starts[i]..ends[i] and is reported as covers[i]. */
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly covers: MergeCover[] = [];

  constructor(merges: readonly CellRange[], width: number) {
    const header = merges.find((m) => m.firstRow <= 1 && m.lastColumn > m.firstColumn && m.firstColumn < width);
    if (header) {
      throw new ImportFileError(
        "bad_header",
        `The header cells ${header.ref} are merged; every column needs a header cell of its own. Unmerge them and give each column its header.`,
        importReason("importErrors.header.merged", { ref: header.ref }),
        [
          {
            column: columnLetter(header.firstColumn),
            message: `Merged header cells ${header.ref}.`,
            key: "importErrors.headerProblem.merged",
            params: { ref: header.ref },
          },
        ],
      );
    }
    // Data rows start at 2: a range from the header down counts from row 2.
    const startOf = (m: CellRange) => Math.max(m.firstRow, 2);
    const ranges = merges.filter((m) => m.firstColumn < width && m.lastRow >= 2).sort((a, b) => startOf(a) - startOf(b));
    // Taken in order of first row, a range adds only the rows past those already covered. A row
    // is thus reported with the earliest-starting range over it, whichever ranges overlap there.
    const starts: number[] = [];
    const ends: number[] = [];
    let coveredTo = 0;
    for (const range of ranges) {
      if (range.lastRow <= coveredTo) continue;
      starts.push(Math.max(startOf(range), coveredTo + 1));
      ends.push(range.lastRow);
      this.covers.push({ ref: range.ref, column: range.firstColumn });
      coveredTo = range.lastRow;
    }
    this.starts = Uint32Array.from(starts);
    this.ends = Uint32Array.from(ends);
  }

  /** Segments after flattening: 0 when no merged range touches the imported rows and columns. */
  get size(): number {
    return this.covers.length;
  }

  coverAt(rowNumber: number): MergeCover | null {
    // The last segment starting at or before the row.
    let low = 0;
    let high = this.starts.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.starts[mid]! <= rowNumber) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found >= 0 && this.ends[found]! >= rowNumber ? this.covers[found]! : null;
  }
}
