import { importReason, type ImportReason } from "./import-reason";
import { fileKindOf } from "./upload-file-name";

/**
 * The check a chosen file gets in the browser, before any byte is sent: an empty file, or one
 * that is plainly no .xlsx or .csv (by its name and the type the browser gives it), is refused
 * at once with a sentence naming it, instead of after an upload. The server judges again
 * (lib/contacts/upload.ts, and the reader by the file's bytes); this only spares the round trip.
 * Browser-safe; used by the users import and the send page's audience file.
 */
export const ACCEPTED_FILE_TYPES = ".xlsx,.csv";

/**
 * The types browsers and systems give such files. An .xlsx is a zip; Windows reports a .csv as
 * an Excel file (application/vnd.ms-excel) when Excel is installed; "" and octet-stream mean the
 * browser does not know, which is no reason to refuse.
 */
const TYPES: Record<"xlsx" | "csv", readonly string[]> = {
  xlsx: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip", "application/x-zip-compressed", "application/octet-stream"],
  csv: [
    "text/csv",
    "text/plain",
    "text/x-csv",
    "text/comma-separated-values",
    "text/x-comma-separated-values",
    "application/csv",
    "application/x-csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
  ],
};

export interface ChosenFile {
  name: string;
  size: number;
  /** The browser's MIME type for it; "" when it does not know. */
  type: string;
}

/** Why the file cannot be sent, or null when it may be. */
export function refusedChoice(file: ChosenFile): ImportReason | null {
  const kind = fileKindOf(file.name);
  const type = file.type.split(";")[0]!.trim().toLowerCase();
  if (!kind || (type !== "" && !TYPES[kind].includes(type))) return importReason("importErrors.upload.wrongType", { name: file.name });
  if (file.size === 0) return importReason("importErrors.upload.empty", { name: file.name });
  return null;
}
