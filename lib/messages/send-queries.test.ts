import { eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { executeRows } from "@/lib/db/client";
import { sends } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { DomainError } from "@/lib/util/errors";
import { applyTransitions } from "./message-state";
import { claimPreparingSend, prepareSend } from "./send-preparer";
import { getMessage, getSend, listMessages, listSends } from "./send-queries";
import { createSend } from "./send-service";
import { insertTestChannel, insertTestSend } from "./testing/fixtures";

const actor = SYSTEM_ACTOR("test");

describeEachDb("reading sends and messages", (t) => {
  let channel: { id: string; channelKey: string };
  let sendId: string;
  let ids: string[];

  beforeAll(async () => {
    channel = await insertTestChannel(t.db, "cmpp");
    await upsertUmsUsers(t.db, actor, [
      { userid: "alice", phone: { all: "13800000001" } },
      { userid: "bob", phone: { all: "13800000002" } },
    ]);
    ({ sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, userids: ["alice", "bob", "nobody"], text: "Hello" }));
    const claimed = await claimPreparingSend(t.db);
    await prepareSend(t.db, t.kind, claimed!);
    ids = (await executeRows<{ id: string }>(t.db, sql`select id::text as id from messages where send_id = ${sendId}::uuid order by id`)).map((r) => r.id);
  });

  it("answers a send in the contract's shape, from its row", async () => {
    expect(await getSend(t.db, sendId)).toEqual({
      sendId,
      channelKey: channel.channelKey,
      channelName: channel.channelKey,
      channelType: "cmpp",
      status: "sending",
      total: 3,
      audienceSize: 3,
      counts: { queued: 2, submitting: 0, submitted: 0, delivered: 0, failed: 1, expired: 0, unknown: 0, cancelled: 0 },
      uncertain: 0,
      segmentsPerMessage: 1,
      content: { text: "Hello" },
      createdBy: "system:test",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      finishedAt: null,
      resentFrom: null,
      resentStates: null,
      resends: [],
    });
    await expect(getSend(t.db, "0f8fad5b-d9cb-469f-a165-70867728950e")).rejects.toMatchObject({ status: 404, code: "send_not_found" });
  });

  it("lists sends newest first by a cursor that never skips sends made in the same millisecond", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await insertTestSend(t.db, channel.id, "sending"));
    // Three sends a microsecond apart, within one millisecond.
    for (const [i, id] of made.slice(0, 3).entries()) {
      await t.db.update(sends).set({ createdAt: sql`timestamptz '2030-01-01 00:00:00.123001+00' + ${i}::int * interval '1 microsecond'` }).where(eq(sends.id, id));
    }
    const seen: string[] = [];
    let cursor: { at: string; id: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await listSends(t.db, { cursor, limit: 2 });
      seen.push(...answer.items.map((s) => s.sendId));
      if (!answer.nextCursor) break;
      expect(answer.nextCursor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_[0-9a-f-]{36}$/);
      const [at, id] = answer.nextCursor.split("_");
      cursor = { at: at!, id: id! };
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(seen.slice(0, 3)).toEqual([made[2], made[1], made[0]]);
  });

  it("lists messages newest first, filtered and paged by id", async () => {
    const all = await listMessages(t.db, { sendId, limit: 50 });
    expect(all.items.map((m) => m.id)).toEqual([...ids].reverse());
    expect(all.nextCursor).toBeNull();
    expect(all.items[2]).toEqual({
      id: ids[0],
      sendId,
      userid: "alice",
      phone: "13800000001",
      status: "queued",
      providerMessageId: null,
      segments: 1,
      attempts: 0,
      uncertain: false,
      errorCode: null,
      errorCategory: null,
      createdAt: expect.any(String),
      submittedAt: null,
      doneAt: null,
      updatedAt: expect.any(String),
    });
    const page = await listMessages(t.db, { sendId, limit: 2 });
    expect(page.nextCursor).toBe(ids[1]);
    expect((await listMessages(t.db, { sendId, limit: 2, before: BigInt(page.nextCursor!) })).items.map((m) => m.id)).toEqual([ids[0]]);
    expect((await listMessages(t.db, { sendId, status: "failed", limit: 50 })).items.map((m) => [m.userid, m.errorCode])).toEqual([["nobody", "no_number_for_channel"]]);
    expect((await listMessages(t.db, { phone: "13800000002", limit: 50 })).items.map((m) => m.userid)).toEqual(["bob"]);
    expect((await listMessages(t.db, { userid: "alice", limit: 50 })).items.map((m) => m.phone)).toEqual(["13800000001"]);
    expect((await listMessages(t.db, { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e", limit: 50 })).items).toEqual([]);
  });

  it("answers one message with its events oldest first and its segments", async () => {
    await applyTransitions(t.db, [{ id: ids[0]!, from: "queued", to: "submitting", attempts: 1, event: { kind: "claimed" } }], { owner: "w1" });
    await applyTransitions(
      t.db,
      [{ id: ids[0]!, from: "submitting", to: "submitted", providerMessageId: "0000000000000001", event: { kind: "submit_resp", code: "0", part: 1, raw: { result: 0 } } }],
      { owner: "w1" },
    );
    await t.db.execute(
      sql`insert into message_segments (message_id, part, channel_id, phone, provider_message_id) values (${ids[0]}::bigint, 1, ${channel.id}::uuid, '13800000001', '0000000000000001')`,
    );
    const message = await getMessage(t.db, BigInt(ids[0]!));
    expect(message).toMatchObject({ id: ids[0], status: "submitted", providerMessageId: "0000000000000001", segmentCount: 1, attempts: 1 });
    expect(message.events).toEqual([
      { at: expect.any(String), kind: "claimed", code: null, category: null, part: null, raw: {} },
      { at: expect.any(String), kind: "submit_resp", code: "0", category: null, part: 1, raw: { result: 0 } },
    ]);
    expect(message.segments).toEqual([{ part: 1, providerMessageId: "0000000000000001", status: "submitted", code: null, doneAt: null }]);
    const failed = await getMessage(t.db, BigInt(ids[2]!));
    expect(failed.events).toEqual([{ at: expect.any(String), kind: "created", code: "no_number_for_channel", category: null, part: null, raw: {} }]);
    expect(failed.segments).toEqual([]);
    const missing = await getMessage(t.db, 999_999_999n).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DomainError);
    expect(missing).toMatchObject({ status: 404, code: "message_not_found" });
  });
});
