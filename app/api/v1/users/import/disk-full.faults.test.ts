import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { readServerEnv } from "@/lib/config/env";
import { executeRows, openDatabase, runMigrations, type DatabaseHandle } from "@/lib/db/client";
import { claimNextImport, importLimits, runImport } from "@/lib/contacts/import-runner";
import { uploadsDir } from "@/lib/contacts/upload";
import en from "@/lib/i18n/messages/en.json";
import zhCN from "@/lib/i18n/messages/zh-CN.json";
import { apiRequest, basicAuth, segments } from "@/lib/api/route-test-kit";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { GET as getImportRoute } from "../../imports/[importId]/route";
import { POST } from "./route";

/**
 * DATA_DIR on a small file system that fills up: the embedded database lives there, and so do
 * uploads waiting for their import. Two ways to fill it: an upload larger than the room left, and
 * an upload that fits but whose import grows the database past it. In both the operator gets an
 * answer that says the disk is full (not a 500, not a request that never ends), nothing is left
 * half-done (no stray file, no import stuck "running"), and the database opens again afterwards
 * with everything written before it, ready for the same import once space is freed.
 */
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));
// The route wakes the process's import runner; here the test runs the import itself, as the runner would.
vi.mock("@/lib/server/lifecycle", () => ({ wakeImportRunner: () => {} }));

/** Mounting needs root (or CAP_SYS_ADMIN); elsewhere the suite is skipped, saying why. */
function mountRefusal(): string | null {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), "tmpfs-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe], { stdio: "pipe" });
    execFileSync("umount", [probe], { stdio: "pipe" });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0]! : String(error);
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}
const refusal = mountRefusal();

/** Room for the embedded database (about 40 MB once migrated, a 16 MB WAL segment of it), the first import, and the last one with a new WAL segment once space is freed. */
const FILE_SYSTEM_MB = 96;
/** What is left free before each filling upload: less than the large file, more than the small one. */
const LEFT_KB = 3_000;

const freeKb = (dir: string) => {
  const s = fs.statfsSync(dir);
  return Math.floor((s.bavail * s.bsize) / 1024);
};

function csv(rows: number, from: number): string {
  const lines = ["userid,phone"];
  for (let i = from; i < from + rows; i++) lines.push(`u${i},139${String(i).padStart(8, "0")}`);
  return lines.join("\n") + "\n";
}

function upload(credentials: Record<string, string>, content: string) {
  const form = new FormData();
  form.append("file", new Blob([content]), "users.csv");
  return POST(apiRequest("/api/v1/users/import", { method: "POST", headers: credentials, body: form }), segments());
}

