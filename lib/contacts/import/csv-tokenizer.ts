import { MAX_COLUMNS, isBlankCell, isCellProblem, shownValue, tooLongProblem, type ExtraCell, type RawCell, type RawRow } from "./cells";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";

/**
 * Splits decoded CSV text into rows as Excel reads it: fields separated by the delimiter, quoted
 * fields may hold delimiters, line breaks and doubled quotes, CRLF, LF or CR end a row, and a
 * quote in the middle of an unquoted field is just a character. Row numbers count records, which
 * is what Excel shows (a quoted line break does not start a new row). The delimiter is comma
 * unless the first line has more semicolons or tabs, or starts with Excel's `sep=;` hint.
 *
 * Written by hand rather than with csv-parse so that a field is capped while it is read: a cell
 * of megabytes (or an unclosed quote swallowing the file) is counted, not kept.
 */
const QUOTE = 34;
const LF = 10;
const CR = 13;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote was met inside a quoted field: it is either doubled (a literal quote) or the end. */
const QUOTE_IN_QUOTED = 3;
const AFTER_QUOTED = 4;

/** The first line is looked at for the delimiter once this much text is in, even without a line break. */
const HEAD_LIMIT = 64 * 1024;

export interface CsvTokenizerOptions {
  maxCellLength: number;
  onRow: (row: RawRow) => void;
}

export class CsvTokenizer {
  columnLimit = MAX_COLUMNS;
  private delimiter = 44;
  private head: string | null = "";
  private state = FIELD_START;
  private pendingCR = false;
  private field = "";
  private fieldLength = 0;
  private cells: (RawCell | undefined)[] = [];
  private column = 0;
  private extra: ExtraCell | null = null;
  private record = 0;
  /** Row where the currently open quoted field began, for the unclosed-quote error. */
  private quoteRow = 0;
  private readonly keepLength: number;

  constructor(private readonly options: CsvTokenizerOptions) {
    this.keepLength = options.maxCellLength + 1;
  }

  get delimiterName(): string {
    return this.delimiter === 9 ? "tab" : String.fromCharCode(this.delimiter);
  }

  get rowsEmitted(): number {
    return this.record;
  }

  write(text: string): void {
    if (this.head !== null) {
      this.head += text;
      if (this.head.length < HEAD_LIMIT && !/[\r\n]/.test(this.head)) return;
      this.scan(this.takeHead());
      return;
    }
    this.scan(text);
  }

  end(): void {
    if (this.head !== null) this.scan(this.takeHead());
    if (this.state === QUOTED) {
      throw new ImportFileError(
        "corrupt_file",
        `The CSV file has a quote (") in row ${this.quoteRow} that is never closed, so everything after it would be one cell. Fix that row and upload the file again.`,
        importReason("importErrors.corrupt.unclosedQuote", { row: this.quoteRow }),
      );
    }
    if (this.state !== FIELD_START || this.column > 0) {
      this.endField();
      this.endRecord();
    }
  }

  /** Decides the delimiter from the first line and drops Excel's `sep=` line. */
  private takeHead(): string {
    let head = this.head ?? "";
    this.head = null;
    if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
    const sep = /^sep=(.)(\r\n|\n|\r)/i.exec(head);
    if (sep) {
      this.delimiter = sep[1]!.charCodeAt(0);
      return head.slice(sep[0].length);
    }
    const lineEnd = head.search(/[\r\n]/);
    const line = (lineEnd < 0 ? head : head.slice(0, lineEnd)).replace(/"[^"]*"/g, "");
    const count = (c: string) => line.split(c).length - 1;
    const commas = count(",");
    const semicolons = count(";");
    const tabs = count("\t");
    if (semicolons > commas && semicolons >= tabs) this.delimiter = 59;
    else if (tabs > commas && tabs > semicolons) this.delimiter = 9;
    return head;
  }

  private scan(text: string): void {
    const n = text.length;
    const delimiter = this.delimiter;
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    let segment = i;
    while (i < n) {
      switch (this.state) {
        case FIELD_START: {
          if (text.charCodeAt(i) === QUOTE) {
            this.state = QUOTED;
            this.quoteRow = this.record + 1;
            i++;
            segment = i;
            break;
          }
          this.state = UNQUOTED;
          segment = i;
          break;
        }
        case UNQUOTED: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = text.charCodeAt(j);
            if (c === delimiter || c === LF || c === CR) break;
            j++;
          }
          this.append(text, segment, j);
          if (j === n) {
            i = n;
            break;
          }
          i = this.endOfField(text, j, c);
          segment = i;
          break;
        }
        case QUOTED: {
          const q = text.indexOf('"', i);
          if (q < 0) {
            this.append(text, segment, n);
            i = n;
            break;
          }
          this.append(text, segment, q);
          this.state = QUOTE_IN_QUOTED;
          i = q + 1;
          break;
        }
        case QUOTE_IN_QUOTED: {
          if (text.charCodeAt(i) === QUOTE) {
            this.append('"', 0, 1);
            this.state = QUOTED;
            i++;
            segment = i;
            break;
          }
          this.state = AFTER_QUOTED;
          break;
        }
        case AFTER_QUOTED: {
          const c = text.charCodeAt(i);
          if (c === delimiter || c === LF || c === CR) {
            i = this.endOfField(text, i, c);
            segment = i;
          } else {
            // Text after a closing quote: kept, as Excel does ("ab"c reads abc).
            this.state = UNQUOTED;
            segment = i;
          }
          break;
        }
      }
    }
  }

  /** Ends the field at text[at] (a delimiter or line break) and returns where to go on. */
  private endOfField(text: string, at: number, c: number): number {
    this.endField();
    this.state = FIELD_START;
    if (c === this.delimiter) return at + 1;
    this.endRecord();
    if (c === CR) {
      if (at + 1 === text.length) {
        this.pendingCR = true; // a CRLF split across chunks
        return at + 1;
      }
      if (text.charCodeAt(at + 1) === LF) return at + 2;
    }
    return at + 1;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.fieldLength += to - from;
    const room = this.keepLength - this.field.length;
    if (room > 0) this.field += to - from <= room ? text.slice(from, to) : text.slice(from, from + room);
  }

  private endField(): void {
    const value: RawCell = this.fieldLength > this.options.maxCellLength ? tooLongProblem(this.field, this.fieldLength, this.options.maxCellLength) : this.field;
    const column = this.column++;
    if (column < this.columnLimit) {
      if (this.fieldLength > 0) this.cells[column] = value;
    } else if (this.extra === null && column < MAX_COLUMNS && !isBlankCell(value)) {
      this.extra = { column, value: isCellProblem(value) ? value.shown : shownValue(value) };
    }
    this.field = "";
    this.fieldLength = 0;
  }

  private endRecord(): void {
    this.record++;
    this.options.onRow({ rowNumber: this.record, cells: this.cells, extra: this.extra });
    this.cells = [];
    this.extra = null;
    this.column = 0;
  }
}
