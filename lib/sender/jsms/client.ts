/**
 * JSMS REST client: template sends (single and batch), app balance, and "test connection".
 *
 * Auth is HTTP Basic base64(appKey:masterSecret) on every call.
 *
 * Sends are posted at most once in effect. JSMS has no idempotency key, so a second post of a batch
 * that JSMS did receive bills and delivers up to 1000 messages again. A send is retried (with
 * jittered exponential backoff) only when JSMS cannot have acted on it: the request never left in
 * full (connection refused, DNS, reset or timeout before the body was handed to the operating
 * system), or JSMS refused it with 50009 (rate limit). When the body left and no readable answer
 * came (timeout, reset, 5xx, unreadable 2xx), the outcome is unknown and reported as such.
 * The balance query has no side effect and is retried on network errors, timeouts and 5xx too.
 */
import type { z } from "zod";
import { JsmsError, type JsmsErrorScope, type JsmsTransportCode } from "@/lib/sender/jsms/errors";
import { HttpTransport, type HttpAnswer } from "@/lib/sender/jsms/http-transport";
import { parseJsonExact, type JsonValue } from "@/lib/sender/jsms/json-exact";
import {
  appBalanceAnswerSchema,
  batchSendAnswerSchema,
  errorBodySchema,
  singleSendAnswerSchema,
  type BatchRecipientAnswer,
} from "@/lib/sender/jsms/response-schemas";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryHooks, type RetryPolicy } from "@/lib/sender/jsms/retry";
import type { OutcomeCategory } from "@/lib/sender/outcome";

export const DEFAULT_JSMS_BASE_URL = "https://api.sms.jpush.cn";
/** JSMS refuses batches above this size (50031). */
export const JSMS_BATCH_LIMIT = 1000;

export interface JsmsCredentials {
  appKey: string;
  masterSecret: string;
}

export interface JsmsClientOptions {
  /** Default `https://api.sms.jpush.cn`; the app passes `JSMS_BASE_URL`, tests the sandbox URL. */
  baseUrl?: string;
  /** Deadline for one HTTP exchange (not for all retries together). Default 10 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Keep-alive pool size. Default 8. */
  maxSockets?: number;
  hooks?: RetryHooks;
  /** Called after every HTTP exchange (each try of a retried call), for dashboards and metrics. */
  observe?: (exchange: JsmsExchange) => void;
}

/** One HTTP exchange with JSMS as `observe` sees it. */
export interface JsmsExchange {
  method: "GET" | "POST";
  path: string;
  /** null when it succeeded; else the JSMS error code (50009…), the transport's ("timeout"…) or "unexpected". */
  errorCode: number | JsmsTransportCode | "unexpected" | null;
  ms: number;
}

/** Template parameters: placeholder name → value. */
export type TemplateParams = Record<string, string | number>;

export interface TemplateMessage {
  mobile: string;
  tempId: number;
  tempPara?: TemplateParams;
  /** Omitted: JSMS uses the app's default signature. */
  signId?: number;
}

export interface BatchTemplateMessage {
  tempId: number;
  signId?: number;
  tag?: string;
  recipients: ReadonlyArray<{ mobile: string; tempPara?: TemplateParams }>;
}

export interface RecipientFailure {
  code: number | JsmsTransportCode;
  message: string;
  category: OutcomeCategory;
  /** true when sending the recipient again later may succeed and cannot deliver it twice. */
  retryable: boolean;
  scope: JsmsErrorScope;
}

/**
 * What happened to one recipient of a batch, by `outcome`:
 * - `accepted`: JSMS took it; `msgId` will come back in its delivery report.
 * - `not_sent`: JSMS did not send it (refused it, or it was never posted). `error.retryable` says
 *   whether sending it again later may succeed (50009, connection refused, a chunk held back).
 * - `unknown`: the request carrying it may have reached JSMS, and no readable answer about it came
 *   (`error.code` "submit_outcome_unknown"; the cause is in `error.message`). It may have been
 *   sent: never post it again blindly; wait for a delivery report, or give up on it.
 * `ok` is true exactly for `accepted`.
 */
export type BatchRecipientResult =
  | { index: number; mobile: string; outcome: "accepted"; ok: true; msgId: string }
  | { index: number; mobile: string; outcome: "not_sent"; ok: false; error: RecipientFailure }
  | { index: number; mobile: string; outcome: "unknown"; ok: false; error: RecipientFailure };

