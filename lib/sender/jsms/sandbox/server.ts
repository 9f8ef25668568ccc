/**
 * A local stand-in for api.sms.jpush.cn: a real HTTP server that answers the JSMS send and balance
 * APIs with the documented error codes and HTTP statuses, keeps per-app balances, and posts signed
 * SMS_REPORT / SMS_REPLY callbacks the way Jiguang does (form-encoded, retried on non-200, to a URL
 * that passed the echostr check).
 *
 * It can also misbehave on demand (`faults`): answer 5xx, drop connections before or after accepting
 * a send, or accept a send and hold its answer back past the client's deadline. It counts how many
 * times each message (app, number, template, parameters) was accepted, so a test can prove that
 * nothing was sent twice.
 *
 * Control endpoints under /__sandbox/ (stats, faults, replies, reports, any callback, callback URLs) are unauthenticated:
 * the sandbox is for tests and binds to 127.0.0.1 unless told otherwise.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { buildCallbackForm } from "@/lib/sender/jsms/callback";
import { parseJsonExact, type JsonValue } from "@/lib/sender/jsms/json-exact";
import { CallbackPoster, JIGUANG_CALLBACK_RETRY_DELAYS_MS, type CallbackFate, type CallbackStats } from "@/lib/sender/jsms/sandbox/callback-poster";
import {
  checkOptionalFields,
  checkTemplateParams,
  isJsonObject,
  isSandboxError,
  readMobile,
  readTempId,
  readTempPara,
  repeatKey,
  sandboxError,
  type JsonObject,
  type SandboxError,
  type TemplateParams,
} from "@/lib/sender/jsms/sandbox/send-rules";

export interface SandboxApp {
  appKey: string;
  masterSecret: string;
  /** Messages this app may still send. Default: `defaultBalance`. */
  balance?: number;
  /** Where SMS_REPORT / SMS_REPLY callbacks for this app go; none are posted without one. */
  callbackUrl?: string;
}

export interface SandboxTemplate {
  tempId: number;
  /** Placeholder names; a send must give a non-empty value for each (else 50022). */
  params: readonly string[];
}

export interface SandboxReportOptions {
  /** Delay from acceptance to the report, fixed or a [min, max] range. Default 100 ms. */
  delayMs?: number | readonly [number, number];
  /** Weights of report statuses, e.g. { 4001: 90, 4003: 5, 4004: 5 }. Default { 4001: 1 }. */
  statusMix?: Readonly<Record<number, number>>;
  /** Decides the status for a number (return undefined to fall back to the mix). */
  statusFor?: (mobile: string) => number | undefined;
  /** Share of reports (0–1) posted a second time as a separate callback. Default 0. */
  duplicateRate?: number;
  /** How long after the first the duplicate comes (make it long for "late" duplicates). Default 50 ms. */
  duplicateDelayMs?: number;
  /** `msgId` in report data as a JSON string (documented) or a bare number. Default "string". */
  msgIdAs?: "string" | "number";
}

export interface JsmsSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  apps: readonly SandboxApp[];
  /** Known templates. Default: 1 with parameter "code", 2 without parameters. */
  templates?: readonly SandboxTemplate[];
  defaultBalance?: number;
  /** Send requests per second per app before 50009. Default: unlimited. Changeable with `setLimits`. */
  rateLimitPerSecond?: number;
  /**
   * Same app, number, template and parameters again within this window → 50034, for single sends
   * and for each batch entry (a repeat inside one batch included). Default 0 (off). See `setLimits`.
   */
  repeatSendWindowMs?: number;
  /** Numbers that unsubscribed (50024). */
  unsubscribed?: readonly string[];
  /** Delivery reports; false sends none. */
  reports?: SandboxReportOptions | false;
  /** Delays between callback retries. Default Jiguang's: 3 min, 1 h, 12 h. */
  callbackRetryDelaysMs?: readonly number[];
  callbackTimeoutMs?: number;
  /** `msg_id` of a single send as a bare JSON number (as in Jiguang's example) or a string. Default "number". */
  singleMsgIdAs?: "number" | "string";
  /** The first msg_id handed out; the default is above 2^53 so clients must keep ids exact. */
  firstMsgId?: bigint;
  /** Seed for the report-status mix and duplicates; without it they use Math.random. */
  seed?: number;
  log?: (line: string) => void;
}

