import { spawnSync } from "node:child_process";

/** A pid that certainly ran here and has ended (a child that exited and was reaped). */
export function pidOfEndedProcess(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}
