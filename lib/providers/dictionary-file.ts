import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { isBlankCell, isCellProblem, type RawCell, type RawRow } from "@/lib/contacts/import/cells";
import { openCsvSource } from "@/lib/contacts/import/csv-source";
import { ImportFileError } from "@/lib/contacts/import/import-file-error";
import type { RawRowSource } from "@/lib/contacts/import/row-source";
import { openXlsxSource } from "@/lib/contacts/import/xlsx-source";
import { loadMessages } from "@/lib/i18n/messages";
import { ValidationError, type ErrorDetail } from "@/lib/util/errors";
import {
  MAX_DICTIONARY_ROWS,
  OUTCOME_CATEGORIES,
  RECEIPT_OUTCOMES,
  receiptCodeSchema,
  type ReceiptCodeRow,
} from "./receipt-code-schema";

/**
 * A receipt-code dictionary as a file: what an enterprise would otherwise email to its SMS vendor
 * ("our provider, and the codes its receipts carry"), and what the console reads back.
 * Columns `code`, `outcome`, `category`, `description_en`, `description_zh` (English header names;
 * the Chinese words in HEADER_ALIASES are read too). Outcome and category are the REST values
 * (`failed`, `invalid_number`); their English and Chinese labels are read too.
 *
 * Reading reuses the users import's readers (lib/contacts/import): they check what the file
 * really is, the zip's sizes (no zip bomb), and a CSV's encoding (UTF-8 with or without BOM,
 * GBK as Excel on Chinese Windows saves it, UTF-16), and cap every cell.
 */
export const DICTIONARY_COLUMNS = ["code", "outcome", "category", "description_en", "description_zh"] as const;
type Column = (typeof DICTIONARY_COLUMNS)[number];

export const CSV_TYPE = "text/csv; charset=utf-8";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** Header words → column; compared trimmed, lower-case, with spaces and hyphens as underscores. */
const HEADER_ALIASES: Readonly<Record<string, Column>> = {
  code: "code",
  代码: "code",
  编码: "code",
  状态码: "code",
  回执码: "code",
  outcome: "outcome",
  结果: "outcome",
  category: "category",
  类别: "category",
  分类: "category",
  description_en: "description_en",
  description: "description_en",
  english_description: "description_en",
  英文描述: "description_en",
  英文说明: "description_en",
  description_zh: "description_zh",
  chinese_description: "description_zh",
  中文描述: "description_zh",
  中文说明: "description_zh",
};

const REQUIRED: readonly Column[] = ["code", "outcome", "category"];

/** The schema's field for a file column, and back (error paths name the file's column). */
const FIELD_OF: Record<Column, keyof ReceiptCodeRow> = {
  code: "code",
  outcome: "outcome",
  category: "category",
  description_en: "description",
  description_zh: "descriptionZh",
};
const COLUMN_OF = Object.fromEntries(Object.entries(FIELD_OF).map(([column, field]) => [field, column])) as Record<string, Column>;

/** At most this many problems are reported: enough to fix a file, never an answer of megabytes. */
const MAX_REPORTED = 200;

function headerKey(text: string): string {
  return text.normalize("NFKC").trim().toLowerCase().replace(/[\s-]+/g, "_");
}

/** Outcome and category as written in a file: the REST value, or its label in either language. */
function valueLookup(values: readonly string[], labels: (locale: "en" | "zh-CN") => Record<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) map.set(value, value);
  for (const locale of ["en", "zh-CN"] as const) {
    for (const [value, label] of Object.entries(labels(locale))) if (values.includes(value)) map.set(label.trim().toLowerCase(), value);
  }
  return map;
}

const OUTCOME_WORDS = valueLookup(RECEIPT_OUTCOMES, (locale) => loadMessages(locale).providers.outcomes);
const CATEGORY_WORDS = valueLookup(OUTCOME_CATEGORIES, (locale) => loadMessages(locale).messages.categories);

