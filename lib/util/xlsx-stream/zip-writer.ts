import { once } from "node:events";
import type { TransformOptions, Writable } from "node:stream";
import zlib from "node:zlib";

/**
 * A zip written front to back into a stream, one entry at a time, never held whole: each entry
 * has a local header with the data-descriptor flag (its CRC and sizes are not known until its
 * data has gone by), is deflated as it is given, and is followed by its data descriptor; the
 * central directory and the end record close the file. ZIP64 records appear only where a size,
 * an offset or the entry count does not fit the classic fields, so an ordinary file stays an
 * ordinary zip. Nothing here waits on anything but the stream: every wait ends when `signal`
 * aborts.
 */

export interface ZipWriterOptions {
  /** Deflate level of every entry (default 3: most of level 6's ratio on XML at far less CPU). */
  level?: number;
  signal?: AbortSignal;
  /**
   * The value from which a size or offset goes into a ZIP64 field (default 0xFFFFFFFF, the
   * format's own limit). Lower only in tests, to write the ZIP64 records without 4 GiB of data.
   */
  zip64From?: number;
}

/** An entry being written: its data goes in with `write`, and `end` closes it. */
export interface ZipEntryWriter {
  write(data: Buffer | string): Promise<void>;
  end(): Promise<void>;
}

