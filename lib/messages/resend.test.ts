import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { executeRows } from "@/lib/db/client";
import { auditLog, channels, receiptCodes, sends } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { applyTransitions, type MessageState } from "./message-state";
import { resendMessages, resendSend } from "./resend";
import { resendAudienceOf } from "./resend-audience";
import { resendFilterSchema } from "./resend-schema";
import { claimPreparingSend, prepareSend } from "./send-preparer";
import { getSend } from "./send-queries";
import { createSend } from "./send-service";
import { insertTestChannel, sendCounters } from "./testing/fixtures";

const actor = SYSTEM_ACTOR("test");

interface Row {
  id: string;
  userid: string | null;
  phone: string;
  status: string;
  error_code: string | null;
}

describeEachDb("resending a send's failed, expired and unknown messages", (t) => {
  let a: { id: string; channelKey: string };
  let b: { id: string; channelKey: string };
  let jsms: { id: string; channelKey: string };

  beforeAll(async () => {
    a = await insertTestChannel(t.db, "cmpp", { provider: "china_mobile" });
    b = await insertTestChannel(t.db, "cmpp", { provider: "china_unicom", defaultSignature: "【B】" });
    jsms = await insertTestChannel(t.db, "jsms");
    await upsertUmsUsers(t.db, actor, [
      // alice has her own number for B; bob and dave only an `all` one; carol only one for A.
      { userid: "alice", phone: { all: "13800000001", [b.channelKey]: "13900000001" } },
      { userid: "bob", phone: { all: "13800000002" } },
      { userid: "carol", phone: { [a.channelKey]: "13800000003" } },
      { userid: "dave", phone: { all: "13800000004" } },
      { userid: "erin", phone: { all: "13800000005" } },
    ]);
  });

  const messagesOf = (sendId: string) =>
    executeRows<Row>(t.db, sql`select m.id::text as id, m.userid, m.phone, m.status, m.error_code from messages m where m.send_id = ${sendId}::uuid order by m.id`);

  async function prepareAll(chunkSize = 2) {
    for (let send = await claimPreparingSend(t.db); send; send = await claimPreparingSend(t.db)) {
      expect(await prepareSend(t.db, t.kind, send, { chunkSize })).toBe("prepared");
    }
  }

  /** Moves each listed message (by userid or phone) from queued, through submitted, to its final state. */
  async function settle(sendId: string, outcomes: Record<string, MessageState>) {
    const rows = await messagesOf(sendId);
    const chosen = rows.filter((r) => outcomes[r.userid ?? r.phone] !== undefined && r.status === "queued");
    await applyTransitions(t.db, chosen.map((r) => ({ id: r.id, from: "queued" as const, to: "submitted" as const })));
    await applyTransitions(
      t.db,
      chosen.map((r) => {
        const to = outcomes[r.userid ?? r.phone]!;
        return { id: r.id, from: "submitted" as const, to, ...(to === "delivered" ? {} : { error: { code: to === "failed" ? "UNDELIV" : "EXPIRED", category: "handset_off" } }) };
      }),
    );
  }

  /** A send on A to the five users and someone unknown, prepared, with a mix of outcomes. */
  async function sendWithOutcomes(text = "Hi"): Promise<string> {
    const { sendId } = await createSend(t.db, actor, { channelKey: a.channelKey, userids: ["alice", "bob", "carol", "dave", "erin", "nobody"], text });
    await prepareAll();
    // nobody failed already (no number); erin stays queued: the send is still sending.
    await settle(sendId, { alice: "failed", bob: "delivered", carol: "expired", dave: "unknown" });
    return sendId;
  }

  it("resends only the failed, expired and unknown messages on another channel, numbers resolved for it, and only once", async () => {
    const original = await sendWithOutcomes();
    const before = await messagesOf(original);
    const countersBefore = await sendCounters(t.db, original);
    expect(countersBefore).toMatchObject({ status: "sending", delivered_count: 1, failed_count: 2, expired_count: 1, unknown_count: 1, queued_count: 1 });

    const first = await resendSend(t.db, { sendId: original, channelKey: b.channelKey, actor });
    expect(first).toEqual({ sendId: expect.any(String), created: true, resentFrom: original, audienceSize: 4 });
    expect(first.sendId).not.toBe(original);

    // The same request again, with or without the states spelled out: the same send.
    expect(await resendSend(t.db, { sendId: original, channelKey: b.channelKey, actor })).toEqual({ ...first, created: false });
    expect(await resendSend(t.db, { sendId: original, channelKey: b.channelKey, states: ["unknown", "failed", "expired", "failed"], actor })).toEqual({ ...first, created: false });

    await prepareAll();
    const made = await messagesOf(first.sendId);
    expect(made.map(({ userid, phone, status, error_code }) => ({ userid, phone, status, error_code }))).toEqual([
      // alice: her number for B, not her `all` one.
      { userid: "alice", phone: "13900000001", status: "queued", error_code: null },
      // carol has a number for A only: none for B.
      { userid: "carol", phone: "", status: "failed", error_code: "no_number_for_channel" },
      { userid: "dave", phone: "13800000004", status: "queued", error_code: null },
      { userid: "nobody", phone: "", status: "failed", error_code: "no_number_for_channel" },
    ]);
    // As many messages as the original had failed + expired + unknown; bob (delivered) and erin (queued) are not among them.
    expect(made.length).toBe(Number(countersBefore.failed_count) + Number(countersBefore.expired_count) + Number(countersBefore.unknown_count));
    expect(await sendCounters(t.db, first.sendId)).toMatchObject({ status: "sending", total: 4, queued_count: 2, failed_count: 2 });

    const [row] = await t.db.select().from(sends).where(eq(sends.id, first.sendId));
    expect(row).toMatchObject({ channelId: b.id, resentFrom: original, content: { text: "【B】Hi" }, audienceSize: 4 });

    // The original and its messages are untouched.
    expect(await messagesOf(original)).toEqual(before);
    expect(await sendCounters(t.db, original)).toEqual(countersBefore);

    // Both pages can show the link.
    expect(await getSend(t.db, first.sendId)).toMatchObject({ resentFrom: original, resentStates: ["failed", "expired", "unknown"], resends: [] });
    expect(await getSend(t.db, original)).toMatchObject({ resentFrom: null, resentStates: null, resends: [first.sendId] });

    // A new key asks for a new resend: everything was resent already, so there is nothing to take.
    await expect(resendSend(t.db, { sendId: original, channelKey: b.channelKey, idempotencyKey: "again-1", actor })).rejects.toMatchObject({
      status: 422,
      code: "nothing_to_resend",
    });

    const [audit] = await t.db.select().from(auditLog).where(eq(auditLog.target, first.sendId));
    expect(audit).toMatchObject({ action: "send.resend", detail: { resentFrom: original, channelKey: b.channelKey, states: ["failed", "expired", "unknown"], recipients: 4 } });
  });

  it("answers the same (send, idempotencyKey) with the first resend, and 409 for another request with that key", async () => {
    const original = await sendWithOutcomes();
    const first = await resendSend(t.db, { sendId: original, states: ["failed"], idempotencyKey: "order-17", actor });
    expect(first).toMatchObject({ created: true, audienceSize: 2 });
    expect(await resendSend(t.db, { sendId: original, states: ["failed"], idempotencyKey: "order-17", actor })).toEqual({ ...first, created: false });
    // Without the key, the same request is the same resend.
    expect(await resendSend(t.db, { sendId: original, states: ["failed"], actor })).toEqual({ ...first, created: false });
    await expect(resendSend(t.db, { sendId: original, states: ["expired"], idempotencyKey: "order-17", actor })).rejects.toMatchObject({
      status: 409,
      code: "idempotency_key_reused",
    });
    // Another choice of states waits until the first resend's messages are made, then takes only
    // what the first did not: the expired and unknown ones.
    await expect(resendSend(t.db, { sendId: original, actor })).rejects.toMatchObject({ status: 409, code: "resend_preparing" });
    await prepareAll();
    const second = await resendSend(t.db, { sendId: original, actor });
    expect(second).toMatchObject({ created: true, audienceSize: 2 });
    await prepareAll();
    expect((await messagesOf(second.sendId)).map((m) => m.userid)).toEqual(["carol", "dave"]);
    // Same channel: the original's numbers, content as it was.
    expect((await messagesOf(first.sendId)).map((m) => [m.userid, m.phone])).toEqual([
      ["alice", "13800000001"],
      ["nobody", ""],
    ]);
    expect((await getSend(t.db, original)).resends).toEqual([first.sendId, second.sendId]);
  });

  it("makes one send of two requests at once, with or without a key", async () => {
    for (const idempotencyKey of [undefined, "double-click"]) {
      const original = await sendWithOutcomes();
      const answers = await Promise.all([
        resendSend(t.db, { sendId: original, channelKey: b.channelKey, idempotencyKey, actor }),
        resendSend(t.db, { sendId: original, channelKey: b.channelKey, idempotencyKey, actor }),
      ]);
      expect(answers[0]!.sendId).toBe(answers[1]!.sendId);
      expect(answers.map((x) => x.created).sort()).toEqual([false, true]);
      const rows = await t.db.select({ id: sends.id }).from(sends).where(eq(sends.resentFrom, original));
      expect(rows).toHaveLength(1);
    }
  });

  it("keeps a listed phone's number on the new channel", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: a.channelKey, phones: ["13700000001", "13700000002", "13700000003"], text: "Hello" });
    await prepareAll();
    await settle(sendId, { "13700000001": "failed", "13700000002": "delivered", "13700000003": "expired" });
    const resend = await resendSend(t.db, { sendId, channelKey: b.channelKey, actor });
    await prepareAll(1);
    expect((await messagesOf(resend.sendId)).map((m) => [m.userid, m.phone, m.status])).toEqual([
      [null, "13700000001", "queued"],
      [null, "13700000003", "queued"],
    ]);
  });

  it("refuses a send still preparing (409), one with nothing to resend, content of the other kind, a disabled or unknown channel", async () => {
    const { sendId: preparing } = await createSend(t.db, actor, { channelKey: a.channelKey, userids: ["alice"], text: "Hi" });
    await expect(resendSend(t.db, { sendId: preparing, actor })).rejects.toMatchObject({ status: 409, code: "send_preparing" });
    await prepareAll();
    // Still sending, nothing final yet.
    await expect(resendSend(t.db, { sendId: preparing, actor })).rejects.toMatchObject({ status: 422, code: "nothing_to_resend" });
    await settle(preparing, { alice: "delivered" });
    await expect(resendSend(t.db, { sendId: preparing, actor })).rejects.toMatchObject({ status: 422, code: "nothing_to_resend" });

    const original = await sendWithOutcomes();
    await expect(resendSend(t.db, { sendId: original, channelKey: jsms.channelKey, actor })).rejects.toMatchObject({
      status: 422,
      code: "content_not_for_channel",
      messageKey: "resend.errors.text_needs_cmpp",
    });
    await expect(resendSend(t.db, { sendId: original, channelKey: "nosuchkey2", actor })).rejects.toMatchObject({ status: 404, code: "channel_not_found" });
    await expect(resendSend(t.db, { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e", actor })).rejects.toMatchObject({ status: 404, code: "send_not_found" });
    const off = await insertTestChannel(t.db, "cmpp");
    await t.db.update(channels).set({ enabled: false }).where(eq(channels.id, off.id));
    await expect(resendSend(t.db, { sendId: original, channelKey: off.channelKey, actor })).rejects.toMatchObject({ status: 422, code: "channel_disabled" });
    expect(await t.db.select({ id: sends.id }).from(sends).where(eq(sends.resentFrom, original))).toEqual([]);
  });

  it("resends a JSMS template on another JSMS channel", async () => {
    const other = await insertTestChannel(t.db, "jsms");
    const { sendId } = await createSend(t.db, actor, { channelKey: jsms.channelKey, userids: ["bob", "dave"], template: { id: 42, params: { code: "1234" } } });
    await prepareAll();
    await settle(sendId, { bob: "failed", dave: "delivered" });
    const resend = await resendSend(t.db, { sendId, channelKey: other.channelKey, actor });
    const [row] = await t.db.select({ content: sends.content, segments: sends.segmentsPerMessage }).from(sends).where(eq(sends.id, resend.sendId));
    expect(row).toEqual({ content: { template: { id: 42, params: { code: "1234" }, signId: null } }, segments: 1 });
    await expect(resendSend(t.db, { sendId, channelKey: b.channelKey, idempotencyKey: "x", actor })).rejects.toMatchObject({ code: "content_not_for_channel" });
  });

  describe("from a filtered list", () => {
    /** The list's filter as its query string (and the REST body) writes it. */
    const listFilter = (raw: Record<string, string>) => resendFilterSchema.parse(raw);

    it("makes one resend per send the filter takes messages of, only of the matching messages, and only once", async () => {
      const first = await sendWithOutcomes("One");
      const second = await sendWithOutcomes("Two");
      // The dictionary says UNDELIV is a blacklisted number on China Mobile, whatever the message stored.
      await t.db
        .insert(receiptCodes)
        .values({ providerId: "china_mobile", code: "UNDELIV", outcome: "failed", category: "blacklisted" })
        .onConflictDoUpdate({ target: [receiptCodes.providerId, receiptCodes.code], set: { category: "blacklisted" } });

      const filter = listFilter({ channelKey: a.channelKey, category: "blacklisted", from: new Date(Date.now() - 3_600_000).toISOString() });
      const answer = await resendMessages(t.db, { filter, channelKey: b.channelKey, actor });
      // Only alice's failure has the code; nobody's failure (no number) and the expired and unknown ones do not match.
      expect(answer.resends.filter((r) => r.resentFrom === first || r.resentFrom === second)).toEqual([
        { sendId: expect.any(String), created: true, resentFrom: first, audienceSize: 1 },
        { sendId: expect.any(String), created: true, resentFrom: second, audienceSize: 1 },
      ]);
      await prepareAll();
      for (const made of answer.resends.filter((r) => r.resentFrom === first || r.resentFrom === second)) {
        const [row] = await t.db.select({ content: sends.content }).from(sends).where(eq(sends.id, made.sendId));
        expect(row!.content).toEqual({ text: made.resentFrom === first ? "【B】One" : "【B】Two" });
        expect((await messagesOf(made.sendId)).map((m) => [m.userid, m.phone])).toEqual([["alice", "13900000001"]]);
      }

      // Again: the same sends, none new, and never the resends it made (they are on B, and would match without the channel).
      const again = await resendMessages(t.db, { filter, channelKey: b.channelKey, actor });
      expect(again.resends).toEqual(answer.resends.map((r) => ({ ...r, created: false })));

      // A filter naming a status outside the chosen states, or matching nothing, resends nothing.
      await expect(resendMessages(t.db, { filter: listFilter({ sendId: first, status: "delivered" }), actor })).rejects.toMatchObject({ status: 422, code: "nothing_to_resend" });
      await expect(resendMessages(t.db, { filter: listFilter({ sendId: first, code: "NOSUCH" }), actor })).rejects.toMatchObject({ status: 422, code: "nothing_to_resend" });

      // One send, the expired ones, on the same channel.
      const expired = await resendMessages(t.db, { filter: listFilter({ sendId: first, status: "expired,delivered" }), actor });
      expect(expired.resends).toEqual([{ sendId: expect.any(String), created: true, resentFrom: first, audienceSize: 1 }]);
      await prepareAll();
      expect((await messagesOf(expired.resends[0]!.sendId)).map((m) => [m.userid, m.phone])).toEqual([["carol", "13800000003"]]);
    });

    it("refuses a filter's unknown or preparing send", async () => {
      await expect(resendMessages(t.db, { filter: listFilter({ sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" }), actor })).rejects.toMatchObject({ status: 404 });
      const { sendId } = await createSend(t.db, actor, { channelKey: a.channelKey, userids: ["alice"], text: "Hi" });
      await expect(resendMessages(t.db, { filter: listFilter({ sendId }), actor })).rejects.toMatchObject({ status: 409, code: "send_preparing" });
      await prepareAll();
    });
  });

  it("reads a stored resend audience back, and nothing from a malformed one", () => {
    const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    expect(resendAudienceOf({ kind: "resend", fromSendId: id, states: ["unknown", "failed", "delivered"] })).toEqual({ kind: "resend", fromSendId: id, states: ["failed", "unknown"] });
    expect(resendAudienceOf({ kind: "resend", fromSendId: id, states: ["delivered"] })).toBeNull();
    expect(resendAudienceOf({ kind: "resend", fromSendId: "x", states: ["failed"] })).toBeNull();
    expect(resendAudienceOf({ kind: "resend", fromSendId: id, states: ["failed"], filter: { code: "UNDELIV", limit: "5" } })).toEqual({
      kind: "resend",
      fromSendId: id,
      states: ["failed"],
      filter: { code: "UNDELIV" },
    });
    expect(resendAudienceOf({ kind: "resend", fromSendId: id, states: ["failed"], filter: { code: 5 } })).toBeNull();
  });
});
