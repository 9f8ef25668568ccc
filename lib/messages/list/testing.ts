import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { insertTestChannel, insertTestSend } from "@/lib/messages/testing/fixtures";

/**
 * A small known set of messages for the list's and the export's tests: three channels on three
 * providers, one send each, and ten messages an hour apart in every state that matters, with the
 * codes of each provider and of the console itself.
 */
export const FIXTURE_START = Date.parse("2030-01-01T00:00:00.000Z");
export const HOUR = 3_600_000;

export interface FixtureMessage {
  /** 1–10: the message's number in the fixture; the n-th was created n hours after FIXTURE_START. */
  n: number;
  channel: "a" | "b" | "j";
  userid: string | null;
  phone: string;
  status: string;
  code: string | null;
  /** What the list should read as its category. */
  category: string | null;
}

export const FIXTURE_MESSAGES: FixtureMessage[] = [
  { n: 1, channel: "a", userid: "u1", phone: "13800000001", status: "delivered", code: null, category: null },
  { n: 2, channel: "a", userid: "u2", phone: "13800000002", status: "failed", code: "UNDELIV", category: "handset_off" },
  { n: 3, channel: "a", userid: "u3", phone: "13900000003", status: "failed", code: "MK:9999", category: "unclassified" },
  { n: 4, channel: "b", userid: "u1", phone: "13800000001", status: "failed", code: "UNDELIV", category: "carrier_block" },
  { n: 5, channel: "b", userid: "u4", phone: "+447911123456", status: "expired", code: null, category: "expired" },
  { n: 6, channel: "b", userid: "u5", phone: "13700000005", status: "unknown", code: "no_final_report", category: "unknown" },
  { n: 7, channel: "j", userid: "u2", phone: "13800000002", status: "failed", code: "4002", category: "invalid_number" },
  { n: 8, channel: "j", userid: null, phone: "13600000008", status: "failed", code: "no_number_for_channel", category: "invalid_number" },
  { n: 9, channel: "a", userid: "=cmd|' /C calc'!A0", phone: "13800000009", status: "queued", code: null, category: null },
  { n: 10, channel: "a", userid: 'u7, "the" one', phone: "13800000010", status: "failed", code: "submit_result:8", category: "rate_limited" },
];

export interface ListFixture {
  channels: Record<"a" | "b" | "j", { id: string; channelKey: string }>;
  sends: Record<"a" | "b" | "j", string>;
  /** Message ids by fixture number. */
  ids: Record<number, string>;
}

/** Inserts the fixture, in one statement, so ids grow with created_at as they do in the product. */
export async function insertListFixture(db: Db): Promise<ListFixture> {
  const channels = {
    a: await insertTestChannel(db, "cmpp", { provider: "china_mobile" }),
    b: await insertTestChannel(db, "cmpp", { provider: "china_unicom" }),
    j: await insertTestChannel(db, "jsms"),
  };
  const sends = {
    a: await insertTestSend(db, channels.a.id),
    b: await insertTestSend(db, channels.b.id),
    j: await insertTestSend(db, channels.j.id),
  };
  await db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values
      ('china_mobile', 'UNDELIV', 'failed', 'handset_off'),
      ('china_unicom', 'UNDELIV', 'failed', 'carrier_block'),
      ('jsms', '4002', 'failed', 'invalid_number')
    on conflict (provider_id, code) do update set outcome = excluded.outcome, category = excluded.category`);
  const rows = FIXTURE_MESSAGES.map((m) => ({
    n: m.n,
    send: sends[m.channel],
    channel: channels[m.channel].id,
    userid: m.userid,
    phone: m.phone,
    status: m.status,
    code: m.code,
    at: new Date(FIXTURE_START + m.n * HOUR).toISOString(),
  }));
  const inserted = await executeRows<{ id: string }>(
    db,
    sql`insert into messages (send_id, channel_id, userid, phone, status, error_code, created_at, updated_at)
        select (r->>'send')::uuid, (r->>'channel')::uuid, r->>'userid', r->>'phone', r->>'status', r->>'code', (r->>'at')::timestamptz, (r->>'at')::timestamptz
          from json_array_elements(${JSON.stringify(rows)}::json) with ordinality as x(r, ord) order by ord
        returning id::text as id`,
  );
  const ids: Record<number, string> = {};
  inserted
    .map((row) => row.id)
    .sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))
    .forEach((id, i) => (ids[FIXTURE_MESSAGES[i]!.n] = id));
  return { channels, sends, ids };
}

/** Inserts one more message on a channel, now. */
export async function insertLaterMessage(db: Db, fixture: ListFixture, channel: "a" | "b" | "j", status = "failed", code: string | null = "UNDELIV"): Promise<string> {
  const [row] = await executeRows<{ id: string }>(
    db,
    sql`insert into messages (send_id, channel_id, userid, phone, status, error_code, created_at)
        values (${fixture.sends[channel]}::uuid, ${fixture.channels[channel].id}::uuid, 'later', '13500000000', ${status}, ${code}, ${new Date(FIXTURE_START + 20 * HOUR).toISOString()}::timestamptz)
        returning id::text as id`,
  );
  return row!.id;
}
