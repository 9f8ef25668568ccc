import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channels, importIssues, imports } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { getContact } from "./contact-queries";
import { createImport, getImport, requestImportCancel } from "./import-service";
import { claimNextImport, importLimits, runImport } from "./import-runner";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-runner-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeEachDb("import runner", (t) => {
  const actor = SYSTEM_ACTOR("test");

  async function queue(name: string, content: string, options: { dryRun?: boolean } = {}) {
    const filePath = path.join(dir, `${t.kind}-${Date.now()}-${name}`);
    fs.writeFileSync(filePath, content);
    return createImport(t.db, actor, {
      importId: crypto.randomUUID(),
      fileName: name,
      fileKind: name.endsWith(".csv") ? "csv" : "xlsx",
      filePath,
      fileSize: content.length,
      dryRun: options.dryRun ?? false,
    });
  }

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
});
