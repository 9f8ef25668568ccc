/**
 * Small helpers for the hand-written XML scanning of workbook parts: they work on positions in a
 * string so that no tag is cut out as a string of its own on the hot path.
 */

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Decodes XML character references and OOXML's `_xHHHH_` escapes (how Excel writes control
 * characters such as `_x000D_`; `_x005F_` escapes a literal underscore).
 */
export function decodeXmlText(raw: string): string {
  let text = raw;
  if (text.indexOf("&") >= 0) {
    text = text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, name: string) => {
      if (name.charCodeAt(0) !== 35) return NAMED_ENTITIES[name] ?? whole;
      const code = name.charCodeAt(1) === 120 ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    });
  }
  if (text.indexOf("_x") >= 0) {
    text = text.replace(/_x([0-9A-Fa-f]{4})_/g, (_whole, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return text;
}

/**
 * The index of the `>` that closes the tag opened at `lt`, stepping over quoted attribute values
 * (which may hold `>`); -1 when the tag is not complete in `text`.
 */
export function findTagEnd(text: string, lt: number): number {
  // A plain loop: tags are short, and searching ahead for a quote character that never comes
  // (indexOf("'") in a sheet without one) would rescan the rest of the chunk for every tag.
  const n = text.length;
  for (let i = lt + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 62 /* > */) return i;
    if (c === 34 || c === 39) {
      const close = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}

/**
 * Finds attribute `r` or `t` (a one-letter name, given as its char code) in the tag text[lt..gt]
 * without making strings: returns the index where its value starts, or -1; the value ends at the
 * next occurrence of the quote at text[start - 1]. Runs for every cell of a sheet, so it is a
 * plain loop that steps over quoted values.
 */
export function singleLetterAttribute(text: string, lt: number, gt: number, letter: number): number {
  for (let i = lt + 1; i < gt; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      const close = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0 || close > gt) return -1;
      i = close;
      continue;
    }
    if (c !== letter) continue;
    const before = text.charCodeAt(i - 1);
    if (before !== 32 && before !== 9 && before !== 10 && before !== 13 && before !== 58) continue;
    let p = i + 1;
    while (text.charCodeAt(p) === 32) p++;
    if (text.charCodeAt(p) !== 61 /* = */) continue;
    p++;
    while (text.charCodeAt(p) === 32) p++;
    const quote = text.charCodeAt(p);
    if (quote !== 34 && quote !== 39) return -1;
    return p + 1;
  }
  return -1;
}

function isNameBoundary(code: number): boolean {
  // whitespace, or the ':' of a namespace prefix ("r:id")
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 58;
}

/**
 * The value of attribute `name` in the tag text[start..end), matched by local name (any prefix),
 * decoded; null when absent.
 */
export function getAttribute(text: string, start: number, end: number, name: string): string | null {
  let from = start;
  for (;;) {
    const at = text.indexOf(name, from);
    if (at < 0 || at >= end) return null;
    from = at + name.length;
    if (!isNameBoundary(text.charCodeAt(at - 1))) continue;
    let p = at + name.length;
    while (p < end && isNameBoundary(text.charCodeAt(p)) && text.charCodeAt(p) !== 58) p++;
    if (text.charCodeAt(p) !== 61 /* = */) continue;
    p++;
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9 || text.charCodeAt(p) === 10 || text.charCodeAt(p) === 13)) p++;
    const quote = text[p];
    if (quote !== '"' && quote !== "'") continue;
    const close = text.indexOf(quote, p + 1);
    if (close < 0 || close > end) return null;
    const value = text.slice(p + 1, close);
    return value.indexOf("&") >= 0 ? decodeXmlText(value) : value;
  }
}
