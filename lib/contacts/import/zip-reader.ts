import type { FileHandle } from "node:fs/promises";
import { constants as bufferConstants } from "node:buffer";
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
const BUFFER_MAX_LENGTH = bufferConstants.MAX_LENGTH;

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

/**
 * A zip's central directory as it was read, with where its records lie: the import uses the
 * entries; a check of how a zip was written (the export's writer tests) also looks at the rest.
 */
export interface ZipDirectory {
  /** In directory order; a name given twice is here twice (readZipDirectory keeps the last). */
  entries: DirectoryEntry[];
  endRecordOffset: number;
  /** Set when the end record's fields overflowed and the ZIP64 end record was read instead. */
  zip64EndRecordOffset: number | null;
  directoryOffset: number;
  directorySize: number;
  /** Where the last central header (with its comment) ends. */
  entriesEnd: number;
}

export interface DirectoryEntry extends ZipEntry {
  centralHeaderOffset: number;
}

/** Bytes the directory parse asks for; the answer may be shorter if the archive ends first. */
interface ByteRange {
  position: number;
  length: number;
}

/**
 * The directory parse, free of I/O: it yields the ranges it needs and is handed their bytes, so
 * an archive on disk (read by position) and one in memory go through the same checks.
 */
function* parseDirectory(fileSize: number): Generator<ByteRange, ZipDirectory, Buffer> {
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  const tailLength = Math.min(fileSize, 22 + 65_535);
  const tailStart = fileSize - tailLength;
  const tail = yield { position: tailStart, length: tailLength };
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
  let zip64EndRecordOffset: number | null = null;
  if (directoryOffset === 0xffffffff || entryCount === 0xffff) {
    // ZIP64: the real numbers are in the ZIP64 end record, found through its locator.
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== EOCD64_LOCATOR_SIGNATURE) throw corrupt("a ZIP64 record is missing", importReason("importErrors.corruptDetail.zip64Missing"));
    const eocd64Offset = Number(tail.readBigUInt64LE(locatorAt + 8));
    const record = yield { position: eocd64Offset, length: 56 };
    if (record.length < 56 || record.readUInt32LE(0) !== EOCD64_SIGNATURE) throw corrupt("the ZIP64 record is damaged", importReason("importErrors.corruptDetail.zip64Damaged"));
    entryCount = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
    zip64EndRecordOffset = eocd64Offset;
  }
  if (entryCount > MAX_ENTRIES) throw corrupt(`it claims ${entryCount} parts`, importReason("importErrors.corruptDetail.tooManyParts", { count: entryCount }));
  if (directoryOffset + directorySize > fileSize) throw corrupt("the zip directory points past the end of the file; the file may be cut short", importReason("importErrors.corruptDetail.directoryPastEnd"));

  const directory = yield { position: directoryOffset, length: directorySize };
  const entries: DirectoryEntry[] = [];
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
    const centralHeaderOffset = directoryOffset + at;
    at = extraEnd + commentLength;
    if (localHeaderOffset + 30 + compressedSize > fileSize) throw corrupt(`the part ${name} runs past the end of the file; the file may be cut short`, importReason("importErrors.corruptDetail.partPastEnd", { part: name }));
    entries.push({ name, method, flags, crc32, compressedSize, uncompressedSize, localHeaderOffset, centralHeaderOffset });
  }
  return { entries, endRecordOffset: tailStart + eocd, zip64EndRecordOffset, directoryOffset, directorySize, entriesEnd: directoryOffset + at };
}

/** The entries by name; a name given twice means its last entry. */
function byName(entries: readonly DirectoryEntry[]): Map<string, ZipEntry> {
  return new Map(entries.map((entry) => [entry.name, entry]));
}

export async function readZipDirectory(file: FileHandle, fileSize: number): Promise<Map<string, ZipEntry>> {
  const parse = parseDirectory(fileSize);
  let step = parse.next();
  while (!step.done) step = parse.next(await readAt(file, step.value.position, step.value.length));
  return byName(step.value.entries);
}

/** The bytes of `range` in an archive held in memory (fewer where it ends, as a file read gives). */
function sliceOf(zip: Buffer, range: ByteRange): Buffer {
  return zip.subarray(range.position, range.position + range.length);
}

