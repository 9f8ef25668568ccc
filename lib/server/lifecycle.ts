import { applyPendingJsmsCallbacks, drainJsmsCallbacks } from "@/lib/messages/jsms-callback-intake";
import { logger } from "@/lib/util/logger";
import { closeRuntime, getRuntime } from "./runtime";

/**
 * What runs beside the request handlers in a console process: the sweeper that applies stored
 * callbacks a crash left unapplied, and an orderly shutdown that finishes pending work and
 * closes the database (PGlite must be closed to flush its files).
 */
const SWEEP_EVERY_MS = 30_000;

export async function startBackgroundWork(): Promise<void> {
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
}

/** With NEXT_MANUAL_SIG_HANDLE set (npm start sets it), Next.js leaves SIGTERM and SIGINT to us. */
export function registerShutdownHandlers(): void {
  if (!process.env.NEXT_MANUAL_SIG_HANDLE) return;
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
}

let stopping = false;

/** Finishes what was accepted, closes the database, exits. Registered when NEXT_MANUAL_SIG_HANDLE is set. */
export async function shutdown(signal: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    logger.info("shutting down", { signal });
    try {
      const runtime = await getRuntime();
      await drainJsmsCallbacks(runtime.db);
      await closeRuntime();
    } catch (error) {
      logger.error("error during shutdown", { error });
    }
  }
  process.exit(signal === "SIGINT" ? 130 : 143);
}
