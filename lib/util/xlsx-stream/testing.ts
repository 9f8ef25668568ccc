import { Writable } from "node:stream";
import { ImportFileError } from "@/lib/contacts/import/import-file-error";
import { readEntryFromBuffer, readZipBufferDirectory } from "@/lib/contacts/import/zip-reader";

/**
 * For tests of the zip writer: a stream that keeps what it is given, and a checker of every
 * structure of a zip written front to back (each local header, its data, its descriptor, the
 * central directory, the ZIP64 records and the end record) that hands back each entry's inflated
 * content. The zip is read by the contacts import's reader, so what the writer writes is what
 * the import accepts; the checker then trusts nothing it can check: sizes, CRCs and offsets are
 * compared across the three places that state them.
 */

export function keepingStream(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

export interface CheckedEntry {
  name: string;
  crc: number;
  size: number;
  compressedSize: number;
  offset: number;
  /** The central header has a ZIP64 field (and the descriptor 8-byte sizes, if a size needed them). */
  zip64: boolean;
  /** The inflated content (skipped, as null, when `inflate` says so). */
  data: Buffer | null;
}

export interface CheckedZip {
  entries: CheckedEntry[];
  /** A ZIP64 end record and locator precede the end record. */
  zip64End: boolean;
}

function fail(message: string): never {
  throw new Error(`zip check: ${message}`);
}

/** The import's reader, with its refusals as check failures. */
function read<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ImportFileError) fail(error.message);
    throw error;
  }
}

/**
 * Reads the zip with the import's reader (directory, ZIP64 fields, inflating with size and CRC
 * checked), then checks what a reader may overlook but this writer promises: the end records
 * agree with each other, and every entry's local header and descriptor agree with the directory.
 */
