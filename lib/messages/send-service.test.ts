import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { auditLog, channels, sends } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { DomainError } from "@/lib/util/errors";
import { createSend, previewSend } from "./send-service";
import { insertTestChannel } from "./testing/fixtures";

const actor = SYSTEM_ACTOR("test");

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describeEachDb("creating a send", (t) => {
  let cmpp: { id: string; channelKey: string };
  let jsms: { id: string; channelKey: string };

  beforeAll(async () => {
    cmpp = await insertTestChannel(t.db, "cmpp", { defaultSignature: "【ACME】" });
    jsms = await insertTestChannel(t.db, "jsms");
    await upsertUmsUsers(t.db, actor, [
      { userid: "alice", phone: { all: "13800000001" } },
      { userid: "bob", phone: { [cmpp.channelKey]: "13800000002" } },
      { userid: "carol", phone: { other: "13800000003" } },
    ]);
  });

  const sendRow = async (sendId: string) => (await t.db.select().from(sends).where(eq(sends.id, sendId)))[0]!;

  it("stores a preparing send with its content as sent and answers at once", async () => {
    const answer = await createSend(t.db, actor, { channelKey: cmpp.channelKey, userids: [" alice ", "bob", "nobody"], text: "Your code is 1234" });
    expect(answer).toEqual({ sendId: expect.any(String), accepted: 3, rejected: [], rejectedCount: 0 });
    const row = await sendRow(answer.sendId);
    expect(row).toMatchObject({
      status: "preparing",
      channelId: cmpp.id,
      createdBy: "system:test",
      content: { text: "【ACME】Your code is 1234" },
      audience: { kind: "userids", values: ["alice", "bob", "nobody"] },
      audienceSize: 3,
      total: 0,
      segmentsPerMessage: 1,
    });
    const [audit] = await t.db.select().from(auditLog).where(eq(auditLog.target, answer.sendId));
    expect(audit).toMatchObject({ action: "send.create", detail: { channelKey: cmpp.channelKey, audience: "userids", recipients: 3, rejected: 0 } });
  });

  it("keeps a text that brings its own signature as written, and counts its segments", async () => {
    const text = "【Other】" + "短".repeat(100);
    const answer = await createSend(t.db, actor, { channelKey: cmpp.channelKey, phones: ["13900000001"], text });
    expect(await sendRow(answer.sendId)).toMatchObject({ content: { text }, segmentsPerMessage: 2 });
  });

  it("refuses malformed and repeated phones with their reasons, and keeps the rest normalised", async () => {
    const answer = await createSend(t.db, actor, {
      channelKey: cmpp.channelKey,
      phones: ["13900000001", "+86 139-0000-0002", "12345", "13900000001", "8613900000002"],
      text: "Hi",
    });
    expect(answer.accepted).toBe(2);
    expect(answer.rejectedCount).toBe(3);
    expect(answer.rejected).toEqual([
      { recipient: "12345", reason: expect.stringContaining("not a mainland mobile"), code: "invalid_phone" },
      { recipient: "13900000001", reason: expect.stringContaining("listed already (at position 1)"), code: "duplicate" },
      { recipient: "8613900000002", reason: expect.stringContaining("13900000002"), code: "duplicate" },
    ]);
    expect((await sendRow(answer.sendId)).audience).toMatchObject({ kind: "phones", values: ["13900000001", "13900000002"] });
  });

  it("refuses empty, too long and repeated userids; a userid without a number is accepted", async () => {
    const answer = await createSend(t.db, actor, { channelKey: cmpp.channelKey, userids: ["carol", "  ", "x".repeat(65), "carol "], text: "Hi" });
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => r.code)).toEqual(["invalid_userid", "invalid_userid", "duplicate"]);
    expect(answer.rejected[1]!.recipient).toBe("x".repeat(65));
  });

  it("refuses a list whose every entry is refused, naming them", async () => {
    const error = await refusal(createSend(t.db, actor, { channelKey: cmpp.channelKey, phones: ["1", "2"], text: "Hi" }));
    expect(error).toMatchObject({ status: 400, code: "no_recipients" });
    expect(error.details.map((d) => d.path)).toEqual(["phones.0", "phones.1"]);
  });

  it("takes everyone with a number for the channel as the audience", async () => {
    const answer = await createSend(t.db, actor, { channelKey: cmpp.channelKey, audience: "everyone", text: "Hi" });
    // alice (all) and bob (bound to the channel); carol's only number is for another channel.
    expect(answer.accepted).toBe(2);
    expect((await sendRow(answer.sendId)).audience).toMatchObject({ kind: "everyone" });
  });

  it("stores a JSMS template with its parameters, and no text", async () => {
    const answer = await createSend(t.db, actor, { channelKey: jsms.channelKey, userids: ["alice"], template: { id: 1001, params: { code: "1234" } } });
    expect(await sendRow(answer.sendId)).toMatchObject({ content: { template: { id: 1001, params: { code: "1234" }, signId: null } }, segmentsPerMessage: 1 });
  });

  it("refuses content of the wrong kind for the channel, an unknown channel and a disabled one", async () => {
    expect(await refusal(createSend(t.db, actor, { channelKey: jsms.channelKey, userids: ["alice"], text: "Hi" }))).toMatchObject({
      status: 400,
      details: [{ path: "text", message: "errors.text_not_for_jsms" }],
    });
    expect(await refusal(createSend(t.db, actor, { channelKey: cmpp.channelKey, userids: ["alice"], template: { id: 1 } }))).toMatchObject({
      status: 400,
      details: [{ path: "template", message: "errors.template_not_for_cmpp" }],
    });
    expect(await refusal(createSend(t.db, actor, { channelKey: "nosuchkey2", userids: ["alice"], text: "Hi" }))).toMatchObject({ status: 404, code: "channel_not_found" });
    const disabled = await insertTestChannel(t.db, "cmpp");
    await t.db.update(channels).set({ enabled: false }).where(eq(channels.id, disabled.id));
    expect(await refusal(createSend(t.db, actor, { channelKey: disabled.channelKey, userids: ["alice"], text: "Hi" }))).toMatchObject({ status: 422, code: "channel_disabled" });
  });

  it("answers the same idempotency key and body with the first send, and makes one send", async () => {
    const body = { channelKey: cmpp.channelKey, phones: ["13900000001", "x"], text: "Once", idempotencyKey: "order-1" };
    const first = await createSend(t.db, actor, body);
    // The same request with its keys in another order is the same request.
    const again = await createSend(t.db, actor, { idempotencyKey: "order-1", text: "Once", phones: ["13900000001", "x"], channelKey: cmpp.channelKey });
    expect(again).toEqual(first);
    expect(first.rejected).toHaveLength(1);
    const rows = await t.db.select({ id: sends.id }).from(sends).where(eq(sends.idempotencyKey, "order-1"));
    expect(rows).toHaveLength(1);
  });

  it("refuses the same idempotency key with another body (409)", async () => {
    await createSend(t.db, actor, { channelKey: cmpp.channelKey, phones: ["13900000001"], text: "A", idempotencyKey: "order-2" });
    const error = await refusal(createSend(t.db, actor, { channelKey: cmpp.channelKey, phones: ["13900000001"], text: "B", idempotencyKey: "order-2" }));
    expect(error).toMatchObject({ status: 409, code: "idempotency_key_reused" });
  });

  it("makes one send for concurrent requests with the same key", async () => {
    const body = { channelKey: cmpp.channelKey, userids: ["alice", "bob"], text: "Race", idempotencyKey: "order-race" };
    const answers = await Promise.all(Array.from({ length: 5 }, () => createSend(t.db, actor, body)));
    expect(new Set(answers.map((a) => a.sendId)).size).toBe(1);
    expect(answers.every((a) => a.accepted === 2)).toBe(true);
    const rows = await t.db.select({ id: sends.id }).from(sends).where(eq(sends.idempotencyKey, "order-race"));
    expect(rows).toHaveLength(1);
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.target, rows[0]!.id));
    expect(audits).toHaveLength(1);
  });

  it("answers a text too long with its own code", async () => {
    expect(await refusal(createSend(t.db, actor, { channelKey: cmpp.channelKey, userids: ["alice"], text: "a".repeat(1001) }))).toMatchObject({
      status: 400,
      code: "text_too_long",
      details: [{ path: "text", message: "errors.text_too_long" }],
    });
  });
});

