/**
 * What /api/health says about this process's dispatcher. The dispatcher writes it; health reads
 * it. On globalThis: route bundles may each load this module, and there is one dispatcher.
 */
export interface DispatcherHealth {
  state: "running" | "stopping" | "not_running";
  /** Messages this process holds as `submitting` now. */
  claimed: number;
  lastClaimAt: string | null;
}

const key = Symbol.for("sms-console.dispatcher-health");
type WithHealth = typeof globalThis & { [key]?: DispatcherHealth };

export function dispatcherHealth(): DispatcherHealth {
  return { ...((globalThis as WithHealth)[key] ?? { state: "not_running", claimed: 0, lastClaimAt: null }) };
}

export function setDispatcherHealth(update: Partial<DispatcherHealth>): void {
  const g = globalThis as WithHealth;
  g[key] = { ...(g[key] ?? { state: "not_running", claimed: 0, lastClaimAt: null }), ...update };
}
