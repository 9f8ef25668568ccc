import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { checkZip, keepingStream } from "./testing";
import { ZipStreamWriter } from "./zip-writer";

describe("the streaming zip writer", () => {
  it("writes entries given whole, in pieces, empty, and with UTF-8 names, each inflating to what was given", async () => {
    const out = keepingStream();
    const zip = new ZipStreamWriter(out.stream);
    const pieces = [Buffer.from("first piece, "), "второй кусок, ", Buffer.alloc(0), randomBytes(200_000), "数据 😀"];
    await zip.addEntry("small.txt", "hello, zip");
    const streamed = await zip.startEntry("目录/文件 😀.bin");
    for (const piece of pieces) await streamed.write(piece);
    await streamed.end();
    await zip.addEntry("empty", "");
    await zip.finish();

    const bytes = out.bytes();
    expect(zip.bytesWritten).toBe(bytes.length);
    const checked = checkZip(bytes);
    expect(checked.zip64End).toBe(false);
    expect(checked.entries.map((e) => [e.name, e.zip64])).toEqual([
      ["small.txt", false],
      ["目录/文件 😀.bin", false],
      ["empty", false],
    ]);
    expect(checked.entries[0]!.data!.toString()).toBe("hello, zip");
    expect(checked.entries[1]!.data!.equals(Buffer.concat(pieces.map((p) => (typeof p === "string" ? Buffer.from(p) : p))))).toBe(true);
    expect(checked.entries[2]!.data!.length).toBe(0);
  });

  it("refuses a second open entry, writes after an entry's end, and entries after the zip's end", async () => {
    const zip = new ZipStreamWriter(keepingStream().stream);
    const entry = await zip.startEntry("a");
    await expect(zip.startEntry("b")).rejects.toThrow(/still open/);
    await expect(zip.finish()).rejects.toThrow(/still open/);
    await entry.end();
    // A write after its end fails that write; it neither crashes the process nor hangs.
    await expect(entry.write("late")).rejects.toThrow(/has ended/);
    await zip.finish();
    await expect(zip.addEntry("c", "x")).rejects.toThrow(/finished/);
  });

  it("takes no more than about its buffers while the stream takes nothing, and stops when aborted", async () => {
    // Takes nothing until the test ends: whatever is not waiting is held somewhere.
    const stuck = new Writable({ highWaterMark: 16 * 1024, write: () => {} });
    const controller = new AbortController();
    const zip = new ZipStreamWriter(stuck, { signal: controller.signal });
    const entry = await zip.startEntry("random.bin");
    // Random bytes do not compress: every byte taken in must come out.
    const piece = randomBytes(64 * 1024);
    let taken = 0;
    let waiting: Promise<void> | null = null;
    for (let i = 0; i < 320 && !waiting; i++) {
      const write = entry.write(piece).then(() => void (taken += piece.length));
      // A write that has not finished after the deflate had time to work is a wait.
      const settled = await Promise.race([write.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200))]);
      if (!settled) waiting = write;
    }
    expect(waiting).not.toBeNull();
    // Its deflate's input (1 MiB), its output chunk, the stream's own buffer and one piece, not 20 MiB.
    expect(taken).toBeLessThan(3 * 1024 * 1024);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    zip.destroy();
  });

  it("can be told to write ZIP64 records for small sizes, which its own reader then checks", async () => {
    const out = keepingStream();
    const zip = new ZipStreamWriter(out.stream, { zip64From: 100 });
    await zip.addEntry("small", "x".repeat(50));
    await zip.addEntry("large", randomBytes(500));
    await zip.addEntry("late", "y");
    await zip.finish();
    const checked = checkZip(out.bytes());
    expect(checked.zip64End).toBe(true);
    // "small" fits; "large" has 500-byte sizes; "late" starts past byte 100.
    expect(checked.entries.map((e) => [e.name, e.zip64])).toEqual([
      ["small", false],
      ["large", true],
      ["late", true],
    ]);
    expect(checked.entries[1]!.data!.length).toBe(500);
  });
});
