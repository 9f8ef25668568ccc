import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JsmsClient, testJsmsConnection, type JsmsClientOptions } from "@/lib/sender/jsms/client";
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
  sandbox.faults({ failNext: 0, dropNext: 0, latencyMs: 0, failStatus: 500 });
  sandbox.setBalance(APP.appKey, 10_000);
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await sandbox.close();
});

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
    expect(error).toMatchObject({ code: 50002, httpStatus: 401, retryable: false, scope: "channel" });
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

  it("retries 5xx answers and succeeds once the server recovers", async () => {
    const before = sandbox.stats();
    sandbox.faults({ failNext: 2, failStatus: 503 });
    const retries: number[] = [];
    const { msgId } = await client({ hooks: { onRetry: (e, n) => retries.push(n) } }).sendTemplate({ mobile: "13800138001", tempId: 7 });
    expect(msgId).toMatch(/^\d+$/);
    expect(retries).toEqual([1, 2]);
    expect(sandbox.stats().faults.failed - before.faults.failed).toBe(2);
    expect(sandbox.stats().requests - before.requests).toBe(3);
  });

  it("gives up after the configured attempts with a retryable 50019", async () => {
    sandbox.faults({ failNext: 5 });
    const error = await rejection(client({ retry: { ...FAST_RETRY, attempts: 2 } }).sendTemplate({ mobile: "13800138002", tempId: 7 }));
    expect(error).toMatchObject({ code: 50019, httpStatus: 500, retryable: true });
  });

  it("retries a dropped connection (network error)", async () => {
    sandbox.faults({ dropNext: 1 });
    const before = sandbox.stats().faults.dropped;
    await expect(client().sendTemplate({ mobile: "13800138003", tempId: 7 })).resolves.toHaveProperty("msgId");
    expect(sandbox.stats().faults.dropped - before).toBe(1);
  });

  it("times out a slow answer", async () => {
    sandbox.faults({ latencyMs: 300 });
    const error = await rejection(client({ timeoutMs: 80, retry: { attempts: 1 } }).sendTemplate({ mobile: "13800138004", tempId: 7 }));
    expect(error).toMatchObject({ code: "timeout", retryable: true, httpStatus: null });
  });

  it("retries the 50009 rate limit after a backoff long enough to clear it", async () => {
    const limited = await startJsmsSandbox({ apps: [APP], templates: [{ tempId: 7, params: [] }], reports: false, rateLimitPerSecond: 1 });
    const c = new JsmsClient(APP, { baseUrl: limited.url, retry: { attempts: 2, baseDelayMs: 1_100, maxDelayMs: 1_100 }, hooks: { random: () => 0.999 } });
    try {
      await c.sendTemplate({ mobile: "13800138000", tempId: 7 });
      await c.sendTemplate({ mobile: "13800138001", tempId: 7 });
      expect(limited.stats().errors["50009"]).toBe(1);
      expect(limited.stats().apps[APP.appKey].accepted).toBe(2);
    } finally {
      c.close();
      await limited.close();
    }
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
    expect(result.results[0]).toMatchObject({ ok: true, mobile: "13800000001" });
    expect(result.results[1]).toMatchObject({ ok: false, mobile: "2345", error: { code: 50006, category: "invalid_number", retryable: false, scope: "recipient" } });
    expect(result.results[2]).toMatchObject({ ok: false, error: { code: 50022, category: "content_rejected" } });
    expect(result.results[3]).toMatchObject({ ok: false, error: { code: 50024, category: "blacklisted" } });
  });

  it("marks every recipient when a whole request is refused, and sends no further chunks", async () => {
    const before = sandbox.stats().requests;
    const recipients = Array.from({ length: 1500 }, (_, i) => ({ mobile: mobile(i) }));
    const result = await client().sendBatch({ tempId: 4242, recipients });
    expect(result.failureCount).toBe(1500);
    expect(result.results.every((r) => !r.ok && r.error.code === 50013 && r.error.scope === "request")).toBe(true);
    expect(sandbox.stats().requests - before).toBe(1);
  });

  it("fails the whole batch with 50014 when the balance cannot cover it", async () => {
    sandbox.setBalance(APP.appKey, 2);
    const result = await client().sendBatch({ tempId: 7, recipients: [{ mobile: mobile(1) }, { mobile: mobile(2) }, { mobile: mobile(3) }] });
    expect(result.results.map((r) => !r.ok && r.error.code)).toEqual([50014, 50014, 50014]);
    expect(await client().getBalance()).toMatchObject({ appBalance: 2 });
  });

  it("leaves later chunks retryable when retries run out on the network", async () => {
    sandbox.faults({ failNext: 3 });
    const result = await client().sendBatch({ tempId: 7, recipients: Array.from({ length: 1001 }, (_, i) => ({ mobile: mobile(i) })) });
    expect(result.failureCount).toBe(1001);
    expect(result.results.every((r) => !r.ok && r.error.retryable && r.error.code === 50019)).toBe(true);
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
      expect(result.results[0]).toEqual({ index: 0, mobile: "13900000001", ok: true, msgId: "9000000000000000000" });
      expect(result.results[1]).toEqual({ index: 1, mobile: "13900000002", ok: true, msgId: "9000000000000000001" });
      expect(result.results[2]).toMatchObject({ ok: false, error: { code: "bad_response", retryable: false } });
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe("answers the sandbox never gives", () => {
  it("a 200 that is not JSON is a bad_response and is not retried (JSMS may have sent it)", async () => {
    const server = await scriptedServer(() => ({ status: 200, body: "<html>ok</html>" }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      expect(await rejection(c.sendTemplate({ mobile: "13800138000", tempId: 1 }))).toMatchObject({ code: "bad_response", retryable: false });
      expect(server.hits()).toBe(1);
    } finally {
      c.close();
      await server.close();
    }
  });

  it("a 502 page from a proxy is retried as many times as configured", async () => {
    const server = await scriptedServer(() => ({ status: 502, body: "<html>bad gateway</html>" }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      expect(await rejection(c.getBalance())).toMatchObject({ code: "http", httpStatus: 502, retryable: true });
      expect(server.hits()).toBe(3);
    } finally {
      c.close();
      await server.close();
    }
  });

  it("a msg_id as a rounded float is refused rather than stored wrong", async () => {
    const server = await scriptedServer(() => ({ status: 200, body: '{"msg_id": 1.2345678901234567e18}' }));
    const c = new JsmsClient(APP, { baseUrl: server.url, retry: FAST_RETRY });
    try {
      expect(await rejection(c.sendTemplate({ mobile: "13800138000", tempId: 1 }))).toMatchObject({ code: "bad_response" });
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