export interface SandboxMessage {
  msgId: string;
  appKey: string;
  mobile: string;
  tempId: number;
  tempPara: TemplateParams;
  signId?: number;
  tag?: string;
  acceptedAt: number;
}

export interface SandboxAppStats {
  /** Accepted single and batch send requests. */
  sendRequests: number;
  singleRequests: number;
  batchRequests: number;
  /** Recipients in accepted requests. */
  recipients: number;
  accepted: number;
  rejected: number;
  balanceQueries: number;
  balance: number;
}

/** A message (app, number, template, parameters) the sandbox accepted, and how many times. */
export interface SandboxAcceptedCopies {
  appKey: string;
  mobile: string;
  tempId: number;
  tempPara: TemplateParams;
  count: number;
}

export interface JsmsSandboxStats {
  connections: number;
  /** Every request to a JSMS API path, refused ones included. */
  requests: number;
  apps: Record<string, SandboxAppStats>;
  /** JSMS error code → times answered (whole requests and batch entries). */
  errors: Record<string, number>;
  /**
   * Faults applied: `failed` 5xx answers, `dropped` connections cut before processing,
   * `droppedAfterAccept` cut after processing, `lateAnswers` answers held back.
   */
  faults: { failed: number; dropped: number; droppedAfterAccept: number; lateAnswers: number };
  /** Distinct messages accepted (app, number, template, parameters). */
  distinctMessages: number;
  /** Messages accepted more than once: empty unless something was sent twice. */
  acceptedMoreThanOnce: SandboxAcceptedCopies[];
  callbacks: CallbackStats & { reports: number; replies: number; duplicates: number; other: number };
}

export interface SandboxFaults {
  /** The next N API requests (sends and balance queries alike) get HTTP `failStatus`, unprocessed. */
  failNext?: number;
  /** Default 500. */
  failStatus?: number;
  /**
   * An outage of a while, however many requests come in it: the next API request, and every one
   * for this long after it, gets HTTP `failStatus`, unprocessed, as failNext's do. 0 ends one.
   */
  failForMs?: number;
  /** Body of those answers: JSMS's `{"error":{"code":50019,…}}` (default), or an HTML page as a proxy gives. */
  failBody?: "jsms" | "html";
  /** The next N API requests lose their connection once their body is read, unprocessed. */
  dropNext?: number;
  /** The next N send requests are processed (messages accepted, reports follow), then their connection is cut without an answer. */
  dropAfterAcceptNext?: number;
  /**
   * The next N send requests are processed at once (messages accepted, reports follow) and their
   * answer is held back `lateAnswerMs`: longer than the client's deadline, that is "the body was
   * written, the answer was lost".
   */
  lateAnswerNext?: number;
  /** Default 5000. */
  lateAnswerMs?: number;
  /** Every API request waits this long before it is processed. */
  latencyMs?: number;
}

/** The limits a test may switch on or off while the sandbox runs; a field left out is kept. */
export interface SandboxLimits {
  /** null: no rate limit. */
  rateLimitPerSecond?: number | null;
  /** 0: no repeat check. */
  repeatSendWindowMs?: number;
}

export interface JsmsSandbox {
  url: string;
  port: number;
  stats(): JsmsSandboxStats;
  messages(): SandboxMessage[];
  faults(change: SandboxFaults): void;
  setLimits(change: SandboxLimits): void;
  /** Times a message was accepted (all apps when `appKey` is left out); parameters compare as strings. */
  timesAccepted(message: { appKey?: string; mobile: string; tempId: number; tempPara?: Readonly<Record<string, string | number>> }): number;
  addApp(app: SandboxApp): void;
  setCallbackUrl(appKey: string, url: string | undefined): void;
  setBalance(appKey: string, balance: number): void;
  /** A reply from `phone`, posted as SMS_REPLY to the app's callback URL. */
  injectReply(input: { appKey: string; phone: string; content: string; replyTime?: number }): Promise<CallbackFate>;
  /** An SMS_REPORT for an accepted message, now, with the given status. */
  injectReport(input: { msgId: string; status: number; receiveTime?: number }): Promise<CallbackFate>;
  /** Any callback (e.g. SMS_TEMPLATE / SMS_SIGN review results); `data` is posted verbatim. */
  injectCallback(input: { appKey: string; type: string; data: string }): Promise<CallbackFate>;
  /** Resolves when no callback is scheduled or in flight. */
  settleCallbacks(): Promise<void>;
  close(): Promise<void>;
}

