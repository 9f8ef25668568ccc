import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JsmsClient, testJsmsConnection, type JsmsClientOptions, type JsmsExchange } from "@/lib/sender/jsms/client";
import { JsmsError } from "@/lib/sender/jsms/errors";
import { startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms/sandbox/server";

const APP = { appKey: "a1b2c3d4e5f6a7b8c9d0e1f2", masterSecret: "0123456789abcdef01234567" };
const FAST_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

let sandbox: JsmsSandbox;
const clients: JsmsClient[] = [];

function client(options: JsmsClientOptions = {}, credentials = APP): JsmsClient {
  const c = new JsmsClient(credentials, { baseUrl: sandbox.url, retry: FAST_RETRY, timeoutMs: 2_000, ...options });
  clients.push(c);
  return c;
}

function mobile(i: number): string {
  return `139${String(i).padStart(8, "0")}`;
}

let freshCount = 0;
/** Numbers no other test uses, so "accepted exactly once" counts are this test's own. */
function freshRecipients(n: number): Array<{ mobile: string }> {
  return Array.from({ length: n }, () => ({ mobile: `136${String(freshCount++).padStart(8, "0")}` }));
}

async function rejection(promise: Promise<unknown>): Promise<JsmsError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JsmsError);
  return error as JsmsError;
}

/** A throwaway HTTP server with a scripted answer, for answers the sandbox would never give. */
async function scriptedServer(answer: (req: http.IncomingMessage, body: string) => { status: number; body: string }) {
  let hits = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits++;
      const a = answer(req, body);
      res.writeHead(a.status, { "Content-Type": "application/json" });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  sandbox = await startJsmsSandbox({
    apps: [APP],
    templates: [
      { tempId: 1, params: ["code"] },
      { tempId: 7, params: [] },
    ],
    unsubscribed: ["13700000000"],
    reports: false,
    defaultBalance: 10_000,
  });
});

