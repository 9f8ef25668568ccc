import { Writable } from "node:stream";
import zlib from "node:zlib";

/**
 * For tests of the zip writer: a stream that keeps what it is given, and a reader that checks
 * every structure of a zip written front to back (each local header, its data, its descriptor,
 * the central directory, the ZIP64 records and the end record) and hands back each entry's
 * inflated content. It trusts nothing it can check: sizes, CRCs and offsets are compared across
 * the three places that state them.
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

/** Reads the zip's directory, then checks every entry against its local header and descriptor. */
export function checkZip(zip: Buffer, options: { inflate?: (name: string) => boolean } = {}): CheckedZip {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt !== zip.length - 22) fail("the end record is not the last 22 bytes");
  let count = zip.readUInt16LE(endAt + 10);
  if (zip.readUInt16LE(endAt + 8) !== count) fail("the end record's two entry counts differ");
  let directorySize = zip.readUInt32LE(endAt + 12);
  let directoryOffset = zip.readUInt32LE(endAt + 16);
  let zip64End = false;
  if (endAt >= 20 && zip.readUInt32LE(endAt - 20) === 0x07064b50) {
    zip64End = true;
    const recordAt = Number(zip.readBigUInt64LE(endAt - 20 + 8));
    if (zip.readUInt32LE(endAt - 20 + 16) !== 1) fail("the ZIP64 locator does not say one disk");
    if (recordAt !== endAt - 20 - 56 || zip.readUInt32LE(recordAt) !== 0x06064b50) fail("the ZIP64 end record is not where its locator says");
    if (zip.readBigUInt64LE(recordAt + 4) !== 44n) fail("the ZIP64 end record's size is wrong");
    const count64 = Number(zip.readBigUInt64LE(recordAt + 24));
    if (Number(zip.readBigUInt64LE(recordAt + 32)) !== count64) fail("the ZIP64 end record's two counts differ");
    if (count !== 0xffff && count !== count64) fail("the end record and the ZIP64 record count differently");
    count = count64;
    const size64 = Number(zip.readBigUInt64LE(recordAt + 40));
    const offset64 = Number(zip.readBigUInt64LE(recordAt + 48));
    if (directorySize !== 0xffffffff && directorySize !== size64) fail("directory sizes differ");
    if (directoryOffset !== 0xffffffff && directoryOffset !== offset64) fail("directory offsets differ");
    directorySize = size64;
    directoryOffset = offset64;
    if (directoryOffset + directorySize !== recordAt) fail("the directory does not end where the ZIP64 record starts");
  } else if (directoryOffset + directorySize !== endAt) {
    fail("the directory does not end where the end record starts");
  }

  interface Central {
    name: string;
    flags: number;
    crc: number;
    size: number;
    compressedSize: number;
    offset: number;
    zip64: boolean;
  }
  const central: Central[] = [];
  let at = directoryOffset;
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) fail(`central header ${n} has no signature`);
    const flags = zip.readUInt16LE(at + 8);
    if ((flags & 0x0808) !== 0x0808) fail(`central header ${n} lacks the data-descriptor or UTF-8 flag`);
    if (zip.readUInt16LE(at + 10) !== 8) fail(`entry ${n} is not deflated`);
    const crc = zip.readUInt32LE(at + 16);
    let compressedSize = zip.readUInt32LE(at + 20);
    let size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    let offset = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    let zip64 = false;
    if (extraLength) {
      const extraAt = at + 46 + nameLength;
      if (zip.readUInt16LE(extraAt) !== 0x0001) fail(`${name}: an extra field other than ZIP64`);
      if (zip.readUInt16LE(at + 6) < 45) fail(`${name}: a ZIP64 field without version 4.5`);
      zip64 = true;
      let p = extraAt + 4;
      const next = () => {
        const value = Number(zip.readBigUInt64LE(p));
        p += 8;
        return value;
      };
      if (size === 0xffffffff) size = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (offset === 0xffffffff) offset = next();
      if (p !== extraAt + 4 + zip.readUInt16LE(extraAt + 2)) fail(`${name}: the ZIP64 field's length does not match its contents`);
    }
    at += 46 + nameLength + extraLength;
    central.push({ name, flags, crc, size, compressedSize, offset, zip64 });
  }
  if (at !== directoryOffset + directorySize) fail("the directory's entries do not fill its stated size");

  const entries: CheckedEntry[] = [];
  let expectedLocal = 0;
  central.forEach(({ name, flags, crc, size, compressedSize, offset, zip64 }, n) => {
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
    const descriptorLength = (central[n + 1]?.offset ?? directoryOffset) - descriptorAt;
    if (descriptorLength !== 16 && descriptorLength !== 24) fail(`${name}: the descriptor is ${descriptorLength} bytes long`);
    const wide = descriptorLength === 24;
    if (wide && !zip64) fail(`${name}: 8-byte sizes in the descriptor, but no ZIP64 field in the directory`);
    const descriptorCrc = zip.readUInt32LE(descriptorAt + 4);
    const descriptorCompressed = wide ? Number(zip.readBigUInt64LE(descriptorAt + 8)) : zip.readUInt32LE(descriptorAt + 8);
    const descriptorSize = wide ? Number(zip.readBigUInt64LE(descriptorAt + 16)) : zip.readUInt32LE(descriptorAt + 12);
    if (descriptorCrc !== crc || descriptorCompressed !== compressedSize || descriptorSize !== size) fail(`${name}: the descriptor and the directory disagree`);
    expectedLocal = descriptorAt + descriptorLength;

    let data: Buffer | null = null;
    if (options.inflate?.(name) ?? true) {
      data = zlib.inflateRawSync(zip.subarray(dataAt, descriptorAt));
      if (data.length !== size) fail(`${name}: inflates to ${data.length} bytes, not the ${size} stated`);
      if (zlib.crc32(data) >>> 0 !== crc) fail(`${name}: fails its CRC`);
    }
    entries.push({ name, crc, size, compressedSize, offset, zip64: zip64 || wide, data });
  });
  if (expectedLocal !== directoryOffset) fail("there are bytes between the last entry and the directory");
  return { entries, zip64End };
}
