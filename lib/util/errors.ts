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

/** Walks an error's cause chain (drizzle wraps driver errors) for a PostgreSQL unique violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown };
    if (candidate.code === "23505") {
      if (!constraint) return true;
      const name = candidate.constraint ?? candidate.constraint_name;
      return name === constraint || String(candidate.message ?? "").includes(constraint);
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Same walk, for a row that others still reference: 23503 (NO ACTION) or 23001 (RESTRICT). */
export function isForeignKeyViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === "23503" || code === "23001") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * PostgreSQL rolled the transaction back to break a deadlock (40P01) or because it could not be
 * serialised (40001). Nothing of it was kept, so running it again is safe, and usually succeeds.
 */
export function isTransactionConflict(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === "40P01" || code === "40001") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
