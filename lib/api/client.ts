import type { Reason, ReasonParams } from "@/lib/i18n/reason";

/**
 * The console's browser-side calls to its own REST API (session cookie auth). Errors come back
 * as ApiError with the contract's code and per-field details, so forms can show them in place.
 */
export interface ApiErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[],
    /** The answer's `messageKey` and `messageParams`: the message in the operator's language, particulars included. */
    readonly reason?: Reason,
  ) {
    super(message);
  }
}

/** The error object of an answer, as the REST API sends it (lib/api/error-response.ts). */
export interface ApiErrorBody {
  code?: string;
  message?: string;
  details?: ApiErrorDetail[];
  messageKey?: string;
  messageParams?: ReasonParams;
}

/** An ApiError from an error answer's body (fetch, XMLHttpRequest), whatever of it came. */
export function apiErrorOf(status: number, error: ApiErrorBody | undefined, statusText: string): ApiError {
  const reason = typeof error?.messageKey === "string" ? { key: error.messageKey, params: error.messageParams ?? {} } : undefined;
  return new ApiError(status, error?.code ?? `http_${status}`, error?.message ?? statusText, error?.details ?? [], reason);
}

export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers: init.body === undefined ? undefined : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: "same-origin",
  });
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => null)) as { error?: ApiErrorBody } | null;
  if (!response.ok) throw apiErrorOf(response.status, payload?.error, response.statusText);
  return payload as T;
}
