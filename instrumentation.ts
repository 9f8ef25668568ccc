/**
 * Runs once when the server starts (never during `next build`): opens the database and applies
 * migrations before the first request, so a broken database shows at start-up, not mid-request,
 * then starts the background work and the orderly shutdown (lib/server/lifecycle.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { registerShutdownHandlers, startBackgroundWork, exitIfUnrecoverable } = await import("./lib/server/lifecycle");
  try {
    await startBackgroundWork();
  } catch (error) {
    exitIfUnrecoverable(error);
  }
  registerShutdownHandlers();
}