describeEachDb("previewing a send", (t) => {
  let cmpp: { id: string; channelKey: string };
  let jsms: { id: string; channelKey: string };

  beforeAll(async () => {
    cmpp = await insertTestChannel(t.db, "cmpp", { defaultSignature: "【ACME】" });
    jsms = await insertTestChannel(t.db, "jsms");
    await upsertUmsUsers(t.db, actor, [
      { userid: "alice", phone: { all: "13800000001" } },
      { userid: "bob", phone: { [cmpp.channelKey]: "13800000002" } },
    ]);
  });

  it("counts recipients, those without a number, and the segments of the text as sent", async () => {
    const preview = await previewSend(t.db, { channelKey: cmpp.channelKey, userids: ["alice", "bob", "nobody", "alice"], text: "a".repeat(140), idempotencyKey: "ignored" });
    expect(preview).toEqual({
      recipients: 3,
      withoutNumber: 1,
      rejected: [{ recipient: "alice", reason: expect.any(String), code: "duplicate" }],
      rejectedCount: 1,
      // 【ACME】 makes the text UCS2: 146 characters in parts of 67.
      text: "【ACME】" + "a".repeat(140),
      characters: 146,
      encoding: "UCS2",
      segmentsPerMessage: 3,
      segmentsTotal: 6,
    });
    expect(await t.db.select().from(sends)).toEqual([]);
  });

  it("previews a JSMS template as one segment per recipient and no text", async () => {
    const preview = await previewSend(t.db, { channelKey: jsms.channelKey, audience: "everyone", template: { id: 5 } });
    expect(preview).toMatchObject({ recipients: 1, withoutNumber: 0, text: null, characters: 0, encoding: null, segmentsPerMessage: 1, segmentsTotal: 1 });
  });

  it("previews a list whose every entry is refused as no recipients, with the reasons", async () => {
    const preview = await previewSend(t.db, { channelKey: cmpp.channelKey, phones: ["nope"], text: "Hi" });
    expect(preview).toMatchObject({ recipients: 0, segmentsTotal: 0, rejectedCount: 1, encoding: "UCS2" });
  });
});

describeEachDb("a send to everyone when no one has a number", (t) => {
  it("is refused (422)", async () => {
    const channel = await insertTestChannel(t.db, "jsms");
    await upsertUmsUsers(t.db, actor, [{ userid: "elsewhere", phone: { otherkey: "13800000003" } }]);
    const error = await refusal(createSend(t.db, actor, { channelKey: channel.channelKey, audience: "everyone", template: { id: 1 } }));
    expect(error).toMatchObject({ status: 422, code: "audience_empty" });
    expect(await t.db.select().from(sends)).toEqual([]);
  });
});
