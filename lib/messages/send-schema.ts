import { z } from "zod";

/**
 * The body of POST /api/v1/messages (and of …/preview, which ignores `idempotencyKey`): one zod
 * schema for the compose form and the server. It checks the shape only; which recipients are
 * refused (a malformed phone, a duplicate) and whether the channel takes text or a template are
 * the server's to say, since they need the normaliser and the channel. Messages are catalogue keys
 * ("errors.…"). Nothing here may import Node modules: it runs in the browser too.
 */

/** Most userids or phones one send may list. */
export const MAX_LISTED_RECIPIENTS = 1_000_000;
/** Longest text an operator may write, in characters (code points), before any default signature. */
export const MAX_TEXT_CHARACTERS = 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
export const MAX_TEMPLATE_PARAMS = 100;
export const MAX_TEMPLATE_PARAM_NAME_LENGTH = 64;
export const MAX_TEMPLATE_PARAM_VALUE_LENGTH = 1000;

/**
 * Largest body of POST /api/v1/messages and …/preview: a million listed recipients of up to
 * 20-odd characters, quoted and separated, fit.
 */
export const SEND_BODY_MAX_BYTES = 24 * 1024 * 1024;
/** Largest audience file (POST /api/v1/messages/audience-file), and its most data rows. */
export const AUDIENCE_FILE_MAX_BYTES = 10 * 1024 * 1024;
export const AUDIENCE_FILE_MAX_ROWS = MAX_LISTED_RECIPIENTS;
/** Largest page of GET /api/v1/messages. */
export const MAX_MESSAGE_PAGE = 500;

/** The audience fields, exactly one of which a request gives. */
export const AUDIENCE_FIELDS = ["userids", "phones", "audience"] as const;

// Channel keys are generated (10 lowercase letters and digits); the rule only keeps out what could never be one.
export const CHANNEL_KEY = /^[A-Za-z0-9_-]{1,64}$/;
// Printable ASCII, space included: what a UUID, a request id or an order number is written in.
export const IDEMPOTENCY_KEY = new RegExp(`^[\\x20-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);

/** Code points, so an emoji or a Chinese character counts as one, as a person counts. */
export function countCharacters(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** C0 controls and DEL, except tab and line breaks, which an SMS may carry. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

const positiveId = (error: string) => z.number({ error }).int({ error }).positive({ error }).max(Number.MAX_SAFE_INTEGER, { error });

const recipientList = z
  .array(z.string({ error: "errors.recipient_not_text" }), { error: "errors.recipients_not_list" })
  .min(1, { error: "errors.recipients_empty" })
  .max(MAX_LISTED_RECIPIENTS, { error: "errors.too_many_recipients" });

const text = z
  .string({ error: "errors.text_required" })
  .refine((value) => value.trim() !== "", { error: "errors.text_required", abort: true })
  // A length far past the limit is refused before its characters are counted.
  .refine((value) => value.length <= MAX_TEXT_CHARACTERS * 2 && countCharacters(value) <= MAX_TEXT_CHARACTERS, {
    error: "errors.text_too_long",
    abort: true,
  })
  .refine((value) => !hasControlCharacter(value), { error: "errors.text_control_character" });

const template = z.strictObject(
  {
    id: positiveId("errors.template_id_invalid"),
    params: z
      .record(
        z.string().min(1, { error: "errors.template_param_name" }).max(MAX_TEMPLATE_PARAM_NAME_LENGTH, { error: "errors.template_param_name" }),
        z.string({ error: "errors.template_param_value" }).max(MAX_TEMPLATE_PARAM_VALUE_LENGTH, { error: "errors.template_param_value" }),
        { error: "errors.template_params_invalid" },
      )
      .refine((params) => Object.keys(params).length <= MAX_TEMPLATE_PARAMS, { error: "errors.template_params_too_many" })
      .optional(),
    signId: positiveId("errors.sign_id_invalid").optional(),
  },
  { error: "errors.template_invalid" },
);

export const sendRequestSchema = z
  .strictObject({
    channelKey: z.string({ error: "errors.channel_key_invalid" }).regex(CHANNEL_KEY, { error: "errors.channel_key_invalid" }),
    userids: recipientList.optional(),
    phones: recipientList.optional(),
    audience: z.literal("everyone", { error: "errors.audience_invalid" }).optional(),
    text: text.optional(),
    template: template.optional(),
    idempotencyKey: z.string({ error: "errors.idempotency_key_format" }).regex(IDEMPOTENCY_KEY, { error: "errors.idempotency_key_format" }).optional(),
  })
  .superRefine((body, ctx) => {
    const given = AUDIENCE_FIELDS.filter((field) => body[field] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: "custom", path: ["audience"], message: "errors.audience_required" });
    if (given.length > 1) for (const field of given) ctx.addIssue({ code: "custom", path: [field], message: "errors.audience_one_only" });
    if (body.text === undefined && body.template === undefined) ctx.addIssue({ code: "custom", path: ["text"], message: "errors.content_required" });
    if (body.text !== undefined && body.template !== undefined) ctx.addIssue({ code: "custom", path: ["template"], message: "errors.content_one_only" });
  });

export type SendRequest = z.infer<typeof sendRequestSchema>;

export type AudienceKind = "userids" | "phones" | "everyone";

/** Which audience a parsed request names. */
export function audienceKindOf(request: Pick<SendRequest, "userids" | "phones">): AudienceKind {
  if (request.userids !== undefined) return "userids";
  if (request.phones !== undefined) return "phones";
  return "everyone";
}