export interface BatchSendResult {
  /** Recipients JSMS accepted. */
  successCount: number;
  /** Recipients certainly not sent. */
  failureCount: number;
  /** Recipients that may or may not have been sent. The three counts add up to `results.length`. */
  unknownCount: number;
  /** One entry per input recipient, in input order (`index` is the position in `recipients`). */
  results: BatchRecipientResult[];
}

/** Remaining SMS quota per kind; `null` when none is allocated to the app. */
export interface JsmsBalance {
  appBalance: number | null;
  appVoice: number | null;
  appIndustry: number | null;
  appMarket: number | null;
}

const HELD_BACK = JsmsError.notSent("an earlier chunk of this batch has an unknown outcome, so this chunk was held back; it may be sent again.");

export class JsmsClient {
  private readonly transport: HttpTransport;
  private readonly authorization: string;
  private readonly policy: RetryPolicy;
  private readonly hooks: RetryHooks;
  private readonly observe: ((exchange: JsmsExchange) => void) | undefined;

  constructor(credentials: JsmsCredentials, options: JsmsClientOptions = {}) {
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl ?? DEFAULT_JSMS_BASE_URL,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxSockets: options.maxSockets ?? 8,
    });
    this.authorization = "Basic " + Buffer.from(`${credentials.appKey}:${credentials.masterSecret}`, "utf8").toString("base64");
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.hooks = options.hooks ?? {};
    this.observe = options.observe;
  }

  /**
   * `POST /v1/messages`. Resolves to the JSMS msg_id; throws `JsmsError`. An error with
   * `outcome: "unknown"` (code "submit_outcome_unknown") means the message may have been sent.
   */
  async sendTemplate(message: TemplateMessage): Promise<{ msgId: string }> {
    const body: Record<string, unknown> = { mobile: message.mobile, temp_id: message.tempId };
    if (message.signId !== undefined) body.sign_id = message.signId;
    if (message.tempPara !== undefined) body.temp_para = message.tempPara;
    const answer = await this.post("/v1/messages", singleSendAnswerSchema, JSON.stringify(body));
    return { msgId: answer.msg_id };
  }

  /**
   * Sends one `POST /v1/messages/batch` of at most `JSMS_BATCH_LIMIT` recipients and answers one
   * result per recipient, in input order. Never throws `JsmsError`: a whole-request refusal or an
   * unknown outcome is given to every recipient. Throws `RangeError` above the limit; an empty
   * list answers an empty result without a request.
   */
  async sendBatchChunk(batch: BatchTemplateMessage): Promise<BatchSendResult> {
    if (batch.recipients.length > JSMS_BATCH_LIMIT) {
      throw new RangeError(`a JSMS batch takes at most ${JSMS_BATCH_LIMIT} recipients, got ${batch.recipients.length}`);
    }
    return summarise((await this.sendChunk(batch, batch.recipients, 0)).results);
  }

  /**
   * `POST /v1/messages/batch`, in chunks of 1000, one after the other. Never throws `JsmsError`:
   * every recipient gets a result. When a chunk is refused whole (bad template, auth, balance, rate
   * limit after the retries), that chunk and all later ones carry its error and the later ones are
   * not sent, since they would meet the same refusal. When a chunk's outcome is unknown, the later
   * chunks are not sent either (JSMS is failing, and each would risk 1000 more unknowns): they are
   * `not_sent` with code "not_sent", `retryable: true`, and may be sent again.
   */
  async sendBatch(batch: BatchTemplateMessage): Promise<BatchSendResult> {
    const results: BatchRecipientResult[] = [];
    let stopWith: RecipientFailure | null = null;
    for (let start = 0; start < batch.recipients.length; start += JSMS_BATCH_LIMIT) {
      const chunk = batch.recipients.slice(start, start + JSMS_BATCH_LIMIT);
      if (stopWith === null) {
        const sent = await this.sendChunk(batch, chunk, start);
        results.push(...sent.results);
        if (sent.wholeChunk?.outcome === "not_sent") stopWith = failureFrom(sent.wholeChunk);
        else if (sent.wholeChunk?.outcome === "unknown") stopWith = failureFrom(HELD_BACK);
        continue;
      }
      const failure = stopWith;
      chunk.forEach((r, i) => results.push({ index: start + i, mobile: r.mobile, outcome: "not_sent", ok: false, error: failure }));
    }
    return summarise(results);
  }

  /** `GET /v1/accounts/app`: the app's remaining quota. */
  async getBalance(): Promise<JsmsBalance> {
    // No side effect: every failure that may pass later is retried, timeouts and 5xx included.
    const answer = await withRetry(
      () => this.exchange("GET", "/v1/accounts/app", appBalanceAnswerSchema),
      this.policy,
      this.hooks,
    );
    return {
      appBalance: answer.app_balance,
      appVoice: answer.app_voice,
      appIndustry: answer.app_industry,
      appMarket: answer.app_market,
    };
  }

  /** Closes the keep-alive pool. */
  close(): void {
    this.transport.close();
  }

  /** One batch request; `wholeChunk` is the error every recipient got, when the request failed whole. */
  private async sendChunk(
    batch: BatchTemplateMessage,
    chunk: BatchTemplateMessage["recipients"],
    offset: number,
  ): Promise<{ results: BatchRecipientResult[]; wholeChunk: JsmsError | null }> {
    if (chunk.length === 0) return { results: [], wholeChunk: null };
    const body: Record<string, unknown> = { temp_id: batch.tempId };
    if (batch.signId !== undefined) body.sign_id = batch.signId;
    if (batch.tag !== undefined) body.tag = batch.tag;
    body.recipients = chunk.map((r) => (r.tempPara === undefined ? { mobile: r.mobile } : { mobile: r.mobile, temp_para: r.tempPara }));
    try {
      const answer = await this.post("/v1/messages/batch", batchSendAnswerSchema, JSON.stringify(body));
      return { results: matchRecipients(chunk, answer.recipients, offset), wholeChunk: null };
    } catch (error) {
      if (!(error instanceof JsmsError)) throw error;
      const failure = failureFrom(error);
      const results = chunk.map((r, i): BatchRecipientResult =>
        error.outcome === "unknown"
          ? { index: offset + i, mobile: r.mobile, outcome: "unknown", ok: false, error: failure }
          : { index: offset + i, mobile: r.mobile, outcome: "not_sent", ok: false, error: failure },
      );
      return { results, wholeChunk: error };
    }
  }

  /** One request and its reading; reported to `observe` whichever way it ends. */
  private async exchange<S extends z.ZodType>(method: "GET" | "POST", path: string, schema: S, body?: string): Promise<z.output<S>> {
    const started = performance.now();
    let errorCode: JsmsExchange["errorCode"] = null;
    try {
      return interpretAnswer(await this.transport.request(method, path, this.headers(body), body), schema);
    } catch (error) {
      errorCode = error instanceof JsmsError ? error.code : "unexpected";
      throw error;
    } finally {
      try {
        this.observe?.({ method, path, errorCode, ms: performance.now() - started });
      } catch {
        // An observer's bug must not turn an answered send into a failed (or unknown) one.
      }
    }
  }

  private headers(body?: string): Record<string, string> {
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
    return headers;
  }

  /**
   * A send: retried only while JSMS cannot have acted on it (see the file comment). Any failure
   * after the request may have reached JSMS becomes "submit_outcome_unknown", which is final.
   */
  private post<S extends z.ZodType>(path: string, schema: S, body: string): Promise<z.output<S>> {
    return withRetry(
      async () => {
        try {
          return await this.exchange("POST", path, schema, body);
        } catch (error) {
          if (error instanceof JsmsError && error.outcome === "unknown") throw JsmsError.outcomeUnknown(error);
          throw error;
        }
      },
      this.policy,
      this.hooks,
    );
  }
}

