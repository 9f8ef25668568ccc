import { PassThrough } from "node:stream";
import { recordAudit } from "@/lib/audit";
import { responseBodyOf } from "@/lib/http/node-stream-body";
import type { Actor } from "@/lib/auth/actor";
import type { Db } from "@/lib/db/client";
import type { Locale } from "@/lib/i18n/locales";
import { countMessagesFromCounters } from "@/lib/messages/list/message-list-count";
import { filterToSearchParams, type ExportFormat, type MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { logger } from "@/lib/util/logger";
import { ExportAbortedError, writeMessagesExport } from "./write-messages-export";

/**
 * GET /api/v1/messages/export: the filtered list as a download streamed from the database to the
 * response (README.md beside this file says why a stream and not a background job).
 */

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** What the response is made of. */
export interface MessagesDownload {
  body: ReadableStream<Uint8Array>;
  fileName: string;
  contentType: string;
  /** The number of rows, when the counters say it cheaply (message-list-count.ts); else null. */
  total: number | null;
}

/** Bytes the response may hold before the export waits for the client. */
const RESPONSE_BUFFER_BYTES = 256 * 1024;

/** `messages-20260301-080000.csv`, in UTC: sortable, and free of characters a file system refuses. */
export function exportFileName(format: ExportFormat, now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `messages-${stamp}.${format}`;
}

/**
 * Starts the export (audited: it hands out phone numbers in bulk) and answers the stream at once;
 * the rows follow as the client reads them. The export stops when the client goes away (`signal`,
 * or the response stream being cancelled). A failure after the first byte can only cut the
 * download short: it is logged, and the client sees an incomplete transfer.
 */
export async function startMessagesDownload(
  db: Db,
  actor: Actor,
  filter: MessageListFilter,
  format: ExportFormat,
  options: { locale: Locale; signal?: AbortSignal },
): Promise<MessagesDownload> {
  const total = await countMessagesFromCounters(db, filter);
  await recordAudit(db, actor, "message.export", format, { filter: filterToSearchParams(filter).toString(), total });
  const stream = new PassThrough({ highWaterMark: RESPONSE_BUFFER_BYTES });
  const started = Date.now();
  writeMessagesExport(db, filter, format, stream, undefined, { locale: options.locale, signal: options.signal }).then(
    (done) => logger.info("message export finished", { format, rows: done.rows, bytes: done.bytes, ms: Date.now() - started }),
    (error: unknown) => {
      if (error instanceof ExportAbortedError) logger.info("message export stopped by the client", { format, ms: Date.now() - started });
      else logger.error("message export failed", { format, error });
    },
  );
  return {
    // Not Readable.toWeb: an abandoned download threw from its data event (see node-stream-body.ts).
    body: responseBodyOf(stream),
    fileName: exportFileName(format),
    contentType: EXPORT_CONTENT_TYPES[format],
    total,
  };
}
