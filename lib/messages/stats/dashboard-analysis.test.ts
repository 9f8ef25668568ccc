import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { applyTransitions } from "../message-state";
import { insertTestChannel, insertTestSend } from "../testing/fixtures";
import { getAttention } from "./attention";
import { getLoss } from "./loss";
import { getOverview } from "./overview";
import { getSeries } from "./series";
import type { LossAnalysis, SeriesBucket } from "./stats-types";

/**
 * A known mix of messages on two channels (a China Mobile CMPP channel and a JSMS one), made at
 * chosen times with chosen codes, and every figure the dashboard shows about it.
 *
 * Channel A (CMPP, china_mobile), send SA:
 *   09:59:59  1 failed UNDELIV                       (before the ranges)
 *   10:05     3 delivered, 1 failed MK:0001
 *   10:29:59  1 failed UNDELIV
 *   10:40     2 delivered, 1 failed ZZ:9, 1 expired EXPIRED (moved there from submitted), 1 queued
 *   11:10     2 delivered, 1 unknown no_final_report, 1 failed submit_result:13, 1 cancelled
 *   11:50     1 submitted, 1 submitting
 *   11:59:59  1 failed ZZ:9
 *   12:00:00  1 delivered                            (after the ranges)
 * Channel B (JSMS), send SB:
 *   10:20     4 delivered, 2 failed 4002, 1 failed 4999
 *   11:30     2 delivered, 1 unknown submit_outcome_unknown, 1 failed no_number_for_channel
 * Dictionary: china_mobile UNDELIV → handset_off, MK:0001 → invalid_number, EXPIRED → expired;
 * jsms 4002 → blacklisted. ZZ:9 and 4999 are nobody's: unclassified.
 */
const DAY = "2030-01-01";
const at = (time: string) => new Date(`${DAY}T${time}Z`);

async function seed(db: Db, sendId: string, channelId: string, time: string, status: string, code: string | null, count: number): Promise<string[]> {
  const rows = await executeRows<{ id: string }>(
    db,
    sql`insert into messages (send_id, channel_id, userid, phone, status, error_code, created_at)
        select ${sendId}::uuid, ${channelId}::uuid, 'u' || i, '1380000' || lpad(i::text, 4, '0'), ${status}, ${code}, ${at(time).toISOString()}::timestamptz
          from generate_series(1, ${count}::int) i
        returning id::text as id`,
  );
  return rows.map((r) => r.id);
}

async function codeOf(db: Db, id: string): Promise<string | null> {
  const [row] = await executeRows<{ error_code: string | null }>(db, sql`select error_code from messages where id = ${id}::bigint`);
  return row!.error_code;
}

const lossCount = (loss: LossAnalysis, category: string) => loss.byCategory.find((c) => c.category === category)?.count ?? 0;

