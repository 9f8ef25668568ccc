/**
 * The zip reader over a file (what an import uses) and over a Buffer (what tests of the console's
 * own zips use) are one parse: they must read the same entries and refuse the same archives with
 * the same code and catalogue key.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { ImportFileError } from "./import-file-error";
import { fixture, makeZip, removeTempFiles, tempFile, type ZipInput } from "./test-support";
import { InflateBudget, checkDeclaredSizes, readEntry, readZipBuffer, readZipBufferDirectory, readZipDirectory, type ZipLimits } from "./zip-reader";

afterAll(removeTempFiles);

const LIMITS: ZipLimits = { maxInflatedBytes: 64 * 1024 * 1024, maxCompressionRatio: 200 };

/** Every entry through the file reader, as an import reads a workbook: sizes first, then each part with its CRC. */
async function readFromFile(zip: Buffer, limits: ZipLimits): Promise<Map<string, Buffer>> {
  const handle = await fsp.open(tempFile("archive.zip", zip), "r");
  try {
    const entries = await readZipDirectory(handle, zip.length);
    checkDeclaredSizes(entries, limits);
    const budget = new InflateBudget(limits.maxInflatedBytes);
    const out = new Map<string, Buffer>();
    for (const entry of entries.values()) {
      const chunks: Buffer[] = [];
      for await (const chunk of readEntry(handle, entry, { budget, verifyCrc: true })) chunks.push(chunk);
      out.set(entry.name, Buffer.concat(chunks));
    }
    return out;
  } finally {
    await handle.close();
  }
}

function refusal(error: unknown): { code: string; key: string; params: unknown } {
  expect(error).toBeInstanceOf(ImportFileError);
  const { code, key, params } = error as ImportFileError;
  return { code, key, params };
}

async function fileRefusal(zip: Buffer, limits = LIMITS) {
  return refusal(await readFromFile(zip, limits).then(() => null, (e: unknown) => e));
}

function bufferRefusal(zip: Buffer, limits = LIMITS) {
  try {
    readZipBuffer(zip, limits);
  } catch (error) {
    return refusal(error);
  }
  return refusal(null);
}

/** A copy with a 16-bit field of every central header set: flags at 8, method at 10. */
function withCentralField(zip: Buffer, field: 8 | 10, value: number): Buffer {
  const copy = Buffer.from(zip);
  for (const entry of readZipBufferDirectory(copy).entries) copy.writeUInt16LE(value, entry.centralHeaderOffset + field);
  return copy;
}

const MIB = 1024 * 1024;
const parts: ZipInput[] = [
  { name: "deflated.xml", data: "<a>" + "x".repeat(10_000) + "</a>" },
  { name: "stored.bin", data: Buffer.from([0, 1, 2, 3, 255]), method: 0 },
  { name: "empty", data: "" },
  { name: "目录/名字 😀.txt", data: "UTF-8 名字" },
];

describe("the zip reader over a Buffer", () => {
  it("reads what the file reader reads, entry for entry", async () => {
    for (const zip of [makeZip(parts), fs.readFileSync(fixture("phones.xlsx"))]) {
      const fromBuffer = readZipBuffer(zip, LIMITS);
      const fromFile = await readFromFile(zip, LIMITS);
      expect([...fromBuffer.keys()]).toEqual([...fromFile.keys()]);
      for (const [name, data] of fromFile) expect(fromBuffer.get(name)!.equals(data), name).toBe(true);
    }
    expect(readZipBuffer(makeZip(parts), LIMITS).get("deflated.xml")!.toString()).toBe(parts[0]!.data);
  });

  it("gives the directory in order, with where each record lies", () => {
    const zip = makeZip(parts);
    const directory = readZipBufferDirectory(zip);
    expect(directory.entries.map((e) => e.name)).toEqual(parts.map((p) => p.name));
    expect(directory.endRecordOffset).toBe(zip.length - 22);
    expect(directory.zip64EndRecordOffset).toBeNull();
    expect(directory.entriesEnd).toBe(directory.directoryOffset + directory.directorySize);
    expect(directory.entries.map((e) => zip.readUInt32LE(e.centralHeaderOffset))).toEqual(parts.map(() => 0x02014b50));
  });

  const big = Buffer.alloc(8 * MIB, 0x20);
  const hostile: { name: string; zip: () => Buffer; limits?: ZipLimits; code: string; key: string }[] = [
    { name: "a ratio bomb, by its declared sizes", zip: () => makeZip([{ name: "bomb", data: big }]), code: "zip_bomb", key: "importErrors.zipBomb.refused" },
    { name: "more in all than the limit", zip: () => makeZip(parts), limits: { ...LIMITS, maxInflatedBytes: 1000 }, code: "zip_bomb", key: "importErrors.zipBomb.refused" },
    { name: "an entry inflating past its declared size", zip: () => makeZip([{ name: "liar", data: big, declaredSize: 1000 }]), code: "zip_bomb", key: "importErrors.zipBomb.refused" },
    { name: "an entry shorter than declared", zip: () => makeZip([{ name: "short", data: "abc", declaredSize: 10 }]), code: "corrupt_file", key: "importErrors.corrupt.zip" },
    { name: "a stored entry longer than declared", zip: () => makeZip([{ name: "long", data: "abcdef", method: 0, declaredSize: 3 }]), code: "zip_bomb", key: "importErrors.zipBomb.refused" },
    { name: "a wrong CRC", zip: () => makeZip([{ name: "crc", data: "abc", crc: 1 }]), code: "corrupt_file", key: "importErrors.corrupt.zip" },
    { name: "a damaged deflate stream", zip: () => makeZip([{ name: "junk", data: "", packed: Buffer.from([0xff, 0xff, 0xff, 0xff]), declaredSize: 10 }]), code: "corrupt_file", key: "importErrors.corrupt.zip" },
    { name: "a cut-short archive", zip: () => makeZip(parts).subarray(0, 200), code: "corrupt_file", key: "importErrors.corrupt.zip" },
    { name: "an encrypted entry", zip: () => withCentralField(makeZip(parts), 8, 0x0801), code: "encrypted_workbook", key: "importErrors.encrypted.zip" },
    { name: "an unknown method", zip: () => withCentralField(makeZip(parts), 10, 12), code: "corrupt_file", key: "importErrors.corrupt.zip" },
  ];

  it.each(hostile)("refuses $name as the file reader does", async ({ zip, limits, code, key }) => {
    const bytes = zip();
    const fromFile = await fileRefusal(bytes, limits);
    expect(fromFile).toMatchObject({ code, key });
    expect(bufferRefusal(bytes, limits)).toEqual(fromFile);
  });
});
