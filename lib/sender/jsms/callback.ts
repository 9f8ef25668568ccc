/**
 * JSMS callbacks: the signature, the freshness of the timestamp, and the form and `data` shapes.
 *
 * Jiguang POSTs `application/x-www-form-urlencoded` fields nonce (a Java long, so possibly negative),
 * timestamp (ms), signature, type and data (a JSON string), where
 * signature = lowercase hex sha1("appKey=" + appKey + "&appMasterSecret=" + masterSecret
 *                               + "&nonce=" + nonce + "&timestamp=" + timestamp).
 * The signature does not cover `type` or `data`: only HTTPS keeps them honest in transit, and a
 * (nonce, timestamp) seen before with different data is a forgery, not a retry.
 *
 * Nothing here stores anything; the route handler stores first, answers 200, then applies.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { parseJsonExact, type JsonValue } from "@/lib/sender/jsms/json-exact";
import { msgIdSchema } from "@/lib/sender/jsms/msg-id";

// ---------------------------------------------------------------------------------------------
// Signature

export function computeCallbackSignature(appKey: string, masterSecret: string, nonce: string, timestamp: string): string {
  return createHash("sha1")
    .update(`appKey=${appKey}&appMasterSecret=${masterSecret}&nonce=${nonce}&timestamp=${timestamp}`, "utf8")
    .digest("hex");
}

/**
 * Constant-time check of a callback's signature. Hex case is ignored (Jiguang sends lowercase);
 * anything that is not 40 hex characters is simply wrong.
 */
export function verifyCallbackSignature(
  credentials: { appKey: string; masterSecret: string },
  fields: { nonce: string; timestamp: string; signature: string },
): boolean {
  const expected = Buffer.from(computeCallbackSignature(credentials.appKey, credentials.masterSecret, fields.nonce, fields.timestamp), "utf8");
  const given = Buffer.from(fields.signature.toLowerCase(), "utf8");
  // timingSafeEqual throws on different lengths; the length of a SHA-1 hex digest is no secret.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

/** A random signed 64-bit integer, as Java's `Random.nextLong()` gives Jiguang its nonces. */
export function generateCallbackNonce(): string {
  return BigInt.asIntN(64, randomBytes(8).readBigUInt64BE()).toString();
}

// ---------------------------------------------------------------------------------------------
// Timestamp freshness

/**
 * Jiguang retries a failed callback 3 min, 1 h and 12 h after the previous try, so the last retry
 * can come about 13 h 3 min after the first. If a retry keeps the original timestamp it must still
 * pass: 24 h leaves room for that and for clock drift.
 */
export const DEFAULT_CALLBACK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** A sender's clock may run a little ahead of ours. */
export const DEFAULT_CALLBACK_MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

export interface TimestampWindow {
  now?: number;
  maxAgeMs?: number;
  maxFutureSkewMs?: number;
}

export type TimestampCheck = { ok: true; ageMs: number } | { ok: false; reason: "stale_timestamp" | "future_timestamp" | "invalid_timestamp"; message: string };

export function checkCallbackTimestamp(timestamp: string | number, window: TimestampWindow = {}): TimestampCheck {
  const ms = typeof timestamp === "number" ? timestamp : /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: "invalid_timestamp", message: "timestamp must be milliseconds since the epoch" };
  const now = window.now ?? Date.now();
  const maxAge = window.maxAgeMs ?? DEFAULT_CALLBACK_MAX_AGE_MS;
  const maxAhead = window.maxFutureSkewMs ?? DEFAULT_CALLBACK_MAX_FUTURE_SKEW_MS;
  const ageMs = now - ms;
  if (ageMs > maxAge) return { ok: false, reason: "stale_timestamp", message: `timestamp is ${ageMs} ms old; at most ${maxAge} ms is accepted` };
  if (-ageMs > maxAhead) return { ok: false, reason: "future_timestamp", message: `timestamp is ${-ageMs} ms in the future; at most ${maxAhead} ms is accepted` };
  return { ok: true, ageMs };
}

// ---------------------------------------------------------------------------------------------
// data shapes per type

const missingOr = (otherwise: string) => (issue: { input?: unknown }) => (issue.input === undefined ? "is missing" : otherwise);

/** Integers may come as JSON numbers or as digit strings (Jiguang's own types are Java Integer/Long). */
const integerSchema = z
  .union([z.number().int("must be an integer"), z.string().regex(/^-?\d{1,15}$/, "must be an integer").transform(Number)], {
    error: missingOr("must be an integer"),
  })
  .pipe(z.number().int());

