import { z } from "zod";
import { validateUserid } from "@/lib/contacts/import/userid";
import { normalizePhone } from "@/lib/contacts/phone";
import { MESSAGE_STATES, type MessageState } from "@/lib/messages/message-states";
import { UNCLASSIFIED, type LossCategory } from "@/lib/messages/stats/stats-types";
import { OUTCOME_CATEGORIES } from "@/lib/sender/outcome";

/**
 * The message list's filters, one schema for the REST list, the export and the Messages page
 * (which keeps them in its address, so the loss analysis can link to a filtered list). Values
 * are query-string text; messages are catalogue keys. It runs in the browser too, so it imports
 * nothing from the server.
 *
 *   status      one state, or several separated by commas (`failed,expired`)
 *   channelKey  the channel
 *   provider    providers.id: every channel of that provider
 *   sendId      the send
 *   userid      the userid, exactly
 *   phone       a number, normalised as stored and matched exactly; ending in `*`, a prefix of one
 *   category    the failure category as read now (the provider's receipt codes, else the
 *               console's own reasons; "unclassified" for codes neither knows)
 *   code        the raw error code, exactly
 *   from, to    creation time, from (included) to (excluded), ISO 8601 with an offset
 *   cursor      the previous page's nextCursor; limit 1–500 (50)
 */

export const MESSAGE_LIST_DEFAULT_LIMIT = 50;
/** The REST list has always answered up to 500 a page. */
export const MESSAGE_LIST_MAX_LIMIT = 500;

/** Every category a message can be filtered by: the outcome categories and "unclassified". */
export const MESSAGE_LIST_CATEGORIES: readonly LossCategory[] = [...OUTCOME_CATEGORIES, UNCLASSIFIED];

/** The filter keys, in the order links and the export's query string write them. */
export const MESSAGE_LIST_FILTER_KEYS = ["status", "channelKey", "provider", "sendId", "userid", "phone", "category", "code", "from", "to"] as const;
export type MessageListFilterKey = (typeof MESSAGE_LIST_FILTER_KEYS)[number];

/** A query-string value: a string, or an array when the key was repeated, which is refused. */
const text = () => z.string({ error: "errors.query_repeated" });

/** A blank value (`?status=`, an empty form field) means "no filter". */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema.optional());
}

const STATES = new Set<string>(MESSAGE_STATES);

const statusList = text().transform((raw, ctx) => {
  const states = [...new Set(raw.split(",").map((s) => s.trim()))];
  if (states.some((s) => !STATES.has(s))) {
    ctx.issues.push({ code: "custom", message: "messageList.errors.status_invalid", input: raw });
    return z.NEVER;
  }
  return states as MessageState[];
});

/** What channel keys and provider ids are made of (generated keys, preset and generated provider ids). */
const KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A phone number exactly (normalised as stored), or a prefix of one ending in `*` (`138*`, `+44*`). */
const PHONE_PREFIX = /^\+?[0-9]{1,15}\*$/;

const phoneFilter = text().transform((raw, ctx) => {
  const value = raw.trim();
  if (value.endsWith("*")) {
    const compact = value.replace(/[\s-]/g, "");
    if (PHONE_PREFIX.test(compact)) return compact;
  } else {
    const checked = normalizePhone(value);
    if (checked.ok) return checked.phone;
  }
  ctx.issues.push({ code: "custom", message: "messageList.errors.phone_invalid", input: raw });
  return z.NEVER;
});

const useridFilter = text().transform((raw, ctx) => {
  const checked = validateUserid(raw);
  if (checked.ok) return checked.userid;
  ctx.issues.push({ code: "custom", message: "errors.userid_invalid", input: raw });
  return z.NEVER;
});

/** Raw codes are short printable text ("UNDELIV", "MK:0001", "4002", "submit_result:8"). */
const CODE = /^[\x21-\x7e]{1,64}$/;

