import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { keepLeaseAlive, leaseFor, leaseLapsed, renewLease, whileLeased, type LeasedTable } from "./lease";
import { imports } from "./schema";
import { describeEachDb } from "./test-databases";

const leased: LeasedTable = { table: imports, id: imports.id, owner: imports.leaseOwner, until: imports.leaseUntil, held: eq(imports.status, "running") };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDb("leases", (t) => {
  async function leasedRow(owner: string, ms: number) {
    const [row] = await t.db
      .insert(imports)
      .values({ fileName: "x.csv", fileKind: "csv", filePath: "/nowhere/x.csv", fileSize: 1, createdBy: "test", status: "running", leaseOwner: owner, leaseUntil: leaseFor(ms) })
      .returning();
    return row!;
  }
  const lapsed = async (id: string) =>
    (await t.db.select({ id: imports.id }).from(imports).where(sql`${eq(imports.id, id)} and ${leaseLapsed(leased)}`)).length > 0;
  const leaseUntil = async (id: string) => (await t.db.select().from(imports).where(eq(imports.id, id)))[0]!.leaseUntil!.getTime();

  it("keeps a lease from running out while its holder is busy elsewhere, renewing it on a timer", async () => {
    const row = await leasedRow("runner-a", 600);
    const keeper = keepLeaseAlive(t.db, leased, { id: row.id, owner: "runner-a", ms: 600, onLost: () => {} });
    try {
      for (let i = 0; i < 8; i++) {
        await sleep(200);
        expect(await lapsed(row.id)).toBe(false);
      }
      expect(await leaseUntil(row.id)).toBeGreaterThan(row.leaseUntil!.getTime() + 1000);
    } finally {
      await keeper.stop();
    }
    await sleep(800);
    expect(await lapsed(row.id)).toBe(true);
  });

  it("reports a lease lost once another owner holds it, and renews it no more", async () => {
    const row = await leasedRow("runner-a", 300);
    let lost = 0;
    const keeper = keepLeaseAlive(t.db, leased, { id: row.id, owner: "runner-a", ms: 300, onLost: () => lost++ });
    await t.db.update(imports).set({ leaseOwner: "runner-b", leaseUntil: leaseFor(60_000) }).where(eq(imports.id, row.id));
    const takenOver = await leaseUntil(row.id);
    await sleep(500);
    expect(lost).toBe(1);
    expect(await leaseUntil(row.id)).toBe(takenOver);
    await keeper.stop();
  });

  it("matches no write of a holder that lost the lease, or of a row no longer running", async () => {
    const row = await leasedRow("runner-a", 60_000);
    expect(await renewLease(t.db, leased, row.id, "runner-a", 60_000)).toBe(true);
    expect(await renewLease(t.db, leased, row.id, "runner-b", 60_000)).toBe(false);
    await t.db.update(imports).set({ leaseOwner: "runner-b" }).where(eq(imports.id, row.id));
    const written = await t.db.update(imports).set({ processedRows: 5 }).where(whileLeased(leased, row.id, "runner-a")).returning();
    expect(written).toEqual([]);
    await t.db.update(imports).set({ status: "done" }).where(eq(imports.id, row.id));
    expect(await renewLease(t.db, leased, row.id, "runner-b", 60_000)).toBe(false);
  });
});
