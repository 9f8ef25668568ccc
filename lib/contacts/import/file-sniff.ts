import type { FileHandle } from "node:fs/promises";
import { importReason } from "@/lib/contacts/import-reason";
import { ImportFileError } from "./import-file-error";

/**
 * Tells what a file really is from its first bytes, so a file whose name lies gets an error that
 * says what it is instead of a parser's confusion.
 */
export type SniffedKind = "zip" | "ole2" | "pdf" | "image" | "gzip" | "empty" | "binary" | "text";

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(head: Buffer, bytes: readonly number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

export function sniffBytes(head: Buffer): SniffedKind {
  if (head.length === 0) return "empty";
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return "zip";
  if (startsWith(head, OLE2)) return "ole2";
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46])) return "pdf";
  if (
    startsWith(head, [0x89, 0x50, 0x4e, 0x47]) ||
    startsWith(head, [0xff, 0xd8, 0xff]) ||
    startsWith(head, [0x47, 0x49, 0x46, 0x38])
  ) {
    return "image";
  }
  if (startsWith(head, [0x1f, 0x8b])) return "gzip";
  // UTF-16 text has NUL bytes by design; it announces itself with a BOM.
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return "text";
  // Text never holds NUL or most other C0 controls; a few in the first block mean binary.
  let controls = 0;
  for (const byte of head) {
    if (byte === 0) return "binary";
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b)) controls++;
  }
  return controls > head.length / 100 ? "binary" : "text";
}

export async function readHead(file: FileHandle, length = 64 * 1024): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, 0);
  return buffer.subarray(0, bytesRead);
}

/** The stream names in an OLE2 compound file's directory ("EncryptedPackage", "Workbook", …). */
export async function listOle2Streams(file: FileHandle, fileSize: number): Promise<Set<string>> {
  const names = new Set<string>();
  const header = Buffer.alloc(512);
  await file.read(header, 0, 512, 0);
  const sectorShift = header.readUInt16LE(0x1e);
  if (sectorShift !== 9 && sectorShift !== 12) return names;
  const sectorSize = 1 << sectorShift;
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
  // The first 109 FAT sectors are listed in the header; enough for any directory chain worth reading.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) fatSectors.push(header.readUInt32LE(0x4c + i * 4));
  const entriesPerFatSector = sectorSize / 4;
  const buffer = Buffer.alloc(sectorSize);
  const readSector = async (sector: number): Promise<Buffer | null> => {
    const offset = sectorOffset(sector);
    if (offset + sectorSize > fileSize) return null;
    await file.read(buffer, 0, sectorSize, offset);
    return buffer;
  };
  const nextSector = async (sector: number): Promise<number> => {
    const fatSector = fatSectors[Math.floor(sector / entriesPerFatSector)];
    if (fatSector === undefined || fatSector >= 0xfffffffa) return 0xfffffffe;
    const fat = await readSector(fatSector);
    return fat ? fat.readUInt32LE((sector % entriesPerFatSector) * 4) : 0xfffffffe;
  };

  let sector = header.readUInt32LE(0x30);
  // Directory chains are short; the bound stops a looping chain in a damaged file.
  for (let hops = 0; sector < 0xfffffffa && hops < 64; hops++) {
    const data = await readSector(sector);
    if (!data) break;
    for (let at = 0; at + 128 <= sectorSize; at += 128) {
      const nameBytes = data.readUInt16LE(at + 0x40);
      const type = data[at + 0x42];
      if (nameBytes >= 2 && nameBytes <= 64 && (type === 1 || type === 2)) names.add(data.toString("utf16le", at, at + nameBytes - 2));
    }
    sector = await nextSector(sector);
  }
  return names;
}

/** The error for an OLE2 file uploaded as .xlsx: encrypted workbook, old .xls, or another Office file. */
export async function ole2Error(file: FileHandle, fileSize: number): Promise<ImportFileError> {
  const names = await listOle2Streams(file, fileSize).catch(() => new Set<string>());
  if (names.has("EncryptedPackage") || names.has("EncryptionInfo")) {
    return new ImportFileError(
      "encrypted_workbook",
      "The workbook is protected with a password (Excel encrypts such files). Open it in Excel, remove the password (File › Info › Protect Workbook › Encrypt with Password, clear it), save and upload it again.",
      importReason("importErrors.encrypted.password"),
    );
  }
  if (names.has("Workbook") || names.has("Book")) {
    return new ImportFileError(
      "not_xlsx",
      "This is an old Excel 97–2003 workbook (.xls), not an .xlsx. Open it in Excel and save it as an Excel Workbook (.xlsx), then upload that file.",
      importReason("importErrors.notXlsx.xls"),
    );
  }
  return new ImportFileError(
    "not_xlsx",
    "This file is in the older Microsoft Office container format, not an Excel .xlsx workbook: it is either a password-protected workbook or an Excel 97–2003 (.xls) or other Office file. Open it in Excel, remove any password and save it as an Excel Workbook (.xlsx).",
    importReason("importErrors.notXlsx.ole"),
  );
}
