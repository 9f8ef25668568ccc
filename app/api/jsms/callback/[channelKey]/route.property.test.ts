/**
 * Jiguang's callback URL is public: anyone can post anything to it. Through the route handler,
 * with fast-check-generated bodies, content types, headers, query strings and channel keys:
 * unsigned or forged callbacks are refused with a 4xx in the error shape and store nothing;
 * signed ones are stored and answered 200, or refused 400 naming the malformed field and stored
 * nowhere. Never a 500, never a throw.
 */
import fc from "fast-check";
import { count, isNull } from "drizzle-orm";
import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { describeEachDb } from "@/lib/db/test-databases";
import { jsmsCallbacks } from "@/lib/db/schema";
import { apiRequest, segments, testRuntime } from "@/lib/api/route-test-kit";
import { buildCallbackForm, computeCallbackSignature, generateCallbackNonce, JSMS_CALLBACK_TYPES } from "@/lib/sender/jsms/callback";
import { channelContext, getRuntime } from "@/lib/server/runtime";
import * as route from "./route";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
// The route shares the REST error shape, whose module also knows console sessions (Auth.js, not loaded here).
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

const app = { appKey: "aa1066407b044738b6479275", masterSecret: "bb38ce69b1de2a7fa95706ea" };

const contentType = fc.constantFrom<string | undefined>(
  "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/json", "text/plain",
  "multipart/form-data; boundary=zz", "application/octet-stream", "", undefined,
);
const headers = fc.dictionary(
  fc.constantFrom("x-forwarded-for", "x-real-ip", "user-agent", "accept", "content-encoding", "transfer-encoding-x", "x-jsms-test", "authorization", "cookie"),
  fc.string({ unit: fc.constantFrom(..."abc019 ,;=:/._-"), maxLength: 40 }),
  { maxKeys: 4 },
);
const query = fc.array(fc.tuple(fc.constantFrom("echostr", "nonce", "signature", "type", "x", "__proto__"), fc.string({ maxLength: 20 })), { maxLength: 4 });
const formValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("", "0", "-1", "9223372036854775808", "1e3", String(Date.now()), "f".repeat(40), "SMS_REPORT", "SMS_REPLY", "{}", "[]", "null", "{\"msgId\":"),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => "z".repeat(n)),
);
const formField = fc.constantFrom("nonce", "timestamp", "signature", "type", "data", "__proto__", "constructor", "extra");
/** A form body of any fields, repeated at will, or text that is no form at all. */
const rawBody = fc.oneof(
  fc.array(fc.tuple(formField, formValue), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ unit: "binary", maxLength: 400 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom("", "&&&", "%", "%zz=1", "nonce", "a=b=c", "\u0000"),
);

/** The data JSON of a signed callback: the documented shapes, broken ones, and anything. */
const dataText = fc.oneof(
  fc.constantFrom(
    '{"msgId":"1652496","phone":"15822889320","receiveTime":1492150741392,"status":4001}',
    '{"msgId":1234567890123456789,"phone":13000000000,"receiveTime":"1492150740292","status":"4002"}',
    '{"phone":"13800138000","replyTime":1492150741392,"content":"TD"}',
    '{"msgId":"1","phone":"13800138000","receiveTime":"2017-04-14 14:19:01","status":4001}',
    "", "{", "null", "[]", "1e999", '{"__proto__":{"status":1}}', '{"msgId":"","phone":"","receiveTime":-1,"status":"x"}',
  ),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
);

/** A delivery report of the documented shape with any values of the documented kinds: these are stored. */
const validReport = fc
  .record({
    msgId: fc.oneof(fc.stringMatching(/^[1-9][0-9]{0,18}$/), fc.integer({ min: 1, max: 2 ** 31 })),
    phone: fc.oneof(fc.stringMatching(/^1[3-9][0-9]{9}$/), fc.constant(13800138000)),
    receiveTime: fc.oneof(fc.integer({ min: 1, max: 2 ** 41 }), fc.integer({ min: 1, max: 2 ** 41 }).map(String)),
    status: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom("4001", "4002")),
  })
  .map((data) => ["SMS_REPORT", JSON.stringify(data)] as [string, string]);

