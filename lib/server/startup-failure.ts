/**
 * Start-up failures that waiting cannot mend: a variable that does not parse (EnvError), a root
 * secret that cannot be used (AppSecretError), an embedded database that another process holds
 * (DataDirLockedError). Every entry point (the server, `npm run worker`, `npm run console`) stops
 * on them with their message, which names what to change. Matched by name, not instanceof:
 * Next.js may load a module once per route bundle, each with its own copy of the class.
 */
const UNRECOVERABLE = new Set(["EnvError", "AppSecretError", "DataDirLockedError"]);

/** The message to stop with, or undefined when the failure may pass (PostgreSQL not up yet). */
export function unrecoverableStartupProblem(error: unknown): string | undefined {
  return error instanceof Error && UNRECOVERABLE.has(error.name) ? error.message : undefined;
}
