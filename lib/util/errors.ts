/**
 * Errors are values at the edges: lib/ throws these typed domain errors, and only the entry-point
 * wrappers (REST handler, server actions, CLI) turn them into HTTP answers or messages.
 */
export interface ErrorDetail {
  /** The field ("port") or row ("rows[3].phone") the detail is about. */
  path: string;
  /** A catalogue key ("errors.port_range") or a readable sentence. */
  message: string;
}

export class DomainError extends Error {
  /**
   * `message` as a catalogue key and its values (lib/i18n/reason.ts), for an error the console
   * shows the operator in their language with its particulars (a file name, a limit); answered
   * beside `message` as `messageKey` / `messageParams`. Set with `withMessageKey`.
   */
  messageKey?: string;
  messageParams?: Record<string, unknown>;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }

  withMessageKey(key: string, params: Record<string, unknown> = {}): this {
    this.messageKey = key;
    this.messageParams = params;
    return this;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details: ErrorDetail[], code = "invalid_input") {
    super(code, 400, message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message: string) {
    super(code, 404, message);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(code, 409, message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = "Sign in, or send an API key as HTTP Basic credentials (keyId:secret).") {
    super("unauthorized", 401, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = "Your role does not allow this.") {
    super("forbidden", 403, message);
  }
}

/**
 * The PostgreSQL error in an error's cause chain (drizzle wraps driver errors): the first with a
 * SQLSTATE `code`, as postgres.js and PGlite both report it.
 */
export function databaseErrorOf(error: unknown): { code: string; message: string; constraint?: string } | null {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      const constraint = candidate.constraint ?? candidate.constraint_name;
      return { code: candidate.code, message: String(candidate.message ?? ""), constraint: typeof constraint === "string" ? constraint : undefined };
    }
    current = candidate.cause;
  }
  return null;
}

/** A PostgreSQL unique violation (23505), of `constraint` when one is named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const found = databaseErrorOf(error);
  if (found?.code !== "23505") return false;
  return !constraint || found.constraint === constraint || found.message.includes(constraint);
}

/** A row that others still reference: 23503 (NO ACTION) or 23001 (RESTRICT). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = databaseErrorOf(error)?.code;
  return code === "23503" || code === "23001";
}

/**
 * PostgreSQL rolled the transaction back to break a deadlock (40P01) or because it could not be
 * serialised (40001). Nothing of it was kept, so running it again is safe, and usually succeeds.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = databaseErrorOf(error)?.code;
  return code === "40P01" || code === "40001";
}