describeEachDb("JSMS callback route under hostile input", (t) => {
  let channelKey = "";
  const stored = async () => Number((await t.db.select({ n: count() }).from(jsmsCallbacks))[0]!.n);
  const runs = { unsigned: 0, forged: 0, signed: 0, get: 0, accepted: 0 };

  beforeAll(async () => {
    const runtime = testRuntime(t);
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    channelKey = (await createChannel(channelContext(runtime), SYSTEM_ACTOR("test"), { type: "jsms", name: "hostile callbacks", ...app })).channelKey;
  }, 60_000);

  function post(key: string, body: string, type: string | undefined, extra: Record<string, string> = {}, search = "") {
    const h: Record<string, string> = { ...extra };
    if (type !== undefined) h["content-type"] = type;
    return route.POST(apiRequest(`/api/jsms/callback/${encodeURIComponent(key)}${search}`, { method: "POST", headers: h, body }), segments({ channelKey: key }) as never);
  }

  async function errorOf(response: Response, what: string) {
    expect(response.headers.get("content-type"), what).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error, what).toMatchObject({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
    expect(body.error.message.length, what).toBeGreaterThan(0);
    return body.error;
  }

  const searchOf = (pairs: [string, string][]) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : "");

  it("refuses any unsigned body, of any content type, headers and query, with a 4xx, and stores nothing", async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, headers, query, async (body, type, extra, q) => {
        runs.unsigned++;
        const response = await post(channelKey, body, type, extra, searchOf(q));
        const what = `${type} ${body.slice(0, 120)}`;
        expect([400, 401, 413], `${what} answered ${response.status}`).toContain(response.status);
        await errorOf(response, what);
      }),
      { numRuns: 200 },
    );
    expect(await stored()).toBe(before);
  });

  it("refuses forged signatures, whatever the other fields, with 401 and stores nothing", async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(formValue, formValue, fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), formValue), fc.constantFrom(...JSMS_CALLBACK_TYPES), dataText, contentType, async (nonce, timestamp, signature, type, data, ct) => {
        fc.pre(nonce !== "" && timestamp !== "" && signature !== "");
        fc.pre(signature.toLowerCase() !== computeCallbackSignature(app.appKey, app.masterSecret, nonce, timestamp));
        runs.forged++;
        const body = new URLSearchParams({ nonce, timestamp, signature, type, data }).toString();
        const response = await post(channelKey, body, ct);
        const what = `nonce=${nonce.slice(0, 20)} timestamp=${timestamp.slice(0, 20)} signature=${signature.slice(0, 40)}`;
        // 413 only for bodies past the 64 KiB cap.
        expect(body.length > 64 * 1024 ? [413] : [401], `${what} answered ${response.status}`).toContain(response.status);
        await errorOf(response, what);
      }),
      { numRuns: 150 },
    );
    expect(await stored()).toBe(before);
  });

  it("stores a signed callback once and answers 200, or refuses it 400 naming the field and stores nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.tuple(fc.oneof(fc.constantFrom(...JSMS_CALLBACK_TYPES), fc.string({ maxLength: 12 })), dataText), validReport), contentType, headers, async ([type, data], ct, extra) => {
        runs.signed++;
        const form = buildCallbackForm({ ...app, nonce: generateCallbackNonce(), timestamp: Date.now(), type, data });
        const body = form.toString();
        const before = await stored();
        const response = await post(channelKey, body, ct, extra);
        const after = await stored();
        const what = `type=${type} data=${data.slice(0, 120)}`;
        if (body.length > 64 * 1024) {
          expect(response.status, what).toBe(413);
        } else if (response.status === 200) {
          expect(await response.json(), what).toEqual({ ok: true });
          expect(after, `${what}: stored once`).toBe(before + 1);
          runs.accepted++;
          return;
        } else {
          expect(response.status, `${what} answered ${response.status}`).toBe(400);
          const error = await errorOf(response, what);
          expect(error.code).toBe("callback_malformed");
          // The reason starts with the field it is about.
          expect(error.message, what).toMatch(/^(type|data): /);
        }
        expect(after, `${what}: nothing stored`).toBe(before);
      }),
      { numRuns: 150 },
    );
    // Every callback answered 200 is applied soon after (matched or not): none is left behind.
    const unapplied = async () => Number((await t.db.select({ n: count() }).from(jsmsCallbacks).where(isNull(jsmsCallbacks.appliedAt)))[0]!.n);
    await expect.poll(unapplied, { timeout: 20_000, interval: 100 }).toBe(0);
  });

  it("answers the URL check with the echostr as sent, or a 4xx, for any channel key and query", async () => {
    const key = fc.oneof(fc.constant(channelKey), fc.string({ maxLength: 70 }), fc.constantFrom("", "..", "a%00", "nosuchkey2", "x".repeat(5000)));
    await fc.assert(
      fc.asyncProperty(key, query, async (k, q) => {
        runs.get++;
        const search = searchOf(q);
        const response = await route.GET(apiRequest(`/api/jsms/callback/${encodeURIComponent(k)}${search}`), segments({ channelKey: k }) as never);
        const echostr = new URLSearchParams(search).get("echostr");
        if (k === channelKey && echostr !== null) {
          expect(response.status).toBe(200);
          expect(await response.text()).toBe(echostr);
          return;
        }
        expect([400, 404], `${k.slice(0, 20)}${search} answered ${response.status}`).toContain(response.status);
        await errorOf(response, `${k.slice(0, 20)}${search}`);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses posts to channel keys that name no JSMS channel with 404, whatever the body", async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom("nosuchkey2", "", "a".repeat(65))), dataText, async (k, data) => {
        fc.pre(k !== channelKey);
        const response = await post(k, buildCallbackForm({ ...app, type: "SMS_REPORT", data }).toString(), "application/x-www-form-urlencoded");
        expect([404, 413], `${k.slice(0, 20)} answered ${response.status}`).toContain(response.status);
        await errorOf(response, k);
      }),
      { numRuns: 80 },
    );
    expect(await stored()).toBe(before);
    console.log(`hostile JSMS callbacks [${t.kind}]: ${runs.unsigned} unsigned, ${runs.forged} forged, ${runs.signed} signed, ${runs.get} URL checks, 80 unknown keys; ${runs.accepted} signed ones stored`);
  });
});
