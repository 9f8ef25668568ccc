import { findTagEnd } from "./xml-text";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";

/**
 * A minimal streaming XML tokenizer for the parts of a workbook: it finds tags and the text
 * between them in chunks of decoded text and hands positions to a subclass. It keeps back only an
 * incomplete tag at a chunk's end, never text, so a cell holding megabytes passes through in
 * pieces that the subclass may count and drop. It does not validate XML: Excel and LibreOffice
 * write well-formed parts, and a damaged one shows up as missing or odd values.
 */
export abstract class XmlChunkScanner {
  private carry = "";
  /** Set by a subclass to stop scanning (the rest of the part is not needed). */
  protected done = false;

  /** A start, end or empty-element tag spanning text[lt..gt]. */
  protected abstract onTag(text: string, lt: number, gt: number): void;
  /** Character data text[from..to), still XML-escaped. */
  protected abstract onText(text: string, from: number, to: number): void;

  /** A tag longer than this is not something Excel writes: refuse it rather than buffer it. */
  private static readonly MAX_TAG = 1 << 20;

  get finished(): boolean {
    return this.done;
  }

  write(chunk: string): void {
    if (this.done) return;
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = "";
    this.scan(text, false);
  }

  /** Call at the end of the part: an unfinished tag there means the part was cut short. */
  end(): void {
    if (this.done || this.carry.length === 0) return;
    const text = this.carry;
    this.carry = "";
    this.scan(text, true);
    if (!this.done && this.carry.trim().length > 0) {
      throw new ImportFileError(
        "corrupt_file",
        "The workbook is damaged and cannot be read (a part ends in the middle of a tag).",
        importReason("importErrors.corrupt.tagCut"),
      );
    }
  }

  private scan(text: string, final: boolean): void {
    const n = text.length;
    let pos = 0;
    while (pos < n) {
      const lt = text.indexOf("<", pos);
      if (lt < 0) {
        this.onText(text, pos, n);
        return;
      }
      if (lt > pos) this.onText(text, pos, lt);
      const next = text.charCodeAt(lt + 1);
      let end: number;
      if (next === 33 /* ! */ || next === 63 /* ? */) {
        end = this.skipSpecial(text, lt, final);
      } else {
        end = findTagEnd(text, lt);
        if (end >= 0) this.onTag(text, lt, end);
      }
      if (end < 0) {
        if (n - lt > XmlChunkScanner.MAX_TAG) {
          throw new ImportFileError(
            "corrupt_file",
            "The workbook is damaged and cannot be read (a tag longer than a megabyte).",
            importReason("importErrors.corrupt.tagTooLong"),
          );
        }
        this.carry = text.slice(lt);
        return;
      }
      if (this.done) return;
      pos = end + 1;
    }
  }

  /** Comments, processing instructions and CDATA; returns the index of their final '>' or -1. */
  private skipSpecial(text: string, lt: number, final: boolean): number {
    // Too short to tell "<!--" from "<![CDATA[" yet: wait for the next chunk.
    if (!final && text.length - lt < 9) return -1;
    if (text.startsWith("<![CDATA[", lt)) {
      const close = text.indexOf("]]>", lt + 9);
      if (close < 0) return -1;
      // CDATA is literal text; escape it so the subclass decodes all text alike.
      const literal = text.slice(lt + 9, close).replace(/&/g, "&amp;").replace(/</g, "&lt;");
      this.onText(literal, 0, literal.length);
      return close + 2;
    }
    if (text.startsWith("<!--", lt)) {
      const close = text.indexOf("-->", lt + 4);
      return close < 0 ? -1 : close + 2;
    }
    if (text.charCodeAt(lt + 1) === 63) {
      const close = text.indexOf("?>", lt + 2);
      return close < 0 ? -1 : close + 1;
    }
    // A document type can declare entities that expand a few bytes into gigabytes ("billion
    // laughs"). They are never expanded here, but a part that declares one was not written by a
    // spreadsheet program, and reading its entity references as literal text would import garbage.
    if (text.slice(lt + 2, lt + 9).toUpperCase() === "DOCTYPE") {
      throw new ImportFileError(
        "corrupt_file",
        "The workbook cannot be read: one of its parts declares a document type (DOCTYPE), which no spreadsheet program writes. Open it in Excel, save it again and upload the new file.",
        importReason("importErrors.corrupt.doctype"),
      );
    }
    // <!ELEMENT …> and the like: Excel never writes them; skip to the next '>'.
    return text.indexOf(">", lt);
  }
}
