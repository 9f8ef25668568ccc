import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { REASON_SUBMIT_OUTCOME_UNKNOWN } from "../message-state";
import { startDispatcher, type Dispatcher } from "./dispatcher";
import {
  countsOnSendAndRows,
  createCmppTestChannel,
  createJsmsTestChannel,
  eventKindsOf,
  messagesOf,
  phoneOf,
  queueSend,
  testHandle,
  waitFor,
  type SendContent,
} from "./testing/dispatch-fixtures";

/**
 * A dispatcher that died (its process crashed, its machine went away) leaves messages
 * `submitting` under its name and connection slots in its hands. Nobody knows whether those
 * SUBMITs left: another dispatcher takes them back once the dead one's lease has lapsed, and
 * what happens next is the channel's setting. CMPP with resubmitUncertain sends them again
 * (marked uncertain, the copy counted); CMPP without it, and JSMS always (no idempotency key at
 * Jiguang), make them unknown.
 */
const sealKey = crypto.randomBytes(32);
const DEAD = "worker:dead-host:crashed";

/** What a crashed dispatcher leaves: its lapsed lease, its slots, and messages claimed (one attempt counted) in a sending send. */
/**
 * One transaction, so a live dispatcher never sees the send's messages queued (it would claim
 * them, and this would steal its claims) nor the dead worker without its claims (it would take the
 * worker back before the claims were its).
 */
async function leaveCrashedClaims(
  db: Db, channelId: string, content: SendContent, phones: string[], dead = DEAD,
  /** How many of the claims (the first, by id) its handoff log says it handed to the gateway; none logged when absent. */
  handedOver?: number,
): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`insert into dispatcher_workers (id, kind, lease_until) values (${dead}, 'worker', now() - interval '1 minute')
      on conflict (id) do nothing`);
    await tx.execute(sql`insert into channel_connection_slots (channel_id, slot, owner, taken_at)
      select ${channelId}::uuid, g, ${dead}, now() from generate_series(0, 1) g on conflict do nothing`);
    const sendId = await queueSend(tx, channelId, content, phones);
    await tx.execute(sql`update messages set status = 'submitting', claimed_by = ${dead}, attempts = 1 where send_id = ${sendId}::uuid`);
    await tx.execute(sql`update sends set queued_count = 0, submitting_count = total where id = ${sendId}::uuid`);
    if (handedOver !== undefined) {
      await tx.execute(sql`insert into dispatcher_handoffs (worker_id, channel_id, message_ids)
        select ${dead}, ${channelId}::uuid, coalesce(array_agg(id order by id), '{}')
          from (select id from messages where send_id = ${sendId}::uuid order by id limit ${handedOver}::integer) handed`);
    }
    return sendId;
  });
}