afterEach(() => {
  sandbox.faults({ failNext: 0, dropNext: 0, dropAfterAcceptNext: 0, lateAnswerNext: 0, latencyMs: 0, failStatus: 500, failBody: "jsms" });
  sandbox.setLimits({ rateLimitPerSecond: null, repeatSendWindowMs: 0 });
  sandbox.setBalance(APP.appKey, 10_000);
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await sandbox.close();
});

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("sendTemplate", () => {
  it("sends over Basic auth and keeps a numeric msg_id beyond 2^53 exact", async () => {
    const { msgId } = await client().sendTemplate({ mobile: "13800138000", tempId: 1, tempPara: { code: "123456" }, signId: 12 });
    const recorded = sandbox.messages().find((m) => m.msgId === msgId);
    expect(recorded).toMatchObject({ appKey: APP.appKey, mobile: "13800138000", tempId: 1, tempPara: { code: "123456" }, signId: 12 });
    expect(BigInt(msgId) > 2n ** 53n).toBe(true);
  });

  it("reuses one keep-alive connection for consecutive calls", async () => {
    const before = sandbox.stats().connections;
    const c = client();
    for (let i = 0; i < 5; i++) await c.sendTemplate({ mobile: mobile(i), tempId: 7 });
    expect(sandbox.stats().connections - before).toBe(1);
  });

  it("throws auth failure 50002 (HTTP 401) without retrying", async () => {
    const before = sandbox.stats().requests;
    const error = await rejection(client({}, { ...APP, masterSecret: "wrong" }).sendTemplate({ mobile: "13800138000", tempId: 7 }));
    expect(error).toMatchObject({ code: 50002, httpStatus: 401, retryable: false, scope: "channel", outcome: "not_sent" });
    expect(error.message).toContain("AppKey or MasterSecret rejected");
    expect(sandbox.stats().requests - before).toBe(1);
  });

  it("throws invalid mobile 50006 as a final invalid_number, sent once", async () => {
    const before = sandbox.stats().requests;
    const error = await rejection(client().sendTemplate({ mobile: "12345", tempId: 7 }));
    expect(error).toMatchObject({ code: 50006, httpStatus: 403, retryable: false, category: "invalid_number", scope: "recipient" });
    expect(sandbox.stats().requests - before).toBe(1);
  });

  it("throws template errors: unknown temp_id 50013, missing parameters 50022", async () => {
    expect(await rejection(client().sendTemplate({ mobile: "13800138000", tempId: 999 }))).toMatchObject({ code: 50013, category: "content_rejected" });
    expect(await rejection(client().sendTemplate({ mobile: "13800138000", tempId: 1 }))).toMatchObject({ code: 50022, category: "content_rejected" });
  });

  it("throws 50024 for an unsubscribed number and 50014 when the balance is used up", async () => {
    expect(await rejection(client().sendTemplate({ mobile: "13700000000", tempId: 7 }))).toMatchObject({ code: 50024, category: "blacklisted" });
    sandbox.setBalance(APP.appKey, 0);
    expect(await rejection(client().sendTemplate({ mobile: "13800138000", tempId: 7 }))).toMatchObject({ code: 50014, category: "no_balance", retryable: false });
  });

  it("throws 50034 for the same message again once the repeat check is on, without retrying", async () => {
    sandbox.setLimits({ repeatSendWindowMs: 60_000 });
    const message = { mobile: "13800138050", tempId: 1, tempPara: { code: "50" } };
    await client().sendTemplate(message);
    const before = sandbox.stats().requests;
    expect(await rejection(client().sendTemplate(message))).toMatchObject({ code: 50034, category: "rate_limited", retryable: false, outcome: "not_sent" });
    expect(sandbox.stats().requests - before).toBe(1);
    expect(sandbox.timesAccepted({ appKey: APP.appKey, ...message })).toBe(1);
  });

  it("retries the 50009 rate limit with the backoff policy, and the message is accepted once", async () => {
    sandbox.setLimits({ rateLimitPerSecond: 1 });
    const c = client({ retry: { attempts: 3, baseDelayMs: 400, maxDelayMs: 5_000 } });
    await c.sendTemplate({ mobile: "13800138060", tempId: 7 });
    const delays: number[] = [];
    const retriedOn: Array<number | string> = [];
    const limited = client({
      retry: { attempts: 3, baseDelayMs: 400, maxDelayMs: 5_000 },
      hooks: {
        random: () => 0.5,
        onRetry: (error) => retriedOn.push(error.code),
        // Stands for the wait: the limit clears while the client backs off.
        sleep: async (ms) => {
          delays.push(ms);
          sandbox.setLimits({ rateLimitPerSecond: null });
        },
      },
    });
    const errorsBefore = sandbox.stats().errors["50009"] ?? 0;
    const { msgId } = await limited.sendTemplate({ mobile: "13800138061", tempId: 7 });
    expect(retriedOn).toEqual([50009]);
    expect(delays).toEqual([200]);
    expect((sandbox.stats().errors["50009"] ?? 0) - errorsBefore).toBe(1);
    expect(sandbox.messages().find((m) => m.msgId === msgId)?.mobile).toBe("13800138061");
    expect(sandbox.timesAccepted({ mobile: "13800138061", tempId: 7 })).toBe(1);
  });

  it("retries a refused connection (nothing was sent) and succeeds once JSMS listens", async () => {
    const port = await freePort();
    let late: JsmsSandbox | undefined;
    const retriedOn: JsmsError[] = [];
    const c = new JsmsClient(APP, {
      baseUrl: `http://127.0.0.1:${port}`,
      retry: FAST_RETRY,
      hooks: {
        onRetry: (error) => retriedOn.push(error),
        sleep: async () => {
          late ??= await startJsmsSandbox({ port, apps: [APP], templates: [{ tempId: 7, params: [] }], reports: false });
        },
      },
    });
    try {
      const { msgId } = await c.sendTemplate({ mobile: "13800138070", tempId: 7 });
      expect(retriedOn).toHaveLength(1);
      expect(retriedOn[0]).toMatchObject({ code: "network", outcome: "not_sent" });
      expect(retriedOn[0].message).toMatch(/^Could not reach POST http:\/\/127\.0\.0\.1:\d+\/v1\/messages: ECONNREFUSED$/);
      expect(late!.messages().map((m) => m.msgId)).toEqual([msgId]);
    } finally {
      c.close();
      await late?.close();
    }
  });

  it("does not retry a send whose answer came too late: it was accepted, and its outcome is unknown", async () => {
    sandbox.faults({ lateAnswerNext: 1, lateAnswerMs: 1_000 });
    const before = sandbox.stats().requests;
    const retries: number[] = [];
    const error = await rejection(client({ timeoutMs: 150, hooks: { onRetry: (_e, n) => retries.push(n) } }).sendTemplate({ mobile: "13800138004", tempId: 7 }));
    expect(error).toMatchObject({ code: "submit_outcome_unknown", outcome: "unknown", retryable: false, category: "unknown", httpStatus: null });
    expect(error.message).toMatch(/^JSMS may have accepted this send; it is not sent again\. No answer from POST http:.*\/v1\/messages within 150 ms$/);
    expect(error.cause).toMatchObject({ code: "timeout" });
    expect(retries).toEqual([]);
    expect(sandbox.stats().requests - before).toBe(1);
    expect(sandbox.timesAccepted({ appKey: APP.appKey, mobile: "13800138004", tempId: 7 })).toBe(1);
  });

  it("does not retry a 5xx answer to a send, with or without a JSMS error body: the outcome is unknown", async () => {
    for (const failBody of ["jsms", "html"] as const) {
      sandbox.faults({ failNext: 1, failStatus: 503, failBody });
      const before = sandbox.stats().requests;
      const error = await rejection(client().sendTemplate({ mobile: "13800138001", tempId: 7 }));
      expect(error).toMatchObject({ code: "submit_outcome_unknown", outcome: "unknown", retryable: false, httpStatus: 503 });
      expect(error.cause).toMatchObject(failBody === "jsms" ? { code: 50019 } : { code: "http" });
      expect(sandbox.stats().requests - before).toBe(1);
    }
  });

  it("does not retry a send whose connection was cut after the body was read", async () => {
    for (const fault of [{ dropNext: 1 }, { dropAfterAcceptNext: 1 }]) {
      sandbox.faults(fault);
      const before = sandbox.stats().requests;
      const error = await rejection(client().sendTemplate({ mobile: "13800138003", tempId: 7 }));
      expect(error).toMatchObject({ code: "submit_outcome_unknown", outcome: "unknown" });
      expect(error.message).toContain("failed after the request was sent");
      expect(sandbox.stats().requests - before).toBe(1);
    }
    // Only the second fault processed the send before cutting the connection.
    expect(sandbox.timesAccepted({ mobile: "13800138003", tempId: 7 })).toBe(1);
  });
});

