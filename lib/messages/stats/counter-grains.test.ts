import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { executeRows, type Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { applyTransitions } from "../message-state";
import { insertTestChannel, insertTestSend } from "../testing/fixtures";
import { counterDayZone } from "./counter-grains";
import { getLoss } from "./loss";
import { getOverview } from "./overview";
import { getSeries } from "./series";

/** The day rows as the triggers should keep them, from the messages themselves. */
async function dayTruth(db: Db) {
  return executeRows<{ bucket: string; status: string; code: string; n: number }>(
    db,
    sql`select to_char(date_trunc('day', created_at at time zone 'Asia/Shanghai'), 'YYYY-MM-DD') as bucket, status, coalesce(error_code, '') as code, count(*)::int as n
          from messages group by 1, 2, 3 order by 1, 2, 3`,
  );
}

async function dayRows(db: Db) {
  return executeRows<{ bucket: string; status: string; code: string; n: number }>(
    db,
    sql`select to_char(bucket at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as bucket, status, code, sum(n)::int as n
          from message_stats where grain = 'day' group by 1, 2, 3 having sum(n) <> 0 order by 1, 2, 3`,
  );
}

/** The proposed change (day-rows.sql), applied as a migration would: in one transaction. */
async function installDayRows(db: Db) {
  const text = fs.readFileSync(path.join(process.cwd(), "lib/messages/stats/day-rows.sql"), "utf8");
  await db.transaction(async (tx) => {
    for (const statement of text.split("--> statement-breakpoint")) await tx.execute(sql.raw(statement));
  });
}

describeEachDb("day rows of the counters, once the triggers keep them", (t) => {
  let channel: { id: string; channelKey: string };
  let sendId: string;

  beforeAll(async () => {
    channel = await insertTestChannel(t.db, "cmpp", { provider: "china_mobile" });
    sendId = await insertTestSend(t.db, channel.id);
    // Three Shanghai days: 1 January (until 16:00 UTC), 2 January, 3 January.
    await t.db.execute(sql`insert into messages (send_id, channel_id, phone, status, error_code, created_at)
      select ${sendId}::uuid, ${channel.id}::uuid, '1380000' || lpad(i::text, 4, '0'),
             (array['delivered', 'failed', 'submitted', 'expired'])[1 + i % 4], case i % 4 when 1 then 'QQ:' || (i % 3) when 3 then 'EXPIRED' end,
             timestamptz '2030-01-01T08:00:00Z' + i * interval '17 minutes'
        from generate_series(1, 400) i`);
  });

  it("are read when present, and every figure stays what the hour rows said", async () => {
    const ranges = [
      { from: new Date("2030-01-01T09:10:00Z"), to: new Date("2030-01-05T03:20:00Z") },
      { from: new Date("2029-12-31T16:00:00Z"), to: new Date("2030-01-03T16:00:00Z") },
    ];
    expect(await counterDayZone(t.db)).toBeUndefined();
    const before = [];
    for (const range of ranges) before.push([await getOverview(t.db, range), await getLoss(t.db, range), await getSeries(t.db, range)]);

    await installDayRows(t.db);
    expect(await dayRows(t.db)).toEqual(await dayTruth(t.db));
    // "No day rows" is believed for a minute, then looked at again.
    expect(await counterDayZone(t.db, Date.now() + 61_000)).toBe("Asia/Shanghai");
    for (const [i, range] of ranges.entries()) {
      expect([await getOverview(t.db, range), await getLoss(t.db, range), await getSeries(t.db, range)]).toEqual(before[i]);
    }

    // Later writes keep them: inserts and moves.
    const ids = (
      await executeRows<{ id: string }>(
        t.db,
        sql`insert into messages (send_id, channel_id, phone, status, created_at)
            select ${sendId}::uuid, ${channel.id}::uuid, '1390000' || lpad(i::text, 4, '0'), 'submitted', timestamptz '2030-01-02T20:00:00Z' + i * interval '1 hour'
              from generate_series(1, 6) i returning id::text as id`,
      )
    ).map((r) => r.id);
    await applyTransitions(t.db, ids.slice(0, 3).map((id) => ({ id, from: "submitted" as const, to: "failed" as const, error: { code: "QQ:9", category: "unknown" } })));
    expect(await dayRows(t.db)).toEqual(await dayTruth(t.db));
    const overview = await getOverview(t.db, ranges[1]!);
    expect(overview.totals.failed).toBe((before[1]![0] as { totals: { failed: number } }).totals.failed + 3);
  });
});
