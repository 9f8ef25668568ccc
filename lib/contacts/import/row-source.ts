import type { RawRow } from "./cells";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";
import type { MergeCover } from "./row-checker";

/**
 * What the xlsx and csv readers have in common: they hand over raw rows a chunk at a time, so the
 * caller decides when to pause (backpressure) and nothing holds more than a chunk of rows.
 */
export interface RawRowSource {
  /** Reads on until at least one row is complete; null once the file is exhausted. */
  next(): Promise<RawRow[] | null>;
  /** After the header: cells from this column on are not kept, only reported. */
  setColumnLimit(limit: number): void;
  /** xlsx: which merged range covers a row (for rows asked in order); throws for a merged header. */
  mergeLookup?(width: number): ((rowNumber: number) => MergeCover | null) | undefined;
  /** Share of the file consumed, 0..1. */
  progress(): number;
  /** The last row number met, blank rows included. */
  lastRowNumber(): number;
  /** csv: the detected encoding. */
  readonly encoding?: string;
  close(): Promise<void>;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ImportFileError("cancelled", "The import was cancelled.", importReason("importErrors.run.cancelled"));
}