describe("sendBatchChunk", () => {
  let three: Array<{ mobile: string }>;
  beforeEach(() => {
    three = freshRecipients(3);
  });

  it("sends one request and answers one accepted result per recipient", async () => {
    const before = sandbox.stats().apps[APP.appKey].batchRequests;
    const result = await client().sendBatchChunk({ tempId: 7, tag: "t", recipients: three });
    expect(result).toMatchObject({ successCount: 3, failureCount: 0, unknownCount: 0 });
    expect(result.results.map((r) => [r.index, r.mobile, r.outcome])).toEqual(three.map((r, i) => [i, r.mobile, "accepted"]));
    expect(sandbox.stats().apps[APP.appKey].batchRequests - before).toBe(1);
  });

  it("refuses more than 1000 recipients before sending anything", async () => {
    const before = sandbox.stats().requests;
    await expect(client().sendBatchChunk({ tempId: 7, recipients: Array.from({ length: 1001 }, (_, i) => ({ mobile: mobile(i) })) })).rejects.toThrow(RangeError);
    expect(sandbox.stats().requests - before).toBe(0);
  });

  it("a timeout after the body was sent is not retried, every recipient is unknown, and JSMS accepted the batch once", async () => {
    sandbox.faults({ lateAnswerNext: 1, lateAnswerMs: 1_000 });
    const before = sandbox.stats();
    const recipients = three.map((r, i) => ({ ...r, tempPara: { code: String(i) } }));
    const result = await client({ timeoutMs: 150 }).sendBatchChunk({ tempId: 1, recipients });
    expect(result).toMatchObject({ successCount: 0, failureCount: 0, unknownCount: 3 });
    for (const [i, r] of result.results.entries()) {
      expect(r).toMatchObject({ index: i, mobile: recipients[i].mobile, outcome: "unknown", ok: false });
      expect(r.ok ? null : r.error).toMatchObject({ code: "submit_outcome_unknown", retryable: false, category: "unknown", scope: "request" });
    }
    const after = sandbox.stats();
    expect(after.requests - before.requests).toBe(1);
    expect(after.apps[APP.appKey].batchRequests - before.apps[APP.appKey].batchRequests).toBe(1);
    expect(after.faults.lateAnswers - before.faults.lateAnswers).toBe(1);
    for (const r of recipients) expect(sandbox.timesAccepted({ mobile: r.mobile, tempId: 1, tempPara: r.tempPara })).toBe(1);
    expect(after.acceptedMoreThanOnce.filter((c) => recipients.some((r) => r.mobile === c.mobile))).toEqual([]);
  });

  it("a 5xx after the body was sent is unknown for every recipient and not retried", async () => {
    for (const failBody of ["jsms", "html"] as const) {
      sandbox.faults({ failNext: 1, failStatus: 502, failBody });
      const before = sandbox.stats().requests;
      const result = await client().sendBatchChunk({ tempId: 7, recipients: three });
      expect(result.unknownCount).toBe(3);
      expect(result.results.every((r) => r.outcome === "unknown" && r.error.code === "submit_outcome_unknown" && !r.error.retryable)).toBe(true);
      expect(sandbox.stats().requests - before).toBe(1);
    }
  });

  it("a 50009 refusal is retried after a backoff and every recipient is accepted once", async () => {
    sandbox.setLimits({ rateLimitPerSecond: 1 });
    await client().sendTemplate({ mobile: "13900000100", tempId: 7 });
    const delays: number[] = [];
    const exchanges: JsmsExchange[] = [];
    const c = client({
      retry: { attempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 },
      observe: (exchange) => exchanges.push(exchange),
      hooks: {
        random: () => 0.999,
        sleep: async (ms) => {
          delays.push(ms);
          sandbox.setLimits({ rateLimitPerSecond: null });
        },
      },
    });
    const result = await c.sendBatchChunk({ tempId: 7, recipients: three });
    expect(delays).toEqual([999]);
    expect(result.successCount).toBe(3);
    // Each try is an exchange of its own: the refused one with its code, then the accepted one.
    expect(exchanges.map((e) => [e.method, e.path, e.errorCode])).toEqual([
      ["POST", "/v1/messages/batch", 50009],
      ["POST", "/v1/messages/batch", null],
    ]);
    for (const r of three) expect(sandbox.timesAccepted({ mobile: r.mobile, tempId: 7 })).toBe(1);
  });

  it("50009 on every attempt leaves every recipient not sent and retryable", async () => {
    sandbox.setLimits({ rateLimitPerSecond: 0 });
    const result = await client().sendBatchChunk({ tempId: 7, recipients: three });
    expect(result).toMatchObject({ successCount: 0, failureCount: 3, unknownCount: 0 });
    expect(result.results.every((r) => r.outcome === "not_sent" && r.error.code === 50009 && r.error.retryable && r.error.category === "rate_limited")).toBe(true);
  });

  it("a repeat inside the batch and across batches is refused per recipient with 50034 once the check is on", async () => {
    sandbox.setLimits({ repeatSendWindowMs: 60_000 });
    const same = { mobile: "13900000199", tempPara: { code: "9" } };
    const first = await client().sendBatchChunk({ tempId: 1, recipients: [same, same, { mobile: "13900000198", tempPara: { code: "9" } }] });
    expect(first.results.map((r) => (r.ok ? "accepted" : r.error.code))).toEqual(["accepted", 50034, "accepted"]);
    expect(first.results[1]).toMatchObject({ outcome: "not_sent", error: { category: "rate_limited", retryable: false, scope: "recipient" } });
    const again = await client().sendBatchChunk({ tempId: 1, recipients: [same] });
    expect(again.results[0]).toMatchObject({ outcome: "not_sent", error: { code: 50034 } });
    expect(sandbox.timesAccepted({ mobile: same.mobile, tempId: 1, tempPara: same.tempPara })).toBe(1);
  });
});

