import { z } from "zod";
import { isStoredUserid } from "@/lib/contacts/contact-queries";
import { validateUserid } from "@/lib/contacts/import/userid";
import { normalizePhone } from "@/lib/contacts/phone";
import { MESSAGE_STATES } from "@/lib/messages/message-state";

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

/** `limit` of a list with its own largest page (the message list answers up to 500); `error` states the range. */
export function pageLimitUpTo(defaultSize: number, max: number, error: string) {
  return optional(
    queryValue
      .regex(/^[0-9]{1,6}$/, { error })
      .transform(Number)
      .pipe(z.number().min(1, { error }).max(max, { error })),
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
 * `cursor` of the send list, keyset-paged by (created_at, id): the creation time of the previous
 * page's last send to the microsecond (a millisecond cursor would skip sends made within the same
 * millisecond) and its id, as `2026-03-01T08:00:00.123456Z_<uuid>`.
 */
const SEND_CURSOR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const sendCursor = optional(
  queryValue.transform((raw, ctx) => {
    const match = SEND_CURSOR.exec(raw);
    // The date must exist as written (no 30 February) and lie within the years PostgreSQL holds.
    const at = match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}.${match[7]!.slice(0, 3)}Z`) : null;
    if (!match || !at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 19) !== raw.slice(0, 19) || at.getUTCFullYear() < 1) {
      ctx.issues.push({ code: "custom", message: "errors.cursor_invalid", input: raw });
      return z.NEVER;
    }
    return { at: raw.slice(0, 27), id: match[8]! };
  }),
);

/** A uuid in the query string (`sendId=`). */
export const uuidQuery = optional(queryValue.pipe(z.guid({ error: "errors.id_invalid" })));

/** A message state in the query string (`status=`). */
export const messageStatusQuery = optional(queryValue.pipe(z.enum(MESSAGE_STATES, { error: "errors.message_status_invalid" })));

/** A phone number in the query string, normalised as stored (`+86 138-0013-8000` finds `13800138000`). */
export const phoneQuery = optional(
  queryValue.transform((raw, ctx) => {
    const checked = normalizePhone(raw);
    if (checked.ok) return checked.phone;
    ctx.issues.push({ code: "custom", message: "errors.phone_filter_invalid", input: raw });
    return z.NEVER;
  }),
);

/** A userid in the query string, by the userid rule (trimmed). */
export const useridQuery = optional(
  queryValue.transform((raw, ctx) => {
    const checked = validateUserid(raw);
    if (checked.ok) return checked.userid;
    ctx.issues.push({ code: "custom", message: "errors.userid_invalid", input: raw });
    return z.NEVER;
  }),
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

/** A bigserial id segment (messages), in decimal: 1 to 2^63 − 1. */
export const bigintIdParam = z
  .string({ error: "errors.message_id_invalid" })
  .refine((id) => /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= BIGINT_MAX, { error: "errors.message_id_invalid" })
  .transform((id) => BigInt(id));

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
