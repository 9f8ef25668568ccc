import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { submitted, notSubmitted } from "./cmpp-lane";
import { CmppSubmitError } from "@/lib/sender/cmpp";
import { applyKeptOutcomesIn, applyLeftBehindOutcomes, keepOutcomes } from "./outcome-inbox";
import { countsOnSendAndRows, createCmppTestChannel, messagesOf, phoneOf, queueSend, type MessageRow } from "./testing/dispatch-fixtures";
import { reclaimLapsedWorkers } from "./worker-lease";

/**
 * Submit outcomes kept before their window place is freed (outcome_inbox): whoever deletes a kept
 * row applies it, once, under the claim it was kept for. What a user of the crash guarantee checks:
 * a dead dispatcher's kept outcomes are applied, not sent again; a left-behind outcome whose claim
 * was taken back changes nothing; a kept row is never applied twice.
 */
const sealKey = crypto.randomBytes(32);

async function claimedSend(db: Db, channelId: string, owner: string, phones: string[], leaseLapsed: boolean): Promise<{ sendId: string; messages: MessageRow[] }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`insert into dispatcher_workers (id, kind, lease_until)
      values (${owner}, 'worker', now() + ${leaseLapsed ? "-1 minute" : "1 minute"}::interval) on conflict (id) do nothing`);
    const sendId = await queueSend(tx, channelId, { text: "kept outcomes" }, phones);
    await tx.execute(sql`update messages set status = 'submitting', claimed_by = ${owner}, attempts = 1 where send_id = ${sendId}::uuid`);
    await tx.execute(sql`update sends set queued_count = 0, submitting_count = total where id = ${sendId}::uuid`);
    return { sendId, messages: await messagesOf(tx, sendId) };
  });
}

const claimOf = (m: MessageRow) => ({ id: m.id, sendId: "", phone: m.phone, userid: null, attempts: 1, uncertain: false });
const acceptedAs = (m: MessageRow, msgId: string) => submitted(claimOf(m), { msgIds: [msgId], segments: 1 } as never);

async function inboxSize(db: Db): Promise<number> {
  const [row] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from outcome_inbox`);
  return row!.n;
}

describeEachDb("submit outcomes kept before their window place is freed", (t) => {
  it("a dead dispatcher's kept outcomes are applied when its claims are taken back; only the rest go back to the queue, uncertain", async () => {
    const channel = await createCmppTestChannel(t.db, sealKey, 1, { name: `kept-${t.kind}` });
    const owner = `worker:kept:${t.kind}`;
    const phones = Array.from({ length: 6 }, (_, i) => phoneOf(61, i));
    const { sendId, messages } = await claimedSend(t.db, channel.id, owner, phones, true);
    const answered = messages.slice(0, 3);
    await keepOutcomes(t.db, channel.id, owner, answered.map((m, i) => acceptedAs(m, `KEPT-${t.kind}-${i}`)));

    const taken = await reclaimLapsedWorkers(t.db);
    expect(taken).toMatchObject({ workers: 1, applied: 3, requeued: 3 });

    const after = await messagesOf(t.db, sendId);
    for (const m of after.slice(0, 3)) expect(m).toMatchObject({ status: "submitted", uncertain: false, attempts: 1 });
    for (const m of after.slice(3)) expect(m).toMatchObject({ status: "queued", uncertain: true, claimed_by: null });
    const ids = await executeRows<{ provider_message_id: string }>(
      t.db,
      sql`select provider_message_id from message_segments where message_id = any(${`{${answered.map((m) => m.id).join(",")}}`}::bigint[]) order by provider_message_id`,
    );
    expect(ids.map((r) => r.provider_message_id)).toEqual([0, 1, 2].map((i) => `KEPT-${t.kind}-${i}`));
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ submitted: 3, queued: 3, submitting: 0 });
    expect(await inboxSize(t.db)).toBe(0);
  });

  it("an outcome left behind after its claim was taken back changes nothing, and is cleared by the sweep", async () => {
    const channel = await createCmppTestChannel(t.db, sealKey, 1, { name: `left-${t.kind}` });
    const now = `worker:now:${t.kind}`;
    const { sendId, messages } = await claimedSend(t.db, channel.id, now, [phoneOf(62, 0)], false);
    // Kept by a dispatcher whose lease lapsed and whose claim `now` holds since.
    await keepOutcomes(t.db, channel.id, `worker:before:${t.kind}`, [acceptedAs(messages[0]!, "LATE-1")]);
    await t.db.execute(sql`update outcome_inbox set kept_at = now() - interval '1 minute'`);

    expect(await applyLeftBehindOutcomes(t.db)).toBe(1);
    expect((await messagesOf(t.db, sendId))[0]).toMatchObject({ status: "submitting", claimed_by: now, attempts: 1 });
    expect(await inboxSize(t.db)).toBe(0);
    await t.db.execute(sql`delete from dispatcher_workers where id = ${now}`);
  });

  it("a kept outcome is applied once: the writer finds the row the sweep took and applies nothing", async () => {
    const channel = await createCmppTestChannel(t.db, sealKey, 1, { name: `once-${t.kind}` });
    const owner = `worker:once:${t.kind}`;
    const { sendId, messages } = await claimedSend(t.db, channel.id, owner, [phoneOf(63, 0), phoneOf(63, 1)], false);
    // A flow-control answer: back to the queue with a backoff, its date surviving the round trip.
    const retryAt = Date.now() + 60_000;
    const flowControlled = notSubmitted(claimOf(messages[1]!), new CmppSubmitError("flow_control", 8, "rate_limited", "flow control"), true, { flow_control: 60_000, no_connection: 1 });
    const kept = await keepOutcomes(t.db, channel.id, owner, [acceptedAs(messages[0]!, "ONCE-1"), flowControlled]);
    await t.db.execute(sql`update outcome_inbox set kept_at = now() - interval '1 minute'`);
    expect(await applyLeftBehindOutcomes(t.db)).toBe(2);

    const { lost } = await t.db.transaction((tx) => applyKeptOutcomesIn(tx, channel.id, owner, kept));
    expect(lost).toBe(0);
    const after = await messagesOf(t.db, sendId);
    expect(after[0]).toMatchObject({ status: "submitted", attempts: 1 });
    expect(after[1]).toMatchObject({ status: "queued", attempts: 0, uncertain: false });
    const [next] = await executeRows<{ next_attempt_at: string | Date }>(t.db, sql`select next_attempt_at from messages where id = ${messages[1]!.id}::bigint`);
    expect(Math.abs(new Date(next!.next_attempt_at).getTime() - retryAt)).toBeLessThan(10_000);
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ submitted: 1, queued: 1 });
    await t.db.execute(sql`delete from dispatcher_workers where id = ${owner}`);
  });
});