describe("sendBatch", () => {
  it("splits 2500 recipients into requests of 1000, 1000 and 500 and returns every msg_id in order", async () => {
    const before = sandbox.stats().apps[APP.appKey];
    const recipients = Array.from({ length: 2500 }, (_, i) => ({ mobile: mobile(i), tempPara: { code: String(i) } }));
    const result = await client().sendBatch({ tempId: 1, tag: "nightly", recipients });
    expect(result.successCount).toBe(2500);
    expect(result.failureCount).toBe(0);
    expect(result.results.map((r) => r.index)).toEqual(recipients.map((_, i) => i));
    expect(result.results.map((r) => r.mobile)).toEqual(recipients.map((r) => r.mobile));
    const ids = result.results.map((r) => (r.ok ? r.msgId : ""));
    expect(new Set(ids).size).toBe(2500);
    const after = sandbox.stats().apps[APP.appKey];
    expect(after.batchRequests - before.batchRequests).toBe(3);
    expect(after.recipients - before.recipients).toBe(2500);
    const byId = new Map(sandbox.messages().map((m) => [m.msgId, m]));
    expect(byId.get(ids[1234])).toMatchObject({ mobile: mobile(1234), tempPara: { code: "1234" }, tag: "nightly" });
  });

  it("reports per-recipient failures (invalid mobile, missing parameter, unsubscribed) beside successes", async () => {
    const result = await client().sendBatch({
      tempId: 1,
      recipients: [
        { mobile: "13800000001", tempPara: { code: "1" } },
        { mobile: "2345", tempPara: { code: "2" } },
        { mobile: "13800000003" },
        { mobile: "13700000000", tempPara: { code: "4" } },
      ],
    });
    expect(result.successCount).toBe(1);
    expect(result.failureCount).toBe(3);
    expect(result.results[0]).toMatchObject({ ok: true, outcome: "accepted", mobile: "13800000001" });
    expect(result.results[1]).toMatchObject({ ok: false, outcome: "not_sent", mobile: "2345", error: { code: 50006, category: "invalid_number", retryable: false, scope: "recipient" } });
    expect(result.results[2]).toMatchObject({ ok: false, error: { code: 50022, category: "content_rejected" } });
    expect(result.results[3]).toMatchObject({ ok: false, error: { code: 50024, category: "blacklisted" } });
  });

  it("marks every recipient when a whole request is refused, and sends no further chunks", async () => {
    const before = sandbox.stats().requests;
    const recipients = Array.from({ length: 1500 }, (_, i) => ({ mobile: mobile(i) }));
    const result = await client().sendBatch({ tempId: 4242, recipients });
    expect(result.failureCount).toBe(1500);
    expect(result.results.every((r) => r.outcome === "not_sent" && r.error.code === 50013 && r.error.scope === "request")).toBe(true);
    expect(sandbox.stats().requests - before).toBe(1);
  });

  it("fails the whole batch with 50014 when the balance cannot cover it", async () => {
    sandbox.setBalance(APP.appKey, 2);
    const result = await client().sendBatch({ tempId: 7, recipients: [{ mobile: mobile(1) }, { mobile: mobile(2) }, { mobile: mobile(3) }] });
    expect(result.results.map((r) => !r.ok && r.error.code)).toEqual([50014, 50014, 50014]);
    expect(await client().getBalance()).toMatchObject({ appBalance: 2 });
  });

  it("after a chunk with an unknown outcome, sends no later chunk and marks those recipients not sent, retryable", async () => {
    sandbox.faults({ lateAnswerNext: 1, lateAnswerMs: 1_000 });
    const before = sandbox.stats().requests;
    const recipients = freshRecipients(1500).map((r) => ({ ...r, tempPara: { code: "late" } }));
    const result = await client({ timeoutMs: 150 }).sendBatch({ tempId: 1, recipients });
    expect(result).toMatchObject({ successCount: 0, unknownCount: 1000, failureCount: 500 });
    expect(result.results.slice(0, 1000).every((r) => r.outcome === "unknown" && r.error.code === "submit_outcome_unknown")).toBe(true);
    const later = result.results.slice(1000);
    expect(later.every((r) => r.outcome === "not_sent" && r.error.code === "not_sent" && r.error.retryable)).toBe(true);
    expect(sandbox.stats().requests - before).toBe(1);

    // The held-back chunk may be sent again, and is sent once.
    const resent = await client().sendBatch({ tempId: 1, recipients: recipients.slice(1000) });
    expect(resent.successCount).toBe(500);
    for (const r of recipients) expect(sandbox.timesAccepted({ mobile: r.mobile, tempId: 1, tempPara: r.tempPara })).toBe(1);
  });

  it("leaves later chunks retryable when a chunk is still rate limited after the retries", async () => {
    sandbox.setLimits({ rateLimitPerSecond: 0 });
    const result = await client().sendBatch({ tempId: 7, recipients: Array.from({ length: 1001 }, (_, i) => ({ mobile: mobile(i) })) });
    expect(result.failureCount).toBe(1001);
    expect(result.results.every((r) => r.outcome === "not_sent" && r.error.retryable && r.error.code === 50009)).toBe(true);
  });

  it("matches entries by mobile when the answer is out of order, and fails entries missing from it", async () => {
    const server = await scriptedServer((_req, body) => {
      const sent = JSON.parse(body) as { recipients: { mobile: string }[] };
      const entries = sent.recipients
        .filter((r) => r.mobile !== "13900000003")
        .map((r, i) => ({ msg_id: String(9_000_000_000_000_000_000n + BigInt(i)), mobile: r.mobile }))
        .reverse();
      return { status: 200, body: JSON.stringify({ success_count: entries.length, failure_count: 0, recipients: entries }) };
    });
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      const result = await c.sendBatch({ tempId: 1, recipients: ["13900000001", "13900000002", "13900000003"].map((m) => ({ mobile: m })) });
      expect(result.results[0]).toEqual({ index: 0, mobile: "13900000001", outcome: "accepted", ok: true, msgId: "9000000000000000000" });
      expect(result.results[1]).toEqual({ index: 1, mobile: "13900000002", outcome: "accepted", ok: true, msgId: "9000000000000000001" });
      // JSMS may have sent it: unknown, not a refusal to retry.
      expect(result.results[2]).toMatchObject({ outcome: "unknown", ok: false, error: { code: "submit_outcome_unknown", retryable: false } });
      expect(result.unknownCount).toBe(1);
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe("answers the sandbox never gives", () => {
  it("a 200 that is not JSON is an unknown outcome and is not retried (JSMS may have sent it)", async () => {
    const server = await scriptedServer(() => ({ status: 200, body: "<html>ok</html>" }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      const error = await rejection(c.sendTemplate({ mobile: "13800138000", tempId: 1 }));
      expect(error).toMatchObject({ code: "submit_outcome_unknown", outcome: "unknown", retryable: false });
      expect(error.cause).toMatchObject({ code: "bad_response" });
      expect(server.hits()).toBe(1);
    } finally {
      c.close();
      await server.close();
    }
  });

  it("a 502 page from a proxy: a balance query is retried as configured, a send is not", async () => {
    const server = await scriptedServer(() => ({ status: 502, body: "<html>bad gateway</html>" }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      expect(await rejection(c.getBalance())).toMatchObject({ code: "http", httpStatus: 502, retryable: true });
      expect(server.hits()).toBe(3);
      const batch = await c.sendBatchChunk({ tempId: 1, recipients: [{ mobile: "13800138000" }] });
      expect(batch.results[0]).toMatchObject({ outcome: "unknown", error: { code: "submit_outcome_unknown" } });
      expect(server.hits()).toBe(4);
    } finally {
      c.close();
      await server.close();
    }
  });

  it("a 429 without a JSMS body refuses a send, which is retried", async () => {
    let calls = 0;
    const server = await scriptedServer(() => (++calls === 1 ? { status: 429, body: "slow down" } : { status: 200, body: '{"msg_id":"42"}' }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      expect(await c.sendTemplate({ mobile: "13800138000", tempId: 1 })).toEqual({ msgId: "42" });
      expect(server.hits()).toBe(2);
    } finally {
      c.close();
      await server.close();
    }
  });

  it("a connection reset before the body was sent in full is retried: JSMS cannot have read that request", async () => {
    let connections = 0;
    // Reads the first bytes, then nothing (the body backs up in the socket buffers), then resets.
    const server = net.createServer((socket) => {
      connections++;
      socket.once("data", () => {
        socket.pause();
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const c = new JsmsClient(APP, { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retry: FAST_RETRY });
    try {
      // Far more than the loopback socket buffers hold, so the body cannot have left in full.
      const error = await rejection(c.sendTemplate({ mobile: "13800138000", tempId: 1, tempPara: { code: "x".repeat(16 * 1024 * 1024) } }));
      expect(error).toMatchObject({ code: "network", outcome: "not_sent", retryable: true });
      expect(error.message).toContain("failed before the request was sent in full");
      expect(connections).toBe(3);
    } finally {
      c.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a msg_id as a rounded float is refused rather than stored wrong", async () => {
    const server = await scriptedServer(() => ({ status: 200, body: '{"msg_id": 1.2345678901234567e18}' }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      expect((await rejection(c.sendTemplate({ mobile: "13800138000", tempId: 1 }))).cause).toMatchObject({ code: "bad_response" });
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe("getBalance and testJsmsConnection", () => {
  it("reads the app balance, which each accepted message lowers", async () => {
    sandbox.setBalance(APP.appKey, 50);
    const c = client();
    expect(await c.getBalance()).toEqual({ appBalance: 50, appVoice: null, appIndustry: null, appMarket: null });
    await c.sendBatch({ tempId: 7, recipients: [{ mobile: mobile(1) }, { mobile: "bad" }, { mobile: mobile(2) }] });
    expect((await c.getBalance()).appBalance).toBe(48);
  });

  it("retries 5xx answers and dropped connections (no side effect) and succeeds once the server recovers", async () => {
    const before = sandbox.stats();
    sandbox.faults({ failNext: 2, failStatus: 503, dropNext: 0 });
    const retries: number[] = [];
    await expect(client({ hooks: { onRetry: (_e, n) => retries.push(n) } }).getBalance()).resolves.toMatchObject({ appBalance: 10_000 });
    expect(retries).toEqual([1, 2]);
    expect(sandbox.stats().faults.failed - before.faults.failed).toBe(2);
    sandbox.faults({ dropNext: 1 });
    await expect(client().getBalance()).resolves.toMatchObject({ appBalance: 10_000 });
    expect(sandbox.stats().requests - before.requests).toBe(5);
  });

  it("gives up after the configured attempts with a retryable 50019", async () => {
    sandbox.faults({ failNext: 5 });
    const error = await rejection(client({ retry: { ...FAST_RETRY, attempts: 2 } }).getBalance());
    expect(error).toMatchObject({ code: 50019, httpStatus: 500, retryable: true });
  });

  it("reports success with the balance in words", async () => {
    sandbox.setBalance(APP.appKey, 321);
    const result = await testJsmsConnection(APP, { baseUrl: sandbox.url, timeoutMs: 2_000 });
    expect(result.ok).toBe(true);
    expect(result.detail).toBe("Credentials accepted. Balance: 321 (industry not allocated, marketing not allocated, voice not allocated).");
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("reports rejected credentials, an unreachable host and a timeout", async () => {
    const rejected = await testJsmsConnection({ ...APP, masterSecret: "nope" }, { baseUrl: sandbox.url });
    expect(rejected).toMatchObject({ ok: false, detail: "AppKey or MasterSecret rejected (50002)." });

    const closed = await scriptedServer(() => ({ status: 200, body: "{}" }));
    await closed.close();
    const unreachable = await testJsmsConnection(APP, { baseUrl: closed.url, timeoutMs: 1_000 });
    expect(unreachable.ok).toBe(false);
    expect(unreachable.detail).toMatch(/^Could not reach GET http:\/\/127\.0\.0\.1:\d+\/v1\/accounts\/app: ECONNREFUSED$/);

    expect(await testJsmsConnection(APP, { baseUrl: "ftp://example.com" })).toEqual({
      ok: false,
      latencyMs: 0,
      detail: "The JSMS base URL is not a valid http(s) URL: ftp://example.com",
    });

    sandbox.faults({ latencyMs: 300 });
    const slow = await testJsmsConnection(APP, { baseUrl: sandbox.url, timeoutMs: 50 });
    expect(slow.ok).toBe(false);
    expect(slow.detail).toMatch(/^No answer from GET http:.*\/v1\/accounts\/app within 50 ms$/);
  });
});
