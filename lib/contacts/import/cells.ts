import type { ImportReasonKey } from "@/lib/contacts/import-reason";
import type { ReasonParams } from "@/lib/i18n/reason";

/**
 * A cell as the readers hand it to the row checker: its text (numbers already written out
 * exactly as decimals), or a problem the reader found that makes the cell unusable (a formula
 * without a saved result, an error value, a cell too long to keep).
 */
export interface CellProblem {
  /** The cell as the user would recognise it: "=A2*2", "#N/A", the first characters of a long text. */
  shown: string;
  /** English, as stored in `import_issues.reason`. */
  reason: string;
  /** The same sentence as a catalogue key and values, for the operator's language. */
  reasonKey: ImportReasonKey;
  reasonParams?: ReasonParams;
}

export type RawCell = string | CellProblem;

/** Excel's last column is XFD: 16384 columns; cells further right are not read. */
export const MAX_COLUMNS = 16_384;

/** A non-blank cell to the right of the last header, kept only to report it. */
export interface ExtraCell {
  column: number;
  value: string;
}

export interface RawRow {
  /** 1-based, as the spreadsheet shows it. */
  rowNumber: number;
  /** Indexed by column (0 = A); a hole or undefined is a blank cell. */
  cells: (RawCell | undefined)[];
  extra: ExtraCell | null;
}

export function isCellProblem(cell: RawCell | undefined): cell is CellProblem {
  return typeof cell === "object";
}

/** Blank means "no value": absent, or text made only of whitespace. */
export function isBlankCell(cell: RawCell | undefined): boolean {
  if (cell === undefined) return true;
  if (typeof cell !== "string") return false;
  return cell.length === 0 || cell.trim().length === 0;
}

/** 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let letters = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** "AB" → 27; anything that is not 1–3 letters → -1. */
export function columnIndex(letters: string): number {
  if (letters.length === 0 || letters.length > 3) return -1;
  let n = 0;
  for (let i = 0; i < letters.length; i++) {
    const c = letters.charCodeAt(i) | 0x20; // lower-case
    if (c < 97 || c > 122) return -1;
    n = n * 26 + (c - 96);
  }
  return n - 1;
}

/** Values in issues are cut so that an error report never carries a megabyte cell. */
export const MAX_SHOWN_VALUE = 200;

export function shownValue(text: string): string {
  return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}…` : text;
}

export function tooLongProblem(preview: string, length: number, maxCellLength: number): CellProblem {
  return {
    // Always marked as cut: the preview is never the whole value.
    shown: `${preview.slice(0, MAX_SHOWN_VALUE)}…`,
    reason: `The cell holds ${length > maxCellLength * 10 ? "far " : ""}more than ${maxCellLength} characters, which no userid or phone number needs.`,
    reasonKey: length > maxCellLength * 10 ? "importErrors.cell.farTooLong" : "importErrors.cell.tooLong",
    reasonParams: { max: maxCellLength },
  };
}

/**
 * Writes a spreadsheet number ("13800138000", "1.38001380000E+10", "-2.5E-3") as a plain decimal
 * string using only string arithmetic: going through a JS number and back could print an exponent
 * or lose digits. Returns null when the text is not a number.
 */
export function exactDecimal(text: string): string | null {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?\s*$/.exec(text);
  if (!m) return null;
  const [, sign = "", intPart = "", fracPart = "", expPart] = m;
  if (intPart === "" && fracPart === "") return null;
  const exponent = expPart === undefined ? 0 : Number(expPart);
  const digits = intPart + fracPart;
  // Position of the decimal point within `digits` once the exponent is applied.
  const point = intPart.length + exponent;
  // A phone number or userid never needs more than a few dozen digits; refuse absurd exponents.
  if (point > 400 || point < -400) return null;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = "0";
    fraction = "0".repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + "0".repeat(point - digits.length);
    fraction = "";
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, "");
  fraction = fraction.replace(/0+$/, "");
  const isZero = /^0*$/.test(whole) && fraction === "";
  return `${sign === "-" && !isZero ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
