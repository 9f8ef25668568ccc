/** The reader's public shapes; see README.md beside this file. */
import type { ImportReasonKey } from "@/lib/contacts/import-reason";
import type { ReasonParams } from "@/lib/i18n/reason";

export type ImportFileKind = "xlsx" | "csv";

/** One accepted data row: every cell passed its rule. */
export interface ImportRow {
  /** 1-based, as the spreadsheet shows it: the header is row 1. */
  rowNumber: number;
  userid: string;
  /** bindId ("all" or a channelKey) → normalised phone; a blank cell is absent (binding kept). */
  phones: Record<string, string>;
}

export interface ImportIssue {
  rowNumber: number;
  /** The header text as given, or the column letter where the column has no header. */
  column: string;
  /** The cell's value as given (cut to 200 characters). */
  value: string;
  /** A readable English sentence. */
  reason: string;
  /** The same sentence as a catalogue key (`importErrors.*`) and its values, for the operator's language. */
  reasonKey: ImportReasonKey;
  reasonParams?: ReasonParams;
  /** An error rejects its whole row; a warning does not. */
  severity: "error" | "warning";
}

export interface ImportBatch {
  rows: ImportRow[];
  issues: ImportIssue[];
  /** Cumulative data rows read so far (header excluded), including rejected and blank ones. */
  rowsRead: number;
  /** Share of the file consumed so far, 0..1; a progress bar that has no row total can use it. */
  progress: number;
}

export interface ImportColumn {
  /** The header text as given (trimmed). */
  header: string;
  /** Column letter: A, B, … */
  letter: string;
  bindId: string | "userid";
}

export interface ReadImportOptions {
  path: string;
  kind: ImportFileKind;
  /** The channel keys that exist; a header naming any other is refused. */
  channelKeys: ReadonlySet<string>;
  /** Data rows allowed (header excluded); default 2,000,000. */
  maxRows?: number;
  /** Longest cell accepted, in characters; default 1000. */
  maxCellLength?: number;
  /** Rows per yielded batch; default 5000. */
  batchSize?: number;
  /** xlsx only: most bytes the workbook's parts may inflate to, together; default 2 GiB. */
  maxInflatedBytes?: number;
  /** xlsx only: largest inflated/compressed ratio accepted for a large part; default 200. */
  maxCompressionRatio?: number;
  signal?: AbortSignal;
}

export interface OpenedImportFile {
  columns: ImportColumn[];
  /** For csv: the encoding that was detected ("utf-8", "utf-8-bom", "gb18030", "utf-16le", "utf-16be"). */
  encoding?: string;
  /** Yields batches of at most batchSize rows; issues come in the batch of the row they concern or later. */
  batches(): AsyncGenerator<ImportBatch, void, undefined>;
  /** Releases the file when batches() is not run to its end (it closes the file itself otherwise). */
  close(): Promise<void>;
}
