import { z } from "zod";
import { isStoredUserid } from "@/lib/contacts/contact-queries";
import { validateUserid } from "@/lib/contacts/import/userid";

/**
 * The zod pieces REST routes build their `query` and `params` schemas from (see apiRoute), so
 * every list reads `limit`, `cursor` and `q` by the same rules and no query-string or path value
 * reaches the database unchecked. Messages are catalogue keys (lib/i18n/messages/*.json).
 *
 * Query values arrive as strings, or as an array of strings when the key was repeated
 * (`?limit=1&limit=2`): a repeated key is refused rather than resolved, since which of two
 * values a proxy and the console would each pick is exactly what must not be left to chance.
 */

/** The largest page any list answers; errors.limit_range states it. */
export const MAX_PAGE_SIZE = 200;

const queryValue = z.string({ error: "errors.query_repeated" });

/** An empty value (`?cursor=`, what a form sends for an empty field) means the parameter is absent. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

/** `limit`: a whole number from 1 to MAX_PAGE_SIZE, written in digits only ("1.5", "1e2", "-1" are refused). */
export function pageLimit(defaultSize: number) {
  return optional(
    queryValue
      .regex(/^[0-9]{1,6}$/, { error: "errors.limit_range" })
      .transform(Number)
      .pipe(z.number().min(1, { error: "errors.limit_range" }).max(MAX_PAGE_SIZE, { error: "errors.limit_range" })),
  ).transform((limit) => limit ?? defaultSize);
}

/** `cursor` of lists keyset-paged by userid: the last userid of the previous page. */
export const useridCursor = optional(queryValue.refine(isStoredUserid, { error: "errors.cursor_invalid" }));

const BIGINT_MAX = 2n ** 63n - 1n;

/** `cursor` of lists keyset-paged by a bigserial id: the last id of the previous page, in decimal. */
export const idCursor = optional(
  queryValue.refine((id) => /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= BIGINT_MAX, { error: "errors.cursor_invalid" }),
);

/**
 * `cursor` of lists keyset-paged by a creation time: the ISO time (UTC, "…Z") the previous page
 * ended at. Years outside 1–9999 are refused here: PostgreSQL would refuse them with an error.
 */
export const timeCursor = optional(
  queryValue
    .pipe(z.iso.datetime({ error: "errors.cursor_invalid" }))
    .transform((iso) => new Date(iso))
    .refine((at) => at.getUTCFullYear() >= 1 && at.getUTCFullYear() <= 9999, { error: "errors.cursor_invalid" }),
);

/**
 * `q`, a search by userid or phone prefix: trimmed; blank means no search. A prefix of a userid
 * follows the userid rule (at most 64 characters, no control characters), and so does any phone
 * prefix, so that rule is the search text's rule too.
 */
export const searchText = optional(
  queryValue.trim().transform((q, ctx) => {
    if (q === "") return undefined;
    if (!validateUserid(q).ok) {
      ctx.issues.push({ code: "custom", message: "errors.search_text_invalid", input: q });
      return z.NEVER;
    }
    return q;
  }),
);

/**
 * The query schema of a route that reads no query string. Unknown keys are ignored here as in
 * every query schema (z.object drops them): browsers, caches and client libraries add their own
 * (`_=` cache busters, tracking tags), and refusing those would break callers for nothing.
 */
export const noQuery = z.object({});

// Path segments. Next.js hands them over decoded once ("a%2541" arrives as "a%41").

/** A uuid segment (imports, operators). */
export const uuidParam = z.guid({ error: "errors.id_invalid" });

/** A userid segment: the userid rule; surrounding spaces are dropped as the import drops them. */
export const useridParam = z.string({ error: "errors.userid_invalid" }).transform((raw, ctx) => {
  const checked = validateUserid(raw);
  if (checked.ok) return checked.userid;
  ctx.issues.push({ code: "custom", message: "errors.userid_invalid", input: raw });
  return z.NEVER;
});

/**
 * Keys the console generates: channel keys (10 lowercase letters and digits) and API key ids
 * ("ak_" and 16 hex digits). The rule is a little wider than what is generated today, so it only
 * keeps out what could never name one.
 */
const GENERATED_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export const channelKeyParam = z.string({ error: "errors.channel_key_invalid" }).regex(GENERATED_KEY, { error: "errors.channel_key_invalid" });

export const apiKeyIdParam = z.string({ error: "errors.api_key_id_invalid" }).regex(GENERATED_KEY, { error: "errors.api_key_id_invalid" });

/** Whether a text could be an API key id (the user part of Basic credentials). */
export function couldBeApiKeyId(text: string): boolean {
  return GENERATED_KEY.test(text);
}
