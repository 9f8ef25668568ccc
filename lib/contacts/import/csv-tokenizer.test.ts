import fc from "fast-check";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { RawRow } from "./cells";
import { CsvTextDecoder } from "./csv-decoder";
import { CsvTokenizer } from "./csv-tokenizer";

function tokenize(pieces: string[], maxCellLength = 1000): (string | undefined)[][] {
  const rows: RawRow[] = [];
  const tokenizer = new CsvTokenizer({ maxCellLength, onRow: (row) => rows.push(row) });
  for (const piece of pieces) tokenizer.write(piece);
  tokenizer.end();
  return rows.map((r) => Array.from({ length: r.cells.length }, (_, i) => r.cells[i] as string | undefined));
}

function cut(text: string, step: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += step) out.push(text.slice(i, i + step));
  return out;
}

/** Writes rows as Excel would: quoting fields that need it. */
function writeCsv(rows: string[][], eol: string): string {
  return rows.map((r) => r.map((f) => (/[",\r\n]/.test(f) || f === "" ? `"${f.replace(/"/g, '""')}"` : f)).join(",")).join(eol) + eol;
}

describe("CsvTokenizer", () => {
  it("reads back any table written with quoting, however the text is cut", () => {
    const field = fc.string({ unit: fc.constantFrom("a", "中", ",", '"', "\n", "\r", " ", "1"), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }), fc.constantFrom("\n", "\r\n"), fc.integer({ min: 1, max: 9 }), (rows, eol, step) => {
        // The first line decides the delimiter: keep commas inside it quoted, as here.
        const text = writeCsv([["h1", "h2"], ...rows], eol);
        expect(tokenize(cut(text, step))).toEqual([["h1", "h2"], ...rows]);
      }),
    );
  });

  it("treats a lone CR as a line end, even when a CRLF is split between chunks", () => {
    expect(tokenize(["a,b\r", "\nc,d\re,f"])).toEqual([["a", "b"], ["c", "d"], ["e", "f"]]);
  });

  it("keeps text after a closing quote and a quote inside an unquoted field, as Excel does", () => {
    expect(tokenize(['h\n"ab"c,x"y"\n'])).toEqual([["h"], ["abc", 'x"y"']]);
  });

  it("leaves empty fields out and keeps a trailing empty row out", () => {
    expect(tokenize(["a,,c,\n\n"])).toEqual([["a", undefined, "c"], []]);
  });
});

describe("CsvTextDecoder", () => {
  const text = "用户ID,手机号\n张三,13800138000\n";

  it.each([
    ["utf-8", Buffer.from(text, "utf8"), "utf-8"],
    ["utf-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]), "utf-8-bom"],
    ["GBK", iconv.encode(text, "gbk"), "gb18030"],
    ["UTF-16LE with BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]), "utf-16le"],
  ])("decodes %s fed one byte at a time", (_name, bytes, encoding) => {
    const decoder = new CsvTextDecoder();
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += decoder.write(bytes.subarray(i, i + 1));
    out += decoder.end();
    expect(out).toBe(text);
    expect(decoder.encoding).toBe(encoding);
  });

  it("refuses bytes that stop being UTF-8 after a UTF-8 start", () => {
    const decoder = new CsvTextDecoder();
    decoder.write(Buffer.from(`${"中".repeat(200)}\n`, "utf8"));
    expect(() => decoder.write(Buffer.from([0xc3, 0x28]))).toThrow(/after byte 601/);
  });
});
