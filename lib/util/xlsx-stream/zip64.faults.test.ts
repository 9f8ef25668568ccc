import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { InflateBudget, readEntry, readZipDirectory } from "@/lib/contacts/import/zip-reader";
import { checkZip, keepingStream } from "./testing";
import { ZipStreamWriter } from "./zip-writer";

/**
 * ZIP64 for real, without a lowered limit: an entry of more than 4 GiB (a sheet of some seven
 * million message rows would be one) gets 8-byte sizes in its descriptor and a ZIP64 field in the
 * directory, and the contacts import's zip reader, an independent implementation, reads it back
 * with the right size and CRC. The data is a repeated row of XML, so it deflates to a few MB and
 * the whole file stays in memory.
 */

const dir = await fs.mkdtemp(path.join(os.tmpdir(), "zip64-"));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const ROW = Buffer.from('<row r="1"><c r="A1" t="inlineStr"><is><t>13800138000</t></is></c></row>');
const PIECE = Buffer.alloc(1 << 20);
for (let i = 0; i < PIECE.length; i++) PIECE[i] = ROW[i % ROW.length]!;
/** 4 GiB and 64 MiB: past the classic 32-bit size fields. */
const PIECES = 4096 + 64;
const BIG_SIZE = PIECES * PIECE.length;

describe("the zip writer past 4 GiB", () => {
  it("writes an entry of more than 4 GiB with ZIP64 sizes that an independent reader accepts", async () => {
    const out = keepingStream();
    const zip = new ZipStreamWriter(out.stream);
    await zip.addEntry("before.txt", "before");
    const big = await zip.startEntry("xl/worksheets/sheet1.xml");
    let crc = 0;
    for (let i = 0; i < PIECES; i++) {
      crc = zlib.crc32(PIECE, crc);
      await big.write(PIECE);
    }
    await big.end();
    await zip.addEntry("after.txt", "after");
    await zip.finish();
    const bytes = out.bytes();

    const checked = checkZip(bytes, { inflate: (name) => !name.startsWith("xl/") });
    expect(checked.entries.map((e) => [e.name, e.zip64, e.size])).toEqual([
      ["before.txt", false, 6],
      ["xl/worksheets/sheet1.xml", true, BIG_SIZE],
      ["after.txt", false, 5],
    ]);
    expect(checked.entries[1]!.crc).toBe(crc >>> 0);
    expect(checked.entries[2]!.data!.toString()).toBe("after");
    // Offsets and the directory are small (the data compressed well): no ZIP64 end record needed.
    expect(checked.zip64End).toBe(false);

    const file = path.join(dir, "big.zip");
    await fs.writeFile(file, bytes);
    const handle = await fs.open(file, "r");
    try {
      const entries = await readZipDirectory(handle, bytes.length);
      const entry = entries.get("xl/worksheets/sheet1.xml")!;
      expect(entry.uncompressedSize).toBe(BIG_SIZE);
      let inflated = 0;
      // verifyCrc: the reader throws if the CRC or the size differs from the directory's.
      for await (const chunk of readEntry(handle, entry, { budget: new InflateBudget(2 * BIG_SIZE), verifyCrc: true, chunkSize: 1 << 20 })) inflated += chunk.length;
      expect(inflated).toBe(BIG_SIZE);
    } finally {
      await handle.close();
    }
  });
});
