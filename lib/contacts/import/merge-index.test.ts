import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { columnLetter } from "./cells";
import { MergeIndex } from "./merge-index";
import { MAX_MERGES, type CellRange } from "./sheet-prescan";
import { makeZip, numberCell, readAll, removeTempFiles, sheetXml, tempFile, textCell, workbookParts } from "./test-support";

afterAll(removeTempFiles);

function range(firstRow: number, lastRow: number, firstColumn: number, lastColumn: number): CellRange {
  return { firstRow, lastRow, firstColumn, lastColumn, ref: `${columnLetter(firstColumn)}${firstRow}:${columnLetter(lastColumn)}${lastRow}` };
}

/** What the index must answer, found by looking at every range: the earliest-starting one over the row. */
function coverByScan(merges: CellRange[], width: number, row: number) {
  const over = merges.filter((m) => m.firstColumn < width && Math.max(m.firstRow, 2) <= row && m.lastRow >= row);
  const first = over.reduce<CellRange | null>((best, m) => (best === null || Math.max(m.firstRow, 2) < Math.max(best.firstRow, 2) ? m : best), null);
  return first ? { ref: first.ref, column: first.firstColumn } : null;
}

describe("merged ranges", () => {
  it("names, for every row, the earliest-starting merged range over it, however the ranges overlap", () => {
    const merge = fc
      .record({ firstRow: fc.integer({ min: 2, max: 60 }), rows: fc.integer({ min: 0, max: 30 }), firstColumn: fc.integer({ min: 0, max: 4 }), columns: fc.integer({ min: 0, max: 2 }) })
      .filter((m) => m.rows > 0 || m.columns > 0)
      .map((m) => range(m.firstRow, m.firstRow + m.rows, m.firstColumn, m.firstColumn + m.columns));
    fc.assert(
      fc.property(fc.array(merge, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (merges, width) => {
        const index = new MergeIndex(merges, width);
        // Asked out of order too: a hand-made sheet may list its rows in any order.
        for (const row of [...Array.from({ length: 95 }, (_, i) => i + 2), 40, 3, 70, 2]) {
          expect(index.coverAt(row)).toEqual(coverByScan(merges, width, row));
        }
      }),
    );
  });

  it("reads a sheet of 100,000 overlapping merged ranges (the most allowed) over 2,000 rows in well under a second", async () => {
    const rows = 2_000;
    const merges = MAX_MERGES;
    const sheet = sheetXml(
      [[textCell("A1", "userid"), textCell("B1", "phone")], ...Array.from({ length: rows }, (_, i) => [textCell(`A${i + 2}`, `u${i}`), numberCell(`B${i + 2}`, "13800138000")])],
      `<mergeCells count="${merges}">${Array.from({ length: merges }, (_, i) => `<mergeCell ref="A${2 + (i % rows)}:B1048576"/>`).join("")}</mergeCells>`,
    );
    const path = tempFile("stacked-merges.xlsx", makeZip(workbookParts(sheet)));
    // CPU time, not wall time: on a loaded machine the scheduler alone can stretch the wall clock
    // past a second, while the quadratic lookup this guards against took 12 s of CPU.
    const started = process.cpuUsage();
    const { rows: accepted, issues } = await readAll({ path, kind: "xlsx" });
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;
    expect(accepted).toEqual([]);
    expect(issues).toHaveLength(rows);
    expect(issues[0]).toMatchObject({ rowNumber: 2, column: "userid", value: "u0" });
    expect(issues[0]!.reason).toContain("merged cells A2:B1048576");
    expect(issues.at(-1)).toMatchObject({ rowNumber: rows + 1 });
    expect(issues.at(-1)!.reason).toContain("merged cells A2:B1048576");
    expect(elapsed).toBeLessThan(1000);
  });
});
