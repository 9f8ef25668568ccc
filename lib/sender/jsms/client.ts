/**
 * JSMS REST client: template sends (single and batch), app balance, and "test connection".
 *
 * Auth is HTTP Basic base64(appKey:masterSecret) on every call. Retries cover what can succeed later
 * (network failures, timeouts, 5xx, 50009 rate limit) with jittered exponential backoff; everything
 * else is thrown or reported per recipient at once.
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
  retryable: boolean;
  scope: JsmsErrorScope;
}

export type BatchRecipientResult =
  | { index: number; mobile: string; ok: true; msgId: string }
  | { index: number; mobile: string; ok: false; error: RecipientFailure };

export interface BatchSendResult {
  successCount: number;
  failureCount: number;
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

export class JsmsClient {
  private readonly transport: HttpTransport;
  private readonly authorization: string;
  private readonly policy: RetryPolicy;
  private readonly hooks: RetryHooks;

  constructor(credentials: JsmsCredentials, options: JsmsClientOptions = {}) {
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl ?? DEFAULT_JSMS_BASE_URL,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxSockets: options.maxSockets ?? 8,
    });
    this.authorization = "Basic " + Buffer.from(`${credentials.appKey}:${credentials.masterSecret}`, "utf8").toString("base64");
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.hooks = options.hooks ?? {};
  }

  /** `POST /v1/messages`. Resolves to the JSMS msg_id; throws `JsmsError`. */
  async sendTemplate(message: TemplateMessage): Promise<{ msgId: string }> {
    const body: Record<string, unknown> = { mobile: message.mobile, temp_id: message.tempId };
    if (message.signId !== undefined) body.sign_id = message.signId;
    if (message.tempPara !== undefined) body.temp_para = message.tempPara;
    const answer = await this.call("POST", "/v1/messages", singleSendAnswerSchema, JSON.stringify(body));
    return { msgId: answer.msg_id };
  }

  /**
   * `POST /v1/messages/batch`, in chunks of 1000. Never throws for JSMS answers: every recipient gets
   * a result. When a whole chunk is refused (bad template, auth, balance, retries exhausted), that
   * chunk and all later ones are marked with the same error and the later ones are not sent, since
   * they would meet the same refusal.
   */
  async sendBatch(batch: BatchTemplateMessage): Promise<BatchSendResult> {
    const results: BatchRecipientResult[] = [];
    let stopWith: RecipientFailure | null = null;
    for (let start = 0; start < batch.recipients.length; start += JSMS_BATCH_LIMIT) {
      const chunk = batch.recipients.slice(start, start + JSMS_BATCH_LIMIT);
      if (stopWith === null) {
        try {
          results.push(...(await this.sendChunk(batch, chunk, start)));
          continue;
        } catch (error) {
          if (!(error instanceof JsmsError)) throw error;
          stopWith = failureFrom(error);
        }
      }
      const failure = stopWith;
      chunk.forEach((r, i) => results.push({ index: start + i, mobile: r.mobile, ok: false, error: failure }));
    }
    const successCount = results.filter((r) => r.ok).length;
    return { successCount, failureCount: results.length - successCount, results };
  }

  /** `GET /v1/accounts/app`: the app's remaining quota. */
  async getBalance(): Promise<JsmsBalance> {
    const answer = await this.call("GET", "/v1/accounts/app", appBalanceAnswerSchema);
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

  private async sendChunk(
    batch: BatchTemplateMessage,
    chunk: BatchTemplateMessage["recipients"],
    offset: number,
  ): Promise<BatchRecipientResult[]> {
    const body: Record<string, unknown> = { temp_id: batch.tempId };
    if (batch.signId !== undefined) body.sign_id = batch.signId;
    if (batch.tag !== undefined) body.tag = batch.tag;
    body.recipients = chunk.map((r) => (r.tempPara === undefined ? { mobile: r.mobile } : { mobile: r.mobile, temp_para: r.tempPara }));
    const answer = await this.call("POST", "/v1/messages/batch", batchSendAnswerSchema, JSON.stringify(body));
    return matchRecipients(chunk, answer.recipients, offset);
  }

  private call<S extends z.ZodType>(method: "GET" | "POST", path: string, schema: S, body?: string): Promise<z.output<S>> {
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
    return withRetry(async () => interpretAnswer(await this.transport.request(method, path, headers, body), schema), this.policy, this.hooks);
  }
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
    if (entry.msg_id !== undefined) return { index, mobile, ok: true, msgId: entry.msg_id };
    return { index, mobile, ok: false, error: failureFrom(JsmsError.badResponse(200, `entry for ${mobile} has neither msg_id nor error_code`)) };
  }
  return { index, mobile, ok: false, error: failureFrom(JsmsError.fromApi(code, 200, entry.error_message ?? undefined)) };
}

/**
 * Pairs answer entries with the recipients sent. Position first (JSMS answers in request order);
 * if the answer does not line up, by mobile, taking duplicates in order. A recipient left without an
 * entry is failed as unreadable rather than retried: JSMS may have sent it.
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
    const missing = JsmsError.badResponse(200, `the answer has no entry for ${r.mobile}`);
    return { index: offset + i, mobile: r.mobile, ok: false, error: failureFrom(missing) };
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
