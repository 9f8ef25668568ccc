/**
 * Runs once when the server starts (never during `next build`): opens the database and applies
 * migrations before the first request, so a broken database shows at start-up, not mid-request,
 * then starts the background work. With NEXT_MANUAL_SIG_HANDLE set (npm start sets it), SIGTERM
 * and SIGINT finish accepted work and close the database before the process exits.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startBackgroundWork, shutdown } = await import("./lib/server/lifecycle");
  await startBackgroundWork();
  if (process.env.NEXT_MANUAL_SIG_HANDLE) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
  }
}
