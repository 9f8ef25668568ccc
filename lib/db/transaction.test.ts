import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { executeRows } from "./client";
import { describeEachDb } from "./test-databases";
import { inTransaction } from "./transaction";

describeEachDb("a transaction aborted for a deadlock", (t) => {
  // The embedded database has one connection: two transactions never overlap there.
  it.skipIf(t.kind === "pglite")("is run again, and both transactions' writes are kept once", async () => {
    await t.db.execute(sql`create table deadlock_pair (id integer primary key, n integer not null)`);
    await t.db.execute(sql`insert into deadlock_pair values (1, 0), (2, 0)`);
    let runs = 0;
    let arrived = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
    // Each locks one row, waits until the other holds the other row, then wants it: a deadlock.
    const crosswise = (first: number, second: number) =>
      inTransaction(t.db, async (tx) => {
        runs += 1;
        await tx.execute(sql`update deadlock_pair set n = n + 1 where id = ${first}`);
        if (++arrived === 2) release();
        await bothHoldOne;
        await tx.execute(sql`update deadlock_pair set n = n + 10 where id = ${second}`);
      });
    await Promise.all([crosswise(1, 2), crosswise(2, 1)]);
    expect(runs).toBe(3);
    const rows = await executeRows<{ id: number; n: number }>(t.db, sql`select id, n from deadlock_pair order by id`);
    expect(rows).toEqual([{ id: 1, n: 11 }, { id: 2, n: 11 }]);
  });

  it("passes any other error on at once", async () => {
    let runs = 0;
    await expect(
      inTransaction(t.db, async (tx) => {
        runs += 1;
        await tx.execute(sql`select 1 / 0`);
      }),
    ).rejects.toThrow();
    expect(runs).toBe(1);
  });
});
