import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { countMessagesFromCounters } from "./message-list-count";
import type { MessageListFilter } from "./message-list-filter";
import { listMessagePage, timeToIdBounds } from "./message-list-query";
import { FIXTURE_MESSAGES, FIXTURE_START, HOUR, insertLaterMessage, insertListFixture, type ListFixture } from "./testing";

const at = (hours: number) => new Date(FIXTURE_START + hours * HOUR).toISOString();

describeEachDb("the message list", (t) => {
  let f: ListFixture;
  /** Fixture numbers of the messages a filter lists, newest first. */
  const numbers = async (filter: MessageListFilter) => {
    const page = await listMessagePage(t.db, filter, { limit: 100 });
    const byId = new Map(Object.entries(f.ids).map(([n, id]) => [id, Number(n)]));
    return page.items.map((m) => byId.get(m.id) ?? m.id);
  };

  beforeAll(async () => {
    f = await insertListFixture(t.db);
  });

  it("answers every message newest first, in the REST list's shape with its channel and category", async () => {
    expect(await numbers({})).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const page = await listMessagePage(t.db, {}, { limit: 100 });
    expect(page.items.find((m) => m.id === f.ids[2])).toEqual({
      id: f.ids[2],
      sendId: f.sends.a,
      channelKey: f.channels.a.channelKey,
      userid: "u2",
      phone: "13800000002",
      status: "failed",
      providerMessageId: null,
      segments: 1,
      attempts: 0,
      uncertain: false,
      errorCode: "UNDELIV",
      errorCategory: "handset_off",
      createdAt: at(2),
      submittedAt: null,
      doneAt: null,
      updatedAt: at(2),
    });
    // The category of each message is read from its own provider's dictionary, else the console's reasons.
    expect(Object.fromEntries(page.items.map((m) => [m.id, m.errorCategory]))).toEqual(
      Object.fromEntries(FIXTURE_MESSAGES.map((m) => [f.ids[m.n], m.category])),
    );
  });

  it("filters by each filter alone", async () => {
    expect(await numbers({ status: ["failed"] })).toEqual([10, 8, 7, 4, 3, 2]);
    expect(await numbers({ status: ["expired", "unknown"] })).toEqual([6, 5]);
    expect(await numbers({ status: ["cancelled"] })).toEqual([]);
    expect(await numbers({ channelKey: f.channels.b.channelKey })).toEqual([6, 5, 4]);
    expect(await numbers({ channelKey: "nosuchchan" })).toEqual([]);
    expect(await numbers({ provider: "china_mobile" })).toEqual([10, 9, 3, 2, 1]);
    expect(await numbers({ provider: "jsms" })).toEqual([8, 7]);
    expect(await numbers({ provider: "nobody" })).toEqual([]);
    expect(await numbers({ sendId: f.sends.j })).toEqual([8, 7]);
    expect(await numbers({ userid: "u1" })).toEqual([4, 1]);
    expect(await numbers({ phone: "13800000002" })).toEqual([7, 2]);
    expect(await numbers({ phone: "1380000000*" })).toEqual([9, 7, 4, 2, 1]);
    expect(await numbers({ phone: "+44*" })).toEqual([5]);
    expect(await numbers({ phone: "138*" })).toEqual([10, 9, 7, 4, 2, 1]);
    expect(await numbers({ code: "UNDELIV" })).toEqual([4, 2]);
    expect(await numbers({ code: "undeliv" })).toEqual([]);
    expect(await numbers({ from: at(3), to: at(7) })).toEqual([6, 5, 4, 3]);
    expect(await numbers({ from: at(9) })).toEqual([10, 9]);
    expect(await numbers({ to: at(2) })).toEqual([1]);
    // A bound inside the hour of a message: creation time decides to the millisecond.
    expect(await numbers({ from: new Date(FIXTURE_START + 3 * HOUR + 1).toISOString(), to: new Date(FIXTURE_START + 5 * HOUR + 1).toISOString() })).toEqual([5, 4]);
  });

  it("filters by failure category as the dictionaries say now", async () => {
    expect(await numbers({ category: "handset_off" })).toEqual([2]);
    expect(await numbers({ category: "carrier_block" })).toEqual([4]);
    expect(await numbers({ category: "invalid_number" })).toEqual([8, 7]);
    expect(await numbers({ category: "rate_limited" })).toEqual([10]);
    expect(await numbers({ category: "unclassified" })).toEqual([3]);
    expect(await numbers({ category: "expired" })).toEqual([5]);
    expect(await numbers({ category: "unknown" })).toEqual([6]);
    expect(await numbers({ category: "blacklisted" })).toEqual([]);
    // Classifying the unknown code moves its message at once.
    await t.db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values ('china_mobile', 'MK:9999', 'failed', 'blacklisted')`);
    try {
      expect(await numbers({ category: "blacklisted" })).toEqual([3]);
      expect(await numbers({ category: "unclassified" })).toEqual([]);
    } finally {
      await t.db.execute(sql`delete from receipt_codes where provider_id = 'china_mobile' and code = 'MK:9999'`);
    }
  });

  it("combines filters", async () => {
    expect(await numbers({ status: ["failed"], channelKey: f.channels.a.channelKey })).toEqual([10, 3, 2]);
    expect(await numbers({ provider: "china_mobile", code: "UNDELIV" })).toEqual([2]);
    expect(await numbers({ category: "invalid_number", sendId: f.sends.j, userid: "u2" })).toEqual([7]);
    expect(await numbers({ category: "handset_off", channelKey: f.channels.a.channelKey, code: "UNDELIV", from: at(1), to: at(5), sendId: f.sends.a })).toEqual([2]);
    expect(await numbers({ status: ["failed", "expired"], from: at(4), to: at(8), phone: "138*" })).toEqual([7, 4]);
    expect(await numbers({ channelKey: f.channels.a.channelKey, provider: "china_unicom" })).toEqual([]);
  });

  it("turns a time range into id bounds from the counters, a skew wide", async () => {
    // The newest message created before from − 15 minutes, and the first created after to + 15 minutes.
    expect(await timeToIdBounds(t.db, at(3), at(7))).toEqual({ lower: BigInt(f.ids[2]!), upper: BigInt(f.ids[8]!) });
    expect(await timeToIdBounds(t.db, new Date(FIXTURE_START + 3 * HOUR + 10 * 60_000).toISOString(), undefined)).toEqual({ lower: BigInt(f.ids[2]!), upper: null });
    expect(await timeToIdBounds(t.db, new Date(FIXTURE_START + 3 * HOUR + 20 * 60_000).toISOString(), undefined)).toEqual({ lower: BigInt(f.ids[3]!), upper: null });
    expect(await timeToIdBounds(t.db, at(0), at(50))).toEqual({ lower: null, upper: null });
  });

  it("counts from the counters where they can say it exactly, else answers null", async () => {
    expect(await countMessagesFromCounters(t.db, {})).toBe(10);
    expect(await countMessagesFromCounters(t.db, { status: ["failed"] })).toBe(6);
    expect(await countMessagesFromCounters(t.db, { provider: "china_mobile", status: ["failed"] })).toBe(3);
    expect(await countMessagesFromCounters(t.db, { category: "invalid_number" })).toBe(2);
    expect(await countMessagesFromCounters(t.db, { category: "expired", channelKey: f.channels.b.channelKey })).toBe(1);
    expect(await countMessagesFromCounters(t.db, { code: "UNDELIV", from: at(3), to: at(7) })).toBe(1);
    expect(await countMessagesFromCounters(t.db, { sendId: f.sends.a, status: ["failed"] })).toBe(3);
    expect(await countMessagesFromCounters(t.db, { sendId: f.sends.a, category: "unclassified" })).toBe(1);
    expect(await countMessagesFromCounters(t.db, { userid: "u1" })).toBeNull();
    expect(await countMessagesFromCounters(t.db, { phone: "138*" })).toBeNull();
    expect(await countMessagesFromCounters(t.db, { from: new Date(FIXTURE_START + 1).toISOString() })).toBeNull();
    expect(await countMessagesFromCounters(t.db, { sendId: f.sends.a, from: at(1) })).toBeNull();
  });

  it("pages by an opaque cursor without repeating or missing a message, while new ones arrive", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    const later: string[] = [];
    for (let page = 0; page < 10; page++) {
      const answer = await listMessagePage(t.db, { status: ["failed"] }, { limit: 2, cursor });
      seen.push(...answer.items.map((m) => m.id));
      // Messages arriving between pages are newer than every page: they never enter a later one.
      later.push(await insertLaterMessage(t.db, f, "a"));
      if (!answer.nextCursor) break;
      cursor = answer.nextCursor;
    }
    expect(seen).toEqual([10, 8, 7, 4, 3, 2].map((n) => f.ids[n]));
    const first = await listMessagePage(t.db, { status: ["failed"] }, { limit: 2 });
    expect(first.items.map((m) => m.id)).toEqual([later.at(-1), later.at(-2)]);
    // The last page says there is no next one.
    const rows = await executeRows<{ n: string }>(t.db, sql`select count(*)::text as n from messages where status = 'failed'`);
    expect(Number(rows[0]!.n)).toBe(6 + later.length);
  });
});