interface EntryRecord {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_RECORD = 0x06054b50;
const ZIP64_END_RECORD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
/** Bit 3: CRC and sizes follow the data; bit 11: the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800;
const DEFLATE = 8;
const VERSION = 20;
const VERSION_ZIP64 = 45;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;
/**
 * Compressed bytes the deflate hands on at a time, and uncompressed bytes it may hold before
 * `write` waits: enough that the rows of the next chunk are built while it compresses this one
 * (it runs on libuv's thread pool), so the two overlap on two cores.
 */
const DEFLATE_OPTIONS = { chunkSize: 64 * 1024, writableHighWaterMark: 1 << 20 } satisfies zlib.ZlibOptions & TransformOptions;

/** MS-DOS time and date (two seconds' precision), in UTC so the server's zone does not matter. */
function dosDateTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    date: ((Math.max(1980, at.getUTCFullYear()) - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}

export class ZipStreamWriter {
  /** Bytes handed to the stream so far. */
  bytesWritten = 0;
  private readonly entries: EntryRecord[] = [];
  private readonly level: number;
  private readonly signal: AbortSignal | undefined;
  private readonly zip64From: number;
  private readonly stamp = dosDateTime(new Date());
  private open: zlib.DeflateRaw | null = null;
  private finished = false;

  constructor(
    private readonly out: Writable,
    options: ZipWriterOptions = {},
  ) {
    this.level = options.level ?? 3;
    this.signal = options.signal;
    this.zip64From = Math.min(options.zip64From ?? MAX_32, MAX_32);
  }

  /** Starts an entry; the previous one must have ended. */
  async startEntry(name: string): Promise<ZipEntryWriter> {
    if (this.open || this.finished) throw new Error("A zip entry is still open, or the zip is finished.");
    const record: EntryRecord = { name: Buffer.from(name, "utf8"), crc: 0, compressedSize: 0, size: 0, offset: this.bytesWritten };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    // CRC and both sizes stay 0 here: the data descriptor carries them.
    header.writeUInt16LE(record.name.length, 26);
    this.push(header);
    this.push(record.name);
    await this.drained();

    const options: zlib.ZlibOptions & TransformOptions = { ...DEFLATE_OPTIONS, level: this.level };
    const deflate = zlib.createDeflateRaw(options);
    this.open = deflate;
    // An error while nothing waits on the deflate is kept for the next write or end, not lost
    // (nor, without a listener, thrown at the process).
    let failure: Error | null = null;
    deflate.on("error", (error: Error) => void (failure ??= error));
    const check = () => {
      if (failure) throw failure;
      // A stream that has ended or been destroyed takes a write without a word and never drains.
      if (deflate.writableEnded || deflate.destroyed) throw new Error("The zip entry has ended, or the zip was destroyed.");
    };
    deflate.on("data", (chunk: Buffer) => {
      record.compressedSize += chunk.length;
      // A full stream pauses the deflate; its input then fills, and `write` below waits.
      if (!this.push(chunk)) {
        deflate.pause();
        this.out.once("drain", () => deflate.resume());
      }
    });
    return {
      write: async (data) => {
        check();
        const chunk = typeof data === "string" ? Buffer.from(data, "utf8") : data;
        if (chunk.length === 0) return;
        record.crc = zlib.crc32(chunk, record.crc);
        record.size += chunk.length;
        if (!deflate.write(chunk)) await once(deflate, "drain", { signal: this.signal });
      },
      end: async () => {
        check();
        const ended = once(deflate, "end", { signal: this.signal });
        deflate.end();
        await ended;
        this.open = null;
        this.push(this.dataDescriptor(record));
        this.entries.push(record);
        await this.drained();
      },
    };
  }

  /** A whole small entry at once. */
  async addEntry(name: string, data: Buffer | string): Promise<void> {
    const entry = await this.startEntry(name);
    await entry.write(data);
    await entry.end();
  }

  /** Writes the central directory and the end record; the stream itself is left open. */
  async finish(): Promise<void> {
    if (this.open || this.finished) throw new Error("A zip entry is still open, or the zip is finished.");
    this.finished = true;
    const directoryOffset = this.bytesWritten;
    for (const entry of this.entries) this.push(this.centralHeader(entry));
    const directorySize = this.bytesWritten - directoryOffset;
    const count = this.entries.length;
    if (count >= MAX_16 || this.needs64(directoryOffset) || this.needs64(directorySize)) {
      const zip64End = this.bytesWritten;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(ZIP64_END_RECORD, 0);
      record.writeBigUInt64LE(44n, 4); // the size of the rest of this record
      record.writeUInt16LE(VERSION_ZIP64, 12);
      record.writeUInt16LE(VERSION_ZIP64, 14);
      // 16, 20: this disk and the directory's disk are both 0
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(directorySize), 40);
      record.writeBigUInt64LE(BigInt(directoryOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(ZIP64_LOCATOR, 0);
      locator.writeBigUInt64LE(BigInt(zip64End), 8);
      locator.writeUInt32LE(1, 16); // disks in all
      this.push(record);
      this.push(locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_RECORD, 0);
    end.writeUInt16LE(Math.min(count, MAX_16), 8);
    end.writeUInt16LE(Math.min(count, MAX_16), 10);
    end.writeUInt32LE(this.needs64(directorySize) ? MAX_32 : directorySize, 12);
    end.writeUInt32LE(this.needs64(directoryOffset) ? MAX_32 : directoryOffset, 16);
    this.push(end);
    await this.drained();
  }

  /** Stops at once: the open entry's deflate is freed. */
  destroy(): void {
    this.open?.destroy();
    this.open = null;
  }

  private needs64(value: number): boolean {
    return value >= this.zip64From;
  }

  private push(chunk: Buffer): boolean {
    this.bytesWritten += chunk.length;
    return this.out.write(chunk);
  }

  private async drained(): Promise<void> {
    if (this.out.writableNeedDrain) await once(this.out, "drain", { signal: this.signal });
  }

  /**
   * The descriptor's sizes are 8 bytes when either does not fit 4. The local header could not say
   * so in advance (it was written before the data); readers take the sizes from the central
   * directory, which does say so, as Go's archive/zip and Info-ZIP do.
   */
  private dataDescriptor(entry: EntryRecord): Buffer {
    const wide = this.needs64(entry.size) || this.needs64(entry.compressedSize);
    const descriptor = Buffer.alloc(wide ? 24 : 16);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(entry.crc >>> 0, 4);
    if (wide) {
      descriptor.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
      descriptor.writeBigUInt64LE(BigInt(entry.size), 16);
    } else {
      descriptor.writeUInt32LE(entry.compressedSize, 8);
      descriptor.writeUInt32LE(entry.size, 12);
    }
    return descriptor;
  }

  /** A central directory header; the ZIP64 extra field holds, in this order, whatever overflowed. */
  private centralHeader(entry: EntryRecord): Buffer {
    const wide = [entry.size, entry.compressedSize, entry.offset].filter((value) => this.needs64(value));
    const extraLength = wide.length ? 4 + 8 * wide.length : 0;
    const header = Buffer.alloc(46 + entry.name.length + extraLength);
    const version = wide.length ? VERSION_ZIP64 : VERSION;
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(version, 4); // made by (MS-DOS attributes)
    header.writeUInt16LE(version, 6); // needed to extract
    header.writeUInt16LE(FLAGS, 8);
    header.writeUInt16LE(DEFLATE, 10);
    header.writeUInt16LE(this.stamp.time, 12);
    header.writeUInt16LE(this.stamp.date, 14);
    header.writeUInt32LE(entry.crc >>> 0, 16);
    header.writeUInt32LE(this.needs64(entry.compressedSize) ? MAX_32 : entry.compressedSize, 20);
    header.writeUInt32LE(this.needs64(entry.size) ? MAX_32 : entry.size, 24);
    header.writeUInt16LE(entry.name.length, 28);
    header.writeUInt16LE(extraLength, 30);
    // 32..41: comment length, disk, internal and external attributes: all 0
    header.writeUInt32LE(this.needs64(entry.offset) ? MAX_32 : entry.offset, 42);
    entry.name.copy(header, 46);
    if (wide.length) {
      let at = 46 + entry.name.length;
      header.writeUInt16LE(0x0001, at);
      header.writeUInt16LE(8 * wide.length, at + 2);
      at += 4;
      for (const value of wide) {
        header.writeBigUInt64LE(BigInt(value), at);
        at += 8;
      }
    }
    return header;
  }
}
