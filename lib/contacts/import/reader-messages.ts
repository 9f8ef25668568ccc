import type { ImportReasonKey } from "@/lib/contacts/import-reason";
import type { ReasonParams } from "@/lib/i18n/reason";
import { ImportFileError, type HeaderProblem, type ImportFileErrorCode } from "./import-file-error";
import type { ImportBatch, ImportColumn, ReadImportOptions } from "./types";

/**
 * What the main thread and the reader thread (read-worker.ts) say to each other. Everything here
 * crosses the thread boundary by structured clone, so it is plain data: no signal, no class.
 */

/** The reader's options without the signal, which cannot cross; a cancel is sent instead. */
export type ReaderRequest = Omit<ReadImportOptions, "signal">;

export type ToReader =
  /** Read this many more batches ahead. */
  | { type: "pull"; count: number }
  /** The signal fired: stop reading. */
  | { type: "cancel" }
  /** Stop, close the file and end the thread. */
  | { type: "close" };

export type FromReader =
  | { type: "opened"; columns: ImportColumn[]; encoding?: string }
  | { type: "batch"; batch: ImportBatch; encoding?: string }
  | { type: "done"; encoding?: string }
  | { type: "failed"; error: SentError };

export type SentError =
  /** An ImportFileError: its code, English message, catalogue key and values, header problems. */
  | { kind: "import"; code: ImportFileErrorCode; message: string; key: ImportReasonKey; params: ReasonParams; details: HeaderProblem[] }
  | { kind: "other"; name: string; message: string; stack?: string };

export function sendableError(error: unknown): SentError {
  if (error instanceof ImportFileError) {
    return { kind: "import", code: error.code, message: error.message, key: error.key, params: error.params, details: error.details };
  }
  if (error instanceof Error) return { kind: "other", name: error.name, message: error.message, stack: error.stack };
  return { kind: "other", name: "Error", message: String(error) };
}

/** The error as the reader threw it: an ImportFileError stays one, with its code and details. */
export function receivedError(sent: SentError): Error {
  if (sent.kind === "import") return new ImportFileError(sent.code, sent.message, { key: sent.key, params: sent.params }, sent.details);
  const error = new Error(sent.message);
  error.name = sent.name;
  if (sent.stack) error.stack = sent.stack;
  return error;
}
