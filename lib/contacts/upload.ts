import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { isDiskFull } from "@/lib/util/disk-full";
import { DomainError, ValidationError } from "@/lib/util/errors";
import { displayFileName, fileKindOf } from "./upload-file-name";

/**
 * Receives a multipart upload (field `file`, optional `dryRun=true`) straight to
 * DATA_DIR/uploads on disk, a chunk at a time: the file is never held in memory. The request body
 * is pulled only as fast as the disk takes it, and the first problem stops the pulling: a file
 * past the size limit is answered 413 as soon as the limit is crossed, without reading the rest
 * (the server then closes the connection), and whatever was written of it is removed. Parsing
 * happens later, in the import runner, never inside the request.
 */
export interface ReceivedUpload {
  importId: string;
  /** The name the operator sees: cleaned (upload-file-name.ts); the file on disk is `<importId>.<ext>`. */
  fileName: string;
  fileKind: "xlsx" | "csv";
  filePath: string;
  fileSize: number;
  dryRun: boolean;
}

/** Where uploads wait for their import, each named `<importId>.<ext>`. */
export function uploadsDir(dataDir: string): string {
  return path.join(dataDir, "uploads");
}

/** Room for the multipart framing and the small fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

interface StoredFile {
  fileName: string;
  fileKind: "xlsx" | "csv";
  filePath: string;
  out: fs.WriteStream;
  /** Resolves with the file's size once it is all on disk. */
  written: Promise<number>;
}

export async function receiveUpload(req: Request, options: { dataDir: string; maxBytes: number }): Promise<ReceivedUpload> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new ValidationError('Send the file as multipart/form-data in a field named "file".', [{ path: "file", message: "missing" }]).withMessageKey(
      "importErrors.upload.notMultipart",
    );
  }
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > options.maxBytes + MULTIPART_OVERHEAD) throw tooLarge(options.maxBytes);
  if (!req.body) throw new ValidationError("The request has no body.", [{ path: "file", message: "missing" }]).withMessageKey("importErrors.upload.noBody");

  let parser: ReturnType<typeof busboy>;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      // Browsers send the file name as UTF-8 bytes; busboy's default, latin1, garbles Chinese names.
      defParamCharset: "utf8",
      limits: { files: 1, fileSize: options.maxBytes, fields: 10, parts: 20 },
    });
  } catch (error) {
    throw unreadable(error);
  }
  const dir = uploadsDir(options.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const importId = crypto.randomUUID();
  const reader = req.body.getReader();

  // The first problem wins and stops the reading at once.
  let problem = null as Error | null;
  let stop: () => void = () => {};
  const stopped = new Promise<null>((resolve) => (stop = () => resolve(null)));
  const fail = (error: Error) => {
    problem ??= error;
    stop();
  };
  let file = null as StoredFile | null;
  let dryRun = false;

  parser.on("field", (name, value) => {
    if (name === "dryRun") dryRun = value === "true" || value === "1" || value === "on";
  });
  parser.on("file", (name, stream, info) => {
    // busboy hands over an empty field name (name="") as undefined, whatever its types say.
    const part = name !== "file" ? wrongField(name ?? "") : judgeFileName(info.filename ?? "");
    if (part instanceof DomainError || file || problem) {
      if (part instanceof DomainError) fail(part);
      stream.on("error", () => {}); // a part being skipped ends in an error when the upload is stopped
      stream.resume();
      return;
    }
    const { fileName, fileKind } = part;
    const filePath = path.join(dir, `${importId}.${fileKind}`);
    const out = fs.createWriteStream(filePath);
    let size = 0;
    stream.on("data", (chunk: Buffer) => (size += chunk.length));
    stream.on("limit", () => fail(tooLarge(options.maxBytes)));
    const written = pipeline(stream, out).then(() => size);
    // A write that fails (the disk is full) stops the upload at once: busboy holds the body's next
    // chunk until the destroyed file stream drains, which it never does, so without this the
    // request hung for good with the partial file left on the full disk.
    written.catch((error: unknown) => fail(storageFailure(error)));
    file = { fileName, fileKind, filePath, out, written };
  });
  parser.on("error", (error) => fail(unreadable(error)));
  const parsed = new Promise<null>((resolve) => parser.once("close", () => resolve(null)));

  let kept = false;
  try {
    let bodyBytes = 0;
    for (;;) {
      const read = reader.read();
      read.catch(() => {}); // a read left pending by a stop settles when the stream is cancelled
      const next = await Promise.race([read.catch((error: unknown) => Promise.reject(unreadable(error))), stopped]);
      if (!next) break;
      if (next.done) {
        parser.end();
        break;
      }
      bodyBytes += next.value.byteLength;
      if (bodyBytes > options.maxBytes + MULTIPART_OVERHEAD) {
        fail(tooLarge(options.maxBytes));
        break;
      }
      await Promise.race([writeTo(parser, next.value), stopped]);
    }
    await Promise.race([parsed, stopped]);
    if (problem) throw problem;
    if (!file) {
      throw new ValidationError('No file was sent: put it in a field named "file".', [{ path: "file", message: "missing" }]).withMessageKey("importErrors.upload.noFile");
    }
    const fileSize = await file.written;
    if (fileSize === 0) {
      throw new ValidationError("The file is empty.", [{ path: "file", message: "empty" }], "empty_file").withMessageKey("importErrors.upload.empty", {
        name: file.fileName,
      });
    }
    kept = true;
    return { importId, fileName: file.fileName, fileKind: file.fileKind, filePath: file.filePath, fileSize, dryRun };
  } catch (error) {
    throw problem ?? error;
  } finally {
    if (!kept) await discard(reader, parser, file);
  }
}

