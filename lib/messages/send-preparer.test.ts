import { eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { executeRows } from "@/lib/db/client";
import { sends } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { onQueued } from "./dispatcher/wake";
import { cancelSend } from "./send-controls";
import { claimPreparingSend, prepareSend, startSendPreparer } from "./send-preparer";
import { createSend } from "./send-service";
import { insertTestChannel, sendCounters } from "./testing/fixtures";

const actor = SYSTEM_ACTOR("test");

interface MessageRow {
  userid: string | null;
  phone: string;
  status: string;
  error_code: string | null;
  segments: number;
  done_at: string | null;
}

describeEachDb("preparing a send", (t) => {
  let channel: { id: string; channelKey: string };

  beforeAll(async () => {
    channel = await insertTestChannel(t.db, "cmpp");
    await upsertUmsUsers(t.db, actor, [
      { userid: "alice", phone: { all: "13800000001" } },
      { userid: "bob", phone: { all: "13800000002", [channel.channelKey]: "13900000002" } },
      { userid: "carol", phone: { otherkey: "13800000003" } },
      { userid: "dave", phone: { [channel.channelKey]: "13900000004" } },
    ]);
  });

  const messagesOf = (sendId: string) =>
    executeRows<MessageRow>(t.db, sql`select userid, phone, status, error_code, segments, done_at from messages where send_id = ${sendId}::uuid order by id`);

  /** The counters on the send equal what counting its messages gives. */
  async function expectCountersTrue(sendId: string) {
    const counters = await sendCounters(t.db, sendId);
    const counted = await executeRows<{ status: string; n: number }>(t.db, sql`select status, count(*)::int as n from messages where send_id = ${sendId}::uuid group by status`);
    const byStatus = Object.fromEntries(counted.map((c) => [c.status, c.n]));
    for (const state of ["queued", "submitting", "submitted", "delivered", "failed", "expired", "unknown", "cancelled"]) {
      expect(counters[`${state}_count`], state).toBe(byStatus[state] ?? 0);
    }
    expect(counters.total).toBe(counted.reduce((sum, c) => sum + c.n, 0));
  }

  async function prepareAll(chunkSize = 2) {
    for (let send = await claimPreparingSend(t.db); send; send = await claimPreparingSend(t.db)) {
      expect(await prepareSend(t.db, t.kind, send, { chunkSize })).toBe("prepared");
    }
  }

  it("uses the channel's own number over the `all` one, and makes a failed message for a user with neither", async () => {
    const woken: string[] = [];
    const unsubscribe = onQueued((channelId) => woken.push(channelId));
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, userids: ["alice", "bob", "carol", "dave", "nobody"], text: "Hi" });
    await prepareAll();
    unsubscribe();
    expect(await messagesOf(sendId)).toEqual([
      { userid: "alice", phone: "13800000001", status: "queued", error_code: null, segments: 1, done_at: null },
      { userid: "bob", phone: "13900000002", status: "queued", error_code: null, segments: 1, done_at: null },
      { userid: "carol", phone: "", status: "failed", error_code: "no_number_for_channel", segments: 1, done_at: expect.anything() },
      { userid: "dave", phone: "13900000004", status: "queued", error_code: null, segments: 1, done_at: null },
      { userid: "nobody", phone: "", status: "failed", error_code: "no_number_for_channel", segments: 1, done_at: expect.anything() },
    ]);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "sending", total: 5, queued_count: 3, failed_count: 2 });
    await expectCountersTrue(sendId);
    // Only the failed messages carry an event, saying why.
    const events = await executeRows<{ userid: string; kind: string; code: string }>(
      t.db,
      sql`select m.userid, e.kind, e.code from message_events e join messages m on m.id = e.message_id where m.send_id = ${sendId}::uuid order by m.id`,
    );
    expect(events).toEqual([
      { userid: "carol", kind: "created", code: "no_number_for_channel" },
      { userid: "nobody", kind: "created", code: "no_number_for_channel" },
    ]);
    expect(woken).toContain(channel.id);
    const [row] = await t.db.select({ leaseOwner: sends.leaseOwner, finishedAt: sends.finishedAt }).from(sends).where(eq(sends.id, sendId));
    expect(row).toEqual({ leaseOwner: null, finishedAt: null });
  });

  it("makes one message per user with a number for everyone, in userid order", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, audience: "everyone", text: "Hi" });
    await prepareAll();
    expect((await messagesOf(sendId)).map((m) => [m.userid, m.phone, m.status])).toEqual([
      ["alice", "13800000001", "queued"],
      ["bob", "13900000002", "queued"],
      ["dave", "13900000004", "queued"],
    ]);
    await expectCountersTrue(sendId);
  });

  it("makes a message per listed phone, with the segments the text needs", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, phones: ["13700000001", "13700000002", "13700000003"], text: "长".repeat(71) });
    await prepareAll(2);
    expect(await messagesOf(sendId)).toEqual(
      ["13700000001", "13700000002", "13700000003"].map((phone) => ({ userid: null, phone, status: "queued", error_code: null, segments: 2, done_at: null })),
    );
    expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "sending", total: 3, queued_count: 3 });
  });

  it("ends a send whose every message failed as done", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, userids: ["carol", "nobody"], text: "Hi" });
    await prepareAll();
    const [row] = await t.db.select({ status: sends.status, finishedAt: sends.finishedAt }).from(sends).where(eq(sends.id, sendId));
    expect(row).toEqual({ status: "done", finishedAt: expect.any(Date) });
  });

  it("goes on from the last committed chunk when its preparer died, without writing anyone twice", async () => {
    const userids = Array.from({ length: 7 }, (_, i) => `u${i}`);
    for (const kind of ["list", "everyone"] as const) {
      const body =
        kind === "list"
          ? { channelKey: channel.channelKey, userids: [...userids, "alice", "bob"], text: "Hi" }
          : { channelKey: channel.channelKey, audience: "everyone" as const, text: "Hi" };
      const { sendId } = await createSend(t.db, actor, body);
      const first = (await claimPreparingSend(t.db, { owner: "first" }))!;
      expect(first.id).toBe(sendId);
      // The first preparer writes one chunk and dies holding its lease.
      let chunks = 0;
      await expect(
        prepareSend(t.db, t.kind, first, {
          chunkSize: 2,
          shouldStop: () => {
            if (chunks++ === 1) throw new Error("process died");
            return false;
          },
        }),
      ).rejects.toThrow("process died");
      expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "preparing", total: 2 });
      // Nobody else takes the send while the lease lasts; once it has lapsed, another does.
      expect(await claimPreparingSend(t.db, { owner: "second" })).toBeNull();
      await t.db.update(sends).set({ leaseUntil: sql`now() - interval '1 second'` }).where(eq(sends.id, sendId));
      const second = (await claimPreparingSend(t.db, { owner: "second" }))!;
      expect(second.id).toBe(sendId);
      // The first one, back from the dead, finds the send taken and writes nothing.
      expect(await prepareSend(t.db, t.kind, first, { chunkSize: 2 })).toBe("lost");
      expect(await sendCounters(t.db, sendId)).toMatchObject({ total: 2 });
      expect(await prepareSend(t.db, t.kind, second, { chunkSize: 2 })).toBe("prepared");
      const made = await messagesOf(sendId);
      const expected = kind === "list" ? 9 : 3;
      expect(made).toHaveLength(expected);
      expect(new Set(made.map((m) => m.userid)).size).toBe(expected);
      await expectCountersTrue(sendId);
    }
  });

  it("keeps nothing of a chunk whose transaction failed: its messages and its cursor go together", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, userids: ["u1", "u2", "u3", "u4", "u5", "u6"], text: "Hi" });
    // The database fails the second chunk at its very end, when the cursor is written.
    await t.db.execute(sql`create function fail_second_chunk() returns trigger language plpgsql as $$
      begin
        if new.prepare_cursor = '4' and old.prepare_cursor is distinct from '4' then raise exception 'crash mid-chunk'; end if;
        return new;
      end $$`);
    await t.db.execute(sql`create trigger fail_second_chunk before update on sends for each row execute function fail_second_chunk()`);
    const claimed = (await claimPreparingSend(t.db, { owner: "crashing" }))!;
    await expect(prepareSend(t.db, t.kind, claimed, { chunkSize: 2 })).rejects.toThrow();
    await t.db.execute(sql`drop trigger fail_second_chunk on sends`);
    await t.db.execute(sql`drop function fail_second_chunk()`);
    expect((await messagesOf(sendId)).map((m) => m.userid)).toEqual(["u1", "u2"]);
    const [row] = await t.db.select({ cursor: sends.prepareCursor, total: sends.total }).from(sends).where(eq(sends.id, sendId));
    expect(row).toEqual({ cursor: "2", total: 2 });
    // The same preparer takes its send up again at once and goes on from there.
    const again = (await claimPreparingSend(t.db, { owner: "crashing" }))!;
    expect(again.id).toBe(sendId);
    expect(await prepareSend(t.db, t.kind, again, { chunkSize: 2 })).toBe("prepared");
    expect((await messagesOf(sendId)).map((m) => m.userid)).toEqual(["u1", "u2", "u3", "u4", "u5", "u6"]);
    await expectCountersTrue(sendId);
  });

  it("gives the lease up when stopped, so another process goes on at once", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, phones: ["13700000001", "13700000002", "13700000003"], text: "Hi" });
    const first = (await claimPreparingSend(t.db, { owner: "first" }))!;
    let asked = 0;
    expect(await prepareSend(t.db, t.kind, first, { chunkSize: 1, shouldStop: () => asked++ >= 1 })).toBe("stopped");
    const second = (await claimPreparingSend(t.db, { owner: "second" }))!;
    expect(second.id).toBe(sendId);
    expect(await prepareSend(t.db, t.kind, second, { chunkSize: 1 })).toBe("prepared");
    expect((await messagesOf(sendId)).map((m) => m.phone)).toEqual(["13700000001", "13700000002", "13700000003"]);
  });

  it("stops preparing a send cancelled meanwhile, and its queued messages are cancelled", async () => {
    const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, phones: ["13700000001", "13700000002", "13700000003"], text: "Hi" });
    const claimed = (await claimPreparingSend(t.db))!;
    // One chunk is written; then the preparer is held up (its lease still its own) and an operator cancels.
    let asked = 0;
    await expect(
      prepareSend(t.db, t.kind, claimed, {
        chunkSize: 1,
        shouldStop: () => {
          if (asked++ === 1) throw new Error("held up");
          return false;
        },
      }),
    ).rejects.toThrow("held up");
    const send = await cancelSend(t.db, actor, sendId);
    expect(send).toMatchObject({ status: "cancelled", total: 1, counts: { queued: 0, cancelled: 1 } });
    expect(await prepareSend(t.db, t.kind, claimed, { chunkSize: 1 })).toBe("lost");
    expect(await messagesOf(sendId)).toHaveLength(1);
    await expectCountersTrue(sendId);
  });

  it("runs in the background: woken by a new send, prepared without a poll", async () => {
    const preparer = startSendPreparer(t.db, t.kind, { pollMs: 60_000, chunkSize: 2 });
    try {
      await preparer.idle();
      const { sendId } = await createSend(t.db, actor, { channelKey: channel.channelKey, userids: ["alice", "bob", "dave"], text: "Hi" });
      await preparer.idle();
      expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "sending", total: 3, queued_count: 3 });
    } finally {
      await preparer.stop();
    }
  });
});
