import { PassThrough, Readable } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { responseBodyOf } from "./node-stream-body";

async function readAllBytes(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

describe("a Node stream as a response body", () => {
  it("hands over every byte, in order, waiting for a slow reader", async () => {
    const parts = Array.from({ length: 200 }, (_, i) => Buffer.alloc(10_000, i));
    const bytes = await readAllBytes(responseBodyOf(Readable.from(parts)));
    expect(bytes.equals(Buffer.concat(parts))).toBe(true);
  });

  it("stops the source quietly when the client goes away, while its writer keeps writing", async () => {
    const source = new PassThrough();
    const body = responseBodyOf(source);
    const reader = body.getReader();
    let writes = 0;
    const writer = setInterval(() => {
      if (source.destroyed) return;
      source.write(Buffer.alloc(64 * 1024, 1));
      writes++;
    }, 1);
    await reader.read();
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
    clearInterval(writer);
    // Destroyed at the cancel; a write after it fails on the stream, which the body absorbs: no uncaught error.
    expect(source.destroyed).toBe(true);
    expect(writes).toBeGreaterThan(0);
    source.write(Buffer.from("late"));
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("lets a workbook download be abandoned half way without an uncaught error", async () => {
    // As lib/contacts/spreadsheets.ts writes its workbooks: exceljs streaming into a PassThrough.
    const out = new PassThrough();
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const sheet = workbook.addWorksheet("users");
    for (let i = 0; i < 20_000; i++) sheet.addRow([`user${i}`, "13800138000"]).commit();
    sheet.commit();
    const committed = workbook.commit().then(
      () => "finished",
      () => "failed",
    );
    const reader = responseBodyOf(out).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    expect(["finished", "failed"]).toContain(await committed);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out.destroyed).toBe(true);
  });

  it("fails the body when the source fails before its end", async () => {
    const source = new PassThrough();
    const body = responseBodyOf(source);
    source.write("partial");
    setTimeout(() => source.destroy(new Error("disk gone")), 10);
    await expect(readAllBytes(body)).rejects.toThrow("disk gone");
  });
});
