import type { FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";
import { getAttribute } from "./xml-text";
import { readSmallEntryText, type InflateBudget, type ZipEntry } from "./zip-reader";

/**
 * Finds, inside an .xlsx package, the first worksheet (in the workbook's tab order) and the shared
 * strings, following the relationships the way Excel does rather than guessing
 * `xl/worksheets/sheet1.xml`: a workbook whose sheets were reordered keeps its first tab elsewhere.
 */
export interface SheetLocation {
  sheetName: string;
  sheet: ZipEntry;
  sharedStrings: ZipEntry | null;
}

interface Relationship {
  id: string;
  type: string;
  target: string;
}

function parseRelationships(xml: string): Relationship[] {
  const out: Relationship[] = [];
  for (const match of xml.matchAll(/<(?:[\w.-]+:)?Relationship\b[^>]*>/g)) {
    const tag = match[0];
    const id = getAttribute(tag, 0, tag.length, "Id");
    const type = getAttribute(tag, 0, tag.length, "Type");
    const target = getAttribute(tag, 0, tag.length, "Target");
    if (id !== null && type !== null && target !== null) out.push({ id, type, target });
  }
  return out;
}

/** Resolves a relationship target against the part that holds the relationship. */
function resolveTarget(fromPart: string, target: string): string {
  if (target.startsWith("/")) return posix.normalize(target.slice(1));
  return posix.normalize(posix.join(posix.dirname(fromPart), target));
}

function relsPathOf(part: string): string {
  return posix.join(posix.dirname(part), "_rels", `${posix.basename(part)}.rels`);
}

function notWorkbook(entries: Map<string, ZipEntry>): ImportFileError {
  if (entries.has("xl/workbook.bin")) {
    return new ImportFileError(
      "not_xlsx",
      "This is an Excel binary workbook (.xlsb), not an .xlsx. Save it in Excel as an Excel Workbook (.xlsx) and upload that file.",
      importReason("importErrors.notXlsx.xlsb"),
    );
  }
  if (entries.has("content.xml") && entries.has("mimetype")) {
    return new ImportFileError(
      "not_xlsx",
      "This is an OpenDocument spreadsheet (.ods), not an .xlsx. Save it as an Excel 2007–365 (.xlsx) file and upload that.",
      importReason("importErrors.notXlsx.ods"),
    );
  }
  if (entries.has("word/document.xml")) {
    return new ImportFileError("not_xlsx", "This is a Word document (.docx), not an Excel workbook.", importReason("importErrors.notXlsx.docx"));
  }
  if (entries.has("ppt/presentation.xml")) {
    return new ImportFileError("not_xlsx", "This is a PowerPoint file (.pptx), not an Excel workbook.", importReason("importErrors.notXlsx.pptx"));
  }
  return new ImportFileError("not_xlsx", "This is a zip archive but not an Excel workbook (.xlsx).", importReason("importErrors.notXlsx.zip"));
}

export async function locateFirstSheet(file: FileHandle, entries: Map<string, ZipEntry>, budget: InflateBudget): Promise<SheetLocation> {
  const text = async (name: string): Promise<string | null> => {
    const entry = entries.get(name);
    return entry ? readSmallEntryText(file, entry, budget) : null;
  };

  let workbookPath = "xl/workbook.xml";
  const rootRels = await text("_rels/.rels");
  if (rootRels) {
    const office = parseRelationships(rootRels).find((r) => r.type.endsWith("/officeDocument"));
    if (office) workbookPath = resolveTarget("", office.target);
  }
  const workbook = await text(workbookPath);
  if (workbook === null) throw notWorkbook(entries);

  const sheetsAt = workbook.search(/<(?:[\w.-]+:)?sheets\b/);
  const firstSheet = sheetsAt < 0 ? null : /<(?:[\w.-]+:)?sheet\b[^>]*>/.exec(workbook.slice(sheetsAt));
  if (!firstSheet) throw new ImportFileError("empty_sheet", "The workbook has no worksheet.", importReason("importErrors.emptySheet.noWorksheet"));
  const tag = firstSheet[0];
  const sheetName = getAttribute(tag, 0, tag.length, "name") ?? "Sheet1";
  const relId = getAttribute(tag, 0, tag.length, "id");

  const workbookRels = parseRelationships((await text(relsPathOf(workbookPath))) ?? "");
  const sheetRel = workbookRels.find((r) => r.id === relId);
  if (sheetRel && !sheetRel.type.endsWith("/worksheet")) {
    throw new ImportFileError(
      "empty_sheet",
      `The first sheet, "${sheetName}", is a chart or dialog sheet, not a worksheet; move the data to the first sheet.`,
      importReason("importErrors.emptySheet.chartSheet", { sheet: sheetName }),
    );
  }
  const sheetPath = sheetRel ? resolveTarget(workbookPath, sheetRel.target) : "xl/worksheets/sheet1.xml";
  const sheet = entries.get(sheetPath);
  if (!sheet) {
    throw new ImportFileError(
      "corrupt_file",
      `The workbook is damaged and cannot be read (its first sheet, "${sheetName}", is missing).`,
      importReason("importErrors.corrupt.sheetMissing", { sheet: sheetName }),
    );
  }
  const stringsRel = workbookRels.find((r) => r.type.endsWith("/sharedStrings"));
  const stringsPath = stringsRel ? resolveTarget(workbookPath, stringsRel.target) : "xl/sharedStrings.xml";
  return { sheetName, sheet, sharedStrings: entries.get(stringsPath) ?? null };
}
