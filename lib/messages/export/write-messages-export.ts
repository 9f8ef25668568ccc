import { once } from "node:events";
import { Transform, type Writable } from "node:stream";
import ExcelJS from "exceljs";
import { createTranslator } from "next-intl";
import type { Db } from "@/lib/db/client";
import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/locales";
import { loadMessages } from "@/lib/i18n/messages";
import type { ExportFormat, MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { CSV_BOM, csvLine } from "./csv";
import { DEFAULT_EXPORT_BATCH, EXPORT_COLUMNS, exportBatches, type ExportRow } from "./export-rows";

/**
 * Writes the filtered message list to a stream as CSV or .xlsx, batch by batch, waiting for the
 * stream whenever it is full (backpressure), so memory stays bounded whatever the row count and a
 * slow client slows the reading instead of filling the process. It stops as soon as the stream
 * closes (the client went away) or `signal` aborts, with ExportAbortedError. The stream is ended
 * when the file is complete.
 */

export interface ExportProgress {
  rows: number;
  /** Bytes handed to the stream so far. */
  bytes: number;
}

export interface ExportOptions {
  /** The language of the header row (default English); the columns' order never changes. */
  locale?: Locale;
  signal?: AbortSignal;
  /** Rows read a batch (default 5000). */
  batchSize?: number;
}

/** The download stopped before the file was complete: the stream closed or the caller aborted. */
export class ExportAbortedError extends Error {
  constructor() {
    super("The export was stopped before it was complete.");
    this.name = "ExportAbortedError";
  }
}

/** Bytes the .xlsx zip may hold unread before the rows wait for it. */
const XLSX_PENDING_LIMIT = 1 << 20;

export async function writeMessagesExport(
  db: Db,
  filter: MessageListFilter,
  format: ExportFormat,
  sink: Writable,
  onProgress?: (progress: ExportProgress) => void,
  options: ExportOptions = {},
): Promise<ExportProgress> {
  const stop = new AbortController();
  const abort = () => stop.abort(new ExportAbortedError());
  const onClose = () => {
    if (!sink.writableFinished) abort();
  };
  sink.on("close", onClose);
  sink.on("error", abort);
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener("abort", abort);
  const t = createTranslator({ locale: options.locale ?? DEFAULT_LOCALE, messages: loadMessages(options.locale ?? DEFAULT_LOCALE), namespace: "messageExport" });
  const headers = EXPORT_COLUMNS.map((c) => t(`columns.${c.key}`));
  const batches = exportBatches(db, filter, options.batchSize ?? DEFAULT_EXPORT_BATCH);
  try {
    const write = format === "csv" ? writeCsv : writeXlsx;
    return await write({ batches, sink, headers, sheetName: t("sheet"), signal: stop.signal, onProgress });
  } catch (error) {
    if (stop.signal.aborted) throw stop.signal.reason as Error;
    sink.destroy(error as Error);
    throw error;
  } finally {
    await batches.return(undefined);
    sink.off("close", onClose);
    sink.off("error", abort);
    options.signal?.removeEventListener("abort", abort);
  }
}

interface WriteJob {
  batches: AsyncGenerator<ExportRow[]>;
  sink: Writable;
  headers: string[];
  sheetName: string;
  signal: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason as Error;
}

/** Ends the stream and waits until everything was handed on. */
async function endStream(sink: Writable, signal: AbortSignal): Promise<void> {
  if (!sink.writableFinished) {
    const finished = once(sink, "finish", { signal });
    sink.end();
    await finished;
  }
}

async function writeCsv(job: WriteJob): Promise<ExportProgress> {
  const { sink, signal } = job;
  const progress: ExportProgress = { rows: 0, bytes: 0 };
  const put = async (text: string) => {
    checkAborted(signal);
    const chunk = Buffer.from(text, "utf8");
    progress.bytes += chunk.length;
    if (!sink.write(chunk)) await once(sink, "drain", { signal });
  };
  await put(CSV_BOM + csvLine(job.headers));
  for await (const rows of job.batches) {
    let text = "";
    for (const row of rows) text += csvLine(row);
    await put(text);
    progress.rows += rows.length;
    job.onProgress?.({ ...progress });
  }
  await endStream(sink, signal);
  return progress;
}

/**
 * exceljs's streaming WorkbookWriter writes each committed row into the zip at once, and the zip
 * takes it whatever it already holds; the pipe from the zip to the stream does wait. So after
 * each batch the rows wait until the zip has compressed and handed on what it was given (the
 * worksheet's input holds at most XLSX_PENDING_LIMIT bytes).
 */
async function writeXlsx(job: WriteJob): Promise<ExportProgress> {
  const { sink, signal } = job;
  const progress: ExportProgress = { rows: 0, bytes: 0 };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      progress.bytes += chunk.length;
      callback(null, chunk);
    },
  });
  counter.pipe(sink);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: counter, useStyles: true, useSharedStrings: false });
  try {
    const sheet = workbook.addWorksheet(job.sheetName, { views: [{ state: "frozen", ySplit: 1 }] });
    sheet.columns = EXPORT_COLUMNS.map((c, i) => ({ header: job.headers[i], key: c.key, width: c.width }));
    sheet.getRow(1).font = { bold: true };
    sheet.getRow(1).commit();
    const zipInput = worksheetZipInput(sheet);
    for await (const rows of job.batches) {
      checkAborted(signal);
      for (const row of rows) sheet.addRow(row).commit();
      progress.rows += rows.length;
      while (zipInput && zipInput.writableLength > XLSX_PENDING_LIMIT) await once(zipInput, "drain", { signal });
      job.onProgress?.({ ...progress });
    }
    sheet.commit();
    // The zip ends `counter`, whose pipe ends the stream.
    const finished = once(sink, "finish", { signal });
    await workbook.commit();
    await finished;
  } catch (error) {
    counter.destroy();
    throw error;
  }
  return progress;
}

/**
 * The stream the zip reads the worksheet's XML from (archiver wraps exceljs's own buffer in a
 * PassThrough as soon as the sheet is added). Undefined if a later exceljs changes that; the
 * export then still works, only without the wait (the memory check in the tests would show it).
 */
function worksheetZipInput(sheet: ExcelJS.Worksheet): Writable | undefined {
  const internal = sheet as unknown as { stream?: { pipes?: unknown[] } };
  const input = internal.stream?.pipes?.[0] as Partial<Writable> | undefined;
  return input && typeof input.writableLength === "number" && typeof input.on === "function" ? (input as Writable) : undefined;
}
