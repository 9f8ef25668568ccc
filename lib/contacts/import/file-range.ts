import type { FileHandle } from "node:fs/promises";

/**
 * Reads bytes [start, end) of an open file in chunks, by position. Streams made with
 * FileHandle.createReadStream close the handle when they are destroyed early (Node 20), and a
 * workbook is read as several parts through one handle; positioned reads have no such surprise.
 */
export async function* readRange(file: FileHandle, start: number, end: number, chunkSize = 1 << 20): AsyncGenerator<Buffer, void, undefined> {
  let position = start;
  while (position < end) {
    const length = Math.min(chunkSize, end - position);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    if (bytesRead === 0) return; // the file is shorter than expected: the caller's checks say so
    position += bytesRead;
    yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  }
}
