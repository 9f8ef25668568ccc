import { z } from "zod";

/**
 * The audit log's filters (`?actor=&action=&from=&to=`) and cursor, shared by the REST query
 * schema (lib/audit-log-queries.ts, which adds `limit`) and the Settings page's filter form;
 * messages are catalogue keys. It runs in the browser too, so it imports nothing from the server.
 */

/** Rows a page when the caller names no limit. */
export const AUDIT_PAGE_DEFAULT = 50;

/** The families of actions the log holds, for the page's action filter. */
export const AUDIT_ACTION_PREFIXES = ["auth.", "operator.", "api_key.", "channel.", "user.", "import."] as const;

/**
 * How a filter value matches: a value ending in `*` matches as a prefix (without the `*`), and so
 * does a namespace ending in `.` or `:` ("auth.", "api_key:"), which no whole action or actor
 * ends with; anything else matches exactly.
 */
export function filterMatch(value: string): { kind: "exact" | "prefix"; value: string } {
  if (value.endsWith("*")) return { kind: "prefix", value: value.slice(0, -1) };
  if (value.endsWith(".") || value.endsWith(":")) return { kind: "prefix", value };
  return { kind: "exact", value };
}

/**
 * The cursor is the last row's (at, id). `at` keeps PostgreSQL's microseconds, which a JS Date
 * would round away, and rows a microsecond apart would then be skipped or repeated.
 */
export interface AuditCursor {
  at: string;
  id: string;
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const CURSOR_ID = /^[1-9]\d{0,17}$/;

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function encodeAuditCursor(cursor: AuditCursor): string {
  return base64url(`${cursor.at}|${cursor.id}`);
}

/** The cursor, or null when the text is not one this module wrote (never a database error). */
export function decodeAuditCursor(text: string): AuditCursor | null {
  if (!/^[A-Za-z0-9_-]{1,96}$/.test(text)) return null;
  let plain: string;
  try {
    plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const [at, id, ...rest] = plain.split("|");
  if (rest.length || !at || !id || !CURSOR_AT.test(at) || !CURSOR_ID.test(id)) return null;
  // Rejects impossible dates (February 30th) that PostgreSQL would refuse with an error.
  const millis = at.slice(0, 23);
  const parsed = new Date(millis + "Z");
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 23) !== millis || at.startsWith("0000")) return null;
  return { at, id };
}

/** A blank value ("?actor=", an empty form field) means "no filter". */
const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** A query-string value: a string, or an array of them when the key was repeated, which is refused. */
const text = () => z.string({ error: "errors.query_repeated" });

/** Control characters match no actor or action, and PostgreSQL refuses a NUL in text outright. */
const CONTROL = /[\u0000-\u001f\u007f]/;

const filterText = (max: number) =>
  z.preprocess(
    blankToUndefined,
    text()
      .trim()
      .max(max, { error: "errors.audit_filter_too_long" })
      .refine((value) => !CONTROL.test(value), { error: "errors.audit_filter_invalid" })
      .optional(),
  );

/** PostgreSQL's timestamps run from year 1; year 0 would fail in the database, not here. */
function inDatabaseRange(iso: string): boolean {
  const year = new Date(iso).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

const instant = z.preprocess(
  blankToUndefined,
  text()
    .pipe(z.iso.datetime({ offset: true, error: "errors.audit_time_invalid", abort: true }).refine(inDatabaseRange, { error: "errors.audit_time_invalid" }))
    .optional(),
);

/** The filters, as the REST query string and the Settings page's form both give them. */
export const auditLogFilterFields = z.object({
  /** "operator:alice@example.com" exactly, or a prefix ("operator:", "api_key:ak_12*"). */
  actor: filterText(300),
  /** "channel.update" exactly, or a prefix ("auth.", "channel.*"). */
  action: filterText(100),
  /** Inclusive lower bound, an ISO time with its offset. */
  from: instant,
  /** Exclusive upper bound. */
  to: instant,
});

export const fromBeforeTo = (q: { from?: string; to?: string }) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to);
export const toAfterFrom = { path: ["to"], error: "errors.audit_time_order" };

/** The filters alone: what the Settings page checks before it asks the server. */
export const auditLogFilterSchema = auditLogFilterFields.refine(fromBeforeTo, toAfterFrom);

/** `cursor`: a nextCursor this list gave out, as it gave it. */
export const auditCursorText = z.preprocess(
  blankToUndefined,
  text()
    .refine((c) => decodeAuditCursor(c) !== null, { error: "errors.cursor_invalid" })
    .optional(),
);

/** What listAuditLog takes: the query string's fields, as the REST contract names them. */
export interface AuditLogOptions {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

export type AuditLogFilter = z.output<typeof auditLogFilterSchema>;

export interface AuditLogItem {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  address: string | null;
}

export interface AuditLogPage {
  items: AuditLogItem[];
  nextCursor: string | null;
}
