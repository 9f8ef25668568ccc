import { describe, expect, it } from "vitest";
import type { RawRow } from "./cells";
import { SharedStringTable, SharedStringsScanner } from "./shared-strings";
import { SheetScanner } from "./sheet-scanner";

function strings(xml: string, maxCellLength = 1000): SharedStringTable {
  const table = new SharedStringTable(maxCellLength);
  const scanner = new SharedStringsScanner(table, maxCellLength);
  scanner.write(xml);
  scanner.end();
  table.finish();
  return table;
}

/** Scans sheet XML, fed in pieces of `step` characters to exercise every chunk boundary. */
function scan(xml: string, step = xml.length, table = strings("<sst/>"), maxCellLength = 1000): RawRow[] {
  const rows: RawRow[] = [];
  const scanner = new SheetScanner({ sharedStrings: table, maxCellLength, onRow: (row) => rows.push(row) });
  for (let i = 0; i < xml.length; i += step) scanner.write(xml.slice(i, i + step));
  scanner.end();
  return rows;
}

const wrap = (rows: string) => `<?xml version="1.0"?><worksheet xmlns="x"><sheetPr/><dimension ref="A1:C3"/><sheetData>${rows}</sheetData><mergeCells/></worksheet>`;

describe("SheetScanner", () => {
  const xml = wrap(
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>' +
      '<row r="3" spans="1:3"><c r="A3" t="inlineStr"><is><t xml:space="preserve"> a&amp;b &lt;c&gt; _x000D_ &#x4E2D;</t></is></c>' +
      '<c r="B3"><v>1.38001380000E+10</v></c><c r="C3" s="2"><v>8.613800138E12</v></c></row>' +
      '<row r="4"><c t="b"><v>1</v></c><c><v>12.50</v></c><c t="str"><f>A1</f><v>x</v></c></row>',
  );
  const table = strings('<sst count="2"><si><t>userid</t></si><si><r><t>pho</t></r><r><rPr/><t>ne</t></r><rPh><t>ふりがな</t></rPh></si></sst>');

  it("reads shared, rich and inline strings, numbers written out exactly, booleans and formula results", () => {
    const rows = scan(xml, xml.length, table);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 3, 4]);
    expect(rows[0]!.cells).toEqual(["userid", undefined, "phone"]);
    // Entities, OOXML's _x000D_ escape (a carriage return) and a character reference decoded.
    expect(rows[1]!.cells).toEqual([" a&b <c> \r 中", "13800138000", "8613800138000"]);
    // Cells without r follow the previous one.
    expect(rows[2]!.cells).toEqual(["TRUE", "12.5", "x"]);
  });

  it("gives the same rows however the text is cut into chunks", () => {
    const whole = scan(xml, xml.length, table);
    for (const step of [1, 2, 3, 7, 64]) expect(scan(xml, step, table)).toEqual(whole);
  });

  it("reads namespace-prefixed parts, as some generators write them", () => {
    const prefixed = '<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="B1" t="inlineStr"><x:is><x:t>hi</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>';
    expect(scan(prefixed)).toEqual([{ rowNumber: 1, cells: [undefined, "hi"], extra: null }]);
  });

  it("keeps cells past the column limit out of the row, reporting the first non-blank one", () => {
    const rows: RawRow[] = [];
    const scanner = new SheetScanner({ sharedStrings: table, maxCellLength: 1000, onRow: (row) => rows.push(row) });
    scanner.columnLimit = 2;
    scanner.write(wrap('<row r="2"><c r="A2"><v>1</v></c><c r="C2" t="inlineStr"><is><t> </t></is></c><c r="E2"><v>5</v></c><c r="F2"><v>6</v></c></row>'));
    expect(rows).toEqual([{ rowNumber: 2, cells: ["1"], extra: { column: 4, value: "5" } }]);
  });

  it("turns error values, formulas without a result and long texts into cell problems", () => {
    const rows = scan(
      wrap(
        `<row r="2"><c r="A2" t="e"><v>#N/A</v></c><c r="B2"><f>SUM(A1:A9)</f></c><c r="C2" t="inlineStr"><is><t>${"y".repeat(50_000)}</t></is></c></row>`,
      ),
      4096,
    );
    expect(rows[0]!.cells).toEqual([
      { shown: "#N/A", reason: "The cell shows the error #N/A.", reasonKey: "importErrors.cell.errorValue", reasonParams: { error: "#N/A" } },
      { shown: "=SUM(A1:A9)", reason: expect.stringMatching(/no saved result/), reasonKey: "importErrors.cell.formulaNoResult" },
      {
        shown: `${"y".repeat(200)}…`,
        reason: "The cell holds far more than 1000 characters, which no userid or phone number needs.",
        reasonKey: "importErrors.cell.farTooLong",
        reasonParams: { max: 1000 },
      },
    ]);
  });

  it("stops at the end of sheetData and reads an empty sheet as no rows", () => {
    expect(scan(wrap("") + "<row r='9'><c><v>1</v></c></row>")).toEqual([]);
    expect(scan('<worksheet><sheetData/><row r="1"><c><v>1</v></c></row></worksheet>')).toEqual([]);
  });

  it("complains about a part cut in the middle of a tag", () => {
    expect(() => scan('<worksheet><sheetData><row r="1"><c r="A1" t=')).toThrow(/ends in the middle of a tag/);
  });
});

describe("SharedStringTable", () => {
  it("keeps thousands of strings packed and gives each back", () => {
    const table = new SharedStringTable(10);
    for (let i = 0; i < 10_000; i++) table.add(`s${i}`);
    table.add("x".repeat(5), 50);
    table.finish();
    expect(table.size).toBe(10_001);
    expect(table.get(0)).toBe("s0");
    expect(table.get(4095)).toBe("s4095");
    expect(table.get(4096)).toBe("s4096");
    expect(table.get(9999)).toBe("s9999");
    expect(table.get(10_000)).toEqual({
      shown: "xxxxx…",
      reason: expect.stringMatching(/more than 10 characters/),
      reasonKey: "importErrors.cell.tooLong",
      reasonParams: { max: 10 },
    });
    expect(table.get(10_001)).toBeUndefined();
    expect(table.get(-1)).toBeUndefined();
  });
});
