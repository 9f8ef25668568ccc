import type { CmppLogger } from "./types";

/** Discards everything: for tests and benchmarks that assert on behaviour, not on log lines. */
export const silentLogger: CmppLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * Used when the caller passes no logger: warnings and errors still reach stderr as one JSON line
 * each, because a gateway that keeps dropping us must never fail silently.
 */
export const stderrLogger: CmppLogger = {
  debug: () => {},
  info: () => {},
  warn: (message, fields) => writeLine("warn", message, fields),
  error: (message, fields) => writeLine("error", message, fields),
};

function writeLine(level: string, message: string, fields?: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, msg: message, ...fields }) + "\n");
}
