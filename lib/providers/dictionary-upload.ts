import busboy from "busboy";
import { displayFileName, fileKindOf } from "@/lib/contacts/upload-file-name";
import { DomainError, ValidationError } from "@/lib/util/errors";

/**
 * Receives a dictionary file (multipart field `file`, plus small fields such as `mode`) into
 * memory. A dictionary is a few hundred rows, so the cap is small (DICTIONARY_MAX_BYTES) and
 * checked as the body arrives: past it the answer is 413 at once, without reading the rest.
 * The refusals carry the same catalogue keys as the users import's (`importErrors.upload.*`).
 */
export const DICTIONARY_MAX_BYTES = 2 * 1024 * 1024;

export interface DictionaryUpload {
  fileName: string;
  fileKind: "xlsx" | "csv";
  data: Buffer;
  /** The other form fields, by name (first value of each). */
  fields: Record<string, string>;
}

/** Room for the multipart framing and the small fields around the file. */
const MULTIPART_OVERHEAD = 16 * 1024;

export async function readDictionaryUpload(req: Request, maxBytes = DICTIONARY_MAX_BYTES): Promise<DictionaryUpload> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new ValidationError('Send the file as multipart/form-data in a field named "file".', [{ path: "file", message: "missing" }]).withMessageKey(
      "importErrors.upload.notMultipart",
    );
  }
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes + MULTIPART_OVERHEAD) throw tooLarge(maxBytes);
  if (!req.body) throw new ValidationError("The request has no body.", [{ path: "file", message: "missing" }]).withMessageKey("importErrors.upload.noBody");

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      // Browsers send the file name as UTF-8; busboy's default, latin1, garbles Chinese names.
      defParamCharset: "utf8",
      limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1024, parts: 20 },
    });
  } catch (error) {
    throw unreadable(error);
  }

  let problem: DomainError | null = null;
  const fail = (error: DomainError) => (problem ??= error);
  // No prototype: a part named "__proto__" or "constructor" is a field like any other.
  const fields: Record<string, string> = Object.create(null);
  let file: { fileName: string; fileKind: "xlsx" | "csv"; chunks: Buffer[]; done: Promise<void> } | null = null;

  parser.on("field", (name, value) => {
    if (!Object.hasOwn(fields, name)) fields[name] = value;
  });
  parser.on("file", (name, stream, info) => {
    // A part cut short when the reading stops ends in an error; the problem that stopped it is answered.
    stream.on("error", () => {});
    const judged = name !== "file" ? wrongField() : judgeFileName(info.filename ?? "");
    if (judged instanceof DomainError || file) {
      if (judged instanceof DomainError) fail(judged);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("limit", () => fail(tooLarge(maxBytes)));
    const done = new Promise<void>((resolve) => stream.once("end", () => resolve()));
    file = { ...judged, chunks, done };
  });
  const closed = new Promise<void>((resolve, reject) => {
    parser.once("close", () => resolve());
    // `on`, not `once`: a body busboy cannot parse can make it emit a second error when it is
    // ended ("Unexpected end of form" after "Malformed part header"), and an error emitted with no
    // listener left is thrown as an uncaught exception, which ends the server process.
    parser.on("error", (error) => reject(unreadable(error)));
  });
  closed.catch(() => {}); // awaited below unless the reading stops first

  const reader = req.body.getReader();
  try {
    let bodyBytes = 0;
    for (;;) {
      const next = await reader.read().catch((error: unknown) => Promise.reject(unreadable(error)));
      if (next.done) break;
      bodyBytes += next.value.byteLength;
      if (bodyBytes > maxBytes + MULTIPART_OVERHEAD) fail(tooLarge(maxBytes));
      if (problem) break;
      parser.write(next.value);
    }
    if (problem) throw problem;
    parser.end();
    await closed;
    if (problem) throw problem;
  } finally {
    if (problem) {
      await reader.cancel().catch(() => {});
      parser.destroy();
    }
  }
  const received = file as { fileName: string; fileKind: "xlsx" | "csv"; chunks: Buffer[]; done: Promise<void> } | null;
  if (!received) {
    throw new ValidationError('No file was sent: put it in a field named "file".', [{ path: "file", message: "missing" }]).withMessageKey("importErrors.upload.noFile");
  }
  await received.done;
  const data = Buffer.concat(received.chunks);
  if (data.length === 0) {
    throw new ValidationError("The file is empty.", [{ path: "file", message: "empty" }], "empty_file").withMessageKey("importErrors.upload.empty", {
      name: received.fileName,
    });
  }
  return { fileName: received.fileName, fileKind: received.fileKind, data, fields };
}

function judgeFileName(sentName: string): { fileName: string; fileKind: "xlsx" | "csv" } | DomainError {
  const fileName = displayFileName(sentName);
  const fileKind = fileKindOf(fileName);
  if (!fileName) {
    return new ValidationError("The file name is empty once control characters and folder names are removed; rename the file and upload it again.", [
      { path: "file", message: "no usable file name" },
    ], "invalid_file_name").withMessageKey("importErrors.upload.badName");
  }
  if (!fileKind) {
    return new ValidationError(`Only .xlsx and .csv files can be imported; got "${fileName}".`, [{ path: "file", message: "must end in .xlsx or .csv" }], "unsupported_file_type").withMessageKey(
      "importErrors.upload.wrongType",
      { name: fileName },
    );
  }
  return { fileName, fileKind };
}

function wrongField(): DomainError {
  return new ValidationError('The file must be in a field named "file".', [{ path: "file", message: "wrong field" }]).withMessageKey("importErrors.upload.wrongField");
}

function unreadable(error: unknown): DomainError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ValidationError(`The upload could not be read: ${reason}`, [{ path: "file", message: "unreadable" }]).withMessageKey("importErrors.upload.unreadable", {
    detail: reason,
  });
}

function tooLarge(maxBytes: number): DomainError {
  const limit = `${Number((maxBytes / 1024 / 1024).toFixed(1))} MB`;
  return new DomainError("payload_too_large", 413, `The file is larger than the limit of ${limit}.`).withMessageKey("importErrors.upload.tooLarge", { limit });
}
