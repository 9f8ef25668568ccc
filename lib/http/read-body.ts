import { DomainError } from "@/lib/util/errors";

/**
 * Reads a request body up to `maxBytes`, counting the bytes as they arrive: a Content-Length
 * header is only a claim, and a chunked body has none. Past the cap the stream is cancelled (no
 * more of it is read) and the caller answers 413. The one way every route reads a body.
 */
export class PayloadTooLargeError extends DomainError {
  constructor(readonly maxBytes: number) {
    super("payload_too_large", 413, `The body is larger than the limit of ${maxBytes} bytes.`);
  }
}

export async function readBodyCapped(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw new PayloadTooLargeError(maxBytes);
  }
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The body as UTF-8 text, within the cap. */
export async function readTextCapped(req: Request, maxBytes: number): Promise<string> {
  return (await readBodyCapped(req, maxBytes)).toString("utf8");
}
