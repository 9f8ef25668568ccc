import { sql } from "drizzle-orm";
import { executeRows, type DatabaseHandle, type Db } from "@/lib/db/client";
import type { TestDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { MESSAGE_STATES, type MessageState } from "../../message-state";

/**
 * Rows and probes for the dispatcher's end-to-end tests: a channel made as an operator makes it,
 * a send queued as the send service queues it, and the figures an operator reads back (the
 * send's counters, the messages' own states, what each message went through).
 */

/** A handle over a test database for startDispatcher: closing it is the suite's business. */
export function testHandle(t: TestDb): DatabaseHandle {
  return { db: t.db, kind: t.kind, ping: async () => true, close: async () => {} };
}

async function channelIdOf(db: Db, channelKey: string): Promise<string> {
  const [row] = await executeRows<{ id: string }>(db, sql`select id::text as id from channels where channel_key = ${channelKey}`);
  return row!.id;
}

export interface TestChannel {
  id: string;
  channelKey: string;
}

/** A CMPP channel on a simulator that knows account 900001 / secret88 / access number 1065. */
export async function createCmppTestChannel(
  db: Db,
  sealKey: Buffer,
  port: number,
  settings: { name: string; connections?: number; resubmitUncertain?: boolean; reportDeadlineSeconds?: number },
): Promise<TestChannel> {
  const view = await createChannel({ db, sealKey, publicUrl: "http://console.test" }, SYSTEM_ACTOR("test"), {
    type: "cmpp",
    name: settings.name,
    provider: "china_mobile",
    host: "127.0.0.1",
    port,
    account: "900001",
    password: "secret88",
    accessNumber: "1065",
    connections: settings.connections ?? 2,
    tpsPerConnection: 10_000,
    ...(settings.resubmitUncertain === undefined ? {} : { resubmitUncertain: settings.resubmitUncertain }),
    ...(settings.reportDeadlineSeconds === undefined ? {} : { reportDeadlineSeconds: settings.reportDeadlineSeconds }),
  });
  return { id: await channelIdOf(db, view.channelKey), channelKey: view.channelKey };
}

export async function createJsmsTestChannel(db: Db, sealKey: Buffer, settings: { name: string; appKey: string; masterSecret: string }): Promise<TestChannel> {
  const view = await createChannel({ db, sealKey, publicUrl: "http://console.test" }, SYSTEM_ACTOR("test"), {
    type: "jsms",
    name: settings.name,
    appKey: settings.appKey,
    masterSecret: settings.masterSecret,
  });
  return { id: await channelIdOf(db, view.channelKey), channelKey: view.channelKey };
}

export type SendContent = { text: string } | { template: { id: number; params?: Record<string, string>; signId?: number } };

/**
 * A send as the send service leaves it: status sending (or `status`, e.g. paused from the start,
 * so a running dispatcher never sees it sending), one queued message per phone, counters set.
 */
export async function queueSend(
  db: Db, channelId: string, content: SendContent, phones: readonly string[], status: "sending" | "paused" = "sending",
): Promise<string> {
  const [send] = await executeRows<{ id: string }>(
    db,
    sql`insert into sends (channel_id, created_by, status, content, audience_size, total, queued_count)
        values (${channelId}::uuid, 'test', ${status}, ${JSON.stringify(content)}::jsonb, ${phones.length}::integer,
                ${phones.length}::integer, ${phones.length}::integer)
        returning id::text as id`,
  );
  await db.execute(sql`insert into messages (send_id, channel_id, phone, status)
    select ${send!.id}::uuid, ${channelId}::uuid, value, 'queued' from json_array_elements_text(${JSON.stringify(phones)}::json)`);
  return send!.id;
}

/** Distinct mainland mobile numbers, `block` keeping tests in one file apart. */
export const phoneOf = (block: number, i: number) => `13${block % 10}${String(block).padStart(2, "0").slice(-2)}${String(i).padStart(6, "0")}`;

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export type StateCounts = Record<MessageState | "uncertain", number>;

/**
 * What the send's counters say and what count(*) over its messages says, in the same shape, so a
 * test compares the two: an operator's dashboard reads the first, the truth is the second.
 */
export async function countsOnSendAndRows(db: Db, sendId: string): Promise<{ counters: StateCounts; rows: StateCounts; status: string }> {
  const [send] = await executeRows<Record<string, number | string>>(db, sql`select * from sends where id = ${sendId}::uuid`);
  const grouped = await executeRows<{ status: MessageState; n: number; uncertain: number }>(
    db,
    sql`select status, count(*)::int as n, count(*) filter (where uncertain)::int as uncertain
          from messages where send_id = ${sendId}::uuid group by status`,
  );
  const counters = { uncertain: Number(send!.uncertain_count) } as StateCounts;
  const rows = { uncertain: grouped.reduce((n, g) => n + g.uncertain, 0) } as StateCounts;
  for (const state of MESSAGE_STATES) {
    counters[state] = Number(send![`${state}_count`]);
    rows[state] = grouped.find((g) => g.status === state)?.n ?? 0;
  }
  return { counters, rows, status: String(send!.status) };
}

export interface MessageRow {
  id: string;
  phone: string;
  status: MessageState;
  attempts: number;
  uncertain: boolean;
  error_code: string | null;
  claimed_by: string | null;
  segments: number;
}

export async function messagesOf(db: Db, sendId: string): Promise<MessageRow[]> {
  return executeRows<MessageRow>(
    db,
    sql`select id::text as id, phone, status, attempts, uncertain, error_code, claimed_by, segments
          from messages where send_id = ${sendId}::uuid order by id`,
  );
}

/** Event kinds per message, oldest first. */
export async function eventKindsOf(db: Db, sendId: string): Promise<Map<string, string[]>> {
  const rows = await executeRows<{ message_id: string; kind: string }>(
    db,
    sql`select e.message_id::text as message_id, e.kind from message_events e join messages m on m.id = e.message_id
         where m.send_id = ${sendId}::uuid order by e.id`,
  );
  const kinds = new Map<string, string[]>();
  for (const row of rows) kinds.set(row.message_id, [...(kinds.get(row.message_id) ?? []), row.kind]);
  return kinds;
}
