import fs from "node:fs";
import iconv from "iconv-lite";
import { afterAll, describe, expect, it } from "vitest";
import { ImportFileError } from "./import-file-error";
import { openImportFile } from "./open-import-file";
import { CHANNELS, byRow, fixture, readAll, removeTempFiles, tempFile, importFileErrorOf } from "./test-support";

afterAll(removeTempFiles);

function openError(path: string, kind: "csv" | "xlsx" = "csv"): Promise<ImportFileError> {
  return importFileErrorOf(readAll({ path, kind }));
}

/** What the three CSV fixtures hold (written by LibreOffice from one sheet, see fixtures/README.md). */
const EXPECTED_ROWS = {
  2: { userid: "张三", phones: { all: "13800138000" } },
  3: { userid: "李四", phones: { all: "13900139000", chan000001: "13700137000" } },
  // A quoted comma stays inside the cell.
  4: { userid: "王五,经理", phones: { chan000001: "13600136000" } },
};

describe("reading a .csv", () => {
  it.each([
    ["gbk.csv", "gb18030"],
    ["utf8-bom.csv", "utf-8-bom"],
    ["semicolon.csv", "utf-8"],
  ])("reads %s (detected as %s) with its Chinese headers intact", async (name, encoding) => {
    const file = await openImportFile({ path: fixture(name), kind: "csv", channelKeys: CHANNELS });
    expect(file.encoding).toBe(encoding);
    expect(file.columns.map((c) => [c.header, c.bindId])).toEqual([
      ["用户ID", "userid"],
      ["手机号", "all"],
      ["phone:chan000001", "chan000001"],
    ]);
    const rows = [];
    for await (const batch of file.batches()) rows.push(...batch.rows);
    expect(byRow(rows)).toEqual(EXPECTED_ROWS);
  });

  it("detects GBK even when the first megabytes are plain ASCII", async () => {
    const filler = Array.from({ length: 60_000 }, (_, i) => `u${i},13800138000\r\n`).join("");
    const bytes = Buffer.concat([Buffer.from(`userid,phone\r\n${filler}`), iconv.encode("张三,13900139000\r\n", "gbk")]);
    expect(bytes.length).toBeGreaterThan(1 << 20); // past the reader's first chunk
    const { rows, issues } = await readAll({ path: tempFile("late-gbk.csv", bytes), kind: "csv" });
    expect(issues).toEqual([]);
    expect(rows).toHaveLength(60_001);
    expect(rows.at(-1)).toEqual({ rowNumber: 60_002, userid: "张三", phones: { all: "13900139000" } });
  });

  it("refuses text that is neither UTF-8 nor GBK", async () => {
    // Bytes that are invalid in GBK too (0x80 alone, 0xFF).
    const bytes = Buffer.concat([Buffer.from("userid,phone\n"), Buffer.from([0x80, 0xff, 0x80, 0xff, 0x2c, 0x31, 0x0a]), Buffer.alloc(300, 0x20)]);
    const error = await openError(tempFile("mixed.csv", bytes));
    expect(error.code).toBe("bad_encoding");
    expect(error.message).toMatch(/neither UTF-8 nor GBK/);
  });

  it("handles quotes, line breaks inside quotes, CRLF, CR and a last line without a break", async () => {
    const text = 'userid,phone\r\n"a ""quoted"" one",13800138000\r\n"multi\nline",13900139000\r"c",\r\n\r\nd,"138 0013 8000"';
    const { rows, issues } = await readAll({ path: tempFile("quotes.csv", text), kind: "csv" });
    expect(byRow(rows)).toEqual({
      2: { userid: 'a "quoted" one', phones: { all: "13800138000" } },
      // Row numbers count records, as Excel shows them, not lines.
      4: { userid: "c", phones: {} },
      6: { userid: "d", phones: { all: "13800138000" } },
    });
    // A line break inside a userid is a control character.
    expect(issues).toEqual([
      {
        rowNumber: 3,
        column: "userid",
        value: "multi\nline",
        reason: expect.stringMatching(/control character/),
        reasonKey: "importErrors.userid.control",
        severity: "error",
      },
    ]);
  });

  it("follows Excel's sep= line and detects tab-separated files", async () => {
    const semicolons = await readAll({ path: tempFile("sep.csv", "sep=;\nuserid;phone\nu1;13800138000\n"), kind: "csv" });
    expect(byRow(semicolons.rows)).toEqual({ 2: { userid: "u1", phones: { all: "13800138000" } } });
    const tabs = await readAll({ path: tempFile("tabs.csv", "userid\tphone\tphone:chan000002\nu2\t\t13900139000\n"), kind: "csv" });
    expect(byRow(tabs.rows)).toEqual({ 2: { userid: "u2", phones: { chan000002: "13900139000" } } });
  });

  it("rejects a megabyte cell as a row error, keeping only its start", async () => {
    const huge = "9".repeat(3_000_000);
    const text = `userid,phone\nok,13800138000\nbig,${huge}\nafter,13900139000\n`;
    const { rows, issues } = await readAll({ path: tempFile("huge.csv", text), kind: "csv" });
    expect(rows.map((r) => r.userid)).toEqual(["ok", "after"]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rowNumber: 3, column: "phone", severity: "error" });
    expect(issues[0]!.reason).toMatch(/far more than 1000 characters/);
    expect(issues[0]!.value).toBe(`${"9".repeat(200)}…`);
  });

  it("refuses a quote that is never closed, naming its row", async () => {
    const error = await openError(tempFile("open-quote.csv", 'userid,phone\nu1,13800138000\n"u2,13900139000\nu3,13700137000\n'));
    expect(error.code).toBe("corrupt_file");
    expect(error.message).toMatch(/row 3 that is never closed/);
  });

  it("reports values in columns without a header, rejecting their rows", async () => {
    const text = "userid,phone,,\nu1,13800138000,,\nu2,13900139000,note,\nu3,13700137000,,extra\n";
    const { rows, issues } = await readAll({ path: tempFile("no-header.csv", text), kind: "csv" });
    expect(rows.map((r) => r.userid)).toEqual(["u1"]);
    expect(issues.map((i) => [i.rowNumber, i.column, i.value])).toEqual([
      [3, "C", "note"],
      [4, "D", "extra"],
    ]);
    expect(issues[0]!.reason).toMatch(/column has no header/);
  });

  it("stops with too_many_rows at the first row past the limit", async () => {
    const text = `userid,phone\n${Array.from({ length: 30 }, (_, i) => `u${i},13800138000`).join("\n")}\n\n\n`;
    const path = tempFile("rows.csv", text);
    // Exactly at the limit (trailing blank lines do not count): fine.
    expect((await readAll({ path, kind: "csv", maxRows: 30 })).rows).toHaveLength(30);
    const file = await openImportFile({ path, kind: "csv", channelKeys: CHANNELS, maxRows: 29, batchSize: 10 });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const batch of file.batches()) seen.push(...batch.rows.map((r) => r.rowNumber));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as ImportFileError).code).toBe("too_many_rows");
    expect((error as ImportFileError).message).toMatch(/more than 29 data rows.*row 31/);
    // Never a row past the limit.
    expect(Math.max(...seen)).toBeLessThanOrEqual(30);
  });

  it.each([
    ["zip", Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(100, 1)]), /Excel workbook \(\.xlsx\) or another zip/],
    ["ole2", Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]), /old Excel \(\.xls\)/],
    ["pdf", Buffer.from("%PDF-1.7\n%âãÏÓ\n"), /PDF document/],
    ["elf", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0]), /binary file/],
  ])("refuses a .csv that is really %s", async (_kind, bytes, message) => {
    const error = await openError(tempFile("fake.csv", bytes));
    expect(error.code).toBe("not_csv");
    expect(error.message).toMatch(message);
  });

  it("refuses the real .xlsx fixture uploaded as .csv", async () => {
    const copy = tempFile("phones.csv", fs.readFileSync(fixture("phones.xlsx")));
    expect((await openError(copy)).code).toBe("not_csv");
  });

  it("says an empty file, or one with blank lines only, is empty", async () => {
    expect((await openError(tempFile("empty.csv", ""))).code).toBe("empty_sheet");
    expect((await openError(tempFile("blank.csv", "\n \n,,\n"))).code).toBe("empty_sheet");
  });

  it("refuses a file whose first row is not the header", async () => {
    const error = await openError(tempFile("late-header.csv", "\nuserid,phone\nu1,13800138000\n"));
    expect(error.code).toBe("bad_header");
    expect(error.message).toMatch(/Row 1 is empty/);
  });

  it("reads a header-only file as no rows, without error", async () => {
    const { rows, issues, batches } = await readAll({ path: tempFile("header-only.csv", "userid,phone\r\n"), kind: "csv" });
    expect(rows).toEqual([]);
    expect(issues).toEqual([]);
    expect(batches.at(-1)?.rowsRead ?? 0).toBe(0);
  });
});
