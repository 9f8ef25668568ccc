import { MAX_COLUMNS, exactDecimal, isBlankCell, isCellProblem, shownValue, tooLongProblem, type ExtraCell, type RawCell, type RawRow } from "./cells";
import type { SharedStringTable } from "./shared-strings";
import { XmlChunkScanner } from "./xml-scanner";
import { decodeXmlText, singleLetterAttribute } from "./xml-text";


const OTHER = 0;
const ROW = 1;
const CELL = 2;
const VALUE = 3;
const FORMULA = 4;
const INLINE = 5;
const TEXT = 6;
const PHONETIC = 7;
const SHEET_DATA = 8;

/** Names the tag at `lt` without cutting a string out: this runs for every tag of the sheet. */
function tagId(text: string, nameStart: number, nameEnd: number): number {
  const length = nameEnd - nameStart;
  const first = text.charCodeAt(nameStart);
  switch (length) {
    case 1:
      return first === 99 ? CELL : first === 118 ? VALUE : first === 102 ? FORMULA : first === 116 ? TEXT : OTHER;
    case 2:
      return first === 105 && text.charCodeAt(nameStart + 1) === 115 ? INLINE : OTHER;
    case 3:
      if (first !== 114) return OTHER;
      if (text.startsWith("ow", nameStart + 1)) return ROW;
      return text.startsWith("Ph", nameStart + 1) ? PHONETIC : OTHER;
    case 9:
      return text.startsWith("sheetData", nameStart) ? SHEET_DATA : OTHER;
    default:
      return OTHER;
  }
}

/** The column of a reference "AB12" in text[start..end): 27 (the letters only); -1 when there are none. */
function lettersValue(text: string, start: number, end: number): number {
  let n = 0;
  let i = start;
  for (; i < end && i < start + 3; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) break;
    n = n * 26 + (c - 96);
  }
  return i === start ? -1 : n - 1;
}

/** Where the attribute value starting at `start` ends: at the quote that opened it. */
function valueEnd(text: string, start: number): number {
  return text.indexOf(text.charCodeAt(start - 1) === 34 ? '"' : "'", start);
}

/** The number written in text[start..end) as plain digits; 0 when it is not one. */
function digitsValue(text: string, start: number, end: number): number {
  if (end <= start || end - start > 9) return 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}

function cellTypeName(text: string, start: number, end: number): string {
  const length = end - start;
  const first = text.charCodeAt(start);
  if (length === 1) {
    if (first === 115) return "s";
    if (first === 110) return "n";
    if (first === 98) return "b";
    if (first === 101) return "e";
  }
  if (length === 3 && text.startsWith("str", start)) return "str";
  return text.slice(start, end);
}

/** True when text is digits with an optional leading minus: an integer written plainly. */
function isPlainInteger(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 300) return false;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

export interface SheetScannerOptions {
  sharedStrings: SharedStringTable;
  maxCellLength: number;
  onRow: (row: RawRow) => void;
}

/**
 * Reads `<sheetData>` of a worksheet part into raw rows: cell values as the file stores them
 * (numbers written out exactly, shared strings looked up, the cached result of a formula), never
 * the formatted text Excel would display. Stops at `</sheetData>`; merged ranges, which come after
 * it, are read by the pre-scan instead.
 */
export class SheetScanner extends XmlChunkScanner {
  /** Cells at or past this column are not kept; the first non-blank one is reported. */
  columnLimit = MAX_COLUMNS;

  private inSheetData = false;
  private rowOpen = false;
  private rowNumber = 0;
  private cells: (RawCell | undefined)[] = [];
  private extra: ExtraCell | null = null;
  private nextColumn = 0;

  private cellColumn = 0;
  private cellType: string | null = null;
  private hasValue = false;
  private hasFormula = false;
  private hasInline = false;
  private capture = OTHER;
  private phonetic = false;
  private raw = "";
  private rawLength = 0;
  private formula = "";
  private readonly rawCap: number;

  constructor(private readonly options: SheetScannerOptions) {
    super();
    // An escaped character takes at most 10 characters (&#x10FFFF;): past this, the text is too long for sure.
    this.rawCap = options.maxCellLength * 10;
  }

  /** The number of the last row met, blank or not. */
  get lastRowNumber(): number {
    return this.rowNumber;
  }

  protected onText(text: string, from: number, to: number): void {
    if (this.capture === OTHER) return;
    if (this.capture === FORMULA) {
      if (this.formula.length < 200) this.formula += text.slice(from, Math.min(to, from + 200));
      return;
    }
    this.rawLength += to - from;
    if (this.raw.length < this.rawCap) this.raw += to - from <= this.rawCap - this.raw.length ? text.slice(from, to) : text.slice(from, from + this.rawCap - this.raw.length);
  }

