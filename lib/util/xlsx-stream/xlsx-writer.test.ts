import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, describe, expect, it } from "vitest";
import type { RawRow } from "@/lib/contacts/import/cells";
import { openXlsxSource } from "@/lib/contacts/import/xlsx-source";
import { checkZip, keepingStream } from "./testing";
import { XlsxStreamWriter, safeSheetName, type XlsxCell, type XlsxColumn } from "./xlsx-writer";

const dir = await fs.mkdtemp(path.join(os.tmpdir(), "xlsx-stream-"));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const COLUMNS: XlsxColumn[] = [
  { header: "文本 & <text>", width: 30 },
  { header: "Number", width: 10 },
  { header: "Other" },
];

/** Cells a reader must give back exactly, character for character. */
const LONG = "长文本 & <x> \"q\" 'a' 😀 ".repeat(1400).slice(0, 32_767);
const TEXTS = [
  "中文消息",
  "emoji 😀👍🏽 and 𠀀 (outside the BMP)",
  `XML's own: & < > " ' ]]> &amp; <c r="A1">`,
  "=1+1",
  "=cmd|' /C calc'!A0",
  "00123",
  "+8613800138000",
  "  spaces around  ",
  "\ttab first",
  "line one\nline two\r\nline three\rend",
  "submit_result:13 and no_final_report",
  LONG,
];
const NUMBERS = [0, 1, -1, 42, 3.5, -0.25, 13800138000, 2 ** 53 - 1, 1e-7];

function sampleRows(): XlsxCell[][] {
  const rows: XlsxCell[][] = [];
  TEXTS.forEach((text, i) => rows.push([text, NUMBERS[i % NUMBERS.length]!, i % 3 === 0 ? null : `row ${i}`]));
  // Empty cells of every kind, in every position.
  rows.push([null, undefined, ""], ["", 7, null], [undefined, null, "only C"], ["only A"]);
  // A row with more cells than columns: written too.
  rows.push(["a", 1, "c", "d beyond the columns"]);
  return rows;
}

async function writeWorkbook(rows: XlsxCell[][], options: { batch?: number; rowsPerSheet?: number; zip64From?: number; sheetName?: string } = {}) {
  const out = keepingStream();
  const writer = new XlsxStreamWriter(out.stream, { sheetName: options.sheetName ?? "消息", columns: COLUMNS, rowsPerSheet: options.rowsPerSheet, zip64From: options.zip64From });
  const batch = options.batch ?? 3;
  for (let i = 0; i < rows.length; i += batch) await writer.writeRows(rows.slice(i, i + batch));
  await writer.finish();
  const bytes = out.bytes();
  expect(writer.bytesWritten).toBe(bytes.length);
  const file = path.join(dir, `book-${Math.random().toString(36).slice(2)}.xlsx`);
  await fs.writeFile(file, bytes);
  return { bytes, file };
}

/** Every sheet's rows as exceljs reads them: cell values by column, null for an empty cell. */
async function readWithExceljs(bytes: Buffer) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook.worksheets.map((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow({ includeEmpty: true }, (row, number) => {
      rows[number - 1] = Array.from({ length: Math.max(row.cellCount, 3) }, (_, i) => row.getCell(i + 1).value ?? null);
    });
    return { sheet, name: sheet.name, rows: Array.from(rows, (row) => row ?? [null, null, null]) };
  });
}

/** The first sheet's raw cells as the contacts import reads them (text, numbers as exact decimals). */
async function readWithImportReader(file: string): Promise<(string | undefined)[][]> {
  const source = await openXlsxSource({ path: file, maxCellLength: 100_000, maxRows: 10_000, maxInflatedBytes: 2 ** 31, maxCompressionRatio: 10_000 });
  const rows: RawRow[] = [];
  try {
    for (let batch = await source.next(); batch; batch = await source.next()) rows.push(...batch);
  } finally {
    await source.close();
  }
  return rows.map((row) => {
    expect(row.extra).toBeNull();
    return Array.from(row.cells, (cell) => {
      if (typeof cell === "object") throw new Error(`row ${row.rowNumber}: the reader found a problem: ${cell.reason}`);
      return cell;
    });
  });
}

/** What exceljs gives back for a written cell: an empty one is null. */
const asExceljs = (cell: XlsxCell) => (cell === undefined || cell === "" ? null : cell);
/** What the import reader gives back: text, a number as its plain decimal (no exponent), an empty cell as a hole. */
const asImport = (cell: XlsxCell) =>
  cell === null || cell === undefined || cell === "" ? undefined : typeof cell === "number" ? cell.toLocaleString("en", { useGrouping: false, maximumFractionDigits: 20 }) : cell;
/** Drops trailing holes, as a reader that only knows the cells present does. */
function trimRow<T>(row: T[]): T[] {
  let end = row.length;
  while (end > 0 && (row[end - 1] === undefined || row[end - 1] === null)) end--;
  return row.slice(0, end);
}

