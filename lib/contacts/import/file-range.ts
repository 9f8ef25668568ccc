import type { FileHandle } from "node:fs/promises";

/**
 * Reads bytes [start, end) of an open file in chunks, by position. Streams made with
 * FileHandle.createReadStream close the handle when they are destroyed early (Node 20), and a
 * workbook is read as several parts through one handle; positioned reads have no such surprise.
 */
export interface RangeOptions {
  chunkSize?: number;
  /** Called with the bytes read so far, for progress. */
  onRead?: (bytes: number) => void;
}

export async function* readRange(file: FileHandle, start: number, end: number, options: RangeOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  let position = start;
  while (position < end) {
    const length = Math.min(chunkSize, end - position);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    if (bytesRead === 0) return; // the file is shorter than expected: the caller's checks say so
    position += bytesRead;
    options.onRead?.(position - start);
    yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  }
}