export function checkZip(zip: Buffer, options: { inflate?: (name: string) => boolean } = {}): CheckedZip {
  const directory = read(() => readZipBufferDirectory(zip));
  const { endRecordOffset: endAt, directoryOffset, directorySize } = directory;
  if (endAt !== zip.length - 22) fail("the end record is not the last 22 bytes");
  const count = zip.readUInt16LE(endAt + 10);
  if (zip.readUInt16LE(endAt + 8) !== count) fail("the end record's two entry counts differ");
  let zip64End = false;
  // Checked whether or not the reader needed them (it reads them only when the end record's
  // offset or count overflows): whatever ZIP64 records there are must agree with the end record.
  if (endAt >= 20 && zip.readUInt32LE(endAt - 20) === 0x07064b50) {
    zip64End = true;
    const recordAt = Number(zip.readBigUInt64LE(endAt - 20 + 8));
    if (zip.readUInt32LE(endAt - 20 + 16) !== 1) fail("the ZIP64 locator does not say one disk");
    if (recordAt !== endAt - 20 - 56 || zip.readUInt32LE(recordAt) !== 0x06064b50) fail("the ZIP64 end record is not where its locator says");
    if (zip.readBigUInt64LE(recordAt + 4) !== 44n) fail("the ZIP64 end record's size is wrong");
    const count64 = Number(zip.readBigUInt64LE(recordAt + 24));
    if (Number(zip.readBigUInt64LE(recordAt + 32)) !== count64) fail("the ZIP64 end record's two counts differ");
    if (count !== 0xffff && count !== count64) fail("the end record and the ZIP64 record count differently");
    if (Number(zip.readBigUInt64LE(recordAt + 40)) !== directorySize) fail("directory sizes differ");
    if (Number(zip.readBigUInt64LE(recordAt + 48)) !== directoryOffset) fail("directory offsets differ");
    if (directoryOffset + directorySize !== recordAt) fail("the directory does not end where the ZIP64 record starts");
  } else if (directoryOffset + directorySize !== endAt) {
    fail("the directory does not end where the end record starts");
  }
  if (directory.entriesEnd !== directoryOffset + directorySize) fail("the directory's entries do not fill its stated size");

  const entries: CheckedEntry[] = [];
  let expectedLocal = 0;
  directory.entries.forEach((entry, n) => {
    const { name, flags, crc32: crc, uncompressedSize: size, compressedSize, localHeaderOffset: offset, centralHeaderOffset: at } = entry;
    if ((flags & 0x0808) !== 0x0808) fail(`central header ${n} lacks the data-descriptor or UTF-8 flag`);
    if (entry.method !== 8) fail(`entry ${n} is not deflated`);
    // The only extra field written is ZIP64's, holding exactly the fields that overflowed.
    const extraLength = zip.readUInt16LE(at + 30);
    const zip64 = extraLength > 0;
    if (zip64) {
      const extraAt = at + 46 + zip.readUInt16LE(at + 28);
      if (zip.readUInt16LE(extraAt) !== 0x0001) fail(`${name}: an extra field other than ZIP64`);
      if (zip.readUInt16LE(at + 6) < 45) fail(`${name}: a ZIP64 field without version 4.5`);
      const overflowed = [at + 20, at + 24, at + 42].filter((field) => zip.readUInt32LE(field) === 0xffffffff).length;
      if (zip.readUInt16LE(extraAt + 2) !== 8 * overflowed || extraLength !== 4 + 8 * overflowed) fail(`${name}: the ZIP64 field's length does not match its contents`);
    }

    if (offset !== expectedLocal) fail(`${name}: its local header is not right after the previous entry`);
    if (zip.readUInt32LE(offset) !== 0x04034b50) fail(`${name}: no local header at its offset`);
    if (zip.readUInt16LE(offset + 6) !== flags) fail(`${name}: local and central flags differ`);
    if (zip.readUInt32LE(offset + 14) !== 0 || zip.readUInt32LE(offset + 18) !== 0 || zip.readUInt32LE(offset + 22) !== 0) {
      fail(`${name}: the local header states a CRC or sizes (the descriptor should)`);
    }
    const localName = zip.toString("utf8", offset + 30, offset + 30 + zip.readUInt16LE(offset + 26));
    if (localName !== name) fail(`${name}: the local header names ${localName}`);
    const dataAt = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
    const descriptorAt = dataAt + compressedSize;
    if (zip.readUInt32LE(descriptorAt) !== 0x08074b50) fail(`${name}: no data descriptor after its data`);
    // The descriptor runs up to the next entry (or the directory): 16 bytes, or 24 with 8-byte sizes.
    const descriptorLength = (directory.entries[n + 1]?.localHeaderOffset ?? directoryOffset) - descriptorAt;
    if (descriptorLength !== 16 && descriptorLength !== 24) fail(`${name}: the descriptor is ${descriptorLength} bytes long`);
    const wide = descriptorLength === 24;
    if (wide && !zip64) fail(`${name}: 8-byte sizes in the descriptor, but no ZIP64 field in the directory`);
    const descriptorCrc = zip.readUInt32LE(descriptorAt + 4);
    const descriptorCompressed = wide ? Number(zip.readBigUInt64LE(descriptorAt + 8)) : zip.readUInt32LE(descriptorAt + 8);
    const descriptorSize = wide ? Number(zip.readBigUInt64LE(descriptorAt + 16)) : zip.readUInt32LE(descriptorAt + 12);
    if (descriptorCrc !== crc || descriptorCompressed !== compressedSize || descriptorSize !== size) fail(`${name}: the descriptor and the directory disagree`);
    expectedLocal = descriptorAt + descriptorLength;

    // Inflated by the reader, which stops at the declared size and checks it and the CRC.
    const data = (options.inflate?.(name) ?? true) ? read(() => readEntryFromBuffer(zip, entry)) : null;
    entries.push({ name, crc, size, compressedSize, offset, zip64: zip64 || wide, data });
  });
  if (expectedLocal !== directoryOffset) fail("there are bytes between the last entry and the directory");
  return { entries, zip64End };
}
