import { and, desc, eq, like, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { parseOrThrow } from "@/lib/util/zod";
import { z } from "zod";
import { MAX_PAGE_SIZE, pageLimit } from "@/lib/api/query-schemas";
import {
  AUDIT_PAGE_DEFAULT,
  auditCursorText,
  auditLogFilterFields,
  decodeAuditCursor,
  encodeAuditCursor,
  filterMatch,
  fromBeforeTo,
  toAfterFrom,
  type AuditLogOptions,
  type AuditLogPage,
} from "./audit-log-query";

/** `GET /api/v1/audit-log?actor=&action=&from=&to=&cursor=&limit=`: the filters, the cursor, and `limit` as every list reads it. */
export const auditLogQuerySchema = auditLogFilterFields
  .extend({ cursor: auditCursorText, limit: pageLimit(AUDIT_PAGE_DEFAULT) })
  .refine(fromBeforeTo, toAfterFrom);

/** The same, for callers in lib/ that pass `limit` as a number. */
const auditLogOptionsSchema = auditLogFilterFields
  .extend({
    cursor: auditCursorText,
    limit: z
      .number({ error: "errors.limit_range" })
      .int({ error: "errors.limit_range" })
      .min(1, { error: "errors.limit_range" })
      .max(MAX_PAGE_SIZE, { error: "errors.limit_range" })
      .default(AUDIT_PAGE_DEFAULT),
  })
  .refine(fromBeforeTo, toAfterFrom);

type AuditLogQueryParsed = z.output<typeof auditLogOptionsSchema>;

/** `%`, `_` and `\` typed by an admin are matched as themselves, not as LIKE wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

function matching(column: AnyColumn, value: string): SQL | undefined {
  const match = filterMatch(value);
  if (match.kind === "exact") return eq(column, match.value);
  return match.value === "" ? undefined : like(column, escapeLike(match.value) + "%");
}

/** `at` as text with PostgreSQL's microseconds, for the cursor (a JS Date keeps milliseconds). */
const atText = sql<string>`to_char(${auditLog.at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The audit log, newest first, keyset-paged on (at, id): rows written in the same microsecond are
 * ordered by id, so no page repeats or skips a row.
 */
export async function listAuditLog(db: Db, options: AuditLogOptions = {}): Promise<AuditLogPage> {
  const query = parseOrThrow(auditLogOptionsSchema, options);
  const rows = await selectAuditLogPage(db, query);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      target: row.target,
      detail: row.detail,
      address: row.address,
    })),
    nextCursor: rows.length > query.limit && last ? encodeAuditCursor({ at: last.atText, id: String(last.id) }) : null,
  };
}

/**
 * One page and one row more (to tell whether there is a next page). Every filter is a condition in
 * SQL: actor and action lead the (actor, at) and (action, at) indexes, and the page bound is
 * written as `at <= cursor.at` plus a tie-break so that it narrows an index range on every plan.
 */
export function selectAuditLogPage(db: Db, query: AuditLogQueryParsed) {
  const conditions: (SQL | undefined)[] = [];
  if (query.actor) conditions.push(matching(auditLog.actor, query.actor));
  if (query.action) conditions.push(matching(auditLog.action, query.action));
  if (query.from) conditions.push(sql`${auditLog.at} >= ${query.from}::timestamptz`);
  if (query.to) conditions.push(sql`${auditLog.at} < ${query.to}::timestamptz`);
  const cursor = query.cursor ? decodeAuditCursor(query.cursor) : null;
  if (cursor) {
    const at = sql`${cursor.at}::timestamptz`;
    conditions.push(sql`${auditLog.at} <= ${at}`, sql`(${auditLog.at} < ${at} or ${auditLog.id} < ${cursor.id}::bigint)`);
  }
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      atText,
      actor: auditLog.actor,
      action: auditLog.action,
      target: auditLog.target,
      detail: auditLog.detail,
      address: auditLog.address,
    })
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(query.limit + 1);
}
