import { tooLongProblem, type RawCell } from "./cells";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";
import { XmlChunkScanner } from "./xml-scanner";
import { decodeXmlText } from "./xml-text";

const BLOCK_BITS = 12;
const BLOCK_SIZE = 1 << BLOCK_BITS;

export interface SharedStringLimits {
  /** Most strings the table may hold. */
  maxStrings: number;
  /** Most bytes their kept text may take, counted as UTF-16 (2 a character): the most memory it can need. */
  maxBytes: number;
}

/**
 * The table is held whole until the last row, and a few hundred kilobytes of `<si/>` unpack to
 * millions of strings (the 2 GiB unpacked limit alone would allow 400 million), so it is capped.
 * The caps grow with the row limit, so that a file within that limit passes: a legitimate
 * file's shared strings are its text cells, a userid and a few phone numbers stored as text per
 * data row, every one of them possibly distinct. Per row that allows 4 strings (a userid and
 * three numbers) and 256 bytes (128 characters, where a userid of the longest allowed 64
 * characters and three 16-character numbers take 112); the floor leaves room for the header and
 * small sheets beside the imported one. At
 * the default 2,000,000 rows: 8.07 million strings (32 MB of boundaries) and 504 MiB of text.
 */
const STRINGS_PER_ROW = 4;
const BYTES_PER_ROW = 256;
const STRINGS_FLOOR = 65_536;
const BYTES_FLOOR = 16 * 1024 * 1024;

export function sharedStringLimits(maxRows: number): SharedStringLimits {
  return { maxStrings: STRINGS_FLOOR + STRINGS_PER_ROW * maxRows, maxBytes: BYTES_FLOOR + BYTES_PER_ROW * maxRows };
}

/**
 * The workbook's shared strings, which every text cell refers to by index: for a million-row
 * sheet that is millions of short strings, all needed until the last row. They are kept packed,
 * 4096 to a block as one joined string plus the boundaries, which takes a fraction of the memory
 * of one heap string each. A string over the cell limit keeps only its start, marked as too long.
 */
export class SharedStringTable {
  private readonly blocks: string[] = [];
  private readonly bounds: Uint32Array[] = [];
  private pending: string[] = [];
  private readonly tooLong = new Map<number, number>();
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly maxCellLength: number,
    private readonly limits: SharedStringLimits = { maxStrings: Infinity, maxBytes: Infinity },
  ) {}

  get size(): number {
    return this.count;
  }

  add(text: string, fullLength = text.length): void {
    if (this.count >= this.limits.maxStrings) {
      throw new ImportFileError(
        "too_many_strings",
        `The workbook's shared strings table has more than ${this.limits.maxStrings.toLocaleString("en")} entries, more than a sheet within the row limit can use: the file is damaged or was made to overload the import. Copy the sheet with the contacts into a new workbook, save it and upload that.`,
        importReason("importErrors.tooManyStrings.count", { max: this.limits.maxStrings }),
      );
    }
    this.bytes += 2 * text.length;
    if (this.bytes > this.limits.maxBytes) {
      throw new ImportFileError(
        "too_many_strings",
        `The workbook's shared strings add up to more than ${formatMiB(this.limits.maxBytes)} of text, more than a sheet within the row limit can use: the file is damaged or was made to overload the import. Copy the sheet with the contacts into a new workbook, save it and upload that.`,
        importReason("importErrors.tooManyStrings.bytes", { size: formatMiB(this.limits.maxBytes) }),
      );
    }
    if (fullLength > this.maxCellLength) this.tooLong.set(this.count, fullLength);
    this.pending.push(text);
    this.count++;
    if (this.pending.length === BLOCK_SIZE) this.seal();
  }

  /** Call once every string is added. */
  finish(): void {
    if (this.pending.length > 0) this.seal();
  }

  get(index: number): RawCell | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    const block = index >>> BLOCK_BITS;
    const bounds = this.bounds[block]!;
    const i = index & (BLOCK_SIZE - 1);
    const text = this.blocks[block]!.slice(bounds[i]!, bounds[i + 1]!);
    const fullLength = this.tooLong.get(index);
    return fullLength === undefined ? text : tooLongProblem(text, fullLength, this.maxCellLength);
  }

  private seal(): void {
    const bounds = new Uint32Array(this.pending.length + 1);
    let at = 0;
    for (let i = 0; i < this.pending.length; i++) {
      bounds[i] = at;
      at += this.pending[i]!.length;
    }
    bounds[this.pending.length] = at;
    this.blocks.push(this.pending.join(""));
    this.bounds.push(bounds);
    this.pending = [];
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 ** 2).toLocaleString("en", { maximumFractionDigits: 1 })} MiB`;
}

/**
 * Parses sharedStrings.xml into a table: an `<si>` is the text of its `<t>` elements, including
 * those in rich-text runs `<r>`, but not the phonetic guides in `<rPh>`.
 */
export class SharedStringsScanner extends XmlChunkScanner {
  private inItem = false;
  private inText = false;
  private phoneticDepth = 0;
  private raw = "";
  private rawLength = 0;
  private readonly rawCap: number;

  constructor(private readonly table: SharedStringTable, private readonly maxCellLength: number) {
    super();
    // An escaped character takes at most 10 characters (&#x10FFFF;): past this, the text is too long for sure.
    this.rawCap = maxCellLength * 10;
  }

  protected onTag(text: string, lt: number, gt: number): void {
    const closing = text.charCodeAt(lt + 1) === 47;
    const selfClosing = !closing && text.charCodeAt(gt - 1) === 47;
    // Name the tag by its characters, without cutting it out: this runs millions of times.
    let p = closing ? lt + 2 : lt + 1;
    let nameStart = p;
    for (; p < gt; p++) {
      const c = text.charCodeAt(p);
      if (c === 32 || c === 47 || c === 9 || c === 10 || c === 13) break;
      if (c === 58) nameStart = p + 1; // drop a namespace prefix
    }
    const length = p - nameStart;
    const first = text.charCodeAt(nameStart);
    if (length === 2 && first === 115 && text.charCodeAt(nameStart + 1) === 105) {
      // <si>
      if (closing) this.finishItem();
      else if (selfClosing) this.table.add("");
      else {
        this.inItem = true;
        this.raw = "";
        this.rawLength = 0;
      }
    } else if (length === 1 && first === 116) {
      // <t>
      this.inText = !closing && !selfClosing && this.inItem && this.phoneticDepth === 0;
    } else if (length === 3 && first === 114 && text.startsWith("Ph", nameStart + 1)) {
      // <rPh>: a phonetic guide, not part of the text
      if (!selfClosing) this.phoneticDepth += closing ? -1 : 1;
    }
  }

  protected onText(text: string, from: number, to: number): void {
    if (!this.inText) return;
    this.rawLength += to - from;
    if (this.raw.length < this.rawCap) this.raw += text.slice(from, Math.min(to, from + this.rawCap - this.raw.length));
  }

  private finishItem(): void {
    this.inItem = false;
    this.inText = false;
    const decoded = decodeXmlText(this.raw);
    if (this.rawLength > this.rawCap || decoded.length > this.maxCellLength) {
      // Only the start is kept, to show in the error report.
      const fullLength = this.rawLength > this.rawCap ? this.rawLength : decoded.length;
      this.table.add(decoded.slice(0, 200), Math.max(fullLength, this.maxCellLength + 1));
    } else {
      this.table.add(decoded);
    }
    this.raw = "";
  }
}
