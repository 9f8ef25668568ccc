import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCallbackForm, verifyCallbackSignature, checkCallbackTimestamp, type JsmsCallback } from "@/lib/sender/jsms/callback";
import { startJsmsSandbox, type JsmsSandbox, type JsmsSandboxOptions } from "@/lib/sender/jsms/sandbox/server";

const APP = { appKey: "7d431e42dfa6a6d693ac2d04", masterSecret: "5e987ac6d2e04d95a9d8f0d1" };
const AUTH = "Basic " + Buffer.from(`${APP.appKey}:${APP.masterSecret}`).toString("base64");

interface Received {
  callback: JsmsCallback;
  signatureValid: boolean;
  contentType: string | undefined;
}

/** How the receiver answers Jiguang's `GET ?echostr=` check; by default as our route does. */
type EchoAnswer = (echostr: string, check: number) => { status: number; body: string };
const echoBack: EchoAnswer = (echostr) => ({ status: 200, body: echostr });

/**
 * Plays our route handler: answers the echostr check (as `echo` says), verifies each callback with
 * the real verify function and answers with the scripted status (200 unless `answer` says otherwise
 * for that attempt number).
 */
async function startReceiver(credentials = APP, answer: (attempt: number) => number = () => 200, echo: EchoAnswer = echoBack) {
  const received: Received[] = [];
  const refused: string[] = [];
  const checks: string[] = [];
  let attempts = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.method === "GET") {
        const echostr = new URL(req.url ?? "/", "http://receiver").searchParams.get("echostr") ?? "";
        checks.push(echostr);
        const reply = echo(echostr, checks.length);
        res.writeHead(reply.status, { "Content-Type": "text/plain" });
        res.end(reply.body);
        return;
      }
      attempts++;
      const parsed = parseCallbackForm(new URLSearchParams(body));
      if (!parsed.ok) refused.push(parsed.reason);
      else received.push({ callback: parsed.value, signatureValid: verifyCallbackSignature(credentials, parsed.value), contentType: req.headers["content-type"] });
      res.writeHead(answer(attempts));
      res.end();
      for (const w of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/jsms/callback/ch1`,
    received,
    refused,
    checks,
    attempts: () => attempts,
    waitFor: (count: number) =>
      received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function call(sandbox: JsmsSandbox, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(sandbox.url + path, {
    method,
    headers: { Authorization: AUTH, "Content-Type": "application/json", ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function withSandbox(options: Partial<JsmsSandboxOptions>, run: (sandbox: JsmsSandbox) => Promise<void>) {
  const sandbox = await startJsmsSandbox({ apps: [APP], reports: false, ...options });
  try {
    await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

describe("JSMS API imitation", () => {
  let sandbox: JsmsSandbox;
  beforeAll(async () => {
    sandbox = await startJsmsSandbox({
      apps: [APP],
      templates: [{ tempId: 1, params: ["code"] }],
      reports: false,
      unsubscribed: ["13700000000"],
      repeatSendWindowMs: 60_000,
    });
  });
  afterAll(() => sandbox.close());

  const single = (body: object) => JSON.stringify({ temp_id: 1, temp_para: { code: "1" }, ...body });
  const tooMany = JSON.stringify({ temp_id: 1, recipients: Array.from({ length: 1001 }, () => ({ mobile: "13800138000" })) });

  it.each([
    ["unknown path", "POST", "/v1/nothing", "{}", {}, 404, 50016],
    ["wrong method", "GET", "/v1/messages", undefined, {}, 405, 50018],
    ["missing auth", "POST", "/v1/messages", single({ mobile: "13800138000" }), { Authorization: "" }, 400, 50001],
    ["wrong secret", "POST", "/v1/messages", single({ mobile: "13800138000" }), { Authorization: "Basic " + Buffer.from(`${APP.appKey}:x`).toString("base64") }, 401, 50002],
    ["unknown app", "GET", "/v1/accounts/app", undefined, { Authorization: "Basic " + Buffer.from("other:secret").toString("base64") }, 401, 50002],
    ["form body", "POST", "/v1/messages", "mobile=13800138000", { "Content-Type": "application/x-www-form-urlencoded" }, 415, 50017],
    ["empty body", "POST", "/v1/messages", "", {}, 400, 50003],
    ["malformed JSON", "POST", "/v1/messages", '{"mobile":"138', {}, 403, 50007],
    ["JSON array body", "POST", "/v1/messages", "[]", {}, 403, 50007],
    ["missing mobile", "POST", "/v1/messages", single({}), {}, 400, 50004],
    ["missing temp_id", "POST", "/v1/messages", JSON.stringify({ mobile: "13800138000" }), {}, 400, 50005],
    ["invalid mobile", "POST", "/v1/messages", single({ mobile: "1380013800" }), {}, 403, 50006],
    ["landline", "POST", "/v1/messages", single({ mobile: "02112345678" }), {}, 403, 50006],
    ["unknown temp_id", "POST", "/v1/messages", JSON.stringify({ mobile: "13800138000", temp_id: 2 }), {}, 403, 50013],
    ["parameters missing", "POST", "/v1/messages", JSON.stringify({ mobile: "13800138000", temp_id: 1, temp_para: {} }), {}, 403, 50022],
    ["unsubscribed", "POST", "/v1/messages", single({ mobile: "13700000000" }), {}, 403, 50024],
    ["no recipients", "POST", "/v1/messages/batch", JSON.stringify({ temp_id: 1, recipients: [] }), {}, 403, 50030],
    ["over 1000 recipients", "POST", "/v1/messages/batch", tooMany, {}, 403, 50031],
  ])("%s → HTTP %s, code %s", async (_name, method, path, body, headers, status, code) => {
    const answer = await call(sandbox, method, path, body, headers);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text)).toEqual({ error: { code, message: expect.any(String) } });
  });

  it("answers a single send with a bare numeric msg_id beyond 2^53, as in Jiguang's example", async () => {
    const answer = await call(sandbox, "POST", "/v1/messages", single({ mobile: "13800138000" }));
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^\{"msg_id":\d{19}\}$/);
    const digits = /\d{19}/.exec(answer.text)![0];
    expect(sandbox.messages().some((m) => m.msgId === digits)).toBe(true);
  });

  it("refuses the same message to the same number again within the window (50034)", async () => {
    const body = JSON.stringify({ mobile: "13800138099", temp_id: 1, temp_para: { code: "77" } });
    expect((await call(sandbox, "POST", "/v1/messages", body)).status).toBe(200);
    const again = await call(sandbox, "POST", "/v1/messages", body);
    expect(again.status).toBe(403);
    expect(JSON.parse(again.text).error.code).toBe(50034);
    const otherCode = JSON.stringify({ mobile: "13800138099", temp_id: 1, temp_para: { code: "78" } });
    expect((await call(sandbox, "POST", "/v1/messages", otherCode)).status).toBe(200);
  });

  it("answers a batch with per-recipient results in Jiguang's documented shape", async () => {
    const answer = await call(
      sandbox,
      "POST",
      "/v1/messages/batch",
      JSON.stringify({ temp_id: 1, sign_id: 5, tag: "t", recipients: [{ mobile: "13812345678", temp_para: { code: "1" } }, { mobile: "18603050709x", temp_para: { code: "2" } }] }),
    );
    expect(answer.status).toBe(200);
    const json = JSON.parse(answer.text);
    expect(json.success_count).toBe(1);
    expect(json.failure_count).toBe(1);
    expect(json.recipients[0]).toEqual({ msg_id: expect.stringMatching(/^\d+$/), mobile: "13812345678" });
    expect(json.recipients[1]).toEqual({ error_code: "50006", error_message: "invalid mobile", msg_id: expect.stringMatching(/^\d+$/), mobile: "18603050709x", temp_para: { code: "2" } });
  });

  it("serves the balance in the documented shape and lowers it per accepted message", async () => {
    const before = JSON.parse((await call(sandbox, "GET", "/v1/accounts/app")).text);
    expect(before).toEqual({ app_balance: expect.any(Number), app_voice: null, app_industry: null, app_market: null });
    await call(sandbox, "POST", "/v1/messages/batch", JSON.stringify({ temp_id: 1, recipients: [{ mobile: "13811111111", temp_para: { code: "1" } }, { mobile: "13822222222", temp_para: { code: "1" } }] }));
    const after = JSON.parse((await call(sandbox, "GET", "/v1/accounts/app")).text);
    expect(before.app_balance - after.app_balance).toBe(2);
  });

  it("exposes its counters at GET /__sandbox/stats", async () => {
    const stats = await (await fetch(`${sandbox.url}/__sandbox/stats`)).json();
    expect(stats.apps[APP.appKey]).toMatchObject({ accepted: sandbox.stats().apps[APP.appKey].accepted, balanceQueries: 2 });
    expect(stats.errors["50006"]).toBeGreaterThanOrEqual(3);
    expect(stats.requests).toBe(sandbox.stats().requests);
  });

  it("takes faults and new apps over its control endpoints", async () => {
    const post = (path: string, body: object) => fetch(`${sandbox.url}/__sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
    expect((await post("apps", { appKey: "k2", masterSecret: "s2", balance: 3 })).status).toBe(200);
    const k2 = { Authorization: "Basic " + Buffer.from("k2:s2").toString("base64") };
    expect(JSON.parse((await call(sandbox, "GET", "/v1/accounts/app", undefined, k2)).text).app_balance).toBe(3);
    expect((await post("faults", { failNext: 1, failStatus: 503 })).status).toBe(200);
    const failed = await call(sandbox, "GET", "/v1/accounts/app");
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.text).error.code).toBe(50019);
    expect((await call(sandbox, "GET", "/v1/accounts/app")).status).toBe(200);
  });
});

