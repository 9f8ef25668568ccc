import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { auditLog, providers, receiptCodes } from "@/lib/db/schema";
import { DICTIONARY_AUDIT_ACTIONS } from "./audit-actions";
import { seedCodesFor } from "./receipt-code-seeds";

/**
 * Gives every provider that has no receipt codes yet its seed dictionary (receipt-code-seeds.ts).
 * Run after the migrations at every start, and idempotent: a provider with codes is left alone,
 * so an operator's deletions are not undone, and so is a provider whose dictionary an operator
 * emptied on purpose (the audit log records every change to a dictionary). Concurrent starts
 * (several processes on one PostgreSQL) insert the same rows; the primary key keeps one of each.
 */
export async function seedReceiptCodes(db: Db): Promise<{ seeded: string[] }> {
  const rows = await db
    .select({ id: providers.id, kind: providers.kind, codes: count(receiptCodes.code) })
    .from(providers)
    .leftJoin(receiptCodes, eq(receiptCodes.providerId, providers.id))
    .groupBy(providers.id, providers.kind);
  const empty = rows.filter((row) => row.codes === 0);
  if (empty.length === 0) return { seeded: [] };
  const touched = await db
    .selectDistinct({ target: auditLog.target })
    .from(auditLog)
    .where(and(inArray(auditLog.action, [...DICTIONARY_AUDIT_ACTIONS]), inArray(auditLog.target, empty.map((row) => row.id))));
  const emptiedByOperator = new Set(touched.map((row) => row.target));
  const toSeed = empty.filter((provider) => !emptiedByOperator.has(provider.id));
  // One statement for all of them (a fresh database seeds five providers): start-up, and every test database, stay quick.
  await insertSeedCodes(db, toSeed);
  return { seeded: toSeed.map((provider) => provider.id) };
}

/**
 * Inserts providers' seed codes, leaving any code they already have as it is. The rows travel as
 * one JSON parameter (a few hundred rows as thousands of bind parameters parse much slower).
 */
export async function insertSeedCodes(db: Db, list: readonly { id: string; kind: "cmpp" | "jsms" }[]): Promise<void> {
  const rows = list.flatMap((provider) =>
    seedCodesFor(provider).map((row) => ({
      provider_id: provider.id,
      code: row.code,
      outcome: row.outcome,
      category: row.category,
      description_en: row.description,
      description_zh: row.descriptionZh,
    })),
  );
  if (rows.length === 0) return;
  await db.execute(sql`
    insert into receipt_codes (provider_id, code, outcome, category, description_en, description_zh, updated_by)
    select provider_id, code, outcome, category, description_en, description_zh, 'system:seed'
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(provider_id text, code text, outcome text, category text, description_en text, description_zh text)
    on conflict (provider_id, code) do nothing`);
}

/** For tests and the CLI: how many codes each provider has. */
export async function codeCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ id: receiptCodes.providerId, n: sql<number>`count(*)::int` })
    .from(receiptCodes)
    .groupBy(receiptCodes.providerId);
  return new Map(rows.map((row) => [row.id, Number(row.n)]));
}