/** Phone numbers are strings; a bare JSON number is accepted and turned into its digits. */
const phoneSchema = z
  .union([z.string().trim().min(1, "must not be empty").max(32, "must be at most 32 characters"), z.number().int().nonnegative()], {
    error: missingOr("must be a string"),
  })
  .transform(String);

/**
 * Times are documented as Date/Timestamp and come as epoch milliseconds (1492150741392). A
 * "yyyy-MM-dd HH:mm:ss" string is read as Beijing time (UTC+8), where Jiguang's servers run.
 */
const instantSchema = z.union(
  [
    z.number().int("must be epoch milliseconds").nonnegative("must not be negative"),
    z.string().regex(/^\d{1,15}$/).transform(Number),
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,3})?$/)
      .transform((text) => Date.parse(`${text.replace(" ", "T")}+08:00`))
      .pipe(z.number().int()),
  ],
  { error: missingOr("must be epoch milliseconds or a \"yyyy-MM-dd HH:mm:ss\" time") },
);

const refuseReasonSchema = z
  .string({ error: "must be a string or null" })
  .nullish()
  .transform((value) => value ?? null);

const reviewStatusSchema = integerSchema.pipe(z.union([z.literal(1), z.literal(2)], { error: "must be 1 (approved) or 2 (rejected)" }));

export const deliveryReportDataSchema = z.object({
  msgId: msgIdSchema,
  phone: phoneSchema,
  receiveTime: instantSchema,
  status: integerSchema,
});

export const replyDataSchema = z.object({
  phone: phoneSchema,
  replyTime: instantSchema,
  content: z.string({ error: missingOr("must be a string") }),
});

export const templateReviewDataSchema = z.object({
  tempId: integerSchema,
  status: reviewStatusSchema,
  refuseReason: refuseReasonSchema,
});

export const signReviewDataSchema = z.object({
  signId: integerSchema,
  status: reviewStatusSchema,
  refuseReason: refuseReasonSchema,
});

export type JsmsDeliveryReport = z.output<typeof deliveryReportDataSchema>;
export type JsmsReply = z.output<typeof replyDataSchema>;
export type JsmsTemplateReview = z.output<typeof templateReviewDataSchema>;
export type JsmsSignReview = z.output<typeof signReviewDataSchema>;

const DATA_SCHEMAS = {
  SMS_REPORT: deliveryReportDataSchema,
  SMS_REPLY: replyDataSchema,
  SMS_TEMPLATE: templateReviewDataSchema,
  SMS_SIGN: signReviewDataSchema,
} as const;

export type JsmsCallbackType = keyof typeof DATA_SCHEMAS;
export const JSMS_CALLBACK_TYPES = Object.keys(DATA_SCHEMAS) as JsmsCallbackType[];

export type JsmsCallbackEvent =
  | { type: "SMS_REPORT"; data: JsmsDeliveryReport }
  | { type: "SMS_REPLY"; data: JsmsReply }
  | { type: "SMS_TEMPLATE"; data: JsmsTemplateReview }
  | { type: "SMS_SIGN"; data: JsmsSignReview };

export type JsmsCallback = JsmsCallbackEvent & {
  /** Exactly as received: the signature is computed over these strings. */
  nonce: string;
  timestamp: string;
  timestampMs: number;
  signature: string;
  /** The `data` field as received, for storing the raw event. */
  rawData: string;
};

// ---------------------------------------------------------------------------------------------
// Form parsing

/** `URLSearchParams`, `FormData`, or a plain record of field → value(s). */
export type CallbackFormFields = { getAll(name: string): unknown[] } | Readonly<Record<string, string | readonly string[] | undefined>>;

export type CallbackParseResult =
  | { ok: true; value: JsmsCallback }
  | { ok: false; reason: string; field: "nonce" | "timestamp" | "signature" | "type" | "data" };

type FieldName = "nonce" | "timestamp" | "signature" | "type" | "data";

