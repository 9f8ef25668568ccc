import { getRuntime } from "./runtime";
import { readServerEnv } from "@/lib/config/env";
import { logger } from "@/lib/util/logger";

export interface HealthReport {
  ok: boolean;
  db: "ok" | "down";
  /** The in-process dispatcher: "off" when WORKER=off, otherwise whether it runs yet. */
  dispatcher: "off" | "running" | "not_running";
}

export async function healthReport(): Promise<HealthReport> {
  const dispatcher = readServerEnv().workerEnabled ? "not_running" : "off";
  try {
    const runtime = await getRuntime();
    const up = await runtime.handle.ping();
    return { ok: up, db: up ? "ok" : "down", dispatcher };
  } catch (error) {
    logger.error("health check: database unavailable", { error });
    return { ok: false, db: "down", dispatcher };
  }
}
