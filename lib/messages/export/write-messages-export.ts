import { once } from "node:events";
import type { Writable } from "node:stream";
import { createTranslator } from "next-intl";
import type { Db } from "@/lib/db/client";
import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/locales";
import { loadMessages } from "@/lib/i18n/messages";
import { XlsxStreamWriter } from "@/lib/util/xlsx-stream/xlsx-writer";
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
 * Our own streaming writer (lib/util/xlsx-stream; its README has the figures: exceljs's writer
 * managed 14,078 rows/s at 622 MB on 1,000,000 rows, at 4.5 times the CPU time). Each batch
 * becomes sheet XML and goes into the deflate at once; the writer waits while the stream is
 * full, so a slow client slows the reading here too.
 */
async function writeXlsx(job: WriteJob): Promise<ExportProgress> {
  const { sink, signal } = job;
  const progress: ExportProgress = { rows: 0, bytes: 0 };
  const columns = EXPORT_COLUMNS.map((c, i) => ({ header: job.headers[i]!, width: c.width }));
  const workbook = new XlsxStreamWriter(sink, { sheetName: job.sheetName, columns, signal });
  try {
    for await (const rows of job.batches) {
      checkAborted(signal);
      await workbook.writeRows(rows);
      progress.rows += rows.length;
      progress.bytes = workbook.bytesWritten;
      job.onProgress?.({ ...progress });
    }
    await workbook.finish();
    progress.bytes = workbook.bytesWritten;
    await endStream(sink, signal);
  } catch (error) {
    workbook.destroy();
    throw error;
  }
  return progress;
}
