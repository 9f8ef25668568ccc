/**
 * "A send needs background work": a send was created (its audience is to be prepared) or
 * cancelled (its queued messages are to be cancelled). Wakes this process's send preparers at
 * once instead of at their next poll; a process without one (WORKER=off) leaves the work to a
 * worker, whose poll finds it. On globalThis: route bundles may each load this module.
 */
export type SendWork = "prepare" | "cancel";

type Listener = (work: SendWork) => void;
const listenersKey = Symbol.for("sms-console.send-preparers");

function listeners(): Set<Listener> {
  const g = globalThis as typeof globalThis & { [listenersKey]?: Set<Listener> };
  return (g[listenersKey] ??= new Set());
}

/** Registers a preparer; answers the function that removes it. */
export function onSendWork(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

export function wakeSendPreparers(work: SendWork = "prepare"): void {
  for (const listener of listeners()) listener(work);
}