  protected onTag(text: string, lt: number, gt: number): void {
    const closing = text.charCodeAt(lt + 1) === 47;
    let p = closing ? lt + 2 : lt + 1;
    let nameStart = p;
    for (; p < gt; p++) {
      const c = text.charCodeAt(p);
      if (c === 32 || c === 47 || c === 9 || c === 10 || c === 13) break;
      if (c === 58) nameStart = p + 1; // drop a namespace prefix
    }
    const id = tagId(text, nameStart, p);
    if (id === OTHER) return;
    const selfClosing = !closing && text.charCodeAt(gt - 1) === 47;

    if (!this.inSheetData) {
      if (id === SHEET_DATA && !closing) {
        this.inSheetData = !selfClosing;
        this.done = selfClosing; // <sheetData/>: an empty sheet
      }
      return;
    }
    switch (id) {
      case CELL:
        if (closing) this.finishCell();
        else this.startCell(text, lt, gt, selfClosing);
        return;
      case VALUE:
        if (closing) this.capture = OTHER;
        else {
          this.hasValue = true;
          if (!selfClosing) this.capture = VALUE;
        }
        return;
      case ROW:
        if (closing) this.finishRow();
        else this.startRow(text, lt, gt, selfClosing);
        return;
      case FORMULA:
        if (closing) this.capture = OTHER;
        else {
          this.hasFormula = true;
          if (!selfClosing) this.capture = FORMULA;
        }
        return;
      case INLINE:
        if (!closing) this.hasInline = true;
        return;
      case TEXT:
        if (closing) this.capture = OTHER;
        else if (!selfClosing && this.hasInline && !this.phonetic) this.capture = TEXT;
        return;
      case PHONETIC:
        if (!selfClosing) this.phonetic = !closing;
        return;
      case SHEET_DATA:
        if (closing) {
          if (this.rowOpen) this.finishRow();
          this.done = true;
        }
        return;
    }
  }

  private startRow(text: string, lt: number, gt: number, selfClosing: boolean): void {
    if (this.rowOpen) this.finishRow(); // a missing </row>: be lenient
    const at = singleLetterAttribute(text, lt, gt, 114 /* r */);
    const parsed = at < 0 ? 0 : digitsValue(text, at, valueEnd(text, at));
    this.rowNumber = parsed > 0 ? parsed : this.rowNumber + 1;
    this.nextColumn = 0;
    if (selfClosing) return; // an empty (formatted) row is blank
    this.rowOpen = true;
    this.cells = [];
    this.extra = null;
  }

  private finishRow(): void {
    if (!this.rowOpen) return;
    this.rowOpen = false;
    this.options.onRow({ rowNumber: this.rowNumber, cells: this.cells, extra: this.extra });
  }

  private startCell(text: string, lt: number, gt: number, selfClosing: boolean): void {
    const ref = singleLetterAttribute(text, lt, gt, 114 /* r */);
    const column = ref < 0 ? -1 : lettersValue(text, ref, valueEnd(text, ref));
    this.cellColumn = column >= 0 ? column : this.nextColumn;
    this.nextColumn = this.cellColumn + 1;
    if (selfClosing) return; // no value: blank
    const type = singleLetterAttribute(text, lt, gt, 116 /* t */);
    // Most cells are "s" or untyped: keep the common types as constants, not new strings.
    this.cellType = type < 0 ? null : cellTypeName(text, type, valueEnd(text, type));
    this.hasValue = false;
    this.hasFormula = false;
    this.hasInline = false;
    this.phonetic = false;
    this.capture = OTHER;
    this.raw = "";
    this.rawLength = 0;
    this.formula = "";
  }

  private finishCell(): void {
    this.capture = OTHER;
    const value = this.cellValue();
    this.raw = "";
    if (value === undefined || !this.rowOpen) return;
    const column = this.cellColumn;
    if (column < this.columnLimit) {
      this.cells[column] = value;
    } else if (this.extra === null && column < MAX_COLUMNS && !isBlankCell(value)) {
      this.extra = { column, value: isCellProblem(value) ? value.shown : shownValue(value) };
    }
  }

  private cellValue(): RawCell | undefined {
    const { maxCellLength } = this.options;
    if (this.rawLength > this.rawCap) return tooLongProblem(decodeXmlText(this.raw.slice(0, 400)), this.rawLength, maxCellLength);
    if (this.hasInline) return this.checkedText(decodeXmlText(this.raw));
    if (!this.hasValue || (this.raw === "" && this.hasFormula && this.cellType !== "str")) {
      if (!this.hasFormula) return undefined;
      const shown = this.formula ? `=${decodeXmlText(this.formula)}` : "(a formula)";
      return {
        shown,
        reason: "The formula has no saved result. Open the file in Excel or LibreOffice, let it calculate, save it and upload it again.",
        reasonKey: "importErrors.cell.formulaNoResult",
      };
    }
    const raw = this.raw;
    switch (this.cellType) {
      case "s": {
        const entry = this.options.sharedStrings.get(Number(raw));
        return (
          entry ?? {
            shown: raw,
            reason: "The cell refers to a shared text that the workbook does not contain; the file is damaged.",
            reasonKey: "importErrors.cell.missingSharedString",
          }
        );
      }
      case "str":
      case "inlineStr":
      case "d":
        return this.checkedText(decodeXmlText(raw));
      case "b":
        return raw.trim() === "1" ? "TRUE" : "FALSE";
      case "e": {
        const error = decodeXmlText(raw);
        return {
          shown: this.hasFormula && this.formula ? `=${decodeXmlText(this.formula)}` : error,
          reason: `The cell shows the error ${error}${this.hasFormula ? " (its formula fails)" : ""}.`,
          reasonKey: this.hasFormula ? "importErrors.cell.formulaError" : "importErrors.cell.errorValue",
          reasonParams: { error },
        };
      }
      default: {
        // A number: written out exactly, never through a float and back.
        if (isPlainInteger(raw)) return raw;
        return (
          exactDecimal(raw) ?? {
            shown: shownValue(raw),
            reason: "The cell is marked as a number but does not hold one; the file is damaged.",
            reasonKey: "importErrors.cell.notANumber",
          }
        );
      }
    }
  }

  private checkedText(text: string): RawCell {
    return text.length > this.options.maxCellLength ? tooLongProblem(text.slice(0, 400), text.length, this.options.maxCellLength) : text;
  }
}
