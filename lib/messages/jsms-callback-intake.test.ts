import crypto from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterEach, expect, it, vi } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channelReviews, channels, jsmsCallbacks, messageEvents, messageSegments, messages, replies, sends, unmatchedReceipts } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { buildCallbackForm, generateCallbackNonce } from "@/lib/sender/jsms/callback";
import { logger } from "@/lib/util/logger";
import {
  CHANNEL_CACHE_MAX,
  MAX_CALLBACK_APPLY_ATTEMPTS,
  applyPendingJsmsCallbacks,
  cachedChannelCredentialsCount,
  countSetAsideJsmsCallbacks,
  receiveJsmsCallback,
  rejectedCallbackCounts,
} from "./jsms-callback-intake";
import { matchUnmatchedReceipts } from "./receipts";

const app = { appKey: "aa1066407b044738b6479275", masterSecret: "bb38ce69b1de2a7fa95706ea" };

describeEachDb("JSMS callback intake", (t) => {
  const sealKey = crypto.randomBytes(32);
  let channelKey = "";
  let channelId = "";
  let sendId = "";
  const ctx = () => ({ db: t.db, sealKey });
  /** Receives one callback and waits until its effect is applied, as a user would check it. */
  async function receive(key: string, form: URLSearchParams) {
    const answer = await receiveJsmsCallback(ctx(), key, form);
    await answer.applied;
    return answer;
  }

  function signedForm(type: string, data: unknown, overrides: Record<string, string> = {}) {
    const form = buildCallbackForm({
      ...app,
      nonce: generateCallbackNonce(),
      timestamp: String(Date.now()),
      type,
      data: typeof data === "string" ? data : JSON.stringify(data),
    } as Parameters<typeof buildCallbackForm>[0]);
    for (const [k, v] of Object.entries(overrides)) form.set(k, v);
    return form;
  }

  async function addMessage(providerMessageId: string, phone = "13800138000") {
    const [row] = await t.db
      .insert(messages)
      .values({ sendId, channelId, phone, status: "submitted", providerMessageId })
      .returning({ id: messages.id });
    await t.db.insert(messageSegments).values({ messageId: row!.id, part: 1, channelId, phone, providerMessageId });
    return row!.id;
  }

  /** A callback stored a minute ago and never applied, as a crash leaves it. */
  async function storeUnapplied(type: string, data: unknown) {
    const at = Date.now() - 60_000;
    const [row] = await t.db
      .insert(jsmsCallbacks)
      .values({ channelId, nonce: generateCallbackNonce(), timestamp: String(at), signature: "f".repeat(40), type, data: typeof data === "string" ? data : JSON.stringify(data), receivedAt: new Date(at) })
      .returning({ id: jsmsCallbacks.id });
    return row!.id;
  }
  const storedRow = async (id: bigint) => (await t.db.select().from(jsmsCallbacks).where(eq(jsmsCallbacks.id, id)))[0]!;
  const storedByNonce = async (nonce: string) => t.db.select().from(jsmsCallbacks).where(and(eq(jsmsCallbacks.channelId, channelId), eq(jsmsCallbacks.nonce, nonce)));
  const repliesFrom = async (phone: string) => t.db.select().from(replies).where(and(eq(replies.channelId, channelId), eq(replies.phone, phone)));
  const eventsOf = async (id: bigint) => t.db.select().from(messageEvents).where(eq(messageEvents.messageId, id));
  const statusOf = async (id: bigint) => (await t.db.select().from(messages).where(eq(messages.id, id)))[0]!;
  const inboxCount = async () => (await t.db.select().from(jsmsCallbacks)).length;

  it("sets up a JSMS channel", async () => {
    const view = await createChannel({ db: t.db, sealKey, publicUrl: "http://x" }, SYSTEM_ACTOR("t"), { type: "jsms", name: "cb", ...app });
    channelKey = view.channelKey;
    channelId = (await t.db.select().from(channels).where(eq(channels.channelKey, channelKey)))[0]!.id;
    sendId = (await t.db.insert(sends).values({ channelId, createdBy: "test" }).returning())[0]!.id;
  });

  it("refuses forged, missing and stale signatures with 401 and stores nothing", async () => {
    const report = { msgId: "1", phone: "13800138000", receiveTime: Date.now(), status: 4001 };
    const forged = signedForm("SMS_REPORT", report, { signature: "0".repeat(40) });
    expect((await receive(channelKey, forged)).status).toBe(401);
    const missing = signedForm("SMS_REPORT", report);
    missing.delete("signature");
    expect((await receive(channelKey, missing)).status).toBe(401);
    // Signed with another app's secret.
    const otherKeys = buildCallbackForm({ appKey: app.appKey, masterSecret: "cc38ce69b1de2a7fa95706ea", nonce: "5", timestamp: String(Date.now()), type: "SMS_REPORT", data: JSON.stringify(report) } as Parameters<typeof buildCallbackForm>[0]);
    expect((await receive(channelKey, otherKeys)).status).toBe(401);
    const stale = buildCallbackForm({ ...app, nonce: "7", timestamp: String(Date.now() - 2 * 24 * 3600_000), type: "SMS_REPORT", data: JSON.stringify(report) } as Parameters<typeof buildCallbackForm>[0]);
    const staleAnswer = await receive(channelKey, stale);
    expect(staleAnswer.status).toBe(401);
    expect(staleAnswer.body).toMatchObject({ error: { code: "stale_timestamp" } });
    expect(await inboxCount()).toBe(0);
    expect(rejectedCallbackCounts.get(channelKey)).toBeGreaterThanOrEqual(4);
  });

  it("answers 404 for an unknown channel and 400 with the reason for malformed data", async () => {
    expect((await receive("nosuchchan", signedForm("SMS_REPORT", {}))).status).toBe(404);
    const notJson = await receive(channelKey, signedForm("SMS_REPORT", "{not json"));
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(notJson.body)).toContain("data is not valid JSON");
    const missingField = await receive(channelKey, signedForm("SMS_REPORT", { phone: "13800138000", receiveTime: 1, status: 4001 }));
    expect(missingField.status).toBe(400);
    expect(JSON.stringify(missingField.body)).toContain("msgId");
    const wrongType = await receive(channelKey, signedForm("SMS_REPORT", { msgId: "1", phone: "1", receiveTime: 1, status: "delivered" }));
    expect(wrongType.status).toBe(400);
    expect(await inboxCount()).toBe(0);
  });

  it("applies a report to its message: 4001 delivered, 4004 failed as invalid number", async () => {
    const good = await addMessage("900000000000000001");
    const bad = await addMessage("900000000000000002");
    const answer = await receive(channelKey, signedForm("SMS_REPORT", { msgId: "900000000000000001", phone: "13800138000", receiveTime: Date.now(), status: 4001 }));
    expect(answer.status).toBe(200);
    await receive(channelKey, signedForm("SMS_REPORT", { msgId: 900000000000000002n.toString(), phone: "13800138000", receiveTime: Date.now(), status: 4004 }));
    expect(await statusOf(good)).toMatchObject({ status: "delivered", errorCode: null });
    expect(await statusOf(bad)).toMatchObject({ status: "failed", errorCode: "4004", errorCategory: "invalid_number" });
  });

  it("keeps a msgId beyond 2^53 exact when Jiguang sends it as a bare number", async () => {
    const id = await addMessage("1234567890123456789");
    const data = `{"msgId":1234567890123456789,"phone":"13800138000","receiveTime":${Date.now()},"status":4001}`;
    expect((await receive(channelKey, signedForm("SMS_REPORT", data))).status).toBe(200);
    expect((await statusOf(id)).status).toBe("delivered");
  });

  it("answers a replay 200 and ignores it; the same report twice changes nothing", async () => {
    const id = await addMessage("900000000000000003");
    const report = { msgId: "900000000000000003", phone: "13800138000", receiveTime: Date.now(), status: 4003 };
    const form = signedForm("SMS_REPORT", report);
    const before = await inboxCount();
    expect((await receive(channelKey, form)).status).toBe(200);
    expect((await receive(channelKey, form)).body).toMatchObject({ duplicate: true });
    // Jiguang's retry of the same report with a new nonce: stored, but the message is already final.
    expect((await receive(channelKey, signedForm("SMS_REPORT", { ...report, status: 4001 }))).status).toBe(200);
    expect(await inboxCount()).toBe(before + 2);
    expect(await statusOf(id)).toMatchObject({ status: "failed", errorCode: "4003", errorCategory: "handset_off" });
    // The later report is kept on the timeline, marked as changing nothing.
    const events = await t.db.select().from(messageEvents).where(eq(messageEvents.messageId, id)).orderBy(messageEvents.id);
    expect(events.map((e) => [e.kind, e.code])).toEqual([["report", "4003"], ["report_ignored", "4001"]]);
  });

  it("keeps a report for an unknown msgId and applies it when the message appears", async () => {
    const report = { msgId: "777", phone: "13900139000", receiveTime: Date.now(), status: 4001 };
    expect((await receive(channelKey, signedForm("SMS_REPORT", report))).status).toBe(200);
    expect((await receive(channelKey, signedForm("SMS_REPORT", report))).status).toBe(200);
    expect(await t.db.select().from(unmatchedReceipts).where(eq(unmatchedReceipts.providerMessageId, "777"))).toHaveLength(1);
    const id = await addMessage("777", "13900139000");
    expect(await matchUnmatchedReceipts(t.db, channelId, ["777"])).toBe(1);
    expect((await statusOf(id)).status).toBe("delivered");
    expect(await t.db.select().from(unmatchedReceipts).where(eq(unmatchedReceipts.providerMessageId, "777"))).toHaveLength(0);
  });

  it("records concurrent callbacks, including copies within one batch, exactly once", async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => addMessage(String(800000000000000000n + BigInt(i)))));
    const forms = ids.map((_, i) =>
      signedForm("SMS_REPORT", { msgId: String(800000000000000000n + BigInt(i)), phone: "13800138000", receiveTime: Date.now(), status: i % 3 ? 4001 : 4002 }),
    );
    const before = await inboxCount();
    const answers = await Promise.all([...forms, ...forms.slice(0, 10)].map((f) => receive(channelKey, f)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.duplicate)).toHaveLength(10);
    expect(await inboxCount()).toBe(before + 30);
    const states = await Promise.all(ids.map(statusOf));
    expect(states.filter((m) => m.status === "delivered")).toHaveLength(20);
    expect(states.filter((m) => m.status === "failed" && m.errorCategory === "blacklisted")).toHaveLength(10);
    for (const id of ids) expect(await t.db.select().from(messageEvents).where(eq(messageEvents.messageId, id))).toHaveLength(1);
  });

  it("keeps replies and review results", async () => {
    await receive(channelKey, signedForm("SMS_REPLY", { phone: "13800138000", replyTime: Date.now(), content: "退订 T" }));
    await receive(channelKey, signedForm("SMS_TEMPLATE", { tempId: 42, status: 2, refuseReason: "签名不符" }));
    await receive(channelKey, signedForm("SMS_TEMPLATE", { tempId: 42, status: 1, refuseReason: null }));
    expect((await t.db.select().from(replies)).map((r) => r.content)).toEqual(["退订 T"]);
    const reviews = await t.db.select().from(channelReviews);
    expect(reviews).toEqual([expect.objectContaining({ kind: "template", ref: "42", status: "approved", refuseReason: null })]);
  });

  it("applies stored callbacks that were not applied before a crash", async () => {
    const id = await addMessage("900000000000000009");
    const data = JSON.stringify({ msgId: "900000000000000009", phone: "13800138000", receiveTime: Date.now(), status: 4001 });
    await t.db.insert(jsmsCallbacks).values({ channelId, nonce: "99", timestamp: String(Date.now() - 60_000), signature: "f".repeat(40), type: "SMS_REPORT", data, receivedAt: new Date(Date.now() - 60_000) });
    expect(await applyPendingJsmsCallbacks(t.db)).toBe(1);
    expect((await statusOf(id)).status).toBe("delivered");
    expect(await applyPendingJsmsCallbacks(t.db)).toBe(0);
  });

  afterEach(() => vi.restoreAllMocks());

  it("ignores a replay with its signature re-cased and other data, and logs it as a suspected forgery", async () => {
    const warn = vi.spyOn(logger, "warn");
    const id = await addMessage("900000000000000021");
    const original = signedForm("SMS_REPORT", { msgId: "900000000000000021", phone: "13800138000", receiveTime: Date.now(), status: 4003 });
    const nonce = original.get("nonce")!;
    // Any case verifies; the stored signature is the lowercase one Jiguang sends.
    original.set("signature", original.get("signature")!.toUpperCase());
    expect((await receive(channelKey, original)).body).toEqual({ ok: true });

    const replay = new URLSearchParams(original);
    replay.set("signature", original.get("signature")!.toLowerCase().replace(/[a-f]/, (c) => c.toUpperCase()));
    replay.set("data", JSON.stringify({ msgId: "900000000000000021", phone: "13800138000", receiveTime: Date.now(), status: 4001 }));
    const answer = await receive(channelKey, replay);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ duplicate: true });

    const stored = await storedByNonce(nonce);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.signature).toBe(original.get("signature")!.toLowerCase());
    expect(JSON.parse(stored[0]!.data)).toMatchObject({ status: 4003 });
    expect(await statusOf(id)).toMatchObject({ status: "failed", errorCode: "4003" });
    expect(await eventsOf(id)).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("suspected forgery"), expect.objectContaining({ channelKey }));
  });

  it("stores a reply once when it is replayed re-cased with other content, even within one batch", async () => {
    const warn = vi.spyOn(logger, "warn");
    const original = signedForm("SMS_REPLY", { phone: "13700137001", replyTime: Date.now(), content: "TD" });
    const replay = new URLSearchParams(original);
    replay.set("signature", original.get("signature")!.toUpperCase());
    replay.set("data", JSON.stringify({ phone: "13700137001", replyTime: Date.now(), content: "forged" }));
    // Sent together, so both copies meet in one inbox batch.
    const answers = await Promise.all([receive(channelKey, original), receive(channelKey, replay)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.filter((a) => a.body.duplicate)).toHaveLength(1);
    expect(await storedByNonce(original.get("nonce")!)).toHaveLength(1);
    expect((await repliesFrom("13700137001")).map((r) => r.content)).toEqual(["TD"]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("suspected forgery"), expect.anything());
    // A later copy, re-cased again, changes nothing either.
    const later = new URLSearchParams(replay);
    later.set("signature", original.get("signature")!);
    expect((await receive(channelKey, later)).body).toMatchObject({ duplicate: true });
    expect(await repliesFrom("13700137001")).toHaveLength(1);
  });

  it("stores one reply when Jiguang retries it under a new nonce", async () => {
    const reply = { phone: "13700137002", replyTime: Date.now(), content: "退订" };
    const first = signedForm("SMS_REPLY", reply);
    const retry = signedForm("SMS_REPLY", reply);
    expect((await receive(channelKey, first)).body).toEqual({ ok: true });
    expect((await receive(channelKey, retry)).body).toEqual({ ok: true });
    expect(await repliesFrom("13700137002")).toHaveLength(1);
    expect((await storedByNonce(retry.get("nonce")!))[0]).toMatchObject({ outcome: "duplicate" });
  });

  it("lets two sweepers run at once and applies each stored callback once", async () => {
    const msgIds = Array.from({ length: 40 }, (_, i) => String(910000000000000000n + BigInt(i)));
    const ids = await Promise.all(msgIds.map((m) => addMessage(m)));
    const stored = [];
    for (const msgId of msgIds) stored.push(await storeUnapplied("SMS_REPORT", { msgId, phone: "13800138000", receiveTime: Date.now(), status: 4001 }));
    stored.push(await storeUnapplied("SMS_REPLY", { phone: "13700137003", replyTime: Date.now(), content: "hi" }));

    // Open the pool's connections first, so on PostgreSQL both sweepers really start together.
    await Promise.all(Array.from({ length: 4 }, () => t.db.execute(sql`select 1`)));
    const [a, b] = await Promise.all([applyPendingJsmsCallbacks(t.db), applyPendingJsmsCallbacks(t.db)]);
    expect(a + b).toBe(41);
    const rows = await t.db.select().from(jsmsCallbacks).where(inArray(jsmsCallbacks.id, stored));
    // A second application would have overwritten the outcome with "duplicate".
    expect(rows.filter((r) => r.outcome === "applied")).toHaveLength(40);
    expect(rows.filter((r) => r.outcome === "reply")).toHaveLength(1);
    for (const id of ids) expect(await eventsOf(id)).toHaveLength(1);
    expect(await repliesFrom("13700137003")).toHaveLength(1);
    expect(await applyPendingJsmsCallbacks(t.db)).toBe(0);
  });

  it(`counts failed tries of a stored callback, sets it aside after ${MAX_CALLBACK_APPLY_ATTEMPTS}, and applies the rest of its batch`, async () => {
    const good = await Promise.all(["920000000000000001", "920000000000000002"].map((m) => addMessage(m)));
    const before = await countSetAsideJsmsCallbacks(t.db);
    await storeUnapplied("SMS_REPORT", { msgId: "920000000000000001", phone: "13800138000", receiveTime: Date.now(), status: 4001 });
    // PostgreSQL text cannot hold U+0000: this reply can never be stored.
    const bad = await storeUnapplied("SMS_REPLY", '{"phone":"13700137004","replyTime":1700000000000,"content":"a\\u0000b"}');
    await storeUnapplied("SMS_REPORT", { msgId: "920000000000000002", phone: "13800138000", receiveTime: Date.now(), status: 4001 });
    const unreadable = await storeUnapplied("SMS_REPORT", "{not json");

    expect(await applyPendingJsmsCallbacks(t.db)).toBe(2);
    for (const id of good) expect((await statusOf(id)).status).toBe("delivered");
    expect(await storedRow(bad)).toMatchObject({ attempts: 1, appliedAt: null, setAsideAt: null, lastError: expect.stringContaining("0x00") });
    // Unreadable data cannot get better: set aside at once, with the reason.
    expect(await storedRow(unreadable)).toMatchObject({ appliedAt: null, setAsideAt: expect.any(Date), lastError: expect.stringContaining("unreadable") });

    for (let pass = 2; pass <= MAX_CALLBACK_APPLY_ATTEMPTS; pass++) expect(await applyPendingJsmsCallbacks(t.db)).toBe(0);
    expect(await storedRow(bad)).toMatchObject({ attempts: MAX_CALLBACK_APPLY_ATTEMPTS, appliedAt: null, setAsideAt: expect.any(Date) });
    expect(await countSetAsideJsmsCallbacks(t.db)).toBe(before + 2);
    // Set aside, it is no longer tried.
    await applyPendingJsmsCallbacks(t.db);
    expect((await storedRow(bad)).attempts).toBe(MAX_CALLBACK_APPLY_ATTEMPTS);
    expect(await repliesFrom("13700137004")).toHaveLength(0);
  });

  it("applies callbacks received together even when one of them cannot be applied", async () => {
    const msgIds = Array.from({ length: 5 }, (_, i) => String(930000000000000000n + BigInt(i)));
    const ids = await Promise.all(msgIds.map((m) => addMessage(m)));
    const poison = signedForm("SMS_REPLY", '{"phone":"13700137005","replyTime":1700000000000,"content":"\\u0000"}');
    const forms = [...msgIds.map((msgId) => signedForm("SMS_REPORT", { msgId, phone: "13800138000", receiveTime: Date.now(), status: 4001 })), poison];
    const answers = await Promise.all(forms.map((f) => receive(channelKey, f)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (const id of ids) expect((await statusOf(id)).status).toBe("delivered");
    expect((await storedByNonce(poison.get("nonce")!))[0]).toMatchObject({ attempts: 1, appliedAt: null, lastError: expect.any(String) });
  });

  it("keeps the channel credentials cache bounded when callbacks name random channel keys", { timeout: 180_000 }, async () => {
    const form = signedForm("SMS_REPORT", { msgId: "1", phone: "13800138000", receiveTime: Date.now(), status: 4001 });
    for (let start = 0; start < 10_000; start += 250) {
      const answers = await Promise.all(
        Array.from({ length: 250 }, (_, i) => receiveJsmsCallback(ctx(), `random${start + i}${crypto.randomBytes(4).toString("hex")}`, form)),
      );
      expect(answers.every((a) => a.status === 404)).toBe(true);
    }
    expect(cachedChannelCredentialsCount()).toBe(CHANNEL_CACHE_MAX);
    // The real channel still answers, read again after being pushed out.
    await addMessage("940000000000000001");
    expect((await receive(channelKey, signedForm("SMS_REPORT", { msgId: "940000000000000001", phone: "13800138000", receiveTime: Date.now(), status: 4001 }))).status).toBe(200);
  });
});
