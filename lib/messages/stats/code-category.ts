/**
 * Read-time classification of a raw code: the one rule every loss figure and the message list's
 * category filter use. The category of (provider, code) is
 *   1. the provider's receipt_codes row for the code, when there is one (an operator's edit
 *      re-classifies past messages at once, since nothing is stored per message);
 *   2. else the console's own reasons (no_number_for_channel, invalid_request, submit_outcome_unknown,
 *      no_final_report, submit_result:N);
 *   3. else "unclassified": a code for the operator to classify.
 * A message without a code counts as "expired" when it expired, "delivered" when delivered, and
 * "unknown" otherwise (there is nothing to classify).
 */
import { sql, type SQL } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { submitResultCategory } from "@/lib/sender/cmpp/receipts/result-codes";
import { OUTCOME_CATEGORIES, type OutcomeCategory } from "@/lib/sender/outcome";
import { UNCLASSIFIED, type LossCategory } from "./stats-types";

export const LOSS_CATEGORIES: readonly LossCategory[] = [...OUTCOME_CATEGORIES, UNCLASSIFIED];

/** The console's own reasons and the category each means. */
export const CONSOLE_REASON_CATEGORIES: Readonly<Record<string, OutcomeCategory>> = {
  no_number_for_channel: "invalid_number",
  invalid_request: "invalid_number",
  submit_outcome_unknown: "unknown",
  no_final_report: "unknown",
};

const SUBMIT_RESULT = /^submit_result:(0|[1-9][0-9]{0,8})$/;
/** CMPP SUBMIT_RESP Result is one byte: every value its category. */
const SUBMIT_RESULT_MAX = 255;

/** The category of a code the console wrote itself, or null for a provider's code. */
export function consoleReasonCategory(code: string): OutcomeCategory | null {
  const own = Object.hasOwn(CONSOLE_REASON_CATEGORIES, code) ? CONSOLE_REASON_CATEGORIES[code] : undefined;
  if (own) return own;
  const result = SUBMIT_RESULT.exec(code);
  return result ? submitResultCategory(Number(result[1])) : null;
}

/** What a message without a code counts as. */
function codelessCategory(status: string | undefined): OutcomeCategory {
  if (status === "expired") return "expired";
  if (status === "delivered") return "delivered";
  return "unknown";
}

/**
 * The category of one code, given what the provider's dictionary says about it (its receipt_codes
 * category, or undefined/null when the dictionary has no row). `status` decides for an empty code.
 */
export function categoryOf(code: string | null | undefined, dictionaryCategory: string | null | undefined, status?: string): LossCategory {
  if (!code) return codelessCategory(status);
  if (dictionaryCategory) return dictionaryCategory as LossCategory;
  return consoleReasonCategory(code) ?? UNCLASSIFIED;
}

/** The category of one (provider, code), looking the dictionary up. */
export async function classifyCode(db: Db, providerId: string, code: string | null, status?: string): Promise<LossCategory> {
  if (!code) return codelessCategory(status);
  const [row] = await executeRows<{ category: string }>(
    db,
    sql`select category from receipt_codes where provider_id = ${providerId} and code = ${code}`,
  );
  return categoryOf(code, row?.category, status);
}

const literal = (text: string) => sql.raw(`'${text.replace(/'/g, "''")}'`);

/**
 * `case` over the Result of a submit_result:N code, compared as text (a cast could fail if the planner
 * folded it for a constant code), listing only the Results whose category is not "unknown".
 */
function submitResultCaseSql(codeExpr: SQL): SQL {
  const byCategory = new Map<OutcomeCategory, number[]>();
  for (let n = 0; n <= SUBMIT_RESULT_MAX; n++) {
    const category = submitResultCategory(n);
    if (category === "unknown") continue;
    byCategory.set(category, [...(byCategory.get(category) ?? []), n]);
  }
  const result = sql`substring(${codeExpr} from ${literal(SUBMIT_RESULT.source)})`;
  const arms = [...byCategory].map(
    ([category, results]) => sql`when ${result} in (${sql.raw(results.map((n) => `'${n}'`).join(", "))}) then ${literal(category)}`,
  );
  return sql`(case ${sql.join(arms, sql` `)} else 'unknown' end)`;
}

/**
 * The same rule as a SQL expression, for queries over many rows: `providerIdExpr` and `codeExpr`
 * are SQL expressions (a column, a parameter), `statusExpr` the message state (for messages
 * without a code; leave it out where every code is non-empty). Answers text.
 * Example: `codeCategorySql(sql\`p.provider_id\`, sql\`m.error_code\`, sql\`m.status\`)`.
 */
export function codeCategorySql(providerIdExpr: SQL, codeExpr: SQL, statusExpr?: SQL): SQL {
  const reasons = Object.entries(CONSOLE_REASON_CATEGORIES).map(([code, category]) => sql`when ${literal(code)} then ${literal(category)}`);
  const codeless = statusExpr
    ? sql`(case ${statusExpr} when 'expired' then 'expired' when 'delivered' then 'delivered' else 'unknown' end)`
    : sql`'unknown'`;
  return sql`(case when coalesce(${codeExpr}, '') = '' then ${codeless}
    else coalesce(
      (select rc.category from receipt_codes rc where rc.provider_id = ${providerIdExpr} and rc.code = ${codeExpr}),
      case ${codeExpr} ${sql.join(reasons, sql` `)}
        else case when ${codeExpr} ~ ${literal(SUBMIT_RESULT.source)} then ${submitResultCaseSql(codeExpr)} else ${literal(UNCLASSIFIED)} end
      end)
    end)`;
}

/**
 * The provider id of a channel row as SQL: "jsms" for JSMS channels, config.provider for CMPP ones
 * ("other" when a channel saved before providers existed names none). `alias` is the channels
 * table's alias in the query.
 */
export function channelProviderSql(alias: string): SQL {
  if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new Error(`not an alias: ${alias}`);
  return sql.raw(`(case when ${alias}.type = 'jsms' then 'jsms' else coalesce(nullif(${alias}.config->>'provider', ''), 'other') end)`);
}
