import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { receiveUpload } from "./upload";

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

const uploads = () => (fs.existsSync(path.join(dataDir, "uploads")) ? fs.readdirSync(path.join(dataDir, "uploads")) : []);

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
  });
});
