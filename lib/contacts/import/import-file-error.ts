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
  message: string;
}

export class ImportFileError extends Error {
  constructor(
    readonly code: ImportFileErrorCode,
    message: string,
    /** For header errors: every problem found in the header row, not only the first. */
    readonly details: HeaderProblem[] = [],
  ) {
    super(message);
    this.name = "ImportFileError";
  }
}
