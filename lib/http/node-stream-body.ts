import type { Readable } from "node:stream";

/**
 * A Node stream as a Response body that survives the client going away. Node 20's Readable.toWeb
 * keeps enqueueing after its web stream is cancelled ("Controller is already closed", thrown from
 * a data event: an uncaught exception per aborted download) and cancels by destroying the source
 * with an AbortError that its writer then rejects with. Here the source is paused while the client
 * reads slowly, and a cancel destroys it quietly; its later errors have nowhere left to go.
 */
export function responseBodyOf(stream: Readable): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream.on("data", (chunk: Buffer | string) => {
          if (settled) return;
          controller.enqueue(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
          if ((controller.desiredSize ?? 0) <= 0) stream.pause();
        });
        stream.once("end", () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        // `on`, not `once`: a writer may fail again after the first error or the cancel.
        stream.on("error", (error) => {
          if (settled) return;
          settled = true;
          controller.error(error);
        });
        stream.pause();
      },
      // Called again only once the queue has room (after an enqueue or a read), never in a loop.
      pull() {
        if (!settled) stream.resume();
      },
      cancel() {
        settled = true;
        // With an error, so whatever writes into the stream learns that no one reads it any more.
        stream.destroy(new Error("The client stopped reading the response."));
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}