/** PostgreSQL's timestamps run from year 1; anything outside would fail in the database, not here. */
function inDatabaseRange(iso: string): boolean {
  const year = new Date(iso).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/** An instant, given as ISO 8601 with its offset; answered as the same instant in UTC ("…Z"). */
const instant = text()
  .pipe(z.iso.datetime({ offset: true, error: "messageList.errors.time_invalid", abort: true }))
  .refine(inDatabaseRange, { error: "messageList.errors.time_invalid" })
  .transform((iso) => new Date(iso).toISOString());

const BIGINT_MAX = 2n ** 63n - 1n;

/** The cursor is the last id of the previous page, in decimal; callers pass it on as given. */
const cursorText = text().refine((id) => /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= BIGINT_MAX, { error: "errors.cursor_invalid" });

const limitText = text()
  .regex(/^[0-9]{1,6}$/, { error: "errors.message_limit_range" })
  .transform(Number)
  .pipe(z.number().min(1, { error: "errors.message_limit_range" }).max(MESSAGE_LIST_MAX_LIMIT, { error: "errors.message_limit_range" }));

/** The filters alone (what the page and the export take). */
export const messageListFilterFields = z.object({
  status: optional(statusList),
  channelKey: optional(text().trim().regex(KEY, { error: "errors.channel_key_invalid" })),
  provider: optional(text().trim().regex(KEY, { error: "messageList.errors.provider_invalid" })),
  sendId: optional(text().trim().pipe(z.guid({ error: "errors.id_invalid" }))),
  userid: optional(useridFilter),
  phone: optional(phoneFilter),
  category: optional(text().pipe(z.enum(MESSAGE_LIST_CATEGORIES as [LossCategory, ...LossCategory[]], { error: "messageList.errors.category_invalid" }))),
  code: optional(text().trim().regex(CODE, { error: "messageList.errors.code_invalid" })),
  from: optional(instant),
  to: optional(instant),
});

const fromBeforeTo = (q: { from?: string; to?: string }) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to);
const toAfterFrom = { path: ["to"], error: "messageList.errors.time_order" };

export const messageListFilterSchema = messageListFilterFields.refine(fromBeforeTo, toAfterFrom);

export type MessageListFilter = z.output<typeof messageListFilterFields>;

/** The REST list's query string: the filters, `cursor` and `limit`. */
export const messageListQuerySchema = messageListFilterFields
  .extend({
    cursor: optional(cursorText),
    limit: optional(limitText).transform((limit) => limit ?? MESSAGE_LIST_DEFAULT_LIMIT),
  })
  .refine(fromBeforeTo, toAfterFrom);

export type MessageListQuery = z.output<typeof messageListQuerySchema>;

export const EXPORT_FORMATS = ["csv", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The export's query string: `format` and the filters (an export is the whole filtered list, never a page). */
export const messageExportQuerySchema = messageListFilterFields
  .extend({ format: z.enum(EXPORT_FORMATS, { error: "messageList.errors.format_invalid" }) })
  .refine(fromBeforeTo, toAfterFrom);

/** A phone filter's meaning: a number exactly, or a prefix. */
export function phoneMatch(phone: string): { kind: "exact" | "prefix"; value: string } {
  return phone.endsWith("*") ? { kind: "prefix", value: phone.slice(0, -1) } : { kind: "exact", value: phone };
}

/** The filters as query-string pairs, in a fixed order (for links, the export and query keys). */
export function filterToSearchParams(filter: MessageListFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of MESSAGE_LIST_FILTER_KEYS) {
    const value = filter[key];
    if (value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : value);
  }
  return params;
}

/** URLSearchParams as the schemas read them: a repeated key holds all its values (and is refused). */
export function searchParamsObject(params: URLSearchParams): Record<string, string | string[]> {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) grouped.set(key, [...(grouped.get(key) ?? []), value]);
  // fromEntries defines own properties, so "?__proto__=x" is only a key like any other.
  return Object.fromEntries([...grouped].map(([key, values]) => [key, values.length === 1 ? values[0]! : values]));
}

/** Whether a filter names anything at all. */
export function hasFilter(filter: MessageListFilter): boolean {
  return MESSAGE_LIST_FILTER_KEYS.some((key) => filter[key] !== undefined);
}