/** The file part's display name and kind, or why it cannot be taken, judged by its name alone. */
function judgeFileName(sentName: string): { fileName: string; fileKind: "xlsx" | "csv" } | DomainError {
  const fileName = displayFileName(sentName);
  const fileKind = fileKindOf(fileName);
  if (!fileName) {
    return new ValidationError(
      "The file name is empty once control characters and folder names are removed; rename the file and upload it again.",
      [{ path: "file", message: "no usable file name" }],
      "invalid_file_name",
    ).withMessageKey("importErrors.upload.badName");
  }
  if (!fileKind) {
    return new ValidationError(`Only .xlsx and .csv files can be imported; got "${fileName}".`, [
      { path: "file", message: "must end in .xlsx or .csv" },
    ], "unsupported_file_type").withMessageKey("importErrors.upload.wrongType", { name: fileName });
  }
  return { fileName, fileKind };
}

function wrongField(name: string): DomainError {
  return new ValidationError('The file must be in a field named "file".', [{ path: "file", message: `sent in "${displayFileName(name)}"` }]).withMessageKey(
    "importErrors.upload.wrongField",
  );
}

/** Resolves once busboy has taken the chunk (it holds the callback while the disk catches up); its errors arrive as "error". */
function writeTo(parser: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => parser.write(chunk, () => resolve()));
}

/** Stops reading the body (cancelled, not drained) and removes what was written of the file. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, parser: Writable, file: StoredFile | null): Promise<void> {
  await reader.cancel().catch(() => {});
  parser.destroy();
  if (!file) return;
  // The write stream may still be opening the file: removing it before it is closed could leave it behind.
  file.out.destroy();
  if (!file.out.closed) await new Promise<void>((resolve) => file.out.once("close", () => resolve()));
  fs.rmSync(file.filePath, { force: true });
}

/** DATA_DIR is full (or over its quota): the operator is told so, not "internal error"; anything else is the server's fault (500). */
function storageFailure(error: unknown): Error {
  if (isDiskFull(error)) {
    return new DomainError("storage_full", 507, "The server's disk is full, so the file could not be stored. Free space in the data directory, then upload it again.").withMessageKey(
      "importErrors.upload.storageFull",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function unreadable(error: unknown): DomainError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ValidationError(`The upload could not be read: ${reason}`, [{ path: "file", message: "unreadable" }]).withMessageKey("importErrors.upload.unreadable", {
    detail: reason,
  });
}

function tooLarge(maxBytes: number): DomainError {
  const limit = describeBytes(maxBytes);
  return new DomainError("payload_too_large", 413, `The file is larger than the limit of ${limit}.`).withMessageKey("importErrors.upload.tooLarge", { limit });
}

function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}
