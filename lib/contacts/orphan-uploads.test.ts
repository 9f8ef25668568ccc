import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { imports } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { ORPHAN_MIN_AGE_MS, removeOrphanUploads } from "./orphan-uploads";
import { uploadsDir } from "./upload";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "orphan-uploads-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describeEachDb("orphan uploads", (t) => {
  const dir = path.join(dataDir, t.kind);

  function upload(name: string, ageMs: number) {
    fs.mkdirSync(uploadsDir(dir), { recursive: true });
    const filePath = path.join(uploadsDir(dir), name);
    fs.writeFileSync(filePath, "userid,phone\n");
    const at = new Date(Date.now() - ageMs);
    fs.utimesSync(filePath, at, at);
    return filePath;
  }

  async function importWith(status: "queued" | "running" | "done" | "failed" | "cancelled", ageMs: number) {
    const id = crypto.randomUUID();
    const filePath = upload(`${id}.csv`, ageMs);
    await t.db.insert(imports).values({ id, status, fileName: "users.csv", fileKind: "csv", filePath, fileSize: 13, createdBy: "test" });
    return filePath;
  }

  it("finds nothing to do before the first upload", async () => {
    expect(await removeOrphanUploads(t.db, dir)).toBe(0);
  });

  it("removes files no queued or running import owns, and keeps uploads still arriving", async () => {
    const old = ORPHAN_MIN_AGE_MS + 60_000;
    const queued = await importWith("queued", old);
    const running = await importWith("running", old);
    const done = await importWith("done", old);
    const failed = await importWith("failed", old);
    const neverQueued = upload(`${crypto.randomUUID()}.xlsx`, old);
    const arriving = upload(`${crypto.randomUUID()}.csv`, 1000);
    const notAnUpload = upload("README.txt", old);

    expect(await removeOrphanUploads(t.db, dir)).toBe(3);
    const left = (file: string) => fs.existsSync(file);
    expect([queued, running, arriving, notAnUpload].map(left)).toEqual([true, true, true, true]);
    expect([done, failed, neverQueued].map(left)).toEqual([false, false, false]);
  });
});
