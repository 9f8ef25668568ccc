import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { DomainError, ValidationError } from "@/lib/util/errors";

/**
 * Receives a multipart upload (field `file`, optional `dryRun=true`) straight to
 * DATA_DIR/uploads on disk, a chunk at a time: the file is never held in memory, and a body past
 * the size limit is cut off with 413 and its partial file removed. Parsing happens later, in the
 * import runner, never inside the request.
 */
export interface ReceivedUpload {
  importId: string;
  fileName: string;
  fileKind: "xlsx" | "csv";
  filePath: string;
  fileSize: number;
  dryRun: boolean;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export function maxUploadBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.IMPORT_MAX_BYTES ?? DEFAULT_MAX_UPLOAD_BYTES);
}

function kindOf(fileName: string): "xlsx" | "csv" | null {
  const ext = path.extname(fileName).toLowerCase();
  return ext === ".xlsx" ? "xlsx" : ext === ".csv" ? "csv" : null;
}

export async function receiveUpload(req: Request, options: { dataDir: string; maxBytes: number }): Promise<ReceivedUpload> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new ValidationError('Send the file as multipart/form-data in a field named "file".', [{ path: "file", message: "missing" }]);
  }
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > options.maxBytes + 64 * 1024) throw tooLarge(options.maxBytes);
  if (!req.body) throw new ValidationError("The request has no body.", [{ path: "file", message: "missing" }]);

  const dir = path.join(options.dataDir, "uploads");
  fs.mkdirSync(dir, { recursive: true });
  const importId = crypto.randomUUID();
  let received: Omit<ReceivedUpload, "dryRun"> | null = null;
  let dryRun = false;
  let problem: Error | null = null;
  let written: Promise<void> = Promise.resolve();

  const parser = busboy({ headers: { "content-type": contentType }, limits: { files: 1, fileSize: options.maxBytes, fields: 10 } });
  parser.on("field", (name, value) => {
    if (name === "dryRun") dryRun = value === "true" || value === "1" || value === "on";
  });
  parser.on("file", (name, stream, info) => {
    const fileName = path.basename(info.filename || "");
    const fileKind = kindOf(fileName);
    if (name !== "file" || !fileKind) {
      problem ??=
        name !== "file"
          ? new ValidationError('The file must be in a field named "file".', [{ path: name, message: 'expected "file"' }])
          : new ValidationError(`Only .xlsx and .csv files can be imported; got "${fileName || "(no name)"}".`, [
              { path: "file", message: "must end in .xlsx or .csv" },
            ], "unsupported_file_type");
      stream.resume();
      return;
    }
    const filePath = path.join(dir, `${importId}.${fileKind}`);
    let size = 0;
    stream.on("data", (chunk: Buffer) => (size += chunk.length));
    stream.on("limit", () => (problem = tooLarge(options.maxBytes)));
    written = pipeline(stream, fs.createWriteStream(filePath)).then(() => {
      received = { importId, fileName, fileKind, filePath, fileSize: size };
    });
  });

  try {
    await pipeline(Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>), parser);
    await written;
  } catch (error) {
    problem ??= new ValidationError(`The upload could not be read: ${(error as Error).message}`, [{ path: "file", message: "unreadable" }]);
  }
  const upload = received as Omit<ReceivedUpload, "dryRun"> | null;
  if (problem || !upload) {
    fs.rmSync(path.join(dir, `${importId}.xlsx`), { force: true });
    fs.rmSync(path.join(dir, `${importId}.csv`), { force: true });
    throw problem ?? new ValidationError('No file was sent: put it in a field named "file".', [{ path: "file", message: "missing" }]);
  }
  if (upload.fileSize === 0) {
    fs.rmSync(upload.filePath, { force: true });
    throw new ValidationError("The file is empty.", [{ path: "file", message: "empty" }], "empty_file");
  }
  return { ...upload, dryRun };
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError("payload_too_large", 413, `The file is larger than the limit of ${Math.round(maxBytes / 1024 / 1024)} MB.`);
}