describeEachDb("taking back a crashed dispatcher's claims", (t) => {
  let simulator: CmppSimulator;
  let dispatcher: Dispatcher | undefined;
  const sends: Record<"resend" | "noResend" | "jsms", { sendId: string; phones: string[] }> = {} as never;
  let resendChannelId: string;
  let noResendChannelId: string;

  beforeAll(async () => {
    simulator = await startCmppSimulator({ account: "900001", password: "secret88", accessNumber: "1065", logger: silentLogger, reports: { delayMs: 20 } });
    const resend = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `resend-${t.kind}`, connections: 2 });
    resendChannelId = resend.id;
    const noResend = await createCmppTestChannel(t.db, sealKey, simulator.port, { name: `no-resend-${t.kind}`, connections: 2, resubmitUncertain: false });
    noResendChannelId = noResend.id;
    // Nothing is posted to JSMS for these: the channel needs no sandbox behind it.
    const jsms = await createJsmsTestChannel(t.db, sealKey, { name: `jsms-${t.kind}`, appKey: "a".repeat(24), masterSecret: "b".repeat(24) });
    const phones = (block: number) => Array.from({ length: 50 }, (_, i) => phoneOf(block, i));
    for (const [key, channel, content, block] of [
      ["resend", resend, { text: "crash resend" }, 21],
      ["noResend", noResend, { text: "crash no resend" }, 22],
      ["jsms", jsms, { template: { id: 1, params: { code: "1234" } } }, 23],
    ] as const) {
      sends[key] = { sendId: await leaveCrashedClaims(t.db, channel.id, content, phones(block)), phones: phones(block) };
    }
    // A live dispatcher takes back lapsed dispatchers' work when it starts, and on its housekeeping timer after.
    dispatcher = await startDispatcher({ handle: testHandle(t), sealKey, kind: "worker", pollMs: 100, reclaimEveryMs: 200, cmppLogger: silentLogger });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await simulator?.close();
  });

  it("frees the crashed dispatcher's lease and connection slots", async () => {
    const workers = await executeRows<{ id: string }>(t.db, sql`select id from dispatcher_workers where id = ${DEAD}`);
    expect(workers).toEqual([]);
    const slots = await executeRows<{ n: number }>(t.db, sql`select count(*)::int as n from channel_connection_slots where owner = ${DEAD}`);
    expect(slots[0]!.n).toBe(0);
  });

  it("CMPP with resubmission on: sends each again, marked uncertain with both attempts counted, and nothing is left behind", async () => {
    const { sendId, phones } = sends.resend;
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ delivered: phones.length, uncertain: phones.length });
    for (const m of await messagesOf(t.db, sendId)) expect(m).toMatchObject({ status: "delivered", uncertain: true, attempts: 2, claimed_by: null });
    const kinds = await eventKindsOf(t.db, sendId);
    for (const list of kinds.values()) expect(list).toEqual(["uncertain_attempt", "submit_resp", "report"]);
    // The dead dispatcher never reached the gateway here, so the live one's copy is the only one.
    expect(phones.map((p) => simulator.stats.texts.get(p)?.length ?? 0)).toEqual(phones.map(() => 1));
  });

  it("CMPP with resubmission off: makes each unknown (submit_outcome_unknown) and sends none", async () => {
    const { sendId, phones } = sends.noResend;
    const { counters, rows, status } = await countsOnSendAndRows(t.db, sendId);
    expect(status).toBe("done");
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ unknown: phones.length, uncertain: phones.length, submitting: 0 });
    for (const m of await messagesOf(t.db, sendId)) {
      expect(m).toMatchObject({ status: "unknown", error_code: REASON_SUBMIT_OUTCOME_UNKNOWN, uncertain: true, attempts: 1, claimed_by: null });
    }
    for (const p of phones) expect(simulator.stats.texts.has(p)).toBe(false);
  });

  it("JSMS: makes each unknown (submit_outcome_unknown), never re-posting", async () => {
    const { sendId, phones } = sends.jsms;
    const { counters, rows, status } = await countsOnSendAndRows(t.db, sendId);
    expect(status).toBe("done");
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ unknown: phones.length, uncertain: phones.length, submitting: 0 });
    for (const m of await messagesOf(t.db, sendId)) expect(m).toMatchObject({ status: "unknown", error_code: REASON_SUBMIT_OUTCOME_UNKNOWN, uncertain: true });
    const kinds = await eventKindsOf(t.db, sendId);
    for (const list of kinds.values()) expect(list).toEqual(["uncertain_attempt"]);
  });

  it("takes back the claims of a dispatcher that dies while this one runs, on its housekeeping timer", async () => {
    const phones = Array.from({ length: 20 }, (_, i) => phoneOf(24, i));
    const sendId = await leaveCrashedClaims(t.db, resendChannelId, { text: "crash while running" }, phones, `${DEAD}:later`);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done", 10_000);
    const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows).toMatchObject({ delivered: phones.length, uncertain: phones.length });
    for (const m of await messagesOf(t.db, sendId)) expect(m).toMatchObject({ status: "delivered", uncertain: true, attempts: 2 });
  });

  it("by its handoff log, sends again as uncertain only what may have reached the gateway; the rest go back as they were", async () => {
    const dead = `${DEAD}:logged`;
    const resendPhones = Array.from({ length: 40 }, (_, i) => phoneOf(25, i));
    const noResendPhones = Array.from({ length: 40 }, (_, i) => phoneOf(26, i));
    const resendSend = await leaveCrashedClaims(t.db, resendChannelId, { text: "logged resend" }, resendPhones, dead, 5);
    const noResendSend = await leaveCrashedClaims(t.db, noResendChannelId, { text: "logged no resend" }, noResendPhones, dead, 5);
    for (const sendId of [resendSend, noResendSend]) {
      await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done", 10_000);
      const { counters, rows } = await countsOnSendAndRows(t.db, sendId);
      expect(counters).toEqual(rows);
    }
    // Resubmission on: the five handed over are sent again as uncertain; the other 35 once, plainly.
    const resent = await messagesOf(t.db, resendSend);
    expect(resent.slice(0, 5).map((m) => [m.status, m.uncertain, m.attempts])).toEqual(Array(5).fill(["delivered", true, 2]));
    expect(resent.slice(5).map((m) => [m.status, m.uncertain, m.attempts])).toEqual(Array(35).fill(["delivered", false, 1]));
    const kinds = await eventKindsOf(t.db, resendSend);
    expect(kinds.get(resent[0]!.id)).toEqual(["uncertain_attempt", "submit_resp", "report"]);
    expect(kinds.get(resent[5]!.id)).toEqual(["submit_resp", "report"]);
    // Resubmission off: the five are unknown and never sent again; the 35 that never left are sent and delivered.
    const notResent = await messagesOf(t.db, noResendSend);
    expect(notResent.slice(0, 5).map((m) => [m.status, m.error_code])).toEqual(Array(5).fill(["unknown", REASON_SUBMIT_OUTCOME_UNKNOWN]));
    expect(notResent.slice(5).map((m) => [m.status, m.uncertain])).toEqual(Array(35).fill(["delivered", false]));
    expect(noResendPhones.map((p) => simulator.stats.texts.get(p)?.length ?? 0)).toEqual([...Array(5).fill(0), ...Array(35).fill(1)]);
    // The log went with the lease.
    expect(await executeRows(t.db, sql`select 1 from dispatcher_handoffs where worker_id = ${dead}`)).toEqual([]);
  });
});