describeEachDb("the dashboard's analysis of a known mix", (t) => {
  let a: { id: string; channelKey: string };
  let b: { id: string; channelKey: string };
  let sa: string;
  let sb: string;
  let zz9: string[];

  beforeAll(async () => {
    a = await insertTestChannel(t.db, "cmpp", { provider: "china_mobile" });
    b = await insertTestChannel(t.db, "jsms");
    sa = await insertTestSend(t.db, a.id);
    sb = await insertTestSend(t.db, b.id);
    // The test's own dictionary, whatever was seeded at start-up.
    await t.db.execute(sql`delete from receipt_codes where provider_id in ('china_mobile', 'jsms', 'other')`);
    await t.db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values
      ('china_mobile', 'UNDELIV', 'failed', 'handset_off'), ('china_mobile', 'MK:0001', 'failed', 'invalid_number'),
      ('china_mobile', 'EXPIRED', 'failed', 'expired'), ('jsms', '4002', 'failed', 'blacklisted')`);

    await seed(t.db, sa, a.id, "09:59:59", "failed", "UNDELIV", 1);
    await seed(t.db, sa, a.id, "10:05:00", "delivered", null, 3);
    await seed(t.db, sa, a.id, "10:05:00", "failed", "MK:0001", 1);
    await seed(t.db, sa, a.id, "10:29:59", "failed", "UNDELIV", 1);
    // Through the state machine: the counters follow its moves as they follow inserts.
    const moved = await seed(t.db, sa, a.id, "10:40:00", "submitted", null, 4);
    await applyTransitions(t.db, [
      { id: moved[0]!, from: "submitted", to: "delivered", error: { code: null, category: null } },
      { id: moved[1]!, from: "submitted", to: "delivered", error: { code: null, category: null } },
      { id: moved[2]!, from: "submitted", to: "failed", error: { code: "ZZ:9", category: "unknown" } },
      { id: moved[3]!, from: "submitted", to: "expired", error: { code: "EXPIRED", category: "expired" } },
    ]);
    await seed(t.db, sa, a.id, "10:40:00", "queued", null, 1);
    await seed(t.db, sa, a.id, "11:10:00", "delivered", null, 2);
    await seed(t.db, sa, a.id, "11:10:00", "unknown", "no_final_report", 1);
    await seed(t.db, sa, a.id, "11:10:00", "failed", "submit_result:13", 1);
    await seed(t.db, sa, a.id, "11:10:00", "cancelled", null, 1);
    await seed(t.db, sa, a.id, "11:50:00", "submitted", null, 1);
    await seed(t.db, sa, a.id, "11:50:00", "submitting", null, 1);
    const late = await seed(t.db, sa, a.id, "11:59:59", "failed", "ZZ:9", 1);
    await seed(t.db, sa, a.id, "12:00:00", "delivered", null, 1);
    zz9 = [moved[2]!, late[0]!];

    await seed(t.db, sb, b.id, "10:20:00", "delivered", null, 4);
    await seed(t.db, sb, b.id, "10:20:00", "failed", "4002", 2);
    await seed(t.db, sb, b.id, "10:20:00", "failed", "4999", 1);
    await seed(t.db, sb, b.id, "11:30:00", "delivered", null, 2);
    await seed(t.db, sb, b.id, "11:30:00", "unknown", "submit_outcome_unknown", 1);
    await seed(t.db, sb, b.id, "11:30:00", "failed", "no_number_for_channel", 1);
  });

  describe("overview", () => {
    it("counts every state per channel and in total over whole hours", async () => {
      const overview = await getOverview(t.db, { from: at("10:00:00"), to: at("12:00:00") });
      expect(overview.from).toBe(`${DAY}T10:00:00.000Z`);
      expect(overview.to).toBe(`${DAY}T12:00:00.000Z`);
      expect(overview.totals).toEqual({
        sent: 27,
        delivered: 13,
        failed: 9,
        expired: 1,
        unknown: 2,
        queued: 1,
        submitting: 1,
        submitted: 1,
        cancelled: 1,
        deliveryRate: 13 / 25,
      });
      const byKey = Object.fromEntries(overview.channels.map((c) => [c.channelKey, c]));
      expect(byKey[a.channelKey]).toEqual({
        channelKey: a.channelKey,
        name: a.channelKey,
        type: "cmpp",
        providerId: "china_mobile",
        enabled: true,
        sent: 16,
        delivered: 7,
        failed: 5,
        expired: 1,
        unknown: 1,
        deliveryRate: 7 / 14,
        inFlight: 3,
      });
      expect(byKey[b.channelKey]).toEqual({
        channelKey: b.channelKey,
        name: b.channelKey,
        type: "jsms",
        providerId: "jsms",
        enabled: true,
        sent: 11,
        delivered: 6,
        failed: 4,
        expired: 0,
        unknown: 1,
        deliveryRate: 6 / 11,
        inFlight: 0,
      });
    });

    it("is exact to the minute at range edges in the middle of an hour", async () => {
      const overview = await getOverview(t.db, { from: at("10:30:00"), to: at("12:00:00") });
      const byKey = Object.fromEntries(overview.channels.map((c) => [c.channelKey, c]));
      // 10:29:59 and 10:05 are out, 11:59:59 is in, 12:00:00 is out.
      expect(byKey[a.channelKey]).toMatchObject({ sent: 11, delivered: 4, failed: 3, expired: 1, unknown: 1, deliveryRate: 4 / 9, inFlight: 3 });
      expect(byKey[b.channelKey]).toMatchObject({ sent: 4, delivered: 2, failed: 1, expired: 0, unknown: 1, deliveryRate: 2 / 4 });
      expect(overview.totals).toMatchObject({ sent: 15, delivered: 6, failed: 4, queued: 1, cancelled: 1 });

      // Inside one hour, from minute rows alone; seconds are read to the minute (from down, to up).
      const inside = await getOverview(t.db, { from: at("10:39:30"), to: at("10:44:10") });
      expect(inside.from).toBe(`${DAY}T10:39:00.000Z`);
      expect(inside.to).toBe(`${DAY}T10:45:00.000Z`);
      expect(inside.totals).toEqual({ sent: 4, delivered: 2, failed: 1, expired: 1, unknown: 0, queued: 1, submitting: 0, submitted: 0, cancelled: 0, deliveryRate: 2 / 4 });

      // Both edges in partial hours, over several hours.
      const wide = await getOverview(t.db, { from: at("09:59:00"), to: at("12:00:01") });
      expect(wide.totals).toMatchObject({ sent: 29, delivered: 14, failed: 10 });
    });

    it("answers null as the delivery rate of a range with nothing decided", async () => {
      const overview = await getOverview(t.db, { from: at("11:50:00"), to: at("11:51:00") });
      expect(overview.totals).toMatchObject({ sent: 2, delivered: 0, deliveryRate: null, submitted: 1, submitting: 1 });
      expect((await getOverview(t.db, { from: at("13:00:00"), to: at("14:00:00") })).totals.deliveryRate).toBeNull();
    });
  });

  describe("series", () => {
    const point = (buckets: SeriesBucket[], start: string, channelKey: string) => buckets.find((p) => p.start === start && p.channelKey === channelKey);

    it("uses hour buckets for a day, zero-filled, with every count", async () => {
      const series = await getSeries(t.db, { from: new Date(`${DAY}T00:00:00Z`), to: new Date("2030-01-02T00:00:00Z") });
      expect(series.grain).toBe("hour");
      expect(series.timeZone).toBe("Asia/Shanghai");
      expect(series.channels.map((c) => c.channelKey).sort()).toEqual([a.channelKey, b.channelKey].sort());
      expect(series.buckets).toHaveLength(48);
      expect(series.buckets[0]!.start).toBe(`${DAY}T00:00:00.000Z`);
      expect(point(series.buckets, `${DAY}T09:00:00.000Z`, a.channelKey)).toEqual({
        start: `${DAY}T09:00:00.000Z`, channelKey: a.channelKey, sent: 1, delivered: 0, failed: 1, expired: 0, unknown: 0, deliveryRate: 0,
      });
      expect(point(series.buckets, `${DAY}T10:00:00.000Z`, a.channelKey)).toEqual({
        start: `${DAY}T10:00:00.000Z`, channelKey: a.channelKey, sent: 9, delivered: 5, failed: 3, expired: 1, unknown: 0, deliveryRate: 5 / 9,
      });
      expect(point(series.buckets, `${DAY}T11:00:00.000Z`, a.channelKey)).toEqual({
        start: `${DAY}T11:00:00.000Z`, channelKey: a.channelKey, sent: 7, delivered: 2, failed: 2, expired: 0, unknown: 1, deliveryRate: 2 / 5,
      });
      expect(point(series.buckets, `${DAY}T12:00:00.000Z`, a.channelKey)).toMatchObject({ sent: 1, delivered: 1, deliveryRate: 1 });
      expect(point(series.buckets, `${DAY}T10:00:00.000Z`, b.channelKey)).toEqual({
        start: `${DAY}T10:00:00.000Z`, channelKey: b.channelKey, sent: 7, delivered: 4, failed: 3, expired: 0, unknown: 0, deliveryRate: 4 / 7,
      });
      expect(point(series.buckets, `${DAY}T11:00:00.000Z`, b.channelKey)).toEqual({
        start: `${DAY}T11:00:00.000Z`, channelKey: b.channelKey, sent: 4, delivered: 2, failed: 1, expired: 0, unknown: 1, deliveryRate: 2 / 4,
      });
      expect(point(series.buckets, `${DAY}T13:00:00.000Z`, b.channelKey)).toMatchObject({ sent: 0, deliveryRate: null });
      const sum = series.buckets.reduce((n, p) => n + p.sent, 0);
      expect(sum).toBe(29);
    });

    it("starts an hour chart at a mid-hour edge, and one channel's chart has only that channel", async () => {
      const series = await getSeries(t.db, { from: at("10:30:00"), to: new Date("2030-01-02T10:30:00Z"), channelKey: a.channelKey });
      expect(series.grain).toBe("hour");
      expect(series.channels).toEqual([{ channelKey: a.channelKey, name: a.channelKey }]);
      expect(series.buckets).toHaveLength(25);
      expect(series.buckets[0]).toMatchObject({ start: `${DAY}T10:00:00.000Z`, sent: 4, delivered: 2, failed: 1, expired: 1 });
    });

    it("uses minute buckets up to 6 hours", async () => {
      const series = await getSeries(t.db, { from: at("10:00:00"), to: at("12:00:00") });
      expect(series.grain).toBe("minute");
      expect(series.buckets).toHaveLength(240);
      expect(point(series.buckets, `${DAY}T10:29:00.000Z`, a.channelKey)).toMatchObject({ sent: 1, failed: 1 });
      expect(point(series.buckets, `${DAY}T10:40:00.000Z`, a.channelKey)).toMatchObject({ sent: 4, delivered: 2, failed: 1, expired: 1 });
      expect(point(series.buckets, `${DAY}T10:20:00.000Z`, b.channelKey)).toMatchObject({ sent: 7, delivered: 4, failed: 3 });
      expect(series.buckets.filter((p) => p.sent > 0)).toHaveLength(8);
    });

    it("uses day buckets of the operator's time zone past 4 days", async () => {
      // 10:00–12:00 UTC is 18:00–20:00 in Shanghai: 1 January there, from 31 December 16:00 UTC.
      const shanghai = await getSeries(t.db, { from: new Date("2029-12-26T16:00:00Z"), to: new Date("2030-01-02T16:00:00Z") });
      expect(shanghai.grain).toBe("day");
      expect(shanghai.buckets.map((p) => p.start).filter((s, i, all) => all.indexOf(s) === i)).toEqual([
        "2029-12-26T16:00:00.000Z", "2029-12-27T16:00:00.000Z", "2029-12-28T16:00:00.000Z", "2029-12-29T16:00:00.000Z",
        "2029-12-30T16:00:00.000Z", "2029-12-31T16:00:00.000Z", "2030-01-01T16:00:00.000Z",
      ]);
      expect(point(shanghai.buckets, "2029-12-31T16:00:00.000Z", a.channelKey)).toMatchObject({ sent: 18, delivered: 8, failed: 6, expired: 1, unknown: 1, deliveryRate: 8 / 16 });
      expect(point(shanghai.buckets, "2029-12-31T16:00:00.000Z", b.channelKey)).toMatchObject({ sent: 11, delivered: 6 });
      // In New York the same messages fall on 1 January too, whose midnight is 05:00 UTC.
      const newYork = await getSeries(t.db, { from: new Date("2029-12-27T05:00:00Z"), to: new Date("2030-01-02T05:00:00Z"), timeZone: "America/New_York" });
      expect(point(newYork.buckets, "2030-01-01T05:00:00.000Z", a.channelKey)).toMatchObject({ sent: 18 });
      await expect(getSeries(t.db, { from: at("10:00:00"), to: at("11:00:00"), timeZone: "Mars/Olympus" })).rejects.toMatchObject({ status: 400 });
    });
  });

  describe("loss analysis", () => {
    it("counts every failed, expired and unknown message by category, code, channel and provider", async () => {
      const loss = await getLoss(t.db, { from: at("10:00:00"), to: at("12:00:00") });
      expect(loss.total).toBe(12);
      expect(loss.byCategory).toEqual([
        { category: "invalid_number", count: 3 },
        { category: "unclassified", count: 3 },
        { category: "blacklisted", count: 2 },
        { category: "unknown", count: 2 },
        { category: "expired", count: 1 },
        { category: "handset_off", count: 1 },
      ]);
      expect(loss.byCode).toEqual([
        { code: "4002", category: "blacklisted", count: 2, providerId: "jsms" },
        { code: "ZZ:9", category: "unclassified", count: 2, providerId: "china_mobile" },
        { code: "4999", category: "unclassified", count: 1, providerId: "jsms" },
        { code: "EXPIRED", category: "expired", count: 1, providerId: "china_mobile" },
        { code: "MK:0001", category: "invalid_number", count: 1, providerId: "china_mobile" },
        { code: "no_final_report", category: "unknown", count: 1, providerId: "china_mobile" },
        { code: "no_number_for_channel", category: "invalid_number", count: 1, providerId: "jsms" },
        { code: "submit_outcome_unknown", category: "unknown", count: 1, providerId: "jsms" },
        { code: "submit_result:13", category: "invalid_number", count: 1, providerId: "china_mobile" },
        { code: "UNDELIV", category: "handset_off", count: 1, providerId: "china_mobile" },
      ]);
      expect(loss.byChannel).toEqual([
        {
          channelKey: a.channelKey, name: a.channelKey, providerId: "china_mobile", count: 7,
          byCategory: [
            { category: "invalid_number", count: 2 }, { category: "unclassified", count: 2 },
            { category: "expired", count: 1 }, { category: "handset_off", count: 1 }, { category: "unknown", count: 1 },
          ],
        },
        {
          channelKey: b.channelKey, name: b.channelKey, providerId: "jsms", count: 5,
          byCategory: [
            { category: "blacklisted", count: 2 }, { category: "invalid_number", count: 1 },
            { category: "unclassified", count: 1 }, { category: "unknown", count: 1 },
          ],
        },
      ]);
      expect(loss.byProvider.map((p) => [p.providerId, p.name, p.count])).toEqual([["china_mobile", "China Mobile", 7], ["jsms", "JSMS", 5]]);
    });

    it("lists unknown codes as unclassified with their count and an example message that has the code", async () => {
      const loss = await getLoss(t.db, { from: at("10:00:00"), to: at("12:00:00") });
      expect(loss.unclassified).toEqual([
        { code: "ZZ:9", count: 2, exampleMessageId: expect.any(String), providerId: "china_mobile", channelKey: a.channelKey },
        { code: "4999", count: 1, exampleMessageId: expect.any(String), providerId: "jsms", channelKey: b.channelKey },
      ]);
      expect(zz9).toContain(loss.unclassified[0]!.exampleMessageId);
      expect(await codeOf(t.db, loss.unclassified[0]!.exampleMessageId)).toBe("ZZ:9");
      expect(await codeOf(t.db, loss.unclassified[1]!.exampleMessageId)).toBe("4999");
    });

    it("reads a mid-hour range exactly, filters by channel and by provider", async () => {
      const edge = await getLoss(t.db, { from: at("10:30:00"), to: at("12:00:00") });
      expect(edge.total).toBe(7);
      expect(edge.byCode.map((c) => [c.code, c.count])).toEqual([
        ["ZZ:9", 2], ["EXPIRED", 1], ["no_final_report", 1], ["no_number_for_channel", 1], ["submit_outcome_unknown", 1], ["submit_result:13", 1],
      ]);
      const onlyB = await getLoss(t.db, { from: at("10:00:00"), to: at("12:00:00"), channelKey: b.channelKey });
      expect(onlyB.total).toBe(5);
      expect(onlyB.byChannel.map((c) => c.channelKey)).toEqual([b.channelKey]);
      const jsms = await getLoss(t.db, { from: at("10:00:00"), to: at("12:00:00"), provider: "jsms" });
      expect(jsms.byCategory).toEqual(onlyB.byCategory);
      const mobile = await getLoss(t.db, { from: at("10:00:00"), to: at("12:00:00"), provider: "china_mobile" });
      expect(mobile.total).toBe(7);
      expect(mobile.unclassified.map((u) => u.code)).toEqual(["ZZ:9"]);
      const none = await getLoss(t.db, { from: at("10:00:00"), to: at("12:00:00"), provider: "china_unicom" });
      expect(none).toMatchObject({ total: 0, byCategory: [], byCode: [], unclassified: [], byChannel: [], byProvider: [] });
      await expect(getLoss(t.db, { provider: "no_such_provider" })).rejects.toMatchObject({ status: 404, code: "provider_not_found" });
      await expect(getLoss(t.db, { channelKey: "nosuchkey" })).rejects.toMatchObject({ status: 404, code: "channel_not_found" });
    });

    it("analyses one send from its own counters, the whole send whatever the range", async () => {
      const loss = await getLoss(t.db, { sendId: sa, from: at("11:00:00"), to: at("11:01:00") });
      expect(loss.from).toBeNull();
      expect(loss.total).toBe(8);
      expect(loss.byCode.map((c) => [c.code, c.category, c.count])).toEqual([
        ["UNDELIV", "handset_off", 2],
        ["ZZ:9", "unclassified", 2],
        ["EXPIRED", "expired", 1],
        ["MK:0001", "invalid_number", 1],
        ["no_final_report", "unknown", 1],
        ["submit_result:13", "invalid_number", 1],
      ]);
      expect(loss.unclassified).toEqual([{ code: "ZZ:9", count: 2, exampleMessageId: zz9[1], providerId: "china_mobile", channelKey: a.channelKey }]);
      expect((await getLoss(t.db, { sendId: sb })).byCategory).toEqual([
        { category: "blacklisted", count: 2 }, { category: "invalid_number", count: 1 }, { category: "unclassified", count: 1 }, { category: "unknown", count: 1 },
      ]);
      expect((await getLoss(t.db, { sendId: sb, channelKey: a.channelKey })).total).toBe(0);
      await expect(getLoss(t.db, { sendId: "0f8fad5b-d9cb-469f-a165-70867728950e" })).rejects.toMatchObject({ status: 404, code: "send_not_found" });
    });

    it("moves a code's messages to another category as soon as its dictionary row changes", async () => {
      const range = { from: at("10:00:00"), to: at("12:00:00") };
      try {
        await t.db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values ('china_mobile', 'ZZ:9', 'failed', 'carrier_block')`);
        let loss = await getLoss(t.db, range);
        expect(lossCount(loss, "unclassified")).toBe(1);
        expect(lossCount(loss, "carrier_block")).toBe(2);
        expect(loss.unclassified.map((u) => u.code)).toEqual(["4999"]);
        expect(loss.byCode.find((c) => c.code === "ZZ:9")).toEqual({ code: "ZZ:9", category: "carrier_block", count: 2, providerId: "china_mobile" });

        await t.db.execute(sql`update receipt_codes set category = 'content_rejected' where provider_id = 'china_mobile' and code = 'ZZ:9'`);
        loss = await getLoss(t.db, { sendId: sa });
        expect(lossCount(loss, "carrier_block")).toBe(0);
        expect(lossCount(loss, "content_rejected")).toBe(2);

        // Another provider's row for the same code classifies nothing here.
        await t.db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values ('jsms', 'UNDELIV', 'failed', 'blacklisted')`);
        expect(lossCount(await getLoss(t.db, range), "handset_off")).toBe(1);
      } finally {
        await t.db.execute(sql`delete from receipt_codes where (provider_id, code) in (('china_mobile', 'ZZ:9'), ('jsms', 'UNDELIV'))`);
      }
      expect(lossCount(await getLoss(t.db, range), "unclassified")).toBe(3);
    });
  });

  describe("attention", () => {
    const now = at("12:30:00");

    it("flags low delivery rates with enough decided messages, and unclassified codes", async () => {
      // A: 8 of 16 decided delivered over the last 24 hours; B: 6 of 11.
      const items = await getAttention(t.db, { now, minDecided: 11 });
      const kinds = items.map((i) => [i.kind, i.channelKey]).sort();
      expect(kinds).toEqual(
        [
          ["low_delivery_rate", a.channelKey],
          ["low_delivery_rate", b.channelKey],
          ["unclassified_codes", a.channelKey],
          ["unclassified_codes", b.channelKey],
        ].sort(),
      );
      expect(items.find((i) => i.kind === "low_delivery_rate" && i.channelKey === a.channelKey)).toMatchObject({ deliveryRate: 0.5, decided: 16 });
      expect(items.find((i) => i.kind === "unclassified_codes" && i.channelKey === a.channelKey)).toMatchObject({ codes: 1, messages: 2 });
      const stricter = await getAttention(t.db, { now, minDecided: 12 });
      expect(stricter.filter((i) => i.kind === "low_delivery_rate").map((i) => i.channelKey)).toEqual([a.channelKey]);
      const lenient = await getAttention(t.db, { now, minDecided: 1, threshold: 0.5 });
      expect(lenient.filter((i) => i.kind === "low_delivery_rate")).toEqual([]);
      // The default needs 20 decided messages: neither channel has them.
      expect((await getAttention(t.db, { now })).filter((i) => i.kind === "low_delivery_rate")).toEqual([]);
    });

    it("reads connection states and the balance from fresh live snapshots, and passes over odd ones", async () => {
      try {
        await t.db.execute(sql`insert into channel_live_stats (process_id, channel_id, snapshot, updated_at) values
          ('p1', ${a.id}::uuid, ${JSON.stringify({ connections: [{ state: "up" }, { state: "down" }] })}::jsonb, ${at("12:29:50").toISOString()}::timestamptz),
          ('p2', ${a.id}::uuid, ${JSON.stringify({ connections: [{ state: "refused" }, null, { state: 7 }], balance: "x" })}::jsonb, ${at("12:29:55").toISOString()}::timestamptz),
          ('p1', ${b.id}::uuid, ${JSON.stringify({ balance: 12 })}::jsonb, ${at("12:29:58").toISOString()}::timestamptz),
          ('old', ${b.id}::uuid, ${JSON.stringify({ connections: [{ state: "down" }] })}::jsonb, ${at("12:00:00").toISOString()}::timestamptz)`);
        const items = (await getAttention(t.db, { now })).filter((i) => ["gateway_down", "login_refused", "balance_low"].includes(i.kind));
        expect(items).toHaveLength(3);
        expect(items).toEqual(
          expect.arrayContaining([
            { kind: "login_refused", channelKey: a.channelKey, channelName: a.channelKey, providerId: "china_mobile", connectionsAffected: 1, connectionsTotal: 3 },
            { kind: "gateway_down", channelKey: a.channelKey, channelName: a.channelKey, providerId: "china_mobile", connectionsAffected: 1, connectionsTotal: 3 },
            { kind: "balance_low", channelKey: b.channelKey, channelName: b.channelKey, providerId: "jsms", balance: 12 },
          ]),
        );
        expect((await getAttention(t.db, { now, balanceThreshold: 10 })).some((i) => i.kind === "balance_low")).toBe(false);
      } finally {
        await t.db.execute(sql`delete from channel_live_stats`);
      }
    });
  });

  it("gives as an unclassified code's example a message that has the code now, even after the counter's example changed its code that has the code now, even after the counter's example changed its code", async () => {
    const channel = await insertTestChannel(t.db, "cmpp", { provider: "other" });
    const sendId = await insertTestSend(t.db, channel.id);
    const ids = (
      await executeRows<{ id: string }>(
        t.db,
        sql`insert into messages (send_id, channel_id, phone, status, error_code)
            select ${sendId}::uuid, ${channel.id}::uuid, '1390000000' || i, 'failed', 'QQ:1' from generate_series(1, 3) i returning id::text as id`,
      )
    ).map((r) => r.id).sort((x, y) => Number(BigInt(x) - BigInt(y)));
    // The newest one's code is corrected afterwards: the counter still names it as the example.
    await t.db.execute(sql`update messages set error_code = 'QQ:2' where id = ${ids[2]!}::bigint`);
    const loss = await getLoss(t.db, { sendId });
    const item = loss.unclassified.find((u) => u.code === "QQ:1");
    expect(item).toEqual({ code: "QQ:1", count: 2, exampleMessageId: ids[1], providerId: "other", channelKey: channel.channelKey });
    const ranged = await getLoss(t.db, { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });
    expect(ranged.unclassified.find((u) => u.code === "QQ:1")?.exampleMessageId).toBe(ids[1]);
    expect(ranged.unclassified.find((u) => u.code === "QQ:2")).toMatchObject({ count: 1, exampleMessageId: ids[2] });
  });
});
