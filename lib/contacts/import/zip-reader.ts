import type { FileHandle } from "node:fs/promises";
import { Readable, pipeline } from "node:stream";
import zlib from "node:zlib";
import { readRange } from "./file-range";
import { importReason, type ImportReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";

/**
 * Reads a zip (an .xlsx is one) from its central directory, so entries can be read in any order
 * and sizes are known before anything is inflated; the local headers of files written with data
 * descriptors (LibreOffice, Excel) carry no sizes, so a front-to-back reader could not check them.
 */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipLimits {
  /** Most bytes all entries may inflate to, together. */
  maxInflatedBytes: number;
  /** Largest inflated/compressed ratio for an entry over RATIO_CHECK_FLOOR bytes. */
  maxCompressionRatio: number;
}

/** Small parts may compress absurdly well (a run of spaces); only large ones are ratio-checked. */
const RATIO_CHECK_FLOOR = 4 * 1024 * 1024;
const MAX_ENTRIES = 10_000;
const EOCD_SIGNATURE = 0x06054b50;
const EOCD64_LOCATOR_SIGNATURE = 0x07064b50;
const EOCD64_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** `detail` in English for the message; `why` is the same detail as a catalogue key. */
function corrupt(detail: string, why: ImportReason): ImportFileError {
  return new ImportFileError(
    "corrupt_file",
    `The workbook is damaged and cannot be read (${detail}). Open it in Excel, save it again and upload the new file.`,
    importReason("importErrors.corrupt.zip", { detail: why }),
  );
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
}

export async function readZipDirectory(file: FileHandle, fileSize: number): Promise<Map<string, ZipEntry>> {
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  const tailLength = Math.min(fileSize, 22 + 65_535);
  const tail = await readAt(file, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("the end of the zip archive is missing; the file may be cut short", importReason("importErrors.corruptDetail.eocdMissing"));

  let entryCount = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  if (directoryOffset === 0xffffffff || entryCount === 0xffff) {
    // ZIP64: the real numbers are in the ZIP64 end record, found through its locator.
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== EOCD64_LOCATOR_SIGNATURE) throw corrupt("a ZIP64 record is missing", importReason("importErrors.corruptDetail.zip64Missing"));
    const eocd64Offset = Number(tail.readBigUInt64LE(locatorAt + 8));
    const record = await readAt(file, eocd64Offset, 56);
    if (record.length < 56 || record.readUInt32LE(0) !== EOCD64_SIGNATURE) throw corrupt("the ZIP64 record is damaged", importReason("importErrors.corruptDetail.zip64Damaged"));
    entryCount = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  if (entryCount > MAX_ENTRIES) throw corrupt(`it claims ${entryCount} parts`, importReason("importErrors.corruptDetail.tooManyParts", { count: entryCount }));
  if (directoryOffset + directorySize > fileSize) throw corrupt("the zip directory points past the end of the file; the file may be cut short", importReason("importErrors.corruptDetail.directoryPastEnd"));

  const directory = await readAt(file, directoryOffset, directorySize);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let n = 0; n < entryCount; n++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw corrupt("the zip directory is damaged", importReason("importErrors.corruptDetail.directoryDamaged"));
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    const crc32 = directory.readUInt32LE(at + 16);
    let compressedSize = directory.readUInt32LE(at + 20);
    let uncompressedSize = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    let localHeaderOffset = directory.readUInt32LE(at + 42);
    const name = directory.toString("utf8", at + 46, at + 46 + nameLength);
    // ZIP64 sizes live in extra field 0x0001, in this order, only for the fields that overflowed.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = directory.readUInt16LE(extra);
      const size = directory.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        let p = extra + 4;
        const end = extra + 4 + size;
        const next = (): number => {
          if (p + 8 > end) throw corrupt("a ZIP64 field is damaged", importReason("importErrors.corruptDetail.zip64FieldDamaged"));
          const value = Number(directory.readBigUInt64LE(p));
          p += 8;
          return value;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      extra += 4 + size;
    }
    at = extraEnd + commentLength;
    if (localHeaderOffset + 30 + compressedSize > fileSize) throw corrupt(`the part ${name} runs past the end of the file; the file may be cut short`, importReason("importErrors.corruptDetail.partPastEnd", { part: name }));
    entries.set(name, { name, method, flags, crc32, compressedSize, uncompressedSize, localHeaderOffset });
  }
  return entries;
}

function bombError(detail: string, why: ImportReason): ImportFileError {
  return new ImportFileError(
    "zip_bomb",
    `The workbook was refused because its contents would unpack to far more than the file itself (${detail}); a real spreadsheet is never packed like this.`,
    importReason("importErrors.zipBomb.refused", { detail: why }),
  );
}

/** Checks the sizes the directory declares, before a single byte is inflated. */
export function checkDeclaredSizes(entries: Map<string, ZipEntry>, limits: ZipLimits): void {
  let total = 0;
  for (const entry of entries.values()) {
    total += entry.uncompressedSize;
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > RATIO_CHECK_FLOOR && ratio > limits.maxCompressionRatio) {
      const [size, packed] = [formatBytes(entry.uncompressedSize), formatBytes(entry.compressedSize)];
      throw bombError(`${entry.name} declares ${size} packed into ${packed}`, importReason("importErrors.zipBomb.ratio", { part: entry.name, size, packed }));
    }
  }
  if (total > limits.maxInflatedBytes) {
    const [size, limit] = [formatBytes(total), formatBytes(limits.maxInflatedBytes)];
    throw bombError(`its parts declare ${size} in all, over the ${limit} limit`, importReason("importErrors.zipBomb.total", { size, limit }));
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

export interface EntryReadOptions {
  /** Counts inflated bytes across every entry read with it; the cap is the limits' total. */
  budget: InflateBudget;
  /** Check the entry's CRC-32 at its end (costs about a third of the inflate time). */
  verifyCrc?: boolean;
  /** Output chunk size; larger chunks mean fewer, cheaper iterations. */
  chunkSize?: number;
  /** Called with the compressed bytes consumed so far. */
  onCompressedProgress?: (bytes: number) => void;
}

/**
 * The inflated bytes allowed for the whole workbook. A part read twice (the sheet: pre-scan, then
 * rows) counts once, so the cap is on what the workbook holds, not on how it is read.
 */
export class InflateBudget {
  private spent = 0;
  private readonly perEntry = new Map<string, number>();
  constructor(readonly limit: number) {}

  /** Called with the bytes inflated so far in this read of `entry`. */
  reached(entry: ZipEntry, inflatedSoFar: number): void {
    const before = this.perEntry.get(entry.name) ?? 0;
    if (inflatedSoFar <= before) return;
    this.perEntry.set(entry.name, inflatedSoFar);
    this.spent += inflatedSoFar - before;
    if (this.spent > this.limit) {
      const limit = formatBytes(this.limit);
      throw bombError(`reading ${entry.name} went past ${limit} unpacked`, importReason("importErrors.zipBomb.budget", { part: entry.name, limit }));
    }
  }
}

async function dataOffset(file: FileHandle, entry: ZipEntry): Promise<number> {
  const header = await readAt(file, entry.localHeaderOffset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(`the part ${entry.name} is damaged`, importReason("importErrors.corruptDetail.partDamaged", { part: entry.name }));
  return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/**
 * Streams one entry's inflated bytes. Stops with zip_bomb the moment an entry inflates past the
 * size it declared (a forged directory) or the budget runs out, so a bomb never gets further than
 * one chunk past the limit.
 */
export async function* readEntry(file: FileHandle, entry: ZipEntry, options: EntryReadOptions): AsyncGenerator<Buffer, void, undefined> {
  if (entry.flags & 0x1) {
    throw new ImportFileError(
      "encrypted_workbook",
      "The workbook's parts are encrypted (a password-protected zip); save it in Excel without a password and upload it again.",
      importReason("importErrors.encrypted.zip"),
    );
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw corrupt(
      `the part ${entry.name} uses compression method ${entry.method}, which Excel never writes`,
      importReason("importErrors.corruptDetail.compressionMethod", { part: entry.name, method: entry.method }),
    );
  }
  const start = await dataOffset(file, entry);
  if (entry.compressedSize === 0) {
    if (entry.uncompressedSize !== 0) throw corrupt(`the part ${entry.name} is empty`, importReason("importErrors.corruptDetail.partEmpty", { part: entry.name }));
    return;
  }
  const source = Readable.from(readRange(file, start, start + entry.compressedSize, { onRead: options.onCompressedProgress }), { objectMode: false });
  // The inflater's own buffering gives backpressure: it stops inflating while its output waits.
  const output: Readable = entry.method === 8 ? pipeline(source, zlib.createInflateRaw({ chunkSize: options.chunkSize ?? 256 * 1024 }), () => {}) : source;
  let inflated = 0;
  let crc = 0;
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > entry.uncompressedSize) {
        const size = formatBytes(entry.uncompressedSize);
        throw bombError(`${entry.name} unpacks to more than the ${size} it declares`, importReason("importErrors.zipBomb.overDeclared", { part: entry.name, size }));
      }
      options.budget.reached(entry, inflated);
      if (options.verifyCrc) crc = zlib.crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    const detail = (error as Error).message;
    throw corrupt(`the part ${entry.name} cannot be unpacked: ${detail}`, importReason("importErrors.corruptDetail.partUnpack", { part: entry.name, detail }));
  } finally {
    output.destroy();
    source.destroy();
  }
  if (inflated !== entry.uncompressedSize) throw corrupt(`the part ${entry.name} is shorter than it declares`, importReason("importErrors.corruptDetail.partShort", { part: entry.name }));
  if (options.verifyCrc && crc >>> 0 !== entry.crc32 >>> 0) {
    throw corrupt(`the part ${entry.name} fails its checksum`, importReason("importErrors.corruptDetail.partChecksum", { part: entry.name }));
  }
}

/** Reads a small entry (workbook, relationships) whole, as text; refuses a large one. */
export async function readSmallEntryText(file: FileHandle, entry: ZipEntry, budget: InflateBudget, maxBytes = 32 * 1024 * 1024): Promise<string> {
  if (entry.uncompressedSize > maxBytes) {
    const size = formatBytes(entry.uncompressedSize);
    throw corrupt(`the part ${entry.name} is unusually large (${size})`, importReason("importErrors.corruptDetail.partTooLarge", { part: entry.name, size }));
  }
  const chunks: Buffer[] = [];
  for await (const chunk of readEntry(file, entry, { budget, verifyCrc: true, chunkSize: 64 * 1024 })) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
