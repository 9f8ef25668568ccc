import crypto from "node:crypto";
import { count, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, beforeEach, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { basicAuth, testRuntime } from "@/lib/api/route-test-kit";
import { createChannel } from "@/lib/channels/channel-service";
import { channels, jsmsCallbacks, replies } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { drainJsmsCallbacks } from "@/lib/messages/jsms-callback-intake";
import { computeCallbackSignature, generateCallbackNonce } from "@/lib/sender/jsms/callback";
import { getRuntime } from "@/lib/server/runtime";
import { POST } from "./route";

// The route takes its database from the process runtime; here the runtime stands around the test database.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

const HOUR = 60 * 60_000;
const ours = { appKey: "dd1066407b044738b6479275", masterSecret: "ee38ce69b1de2a7fa95706ea" };
const theirs = { appKey: "aa1066407b044738b6479211", masterSecret: "bb38ce69b1de2a7fa95706cc" };

interface Fields {
  nonce?: string;
  timestamp?: string;
  signature?: string;
  type?: string;
  data?: string;
}

/** A reply callback as Jiguang sends it, signed with `keys` (fresh nonce and content each time). */
function signedForm(keys: { appKey: string; masterSecret: string }, options: { timestamp?: number; content?: string } = {}): Fields {
  const nonce = generateCallbackNonce();
  const timestamp = String(options.timestamp ?? Date.now());
  const data = JSON.stringify({ phone: "13700137100", replyTime: Date.now(), content: options.content ?? crypto.randomUUID() });
  return { nonce, timestamp, signature: computeCallbackSignature(keys.appKey, keys.masterSecret, nonce, timestamp), type: "SMS_REPLY", data };
}

function encode(fields: Record<string, string | undefined>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  return form.toString();
}

describeEachDb("JSMS callbacks accept only valid signatures", (t) => {
  let ourKey = "";
  let theirKey = "";
  let cmppKey = "";
  let adminKey: Record<string, string> = {};

  async function post(channelKey: string, body: string, headers: Record<string, string> = {}, query = ""): Promise<{ status: number; code: string | undefined }> {
    const url = `http://console.test/api/jsms/callback/${channelKey}${query}`;
    const req = new NextRequest(url, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });
    const response = await POST(req, { params: Promise.resolve({ channelKey }) });
    const json = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: json.error?.code };
  }

  /** What a callback could leave behind: stored callbacks and applied replies, on any channel. */
  async function stored(): Promise<{ callbacks: number; replies: number }> {
    await drainJsmsCallbacks(t.db);
    const [callbacks] = await t.db.select({ n: count() }).from(jsmsCallbacks);
    const [replyRows] = await t.db.select({ n: count() }).from(replies);
    return { callbacks: callbacks!.n, replies: replyRows!.n };
  }

  beforeAll(async () => {
    const runtime = testRuntime(t);
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    const ctx = { db: t.db, sealKey: runtime.sealKey, publicUrl: "http://console.test" };
    ourKey = (await createChannel(ctx, SYSTEM_ACTOR("t"), { type: "jsms", name: `ours-${t.kind}`, ...ours })).channelKey;
    theirKey = (await createChannel(ctx, SYSTEM_ACTOR("t"), { type: "jsms", name: `theirs-${t.kind}`, ...theirs })).channelKey;
    cmppKey = `cmpp${crypto.randomBytes(3).toString("hex")}`;
    await t.db.insert(channels).values({ channelKey: cmppKey, name: `cmpp-${t.kind}`, type: "cmpp", config: {}, sealedSecrets: "v2.unused" });
    adminKey = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("t"), { name: "admin", role: "admin" })).credentials);
  });

  let before: { callbacks: number; replies: number };
  beforeEach(async () => {
    before = await stored();
  });

  it("stores and applies a callback signed with the channel's own keys (the cases below could pass)", async () => {
    expect(await post(ourKey, encode({ ...signedForm(ours) }))).toEqual({ status: 200, code: undefined });
    expect(await stored()).toEqual({ callbacks: before.callbacks + 1, replies: before.replies + 1 });
  });

  it.each([
    ["a wrong MasterSecret", () => signedForm({ ...ours, masterSecret: theirs.masterSecret })],
    ["a wrong AppKey", () => signedForm({ ...ours, appKey: theirs.appKey })],
    ["another channel's keys", () => signedForm(theirs)],
    ["the signature of another nonce", () => ({ ...signedForm(ours), nonce: generateCallbackNonce() })],
    ["the signature of another timestamp", () => ({ ...signedForm(ours), timestamp: String(Date.now() - 1000) })],
    ["a signature one hex digit off", () => {
      const form = signedForm(ours);
      const last = form.signature!.at(-1) === "0" ? "1" : "0";
      return { ...form, signature: form.signature!.slice(0, -1) + last };
    }],
    ["a signature with a space after it", () => {
      const form = signedForm(ours);
      return { ...form, signature: `${form.signature} ` };
    }],
    ["the signature's first 20 digits twice", () => {
      const form = signedForm(ours);
      return { ...form, signature: form.signature!.slice(0, 20).repeat(2) };
    }],
    ["an empty-string secret's signature", () => signedForm({ appKey: "", masterSecret: "" })],
  ])("refuses %s with 401 signature_invalid and stores nothing", async (_name, make) => {
    expect(await post(ourKey, encode({ ...make() }))).toEqual({ status: 401, code: "signature_invalid" });
    expect(await stored()).toEqual(before);
  });

  it("refuses a callback signed for one channel posted to the other's URL, both ways", async () => {
    expect(await post(theirKey, encode({ ...signedForm(ours) }))).toEqual({ status: 401, code: "signature_invalid" });
    expect(await post(ourKey, encode({ ...signedForm(theirs) }))).toEqual({ status: 401, code: "signature_invalid" });
    expect(await stored()).toEqual(before);
  });

  it("answers 404 to a signed callback posted to a CMPP channel's or an unknown key, and stores nothing", async () => {
    expect(await post(cmppKey, encode({ ...signedForm(ours) }))).toEqual({ status: 404, code: "channel_not_found" });
    expect(await post("nosuchkey9", encode({ ...signedForm(ours) }))).toEqual({ status: 404, code: "channel_not_found" });
    expect(await stored()).toEqual(before);
  });

  it.each([
    ["without a signature", (f: Fields) => ({ ...f, signature: undefined })],
    ["without a nonce", (f: Fields) => ({ ...f, nonce: undefined })],
    ["without a timestamp", (f: Fields) => ({ ...f, timestamp: undefined })],
    ["with an empty signature", (f: Fields) => ({ ...f, signature: "" })],
    ["with the field named Signature", (f: Fields) => ({ ...f, signature: undefined, Signature: f.signature })],
    ["with the fields named NONCE and TIMESTAMP", (f: Fields) => ({ ...f, nonce: undefined, timestamp: undefined, NONCE: f.nonce, TIMESTAMP: f.timestamp })],
  ])("refuses a callback %s with 401 signature_missing and stores nothing", async (_name, change) => {
    expect(await post(ourKey, encode(change(signedForm(ours)) as Record<string, string | undefined>))).toEqual({ status: 401, code: "signature_missing" });
    expect(await stored()).toEqual(before);
  });

  it("reads the signature from the form only: in headers or the query string it counts as missing", async () => {
    const { signature, nonce, timestamp, ...rest } = signedForm(ours);
    const signed = { signature: signature!, nonce: nonce!, timestamp: timestamp! };
    expect(await post(ourKey, encode(rest), { "x-signature": signed.signature, signature: signed.signature, "x-nonce": signed.nonce, "x-timestamp": signed.timestamp })).toEqual({
      status: 401,
      code: "signature_missing",
    });
    expect(await post(ourKey, encode(rest), {}, `?${new URLSearchParams(signed)}`)).toEqual({ status: 401, code: "signature_missing" });
    expect(await stored()).toEqual(before);
  });

  it("gives an API key no say: an admin key does not make an unsigned or wrongly signed callback pass", async () => {
    const { signature: _signature, ...unsigned } = signedForm(ours);
    expect(await post(ourKey, encode(unsigned), adminKey)).toEqual({ status: 401, code: "signature_missing" });
    expect(await post(ourKey, encode({ ...signedForm(theirs) }), adminKey)).toEqual({ status: 401, code: "signature_invalid" });
    expect(await stored()).toEqual(before);
  });

  it.each([
    ["25 hours old", Date.now() - 25 * HOUR, "stale_timestamp"],
    ["10 minutes in the future", Date.now() + 10 * 60_000, "future_timestamp"],
  ])("refuses a correctly signed callback %s with 401 and stores nothing", async (_name, timestamp, code) => {
    expect(await post(ourKey, encode({ ...signedForm(ours, { timestamp }) }))).toEqual({ status: 401, code });
    expect(await stored()).toEqual(before);
  });

  it("refuses a correctly signed timestamp that is not milliseconds since the epoch", async () => {
    const nonce = generateCallbackNonce();
    for (const timestamp of ["1.7e12", "-1", " 1700000000000", "0x18c", String(Number.MAX_SAFE_INTEGER) + "0"]) {
      const signature = computeCallbackSignature(ours.appKey, ours.masterSecret, nonce, timestamp);
      const data = JSON.stringify({ phone: "13700137100", replyTime: Date.now(), content: "x" });
      expect(await post(ourKey, encode({ nonce, timestamp, signature, type: "SMS_REPLY", data })), timestamp).toEqual({ status: 401, code: "invalid_timestamp" });
    }
    expect(await stored()).toEqual(before);
  });

  it("takes the first copy of a field given twice: a wrong first signature is refused", async () => {
    const form = signedForm(ours);
    const body = `signature=${"0".repeat(40)}&${encode({ ...form })}`;
    expect(await post(ourKey, body)).toEqual({ status: 401, code: "signature_invalid" });
    expect(await stored()).toEqual(before);
  });

  it("accepts the signature's hex in capitals (documented), and its lowercase replay changes nothing", async () => {
    const form = signedForm(ours);
    expect(await post(ourKey, encode({ ...form, signature: form.signature!.toUpperCase() }))).toEqual({ status: 200, code: undefined });
    const after = await stored();
    expect(after).toEqual({ callbacks: before.callbacks + 1, replies: before.replies + 1 });
    expect(await post(ourKey, encode({ ...form }))).toEqual({ status: 200, code: undefined });
    expect(await stored()).toEqual(after);
    const [row] = await t.db.select({ signature: jsmsCallbacks.signature }).from(jsmsCallbacks).where(eq(jsmsCallbacks.nonce, form.nonce!));
    expect(row!.signature).toBe(form.signature);
  });
});