describe("limits a test switches on and off", () => {
  const post = (sandbox: JsmsSandbox, path: string, body: object) => fetch(`${sandbox.url}/__sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
  const batch = (sandbox: JsmsSandbox, mobiles: string[]) =>
    call(sandbox, "POST", "/v1/messages/batch", JSON.stringify({ temp_id: 1, recipients: mobiles.map((mobile) => ({ mobile, temp_para: { code: "5" } })) }));

  it("applies the repeat check (50034) to batch entries, inside one batch and across batches, once switched on", async () => {
    await withSandbox({ templates: [{ tempId: 1, params: ["code"] }] }, async (sandbox) => {
      // Off by default: the same message twice is accepted twice, and the stats say so.
      expect(JSON.parse((await batch(sandbox, ["13800000001", "13800000001"])).text).success_count).toBe(2);
      expect(sandbox.stats().acceptedMoreThanOnce).toEqual([{ appKey: APP.appKey, mobile: "13800000001", tempId: 1, tempPara: { code: "5" }, count: 2 }]);

      expect((await post(sandbox, "limits", { repeatSendWindowMs: 60_000 })).status).toBe(200);
      const inside = JSON.parse((await batch(sandbox, ["13800000002", "13800000002", "13800000003"])).text);
      expect(inside).toMatchObject({ success_count: 2, failure_count: 1 });
      expect(inside.recipients.map((r: { error_code?: string }) => r.error_code ?? "ok")).toEqual(["ok", "50034", "ok"]);
      const across = JSON.parse((await batch(sandbox, ["13800000003"])).text);
      expect(across.recipients[0].error_code).toBe("50034");
      expect(sandbox.timesAccepted({ mobile: "13800000003", tempId: 1, tempPara: { code: 5 } })).toBe(1);

      sandbox.setLimits({ repeatSendWindowMs: 0 });
      expect(JSON.parse((await batch(sandbox, ["13800000003"])).text).success_count).toBe(1);
      expect(sandbox.timesAccepted({ appKey: APP.appKey, mobile: "13800000003", tempId: 1, tempPara: { code: "5" } })).toBe(2);
      expect(sandbox.stats().distinctMessages).toBe(3);
    });
  });

  it("switches the rate limit (50009) on and off at run time", async () => {
    await withSandbox({ templates: [{ tempId: 1, params: ["code"] }] }, async (sandbox) => {
      expect((await post(sandbox, "limits", { rateLimitPerSecond: 1 })).status).toBe(200);
      expect((await batch(sandbox, ["13800000001"])).status).toBe(200);
      const limited = await batch(sandbox, ["13800000002"]);
      expect(limited.status).toBe(403);
      expect(JSON.parse(limited.text).error.code).toBe(50009);
      expect((await post(sandbox, "limits", { rateLimitPerSecond: null })).status).toBe(200);
      expect((await batch(sandbox, ["13800000002"])).status).toBe(200);
      expect((await post(sandbox, "limits", { rateLimitPerSecond: "fast" })).status).toBe(400);
    });
  });
});

describe("faults for unknown outcomes", () => {
  const sendBatch = (sandbox: JsmsSandbox, mobiles: string[], signal?: AbortSignal) =>
    fetch(`${sandbox.url}/v1/messages/batch`, {
      method: "POST",
      headers: { Authorization: AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ temp_id: 2, recipients: mobiles.map((mobile) => ({ mobile })) }),
      signal,
    });

  it("accepts a send at once and holds its answer back past the client's deadline; the reports still come", async () => {
    const receiver = await startReceiver();
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 } }, async (sandbox) => {
      expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ lateAnswerNext: 1, lateAnswerMs: 2_000 }) })).status).toBe(200);
      const started = Date.now();
      await expect(sendBatch(sandbox, ["13800000001", "13800000002"], AbortSignal.timeout(100))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(sandbox.messages().map((m) => m.mobile)).toEqual(["13800000001", "13800000002"]);
      expect(sandbox.stats().faults).toMatchObject({ lateAnswers: 1 });
      await receiver.waitFor(2);
      expect(receiver.received.map((r) => (r.callback.type === "SMS_REPORT" ? r.callback.data.phone : "")).sort()).toEqual(["13800000001", "13800000002"]);
      // Only the next send was late.
      expect((await sendBatch(sandbox, ["13800000003"])).status).toBe(200);
    });
    await receiver.close();
  });

  it("answers 5xx for the next N sends with JSMS's error body or a proxy's HTML page, without accepting them", async () => {
    await withSandbox({}, async (sandbox) => {
      sandbox.faults({ failNext: 2, failStatus: 502, failBody: "html" });
      for (let i = 0; i < 2; i++) {
        const answer = await sendBatch(sandbox, ["13800000001"]);
        expect(answer.status).toBe(502);
        expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
        expect(await answer.text()).toMatch(/^<html>/);
      }
      sandbox.faults({ failNext: 1, failStatus: 503, failBody: "jsms" });
      const jsms = await sendBatch(sandbox, ["13800000001"]);
      expect(jsms.status).toBe(503);
      expect(await jsms.json()).toEqual({ error: { code: 50019, message: "server error" } });
      expect(sandbox.messages()).toEqual([]);
      expect((await sendBatch(sandbox, ["13800000001"])).status).toBe(200);
      expect(sandbox.stats().faults.failed).toBe(3);
      expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ failBody: "xml" }) })).status).toBe(400);
    });
  });

  it("drops the connection after reading the body, before or after accepting the send", async () => {
    await withSandbox({}, async (sandbox) => {
      sandbox.faults({ dropNext: 1 });
      await expect(sendBatch(sandbox, ["13800000001"])).rejects.toThrow();
      expect(sandbox.messages()).toEqual([]);
      sandbox.faults({ dropAfterAcceptNext: 1 });
      await expect(sendBatch(sandbox, ["13800000001"])).rejects.toThrow();
      expect(sandbox.timesAccepted({ mobile: "13800000001", tempId: 2 })).toBe(1);
      expect(sandbox.stats().faults).toMatchObject({ dropped: 1, droppedAfterAccept: 1 });
    });
  });
});

describe("rate limit", () => {
  it("answers 50009 beyond the configured sends per second", async () => {
    await withSandbox({ rateLimitPerSecond: 2, templates: [{ tempId: 1, params: [] }] }, async (sandbox) => {
      const send = () => call(sandbox, "POST", "/v1/messages", JSON.stringify({ mobile: "13800138000", temp_id: 1 }));
      const statuses = [(await send()).status, (await send()).status];
      const third = await send();
      expect(statuses).toEqual([200, 200]);
      expect(third.status).toBe(403);
      expect(JSON.parse(third.text).error.code).toBe(50009);
    });
  });
});

describe("callback URL check (echostr)", () => {
  const send = (sandbox: JsmsSandbox, mobile: string) => call(sandbox, "POST", "/v1/messages", JSON.stringify({ mobile, temp_id: 2 }));

  it("checks a URL once with a random echostr before the first callback, then posts", async () => {
    const receiver = await startReceiver();
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 } }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await send(sandbox, "13800000002");
      await receiver.waitFor(2);
      await sandbox.settleCallbacks();
      expect(receiver.checks).toHaveLength(1);
      expect(receiver.checks[0]).toMatch(/^[0-9a-f]{16}$/);
      expect(sandbox.stats().callbacks).toMatchObject({ urlChecks: 1, urlChecksFailed: 0, posted: 2, acknowledged: 2 });
      // Saving the URL again makes Jiguang check it again.
      sandbox.setCallbackUrl(APP.appKey, receiver.url);
      await send(sandbox, "13800000003");
      await receiver.waitFor(3);
      expect(receiver.checks).toHaveLength(2);
      expect(receiver.checks[1]).not.toBe(receiver.checks[0]);
    });
    await receiver.close();
  });

  it("posts nothing to a URL that fails the check, and checks again on the next attempt", async () => {
    // A body with a newline is not "exactly the echostr"; a 404 is not 200.
    const echo: EchoAnswer = (echostr, check) => (check === 1 ? { status: 200, body: `${echostr}\n` } : check === 2 ? { status: 404, body: echostr } : { status: 200, body: echostr });
    const receiver = await startReceiver(APP, () => 200, echo);
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 }, callbackRetryDelaysMs: [10, 10, 10] }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await receiver.waitFor(1);
      await sandbox.settleCallbacks();
      expect(receiver.checks).toHaveLength(3);
      expect(receiver.attempts()).toBe(1);
      expect(sandbox.stats().callbacks).toMatchObject({ urlChecks: 3, urlChecksFailed: 2, posted: 1, failed: 2, retries: 2, acknowledged: 1 });
    });
    await receiver.close();
  });

  it("gives a URL that never passes no callback at all, and abandons the callback after the retries", async () => {
    const receiver = await startReceiver(APP, () => 200, () => ({ status: 200, body: "success" }));
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 }, callbackRetryDelaysMs: [5, 5, 5] }, async (sandbox) => {
      await send(sandbox, "13800000001");
      expect(await sandbox.injectReply({ appKey: APP.appKey, phone: "13800000001", content: "hi" })).toBe("abandoned");
      await sandbox.settleCallbacks();
      expect(receiver.attempts()).toBe(0);
      expect(receiver.received).toEqual([]);
      expect(sandbox.stats().callbacks).toMatchObject({ posted: 0, acknowledged: 0, abandoned: 2, urlChecksFailed: receiver.checks.length });
      expect(receiver.checks.length).toBeGreaterThanOrEqual(4);
    });
    await receiver.close();
  });
});

describe("callbacks", () => {
  const send = (sandbox: JsmsSandbox, mobile: string) => call(sandbox, "POST", "/v1/messages", JSON.stringify({ mobile, temp_id: 2 }));

  it("posts a signed, form-encoded SMS_REPORT for each accepted message", async () => {
    const receiver = await startReceiver();
    await withSandbox(
      { apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 10, statusFor: (m) => (m.endsWith("4") ? 4004 : 4001) } },
      async (sandbox) => {
        await send(sandbox, "13800000001");
        await send(sandbox, "13800000004");
        await receiver.waitFor(2);
        await sandbox.settleCallbacks();
        const byPhone = Object.fromEntries(receiver.received.map((r) => [r.callback.type === "SMS_REPORT" ? r.callback.data.phone : "", r]));
        const ids = Object.fromEntries(sandbox.messages().map((m) => [m.mobile, m.msgId]));
        expect(byPhone["13800000001"].callback).toMatchObject({ type: "SMS_REPORT", data: { msgId: ids["13800000001"], status: 4001 } });
        expect(byPhone["13800000004"].callback).toMatchObject({ type: "SMS_REPORT", data: { msgId: ids["13800000004"], status: 4004 } });
        for (const r of receiver.received) {
          expect(r.signatureValid).toBe(true);
          expect(r.contentType).toMatch(/^application\/x-www-form-urlencoded/);
          expect(checkCallbackTimestamp(r.callback.timestamp, { maxAgeMs: 60_000 }).ok).toBe(true);
        }
        expect(receiver.refused).toEqual([]);
        expect(sandbox.stats().callbacks).toMatchObject({ posted: 2, acknowledged: 2, failed: 0, pending: 0, reports: 2 });
      },
    );
    await receiver.close();
  });

  it("signs with the app's own secret: a receiver holding another secret rejects the callbacks", async () => {
    const receiver = await startReceiver({ appKey: APP.appKey, masterSecret: "ffffffffffffffffffffffff" });
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 } }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await receiver.waitFor(1);
      expect(receiver.received[0].signatureValid).toBe(false);
    });
    await receiver.close();
  });

  it("posts duplicates as separate callbacks for the same message", async () => {
    const receiver = await startReceiver();
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0, duplicateRate: 1, duplicateDelayMs: 20 } }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await receiver.waitFor(2);
      await sandbox.settleCallbacks();
      const [first, second] = receiver.received.map((r) => r.callback);
      expect(first.type === "SMS_REPORT" && second.type === "SMS_REPORT" && first.data.msgId === second.data.msgId).toBe(true);
      expect(first.nonce).not.toBe(second.nonce);
      expect(sandbox.stats().callbacks).toMatchObject({ duplicates: 1, acknowledged: 2 });
    });
    await receiver.close();
  });

  it("retries a callback answered with non-200, re-sending the same signed form, until acknowledged", async () => {
    const receiver = await startReceiver(APP, (attempt) => (attempt <= 2 ? 500 : 200));
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 }, callbackRetryDelaysMs: [20, 40, 60] }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await receiver.waitFor(3);
      await sandbox.settleCallbacks();
      expect(receiver.attempts()).toBe(3);
      const nonces = new Set(receiver.received.map((r) => `${r.callback.nonce}/${r.callback.timestamp}/${r.callback.signature}`));
      expect(nonces.size).toBe(1);
      expect(sandbox.stats().callbacks).toMatchObject({ posted: 3, failed: 2, retries: 2, acknowledged: 1, abandoned: 0, pending: 0 });
    });
    await receiver.close();
  });

  it("gives up after three retries, as Jiguang does", async () => {
    const receiver = await startReceiver(APP, () => 503);
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0 }, callbackRetryDelaysMs: [5, 5, 5] }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await sandbox.settleCallbacks();
      expect(receiver.attempts()).toBe(4);
      expect(sandbox.stats().callbacks).toMatchObject({ posted: 4, failed: 4, retries: 3, abandoned: 1, acknowledged: 0 });
    });
    await receiver.close();
  });

  it("retries when the receiver is unreachable, then counts the callback abandoned", async () => {
    const receiver = await startReceiver();
    const url = receiver.url;
    await receiver.close();
    await withSandbox({ apps: [{ ...APP, callbackUrl: url }], reports: { delayMs: 0 }, callbackRetryDelaysMs: [5] }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await sandbox.settleCallbacks();
      // The URL check fails on both attempts, so nothing is posted at all.
      expect(sandbox.stats().callbacks).toMatchObject({ posted: 0, urlChecks: 2, urlChecksFailed: 2, failed: 2, abandoned: 1 });
    });
  });

  it("injects replies, reports on demand and review results", async () => {
    const receiver = await startReceiver();
    await withSandbox({ apps: [APP], reports: false }, async (sandbox) => {
      sandbox.setCallbackUrl(APP.appKey, receiver.url);
      await send(sandbox, "13800000009");
      const msgId = sandbox.messages()[0].msgId;
      expect(await sandbox.injectReply({ appKey: APP.appKey, phone: "13800000009", content: "TD 退订", replyTime: 1492150740292 })).toBe("acknowledged");
      expect(await sandbox.injectReport({ msgId, status: 4010, receiveTime: 1492150741392 })).toBe("acknowledged");
      expect(await sandbox.injectCallback({ appKey: APP.appKey, type: "SMS_TEMPLATE", data: '{"tempId":57496,"status":2,"refuseReason":"含营销内容"}' })).toBe("acknowledged");
      const posted = await fetch(`${sandbox.url}/__sandbox/reply`, { method: "POST", body: JSON.stringify({ appKey: APP.appKey, phone: "13800000008", content: "好" }) });
      expect(posted.status).toBe(202);
      await receiver.waitFor(4);
      expect(receiver.received.map((r) => [r.callback.type, r.callback.data])).toEqual([
        ["SMS_REPLY", { phone: "13800000009", replyTime: 1492150740292, content: "TD 退订" }],
        ["SMS_REPORT", { msgId, phone: "13800000009", receiveTime: 1492150741392, status: 4010 }],
        ["SMS_TEMPLATE", { tempId: 57496, status: 2, refuseReason: "含营销内容" }],
        ["SMS_REPLY", expect.objectContaining({ phone: "13800000008", content: "好" })],
      ]);
      expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    });
    await receiver.close();
  });

  it("skips reports of an app without a callback URL, and follows the status mix with a seed", async () => {
    await withSandbox({ reports: { delayMs: 0, statusMix: { 4001: 1, 4003: 1 } }, seed: 7, templates: [{ tempId: 2, params: [] }] }, async (sandbox) => {
      await send(sandbox, "13800000001");
      await sandbox.settleCallbacks();
      expect(sandbox.stats().callbacks).toMatchObject({ skipped: 1, posted: 0 });
    });
    const receiver = await startReceiver();
    await withSandbox({ apps: [{ ...APP, callbackUrl: receiver.url }], reports: { delayMs: 0, statusMix: { 4001: 1, 4003: 1 } }, seed: 7 }, async (sandbox) => {
      const recipients = Array.from({ length: 60 }, (_, i) => ({ mobile: `1380000${String(i).padStart(4, "0")}` }));
      await call(sandbox, "POST", "/v1/messages/batch", JSON.stringify({ temp_id: 2, recipients }));
      await receiver.waitFor(60);
      const statuses = receiver.received.map((r) => (r.callback.type === "SMS_REPORT" ? r.callback.data.status : 0));
      const delivered = statuses.filter((s) => s === 4001).length;
      expect(statuses.every((s) => s === 4001 || s === 4003)).toBe(true);
      expect(delivered).toBeGreaterThan(10);
      expect(delivered).toBeLessThan(50);
    });
    await receiver.close();
  });
});