describe.skipIf(refusal !== null)(`DATA_DIR fills up during an upload or an import${refusal ? ` (skipped: cannot mount a tmpfs: ${refusal})` : ""}`, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "full-data-dir-"));
  const filler = path.join(dataDir, "filler");
  let handle: DatabaseHandle;
  let operator: Record<string, string>;

  async function open(): Promise<void> {
    handle = await openDatabase({ dataDir });
    await runMigrations(handle);
    const runtime: Runtime = {
      env: readServerEnv({ NODE_ENV: "test", DATA_DIR: dataDir, APP_SECRET: "disk-full-test-secret-0123456789abcdef" }),
      handle,
      db: handle.db,
      sealKey: Buffer.alloc(32, 3),
      sessionSecret: "disk-full-test-session-secret",
    };
    vi.mocked(getRuntime).mockResolvedValue(runtime);
  }

  /** Leaves `kb` free: a file of zeros takes the rest (tmpfs stores them). */
  function fillLeaving(kb: number): void {
    fs.rmSync(filler, { force: true });
    const take = freeKb(dataDir) - kb;
    if (take > 0) fs.writeFileSync(filler, Buffer.alloc(take * 1024));
  }

  /** Runs the queued import as the process's runner would, and answers what the REST API says of it. */
  async function runQueuedImport(importId: string): Promise<Record<string, unknown>> {
    const job = await claimNextImport(handle.db);
    expect(job?.id).toBe(importId);
    await runImport(handle.db, job!, importLimits("pglite"));
    const response = await getImportRoute(apiRequest(`/api/v1/imports/${importId}`, { headers: operator }), segments({ importId }));
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  const contactCount = async () => (await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from contacts`))[0]!.n;
  const uploadsLeft = () => (fs.existsSync(uploadsDir(dataDir)) ? fs.readdirSync(uploadsDir(dataDir)) : []);

  beforeAll(async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${FILE_SYSTEM_MB}m`, "tmpfs", dataDir]);
    await open();
    operator = basicAuth((await createApiKey(handle.db, SYSTEM_ACTOR("test"), { name: "disk full", role: "operator" })).credentials);
  });
  afterAll(async () => {
    await handle?.close().catch(() => {});
    // Lazy: a file still open somewhere must not leave the mount behind.
    execFileSync("umount", ["-l", dataDir]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let earlierImport = "";
  it("imports a first file while there is room", async () => {
    const response = await upload(operator, csv(1_000, 0));
    expect(response.status).toBe(202);
    earlierImport = ((await response.json()) as { importId: string }).importId;
    expect(await runQueuedImport(earlierImport)).toMatchObject({ status: "done", inserted: 1_000 });
    expect(await contactCount()).toBe(1_000);
  });

  it("answers an upload larger than the room left with 507 storage_full at once, and keeps nothing of it", async () => {
    fillLeaving(LEFT_KB);
    const before = await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from imports`);
    const started = Date.now();
    // 5 MB into 3 MB: the write fails part-way. Before, the request never got an answer.
    const response = await Promise.race([
      upload(operator, csv(200_000, 10_000)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the upload got no answer in 60 s")), 60_000)),
    ]);
    console.log(`[disk full] upload refused after ${Date.now() - started} ms`);
    expect(response.status).toBe(507);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: "storage_full", messageKey: "importErrors.upload.storageFull", message: expect.stringContaining("disk is full") });
    // The operator reads it in either language.
    expect(en.importErrors.upload.storageFull).toBe(body.error.message);
    expect(zhCN.importErrors.upload.storageFull).toMatch(/磁盘已满/);
    // The partial file is gone (the space is free again) and no import was queued.
    expect(uploadsLeft()).toEqual([]);
    expect(await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from imports`)).toEqual(before);
    expect(freeKb(dataDir)).toBeGreaterThan(LEFT_KB - 200);
  });

  let failedImport = "";
  it("marks an import whose writes fill the disk failed with storage_full, not stuck running, and removes its file", async () => {
    fillLeaving(LEFT_KB);
    // 1.1 MB fits; its 60,000 contacts do not.
    const response = await upload(operator, csv(60_000, 300_000));
    expect(response.status).toBe(202);
    failedImport = ((await response.json()) as { importId: string }).importId;
    const view = await runQueuedImport(failedImport);
    console.log(`[disk full] import over a full disk: ${JSON.stringify({ status: view.status, processedRows: view.processedRows, inserted: view.inserted, errorCode: view.errorCode })}`);
    expect(view).toMatchObject({ status: "failed", errorCode: "storage_full", errorKey: "importErrors.run.storageFull", error: en.importErrors.run.storageFull });
    expect(zhCN.importErrors.run.storageFull).toMatch(/磁盘已满/);
    expect(Number(view.inserted)).toBeLessThan(60_000);
    expect(uploadsLeft()).toEqual([]);
  });

  it("opens the database again with everything written before, and imports the file once space is freed", async () => {
    await handle.close();
    fs.rmSync(filler, { force: true });
    await open();
    const rows = await executeRows<{ id: string; status: string }>(handle.db, sql`select id::text as id, status from imports order by created_at`);
    expect(rows).toEqual([
      { id: earlierImport, status: "done" },
      { id: failedImport, status: "failed" },
    ]);
    const [earlier] = await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from contacts where userid between 'u0' and 'u999' and length(userid) <= 4`);
    expect(earlier!.n).toBe(1_000);
    // The same file again, with room: every row is there (the rows the failed run wrote are unchanged now).
    const response = await upload(operator, csv(60_000, 300_000));
    expect(response.status).toBe(202);
    const { importId } = (await response.json()) as { importId: string };
    const view = await runQueuedImport(importId);
    expect(view).toMatchObject({ status: "done", failedRows: 0 });
    expect(Number(view.inserted) + Number(view.unchanged) + Number(view.updated)).toBe(60_000);
    expect(await contactCount()).toBe(61_000);
  });
});