/**
 * A cell that would start a formula in a spreadsheet is written with a leading apostrophe in CSV
 * (the usual guard against formula injection), and that apostrophe is dropped when read back.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function unguard(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

function csvCell(text: string): string {
  const guarded = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

function fileRow(row: ReceiptCodeRow): string[] {
  return [row.code, row.outcome, row.category, row.description, row.descriptionZh];
}

/** UTF-8 with a BOM (so Excel opens Chinese text correctly), CRLF line ends. */
export function dictionaryCsv(rows: readonly ReceiptCodeRow[]): Buffer {
  const lines = [DICTIONARY_COLUMNS.join(","), ...rows.map((row) => fileRow(row).map(csvCell).join(","))];
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join("\r\n") + "\r\n", "utf8")]);
}

/** The dictionary on the first sheet; a second sheet lists the values outcome and category take. */
export async function dictionaryXlsx(rows: readonly ReceiptCodeRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("receipt codes");
  sheet.columns = [
    { header: "code", width: 14 },
    { header: "outcome", width: 12 },
    { header: "category", width: 18 },
    { header: "description_en", width: 60 },
    { header: "description_zh", width: 40 },
  ];
  sheet.getRow(1).font = { bold: true };
  // Text, so Excel keeps codes such as 00138 as written.
  sheet.getColumn(1).numFmt = "@";
  for (const row of rows) sheet.addRow(fileRow(row));
  const values = workbook.addWorksheet("values");
  values.columns = [
    { header: "column", width: 12 },
    { header: "value", width: 18 },
    { header: "English", width: 34 },
    { header: "中文", width: 24 },
  ];
  values.getRow(1).font = { bold: true };
  const [en, zh] = [loadMessages("en"), loadMessages("zh-CN")];
  for (const outcome of RECEIPT_OUTCOMES) values.addRow(["outcome", outcome, en.providers.outcomes[outcome], zh.providers.outcomes[outcome]]);
  for (const category of OUTCOME_CATEGORIES) values.addRow(["category", category, en.messages.categories[category], zh.messages.categories[category]]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Why a file cannot be read at all (not a workbook, a zip bomb, bad encoding …), in the import's own words. */
function fileProblem(error: ImportFileError): ValidationError {
  return new ValidationError(error.message, [{ path: "file", message: error.key }], "invalid_file").withMessageKey(error.key, error.params as Record<string, unknown>);
}

function badFile(message: string, details: ErrorDetail[]): ValidationError {
  return new ValidationError(message, details.slice(0, MAX_REPORTED), "invalid_dictionary");
}

/**
 * Reads a dictionary file into checked rows. Nothing is returned unless every row is good: any
 * problem throws a ValidationError whose details name the row (as the spreadsheet numbers it,
 * the header being row 1) and the column, `rows[3].category`, with the reason as a catalogue key.
 */
export async function readDictionaryFile(data: Buffer, kind: "xlsx" | "csv"): Promise<ReceiptCodeRow[]> {
  // The readers take a path (an xlsx is read by random access to its zip directory).
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "receipt-codes-"));
  const file = path.join(dir, `${crypto.randomUUID()}.${kind}`);
  try {
    await fs.writeFile(file, data);
    let source: RawRowSource;
    try {
      source =
        kind === "xlsx"
          ? await openXlsxSource({ path: file, maxCellLength: 1000, maxRows: MAX_DICTIONARY_ROWS, maxInflatedBytes: 64 * 1024 * 1024, maxCompressionRatio: 200 })
          : await openCsvSource({ path: file, maxCellLength: 1000 });
    } catch (error) {
      if (error instanceof ImportFileError) throw fileProblem(error);
      throw error;
    }
    try {
      return await readRows(source);
    } catch (error) {
      if (error instanceof ImportFileError) throw fileProblem(error);
      throw error;
    } finally {
      await source.close();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function readRows(source: RawRowSource): Promise<ReceiptCodeRow[]> {
  let layout: (Column | null)[] | null = null;
  const problems: ErrorDetail[] = [];
  const rows: ReceiptCodeRow[] = [];
  const seen = new Map<string, number>();
  for (let batch = await source.next(); batch !== null; batch = await source.next()) {
    for (const raw of batch) {
      if (raw.extra === null && raw.cells.every(isBlankCell)) continue;
      if (layout === null) {
        layout = readHeader(raw);
        source.setColumnLimit(layout.length);
        continue;
      }
      if (raw.rowNumber - 1 > MAX_DICTIONARY_ROWS) {
        throw badFile(`The file has more than ${MAX_DICTIONARY_ROWS} rows of codes.`, [{ path: `rows[${raw.rowNumber}]`, message: "providers.import.too_many_rows" }]);
      }
      const row = readRow(raw, layout, problems);
      if (!row) continue;
      if (seen.has(row.code)) problems.push({ path: `rows[${raw.rowNumber}].code`, message: "providers.errors.code_repeated" });
      else seen.set(row.code, raw.rowNumber);
      rows.push(row);
    }
  }
  if (layout === null) throw badFile("The file is empty: there is no header row.", [{ path: "file", message: "providers.import.empty" }]);
  if (problems.length > 0) throw badFile(`${problems.length} problem${problems.length === 1 ? "" : "s"} in the file; nothing was imported.`, problems);
  return rows;
}

/** Row 1 names the columns; every problem with it is reported at once. */
function readHeader(raw: RawRow): (Column | null)[] {
  const problems: ErrorDetail[] = [];
  if (raw.rowNumber !== 1) problems.push({ path: "header", message: "providers.import.header_not_first" });
  const layout: (Column | null)[] = [];
  const found = new Set<Column>();
  // By index: the cells array has holes where cells are blank.
  for (let index = 0; index < raw.cells.length; index++) {
    const cell = raw.cells[index];
    const text = typeof cell === "string" ? cell : "";
    const column = text.trim() === "" ? undefined : HEADER_ALIASES[headerKey(text)];
    if (text.trim() === "") layout.push(null);
    else if (!column) {
      problems.push({ path: `header.${text.trim().slice(0, 40)}`, message: "providers.import.unknown_column" });
      layout.push(null);
    } else if (found.has(column)) {
      problems.push({ path: `header.${column}`, message: "providers.import.duplicate_column" });
      layout.push(null);
    } else {
      found.add(column);
      layout.push(column);
    }
  }
  for (const column of REQUIRED) if (!found.has(column)) problems.push({ path: `header.${column}`, message: "providers.import.missing_column" });
  if (problems.length > 0) throw badFile("The header row must name the columns code, outcome, category, description_en, description_zh.", problems);
  return layout;
}

function cellText(cell: RawCell | undefined): string {
  return typeof cell === "string" ? unguard(cell) : "";
}

/** One data row, checked by the shared schema; its problems are added to `problems`. */
function readRow(raw: RawRow, layout: (Column | null)[], problems: ErrorDetail[]): ReceiptCodeRow | null {
  const at = (column: string) => `rows[${raw.rowNumber}].${column}`;
  const values: Partial<Record<Column, string>> = {};
  let unreadable = false;
  let outside = raw.extra !== null;
  // Rows read together with the header came before the column limit was set: they may have cells further right.
  const width = Math.max(layout.length, raw.cells.length);
  for (let index = 0; index < width; index++) {
    const column = layout[index] ?? null;
    const cell = raw.cells[index];
    if (column === null) {
      if (!isBlankCell(cell)) outside = true;
      continue;
    }
    if (isCellProblem(cell)) {
      problems.push({ path: at(column), message: "providers.import.cell_unreadable" });
      unreadable = true;
      continue;
    }
    values[column] = cellText(cell);
  }
  if (outside) {
    // A value under no named column would be dropped silently: a typo in the header, or a shifted row.
    problems.push({ path: `rows[${raw.rowNumber}]`, message: "providers.import.value_outside_columns" });
    unreadable = true;
  }
  if (unreadable) return null;
  const word = (text: string | undefined, words: Map<string, string>) => {
    const key = (text ?? "").trim().toLowerCase();
    return words.get(key) ?? key;
  };
  const parsed = receiptCodeSchema.safeParse({
    code: values.code ?? "",
    outcome: word(values.outcome, OUTCOME_WORDS),
    category: word(values.category, CATEGORY_WORDS),
    description: values.description_en ?? "",
    descriptionZh: values.description_zh ?? "",
  });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "code");
    problems.push({ path: at(COLUMN_OF[field] ?? field), message: issue.message });
  }
  return null;
}
