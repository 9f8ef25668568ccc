import { applyPendingJsmsCallbacks, drainJsmsCallbacks } from "@/lib/messages/jsms-callback-intake";
import { logger } from "@/lib/util/logger";
import { importLimits, startImportRunner } from "@/lib/contacts/import-runner";
import { removeOrphanUploads } from "@/lib/contacts/orphan-uploads";
import { startSendPreparer, type SendPreparer } from "@/lib/messages/send-preparer";
import { startDispatcher, type Dispatcher } from "@/lib/messages/dispatcher/dispatcher";
import { startLiveStatsWriter, type LiveStatsWriter } from "@/lib/messages/live/live-stats-writer";
import { closeRuntime, getRuntime } from "./runtime";
import { unrecoverableStartupProblem } from "./startup-failure";

/**
 * What runs beside the request handlers in a console process: the sweeper that applies stored
 * callbacks a crash left unapplied, and an orderly shutdown that finishes pending work and
 * closes the database (PGlite must be closed to flush its files).
 */
const SWEEP_EVERY_MS = 30_000;

/** `kind` says which process this is: the console server ("web") or `npm run worker`. */
export async function startBackgroundWork(kind: "web" | "worker" = "web"): Promise<void> {
  const runtime = await getRuntime();
  const sweep = async () => {
    try {
      const applied = await applyPendingJsmsCallbacks(runtime.db);
      if (applied > 0) logger.info("applied stored callbacks left pending", { applied });
    } catch (error) {
      logger.error("callback sweep failed", { error });
    }
  };
  await sweep();
  setInterval(() => void sweep(), SWEEP_EVERY_MS).unref();
  await removeOrphanUploads(runtime.db, runtime.env.dataDir).catch((error: unknown) => logger.error("upload clean-up failed", { error }));
  // Every process writes what it sees of its channels (a web-only one receives the JSMS callbacks).
  liveStatsSlot().current ??= startLiveStatsWriter({ db: runtime.db, kind, sealKey: runtime.sealKey, jsmsBaseUrl: runtime.env.jsmsBaseUrl });
  if (runtime.env.workerEnabled) {
    runner().current = startImportRunner(runtime.db, importLimits(runtime.handle.kind));
    preparerSlot().current ??= startSendPreparer(runtime.db, runtime.handle.kind);
    dispatcherSlot().current ??= startDispatcher({
      handle: runtime.handle,
      sealKey: runtime.sealKey,
      kind,
      jsms: { baseUrl: runtime.env.jsmsBaseUrl },
    }).catch((error: unknown) => {
      logger.error("the dispatcher did not start", { error });
      dispatcherSlot().current = undefined;
      throw error;
    });
    await dispatcherSlot().current;
  }
}

const dispatcherKey = Symbol.for("sms-console.dispatcher");
/** One dispatcher per process, whichever route bundle asks. */
function dispatcherSlot(): { current?: Promise<Dispatcher> } {
  const g = globalThis as typeof globalThis & { [dispatcherKey]?: { current?: Promise<Dispatcher> } };
  return (g[dispatcherKey] ??= {});
}

const liveStatsKey = Symbol.for("sms-console.live-stats-writer");
/** One writer of channel_live_stats per process. */
function liveStatsSlot(): { current?: LiveStatsWriter } {
  const g = globalThis as typeof globalThis & { [liveStatsKey]?: { current?: LiveStatsWriter } };
  return (g[liveStatsKey] ??= {});
}

const preparerKey = Symbol.for("sms-console.send-preparer");
/** One send preparer per process (it turns new sends' audiences into messages). */
function preparerSlot(): { current?: SendPreparer } {
  const g = globalThis as typeof globalThis & { [preparerKey]?: { current?: SendPreparer } };
  return (g[preparerKey] ??= {});
}

const runnerKey = Symbol.for("sms-console.import-runner");
/** On globalThis: route bundles may each load this module, and there is one runner per process. */
function runner(): { current?: ReturnType<typeof startImportRunner> } {
  const g = globalThis as typeof globalThis & { [runnerKey]?: { current?: ReturnType<typeof startImportRunner> } };
  return (g[runnerKey] ??= {});
}

/** A new upload: start on it now rather than at the next poll. A web-only process (WORKER=off) leaves it to a worker. */
export function wakeImportRunner(): void {
  runner().current?.wake();
}

/**
 * A start-up failure that waiting cannot mend (a bad variable or key, another process holding
 * the embedded database: lib/server/startup-failure.ts) ends the process with its reason,
 * instead of serving errors. Anything else (PostgreSQL not up yet) is logged, and the next
 * request tries again; /api/health answers 503 meanwhile.
 */
export function exitIfUnrecoverable(error: unknown): void {
  const problem = unrecoverableStartupProblem(error);
  if (problem) {
    logger.error(problem);
    process.exit(1);
  }
  logger.error("start-up did not complete; requests will retry", { error });
}

/** With NEXT_MANUAL_SIG_HANDLE set (npm start sets it), Next.js leaves SIGTERM and SIGINT to us. */
export function registerShutdownHandlers(): void {
  if (!process.env.NEXT_MANUAL_SIG_HANDLE) return;
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
}

let stopping = false;
/** The pool's close is capped at a quarter of the 30 s lease; this leaves room for the writes after it. */
const DISPATCHER_STOP_MS = 30_000;

/** Finishes what was accepted, closes the database, exits. Registered when NEXT_MANUAL_SIG_HANDLE is set. */
export async function shutdown(signal: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    logger.info("shutting down", { signal });
    try {
      const runtime = await getRuntime();
      // A running import stops polling; its lease lapses and the next start resumes it.
      runner().current?.stop();
      // A send being prepared stops after its chunk and gives up its lease: another process goes on.
      await preparerSlot().current?.stop();
      // Stops claiming, lets the CMPP windows drain (bounded by the pool's close timeout) and
      // records every outcome before the database closes.
      const dispatcher = await dispatcherSlot().current?.catch(() => undefined);
      // Bounded: with the database gone its outcome writes would retry forever. What it could
      // not write is taken back by the next dispatcher once this one's lease lapses.
      if (dispatcher) {
        const stopped = await Promise.race([dispatcher.stop().then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), DISPATCHER_STOP_MS).unref())]);
        if (!stopped) logger.warn("the dispatcher did not stop in time; exiting anyway", { waitedMs: DISPATCHER_STOP_MS });
      }
      await drainJsmsCallbacks(runtime.db);
      // Last: what the dispatcher and the callbacks counted until now; the process's rows go with it.
      await liveStatsSlot().current?.stop();
      await closeRuntime();
    } catch (error) {
      logger.error("error during shutdown", { error });
    }
  }
  process.exit(signal === "SIGINT" ? 130 : 143);
}
