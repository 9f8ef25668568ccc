import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { imports } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { createImport } from "./import-service";
import { receiveUpload } from "./upload";
import { MAX_FILE_NAME_LENGTH } from "./upload-file-name";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "upload-test-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function multipart(fields: Record<string, string | { name: string; content: string | Buffer }>): Request {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string") form.append(key, value);
    else form.append(key, new Blob([typeof value.content === "string" ? value.content : new Uint8Array(value.content)]), value.name);
  }
  return new Request("http://console/api/v1/users/import", { method: "POST", body: form });
}

const uploads = () => (fs.existsSync(path.join(dataDir, "uploads")) ? fs.readdirSync(path.join(dataDir, "uploads")).sort() : []);

const URL_ = "http://console/api/v1/users/import";
const CSV = "userid,phone\na,13800138000\n";

/**
 * A file part written by hand: `filename*=UTF-8''…` (RFC 5987) is how a client can send any
 * character in a name, NUL and control characters included, which FormData would refuse to frame.
 */
function namedUpload(name: string, content = CSV): Request {
  const body =
    `--B\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${encodeURIComponent(name)}\r\n` +
    `Content-Type: text/csv\r\n\r\n${content}\r\n--B--\r\n`;
  return new Request(URL_, { method: "POST", body, headers: { "content-type": "multipart/form-data; boundary=B" } });
}

