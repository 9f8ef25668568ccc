/**
 * Test helpers for the import reader (not used by the reader itself): reading a file to its end,
 * temporary files, and a tiny zip writer for the workbooks that no spreadsheet program would
 * write (zip bombs, forged sizes, damaged parts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { expect } from "vitest";
import { ImportFileError } from "./import-file-error";
import { openImportFile } from "./open-import-file";
import type { ImportBatch, ImportIssue, ImportRow, ReadImportOptions } from "./types";

export const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** The channel keys the fixtures name. */
export const CHANNELS: ReadonlySet<string> = new Set(["chan000001", "chan000002", "chan000003"]);

export interface ReadResult {
  columns: Awaited<ReturnType<typeof openImportFile>>["columns"];
  rows: ImportRow[];
  issues: ImportIssue[];
  batches: ImportBatch[];
}

export async function readAll(options: Partial<ReadImportOptions> & Pick<ReadImportOptions, "path" | "kind">): Promise<ReadResult> {
  const file = await openImportFile({ channelKeys: CHANNELS, ...options });
  const batches: ImportBatch[] = [];
  for await (const batch of file.batches()) batches.push(batch);
  return { columns: file.columns, rows: batches.flatMap((b) => b.rows), issues: batches.flatMap((b) => b.issues), batches };
}

/** Rows as {rowNumber: {userid, phones}} for compact assertions. */
export function byRow(rows: ImportRow[]): Record<number, { userid: string; phones: Record<string, string> }> {
  return Object.fromEntries(rows.map((r) => [r.rowNumber, { userid: r.userid, phones: r.phones }]));
}

const tempFiles: string[] = [];

export function tempFile(name: string, content: Buffer | string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-test-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  tempFiles.push(dir);
  return file;
}

export function removeTempFiles(): void {
  for (const dir of tempFiles.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface ZipInput {
  name: string;
  data: Buffer | string;
  /** 8 (deflate, the default) or 0 (stored). */
  method?: 0 | 8;
  /** Forge the central directory's uncompressed size. */
  declaredSize?: number;
  /** Forge the CRC. */
  crc?: number;
  /** Already-deflated bytes to store as the entry (method 8; `data` is then unused): for streams too big to build whole. CRC 0 unless forged. */
  packed?: Buffer;
}

/** Writes a zip with a central directory, the way Excel lays one out (no data descriptors). */
export function makeZip(inputs: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const input of inputs) {
    const data = Buffer.isBuffer(input.data) ? input.data : Buffer.from(input.data, "utf8");
    const method = input.method ?? 8;
    const packed = input.packed ?? (method === 8 ? zlib.deflateRawSync(data, { level: 9 }) : data);
    const crc = input.crc ?? (input.packed ? 0 : zlib.crc32(data));
    const size = input.declaredSize ?? data.length;
    const name = Buffer.from(input.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(inputs.length, 8);
  end.writeUInt16LE(inputs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/** The parts every workbook has, around a sheet given as XML (and optional shared strings). */
export function workbookParts(sheetXml: string | Buffer, sharedStrings?: string[], sheetEntry: Partial<ZipInput> = {}): ZipInput[] {
  const parts: ZipInput[] = [
    {
      name: "[Content_Types].xml",
      data: `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
    },
    {
      name: "_rels/.rels",
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: "xl/workbook.xml",
      data: `<?xml version="1.0"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: "xl/_rels/workbook.xml.rels",
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    },
    { name: "xl/worksheets/sheet1.xml", data: sheetXml, ...sheetEntry },
  ];
  if (sharedStrings) {
    const items = sharedStrings.map((s) => `<si><t xml:space="preserve">${s}</t></si>`).join("");
    parts.push({ name: "xl/sharedStrings.xml", data: `<?xml version="1.0"?><sst xmlns="${MAIN}" count="${sharedStrings.length}">${items}</sst>` });
  }
  return parts;
}

/** A worksheet part from rows of ready-made `<c>` XML. */
export function sheetXml(rows: string[][], extra = "", dimension?: string): string {
  const body = rows.map((cells, i) => `<row r="${i + 1}">${cells.join("")}</row>`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}">${dimension ? `<dimension ref="${dimension}"/>` : ""}<sheetData>${body}</sheetData>${extra}</worksheet>`;
}

/** An inline-string cell. */
export function textCell(ref: string, text: string): string {
  return `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
}

/** A number cell with the value text exactly as given. */
export function numberCell(ref: string, value: string): string {
  return `<c r="${ref}"><v>${value}</v></c>`;
}

/** The ImportFileError a read or an open rejects with (the test fails if it resolves or throws another). */
export async function importFileErrorOf(promise: Promise<unknown>): Promise<ImportFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportFileError);
  return error as ImportFileError;
}
