import { dispatcherHealth } from "@/lib/messages/dispatcher/health-state";
import { getRuntime } from "./runtime";
import { readServerEnv } from "@/lib/config/env";
import { logger } from "@/lib/util/logger";

export interface DispatcherHealthReport {
  /** "off" when WORKER=off (this process sends nothing; workers do), otherwise whether it runs yet. */
  state: "running" | "stopping" | "not_running" | "off";
  /** Messages this process holds as `submitting` now. */
  claimed: number;
  lastClaimAt: string | null;
}

export interface HealthReport {
  ok: boolean;
  db: "ok" | "down";
  /**
   * This process's dispatcher state, the string it has always been ("off", "running",
   * "not_running", now also "stopping"): monitors compare it as such, so it stays a string.
   */
  dispatcher: DispatcherHealthReport["state"];
  /** The same with what it holds: messages claimed now and the last claim's time. */
  dispatcherStatus: DispatcherHealthReport;
}

function dispatcherReport(): DispatcherHealthReport {
  if (!readServerEnv().workerEnabled) return { state: "off", claimed: 0, lastClaimAt: null };
  return dispatcherHealth();
}

export async function healthReport(): Promise<HealthReport> {
  const dispatcher = dispatcherReport();
  try {
    const runtime = await getRuntime();
    const up = await runtime.handle.ping();
    return { ok: up, db: up ? "ok" : "down", dispatcher: dispatcher.state, dispatcherStatus: dispatcher };
  } catch (error) {
    logger.error("health check: database unavailable", { error });
    return { ok: false, db: "down", dispatcher: dispatcher.state, dispatcherStatus: dispatcher };
  }
}
