import iconv from "iconv-lite";
import { importReason, type ImportReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";

/**
 * Decodes a CSV file's bytes as they stream in, detecting the encoding the way Excel's files
 * need: a BOM decides (UTF-8, UTF-16); otherwise the text is treated as ASCII until the first
 * non-ASCII byte, and the bytes from there decide: valid UTF-8 means UTF-8, else GBK (Excel on
 * Chinese Windows saves "CSV (comma delimited)" in GBK). Deciding at the first non-ASCII byte
 * rather than on the first chunk is safe because ASCII reads the same in both, and it is right
 * for a file whose first megabyte happens to be ASCII.
 */
export type CsvEncoding = "utf-8" | "utf-8-bom" | "gb18030" | "utf-16le" | "utf-16be";

/** How many bytes after the first non-ASCII byte are examined to decide. */
const DECISION_WINDOW = 64 * 1024;

interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

function badEncoding(detail: string, why: ImportReason): ImportFileError {
  return new ImportFileError(
    "bad_encoding",
    `The file's text is neither UTF-8 nor GBK (${detail}). In Excel choose Save As › "CSV UTF-8 (Comma delimited)" and upload that file.`,
    importReason("importErrors.badEncoding.refused", { detail: why }),
  );
}

function isUtf8(bytes: Buffer): boolean {
  try {
    // stream: true tolerates a character cut at the end of the window.
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function utf8Decoder(): ChunkDecoder {
  // fatal: a UTF-8 file with stray bytes would otherwise turn userids into "�" silently.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let offset = 0;
  const wrap = (run: () => string, length: number): string => {
    try {
      const text = run();
      offset += length;
      return text;
    } catch {
      throw badEncoding(`it stops being valid UTF-8 after byte ${offset.toLocaleString("en")}`, importReason("importErrors.badEncoding.notUtf8After", { offset }));
    }
  };
  return {
    write: (chunk) => wrap(() => decoder.decode(chunk, { stream: true }), chunk.length),
    end: () => wrap(() => decoder.decode(), 0),
  };
}

function iconvDecoder(encoding: "gb18030" | "utf-16le" | "utf-16be"): ChunkDecoder {
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  const checked = (text: string): string => {
    // iconv writes U+FFFD for bytes that are not GBK: the file is in some other encoding.
    if (encoding === "gb18030" && text.indexOf("\ufffd") >= 0) throw badEncoding("some bytes are not valid GBK either", importReason("importErrors.badEncoding.notGbk"));
    return text;
  };
  return { write: (chunk) => checked(decoder.write(chunk)), end: () => checked(decoder.end() ?? "") };
}

/** Fewer bytes than this after the first non-ASCII byte are too few to judge; wait for more. */
const MIN_DECISION_BYTES = 256;

export class CsvTextDecoder {
  private decoder: ChunkDecoder | null = null;
  private detected: CsvEncoding | null = null;
  private first = true;
  /** Bytes from the first non-ASCII byte on, held until there are enough to decide. */
  private held: Buffer | null = null;

  /** The encoding once decided; "utf-8" is reported for a file that is ASCII throughout. */
  get encoding(): CsvEncoding {
    return this.detected ?? "utf-8";
  }

  write(input: Buffer): string {
    let chunk = input;
    if (this.first) {
      // The BOM needs the first three bytes together, however the file arrives.
      if (this.held) {
        chunk = Buffer.concat([this.held, chunk]);
        this.held = null;
      }
      if (chunk.length < 3) {
        this.held = Buffer.from(chunk);
        return "";
      }
      this.first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return this.decide("utf-8-bom", chunk);
      if (chunk[0] === 0xff && chunk[1] === 0xfe) return this.decide("utf-16le", chunk);
      if (chunk[0] === 0xfe && chunk[1] === 0xff) return this.decide("utf-16be", chunk);
    }
    if (this.decoder) return this.decoder.write(chunk);
    if (this.held) {
      chunk = Buffer.concat([this.held, chunk]);
      this.held = null;
      return this.undecided(chunk, 0);
    }
    let i = 0;
    while (i < chunk.length && chunk[i]! < 0x80) i++;
    if (i === chunk.length) return chunk.toString("latin1"); // ASCII: the same in every candidate
    return chunk.toString("latin1", 0, i) + this.undecided(chunk, i);
  }

  end(): string {
    if (this.first && this.held) {
      // A file of one or two bytes: no BOM fits; decide as for any other start.
      this.first = false;
      const held = this.held;
      this.held = null;
      return this.write(held) + this.end();
    }
    if (this.held) {
      const held = this.held;
      this.held = null;
      return this.decide(isUtf8(held) ? "utf-8" : "gb18030", held) + this.decoder!.end();
    }
    return this.decoder ? this.decoder.end() : "";
  }

  /** chunk[from] is the first non-ASCII byte of the file. */
  private undecided(chunk: Buffer, from: number): string {
    const rest = chunk.subarray(from);
    if (rest.length < MIN_DECISION_BYTES) {
      this.held = Buffer.from(rest);
      return "";
    }
    return this.decide(isUtf8(rest.subarray(0, DECISION_WINDOW)) ? "utf-8" : "gb18030", rest);
  }

  private decide(encoding: CsvEncoding, chunk: Buffer): string {
    this.detected = encoding;
    this.decoder = encoding === "utf-8" || encoding === "utf-8-bom" ? utf8Decoder() : iconvDecoder(encoding);
    return this.decoder.write(chunk);
  }
}
