import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { ImportFileError } from "./import-file-error";
import { openImportFile } from "./open-import-file";
import { openImportFileInWorker } from "./read-in-worker";
import { sharedStringLimits } from "./shared-strings";
import { CHANNELS, fixture, makeZip, numberCell, readAll, removeTempFiles, sheetXml, tempFile, textCell, workbookParts } from "./test-support";
import type { ImportBatch, ReadImportOptions } from "./types";

afterAll(removeTempFiles);

type Options = Partial<ReadImportOptions> & Pick<ReadImportOptions, "path" | "kind">;

async function readAllInWorker(options: Options) {
  const file = await openImportFileInWorker({ channelKeys: CHANNELS, ...options });
  const batches: ImportBatch[] = [];
  for await (const batch of file.batches()) batches.push(batch);
  return { columns: file.columns, encoding: file.encoding, batches };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}

/** Open descriptors and threads of this process (Linux): a reader that leaks either shows here. */
function descriptors(): number {
  return fs.readdirSync("/proc/self/fd").length;
}
function threads(): number {
  return fs.readdirSync("/proc/self/task").length;
}
/**
 * Descriptors and threads once they are back to `before`, or as they are after a second: the
 * operating system may end a thread a moment after Node has reported the worker's exit, and a
 * count read at that instant says nothing about a leak. A real leak stays and fails the test.
 */
async function resourcesSettledTo(before: { descriptors: number; threads: number }) {
  const now = () => ({ descriptors: descriptors(), threads: threads() });
  for (const start = Date.now(); Date.now() - start < 1_000; await new Promise((r) => setTimeout(r, 10))) {
    const seen = now();
    if (seen.descriptors <= before.descriptors && seen.threads <= before.threads) return seen;
  }
  return now();
}
/** Bytes this process has read through system calls so far, all threads together. */
function bytesRead(): number {
  return Number(/rchar:\s*(\d+)/.exec(fs.readFileSync("/proc/self/io", "utf8"))![1]);
}

function csvOf(rows: number, row: (i: number) => string = (i) => `u${i},138${String(i).padStart(8, "0")}`): string {
  return `userid,phone\n${Array.from({ length: rows }, (_, i) => row(i)).join("\n")}\n`;
}

