import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channels, importIssues, imports } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { getContact } from "./contact-queries";
import { getImport, requestImportCancel } from "./import-service";
import { claimNextImport, importLimits, runImport } from "./import-runner";
import { queueImportFile } from "./testing/queue-import";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-runner-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeEachDb("import runner", (t) => {
  const actor = SYSTEM_ACTOR("test");

  const queue = (name: string, content: string, options: { dryRun?: boolean } = {}) => queueImportFile(t.db, dir, name, content, options);

  async function runNext() {
    const job = await claimNextImport(t.db);
    expect(job).not.toBeNull();
    await runImport(t.db, job!, importLimits(t.kind));
    return getImport(t.db, job!.id);
  }

  it("imports good rows, reports bad ones by row and column, and removes the upload", async () => {
    await t.db.insert(channels).values({ channelKey: "k1", name: `k1-${t.kind}`, type: "jsms", config: {}, sealedSecrets: "v1.x" });
    const created = await queue("users.csv", ["userid,phone,phone:k1", "alice,+86 13800138000,13900139000", "bob,12345,", ",13700137000,", "carol,,13600136000"].join("\n"));
    const done = await runNext();
    expect(done).toMatchObject({ status: "done", inserted: 2, updated: 0, failedRows: 2, processedRows: 4 });
    expect(await getContact(t.db, "alice")).toEqual({ userid: "alice", phones: { all: "13800138000", k1: "13900139000" } });
    expect(await getContact(t.db, "carol")).toEqual({ userid: "carol", phones: { k1: "13600136000" } });
    const issues = await t.db.select().from(importIssues).where(eq(importIssues.importId, created.importId));
    expect(issues.map((i) => [i.rowNumber, i.value])).toEqual(expect.arrayContaining([[3, "12345"]]));
    expect(issues.some((i) => i.rowNumber === 4)).toBe(true);
    const [row] = await t.db.select().from(imports).where(eq(imports.id, created.importId));
    expect(fs.existsSync(row!.filePath)).toBe(false);
  });

  it("counts updates and unchanged rows on a second upload; a dry run writes nothing", async () => {
    await queue("again.csv", ["userid,phone", "alice,13800138000", "carol,13500135000", "dave,13400134000"].join("\n"), { dryRun: true });
    expect(await runNext()).toMatchObject({ status: "done", dryRun: true, inserted: 1, updated: 1, unchanged: 1 });
    await expect(getContact(t.db, "dave")).rejects.toMatchObject({ status: 404 });
    await queue("again.csv", ["userid,phone", "alice,13800138000", "carol,13500135000", "dave,13400134000"].join("\n"));
    expect(await runNext()).toMatchObject({ status: "done", inserted: 1, updated: 1, unchanged: 1 });
    expect((await getContact(t.db, "carol")).phones).toEqual({ all: "13500135000", k1: "13600136000" });
  });

  it("stops at a header naming an unknown channel, before any row, listing the keys that exist", async () => {
    await queue("bad-header.csv", ["userid,phone:nope", "erin,13800138000"].join("\n"));
    const failed = await runNext();
    expect(failed.status).toBe("failed");
    expect(failed.errorCode).toBe("unknown_channel");
    expect(failed.error).toContain("k1");
    await expect(getContact(t.db, "erin")).rejects.toMatchObject({ status: 404 });
  });

  it("refuses a file with more rows than the limit before writing any", async () => {
    await queue("big.csv", ["userid,phone", ...Array.from({ length: 12 }, (_, i) => `big${i},1380013800${i % 10}`)].join("\n"));
    const job = await claimNextImport(t.db);
    await runImport(t.db, job!, { ...importLimits(t.kind), maxRows: 10 });
    const failed = await getImport(t.db, job!.id);
    expect(failed).toMatchObject({ status: "failed", errorCode: "too_many_rows", inserted: 0 });
    await expect(getContact(t.db, "big0")).rejects.toMatchObject({ status: 404 });
  });

  it("stops a running import after the batches already being written when cancelled", async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => `run${i},1${String(3800000000 + i)}`);
    const queued = await queue("long.csv", ["userid,phone", ...rows].join("\n"));
    const job = await claimNextImport(t.db);
    await requestImportCancel(t.db, actor, queued.importId);
    await runImport(t.db, job!, importLimits(t.kind));
    const cancelled = await getImport(t.db, queued.importId);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.processedRows).toBeGreaterThan(0);
    expect(cancelled.processedRows).toBeLessThan(40_000);
    expect(cancelled.inserted).toBe(cancelled.processedRows);
    await expect(getContact(t.db, "run39999")).rejects.toMatchObject({ status: 404 });
  });

  it("reports done, not cancelled, when the whole file was already read and written", async () => {
    const queued = await queue("short.csv", "userid,phone\nlate1,13800138001\nlate2,13800138002");
    const job = await claimNextImport(t.db);
    await requestImportCancel(t.db, actor, queued.importId);
    await runImport(t.db, job!, importLimits(t.kind));
    expect(await getImport(t.db, queued.importId)).toMatchObject({ status: "done", inserted: 2 });
  });

  it("cancels a queued import at once", async () => {
    const queued = await queue("cancel.csv", "userid,phone\nfrank,13800138000");
    expect((await requestImportCancel(t.db, actor, queued.importId)).status).toBe("cancelled");
    expect(await claimNextImport(t.db)).toBeNull();
    await expect(requestImportCancel(t.db, actor, queued.importId)).rejects.toMatchObject({ status: 409 });
  });

  const importRow = async (importId: string) => (await t.db.select().from(imports).where(eq(imports.id, importId)))[0]!;
  const issueCount = async (importId: string) => (await t.db.select().from(importIssues).where(eq(importIssues.importId, importId))).length;
  async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
    for (const start = Date.now(); !(await condition()); await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    }
  }

  it("a runner whose lease was taken over stops at its next write: only the new runner's counts end in the row", async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => (i % 1000 === 7 ? `race${i},12345` : `race${i},1${String(3700000000 + i)}`));
    const queued = await queue("taken-over.csv", ["userid,phone", ...rows].join("\n"));
    const limits = importLimits(t.kind);
    const a = await claimNextImport(t.db, { owner: "runner-a" });
    // A long lease, so A's renewal timer cannot fire between the forced expiry below and B's claim.
    const runningA = runImport(t.db, a!, limits, { leaseMs: 10 * 60_000 });
    // On PostgreSQL runner A is taken over mid-run, after it stored counts and issues. The
    // embedded database runs A's statements back to back on this thread, leaving the test no turn
    // until A is done, so there A is taken over before its first write.
    const midRun = t.kind === "postgres";
    if (midRun) await until(async () => (await importRow(queued.importId)).processedRows > 0, "runner A's first batch");
    // Runner A looks dead to the others (its lease has run out) though it is still working.
    await t.db.update(imports).set({ leaseUntil: sql`now() - interval '1 second'` }).where(eq(imports.id, queued.importId));
    // B polls as a runner does: a claim skips the row (SKIP LOCKED) while A's write holds it.
    let b: Awaited<ReturnType<typeof claimNextImport>> = null;
    await until(async () => (b = await claimNextImport(t.db, { owner: "runner-b" })) !== null, "runner B's claim");
    expect(b!.id).toBe(queued.importId);

    await runningA;
    const afterA = await importRow(queued.importId);
    expect(afterA).toMatchObject({ status: "running", leaseOwner: "runner-b", processedRows: 0, inserted: 0, unchanged: 0, failedRows: 0, finishedAt: null });
    expect(await issueCount(queued.importId)).toBe(0);
    expect(fs.existsSync(afterA.filePath)).toBe(true);

    await runImport(t.db, b!, limits);
    const done = await getImport(t.db, queued.importId);
    expect(done).toMatchObject({ status: "done", processedRows: 60_000, failedRows: 60 });
    expect(done.inserted + done.unchanged + done.updated).toBe(60_000 - 60);
    if (midRun) expect(done.unchanged).toBeGreaterThan(0); // what A wrote before it stopped, B found in place
    expect(await issueCount(queued.importId)).toBe(60);
  });

  // A slow batch needs a second connection holding the contacts tables; the embedded database has
  // one connection and one process, so no other runner could take its import over anyway.
  it.skipIf(t.kind === "pglite")("renews the lease on a timer while a slow batch is written, so no other runner can claim it", async () => {
    const leaseMs = 1000;
    const rows = Array.from({ length: 12_000 }, (_, i) => `slow${i},1${String(3600000000 + i)}`);
    const queued = await queue("slow.csv", ["userid,phone", ...rows].join("\n"));
    let release: () => void = () => {};
    let locked: () => void = () => {};
    const lockTaken = new Promise<void>((r) => (locked = r));
    const holding = t.db.transaction(async (tx) => {
      await tx.execute(sql`lock table contacts, contact_phones in exclusive mode`);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await lockTaken;

    const a = await claimNextImport(t.db, { owner: "runner-a", leaseMs });
    const running = runImport(t.db, a!, { ...importLimits(t.kind), writeLanes: 1 }, { leaseMs });
    const firstLease = a!.leaseUntil!.getTime();
    for (const start = Date.now(); Date.now() - start < 3 * leaseMs; await new Promise((r) => setTimeout(r, leaseMs / 5))) {
      expect(await claimNextImport(t.db, { owner: "runner-b", leaseMs })).toBeNull();
    }
    const renewed = await importRow(queued.importId);
    expect(renewed).toMatchObject({ status: "running", leaseOwner: "runner-a", processedRows: 0 });
    expect(renewed.leaseUntil!.getTime()).toBeGreaterThan(firstLease + 2 * leaseMs);

    release();
    await holding;
    await running;
    expect(await getImport(t.db, queued.importId)).toMatchObject({ status: "done", processedRows: 12_000, inserted: 12_000 });
  });

  it("a cancel racing a claim never removes the file of an import that runs", async () => {
    for (let i = 0; i < 30; i++) {
      const queued = await queue(`race-${i}.csv`, `userid,phone\ncancel${i},13800138000`);
      // Each round starts one of the two a few ticks after the other, so that over the rounds
      // every interleaving of their statements comes up.
      const ticks = async (n: number) => {
        for (let k = 0; k < n; k++) await Promise.resolve();
      };
      const [claimed] = await Promise.all([
        ticks(i % 2 === 0 ? i % 7 : 0).then(() => claimNextImport(t.db, { owner: "runner" })),
        ticks(i % 2 === 1 ? i % 7 : 0).then(() => requestImportCancel(t.db, actor, queued.importId)),
      ]);
      const row = await importRow(queued.importId);
      if (claimed) {
        expect(claimed.id).toBe(queued.importId);
        expect(row).toMatchObject({ status: "running", cancelRequested: true });
        expect(fs.existsSync(row.filePath)).toBe(true);
        // Out of the way of the next round's claim, without running it.
        await t.db.update(imports).set({ status: "cancelled", leaseUntil: null }).where(eq(imports.id, queued.importId));
      } else {
        expect(row).toMatchObject({ status: "cancelled", cancelRequested: true });
        expect(fs.existsSync(row.filePath)).toBe(false);
      }
    }
  });
});
