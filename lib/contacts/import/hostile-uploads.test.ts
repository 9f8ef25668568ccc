/**
 * Uploads made to hurt the reader: zip bombs, entity expansion, a 10 MB cell, 16,384 columns, a
 * million shared strings, and files whose name or Content-Type lies about what they are. Each is
 * refused with its own ImportFileError code (or, where the file is legitimate, read) within a
 * bounded time and memory. Peak memory is the process's resident high-water mark during the read
 * (VmHWM, reset before each input), over the resident size just before it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { receiveUpload } from "@/lib/contacts/upload";
import { MAX_COLUMNS, columnLetter } from "./cells";
import { MAX_LISTED_PROBLEMS } from "./columns";
import { ImportFileError, type ImportFileErrorCode } from "./import-file-error";
import { makeZip, readAll, removeTempFiles, sheetXml, tempFile, textCell, workbookParts, type ReadResult } from "./test-support";

afterAll(removeTempFiles);

/** Generous for a loaded 2-core machine; a reader that inflates a bomb or expands entities blows through both. */
const MAX_MS = 5_000;
const MAX_PEAK_MB = 200;

const MIB = 1024 * 1024;
const HEADER = [textCell("A1", "userid"), textCell("B1", "phone")];

function residentKb(field: "VmHWM" | "VmRSS"): number | null {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resets the resident high-water mark (Linux: clear_refs 5); false where that is not possible. */
function resetHighWater(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

interface Measured {
  outcome: ReadResult | ImportFileError;
  ms: number;
  peakMb: number;
}

/**
 * Runs `read` and measures it: wall time, and peak resident memory over the level before. Where
 * the high-water mark cannot be reset, RSS sampled every few milliseconds stands in for it.
 */
async function measure(label: string, read: () => Promise<ReadResult>): Promise<Measured> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const canReset = resetHighWater();
  const baseKb = residentKb("VmRSS") ?? process.memoryUsage().rss / 1024;
  let sampledKb = baseKb;
  const sampler = setInterval(() => (sampledKb = Math.max(sampledKb, process.memoryUsage().rss / 1024)), 5);
  const started = performance.now();
  let outcome: ReadResult | ImportFileError;
  try {
    outcome = await read();
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    outcome = error;
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  const peakKb = canReset ? (residentKb("VmHWM") ?? sampledKb) : Math.max(sampledKb, process.memoryUsage().rss / 1024);
  const peakMb = Math.max(0, (peakKb - baseKb) / 1024);
  const what = outcome instanceof ImportFileError ? `refused ${outcome.code}` : `read ${outcome.rows.length} rows, ${outcome.issues.length} issues`;
  console.log(`hostile upload: ${label} | ${what} | ${ms.toFixed(0)} ms | peak +${peakMb.toFixed(1)} MB`);
  return { outcome, ms, peakMb };
}

/** The read is refused with `code`, quickly and within the memory bound; returns the error. */
async function refused(label: string, code: ImportFileErrorCode, read: () => Promise<ReadResult>): Promise<ImportFileError> {
  const { outcome, ms, peakMb } = await measure(label, read);
  expect(outcome, `${label} must be refused`).toBeInstanceOf(ImportFileError);
  const error = outcome as ImportFileError;
  expect(error.code, error.message).toBe(code);
  expect(error.message.length).toBeGreaterThan(20);
  expect(error.key).toMatch(/^importErrors\./);
  expect(ms, `${label}: time`).toBeLessThan(MAX_MS);
  expect(peakMb, `${label}: peak memory`).toBeLessThan(MAX_PEAK_MB);
  return error;
}

/**
 * A raw deflate stream that inflates to `mib` MiB of `fill` after `prefix`, built without ever
 * holding the inflated bytes: one MiB deflated with a sync flush ends on a byte boundary with a
 * non-final block, so the same ~1 KB can be repeated, and an empty final block closes the stream.
 */
function deflateBomb(prefix: string, mib: number, fill = 0x20): Buffer {
  const sync = { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const head = zlib.deflateRawSync(Buffer.from(prefix), sync);
  const chunk = zlib.deflateRawSync(Buffer.alloc(MIB, fill), sync);
  return Buffer.concat([head, ...Array.from({ length: mib }, () => chunk), Buffer.from([0x03, 0x00])]);
}

const SHEET_START = sheetXml([HEADER]).replace("</sheetData></worksheet>", "");

describe("hostile uploads are refused quickly, in bounded memory", () => {
  it("measures what a read holds: 100 MB kept during it shows as about 100 MB", async () => {
    let held: Buffer | null = null;
    const { peakMb } = await measure("self-check, 100 MB held", async () => {
      held = Buffer.alloc(100 * MIB, 1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { columns: [], rows: [], issues: [], batches: [] } as unknown as ReadResult;
    });
    expect(held).not.toBeNull();
    held = null;
    expect(peakMb).toBeGreaterThan(80);
  });

  it("refuses a zip bomb (4 GiB from 4 MB) that declares its size, before inflating it", async () => {
    const packed = deflateBomb(SHEET_START, 4095);
    expect(packed.length).toBeLessThan(5 * MIB);
    const file = tempFile("bomb.xlsx", makeZip(workbookParts("", undefined, { packed, declaredSize: 0xffffffff })));
    const error = await refused("zip bomb, 4 GiB declared", "zip_bomb", () => readAll({ path: file, kind: "xlsx" }));
    expect(error.message).toMatch(/sheet1\.xml/);
  });

  it("stops a zip bomb (4 GiB) whose directory claims 1 KB as soon as it inflates past that", async () => {
    const file = tempFile("liar.xlsx", makeZip(workbookParts("", undefined, { packed: deflateBomb(SHEET_START, 4095), declaredSize: 1024 })));
    const error = await refused("zip bomb, 1 KB declared", "zip_bomb", () => readAll({ path: file, kind: "xlsx" }));
    expect(error.message).toMatch(/more than the 1(\.0)? KiB it declares/);
  });

  it("stops a 1 KB entry that inflates a thousandfold while declaring its own packed size", async () => {
    const packed = deflateBomb(SHEET_START, 1);
    expect(packed.length).toBeLessThan(2048);
    const file = tempFile("small-bomb.xlsx", makeZip(workbookParts("", undefined, { packed, declaredSize: packed.length })));
    await refused("1 KB entry, inflates to 1 MiB", "zip_bomb", () => readAll({ path: file, kind: "xlsx" }));
  });

  const laughs = (levels: number) => {
    const entities = [`<!ENTITY lol0 "lol">`];
    for (let i = 1; i <= levels; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    return `<!DOCTYPE lolz [${entities.join("")}]>`;
  };

  it("refuses billion-laughs entity expansion in a worksheet without expanding anything", async () => {
    const sheet = sheetXml([HEADER, [textCell("A2", "&lol9;"), textCell("B2", "13800138000")]]).replace("<worksheet", `${laughs(9)}<worksheet`);
    const file = tempFile("laughs.xlsx", makeZip(workbookParts(sheet)));
    const error = await refused("billion laughs in sheet1.xml", "corrupt_file", () => readAll({ path: file, kind: "xlsx" }));
    expect(error.message).toMatch(/document type/);
  });

  it("refuses billion-laughs entity expansion in the shared strings", async () => {
    const parts = workbookParts(sheetXml([HEADER, [`<c r="A2" t="s"><v>0</v></c>`, textCell("B2", "13800138000")]]), ["&lol9;"]).map((p) =>
      p.name === "xl/sharedStrings.xml" ? { ...p, data: String(p.data).replace("<sst", `${laughs(9)}<sst`) } : p,
    );
    const file = tempFile("laughs-sst.xlsx", makeZip(parts));
    await refused("billion laughs in sharedStrings.xml", "corrupt_file", () => readAll({ path: file, kind: "xlsx" }));
  });

  it("keeps only the start of a 10 MB cell and reports it on its row", async () => {
    const huge = "9".repeat(10 * MIB);
    const parts = workbookParts(sheetXml([HEADER, [textCell("A2", "u1"), textCell("B2", huge)], [textCell("A3", "u2"), textCell("B3", "13800138000")]])).map(
      (p) => ({ ...p, method: 0 as const }),
    );
    const file = tempFile("huge-cell.xlsx", makeZip(parts));
    const { outcome, ms, peakMb } = await measure("10 MB cell in an xlsx", () => readAll({ path: file, kind: "xlsx" }));
    expect(outcome).not.toBeInstanceOf(ImportFileError);
    const result = outcome as ReadResult;
    // The other row is read; the huge cell is a problem of its own row, quoted only in part.
    expect(result.rows.map((r) => r.userid)).toEqual(["u2"]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ rowNumber: 2, column: "phone" });
    expect(result.issues[0]!.value.length).toBeLessThan(2000);
    expect(ms).toBeLessThan(MAX_MS);
    expect(peakMb).toBeLessThan(MAX_PEAK_MB);
  });

  it("keeps only the start of a 10 MB CSV cell and reports it on its row", async () => {
    const file = tempFile("huge-cell.csv", `userid,phone\r\nu1,${"9".repeat(10 * MIB)}\r\nu2,13800138000\r\n`);
    const { outcome, ms, peakMb } = await measure("10 MB cell in a CSV", () => readAll({ path: file, kind: "csv" }));
    const result = outcome as ReadResult;
    expect(result.rows.map((r) => r.userid)).toEqual(["u2"]);
    expect(result.issues.map((i) => i.rowNumber)).toEqual([2]);
    expect(result.issues[0]!.value.length).toBeLessThan(2000);
    expect(ms).toBeLessThan(MAX_MS);
    expect(peakMb).toBeLessThan(MAX_PEAK_MB);
  });

  it("refuses a 10 MB header cell, naming its column, without quoting it whole", async () => {
    const file = tempFile("huge-header.csv", `userid,${"h".repeat(10 * MIB)}\r\nu1,13800138000\r\n`);
    const error = await refused("10 MB header cell", "bad_header", () => readAll({ path: file, kind: "csv" }));
    expect(error.details.map((d) => d.column)).toEqual(["B"]);
    expect(error.details[0]!.message).toMatch(/^The header in column B \(h{10,}…?\) cannot be read/);
    expect(error.message.length).toBeLessThan(10_000);
  });

  it("refuses a header of 16,384 columns naming each wrong one, and reads a row as wide", async () => {
    const headers = ["userid", "phone", ...Array.from({ length: MAX_COLUMNS - 2 }, (_, i) => `extra${i}`)];
    const sheet = sheetXml([headers.map((h, i) => textCell(`${columnLetter(i)}1`, h))]);
    const file = tempFile("wide.xlsx", makeZip(workbookParts(sheet)));
    const error = await refused("16,384-column header", "bad_header", () => readAll({ path: file, kind: "xlsx" }));
    // The first problems one by one, the rest counted: the refusal stays small enough to store and list.
    expect(error.details).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(error.details[0]!.message).toBe('Column C has the unknown header "extra0".');
    expect(error.details.at(-1)).toMatchObject({ key: "importErrors.headerProblem.more", params: { count: MAX_COLUMNS - 2 - MAX_LISTED_PROBLEMS } });
    expect(error.message).toContain(`…and ${(MAX_COLUMNS - 2 - MAX_LISTED_PROBLEMS).toLocaleString("en")} more problems in the header row.`);
    expect(error.message.length).toBeLessThan(10_000);
    console.log(`hostile upload: 16,384-column header refusal message is ${error.message.length.toLocaleString("en")} characters, ${error.details.length} details`);

    // The same width in data cells, under a good header: read, the first cell past the header reported.
    const row = [textCell("A2", "u1"), textCell("B2", "13800138000"), ...Array.from({ length: MAX_COLUMNS - 2 }, (_, i) => textCell(`${columnLetter(i + 2)}2`, "x"))];
    const wide = tempFile("wide-row.xlsx", makeZip(workbookParts(sheetXml([HEADER, row]))));
    const { outcome, ms, peakMb } = await measure("16,384-column data row", () => readAll({ path: wide, kind: "xlsx" }));
    expect(outcome).not.toBeInstanceOf(ImportFileError);
    // The row is refused for its first cell past the header, column C, and only for that one.
    expect((outcome as ReadResult).rows).toEqual([]);
    expect((outcome as ReadResult).issues).toMatchObject([{ rowNumber: 2, column: "C", value: "x", reasonKey: "importErrors.row.noHeader" }]);
    expect(ms).toBeLessThan(MAX_MS);
    expect(peakMb).toBeLessThan(MAX_PEAK_MB);
  });

  describe("a million shared strings", () => {
    let file = "";
    it("reads them within the memory bound when the row limit allows that many", async () => {
      const strings = Array.from({ length: 1_000_000 }, (_, i) => `s${i}`);
      const sheet = sheetXml([HEADER, [`<c r="A2" t="s"><v>999999</v></c>`, textCell("B2", "13800138000")]]);
      file = tempFile("strings.xlsx", makeZip(workbookParts(sheet, strings)));
      const { outcome, ms, peakMb } = await measure("1,000,000 shared strings (row limit 2,000,000)", () => readAll({ path: file, kind: "xlsx" }));
      expect(outcome).not.toBeInstanceOf(ImportFileError);
      expect((outcome as ReadResult).rows).toEqual([{ rowNumber: 2, userid: "s999999", phones: { all: "13800138000" } }]);
      expect(ms).toBeLessThan(MAX_MS * 2);
      expect(peakMb).toBeLessThan(MAX_PEAK_MB);
    });

    it("refuses them when the row limit allows far fewer", async () => {
      const error = await refused("1,000,000 shared strings (row limit 1,000)", "too_many_strings", () => readAll({ path: file, kind: "xlsx", maxRows: 1000 }));
      expect(error.message).toMatch(/shared strings table has more than/);
    });
  });

  it("says what a file really is when its name lies", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(4096, 7)]);
    const pngError = await refused("PNG named .xlsx", "not_xlsx", () => readAll({ path: tempFile("photo.xlsx", png), kind: "xlsx" }));
    expect(pngError.message).toMatch(/not an Excel workbook/);
    await refused("PNG named .csv", "not_csv", () => readAll({ path: tempFile("photo.csv", png), kind: "csv" }));
    const binary = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 256));
    await refused("binary named .csv", "not_csv", () => readAll({ path: tempFile("random.csv", binary), kind: "csv" }));
    const workbook = makeZip(workbookParts(sheetXml([HEADER])));
    const zipError = await refused("xlsx named .csv", "not_csv", () => readAll({ path: tempFile("book.csv", workbook), kind: "csv" }));
    expect(zipError.message).toMatch(/xlsx|zip|workbook/i);
  });

  it("judges an upload by its bytes, not by the Content-Type it claims", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-upload-"));
    try {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1024, 7)]);
      const cases: { name: string; type: string; bytes: Buffer; code: ImportFileErrorCode }[] = [
        { name: "users.xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes: png, code: "not_xlsx" },
        { name: "users.xlsx", type: "text/csv", bytes: Buffer.from("\u0000\u0001\u0002".repeat(1000), "latin1"), code: "not_xlsx" },
        { name: "users.csv", type: "text/csv", bytes: makeZip(workbookParts(sheetXml([HEADER]))), code: "not_csv" },
        { name: "users.csv", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes: png, code: "not_csv" },
      ];
      for (const c of cases) {
        const boundary = "hostile-boundary";
        const body = Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${c.name}"\r\nContent-Type: ${c.type}\r\n\r\n`),
          c.bytes,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
        const request = new Request("http://console.test/api/v1/users/import", {
          method: "POST",
          headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
          body,
        });
        const upload = await receiveUpload(request, { dataDir, maxBytes: 10 * MIB });
        await refused(`upload ${c.name} claiming ${c.type.split("/")[1]}`, c.code, () => readAll({ path: upload.filePath, kind: upload.fileKind }));
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
