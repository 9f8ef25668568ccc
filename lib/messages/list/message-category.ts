import { sql, type SQL } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import { categoryOf, codeCategorySql } from "@/lib/messages/stats/code-category";
import { LOSS_STATES } from "@/lib/messages/stats/range-cells";
import type { LossCategory } from "@/lib/messages/stats/stats-types";

/**
 * A message's failure category as the list shows and filters it, read when asked (an edit of a
 * provider's receipt codes re-classifies past messages at once): the one rule of
 * lib/messages/stats/code-category.ts, applied to messages that have a code, or that ended lost
 * without one (a failed message without a code counts as "unknown", an expired one as "expired").
 * Messages still on their way, delivered or cancelled without a code have no category.
 */
const LOSS_LIST = sql.raw(LOSS_STATES.map((s) => `'${s}'`).join(", "));

/** The rule as SQL over a message's code and state and its channel's provider id (see channelProviderSql). */
export function messageCategorySql(providerIdExpr: SQL, codeExpr: SQL, statusExpr: SQL): SQL {
  return sql`(case when coalesce(${codeExpr}, '') = '' and ${statusExpr} not in (${LOSS_LIST}) then null
    else ${codeCategorySql(providerIdExpr, codeExpr, statusExpr)} end)`;
}

/** The provider's receipt-code dictionaries, for classifying many rows without a lookup each. */
export type CodeDictionary = Map<string, string>;

const dictionaryKey = (providerId: string, code: string) => `${providerId}\u0000${code}`;

export async function loadCodeDictionary(db: Db): Promise<CodeDictionary> {
  const rows = await executeRows<{ providerId: string; code: string; category: string }>(
    db,
    sql`select provider_id as "providerId", code, category from receipt_codes`,
  );
  return new Map(rows.map((r) => [dictionaryKey(r.providerId, r.code), r.category]));
}

/** The same rule in JavaScript, with the dictionaries loaded once. */
export function messageCategory(dictionary: CodeDictionary, providerId: string, code: string | null, status: string): LossCategory | null {
  if (!code && !(LOSS_STATES as readonly string[]).includes(status)) return null;
  return categoryOf(code, code ? dictionary.get(dictionaryKey(providerId, code)) : undefined, status);
}

/**
 * The raw codes present in messages, read with a skip scan of the error_code index (one probe per
 * distinct code, however many messages carry each).
 */
export async function codesPresent(db: Db): Promise<string[]> {
  const rows = await executeRows<{ code: string }>(
    db,
    sql`with recursive c(code) as (
          (select error_code from messages where error_code is not null order by error_code limit 1)
          union all
          select (select m.error_code from messages m where m.error_code > c.code order by m.error_code limit 1) from c where c.code is not null)
        select code from c where code is not null`,
  );
  return rows.map((r) => r.code);
}

/** The dictionaries' rows for some codes (those of a page, those present). */
export async function loadCodeDictionaryFor(db: Db, codes: readonly string[]): Promise<CodeDictionary> {
  if (codes.length === 0) return new Map();
  const rows = await executeRows<{ providerId: string; code: string; category: string }>(
    db,
    sql`select provider_id as "providerId", code, category from receipt_codes where code = any(${arrayParam(codes, "text")})`,
  );
  return new Map(rows.map((r) => [dictionaryKey(r.providerId, r.code), r.category]));
}
