/**
 * Structured one-line JSON logs on stdout/stderr: easy to grep here, easy to ship elsewhere.
 * Never pass secrets in `fields`.
 *
 * Errors are written with their cause chain, since drizzle wraps the driver's error (the one that
 * says what PostgreSQL refused) in its own "Failed query" error. What a query was given never
 * reaches the log: drizzle's "params: …" part is cut from the message and the stack, PostgreSQL's
 * `detail` ("Key (phone)=(…)") is left out, and the values a data error quotes back are masked.
 */
type Fields = Record<string, unknown>;

interface LoggedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: LoggedError | string;
}

const MAX_CAUSE_DEPTH = 5;

/** Drizzle's DrizzleQueryError message is "Failed query: <sql>\nparams: <values>"; the values are the rest. */
function withoutQueryParams(text: string): string {
  const at = text.indexOf("\nparams: ");
  return at === -1 ? text : text.slice(0, at);
}

/**
 * SQLSTATE class 22 (data exception) messages quote the value that was refused
 * (`invalid input syntax for type uuid: "13800138000"`); the encoding names some of them quote
 * (`invalid byte sequence for encoding "UTF8": 0x00`) are kept.
 */
function maskQuotedValues(message: string, code: string | undefined): string {
  if (!code?.startsWith("22")) return message;
  return message.replace(/(?<!encoding )"[^"]*"/g, '"…"');
}

function serialiseError(error: Error, depth = 0): LoggedError {
  const { code: rawCode } = error as { code?: unknown };
  const code = typeof rawCode === "string" ? rawCode : undefined;
  const message = maskQuotedValues(withoutQueryParams(error.message), code);
  const logged: LoggedError = { name: error.name, message, ...(code ? { code } : {}) };
  // Only the outermost stack: it shows where the failure surfaced; a cause's stack is the driver's.
  if (depth === 0 && error.stack) logged.stack = withoutQueryParams(error.stack.replace(error.message, message));
  const cause: unknown = error.cause;
  if (cause instanceof Error && depth < MAX_CAUSE_DEPTH) logged.cause = serialiseError(cause, depth + 1);
  else if (typeof cause === "string") logged.cause = cause;
  return logged;
}

function write(level: "debug" | "info" | "warn" | "error", message: string, fields?: Fields): void {
  if (level === "debug" && !process.env.DEBUG) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg: message, ...fields }, (_key, value: unknown) =>
    value instanceof Error ? serialiseError(value) : value,
  );
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

export const logger = {
  debug: (message: string, fields?: Fields) => write("debug", message, fields),
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
