/**
 * The reader thread's entry (started by read-in-worker.ts): opens the file named in workerData
 * with the ordinary reader and sends its batches, never more than the main thread asked for.
 */
import { parentPort, workerData } from "node:worker_threads";
import { openImportFile } from "./open-import-file";
import { sendableError, type FromReader, type ReaderRequest, type ToReader } from "./reader-messages";
import type { OpenedImportFile } from "./types";

if (!parentPort) throw new Error("read-worker.ts is a worker thread's entry; use openImportFileInWorker.");
const port = parentPort;
const request = workerData as ReaderRequest;
const controller = new AbortController();
let credit = 0;
let closing = false;
let wake: (() => void) | null = null;

port.on("message", (message: ToReader) => {
  if (message.type === "pull") credit += message.count;
  else {
    closing ||= message.type === "close";
    controller.abort();
  }
  wake?.();
  wake = null;
});

const send = (message: FromReader) => port.postMessage(message);

async function read(): Promise<void> {
  let file: OpenedImportFile | null = null;
  try {
    file = await openImportFile({ ...request, signal: controller.signal });
    send({ type: "opened", columns: file.columns, encoding: file.encoding });
    const batches = file.batches();
    try {
      for (;;) {
        while (credit === 0 && !closing) await new Promise<void>((resolve) => (wake = resolve));
        if (closing) return;
        const step = await batches.next();
        if (step.done) {
          send({ type: "done", encoding: file.encoding });
          return;
        }
        credit--;
        send({ type: "batch", batch: step.value, encoding: file.encoding });
      }
    } finally {
      await batches.return(undefined);
    }
  } catch (error) {
    if (!closing) send({ type: "failed", error: sendableError(error) });
  } finally {
    // Also when batches() never ran; closing twice is harmless.
    await file?.close().catch(() => {});
    // Nothing else keeps the thread alive: it ends, and the main thread sees it exit.
    port.close();
  }
}

void read();