function summarise(results: BatchRecipientResult[]): BatchSendResult {
  let successCount = 0;
  let unknownCount = 0;
  for (const r of results) {
    if (r.outcome === "accepted") successCount++;
    else if (r.outcome === "unknown") unknownCount++;
  }
  return { successCount, failureCount: results.length - successCount - unknownCount, unknownCount, results };
}

function interpretAnswer<S extends z.ZodType>(answer: HttpAnswer, schema: S): z.output<S> {
  let json: JsonValue | undefined;
  let syntaxError: string | undefined;
  try {
    json = parseJsonExact(answer.text);
  } catch (error) {
    syntaxError = error instanceof Error ? error.message : String(error);
  }
  const errorBody = json === undefined ? undefined : errorBodySchema.safeParse(json);
  if (errorBody?.success) {
    const { code, message } = errorBody.data.error;
    throw JsmsError.fromApi(code, answer.status, message);
  }
  if (answer.status < 200 || answer.status >= 300) throw JsmsError.http(answer.status, "JSMS");
  if (syntaxError !== undefined) throw JsmsError.badResponse(answer.status, `not JSON (${syntaxError})`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw JsmsError.badResponse(answer.status, `${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}

function failureFrom(error: JsmsError): RecipientFailure {
  return { code: error.code, message: error.message, category: error.category, retryable: error.retryable, scope: error.scope };
}

function entryResult(index: number, mobile: string, entry: BatchRecipientAnswer): BatchRecipientResult {
  const code = entry.error_code;
  const noErrorCode = code === undefined || code === null || code === "" || String(code) === "0" || String(code) === "50000";
  if (noErrorCode) {
    if (entry.msg_id !== undefined) return { index, mobile, outcome: "accepted", ok: true, msgId: entry.msg_id };
    // JSMS may have sent it: an entry we cannot read is an unknown outcome, not a refusal.
    const unreadable = JsmsError.outcomeUnknown(JsmsError.badResponse(200, `entry for ${mobile} has neither msg_id nor error_code`));
    return { index, mobile, outcome: "unknown", ok: false, error: failureFrom(unreadable) };
  }
  return { index, mobile, outcome: "not_sent", ok: false, error: failureFrom(JsmsError.fromApi(code, 200, entry.error_message ?? undefined)) };
}

/**
 * Pairs answer entries with the recipients sent. Position first (JSMS answers in request order);
 * if the answer does not line up, by mobile, taking duplicates in order. A recipient left without an
 * entry has an unknown outcome: JSMS may have sent it.
 */
function matchRecipients(
  chunk: BatchTemplateMessage["recipients"],
  entries: BatchRecipientAnswer[],
  offset: number,
): BatchRecipientResult[] {
  const alignedByPosition = entries.length === chunk.length && entries.every((e, i) => sameMobile(e.mobile, chunk[i].mobile));
  if (alignedByPosition) return chunk.map((r, i) => entryResult(offset + i, r.mobile, entries[i]));

  const byMobile = new Map<string, BatchRecipientAnswer[]>();
  for (const entry of entries) {
    const key = normaliseMobile(entry.mobile);
    const list = byMobile.get(key);
    if (list) list.push(entry);
    else byMobile.set(key, [entry]);
  }
  return chunk.map((r, i) => {
    const entry = byMobile.get(normaliseMobile(r.mobile))?.shift();
    if (entry) return entryResult(offset + i, r.mobile, entry);
    const missing = JsmsError.outcomeUnknown(JsmsError.badResponse(200, `the answer has no entry for ${r.mobile}`));
    return { index: offset + i, mobile: r.mobile, outcome: "unknown", ok: false, error: failureFrom(missing) };
  });
}

function normaliseMobile(mobile: string): string {
  return mobile.replace(/^\+?86/, "").trim();
}

function sameMobile(a: string, b: string): boolean {
  return normaliseMobile(a) === normaliseMobile(b);
}

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  detail: string;
}

/**
 * "Test connection" for a JSMS channel: asks the app balance (a cheap authenticated call) once,
 * without retries, and says what happened in words.
 */
export async function testJsmsConnection(
  credentials: JsmsCredentials,
  options: { baseUrl?: string; timeoutMs?: number } = {},
): Promise<ConnectionTestResult> {
  let client: JsmsClient;
  try {
    client = new JsmsClient(credentials, { baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 10_000, retry: { attempts: 1 }, maxSockets: 1 });
  } catch {
    return { ok: false, latencyMs: 0, detail: `The JSMS base URL is not a valid http(s) URL: ${options.baseUrl}` };
  }
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const balance = await client.getBalance();
    return { ok: true, latencyMs: latency(), detail: `Credentials accepted. ${describeBalance(balance)}` };
  } catch (error) {
    if (!(error instanceof JsmsError)) throw error;
    return { ok: error.code === 50033, latencyMs: latency(), detail: describeConnectionFailure(error) };
  } finally {
    client.close();
  }
}

function quotaText(value: number | null): string {
  return value === null ? "not allocated" : String(value);
}

export function describeBalance(balance: JsmsBalance): string {
  return (
    `Balance: ${quotaText(balance.appBalance)} (industry ${quotaText(balance.appIndustry)}, ` +
    `marketing ${quotaText(balance.appMarket)}, voice ${quotaText(balance.appVoice)}).`
  );
}

function describeConnectionFailure(error: JsmsError): string {
  switch (error.code) {
    case 50001:
    case 50002:
      return `AppKey or MasterSecret rejected (${error.code}).`;
    case 50033:
      // The credentials work; only the quota is missing, which the operator should know about.
      return `Credentials accepted, but no SMS quota is allocated to this app (50033).`;
    default:
      return error.message;
  }
}