describe("receiveUpload", () => {
  it("streams the file to DATA_DIR/uploads and reads the dry-run flag", async () => {
    const received = await receiveUpload(multipart({ dryRun: "true", file: { name: "users.csv", content: "userid,phone\na,13800138000\n" } }), {
      dataDir,
      maxBytes: 1024,
    });
    expect(received).toMatchObject({ fileName: "users.csv", fileKind: "csv", dryRun: true, fileSize: 27 });
    expect(fs.readFileSync(received.filePath, "utf8")).toBe("userid,phone\na,13800138000\n");
  });

  it("refuses a file over the limit with 413 and keeps nothing of it", async () => {
    const before = uploads().length;
    await expect(
      receiveUpload(multipart({ file: { name: "big.csv", content: Buffer.alloc(5000, 65) } }), { dataDir, maxBytes: 1000 }),
    ).rejects.toMatchObject({ status: 413 });
    expect(uploads().length).toBe(before);
  });

  it("names what is wrong: another file type, no file, an empty file, not multipart", async () => {
    await expect(receiveUpload(multipart({ file: { name: "users.xls", content: "x" } }), { dataDir, maxBytes: 1000 })).rejects.toMatchObject({
      status: 400,
      code: "unsupported_file_type",
    });
    await expect(receiveUpload(multipart({ dryRun: "true" }), { dataDir, maxBytes: 1000 })).rejects.toMatchObject({ status: 400 });
    await expect(receiveUpload(multipart({ file: { name: "empty.csv", content: "" } }), { dataDir, maxBytes: 1000 })).rejects.toMatchObject({
      code: "empty_file",
    });
    const json = new Request("http://console/x", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    await expect(receiveUpload(json, { dataDir, maxBytes: 1000 })).rejects.toMatchObject({ status: 400 });
    const noBoundary = new Request(URL_, { method: "POST", body: "x", headers: { "content-type": "multipart/form-data" } });
    await expect(receiveUpload(noBoundary, { dataDir, maxBytes: 1000 })).rejects.toMatchObject({ status: 400 });
  });

  it("refuses a file in a field with an empty name as in the wrong field, and keeps nothing of it", async () => {
    const before = uploads();
    const body = `--B\r\nContent-Disposition: form-data; name=""; filename="users.csv"\r\nContent-Type: text/csv\r\n\r\n${CSV}\r\n--B--\r\n`;
    const request = new Request(URL_, { method: "POST", body, headers: { "content-type": "multipart/form-data; boundary=B" } });
    await expect(receiveUpload(request, { dataDir, maxBytes: 1000 })).rejects.toMatchObject({ status: 400, details: [{ path: "file", message: 'sent in ""' }] });
    expect(uploads()).toEqual(before);
  });

  it("answers 413 as soon as the file crosses the limit, without reading the rest of the body", async () => {
    const before = uploads();
    const maxBytes = 256 * 1024;
    const bodyBytes = 64 * 1024 * 1024;
    const head = Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    const filler = Buffer.alloc(16 * 1024, "9");
    let pulled = 0;
    let cancelled = false;
    // Produced only when pulled: the count says how much of the body the server asked for.
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const chunk = pulled === 0 ? head : pulled + filler.length < bodyBytes ? filler : Buffer.from("\r\n--B--\r\n");
          pulled += chunk.length;
          controller.enqueue(new Uint8Array(chunk));
          if (pulled >= bodyBytes) controller.close();
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const init = { method: "POST", body, duplex: "half", headers: { "content-type": "multipart/form-data; boundary=B" } };
    await expect(receiveUpload(new Request(URL_, init as RequestInit), { dataDir, maxBytes })).rejects.toMatchObject({
      status: 413,
      code: "payload_too_large",
      message: "The file is larger than the limit of 256 KB.",
    });
    expect(pulled).toBeGreaterThan(maxBytes);
    expect(pulled).toBeLessThan(maxBytes + 64 * 1024);
    expect(cancelled).toBe(true);
    expect(uploads()).toEqual(before);
  });

  it("drops a NUL from the file name instead of failing on it", async () => {
    const received = await receiveUpload(namedUpload("users\u0000.exe.csv"), { dataDir, maxBytes: 1024 });
    expect(received.fileName).toBe("users.exe.csv");
    expect(path.basename(received.filePath)).toBe(`${received.importId}.csv`);
  });

  it("cleans control characters and folders out of file names, keeps Chinese ones, caps their length", async () => {
    const shown = async (name: string) => (await receiveUpload(namedUpload(name), { dataDir, maxBytes: 1024 })).fileName;
    expect(await shown("用户名单 2024.csv")).toBe("用户名单 2024.csv");
    expect(await shown("a\tb\u0007\u007f\u0085.csv")).toBe("ab.csv");
    expect(await shown("users\u202Evsc.xlsx")).toBe("usersvsc.xlsx");
    expect(await shown("C:users.csv")).toBe("users.csv");
    expect(await shown("..\\..\\windows\\users.csv")).toBe("users.csv");
    expect(await shown("../../etc/users.csv")).toBe("users.csv");
    const long = await shown(`${"名".repeat(400)}.csv`);
    expect(Array.from(long)).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(long.endsWith("名.csv")).toBe(true);
    for (const file of uploads()) expect(file).toMatch(/^[0-9a-f-]{36}\.(csv|xlsx)$/);
  });

  it("refuses a file name with nothing usable in it, and keeps nothing of the file", async () => {
    const before = uploads();
    for (const name of ["\u0001\u0002\u0003", "../..", "\u200b\u202e"]) {
      await expect(receiveUpload(namedUpload(name), { dataDir, maxBytes: 1024 })).rejects.toMatchObject({ status: 400, code: "invalid_file_name" });
    }
    expect(uploads()).toEqual(before);
  });
});

describeEachDb("uploads queued as imports", (t) => {
  const actor = SYSTEM_ACTOR("test");

  it("queues a file whose name held a NUL under the cleaned name", async () => {
    const upload = await receiveUpload(namedUpload("名单\u0000.csv"), { dataDir, maxBytes: 1024 });
    const created = await createImport(t.db, actor, upload);
    const [row] = await t.db.select().from(imports).where(eq(imports.id, created.importId));
    expect(row).toMatchObject({ fileName: "名单.csv", status: "queued" });
    expect(fs.existsSync(row!.filePath)).toBe(true);
  });

  it("removes the uploaded file when its import cannot be recorded", async () => {
    const upload = await receiveUpload(namedUpload("users.csv"), { dataDir, maxBytes: 1024 });
    expect(fs.existsSync(upload.filePath)).toBe(true);
    // PostgreSQL text cannot hold NUL: the insert fails after the file was written.
    await expect(createImport(t.db, actor, { ...upload, fileName: "bad\u0000name.csv" })).rejects.toThrow();
    expect(fs.existsSync(upload.filePath)).toBe(false);
    expect(await t.db.select().from(imports).where(eq(imports.id, upload.importId))).toEqual([]);
  });
});