interface AppState {
  appKey: string;
  masterSecret: string;
  balance: number;
  callbackUrl: string | undefined;
  recentSends: number[];
  stats: SandboxAppStats;
}

const DEFAULT_TEMPLATES: readonly SandboxTemplate[] = [
  { tempId: 1, params: ["code"] },
  { tempId: 2, params: [] },
];

const API_ROUTES: Record<string, "GET" | "POST"> = {
  "/v1/messages": "POST",
  "/v1/messages/batch": "POST",
  "/v1/accounts/app": "GET",
};

/** mulberry32: a small seedable generator, so a seeded sandbox gives the same reports every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startJsmsSandbox(options: JsmsSandboxOptions): Promise<JsmsSandbox> {
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  const templates = new Map<number, readonly string[]>((options.templates ?? DEFAULT_TEMPLATES).map((t) => [t.tempId, t.params]));
  const unsubscribed = new Set(options.unsubscribed ?? []);
  const reportOptions = options.reports === false ? null : (options.reports ?? {});
  const apps = new Map<string, AppState>();
  const accepted = new Map<string, SandboxMessage>();
  const lastSent = new Map<string, number>();
  const errors: Record<string, number> = {};
  const faultStats = { failed: 0, dropped: 0, droppedAfterAccept: 0, lateAnswers: 0 };
  const callbackKinds = { reports: 0, replies: 0, duplicates: 0, other: 0 };
  const fault = {
    failNext: 0,
    failUntil: 0,
    /** An outage set to begin at the next request. */
    failForMs: 0,
    failStatus: 500,
    failBody: "jsms" as "jsms" | "html",
    dropNext: 0,
    dropAfterAcceptNext: 0,
    lateAnswerNext: 0,
    lateAnswerMs: 5_000,
    latencyMs: 0,
  };
  const limits = { rateLimitPerSecond: options.rateLimitPerSecond ?? null, repeatSendWindowMs: options.repeatSendWindowMs ?? 0 };
  const copies = new Map<string, SandboxAcceptedCopies>();
  // Held-back answers; close() ends them so no timer outlives the sandbox.
  const heldBack = new Set<{ timer: NodeJS.Timeout; release: () => void }>();
  let nextMsgId = options.firstMsgId ?? 1_234_567_890_123_456_789n;
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();

  const poster = new CallbackPoster({
    retryDelaysMs: options.callbackRetryDelaysMs ?? JIGUANG_CALLBACK_RETRY_DELAYS_MS,
    timeoutMs: options.callbackTimeoutMs ?? 5_000,
    log: options.log,
  });

  function addApp(app: SandboxApp): void {
    apps.set(app.appKey, {
      appKey: app.appKey,
      masterSecret: app.masterSecret,
      balance: app.balance ?? options.defaultBalance ?? 1_000_000,
      callbackUrl: app.callbackUrl,
      recentSends: [],
      stats: { sendRequests: 0, singleRequests: 0, batchRequests: 0, recipients: 0, accepted: 0, rejected: 0, balanceQueries: 0, balance: 0 },
    });
  }
  options.apps.forEach(addApp);

  const countError = (code: number) => {
    errors[code] = (errors[code] ?? 0) + 1;
  };
  const issueMsgId = () => (nextMsgId++).toString();

  // --- callbacks -------------------------------------------------------------------------------

  function postCallback(app: AppState, type: string, data: () => string, delayMs: number): Promise<CallbackFate> {
    return poster.schedule(
      () => apps.get(app.appKey)?.callbackUrl,
      () => buildCallbackForm({ appKey: app.appKey, masterSecret: app.masterSecret, type, data: data() }),
      delayMs,
    );
  }

  function reportData(message: SandboxMessage, status: number, receiveTime?: number): string {
    const msgId = reportOptions?.msgIdAs === "number" ? message.msgId : JSON.stringify(message.msgId);
    const time = receiveTime ?? Date.now();
    return `{"msgId":${msgId},"phone":${JSON.stringify(message.mobile)},"receiveTime":${time},"status":${status}}`;
  }

  function pickStatus(mobile: string): number {
    const chosen = reportOptions?.statusFor?.(mobile);
    if (chosen !== undefined) return chosen;
    const mix = Object.entries(reportOptions?.statusMix ?? { 4001: 1 });
    const total = mix.reduce((sum, [, w]) => sum + w, 0);
    let roll = random() * total;
    for (const [status, weight] of mix) {
      roll -= weight;
      if (roll < 0) return Number(status);
    }
    return Number(mix[mix.length - 1][0]);
  }

  function scheduleReport(app: AppState, message: SandboxMessage): void {
    if (!reportOptions) return;
    const delay = reportOptions.delayMs ?? 100;
    const delayMs = typeof delay === "number" ? delay : delay[0] + random() * (delay[1] - delay[0]);
    const status = pickStatus(message.mobile);
    callbackKinds.reports++;
    void postCallback(app, "SMS_REPORT", () => reportData(message, status), delayMs);
    if (random() < (reportOptions.duplicateRate ?? 0)) {
      callbackKinds.duplicates++;
      void postCallback(app, "SMS_REPORT", () => reportData(message, status), delayMs + (reportOptions.duplicateDelayMs ?? 50));
    }
  }

  // --- sends -----------------------------------------------------------------------------------

  function isRepeat(key: string, now: number): boolean {
    const window = limits.repeatSendWindowMs;
    if (window <= 0) return false;
    const last = lastSent.get(key);
    return last !== undefined && now - last < window;
  }

  function accept(app: AppState, fields: Omit<SandboxMessage, "msgId" | "appKey" | "acceptedAt">, now: number): SandboxMessage {
    const message: SandboxMessage = { msgId: issueMsgId(), appKey: app.appKey, acceptedAt: now, ...fields };
    accepted.set(message.msgId, message);
    const key = repeatKey(app.appKey, message.mobile, message.tempId, message.tempPara);
    lastSent.set(key, now);
    const copy = copies.get(key);
    if (copy) copy.count++;
    else copies.set(key, { appKey: app.appKey, mobile: message.mobile, tempId: message.tempId, tempPara: { ...message.tempPara }, count: 1 });
    app.balance--;
    app.stats.accepted++;
    scheduleReport(app, message);
    return message;
  }

  function optionalMeta(body: JsonObject): { signId?: number; tag?: string } {
    const meta: { signId?: number; tag?: string } = {};
    if (body.sign_id !== undefined && body.sign_id !== null) meta.signId = Number(body.sign_id);
    if (typeof body.tag === "string") meta.tag = body.tag;
    return meta;
  }

  function sendSingle(app: AppState, body: JsonObject): { status: number; json: string } | SandboxError {
    const mobileOrError = readMobile(body.mobile);
    if (isSandboxError(mobileOrError) && mobileOrError.code === 50004) return mobileOrError;
    const tempId = readTempId(body, templates);
    if (isSandboxError(tempId)) return tempId;
    const optional = checkOptionalFields(body);
    if (optional) return optional;
    const params = readTempPara(body.temp_para);
    if (isSandboxError(params)) return params;
    if (isSandboxError(mobileOrError)) return mobileOrError;
    const mobile = mobileOrError;
    const missing = checkTemplateParams(templates.get(tempId) ?? [], params);
    if (missing) return missing;
    if (unsubscribed.has(mobile)) return sandboxError(50024);
    const now = Date.now();
    if (isRepeat(repeatKey(app.appKey, mobile, tempId, params), now)) return sandboxError(50034);
    if (app.balance < 1) return sandboxError(50014);
    app.stats.sendRequests++;
    app.stats.singleRequests++;
    app.stats.recipients++;
    const message = accept(app, { mobile, tempId, tempPara: params, ...optionalMeta(body) }, now);
    const msgId = (options.singleMsgIdAs ?? "number") === "number" ? message.msgId : JSON.stringify(message.msgId);
    return { status: 200, json: `{"msg_id":${msgId}}` };
  }

  function sendBatch(app: AppState, body: JsonObject): { status: number; json: string } | SandboxError {
    const tempId = readTempId(body, templates);
    if (isSandboxError(tempId)) return tempId;
    const optional = checkOptionalFields(body);
    if (optional) return optional;
    const recipients = body.recipients;
    if (recipients === undefined || recipients === null || (Array.isArray(recipients) && recipients.length === 0)) return sandboxError(50030);
    if (!Array.isArray(recipients)) return sandboxError(50007);
    if (recipients.length > 1000) return sandboxError(50031);

    const now = Date.now();
    const paramNames = templates.get(tempId) ?? [];
    const seenInRequest = new Set<string>();
    type Judged = { mobileText: string; raw: JsonValue; ok: true; mobile: string; params: TemplateParams } | { mobileText: string; raw: JsonValue; ok: false; error: SandboxError };
    const judged: Judged[] = recipients.map((raw): Judged => {
      const entry = isJsonObject(raw) ? raw : {};
      const mobileText = typeof entry.mobile === "string" ? entry.mobile : typeof entry.mobile === "number" || typeof entry.mobile === "bigint" ? entry.mobile.toString() : "";
      const mobile = readMobile(entry.mobile);
      if (isSandboxError(mobile)) return { mobileText, raw, ok: false, error: mobile };
      const params = readTempPara(entry.temp_para);
      if (isSandboxError(params)) return { mobileText, raw, ok: false, error: params };
      const missing = checkTemplateParams(paramNames, params);
      if (missing) return { mobileText, raw, ok: false, error: missing };
      if (unsubscribed.has(mobile)) return { mobileText, raw, ok: false, error: sandboxError(50024) };
      const key = repeatKey(app.appKey, mobile, tempId, params);
      if (isRepeat(key, now) || (limits.repeatSendWindowMs > 0 && seenInRequest.has(key))) {
        return { mobileText, raw, ok: false, error: sandboxError(50034) };
      }
      seenInRequest.add(key);
      return { mobileText, raw, ok: true, mobile, params };
    });
    const sendable = judged.filter((j) => j.ok).length;
    // No partial sends: a batch the balance cannot cover is refused as a whole.
    if (sendable > app.balance) return sandboxError(50014);

    app.stats.sendRequests++;
    app.stats.batchRequests++;
    app.stats.recipients += judged.length;
    const meta = optionalMeta(body);
    const entries = judged.map((j) => {
      if (j.ok) {
        const message = accept(app, { mobile: j.mobile, tempId, tempPara: j.params, ...meta }, now);
        return JSON.stringify({ msg_id: message.msgId, mobile: j.mobile });
      }
      countError(j.error.code);
      app.stats.rejected++;
      // As in Jiguang's documented example: the code as a string, and a msg_id even on failure.
      const failed: Record<string, unknown> = { error_code: String(j.error.code), error_message: j.error.message, msg_id: issueMsgId(), mobile: j.mobileText };
      if (isJsonObject(j.raw) && isJsonObject(j.raw.temp_para)) failed.temp_para = j.raw.temp_para;
      return JSON.stringify(failed, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    });
    const failures = judged.length - sendable;
    return { status: 200, json: `{"success_count":${sendable},"failure_count":${failures},"recipients":[${entries.join(",")}]}` };
  }

  function withinRate(app: AppState, now: number): boolean {
    const limit = limits.rateLimitPerSecond;
    if (limit === null) return true;
    app.recentSends = app.recentSends.filter((t) => now - t < 1_000);
    if (app.recentSends.length >= limit) return false;
    app.recentSends.push(now);
    return true;
  }

  // --- HTTP ------------------------------------------------------------------------------------

  function authenticate(header: string | undefined): AppState | SandboxError {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
    if (!match) return sandboxError(50001);
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const app = colon > 0 ? apps.get(decoded.slice(0, colon)) : undefined;
    if (!app || app.masterSecret !== decoded.slice(colon + 1)) return sandboxError(50002);
    return app;
  }

  function snapshot(): JsmsSandboxStats {
    const appStats: Record<string, SandboxAppStats> = {};
    for (const app of apps.values()) appStats[app.appKey] = { ...app.stats, balance: app.balance };
    return {
      connections,
      requests,
      apps: appStats,
      errors: { ...errors },
      faults: { ...faultStats },
      distinctMessages: copies.size,
      acceptedMoreThanOnce: [...copies.values()].filter((c) => c.count > 1).map((c) => ({ ...c, tempPara: { ...c.tempPara } })),
      callbacks: { ...poster.stats, ...callbackKinds },
    };
  }

  /** Resolves after `ms`, or at once when the sandbox closes. */
  function holdBack(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.release(), ms),
        release: () => {
          clearTimeout(entry.timer);
          heldBack.delete(entry);
          resolve();
        },
      };
      heldBack.add(entry);
    });
  }

  type ApiAnswer = { status: number; json: string; contentType?: string } | SandboxError | "drop";

  /** The send faults that act after processing: the messages are accepted, the answer is lost or late. */
  async function afterSend(answer: ApiAnswer): Promise<ApiAnswer> {
    if (fault.dropAfterAcceptNext > 0) {
      fault.dropAfterAcceptNext--;
      faultStats.droppedAfterAccept++;
      return "drop";
    }
    if (fault.lateAnswerNext > 0) {
      fault.lateAnswerNext--;
      faultStats.lateAnswers++;
      await holdBack(fault.lateAnswerMs);
    }
    return answer;
  }

  async function handleApi(req: http.IncomingMessage, path: string, bodyText: string): Promise<ApiAnswer> {
    requests++;
    if (fault.dropNext > 0) {
      fault.dropNext--;
      faultStats.dropped++;
      return "drop";
    }
    if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.failForMs > 0) {
      fault.failUntil = Date.now() + fault.failForMs;
      fault.failForMs = 0;
    }
    const inOutage = Date.now() < fault.failUntil;
    if (fault.failNext > 0 || inOutage) {
      if (!inOutage) fault.failNext--;
      faultStats.failed++;
      if (fault.failBody === "html") {
        return { status: fault.failStatus, json: `<html><body><h1>${fault.failStatus}</h1>upstream failed</body></html>`, contentType: "text/html" };
      }
      return { ...sandboxError(50019), httpStatus: fault.failStatus };
    }
    if (req.method !== API_ROUTES[path]) return sandboxError(50018);
    const app = authenticate(req.headers.authorization);
    if (isSandboxError(app)) return app;

    if (path === "/v1/accounts/app") {
      app.stats.balanceQueries++;
      // One all-purpose quota; null is Jiguang's "nothing allocated" for the per-kind quotas.
      return { status: 200, json: JSON.stringify({ app_balance: app.balance, app_voice: null, app_industry: null, app_market: null }) };
    }
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return sandboxError(50017);
    if (bodyText.trim() === "") return sandboxError(50003);
    let body: JsonValue;
    try {
      body = parseJsonExact(bodyText);
    } catch {
      return sandboxError(50007);
    }
    if (!isJsonObject(body)) return sandboxError(50007);
    const result = !withinRate(app, Date.now()) ? sandboxError(50009) : path === "/v1/messages" ? sendSingle(app, body) : sendBatch(app, body);
    if (isSandboxError(result)) app.stats.rejected += path === "/v1/messages" ? 1 : Array.isArray(body.recipients) ? body.recipients.length : 0;
    return afterSend(result);
  }

  function handleControl(method: string, path: string, bodyText: string): { status: number; json: string } {
    if (method === "GET" && path === "/__sandbox/stats") return { status: 200, json: JSON.stringify(snapshot()) };
    if (method === "GET" && path === "/__sandbox/messages") return { status: 200, json: JSON.stringify([...accepted.values()]) };
    if (method !== "POST") return { status: 405, json: JSON.stringify({ error: "use GET for stats and messages, POST for changes" }) };
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(bodyText || "{}");
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return { status: 400, json: JSON.stringify({ error: "body must be a JSON object" }) };
    }
    const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined);
    const num = (key: string) => (typeof body[key] === "number" ? (body[key] as number) : undefined);
    const ok = { status: 200, json: "{}" };
    switch (path) {
      case "/__sandbox/faults": {
        const failBody = str("failBody");
        if (failBody !== undefined && failBody !== "jsms" && failBody !== "html") return { status: 400, json: JSON.stringify({ error: 'failBody is "jsms" or "html"' }) };
        handle.faults({
          failNext: num("failNext"),
          failStatus: num("failStatus"),
          failForMs: num("failForMs"),
          failBody,
          dropNext: num("dropNext"),
          dropAfterAcceptNext: num("dropAfterAcceptNext"),
          lateAnswerNext: num("lateAnswerNext"),
          lateAnswerMs: num("lateAnswerMs"),
          latencyMs: num("latencyMs"),
        });
        return ok;
      }
      case "/__sandbox/limits": {
        const rate = body.rateLimitPerSecond;
        if (rate !== undefined && rate !== null && typeof rate !== "number") return { status: 400, json: JSON.stringify({ error: "rateLimitPerSecond is a number or null" }) };
        handle.setLimits({ rateLimitPerSecond: rate, repeatSendWindowMs: num("repeatSendWindowMs") });
        return ok;
      }
      case "/__sandbox/apps": {
        const appKey = str("appKey");
        const masterSecret = str("masterSecret");
        if (!appKey || !masterSecret) return { status: 400, json: JSON.stringify({ error: "appKey and masterSecret are required" }) };
        addApp({ appKey, masterSecret, balance: num("balance"), callbackUrl: str("callbackUrl") });
        return ok;
      }
      case "/__sandbox/callback-url": {
        const appKey = str("appKey");
        if (!appKey || !apps.has(appKey)) return { status: 404, json: JSON.stringify({ error: "unknown appKey" }) };
        handle.setCallbackUrl(appKey, str("url"));
        return ok;
      }
      case "/__sandbox/balance": {
        const appKey = str("appKey");
        const balance = num("balance");
        if (!appKey || !apps.has(appKey) || balance === undefined) return { status: 400, json: JSON.stringify({ error: "appKey (known) and balance are required" }) };
        handle.setBalance(appKey, balance);
        return ok;
      }
      case "/__sandbox/reply": {
        const appKey = str("appKey");
        const phone = str("phone");
        const content = str("content");
        if (!appKey || !apps.has(appKey) || !phone || content === undefined) return { status: 400, json: JSON.stringify({ error: "appKey (known), phone and content are required" }) };
        void handle.injectReply({ appKey, phone, content });
        return { status: 202, json: "{}" };
      }
      case "/__sandbox/report": {
        const msgId = str("msgId");
        const status = num("status");
        if (!msgId || !accepted.has(msgId) || status === undefined) return { status: 400, json: JSON.stringify({ error: "msgId (accepted) and status are required" }) };
        void handle.injectReport({ msgId, status });
        return { status: 202, json: "{}" };
      }
      case "/__sandbox/callback": {
        // Any signed callback, e.g. SMS_TEMPLATE / SMS_SIGN review results, which JSMS posts on its own.
        const appKey = str("appKey");
        const type = str("type");
        const data = body.data;
        if (!appKey || !apps.has(appKey) || !type || data === undefined) {
          return { status: 400, json: JSON.stringify({ error: "appKey (known), type and data are required" }) };
        }
        void handle.injectCallback({ appKey, type, data: typeof data === "string" ? data : JSON.stringify(data) });
        return { status: 202, json: "{}" };
      }
      default:
        return { status: 404, json: JSON.stringify({ error: "unknown sandbox endpoint" }) };
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const bodyText = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://sandbox").pathname;
      const send = (status: number, json: string, contentType = "application/json;charset=utf-8") => {
        // A held-back answer may find its client gone.
        if (res.destroyed) return;
        res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(json) });
        res.end(json);
      };
      if (path.startsWith("/__sandbox/")) {
        const answer = handleControl(req.method ?? "GET", path, bodyText);
        send(answer.status, answer.json);
        return;
      }
      if (!Object.hasOwn(API_ROUTES, path)) {
        requests++;
        countError(50016);
        const error = sandboxError(50016);
        send(error.httpStatus, JSON.stringify({ error: { code: error.code, message: error.message } }));
        return;
      }
      handleApi(req, path, bodyText).then(
        (answer) => {
          if (answer === "drop") {
            req.socket.destroy();
            return;
          }
          if (isSandboxError(answer)) {
            countError(answer.code);
            send(answer.httpStatus, JSON.stringify({ error: { code: answer.code, message: answer.message } }));
            return;
          }
          send(answer.status, answer.json, answer.contentType);
        },
        (error: unknown) => {
          options.log?.(`sandbox error: ${String(error)}`);
          send(500, JSON.stringify({ error: { code: 50019, message: "server error" } }));
        },
      );
    });
  });
  server.on("connection", (socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  const handle: JsmsSandbox = {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stats: snapshot,
    messages: () => [...accepted.values()],
    faults(change) {
      if (change.failNext !== undefined) fault.failNext = change.failNext;
      if (change.failStatus !== undefined) fault.failStatus = change.failStatus;
      if (change.failForMs !== undefined) {
        fault.failForMs = change.failForMs;
        fault.failUntil = 0;
      }
      if (change.failBody !== undefined) fault.failBody = change.failBody;
      if (change.dropNext !== undefined) fault.dropNext = change.dropNext;
      if (change.dropAfterAcceptNext !== undefined) fault.dropAfterAcceptNext = change.dropAfterAcceptNext;
      if (change.lateAnswerNext !== undefined) fault.lateAnswerNext = change.lateAnswerNext;
      if (change.lateAnswerMs !== undefined) fault.lateAnswerMs = change.lateAnswerMs;
      if (change.latencyMs !== undefined) fault.latencyMs = change.latencyMs;
    },
    setLimits(change) {
      if (change.rateLimitPerSecond !== undefined) {
        limits.rateLimitPerSecond = change.rateLimitPerSecond;
        for (const app of apps.values()) app.recentSends = [];
      }
      if (change.repeatSendWindowMs !== undefined) limits.repeatSendWindowMs = change.repeatSendWindowMs;
    },
    timesAccepted({ appKey, mobile, tempId, tempPara }) {
      const params = Object.fromEntries(Object.entries(tempPara ?? {}).map(([k, v]) => [k, String(v)]));
      if (appKey !== undefined) return copies.get(repeatKey(appKey, mobile, tempId, params))?.count ?? 0;
      let count = 0;
      for (const app of apps.keys()) count += copies.get(repeatKey(app, mobile, tempId, params))?.count ?? 0;
      return count;
    },
    addApp,
    setCallbackUrl(appKey, url) {
      const app = apps.get(appKey);
      if (!app) throw new Error(`unknown appKey ${appKey}`);
      if (app.callbackUrl !== undefined) poster.forgetUrl(app.callbackUrl);
      if (url !== undefined) poster.forgetUrl(url);
      app.callbackUrl = url;
    },
    setBalance(appKey, balance) {
      const app = apps.get(appKey);
      if (!app) throw new Error(`unknown appKey ${appKey}`);
      app.balance = balance;
    },
    injectReply({ appKey, phone, content, replyTime }) {
      const app = apps.get(appKey);
      if (!app) throw new Error(`unknown appKey ${appKey}`);
      callbackKinds.replies++;
      return postCallback(app, "SMS_REPLY", () => JSON.stringify({ phone, replyTime: replyTime ?? Date.now(), content }), 0);
    },
    injectReport({ msgId, status, receiveTime }) {
      const message = accepted.get(msgId);
      const app = message && apps.get(message.appKey);
      if (!message || !app) throw new Error(`no accepted message ${msgId}`);
      callbackKinds.reports++;
      return postCallback(app, "SMS_REPORT", () => reportData(message, status, receiveTime), 0);
    },
    injectCallback({ appKey, type, data }) {
      const app = apps.get(appKey);
      if (!app) throw new Error(`unknown appKey ${appKey}`);
      callbackKinds.other++;
      return postCallback(app, type, () => data, 0);
    },
    settleCallbacks: () => poster.settle(),
    async close() {
      poster.close();
      for (const entry of [...heldBack]) entry.release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return handle;
}
