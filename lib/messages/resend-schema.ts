import { z } from "zod";
import { filterToSearchParams, messageListFilterSchema, type MessageListFilter } from "./list/message-list-filter";
import { CHANNEL_KEY, IDEMPOTENCY_KEY } from "./send-schema";

/**
 * The bodies of POST /api/v1/sends/{sendId}/resend and POST /api/v1/messages/resend: one zod
 * schema for the console's forms and the server. Messages are catalogue keys. Nothing here may
 * import Node modules: it runs in the browser too.
 */

/** The states a message can be resent from: final, and not delivered. */
export const RESEND_STATES = ["failed", "expired", "unknown"] as const;
export type ResendState = (typeof RESEND_STATES)[number];

/** Largest body of either call: a few short fields, nothing that could grow. */
export const RESEND_BODY_MAX_BYTES = 16 * 1024;

/** The chosen states, each once, in the order RESEND_STATES lists them (so equal choices compare equal). */
export function canonicalStates(states: readonly ResendState[] | undefined): ResendState[] {
  const chosen = new Set(states ?? RESEND_STATES);
  return RESEND_STATES.filter((s) => chosen.has(s));
}

const states = z
  .array(z.enum(RESEND_STATES, { error: "resend.errors.state_invalid" }), { error: "resend.errors.states_invalid" })
  .min(1, { error: "resend.errors.states_empty" })
  .max(RESEND_STATES.length * 2, { error: "resend.errors.states_invalid" })
  .optional();

const resendFields = {
  channelKey: z.string({ error: "errors.channel_key_invalid" }).regex(CHANNEL_KEY, { error: "errors.channel_key_invalid" }).optional(),
  states,
  idempotencyKey: z.string({ error: "errors.idempotency_key_format" }).regex(IDEMPOTENCY_KEY, { error: "errors.idempotency_key_format" }).optional(),
};

/** POST /api/v1/sends/{sendId}/resend: `{channelKey?, states?, idempotencyKey?}`; an empty body means "all three states, same channel". */
export const resendSendBodySchema = z.strictObject(resendFields);
export type ResendSendBody = z.infer<typeof resendSendBodySchema>;

/**
 * Which messages a list resend takes (besides the states): the message list's own filters
 * (lib/messages/list/message-list-filter.ts), written as the list's query string writes them
 * (`{status: "failed,expired", channelKey, category, from, …}`), so a resend takes exactly the
 * messages the list shows. Keys the list does not filter by (cursor, limit) are ignored.
 */
export const resendFilterSchema = z
  .record(z.string(), z.string({ error: "resend.errors.filter_value_invalid" }), { error: "resend.errors.filter_invalid" })
  .transform((raw, ctx): MessageListFilter => {
    const parsed = messageListFilterSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.issues.push({ code: "custom", message: issue.message, path: issue.path, input: raw });
    return z.NEVER;
  });

/** A filter as stored and hashed: the list's query-string pairs, in the list's fixed order. */
export type StoredListFilter = Record<string, string>;

export function canonicalFilter(filter: MessageListFilter): StoredListFilter {
  return Object.fromEntries(filterToSearchParams(filter));
}

/** POST /api/v1/messages/resend: `{filter, channelKey?, states?, idempotencyKey?}`. */
export const resendMessagesBodySchema = z.strictObject({ ...resendFields, filter: resendFilterSchema });
export type ResendMessagesBody = z.output<typeof resendMessagesBodySchema>;
