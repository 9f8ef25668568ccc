import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ImportFileError } from "./import-file-error";
import { sharedStringLimits } from "./shared-strings";
import { fixture, makeZip, readAll, removeTempFiles, sheetXml, tempFile, textCell, workbookParts } from "./test-support";

afterAll(removeTempFiles);

async function failure(path: string, options: { maxInflatedBytes?: number; maxRows?: number } = {}): Promise<ImportFileError> {
  const error = await readAll({ path, kind: "xlsx", ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportFileError);
  return error as ImportFileError;
}

const HEADER = [textCell("A1", "userid"), textCell("B1", "phone")];

describe("workbooks that must be refused", () => {
  it("refuses a zip bomb by its declared sizes before inflating anything", async () => {
    // 64 MiB of one byte packs into about 64 KiB: a ratio near 1000.
    const bomb = Buffer.alloc(64 * 1024 * 1024, 0x20);
    const sheet = Buffer.concat([Buffer.from(sheetXml([HEADER]).replace("</worksheet>", "")), bomb, Buffer.from("</worksheet>")]);
    const path = tempFile("bomb.xlsx", makeZip(workbookParts(sheet)));
    expect(fs.statSync(path).size).toBeLessThan(200_000);
    const error = await failure(path);
    expect(error.code).toBe("zip_bomb");
    expect(error.message).toMatch(/xl\/worksheets\/sheet1\.xml declares 64\.0 MiB packed into/);
  });

  it("stops a bomb whose directory lies about its size as soon as it inflates past it", async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024, 0x20);
    const sheet = Buffer.concat([Buffer.from(sheetXml([HEADER]).replace("</worksheet>", "")), bomb, Buffer.from("</worksheet>")]);
    const path = tempFile("liar.xlsx", makeZip(workbookParts(sheet, undefined, { declaredSize: 10_000 })));
    const error = await failure(path);
    expect(error.code).toBe("zip_bomb");
    expect(error.message).toMatch(/unpacks to more than the 9\.8 KiB it declares/);
  });

  it("refuses a workbook whose parts together declare more than the unpacked limit", async () => {
    const rows = [HEADER, ...Array.from({ length: 2000 }, (_, i) => [textCell(`A${i + 2}`, `user${i}`), textCell(`B${i + 2}`, "13800138000")])];
    const path = tempFile("big.xlsx", makeZip(workbookParts(sheetXml(rows))));
    expect((await readAll({ path, kind: "xlsx" })).rows).toHaveLength(2000);
    const error = await failure(path, { maxInflatedBytes: 50_000 });
    expect(error.code).toBe("zip_bomb");
  });

  it("calls a truncated workbook damaged", async () => {
    const whole = fs.readFileSync(fixture("phones.xlsx"));
    const error = await failure(tempFile("cut.xlsx", whole.subarray(0, Math.floor(whole.length / 2))));
    expect(error.code).toBe("corrupt_file");
    expect(error.message).toMatch(/damaged.*cut short/);
  });

  it("calls a workbook with a damaged sheet damaged, before any row", async () => {
    const parts = workbookParts(sheetXml([HEADER, [textCell("A2", "u1"), textCell("B2", "13800138000")]]));
    const good = makeZip(parts);
    // Same bytes, but the directory's checksum for the sheet is wrong: a flipped bit in transit.
    const badCrc = makeZip(parts.map((p) => (p.name.endsWith("sheet1.xml") ? { ...p, crc: 12345 } : p)));
    expect((await readAll({ path: tempFile("good.xlsx", good), kind: "xlsx" })).rows).toHaveLength(1);
    const error = await failure(tempFile("crc.xlsx", badCrc));
    expect(error.code).toBe("corrupt_file");
    expect(error.message).toMatch(/fails its checksum/);

    // Garbage in the deflate stream itself.
    const bytes = Buffer.from(good);
    const at = bytes.indexOf(Buffer.from("xl/worksheets/sheet1.xml")) + "xl/worksheets/sheet1.xml".length;
    for (let i = at + 5; i < at + 40; i++) bytes[i] = 0xff;
    expect((await failure(tempFile("garbage.xlsx", bytes))).code).toBe("corrupt_file");
  });

  it("says what a file named .xlsx really is", async () => {
    expect((await failure(tempFile("text.xlsx", "userid,phone\nu1,13800138000\n"))).message).toMatch(/looks like a CSV/);
    const ods = makeZip([
      { name: "mimetype", data: "application/vnd.oasis.opendocument.spreadsheet", method: 0 },
      { name: "content.xml", data: "<office:document-content/>" },
    ]);
    const odsError = await failure(tempFile("sheet.xlsx", ods));
    expect(odsError.code).toBe("not_xlsx");
    expect(odsError.message).toMatch(/OpenDocument spreadsheet/);
    expect((await failure(tempFile("empty.xlsx", ""))).code).toBe("empty_sheet");
    expect((await failure(tempFile("png.xlsx", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])))).code).toBe("not_xlsx");
  });

  it("refuses, before any row, a sheet whose used range is past the row limit", async () => {
    const rows = [HEADER, ...Array.from({ length: 5 }, (_, i) => [textCell(`A${i + 2}`, `u${i}`), textCell(`B${i + 2}`, "13800138000")])];
    const path = tempFile("dimension.xlsx", makeZip(workbookParts(sheetXml(rows, "", "A1:B6"))));
    expect((await readAll({ path, kind: "xlsx", maxRows: 5 })).rows).toHaveLength(5);
    const error = await failure(path, { maxRows: 4 });
    expect(error.code).toBe("too_many_rows");
    expect(error.message).toMatch(/down to row 6: more than the 4 data rows/);
  });

  it("stops at the first row past the limit when the sheet has no dimension", async () => {
    const rows = [HEADER, ...Array.from({ length: 5 }, (_, i) => [textCell(`A${i + 2}`, `u${i}`), textCell(`B${i + 2}`, "13800138000")])];
    const error = await failure(tempFile("no-dimension.xlsx", makeZip(workbookParts(sheetXml(rows)))), { maxRows: 4 });
    expect(error.code).toBe("too_many_rows");
    expect(error.message).toMatch(/stopped at row 6/);
  });

  it("lists every header problem at once, with the existing channels", async () => {
    const header = [textCell("A1", "phone"), textCell("B1", "phnoe:chan000001"), textCell("C1", "phone:nosuch"), textCell("D1", "手机号")];
    const error = await failure(tempFile("header.xlsx", makeZip(workbookParts(sheetXml([header])))));
    expect(error.code).toBe("bad_header");
    expect(error.details.map((d) => d.column)).toEqual(["phnoe:chan000001", "phone:nosuch", "手机号", "A"]);
    expect(error.message).toContain('Column B has the unknown header "phnoe:chan000001".');
    expect(error.message).toContain('Columns A ("phone") and D ("手机号") both give the phone for all channels.');
    expect(error.message).toContain("There is no userid column");
    expect(error.message).toContain("Existing channel keys: chan000001, chan000002, chan000003.");
  });

  it("reads a stored (uncompressed) sheet too", async () => {
    const parts = workbookParts(sheetXml([HEADER, [textCell("A2", "u1"), textCell("B2", "13800138000")]])).map((p) => ({ ...p, method: 0 as const }));
    const { rows } = await readAll({ path: tempFile("stored.xlsx", makeZip(parts)), kind: "xlsx" });
    expect(rows).toEqual([{ rowNumber: 2, userid: "u1", phones: { all: "13800138000" } }]);
  });

  describe("shared strings", () => {
    /** A header and one data row whose userid is shared string 0, over the given strings. */
    function sharedStringsWorkbook(strings: string[]): string {
      const sheet = sheetXml([HEADER, [`<c r="A2" t="s"><v>0</v></c>`, textCell("B2", "13800138000")]]);
      // Stored, not deflated: megabytes of repeated text would look like a zip bomb.
      return tempFile("strings.xlsx", makeZip(workbookParts(sheet, strings).map((p) => ({ ...p, method: 0 as const }))));
    }

    it("refuses more shared strings than the row limit allows, and reads up to that many", async () => {
      const { maxStrings } = sharedStringLimits(1);
      const strings = Array.from({ length: maxStrings }, (_, i) => `s${i}`);
      expect((await readAll({ path: sharedStringsWorkbook(strings), kind: "xlsx", maxRows: 1 })).rows).toEqual([
        { rowNumber: 2, userid: "s0", phones: { all: "13800138000" } },
      ]);
      const error = await failure(sharedStringsWorkbook([...strings, "one more"]), { maxRows: 1 });
      expect(error.code).toBe("too_many_strings");
      expect(error.message).toContain(`shared strings table has more than ${maxStrings.toLocaleString("en")} entries`);
    });

    it("refuses shared strings whose text adds up to more than the row limit allows", async () => {
      const { maxBytes } = sharedStringLimits(1);
      // Strings of 1000 characters (the longest cell kept whole), 2 bytes a character.
      const strings = Array.from({ length: Math.floor(maxBytes / 2000) + 1 }, (_, i) => String(i).padEnd(1000, "x"));
      const error = await failure(sharedStringsWorkbook(strings), { maxRows: 1 });
      expect(error.code).toBe("too_many_strings");
      expect(error.message).toMatch(/shared strings add up to more than 16 MiB of text/);
    });

    it("leaves room for a legitimate file at the row limit: a distinct userid and three numbers as text in every row", () => {
      const rows = 2_000_000;
      const limits = sharedStringLimits(rows);
      expect(limits.maxStrings).toBeGreaterThanOrEqual(rows * 4 + 1);
      // The longest userid (64 characters) and three E.164 numbers (16), 2 bytes a character.
      expect(limits.maxBytes).toBeGreaterThanOrEqual(rows * (64 + 3 * 16) * 2);
      // …while the millions of strings a few hundred kilobytes of <si/> unpack to are refused.
      expect(limits.maxStrings).toBeLessThan(10_000_000);
    });
  });
});
