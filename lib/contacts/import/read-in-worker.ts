import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { receivedError, type FromReader, type ReaderRequest, type ToReader } from "./reader-messages";
import { throwIfCancelled } from "./row-source";
import type { ImportBatch, OpenedImportFile, ReadImportOptions } from "./types";

/**
 * openImportFile, but the file is read in a worker thread. Reading is CPU work (inflating,
 * scanning XML, checking every cell), and a console process serves requests on the same event
 * loop that runs its imports: read there, a hostile or merely odd file could hold every request
 * for as long as a step of the reader takes. In a thread of its own it can only keep itself busy.
 * The main thread receives finished batches, a bounded number ahead of the consumer.
 */

/** Batches read ahead of the consumer: the reader thread waits once this many are unconsumed. */
const BATCHES_AHEAD = 2;
/** How long a reader thread that was told to stop may take to close its file before it is ended. */
const CLOSE_GRACE_MS = 5_000;

function startReaderThread(request: ReaderRequest): Worker {
  // Inside Next.js (next build and next dev), Turbopack bundles the worker named by this exact
  // pattern into a chunk of its own, with everything it imports. Elsewhere (vitest, tsx: the
  // tests, the CLI, `npm run worker`) this module runs as TypeScript, which Node does not load by
  // itself, so the thread loads tsx first, resolved from here like any other dependency.
  if (process.env.NEXT_RUNTIME) return new Worker(new URL("./read-worker.ts", import.meta.url), { workerData: request });
  // Named by replacing this file's name, not by a path the bundler would copy into the build.
  const entry = fileURLToPath(import.meta.url).replace(/read-in-worker\.ts$/, "read-worker.ts");
  const boot = `const load = require("node:module").createRequire(${JSON.stringify(entry)}); load("tsx/cjs"); load(${JSON.stringify(entry)});`;
  return new Worker(boot, { eval: true, workerData: request });
}

class ReaderThread {
  private readonly worker: Worker;
  private readonly inbox: FromReader[] = [];
  private wake: (() => void) | null = null;
  /** Why no more messages will come: the thread crashed or ended. */
  private ended: Error | null = null;
  private readonly exited: Promise<void>;
  private closing: Promise<void> | null = null;

  constructor(request: ReaderRequest) {
    this.worker = startReaderThread(request);
    this.worker.on("message", (message: FromReader) => {
      this.inbox.push(message);
      this.notify();
    });
    this.worker.on("error", (error) => {
      this.ended ??= error;
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      this.worker.once("exit", (code) => {
        this.ended ??= new Error(`The import file reader thread ended unexpectedly (exit code ${code}).`);
        this.notify();
        resolve();
      }),
    );
  }

  post(message: ToReader): void {
    this.worker.postMessage(message);
  }

  /** The next message; throws `cancelled` as soon as the signal fires, whatever the thread is doing. */
  async receive(signal: AbortSignal | undefined): Promise<FromReader> {
    for (;;) {
      throwIfCancelled(signal);
      const message = this.inbox.shift();
      if (message) return message;
      if (this.ended) throw this.ended;
      const wait = new Promise<void>((resolve) => (this.wake = resolve));
      const onAbort = () => this.notify();
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await wait;
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
    }
  }

  /** Asks the thread to close its file and end; ends it outright if it does not in time. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.post({ type: "close" });
      const timer = setTimeout(() => void this.worker.terminate(), CLOSE_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** Same options, same result and errors as openImportFile (ImportFileError keeps its code). */
export async function openImportFileInWorker(options: ReadImportOptions): Promise<OpenedImportFile> {
  const { signal, ...request } = options;
  throwIfCancelled(signal);
  const thread = new ReaderThread(request);
  const onAbort = () => thread.post({ type: "cancel" });
  signal?.addEventListener("abort", onAbort, { once: true });
  const close = async () => {
    signal?.removeEventListener("abort", onAbort);
    await thread.close();
  };

  let opened: Extract<FromReader, { type: "opened" }>;
  try {
    const first = await thread.receive(signal);
    if (first.type === "failed") throw receivedError(first.error);
    if (first.type !== "opened") throw new Error(`The import file reader sent "${first.type}" before opening the file.`);
    opened = first;
  } catch (error) {
    await close();
    throw error;
  }

  let encoding = opened.encoding;
  let started = false;
  async function* batches(): AsyncGenerator<ImportBatch, void, undefined> {
    if (started) throw new Error("batches() can be iterated only once.");
    started = true;
    try {
      thread.post({ type: "pull", count: BATCHES_AHEAD });
      for (;;) {
        const message = await thread.receive(signal);
        if (message.type === "failed") throw receivedError(message.error);
        encoding = message.encoding;
        if (message.type === "done") return;
        if (message.type !== "batch") throw new Error(`The import file reader sent "${message.type}" while reading.`);
        yield message.batch;
        thread.post({ type: "pull", count: 1 });
      }
    } finally {
      await close();
    }
  }

  return {
    columns: opened.columns,
    get encoding() {
      return encoding;
    },
    batches,
    close,
  };
}