function readField(fields: CallbackFormFields, name: FieldName): { value: string } | { problem: string } {
  let values: unknown[];
  if (typeof (fields as { getAll?: unknown }).getAll === "function") {
    values = (fields as { getAll(name: string): unknown[] }).getAll(name);
  } else {
    const raw = (fields as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
    values = raw === undefined ? [] : typeof raw === "string" ? [raw] : [...raw];
  }
  if (values.length === 0) return { problem: `missing field "${name}"` };
  // Two copies of a field could let a checker and a parser read different values: refuse.
  if (values.length > 1) return { problem: `field "${name}" appears ${values.length} times` };
  if (typeof values[0] !== "string") return { problem: `field "${name}" is not text` };
  return { value: values[0] };
}

const JAVA_LONG_MIN = -(2n ** 63n);
const JAVA_LONG_MAX = 2n ** 63n - 1n;

/**
 * Reads a callback's form fields and its `data` JSON. Checks shapes only; call
 * `authenticateCallback` (or `verifyCallbackSignature` and `checkCallbackTimestamp`) before trusting it.
 */
export function parseCallbackForm(fields: CallbackFormFields): CallbackParseResult {
  const read: Partial<Record<FieldName, string>> = {};
  for (const name of ["nonce", "timestamp", "signature", "type", "data"] as const) {
    const field = readField(fields, name);
    if ("problem" in field) return { ok: false, reason: field.problem, field: name };
    read[name] = field.value;
  }
  const { nonce = "", timestamp = "", signature = "", type = "", data = "" } = read;

  if (!/^-?\d{1,19}$/.test(nonce) || BigInt(nonce) < JAVA_LONG_MIN || BigInt(nonce) > JAVA_LONG_MAX) {
    return { ok: false, reason: "nonce must be a 64-bit integer", field: "nonce" };
  }
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: "timestamp must be milliseconds since the epoch", field: "timestamp" };
  if (!/^[0-9a-fA-F]{40}$/.test(signature)) return { ok: false, reason: "signature must be 40 hexadecimal characters (SHA-1)", field: "signature" };
  // Own keys only: `"__proto__" in DATA_SCHEMAS` and `"toString" in …` are true.
  if (!Object.hasOwn(DATA_SCHEMAS, type)) {
    return { ok: false, reason: `unknown type ${JSON.stringify(type)}; expected one of ${JSMS_CALLBACK_TYPES.join(", ")}`, field: "type" };
  }
  const callbackType = type as JsmsCallbackType;

  let json: JsonValue;
  try {
    json = parseJsonExact(data);
  } catch (error) {
    return { ok: false, reason: `data is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, field: "data" };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { ok: false, reason: `data must be a JSON object, not ${describeJsonKind(json)}`, field: "data" };
  }
  const parsed = DATA_SCHEMAS[callbackType].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `data.${issue.path.join(".")} ${phrase(issue.message)}`, field: "data" };
  }
  const base = { nonce, timestamp, timestampMs: Number(timestamp), signature, rawData: data };
  return { ok: true, value: { ...base, type: callbackType, data: parsed.data } as JsmsCallback };
}

function describeJsonKind(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value === "bigint" ? "number" : typeof value}`;
}

/** Our own messages read "is missing" / "must be …"; zod's built-in ones get a colon. */
function phrase(message: string): string {
  return /^(is|must) /.test(message) ? message : `: ${message}`;
}

export type CallbackAuthentication =
  | { ok: true }
  | { ok: false; reason: "bad_signature" | "stale_timestamp" | "future_timestamp" | "invalid_timestamp"; message: string };

/** Signature first (so a forger learns nothing about our clock), then timestamp freshness. */
export function authenticateCallback(
  callback: Pick<JsmsCallback, "nonce" | "timestamp" | "signature">,
  credentials: { appKey: string; masterSecret: string },
  window: TimestampWindow = {},
): CallbackAuthentication {
  if (!verifyCallbackSignature(credentials, callback)) {
    return { ok: false, reason: "bad_signature", message: "signature does not match this channel's AppKey and MasterSecret" };
  }
  const fresh = checkCallbackTimestamp(callback.timestamp, window);
  return fresh.ok ? { ok: true } : fresh;
}

// ---------------------------------------------------------------------------------------------
// Building callbacks (the sandbox and tests play Jiguang's part)

export interface CallbackToSign {
  appKey: string;
  masterSecret: string;
  type: string;
  /** The JSON text of `data`, verbatim. */
  data: string;
  nonce?: string;
  timestamp?: number | string;
}

/** The form body Jiguang would POST, signed. */
export function buildCallbackForm(callback: CallbackToSign): URLSearchParams {
  const nonce = callback.nonce ?? generateCallbackNonce();
  const timestamp = String(callback.timestamp ?? Date.now());
  const signature = computeCallbackSignature(callback.appKey, callback.masterSecret, nonce, timestamp);
  return new URLSearchParams({ nonce, timestamp, signature, type: callback.type, data: callback.data });
}
