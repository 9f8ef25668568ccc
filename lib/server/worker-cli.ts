/**
 * `npm run worker`: the background work without the web server, for deployments that run web
 * processes with WORKER=off and workers beside them on one PostgreSQL (imports are claimed with
 * leases, so any number of workers share the queue). With the embedded database there is one
 * process only, and `npm start` already runs this work.
 */
import { readServerEnv } from "@/lib/config/env";
import { logger } from "@/lib/util/logger";
import { shutdown, startBackgroundWork } from "./lifecycle";
import { unrecoverableStartupProblem } from "./startup-failure";

async function main() {
  const env = readServerEnv({ ...process.env, WORKER: "on" });
  if (!env.databaseUrl) {
    logger.warn("npm run worker without DATABASE_URL: the embedded database allows one process, so run npm start alone instead");
  }
  process.env.WORKER = "on";
  await startBackgroundWork("worker");
  logger.info("worker started");
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
  // The runner's timers are unref'd; keep the process alive until a signal.
  setInterval(() => {}, 1 << 30);
}

main().catch((error: unknown) => {
  // A bad variable or key is reported as the server reports it: its message alone, naming what to fix.
  const problem = unrecoverableStartupProblem(error);
  if (problem) logger.error(problem);
  else logger.error("worker failed to start", { error });
  process.exit(1);
});
