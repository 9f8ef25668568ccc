/**
 * Structured one-line JSON logs on stdout/stderr: easy to grep here, easy to ship elsewhere.
 * Never pass secrets in `fields`.
 */
type Fields = Record<string, unknown>;

function write(level: "debug" | "info" | "warn" | "error", message: string, fields?: Fields): void {
  if (level === "debug" && !process.env.DEBUG) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg: message, ...fields }, (_key, value: unknown) =>
    value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value,
  );
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

export const logger = {
  debug: (message: string, fields?: Fields) => write("debug", message, fields),
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
