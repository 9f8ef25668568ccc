import { describe, expect, it } from "vitest";
import { ImportFileError } from "./import-file-error";
import { SheetPrescan } from "./sheet-prescan";

/** Feeds the part in chunks of `size` bytes, so that tags are cut at every position. */
function prescan(xml: string, size: number): SheetPrescan {
  const scan = new SheetPrescan();
  const bytes = Buffer.from(xml, "latin1");
  for (let at = 0; at < bytes.length; at += size) scan.write(bytes.subarray(at, at + size));
  return scan;
}

const SHEET =
  `<?xml version="1.0"?><x:worksheet xmlns:x="main"><x:dimension ref=" A1:C9 "/><x:sheetData><x:row r="1"/></x:sheetData>` +
  `<x:mergeCells count="6"><x:mergeCell ref="$A$3:$B$4"/><x:mergeCell  ref = 'C5:B5' /><x:mergeCell ref="D7"/>` +
  `<x:mergeCell ref="nonsense"/><x:mergeCell ref="AAAA1:B2"/><x:mergeCell ref="A1:B12345678"/><x:mergeCell ref="E2:E9"/></x:mergeCells></x:worksheet>`;

describe("sheet pre-scan", () => {
  it.each([1, 7, 64, 100_000])("finds the dimension and the merged ranges, read in chunks of %i bytes", (size) => {
    const scan = prescan(SHEET, size);
    expect(scan.dimension).toEqual({ firstRow: 1, lastRow: 9, firstColumn: 0, lastColumn: 2, ref: "A1:C9" });
    // A single cell is no merge; unreadable references are skipped.
    expect(scan.merges).toEqual([
      { firstRow: 3, lastRow: 4, firstColumn: 0, lastColumn: 1, ref: "$A$3:$B$4" },
      { firstRow: 5, lastRow: 5, firstColumn: 1, lastColumn: 2, ref: "C5:B5" },
      { firstRow: 2, lastRow: 9, firstColumn: 4, lastColumn: 4, ref: "E2:E9" },
    ]);
  });

  it("calls a sheet damaged when a merge or dimension tag never closes, instead of keeping it back", () => {
    const filler = " x".repeat(600_000);
    for (const open of ['<mergeCells><mergeCell ref="A1:B2"', '<dimension ref="A1:B2"']) {
      const error = (() => {
        try {
          prescan(`<worksheet>${open}${filler}/></worksheet>`, 64 * 1024);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ImportFileError);
      expect(error).toMatchObject({ code: "corrupt_file", message: expect.stringMatching(/a tag longer than a megabyte/) });
    }
  });
});
