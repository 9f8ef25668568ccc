import { afterAll, describe, expect, it } from "vitest";
import { openImportFile } from "./open-import-file";
import { CHANNELS, byRow, fixture, makeZip, numberCell, readAll, removeTempFiles, sheetXml, tempFile, textCell, workbookParts, importFileErrorOf } from "./test-support";

afterAll(removeTempFiles);

/** The .xlsx fixtures were written by LibreOffice (see fixtures/README.md), not by this reader's own code. */
const openError = importFileErrorOf;

describe("reading an .xlsx written by LibreOffice", () => {
  it("maps the header to bind ids and normalises every kind of phone cell", async () => {
    const { columns, rows, issues, batches } = await readAll({ path: fixture("phones.xlsx"), kind: "xlsx" });
    expect(columns).toEqual([
      { header: "userid", letter: "A", bindId: "userid" },
      { header: "phone", letter: "B", bindId: "all" },
      { header: "phone:chan000001", letter: "C", bindId: "chan000001" },
      { header: "phone(chan000002)", letter: "D", bindId: "chan000002" },
      // Latin names are case-insensitive, and so is the channel key when only one matches.
      { header: "Phone.CHAN000003", letter: "E", bindId: "chan000003" },
    ]);
    expect(byRow(rows)).toEqual({
      // B2 is the number 13800138000 shown as 1.38E+10: read exactly, not as displayed.
      2: { userid: "alice", phones: { all: "13800138000", chan000001: "13900139000" } },
      // "0086 …" text, 8613600136000 as a number, "86 (135) …" text: prefixes and decoration removed.
      3: { userid: "bob", phones: { all: "13700137000", chan000001: "13600136000", chan000002: "13500135000" } },
      // Blank cells are absent (the existing binding is kept), not empty strings.
      4: { userid: "carol", phones: { chan000003: "+447911123456" } },
      8: { userid: "alice", phones: { chan000001: "13800138001" } },
      9: { userid: "10001", phones: { all: "13600136000" } },
      10: { userid: "erin", phones: { all: "13800138000" } },
      11: { userid: "frank", phones: { all: "+14155552671", chan000001: "+447911123456" } },
    });
    expect(issues).toEqual([
      // Row 6 has one bad number: the whole row is rejected, its good C6 too.
      {
        rowNumber: 6,
        column: "phone",
        value: "12345",
        reason: expect.stringMatching(/not a mainland mobile/),
        reasonKey: "importErrors.phone.notMainland",
        reasonParams: { given: "12345" },
        severity: "error",
      },
      {
        rowNumber: 7,
        column: "userid",
        value: "",
        reason: "The userid is missing, but the row has other values.",
        reasonKey: "importErrors.row.missingUserid",
        severity: "error",
      },
      {
        rowNumber: 2,
        column: "userid",
        value: "alice",
        reason: expect.stringMatching(/^Rows 2 and 8 have the same userid.*row 8's wins\.$/),
        reasonKey: "importErrors.row.duplicateUserid",
        reasonParams: { earlier: 2, later: 8 },
        severity: "warning",
      },
    ]);
    // Row 5 is blank and skipped silently, but counted as read: 10 data rows in all.
    expect(batches.at(-1)!.rowsRead).toBe(10);
    expect(batches.at(-1)!.progress).toBe(1);
  });

  it("accepts the Chinese headers, with full-width colon and parentheses", async () => {
    const { columns, rows, issues } = await readAll({ path: fixture("chinese-headers.xlsx"), kind: "xlsx" });
    expect(columns.map((c) => c.bindId)).toEqual(["userid", "all", "chan000001", "chan000002"]);
    expect(columns.map((c) => c.header)).toEqual(["用户ID", "手机号", "手机号：chan000001", "手机号（chan000002）"]);
    expect(byRow(rows)).toEqual({
      2: { userid: "张三", phones: { all: "13800138000", chan000001: "13900139000" } },
      3: { userid: "李四", phones: { chan000002: "13700137000" } },
    });
    expect(issues).toEqual([]);
  });

  it("refuses a header naming a channel that does not exist, listing those that do, before any row", async () => {
    const error = await openError(openImportFile({ path: fixture("phones.xlsx"), kind: "xlsx", channelKeys: new Set(["chan000001", "chan000003"]) }));
    expect(error.code).toBe("unknown_channel");
    expect(error.message).toContain('Column D ("phone(chan000002)") names the channel key "chan000002", and no channel has that key.');
    expect(error.message).toContain("Existing channel keys: chan000001, chan000003.");
    expect(error.details).toEqual([
      {
        column: "phone(chan000002)",
        message: expect.stringContaining("chan000002"),
        key: "importErrors.headerProblem.unknownChannel",
        params: { letter: "D", header: "phone(chan000002)", key: "chan000002" },
      },
    ]);
    expect(error.reason).toEqual({
      key: "importErrors.header.refused",
      params: { channels: { key: "importErrors.header.channelKeys", params: { keys: "chan000001, chan000003" } } },
    });
  });

  it("uses a formula's saved result, and rejects a row whose formula fails", async () => {
    const { rows, issues } = await readAll({ path: fixture("formulas.xlsx"), kind: "xlsx" });
    expect(byRow(rows)).toEqual({
      2: { userid: "f1", phones: { all: "13800138000" } },
      3: { userid: "f2", phones: { all: "13900139001" } },
      5: { userid: "f4", phones: { all: "13600136000", chan000001: "13600136000" } },
    });
    expect(issues).toEqual([
      {
        rowNumber: 4,
        column: "phone",
        value: "=1/0",
        reason: "The cell shows the error #DIV/0! (its formula fails).",
        reasonKey: "importErrors.cell.formulaError",
        reasonParams: { error: "#DIV/0!" },
        severity: "error",
      },
    ]);
  });

  it("rejects a row whose formula has no saved result", async () => {
    const { rows, issues } = await readAll({ path: fixture("formula-no-cache.xlsx"), kind: "xlsx" });
    expect(rows.map((r) => r.rowNumber)).toEqual([5]);
    expect(issues.map((i) => [i.rowNumber, i.column, i.value])).toEqual([
      [2, "phone", '="138"&"00138000"'],
      [3, "phone", "=13900139000+1"],
      [4, "phone", "=1/0"],
    ]);
    for (const issue of issues) expect(issue.reason).toMatch(/^The formula has no saved result\./);
  });

  it("rejects the rows that merged cells cover, and keeps the others", async () => {
    const { rows, issues } = await readAll({ path: fixture("merged.xlsx"), kind: "xlsx" });
    expect(byRow(rows)).toEqual({
      2: { userid: "m1", phones: { all: "13800138000" } },
      6: { userid: "m4", phones: { all: "13500135000" } },
    });
    const merged = issues.filter((i) => i.reason.includes("merged"));
    expect(merged.map((i) => [i.rowNumber, i.column, i.value])).toEqual([
      [3, "userid", "m2"],
      [4, "userid", ""],
      [5, "phone", "13600136000"],
    ]);
    expect(merged[0]!.reason).toBe(
      "This row is part of the merged cells A3:A4; a merged cell shows one value over several cells, so unmerge them and fill in every cell.",
    );
    expect(merged[2]!.reason).toContain("B5:C5");
    expect(issues.every((i) => i.severity === "error")).toBe(true);
  });

  it("refuses merged header cells as a header error", async () => {
    const error = await openError(openImportFile({ path: fixture("merged-header.xlsx"), kind: "xlsx", channelKeys: CHANNELS }));
    expect(error.code).toBe("bad_header");
    expect(error.message).toContain("B1:C1");
  });

  it("rejects cells over the length limit, quoting only their start", async () => {
    const { rows, issues } = await readAll({ path: fixture("long-cell.xlsx"), kind: "xlsx" });
    expect(rows.map((r) => r.userid)).toEqual(["short"]);
    expect(issues.map((i) => [i.rowNumber, i.column])).toEqual([
      [3, "userid"],
      [4, "phone"],
    ]);
    for (const issue of issues) {
      expect(issue.reason).toBe("The cell holds more than 1000 characters, which no userid or phone number needs.");
      expect(issue.value).toHaveLength(201); // 200 characters and "…"
    }
    expect(issues[0]!.value.startsWith("xxxx")).toBe(true);
  });

  it("reads only the first sheet", async () => {
    const { rows } = await readAll({ path: fixture("two-sheets.xlsx"), kind: "xlsx" });
    expect(rows.map((r) => r.userid)).toEqual(["first"]);
    const empty = await openError(openImportFile({ path: fixture("empty-sheet.xlsx"), kind: "xlsx", channelKeys: CHANNELS }));
    expect(empty.code).toBe("empty_sheet");
  });

  it("says a password-protected workbook is one", async () => {
    const error = await openError(openImportFile({ path: fixture("encrypted.xlsx"), kind: "xlsx", channelKeys: CHANNELS }));
    expect(error.code).toBe("encrypted_workbook");
    expect(error.message).toMatch(/protected with a password/);
  });

  it("says an old .xls uploaded as .xlsx is one", async () => {
    const error = await openError(openImportFile({ path: fixture("legacy.xls"), kind: "xlsx", channelKeys: CHANNELS }));
    expect(error.code).toBe("not_xlsx");
    expect(error.message).toMatch(/Excel 97–2003 workbook \(\.xls\)/);
  });

  it("reads numbers that a writer stored in exponent form exactly", async () => {
    // Some writers store 13800138000 as "1.38001380000E+10"; a float round trip could print it back wrongly.
    const rows = [
      [textCell("A1", "userid"), textCell("B1", "phone"), textCell("C1", "phone:chan000001")],
      [numberCell("A2", "1.0001E+4"), numberCell("B2", "1.38001380000E+10"), numberCell("C2", "8.613900139E12")],
      [textCell("A3", "bad"), numberCell("B3", "1.38001380005E+10"), numberCell("C3", "1.3800138000E+9")],
    ];
    const { rows: accepted, issues } = await readAll({ path: tempFile("exponent.xlsx", makeZip(workbookParts(sheetXml(rows)))), kind: "xlsx" });
    expect(byRow(accepted)).toEqual({ 2: { userid: "10001", phones: { all: "13800138000", chan000001: "13900139000" } } });
    expect(issues.map((i) => [i.rowNumber, i.column, i.value])).toEqual([
      [3, "phone", "13800138000.5"],
      [3, "phone:chan000001", "1380013800"],
    ]);
  });
});
