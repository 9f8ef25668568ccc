import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { estimateRowCount } from "./estimate-row-count";
import { ImportFileError } from "./import-file-error";
import { openImportFile } from "./open-import-file";
import { CHANNELS, fixture, makeZip, readAll, removeTempFiles, sheetXml, tempFile, textCell, workbookParts } from "./test-support";

afterAll(removeTempFiles);

const ROWS = 12_345;
const csvText = `userid,phone\n${Array.from({ length: ROWS }, (_, i) => (i % 1000 === 7 ? `bad${i},123` : `u${i},138${String(i).padStart(8, "0")}`)).join("\n")}\n`;
const csvPath = () => tempFile("many.csv", csvText);
const xlsxPath = () =>
  tempFile(
    "many.xlsx",
    makeZip(
      workbookParts(
        sheetXml(
          [[textCell("A1", "userid"), textCell("B1", "phone")], ...Array.from({ length: ROWS }, (_, i) => [textCell(`A${i + 2}`, `u${i}`), textCell(`B${i + 2}`, `138${String(i).padStart(8, "0")}`)])],
          "",
          `A1:B${ROWS + 1}`,
        ),
      ),
    ),
  );

/** Open descriptors of this process (Linux): a reader that leaks one shows here. */
function openDescriptors(): number {
  return fs.readdirSync("/proc/self/fd").length;
}

describe("streaming", () => {
  it.each([
    ["csv", csvPath],
    ["xlsx", xlsxPath],
  ] as const)("yields %s rows in batches of the asked size, in file order, with rising progress", async (kind, makePath) => {
    const { batches, rows, issues } = await readAll({ path: makePath(), kind, batchSize: 1000 });
    expect(batches.slice(0, -1).every((b) => b.rows.length === 1000)).toBe(true);
    expect(rows.map((r) => r.rowNumber)).toEqual([...rows.map((r) => r.rowNumber)].sort((a, b) => a - b));
    const bad = kind === "csv" ? 13 : 0;
    expect(rows).toHaveLength(ROWS - bad);
    expect(issues).toHaveLength(bad);
    for (let i = 1; i < batches.length; i++) {
      expect(batches[i]!.rowsRead).toBeGreaterThanOrEqual(batches[i - 1]!.rowsRead);
      expect(batches[i]!.progress).toBeGreaterThanOrEqual(batches[i - 1]!.progress);
    }
    // Each batch's rowsRead covers its own rows.
    for (const batch of batches) for (const row of batch.rows) expect(row.rowNumber - 1).toBeLessThanOrEqual(batch.rowsRead);
    expect(batches.at(-1)).toMatchObject({ rowsRead: ROWS, progress: 1 });
  });

  it("stops promptly when cancelled, and closes the file", async () => {
    const path = csvPath();
    const before = openDescriptors();
    const controller = new AbortController();
    const file = await openImportFile({ path, kind: "csv", channelKeys: CHANNELS, batchSize: 100, signal: controller.signal });
    let seen = 0;
    const error = await (async () => {
      for await (const batch of file.batches()) {
        seen += batch.rows.length;
        if (seen >= 300) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as ImportFileError).code).toBe("cancelled");
    expect(seen).toBe(300);
    expect(openDescriptors()).toBe(before);
  });

  it("closes the file when the consumer stops early, after an error, and after a header error", async () => {
    const before = openDescriptors();
    const file = await openImportFile({ path: xlsxPath(), kind: "xlsx", channelKeys: CHANNELS, batchSize: 100 });
    expect(openDescriptors()).toBe(before + 1);
    for await (const batch of file.batches()) if (batch.rowsRead > 0) break;
    expect(openDescriptors()).toBe(before);

    await expect(readAll({ path: csvPath(), kind: "csv", maxRows: 10 })).rejects.toThrow(/more than 10 data rows/);
    await expect(openImportFile({ path: fixture("phones.xlsx"), kind: "xlsx", channelKeys: new Set() })).rejects.toThrow(/There are no channels yet/);
    expect(openDescriptors()).toBe(before);
  });

  it("estimates the row count cheaply for the progress bar", async () => {
    expect(await estimateRowCount(csvPath(), "csv")).toBe(ROWS);
    expect(await estimateRowCount(xlsxPath(), "xlsx")).toBe(ROWS);
    // LibreOffice's dimension covers the used range: ten data rows (blank row 5 included).
    expect(await estimateRowCount(fixture("phones.xlsx"), "xlsx")).toBe(10);
    expect(await estimateRowCount(tempFile("no-eol.csv", "userid\r\na\r\nb"), "csv")).toBe(2);
    const noDimension = tempFile("none.xlsx", makeZip(workbookParts(sheetXml([[textCell("A1", "userid")]]))));
    expect(await estimateRowCount(noDimension, "xlsx")).toBeNull();
    expect(await estimateRowCount(fixture("encrypted.xlsx"), "xlsx")).toBeNull();
  });
});
