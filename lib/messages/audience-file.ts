import fs from "node:fs/promises";
import { receiveUpload } from "@/lib/contacts/upload";
import { isBlankCell, isCellProblem, columnLetter } from "@/lib/contacts/import/cells";
import { openCsvSource } from "@/lib/contacts/import/csv-source";
import { ImportFileError } from "@/lib/contacts/import/import-file-error";
import { importReason, type ImportReason, type ImportReasonKey } from "@/lib/contacts/import-reason";
import type { RawRowSource } from "@/lib/contacts/import/row-source";
import { validateUserid } from "@/lib/contacts/import/userid";
import { openXlsxSource } from "@/lib/contacts/import/xlsx-source";
import { normalizePhone, parseBindingHeader } from "@/lib/contacts/phone";
import type { ReasonParams } from "@/lib/i18n/reason";
import { ValidationError } from "@/lib/util/errors";
import { MAX_REPORTED_REJECTED } from "./send-request";
import { AUDIENCE_FILE_MAX_BYTES, AUDIENCE_FILE_MAX_ROWS } from "./send-schema";

/**
 * The compose page's "recipients from a file": one column of a .csv (UTF-8, UTF-8 with a BOM,
 * or GBK, as Excel on Chinese Windows saves it) or of the first sheet of an .xlsx, read with the
 * users import's own streaming readers (lib/contacts/import), which cap every cell and part while
 * reading. A header `userid` or `phone` (用户ID, 手机号, …) says what the values are; without
 * one, values that all read as phone numbers are phones, anything else userids. Nothing is
 * stored: the values go back to the form, which sends them as `userids` or `phones`. The upload
 * is small (10 MB), so it is read inside the request, and its file removed at once.
 */
export interface AudienceFileRejection {
  /** 1-based, as the spreadsheet shows it. */
  row: number;
  value: string;
  /** English, for systems. */
  reason: string;
  /** The same as a catalogue key (`importErrors.*`) and its values, for the operator's language. */
  reasonKey: ImportReasonKey;
  reasonParams?: ReasonParams;
}

export interface AudienceFile {
  kind: "userids" | "phones";
  values: string[];
  /** The first 10,000 values refused, in file order. */
  rejected: AudienceFileRejection[];
  rejectedCount: number;
}

export interface AudienceFileLimits {
  maxRows?: number;
}

const MAX_CELL_LENGTH = 1000;
/** Unpacked size of an .xlsx's parts: a 10 MB workbook of one column stays far below. */
const MAX_INFLATED_BYTES = 512 * 1024 * 1024;
const MAX_COMPRESSION_RATIO = 200;

function fileError(code: string, message: string, reason: ImportReason): ValidationError {
  return new ValidationError(message, [{ path: "file", message }], code).withMessageKey(reason.key, reason.params ?? {});
}

/** Receives the multipart upload (field `file`), reads it, and removes it. */
export async function readAudienceFile(req: Request, options: { dataDir: string; maxBytes?: number } & AudienceFileLimits): Promise<AudienceFile> {
  const upload = await receiveUpload(req, { dataDir: options.dataDir, maxBytes: options.maxBytes ?? AUDIENCE_FILE_MAX_BYTES });
  try {
    return await parseAudienceFile(upload.filePath, upload.fileKind, options);
  } finally {
    await fs.rm(upload.filePath, { force: true });
  }
}

interface Entry {
  row: number;
  raw: string;
}

