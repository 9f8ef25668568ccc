import { processListeners } from "@/lib/util/process-listeners";

/**
 * "A send needs background work": a send was created (its audience is to be prepared) or
 * cancelled (its queued messages are to be cancelled). Wakes this process's send preparers at
 * once instead of at their next poll; a process without one (WORKER=off) leaves the work to a
 * worker, whose poll finds it. On globalThis: route bundles may each load this module.
 */
export type SendWork = "prepare" | "cancel";

const preparers = processListeners<SendWork>("sms-console.send-preparers");

/** Registers a preparer; answers the function that removes it. */
export function onSendWork(listener: (work: SendWork) => void): () => void {
  return preparers.on(listener);
}

export function wakeSendPreparers(work: SendWork = "prepare"): void {
  preparers.emit(work);
}