/** readZipDirectory for an archive held in memory, with the same checks, and the layout besides. */
export function readZipBufferDirectory(zip: Buffer): ZipDirectory {
  const parse = parseDirectory(zip.length);
  let step = parse.next();
  while (!step.done) step = parse.next(sliceOf(zip, step.value));
  return step.value;
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

/** What is refused before any byte of an entry is read: encryption, and methods Excel never uses. */
function checkReadable(entry: ZipEntry): void {
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
}

/** Where the entry's data starts, from its local header (the first 30 bytes at its offset). */
function dataStart(entry: ZipEntry, header: Buffer): number {
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(`the part ${entry.name} is damaged`, importReason("importErrors.corruptDetail.partDamaged", { part: entry.name }));
  return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

async function dataOffset(file: FileHandle, entry: ZipEntry): Promise<number> {
  return dataStart(entry, await readAt(file, entry.localHeaderOffset, 30));
}

/** An entry with no packed bytes must declare no inflated ones either. */
function checkEmpty(entry: ZipEntry): void {
  if (entry.uncompressedSize !== 0) throw corrupt(`the part ${entry.name} is empty`, importReason("importErrors.corruptDetail.partEmpty", { part: entry.name }));
}

function overDeclared(entry: ZipEntry): ImportFileError {
  const size = formatBytes(entry.uncompressedSize);
  return bombError(`${entry.name} unpacks to more than the ${size} it declares`, importReason("importErrors.zipBomb.overDeclared", { part: entry.name, size }));
}

/** Counts what an entry has inflated to so far against what it declared and the budget. */
function countInflated(entry: ZipEntry, inflated: number, budget: InflateBudget | undefined): void {
  if (inflated > entry.uncompressedSize) throw overDeclared(entry);
  budget?.reached(entry, inflated);
}

function unpackError(entry: ZipEntry, error: unknown): ImportFileError {
  if (error instanceof ImportFileError) return error;
  const detail = (error as Error).message;
  return corrupt(`the part ${entry.name} cannot be unpacked: ${detail}`, importReason("importErrors.corruptDetail.partUnpack", { part: entry.name, detail }));
}

/** At an entry's end: all of it there, and (when `crc` is given) its checksum right. */
function checkComplete(entry: ZipEntry, inflated: number, crc: number | null): void {
  if (inflated !== entry.uncompressedSize) throw corrupt(`the part ${entry.name} is shorter than it declares`, importReason("importErrors.corruptDetail.partShort", { part: entry.name }));
  if (crc !== null && crc >>> 0 !== entry.crc32 >>> 0) {
    throw corrupt(`the part ${entry.name} fails its checksum`, importReason("importErrors.corruptDetail.partChecksum", { part: entry.name }));
  }
}

/**
 * Streams one entry's inflated bytes. Stops with zip_bomb the moment an entry inflates past the
 * size it declared (a forged directory) or the budget runs out, so a bomb never gets further than
 * one chunk past the limit.
 */
export async function* readEntry(file: FileHandle, entry: ZipEntry, options: EntryReadOptions): AsyncGenerator<Buffer, void, undefined> {
  checkReadable(entry);
  const start = await dataOffset(file, entry);
  if (entry.compressedSize === 0) {
    checkEmpty(entry);
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
      countInflated(entry, inflated, options.budget);
      if (options.verifyCrc) crc = zlib.crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    throw unpackError(entry, error);
  } finally {
    output.destroy();
    source.destroy();
  }
  checkComplete(entry, inflated, options.verifyCrc ? crc : null);
}

/**
 * readEntry for an archive held in memory: the same refusals, and the CRC always checked. zlib is
 * told to stop one byte past the declared size, so a forged size costs no more memory than an
 * honest one; `budget` caps the archive as a whole.
 */
export function readEntryFromBuffer(zip: Buffer, entry: ZipEntry, options: { budget?: InflateBudget } = {}): Buffer {
  checkReadable(entry);
  const start = dataStart(entry, zip.subarray(entry.localHeaderOffset, entry.localHeaderOffset + 30));
  if (entry.compressedSize === 0) {
    checkEmpty(entry);
    return Buffer.alloc(0);
  }
  const packed = zip.subarray(start, start + entry.compressedSize);
  let data = packed;
  if (entry.method === 8) {
    // A Buffer cannot hold more; such a part is only ever streamed (readEntry).
    if (entry.uncompressedSize >= BUFFER_MAX_LENGTH) {
      const size = formatBytes(entry.uncompressedSize);
      throw corrupt(`the part ${entry.name} is unusually large (${size})`, importReason("importErrors.corruptDetail.partTooLarge", { part: entry.name, size }));
    }
    try {
      data = zlib.inflateRawSync(packed, { maxOutputLength: entry.uncompressedSize + 1 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw overDeclared(entry);
      throw unpackError(entry, error);
    }
  }
  countInflated(entry, data.length, options.budget);
  checkComplete(entry, data.length, zlib.crc32(data));
  return data;
}

/**
 * Every entry of a zip held in memory, by name, inflated: the declared sizes checked against
 * `limits` first, as an import checks them, and the total inflated held to the same limit.
 */
export function readZipBuffer(zip: Buffer, limits: ZipLimits): Map<string, Buffer> {
  const entries = byName(readZipBufferDirectory(zip).entries);
  checkDeclaredSizes(entries, limits);
  const budget = new InflateBudget(limits.maxInflatedBytes);
  return new Map([...entries.values()].map((entry) => [entry.name, readEntryFromBuffer(zip, entry, { budget })]));
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
