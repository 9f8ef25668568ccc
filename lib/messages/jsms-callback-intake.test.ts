import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channelReviews, channels, jsmsCallbacks, messageEvents, messages, replies, sends, unmatchedReceipts } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { buildCallbackForm, generateCallbackNonce } from "@/lib/sender/jsms/callback";
import { applyPendingJsmsCallbacks, receiveJsmsCallback, rejectedCallbackCounts } from "./jsms-callback-intake";
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
    return row!.id;
  }

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
    expect(await t.db.select().from(messageEvents).where(eq(messageEvents.messageId, id))).toHaveLength(1);
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
});