describe("the streaming .xlsx writer", () => {
  it("writes cells that exceljs and the import reader read back exactly, with the header's look", async () => {
    const rows = sampleRows();
    const { bytes, file } = await writeWorkbook(rows);
    const header = COLUMNS.map((c) => c.header);

    const [book] = await readWithExceljs(bytes);
    expect(book!.name).toBe("消息");
    expect(book!.rows.map(trimRow)).toEqual([header, ...rows].map((row) => trimRow(row.map(asExceljs))));
    // Strings stay strings, even those that look like numbers or formulas; numbers are numbers.
    expect(book!.sheet.getCell("A5").type).toBe(ExcelJS.ValueType.String);
    expect(book!.sheet.getCell("A7").value).toBe("00123");
    expect(book!.sheet.getCell("B5").type).toBe(ExcelJS.ValueType.Number);
    expect(book!.sheet.getCell("A1").font?.bold).toBe(true);
    expect(book!.sheet.getCell("A2").font?.bold).toBeFalsy();
    expect([1, 2, 3].map((i) => book!.sheet.getColumn(i).width)).toEqual([30, 10, undefined]);
    expect(book!.sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });

    const imported = await readWithImportReader(file);
    expect(imported.map(trimRow)).toEqual([header, ...rows].map((row) => trimRow(row.map(asImport))));
  });

  it("writes characters XML cannot hold as Excel does, so the import reader gets them back", async () => {
    const rows: XlsxCell[][] = [
      ["bell\u0007 nul\u0000 esc\u001b vt\u000b ff\u000c us\u001f"],
      ["a literal _x0041_ and _x00e9_ stays literal"],
      ["lone halves \ud800 and \udfff, non-characters \ufffe \uffff"],
    ];
    const { bytes, file } = await writeWorkbook(rows);
    const imported = await readWithImportReader(file);
    expect(imported.slice(1).map((row) => row[0])).toEqual([
      rows[0]![0],
      rows[1]![0],
      // No XML can carry these: each becomes the replacement character.
      "lone halves \ufffd and \ufffd, non-characters \ufffd \ufffd",
    ]);
    // exceljs opens the file; it leaves OOXML's escapes in inline strings undecoded.
    const [book] = await readWithExceljs(bytes);
    expect(book!.rows[1]![0]).toBe("bell_x0007_ nul_x0000_ esc_x001B_ vt_x000B_ ff_x000C_ us_x001F_");
    expect(book!.rows[3]![0]).toBe("lone halves \ufffd and \ufffd, non-characters \ufffd \ufffd");
  });

  it("continues on a new sheet, header first, where a sheet is full", async () => {
    const rows: XlsxCell[][] = Array.from({ length: 11 }, (_, i) => [`text ${i}`, i, null]);
    // 4 rows a sheet: the header and 3 data rows; batches of 5 cross the sheets' ends.
    const { bytes } = await writeWorkbook(rows, { rowsPerSheet: 4, batch: 5, sheetName: "A name that is far too long for Excel" });
    const books = await readWithExceljs(bytes);
    const header = COLUMNS.map((c) => c.header);
    expect(books.map((b) => b.name)).toEqual(["A name that is far too long for", "A name that is far too long (2)", "A name that is far too long (3)", "A name that is far too long (4)"]);
    expect(books.map((b) => b.rows.map(trimRow))).toEqual([0, 3, 6, 9].map((from) => [header, ...rows.slice(from, from + 3).map((row) => trimRow(row.map(asExceljs)))]));
  });

  it("writes a workbook of the header alone when there are no rows", async () => {
    const { bytes, file } = await writeWorkbook([]);
    const [book] = await readWithExceljs(bytes);
    expect(book!.rows).toEqual([COLUMNS.map((c) => c.header)]);
    expect(await readWithImportReader(file)).toEqual([COLUMNS.map((c) => c.header)]);
  });

  it("is a sound zip: every part deflated, with matching CRCs and sizes in descriptor and directory", async () => {
    const rows = sampleRows();
    const { bytes } = await writeWorkbook(rows);
    const zip = checkZip(bytes);
    expect(zip.zip64End).toBe(false);
    expect(zip.entries.map((e) => e.name).sort()).toEqual(
      ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"].sort(),
    );
    expect(zip.entries.every((e) => !e.zip64 && e.compressedSize < e.size)).toBe(true);
    const sheet = zip.entries.find((e) => e.name === "xl/worksheets/sheet1.xml")!.data!.toString("utf8");
    expect(sheet).toContain('<c r="A1" s="1" t="inlineStr"><is><t>文本 &amp; &lt;text&gt;</t></is></c>');
    expect(sheet).toContain('<t xml:space="preserve">  spaces around  </t>');
  });

  it("writes ZIP64 records where sizes and offsets pass the limit, and readers still open the file", async () => {
    const rows = sampleRows();
    // Every size, offset and the directory past 2,000 bytes take the ZIP64 form.
    const { bytes, file } = await writeWorkbook(rows, { zip64From: 2000 });
    const zip = checkZip(bytes);
    expect(zip.zip64End).toBe(true);
    const sheet = zip.entries.find((e) => e.name === "xl/worksheets/sheet1.xml")!;
    expect(sheet.size).toBeGreaterThan(2000);
    expect(sheet.zip64).toBe(true);
    // The parts written after the sheet start past the limit: their offsets are ZIP64 too.
    expect(zip.entries.filter((e) => e.offset >= 2000).every((e) => e.zip64)).toBe(true);
    expect(zip.entries.some((e) => !e.zip64)).toBe(true);

    const header = COLUMNS.map((c) => c.header);
    const [book] = await readWithExceljs(bytes);
    expect(book!.rows.map(trimRow)).toEqual([header, ...rows].map((row) => trimRow(row.map(asExceljs))));
    const imported = await readWithImportReader(file);
    expect(imported.map(trimRow)).toEqual([header, ...rows].map((row) => trimRow(row.map(asImport))));
  });

  it("gives sheets names Excel accepts", () => {
    expect(safeSheetName("a/b\\c?d*e[f]g:h")).toBe("a b c d e f g h");
    expect(safeSheetName("'quoted'")).toBe("quoted");
    expect(safeSheetName("  ")).toBe("Sheet");
    expect(safeSheetName("x".repeat(40))).toHaveLength(31);
  });
});
