/**
 * JSMS REST error codes: what each one means for a message, and whether trying again can help.
 *
 * Source: Jiguang's "REST API 返回码汇总" (docs.jiguang.cn/jsms/server/rest_api_summary, mirrored in
 * github.com/jpush/jpush-docs zh/jsms/server/rest_api_summary.md) and the balance API's code list.
 * The HTTP status beside each code is the one that table documents.
 */
import type { OutcomeCategory } from "@/lib/sender/outcome";

/**
 * Who an error is about, so the dispatcher knows how far it reaches:
 * - `channel`: the app's credentials, quota or standing; every message on the channel will fail alike.
 * - `request`: the request itself (template, body); every recipient of that request fails alike.
 * - `recipient`: one phone number or its parameters; the others are unaffected.
 */
export type JsmsErrorScope = "channel" | "request" | "recipient";

export interface JsmsErrorInfo {
  code: number;
  /** HTTP status JSMS documents for the code. */
  httpStatus: number;
  /** JSMS's own short message, e.g. "invalid mobile". */
  jsmsMessage: string;
  /** A sentence an operator can act on. */
  description: string;
  category: OutcomeCategory;
  /** true when the same request may succeed later without anyone changing anything. */
  retryable: boolean;
  scope: JsmsErrorScope;
}

type Row = [httpStatus: number, jsmsMessage: string, description: string, category: OutcomeCategory, retryable: boolean, scope: JsmsErrorScope];

const ROWS: Record<number, Row> = {
  50001: [400, "missing auth", "The request carried no AppKey/MasterSecret (HTTP Basic auth is empty).", "unknown", false, "channel"],
  50002: [401, "auth failed", "AppKey or MasterSecret rejected: check both values in the Jiguang console.", "unknown", false, "channel"],
  50003: [400, "missing body", "The request body was empty.", "unknown", false, "request"],
  50004: [400, "missing mobile", "No mobile number was given.", "invalid_number", false, "recipient"],
  50005: [400, "missing temp_id", "No template id was given.", "content_rejected", false, "request"],
  50006: [403, "invalid mobile", "The mobile number is not valid.", "invalid_number", false, "recipient"],
  50007: [403, "invalid body", "JSMS could not read the request body (malformed JSON or wrong field types).", "unknown", false, "request"],
  50008: [403, "no sms code auth", "SMS service is not enabled for this Jiguang app.", "unknown", false, "channel"],
  50009: [403, "out of freq", "Sending too fast: JSMS rate limit reached.", "rate_limited", true, "request"],
  50010: [403, "invalid code", "The verification code is invalid.", "unknown", false, "request"],
  50011: [403, "expired code", "The verification code has expired.", "unknown", false, "request"],
  50012: [403, "verified code", "The verification code was already verified.", "unknown", false, "request"],
  50013: [403, "invalid temp_id", "The template id does not exist for this app.", "content_rejected", false, "request"],
  50014: [403, "no money", "The app's SMS balance is used up: top it up in the Jiguang console.", "no_balance", false, "channel"],
  50015: [400, "missing code", "No verification code was given.", "unknown", false, "request"],
  50016: [404, "api not found", "JSMS does not know this API path: check the JSMS base URL.", "unknown", false, "channel"],
  50017: [415, "media not supported", "JSMS refused the request's content type.", "unknown", false, "request"],
  50018: [405, "request method not support", "JSMS refused the HTTP method for this path.", "unknown", false, "request"],
  50019: [500, "server error", "JSMS had an internal error.", "unknown", true, "request"],
  50020: [403, "template auditing", "The template is still under review by Jiguang.", "content_rejected", false, "request"],
  50021: [403, "template not pass", "The template was rejected in Jiguang's review.", "content_rejected", false, "request"],
  50022: [403, "parameters not all replaced", "Template parameters are missing: not every placeholder was filled.", "content_rejected", false, "recipient"],
  50023: [403, "parameters is empty", "Template parameters are empty.", "content_rejected", false, "recipient"],
  50024: [403, "unsubscribed mobile", "The recipient has unsubscribed from this sender.", "blacklisted", false, "recipient"],
  50025: [403, "wrong template type", "This API does not accept this type of template.", "content_rejected", false, "request"],
  50026: [403, "wrong msg_id", "The msg_id is not valid.", "unknown", false, "request"],
  50027: [403, "invalid send_time", "The scheduled send time is empty or in the past.", "unknown", false, "request"],
  50028: [403, "invalid schedule_id", "The schedule id is not valid.", "unknown", false, "request"],
  50029: [403, "wrong schedule status", "The scheduled message was already sent or deleted.", "unknown", false, "request"],
  50030: [403, "recipients is empty", "The batch had no recipients.", "unknown", false, "request"],
  50031: [403, "too much recipients", "The batch had more than 1000 recipients.", "unknown", false, "request"],
  50033: [403, "app quota not assigned", "No SMS quota is allocated to this app: assign some in the Jiguang console.", "no_balance", false, "channel"],
  50034: [403, "repeat send", "JSMS refused a repeated send of the same message to this number.", "rate_limited", false, "recipient"],
  50035: [403, "illegal IP", "This server's IP address is not allowed for the app (IP whitelist in the Jiguang console).", "unknown", false, "channel"],
  50036: [403, "app in black", "The Jiguang app is blacklisted.", "carrier_block", false, "channel"],
  50037: [403, "has black word", "The message contains a sensitive word.", "content_rejected", false, "recipient"],
  50038: [403, "invalid code length", "Wrong voice verification code length.", "content_rejected", false, "request"],
  50039: [403, "invalid code type", "Voice verification codes may contain digits only.", "content_rejected", false, "request"],
  50040: [403, "invalid voice language type", "Unknown voice language for the verification code.", "content_rejected", false, "request"],
  50041: [403, "invalid ttl value", "The verification code lifetime (ttl) is not valid.", "unknown", false, "request"],
  50042: [403, "template is empty", "The template content is empty.", "content_rejected", false, "request"],
  50043: [403, "template too long", "The template is too long (350 characters at most, signature included).", "content_rejected", false, "request"],
  50044: [403, "template parameter invalid", "A template parameter is not valid.", "content_rejected", false, "recipient"],
  50045: [403, "remark too long", "The remark is too long (500 characters at most).", "unknown", false, "request"],
  50046: [403, "signature not set", "The app has no SMS signature yet: set one in the Jiguang console.", "content_rejected", false, "channel"],
  50047: [403, "modify template not allow", "Only templates that failed review may be modified.", "unknown", false, "request"],
};