/** Reads one column of a stored file; 400 with the reader's code for a file that cannot be read. */
export async function parseAudienceFile(filePath: string, fileKind: "csv" | "xlsx", limits: AudienceFileLimits = {}): Promise<AudienceFile> {
  const maxRows = limits.maxRows ?? AUDIENCE_FILE_MAX_ROWS;
  let source: RawRowSource;
  try {
    source =
      fileKind === "xlsx"
        ? await openXlsxSource({
            path: filePath,
            maxCellLength: MAX_CELL_LENGTH,
            // The header row comes on top of the data rows.
            maxRows: maxRows + 1,
            maxInflatedBytes: MAX_INFLATED_BYTES,
            maxCompressionRatio: MAX_COMPRESSION_RATIO,
          })
        : await openCsvSource({ path: filePath, maxCellLength: MAX_CELL_LENGTH });
  } catch (error) {
    throw asFileError(error);
  }
  // Cells right of column A are not kept, only reported: a value there means a second column.
  source.setColumnLimit(1);
  let fixedKind: AudienceFile["kind"] | null = null;
  let sawFirst = false;
  const entries: Entry[] = [];
  const rejected: AudienceFileRejection[] = [];
  let rejectedCount = 0;
  const reject = (row: number, value: string, why: { reason: string; reasonKey: ImportReasonKey; reasonParams?: ReasonParams }) => {
    rejectedCount++;
    if (rejected.length >= MAX_REPORTED_REJECTED) return;
    const rejection: AudienceFileRejection = { row, value, reason: why.reason, reasonKey: why.reasonKey };
    if (why.reasonParams) rejection.reasonParams = why.reasonParams;
    rejected.push(rejection);
  };
  try {
    for (let rows = await source.next(); rows !== null; rows = await source.next()) {
      for (const row of rows) {
        if (row.extra !== null) {
          throw fileError(
            "too_many_columns",
            `The file must have one column of userids or phone numbers; row ${row.rowNumber} has a value in column ${columnLetter(row.extra.column)}.`,
            importReason("importErrors.audience.tooManyColumns", { row: row.rowNumber, column: columnLetter(row.extra.column) }),
          );
        }
        const cell = row.cells[0];
        if (isBlankCell(cell)) continue;
        if (isCellProblem(cell)) {
          sawFirst = true;
          reject(row.rowNumber, cell.shown, cell);
          continue;
        }
        const text = cell as string;
        if (!sawFirst) {
          sawFirst = true;
          const header = parseBindingHeader(text);
          if (header) {
            fixedKind = header.kind === "userid" ? "userids" : "phones";
            continue;
          }
        }
        if (entries.length >= maxRows) {
          throw fileError(
            "too_many_rows",
            `The file has more than ${maxRows.toLocaleString("en")} values, the most one send may have; split it.`,
            importReason("importErrors.audience.tooManyRows", { max: maxRows }),
          );
        }
        entries.push({ row: row.rowNumber, raw: text });
      }
    }
  } catch (error) {
    throw asFileError(error);
  } finally {
    await source.close();
  }
  if (entries.length === 0 && rejectedCount === 0) {
    throw fileError("empty_file", "The file has no userids or phone numbers in its first column.", importReason("importErrors.audience.noValues"));
  }
  const kind = fixedKind ?? (entries.every((e) => normalizePhone(e.raw).ok) ? "phones" : "userids");
  const values: string[] = [];
  const firstRow = new Map<string, number>();
  for (const entry of entries) {
    const checked = kind === "phones" ? normalizePhone(entry.raw) : validateUserid(entry.raw);
    if (!checked.ok) {
      reject(entry.row, entry.raw, checked);
      continue;
    }
    const value = "phone" in checked ? checked.phone : checked.userid;
    const first = firstRow.get(value);
    if (first !== undefined) {
      reject(entry.row, entry.raw, {
        reason: `${kind === "phones" ? "This number" : "This userid"} is in row ${first} already; it gets one message.`,
        reasonKey: kind === "phones" ? "importErrors.audience.repeatedPhone" : "importErrors.audience.repeatedUserid",
        reasonParams: { first },
      });
      continue;
    }
    firstRow.set(value, entry.row);
    values.push(value);
  }
  return { kind, values, rejected, rejectedCount };
}

/** The reader's file errors are the uploader's to fix: 400 with their code. */
function asFileError(error: unknown): unknown {
  if (error instanceof ImportFileError) return fileError(error.code, error.message, error.reason);
  return error;
}
