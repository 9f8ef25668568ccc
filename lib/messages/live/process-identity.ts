import crypto from "node:crypto";
import os from "node:os";

/**
 * This process's name in channel_live_stats: host, pid and a random part (a pid is reused after a
 * restart, and a restarted process must not inherit the rows, and counters, of the one before).
 * On globalThis: every route bundle of the process must write under the same name.
 */
export interface ProcessName {
  id: string;
  pid: number;
  host: string;
}

const key = Symbol.for("sms-console.process-name");
type WithName = typeof globalThis & { [key]?: ProcessName };

export function processName(): ProcessName {
  const g = globalThis as WithName;
  return (g[key] ??= {
    id: `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`,
    pid: process.pid,
    host: os.hostname(),
  });
}