export const JSMS_ERROR_CODES: Readonly<Record<number, JsmsErrorInfo>> = Object.freeze(
  Object.fromEntries(
    Object.entries(ROWS).map(([code, [httpStatus, jsmsMessage, description, category, retryable, scope]]) => [
      Number(code),
      Object.freeze({ code: Number(code), httpStatus, jsmsMessage, description, category, retryable, scope }),
    ]),
  ),
);

/** 5xx and 429 are worth another try: the server, not the request, was the problem. */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * The meaning of a JSMS code. Batch answers give `error_code` as a string ("50006"), error bodies as a
 * number: both are accepted. An undocumented code is retried only when its HTTP status says the
 * server failed.
 */
export function describeJsmsErrorCode(code: number | string, httpStatus?: number): JsmsErrorInfo {
  const numeric = typeof code === "number" ? code : Number.parseInt(code, 10);
  const known = Number.isInteger(numeric) ? JSMS_ERROR_CODES[numeric] : undefined;
  if (known) return known;
  const status = httpStatus ?? 0;
  return {
    code: Number.isInteger(numeric) ? numeric : 0,
    httpStatus: status,
    jsmsMessage: "",
    description: `JSMS answered with an undocumented error code ${String(code)}.`,
    category: "unknown",
    retryable: isRetryableHttpStatus(status),
    scope: "request",
  };
}

/**
 * Failures below the JSMS protocol, for which JSMS has no code of its own:
 * - `network`, `timeout`: the connection failed or no answer came in time;
 * - `http`: a non-2xx answer without a JSMS error body (a proxy's page);
 * - `bad_response`: an answer we cannot read;
 * - `submit_outcome_unknown`: a send whose request may have reached JSMS and whose answer we did not
 *   get or cannot read (the cause is in the message): it may have been sent, so it is never re-posted;
 * - `not_sent`: a batch chunk held back because an earlier chunk's outcome is unknown; safe to send.
 */
export type JsmsTransportCode = "network" | "timeout" | "http" | "bad_response" | "submit_outcome_unknown" | "not_sent";

/**
 * What a failure means for the messages of the request:
 * - `not_sent`: JSMS did not send them (it refused, or the request never reached it in full);
 * - `unknown`: the request may have reached JSMS and been acted on; only a delivery report can tell.
 */
export type JsmsSendOutcome = "not_sent" | "unknown";

/**
 * How far an HTTP exchange got when it failed. Until the request body has been handed to the
 * operating system in full (`connecting`, `sending`), JSMS cannot have acted on it: it reads a JSON
 * body of a declared Content-Length, and an incomplete one is never processed. From `sent` on
 * (the request's 'finish' event, or an answer already arriving) it may have been.
 */
export type ExchangeStage = "connecting" | "sending" | "sent" | "answering";

/** true when a request that failed at `stage` may have reached JSMS in full. */
export function mayHaveReachedServer(stage: ExchangeStage): boolean {
  return stage === "sent" || stage === "answering";
}

interface JsmsErrorFields {
  code: number | JsmsTransportCode;
  httpStatus: number | null;
  retryable: boolean;
  category: OutcomeCategory;
  scope: JsmsErrorScope;
  outcome: JsmsSendOutcome;
  message: string;
  /** What JSMS itself said, when it said anything. */
  jsmsMessage?: string;
  cause?: unknown;
}

