/**
 * The XML of a sheet's rows and cells, and the escaping of their text. This is the hot path of an
 * export (a million rows are twelve million cells), so the escaping lives here beside the rows
 * that call it, and a cell that needs none costs one regular-expression test.
 *
 * Text as XML may carry it: XML 1.0 cannot hold most control characters at all, and a parser
 * turns a bare CR into LF, so both are written the way Excel writes them: a control character as
 * OOXML's `_xHHHH_` escape (Excel and the contacts import reader decode it; exceljs's reader does
 * so in shared strings only, not in inline ones), CR as `&#13;`. A text that already holds
 * `_xHHHH_` gets its underscore escaped (`_x005F_`), or Excel would decode it. A lone surrogate
 * half and U+FFFE/U+FFFF have no place in any XML: they become U+FFFD, the replacement character.
 */

export type XlsxCell = string | number | null | undefined;

/**
 * A character that may need more than a plain copy. An underscore only does before "xHHHH_", which
 * the replacement checks; one class is the quickest test for the cells that need nothing.
 */
const MAY_NEED_WORK = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF_]/;
const EACH =
  /[&<>\r]|[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF\uFFFE\uFFFF]|_(?=x[0-9A-Fa-f]{4}_)/g;

function replacement(match: string): string {
  switch (match) {
    case "&":
      return "&amp;";
    case "<":
      return "&lt;";
    case ">":
      return "&gt;";
    case "\r":
      return "&#13;";
    case "_":
      return "_x005F_";
  }
  if (match.length === 2) return match; // a surrogate pair (an emoji): kept as it is
  const code = match.charCodeAt(0);
  if (code < 0x20) return `_x${code.toString(16).toUpperCase().padStart(4, "0")}_`;
  return "\uFFFD";
}

/** Element text (a cell's `<t>`). */
export function xmlText(text: string): string {
  return MAY_NEED_WORK.test(text) ? text.replace(EACH, replacement) : text;
}

/** An attribute value in double quotes (a sheet's name, which holds no control character). */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, "&quot;");
}

const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

/** A, B, … Z, AA, AB, …: the letters of column `index` (0-based). */
export function columnLetters(index: number): string {
  let letters = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * Row XML for a sheet whose cells all carry their reference ("B7"; exceljs's reader needs it).
 * An empty cell (null, undefined, "") is left out, as Excel leaves it out. A number that is not
 * finite (Excel has none) is written as its text; every string is an inline string, so a text
 * that looks like a formula or a number stays exactly that text.
 */
export class SheetRows {
  /** `<c r="A` and so on, for the columns met so far. */
  private readonly openers: string[] = [];

  rowXml(rowNumber: number, cells: readonly XlsxCell[], style = 0): string {
    const r = String(rowNumber);
    const s = style ? `" s="${style}` : "";
    let xml = '<row r="' + r + '">';
    for (let c = 0; c < cells.length; c++) {
      const value = cells[c];
      if (value === null || value === undefined || value === "") continue;
      const open = (this.openers[c] ??= `<c r="${columnLetters(c)}`) + r + s;
      if (typeof value === "number" && Number.isFinite(value)) {
        xml += open + '"><v>' + value + "</v></c>";
        continue;
      }
      const text = typeof value === "string" ? value : String(value);
      const spaced = isSpace(text.charCodeAt(0)) || isSpace(text.charCodeAt(text.length - 1));
      xml += open + (spaced ? '" t="inlineStr"><is><t xml:space="preserve">' : '" t="inlineStr"><is><t>') + (MAY_NEED_WORK.test(text) ? text.replace(EACH, replacement) : text) + "</t></is></c>";
    }
    return xml + "</row>";
  }
}
