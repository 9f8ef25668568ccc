import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { receiptCodes } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import { actorLabel, type Actor } from "@/lib/auth/actor";
import { NotFoundError } from "@/lib/util/errors";
import { parseOrThrow } from "@/lib/util/zod";
import type { OutcomeCategory } from "@/lib/sender/outcome";
import type { DictionaryAuditAction } from "./audit-actions";
import { findProviderRow } from "./provider-service";
import { receiptCodeField, receiptCodeListSchema, receiptCodeSchema, type ReceiptCodeRow, type ReceiptOutcome } from "./receipt-code-schema";

/** A dictionary row as the console and the REST API show it (`description` is the English text). */
export interface ReceiptCodeView {
  code: string;
  outcome: ReceiptOutcome;
  category: OutcomeCategory;
  description: string;
  descriptionZh: string;
  updatedAt: string;
  /** Who changed it last ("operator:…", "api_key:…", "system:seed"). */
  updatedBy: string | null;
}

export interface CodeFilter {
  /** Part of the code, case-insensitive. */
  q?: string;
  category?: OutcomeCategory;
}

type Row = typeof receiptCodes.$inferSelect;

function toView(row: Row): ReceiptCodeView {
  return {
    code: row.code,
    outcome: row.outcome,
    category: row.category as OutcomeCategory,
    description: row.descriptionEn,
    descriptionZh: row.descriptionZh,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
  };
}