describe("reading in a worker thread", () => {
  it.each([
    ["gbk.csv", "csv", () => fixture("gbk.csv")],
    ["phones.xlsx", "xlsx", () => fixture("phones.xlsx")],
    ["merged.xlsx", "xlsx", () => fixture("merged.xlsx")],
    ["a CSV of 12,345 rows with bad ones", "csv", () => tempFile("many.csv", csvOf(12_345, (i) => (i % 1000 === 7 ? `bad${i},123` : `u${i % 9000},138${String(i).padStart(8, "0")}`)))],
  ] as const)("gives what the reader on this thread gives for %s: columns, encoding, every batch", async (_name, kind, makePath) => {
    const path = makePath();
    const here = await openImportFile({ path, kind, channelKeys: CHANNELS, batchSize: 1000 });
    const hereBatches: ImportBatch[] = [];
    for await (const batch of here.batches()) hereBatches.push(batch);
    const there = await readAllInWorker({ path, kind, batchSize: 1000 });
    expect(there.columns).toEqual(here.columns);
    expect(there.encoding).toBe(here.encoding);
    expect(there.batches).toEqual(hereBatches);
    expect(there.batches.flatMap((b) => b.rows).length + there.batches.flatMap((b) => b.issues).length).toBeGreaterThan(0);
  });

  it("brings an ImportFileError across with its code, message and details, at open and midway", async () => {
    const header = tempFile("header.csv", "userid,phnoe:chan000001,phone:nosuch\nu1,13800138000,\n");
    const here = await failureOf(readAll({ path: header, kind: "csv" }));
    const there = await failureOf(readAllInWorker({ path: header, kind: "csv" }));
    expect(there).toBeInstanceOf(ImportFileError);
    expect(there).toMatchObject({ code: (here as ImportFileError).code, message: (here as ImportFileError).message, details: (here as ImportFileError).details });
    expect((there as ImportFileError).details.length).toBe(2);

    const notXlsx = await failureOf(openImportFileInWorker({ path: tempFile("text.xlsx", "userid,phone\n"), kind: "xlsx", channelKeys: CHANNELS }));
    expect(notXlsx).toBeInstanceOf(ImportFileError);
    expect(notXlsx).toMatchObject({ code: "not_xlsx", message: expect.stringMatching(/looks like a CSV/) });

    // Past the row limit the reader stops midway (in the file's second chunk); the batches before it were handed out.
    const long = tempFile("long.csv", csvOf(20_000));
    const rowsBefore = async (open: typeof openImportFile) => {
      const file = await open({ path: long, kind: "csv", channelKeys: CHANNELS, maxRows: 15_000, batchSize: 1000 });
      let rows = 0;
      const error = await failureOf(
        (async () => {
          for await (const batch of file.batches()) rows += batch.rows.length;
        })(),
      );
      return { rows, error };
    };
    const midway = await rowsBefore(openImportFileInWorker);
    expect(midway.error).toBeInstanceOf(ImportFileError);
    expect(midway.error).toMatchObject({ code: "too_many_rows", message: expect.stringMatching(/stopped at row 15,002/) });
    expect(midway.rows).toBeGreaterThan(0);
    expect(midway.rows).toBe((await rowsBefore(openImportFile)).rows);

    const { maxStrings } = sharedStringLimits(1);
    const strings = Array.from({ length: maxStrings + 1 }, (_, i) => `s${i}`);
    const workbook = tempFile("strings.xlsx", makeZip(workbookParts(sheetXml([[textCell("A1", "userid")]]), strings)));
    expect(await failureOf(openImportFileInWorker({ path: workbook, kind: "xlsx", channelKeys: CHANNELS, maxRows: 1 }))).toMatchObject({
      name: "ImportFileError",
      code: "too_many_strings",
    });
  });

  it("passes on a failure that is not about the file as an ordinary error", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "import-dir-"));
    try {
      const error = await failureOf(readAllInWorker({ path: directory, kind: "csv" }));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ImportFileError);
      expect((error as Error).message).toMatch(/EISDIR/);
    } finally {
      fs.rmSync(directory, { recursive: true });
    }
  });

  it("stops at once when cancelled, closes the file and ends its thread", async () => {
    const path = tempFile("cancel.csv", csvOf(12_345));
    await readAllInWorker({ path, kind: "csv" }); // the first thread starts the process's thread pool
    const before = { descriptors: descriptors(), threads: threads() };

    const controller = new AbortController();
    const file = await openImportFileInWorker({ path, kind: "csv", channelKeys: CHANNELS, batchSize: 100, signal: controller.signal });
    let seen = 0;
    const error = await failureOf(
      (async () => {
        for await (const batch of file.batches()) {
          seen += batch.rows.length;
          if (seen >= 300) controller.abort();
        }
      })(),
    );
    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as ImportFileError).code).toBe("cancelled");
    expect(seen).toBe(300);
    expect(await resourcesSettledTo(before)).toEqual(before);

    // Cancelled while the file is being opened.
    const early = new AbortController();
    const opening = openImportFileInWorker({ path, kind: "csv", channelKeys: CHANNELS, signal: early.signal });
    early.abort();
    expect(await failureOf(opening)).toMatchObject({ code: "cancelled" });
    expect(await resourcesSettledTo(before)).toEqual(before);
  });

  it("closes the file and ends its thread when the consumer stops early or never starts", async () => {
    const path = tempFile("early.csv", csvOf(12_345));
    await readAllInWorker({ path, kind: "csv" });
    const before = { descriptors: descriptors(), threads: threads() };
    const file = await openImportFileInWorker({ path, kind: "csv", channelKeys: CHANNELS, batchSize: 100 });
    for await (const batch of file.batches()) if (batch.rowsRead > 0) break;
    expect(await resourcesSettledTo(before)).toEqual(before);

    const unread = await openImportFileInWorker({ path, kind: "csv", channelKeys: CHANNELS });
    await unread.close();
    expect(await resourcesSettledTo(before)).toEqual(before);
  });

  it("reads only a few batches ahead of a consumer that stops to write", async () => {
    // 20 MB; a batch of 1000 rows is about 22 kB of it.
    const path = tempFile("ahead.csv", csvOf(900_000));
    const file = await openImportFileInWorker({ path, kind: "csv", channelKeys: CHANNELS, batchSize: 1000 });
    const batches = file.batches();
    await batches.next();
    const readBefore = bytesRead();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The reader reads 256 KiB at a time: a chunk or two, not the file.
    expect(bytesRead() - readBefore).toBeLessThan(1024 * 1024);
    await batches.return(undefined);
  });

  it("leaves this thread's event loop idle while a large workbook is read", async () => {
    const rows = 150_000;
    const sheet = sheetXml([
      [textCell("A1", "userid"), textCell("B1", "phone")],
      ...Array.from({ length: rows }, (_, i) => [`<c r="A${i + 2}" t="s"><v>${i}</v></c>`, numberCell(`B${i + 2}`, `138${String(i).padStart(8, "0")}`)]),
    ]);
    const path = tempFile("large.xlsx", makeZip(workbookParts(sheet, Array.from({ length: rows }, (_, i) => `user${i}`))));
    const start = performance.eventLoopUtilization();
    const { batches } = await readAllInWorker({ path, kind: "xlsx" });
    const loop = performance.eventLoopUtilization(start);
    expect(batches.at(-1)).toMatchObject({ rowsRead: rows, progress: 1 });
    // Reading on this thread keeps its loop busy nearly all the time; here it only takes batches.
    expect(loop.utilization).toBeLessThan(0.5);
  });
});
