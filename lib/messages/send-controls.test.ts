import { eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { executeRows } from "@/lib/db/client";
import { auditLog, sends } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { DomainError } from "@/lib/util/errors";
import { onQueued } from "./dispatcher/wake";
import { cancelSend, finishCancelledSends, pauseSend, resumeSend } from "./send-controls";
import { onSendWork, type SendWork } from "./send-wake";
import { insertTestChannel, insertTestMessages, insertTestSend, sendCounters } from "./testing/fixtures";

const actor = SYSTEM_ACTOR("test");

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describeEachDb("pausing, resuming and cancelling a send", (t) => {
  let channelId: string;

  beforeAll(async () => {
    channelId = (await insertTestChannel(t.db)).id;
  });

  /** A sending send with queued and submitted messages. */
  async function sendingSend(queued = 3, submitted = 2): Promise<string> {
    const sendId = await insertTestSend(t.db, channelId, "sending");
    await insertTestMessages(t.db, sendId, channelId, Array.from({ length: queued }, (_, i) => `1380000${String(i).padStart(4, "0")}`));
    if (submitted > 0) await insertTestMessages(t.db, sendId, channelId, Array.from({ length: submitted }, (_, i) => `1390000${String(i).padStart(4, "0")}`), "submitted");
    return sendId;
  }

  const actions = async (sendId: string) => (await t.db.select({ action: auditLog.action, detail: auditLog.detail }).from(auditLog).where(eq(auditLog.target, sendId)).orderBy(auditLog.id));

  it("pauses a sending send and resumes it, waking the dispatchers; counts are untouched", async () => {
    const sendId = await sendingSend();
    const paused = await pauseSend(t.db, actor, sendId);
    expect(paused).toMatchObject({ sendId, status: "paused", total: 5, counts: { queued: 3, submitted: 2 } });
    // Asking again changes nothing and is no error.
    expect((await pauseSend(t.db, actor, sendId)).status).toBe("paused");
    const woken: string[] = [];
    const unsubscribe = onQueued((id) => woken.push(id));
    const resumed = await resumeSend(t.db, t.kind, actor, sendId);
    unsubscribe();
    expect(resumed).toMatchObject({ status: "sending", counts: { queued: 3, submitted: 2 } });
    expect(woken).toContain(channelId);
    expect((await resumeSend(t.db, t.kind, actor, sendId)).status).toBe("sending");
    expect(await actions(sendId)).toEqual([
      { action: "send.pause", detail: { from: "sending", total: 5, queued: 3 } },
      { action: "send.resume", detail: { from: "paused", total: 5, queued: 3 } },
    ]);
  });

  it("cancels the queued messages and leaves the submitted ones to finish", async () => {
    const sendId = await sendingSend();
    const cancelled = await cancelSend(t.db, actor, sendId);
    expect(cancelled).toMatchObject({ status: "cancelled", finishedAt: expect.any(String), counts: { queued: 0, submitted: 2, cancelled: 3 } });
    const rows = await executeRows<{ status: string; error_code: string | null; kinds: string[] }>(
      t.db,
      sql`select m.status, m.error_code, array(select kind from message_events e where e.message_id = m.id) as kinds
            from messages m where m.send_id = ${sendId}::uuid order by m.id`,
    );
    expect(rows).toEqual([
      ...Array.from({ length: 3 }, () => ({ status: "cancelled", error_code: "cancelled", kinds: ["cancelled"] })),
      ...Array.from({ length: 2 }, () => ({ status: "submitted", error_code: null, kinds: [] })),
    ]);
    // Again: answered as it is; once is audited.
    expect((await cancelSend(t.db, actor, sendId)).status).toBe("cancelled");
    expect((await actions(sendId)).map((a) => a.action)).toEqual(["send.cancel"]);
    expect((await refusal(pauseSend(t.db, actor, sendId))).code).toBe("send_finished");
    expect((await refusal(resumeSend(t.db, t.kind, actor, sendId))).code).toBe("send_finished");
  });

  it("cancels a paused send too", async () => {
    const sendId = await sendingSend(2, 0);
    await pauseSend(t.db, actor, sendId);
    expect(await cancelSend(t.db, actor, sendId)).toMatchObject({ status: "cancelled", counts: { queued: 0, cancelled: 2 } });
  });

  it("leaves what a big cancel does not finish in its request to the background", async () => {
    const sendId = await sendingSend(7, 0);
    const asked: SendWork[] = [];
    const unsubscribe = onSendWork((work) => asked.push(work));
    const answered = await cancelSend(t.db, actor, sendId, { batchesInRequest: 0 });
    unsubscribe();
    expect(answered).toMatchObject({ status: "cancelled", counts: { queued: 7, cancelled: 0 } });
    expect(asked).toEqual(["cancel"]);
    expect(await finishCancelledSends(t.db)).toBeGreaterThanOrEqual(1);
    expect(await sendCounters(t.db, sendId)).toMatchObject({ status: "cancelled", queued_count: 0, cancelled_count: 7 });
    // Nothing is left for the next sweep.
    expect(await finishCancelledSends(t.db)).toBe(0);
  });

  it("refuses to pause a preparing send, and to touch a done one (409)", async () => {
    const preparing = await insertTestSend(t.db, channelId, "preparing");
    expect(await refusal(pauseSend(t.db, actor, preparing))).toMatchObject({ status: 409, code: "send_preparing" });
    // Resuming a send that is not paused changes nothing.
    expect((await resumeSend(t.db, t.kind, actor, preparing)).status).toBe("preparing");
    expect((await cancelSend(t.db, actor, preparing)).status).toBe("cancelled");

    const done = await insertTestSend(t.db, channelId, "sending");
    await t.db.update(sends).set({ status: "done", finishedAt: new Date() }).where(eq(sends.id, done));
    for (const move of [() => pauseSend(t.db, actor, done), () => resumeSend(t.db, t.kind, actor, done), () => cancelSend(t.db, actor, done)]) {
      expect(await refusal(move())).toMatchObject({ status: 409, code: "send_finished" });
    }
    expect(await actions(done)).toEqual([]);
  });

  it("answers 404 for a send that does not exist", async () => {
    const unknown = "0f8fad5b-d9cb-469f-a165-70867728950e";
    for (const move of [() => pauseSend(t.db, actor, unknown), () => resumeSend(t.db, t.kind, actor, unknown), () => cancelSend(t.db, actor, unknown)]) {
      expect(await refusal(move())).toMatchObject({ status: 404, code: "send_not_found" });
    }
  });
});