/** What the audit log keeps of a row: enough to see what changed, and to undo it by hand. */
function auditShape(row: Pick<ReceiptCodeRow, "outcome" | "category" | "description" | "descriptionZh">) {
  return { outcome: row.outcome, category: row.category, description: row.description, descriptionZh: row.descriptionZh };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A provider's dictionary in code order, optionally narrowed by part of the code and by category. */
export async function getProviderCodes(db: Db, providerId: string, filter: CodeFilter = {}): Promise<ReceiptCodeView[]> {
  await findProviderRow(db, providerId);
  const conditions: SQL[] = [eq(receiptCodes.providerId, providerId)];
  if (filter.q) conditions.push(sql`${receiptCodes.code} ilike ${likePattern(filter.q)}`);
  if (filter.category) conditions.push(eq(receiptCodes.category, filter.category));
  const rows = await db
    .select()
    .from(receiptCodes)
    .where(and(...conditions))
    .orderBy(asc(receiptCodes.code));
  return rows.map(toView);
}

function valuesOf(providerId: string, row: ReceiptCodeRow, actor: Actor, now: Date) {
  return {
    providerId,
    code: row.code,
    outcome: row.outcome,
    category: row.category,
    descriptionEn: row.description,
    descriptionZh: row.descriptionZh,
    updatedAt: now,
    updatedBy: actorLabel(actor),
  };
}

const INSERT_CHUNK = 500;

/** What a whole-dictionary write changed, by code (the audit detail and the import's answer). */
export interface DictionaryChange {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/** At most this many codes are named in an audit row per kind of change; the counts are always whole. */
const AUDIT_CODES_LISTED = 50;

function sameRow(a: Row, b: ReceiptCodeRow): boolean {
  return a.outcome === b.outcome && a.category === b.category && a.descriptionEn === b.description && a.descriptionZh === b.descriptionZh;
}

/**
 * Writes `items` into the provider's dictionary inside the caller's transaction: `replace` makes
 * it exactly `items` (codes not listed are removed), `merge` adds and updates and removes nothing.
 * Rows equal to what is stored keep their updated_at and updated_by. Returns what changed.
 */
async function writeDictionary(
  tx: Db,
  providerId: string,
  items: ReceiptCodeRow[],
  mode: "replace" | "merge",
  actor: Actor,
): Promise<{ change: DictionaryChange; codes: { added: string[]; changed: string[]; removed: string[] } }> {
  const stored = new Map((await tx.select().from(receiptCodes).where(eq(receiptCodes.providerId, providerId))).map((row) => [row.code, row]));
  const given = new Set(items.map((item) => item.code));
  const added: string[] = [];
  const changed: string[] = [];
  const removed = mode === "replace" ? [...stored.keys()].filter((code) => !given.has(code)) : [];
  const writes: ReceiptCodeRow[] = [];
  for (const item of items) {
    const before = stored.get(item.code);
    if (!before) added.push(item.code);
    else if (!sameRow(before, item)) changed.push(item.code);
    else continue;
    writes.push(item);
  }
  for (let start = 0; start < removed.length; start += INSERT_CHUNK) {
    const chunk = removed.slice(start, start + INSERT_CHUNK);
    await tx.delete(receiptCodes).where(and(eq(receiptCodes.providerId, providerId), inArray(receiptCodes.code, chunk)));
  }
  const now = new Date();
  for (let start = 0; start < writes.length; start += INSERT_CHUNK) {
    await tx
      .insert(receiptCodes)
      .values(writes.slice(start, start + INSERT_CHUNK).map((row) => valuesOf(providerId, row, actor, now)))
      .onConflictDoUpdate({
        target: [receiptCodes.providerId, receiptCodes.code],
        set: {
          outcome: sql`excluded.outcome`,
          category: sql`excluded.category`,
          descriptionEn: sql`excluded.description_en`,
          descriptionZh: sql`excluded.description_zh`,
          updatedAt: sql`excluded.updated_at`,
          updatedBy: sql`excluded.updated_by`,
        },
      });
  }
  return {
    change: { added: added.length, changed: changed.length, removed: removed.length, unchanged: items.length - writes.length },
    codes: { added, changed, removed },
  };
}

function auditCodes(codes: { added: string[]; changed: string[]; removed: string[] }) {
  return {
    addedCodes: codes.added.slice(0, AUDIT_CODES_LISTED),
    changedCodes: codes.changed.slice(0, AUDIT_CODES_LISTED),
    removedCodes: codes.removed.slice(0, AUDIT_CODES_LISTED),
  };
}

/**
 * PUT semantics: the provider's dictionary becomes exactly `body.items` ({items:[row]}, checked
 * by the shared row schema; a code listed twice is refused, naming the later item). Audited with
 * the counts and the codes added, changed and removed.
 */
export async function replaceProviderCodes(db: Db, providerId: string, body: unknown, actor: Actor): Promise<ReceiptCodeView[]> {
  const { items } = parseOrThrow(receiptCodeListSchema, body);
  await db.transaction(async (tx) => {
    await findProviderRow(tx, providerId, true);
    const { change, codes } = await writeDictionary(tx, providerId, items, "replace", actor);
    await recordAudit(tx, actor, "receipt_codes.replace" satisfies DictionaryAuditAction, providerId, { ...change, ...auditCodes(codes) });
  });
  return getProviderCodes(db, providerId);
}

/**
 * A dictionary read from a file, written in one transaction: `replace` or `merge` (see
 * writeDictionary). The rows are already checked (dictionary-file.ts); audited with the file name.
 */
export async function importProviderCodes(
  db: Db,
  providerId: string,
  items: ReceiptCodeRow[],
  options: { mode: "replace" | "merge"; fileName: string },
  actor: Actor,
): Promise<DictionaryChange> {
  return db.transaction(async (tx) => {
    await findProviderRow(tx, providerId, true);
    const { change, codes } = await writeDictionary(tx, providerId, items, options.mode, actor);
    await recordAudit(tx, actor, "receipt_codes.import" satisfies DictionaryAuditAction, providerId, {
      mode: options.mode,
      fileName: options.fileName,
      rows: items.length,
      ...change,
      ...auditCodes(codes),
    });
    return change;
  });
}

/**
 * Adds or changes one code of a provider's dictionary: the Providers page's "add" and "edit", and
 * the loss analysis's "classify in place" of a code the dictionary did not know. The input is the
 * shared row schema's (`description` is the English text; `descriptionEn` is taken for it too).
 * Audited with the row before and after.
 */
export async function classifyCode(db: Db, providerId: string, input: unknown, actor: Actor): Promise<ReceiptCodeView> {
  const row = parseOrThrow(receiptCodeSchema, withEnglishAlias(input));
  return db.transaction(async (tx) => {
    await findProviderRow(tx, providerId, true);
    const [before] = await tx
      .select()
      .from(receiptCodes)
      .where(and(eq(receiptCodes.providerId, providerId), eq(receiptCodes.code, row.code)));
    const [saved] = await tx
      .insert(receiptCodes)
      .values(valuesOf(providerId, row, actor, new Date()))
      .onConflictDoUpdate({
        target: [receiptCodes.providerId, receiptCodes.code],
        set: {
          outcome: row.outcome,
          category: row.category,
          descriptionEn: row.description,
          descriptionZh: row.descriptionZh,
          updatedAt: new Date(),
          updatedBy: actorLabel(actor),
        },
      })
      .returning();
    await recordAudit(tx, actor, "receipt_code.set" satisfies DictionaryAuditAction, providerId, {
      code: row.code,
      before: before ? auditShape(toView(before)) : null,
      after: auditShape(row),
    });
    return toView(saved!);
  });
}

/** `descriptionEn` (the column's name) is accepted for `description` when that is not given. */
function withEnglishAlias(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const { descriptionEn, ...rest } = input as Record<string, unknown>;
  return rest.description === undefined && descriptionEn !== undefined ? { ...rest, description: descriptionEn } : rest;
}

/** Removes one code; a code the dictionary does not hold is a 404. Audited with what was removed. */
export async function deleteProviderCode(db: Db, providerId: string, rawCode: unknown, actor: Actor): Promise<void> {
  const code = parseOrThrow(receiptCodeField, rawCode);
  await db.transaction(async (tx) => {
    await findProviderRow(tx, providerId, true);
    const [removed] = await tx
      .delete(receiptCodes)
      .where(and(eq(receiptCodes.providerId, providerId), eq(receiptCodes.code, code)))
      .returning();
    if (!removed) throw new NotFoundError("receipt_code_not_found", `The dictionary of ${providerId} has no code ${code}.`);
    await recordAudit(tx, actor, "receipt_code.delete" satisfies DictionaryAuditAction, providerId, { code, before: auditShape(toView(removed)) });
  });
}