/** A 5xx answer comes after the server read the request, and a server error says nothing of what it did. */
function outcomeOfStatus(httpStatus: number): JsmsSendOutcome {
  return httpStatus >= 500 ? "unknown" : "not_sent";
}

/** The one error type the JSMS client throws. */
export class JsmsError extends Error {
  readonly code: number | JsmsTransportCode;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  readonly category: OutcomeCategory;
  readonly scope: JsmsErrorScope;
  /** For a send: whether its messages were certainly not sent, or may have been. */
  readonly outcome: JsmsSendOutcome;
  readonly jsmsMessage: string | undefined;

  constructor(fields: JsmsErrorFields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "JsmsError";
    this.code = fields.code;
    this.httpStatus = fields.httpStatus;
    this.retryable = fields.retryable;
    this.category = fields.category;
    this.scope = fields.scope;
    this.outcome = fields.outcome;
    this.jsmsMessage = fields.jsmsMessage;
  }

  /** An `{"error":{"code","message"}}` answer. */
  static fromApi(code: number | string, httpStatus: number, jsmsMessage?: string): JsmsError {
    const info = describeJsmsErrorCode(code, httpStatus);
    return new JsmsError({
      code: info.code,
      httpStatus,
      // A documented code keeps its own decision, except that any 5xx is the server's trouble.
      retryable: info.retryable || isRetryableHttpStatus(httpStatus),
      category: info.category,
      scope: info.scope,
      outcome: outcomeOfStatus(httpStatus),
      message: `${info.description} (${info.code})`,
      jsmsMessage: jsmsMessage ?? info.jsmsMessage,
    });
  }

  /** The connection failed; `stage` says whether the request had been sent in full by then. */
  static network(cause: unknown, target: string, stage: ExchangeStage = "sent"): JsmsError {
    const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    const message =
      stage === "connecting"
        ? `Could not reach ${target}: ${reason}`
        : stage === "sending"
          ? `Connection to ${target} failed before the request was sent in full: ${reason}`
          : `Connection to ${target} failed after the request was sent: ${reason}`;
    return new JsmsError({
      code: "network",
      httpStatus: null,
      retryable: true,
      category: "unknown",
      scope: "request",
      outcome: mayHaveReachedServer(stage) ? "unknown" : "not_sent",
      message,
      cause,
    });
  }

  /** The deadline passed; `stage` says how far the exchange had got. */
  static timeout(target: string, timeoutMs: number, stage: ExchangeStage = "sent"): JsmsError {
    const message =
      stage === "connecting"
        ? `Could not connect to ${target} within ${timeoutMs} ms`
        : stage === "sending"
          ? `Could not send the request to ${target} in full within ${timeoutMs} ms`
          : `No answer from ${target} within ${timeoutMs} ms`;
    return new JsmsError({
      code: "timeout",
      httpStatus: null,
      retryable: true,
      category: "unknown",
      scope: "request",
      outcome: mayHaveReachedServer(stage) ? "unknown" : "not_sent",
      message,
    });
  }

  /** A non-2xx answer without a JSMS error body (a proxy's 502 page, for example). */
  static http(httpStatus: number, target: string): JsmsError {
    return new JsmsError({
      code: "http",
      httpStatus,
      retryable: isRetryableHttpStatus(httpStatus),
      category: "unknown",
      scope: "request",
      outcome: outcomeOfStatus(httpStatus),
      message: `${target} answered HTTP ${httpStatus} without a JSMS error body`,
    });
  }

  /**
   * A 2xx answer we cannot read. Never retried: JSMS probably accepted the request, and sending
   * again could deliver the message twice.
   */
  static badResponse(httpStatus: number, detail: string): JsmsError {
    return new JsmsError({
      code: "bad_response",
      httpStatus,
      retryable: false,
      category: "unknown",
      scope: "request",
      outcome: "unknown",
      message: `JSMS answered HTTP ${httpStatus} with a body we could not read: ${detail}`,
    });
  }

  /**
   * A send that may have reached JSMS and got no answer we can read. Never retried: JSMS has no
   * idempotency key, so a second post could send every message of it twice. `cause` is kept.
   */
  static outcomeUnknown(cause: JsmsError): JsmsError {
    return new JsmsError({
      code: "submit_outcome_unknown",
      httpStatus: cause.httpStatus,
      retryable: false,
      category: "unknown",
      scope: "request",
      outcome: "unknown",
      message: `JSMS may have accepted this send; it is not sent again. ${cause.message}`,
      jsmsMessage: cause.jsmsMessage,
      cause,
    });
  }

  /** Messages of a batch chunk that was not sent, because an earlier chunk's outcome is unknown. */
  static notSent(reason: string): JsmsError {
    return new JsmsError({
      code: "not_sent",
      httpStatus: null,
      retryable: true,
      category: "unknown",
      scope: "request",
      outcome: "not_sent",
      message: `Not sent: ${reason}`,
    });
  }
}
