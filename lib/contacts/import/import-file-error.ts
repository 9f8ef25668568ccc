import type { ImportReason } from "@/lib/contacts/import-reason";
import type { ReasonParams } from "@/lib/i18n/reason";

/**
 * Why a whole file cannot be imported. Thrown before any row is read where that is possible
 * (wrong kind of file, header problems, zip bomb, too many rows by the sheet's dimension), and
 * otherwise as soon as the problem is met; rows already yielded stay valid.
 */
export type ImportFileErrorCode =
  | "not_xlsx"
  | "not_csv"
  | "encrypted_workbook"
  | "corrupt_file"
  | "empty_sheet"
  | "zip_bomb"
  | "too_many_rows"
  | "bad_encoding"
  | "bad_header"
  | "unknown_channel"
  | "duplicate_column"
  | "missing_userid_column"
  | "merged_cells"
  | "too_many_strings"
  | "cancelled";

export interface HeaderProblem {
  /** The header as written, or the column letter for a blank one. */
  column: string;
  /** English, for systems (REST). */
  message: string;
  /** The same problem as a catalogue key and its values, for the operator's language. */
  key: ImportReason["key"];
  params?: ReasonParams;
}

/**
 * `message` is the English sentence systems read (the REST field `error`); `key` and `params`
 * name the exact variant in the catalogue (`importErrors.*`), so the console can say the same
 * in the operator's language. Both are given at every throw site: the English stays as it was.
 */
export class ImportFileError extends Error {
  readonly key: ImportReason["key"];
  readonly params: ReasonParams;

  constructor(
    readonly code: ImportFileErrorCode,
    message: string,
    reason: ImportReason,
    /** For header errors: every problem found in the header row, not only the first. */
    readonly details: HeaderProblem[] = [],
  ) {
    super(message);
    this.name = "ImportFileError";
    this.key = reason.key;
    this.params = reason.params ?? {};
  }

  get reason(): ImportReason {
    return { key: this.key, params: this.params };
  }
}
