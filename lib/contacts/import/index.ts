/**
 * The file-reading half of the users import: .xlsx and .csv uploads streamed into validated rows
 * and precise row issues. See README.md beside this file.
 */
export { openImportFile, IMPORT_DEFAULTS } from "./open-import-file";
export { openImportFileInWorker } from "./read-in-worker";
export { estimateRowCount } from "./estimate-row-count";
export { ImportFileError, type ImportFileErrorCode, type HeaderProblem } from "./import-file-error";
export { validateUserid, MAX_USERID_LENGTH } from "./userid";
export { parseBindingHeader, normalizePhone } from "@/lib/contacts/phone";
export type { ImportBatch, ImportColumn, ImportFileKind, ImportIssue, ImportRow, OpenedImportFile, ReadImportOptions } from "./types";
