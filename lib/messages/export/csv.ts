/**
 * CSV as Excel and every other reader take it: UTF-8 with a byte-order mark (without it Excel
 * reads the file in the system's code page and Chinese text comes out garbled), RFC 4180 quoting
 * (a field with a comma, a quote or a line break in double quotes, quotes doubled, lines ending
 * CRLF), and no cell a spreadsheet would run as a formula.
 */
export const CSV_BOM = "\uFEFF";

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;
/** A plain number ("+8613800138000", "-1") runs nothing, and a prefix would spoil it. */
const PLAIN_NUMBER = /^[+-]?[0-9]+(\.[0-9]+)?$/;

/** What a spreadsheet reads as the start of a formula (OWASP's CSV injection list): = + - @ tab CR. */
function startsFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** One field, guarded and quoted as needed; null is an empty field. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  // A leading apostrophe makes the cell text in Excel, LibreOffice and Google Sheets.
  const text = startsFormula(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

/** One record with its CRLF. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  let line = csvField(values[0]);
  for (let i = 1; i < values.length; i++) line += "," + csvField(values[i]);
  return `${line}\r\n`;
}
