import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { beforeAll, expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import type { MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { listMessagePage, type MessageListItem } from "@/lib/messages/list/message-list-query";
import { FIXTURE_START, HOUR, insertListFixture, type ListFixture } from "@/lib/messages/list/testing";
import { checkZip } from "@/lib/util/xlsx-stream/testing";
import { collectingStream, parseCsv } from "./testing";
import { ExportAbortedError, writeMessagesExport, type ExportProgress } from "./write-messages-export";

const HEADERS_EN = ["Message ID", "Send ID", "Channel", "User ID", "Phone", "State", "Error code", "Failure category", "Provider message ID", "SMS parts", "Created (UTC)", "Updated (UTC)"];

/** A list item as the export's cells, in the export's column order. */
function cells(m: MessageListItem): (string | number | null)[] {
  return [m.id, m.sendId, m.channelKey, m.userid, m.phone, m.status, m.errorCode, m.errorCategory, m.providerMessageId, m.segments, m.createdAt, m.updatedAt];
}

/** A cell as the CSV writer guards it: a text that could start a formula gets an apostrophe. */
const asCsv = (value: string | number | null) => (value === null ? "" : typeof value === "string" && /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d+$/.test(value) ? `'${value}` : String(value));

describeEachDb("the message export", (t) => {
  let f: ListFixture;
  const at = (hours: number) => new Date(FIXTURE_START + hours * HOUR).toISOString();
  const listed = async (filter: MessageListFilter) => (await listMessagePage(t.db, filter, { limit: 500 })).items;

  beforeAll(async () => {
    f = await insertListFixture(t.db);
  });

  const filters = (): [string, MessageListFilter][] => [
    ["everything", {}],
    ["failed", { status: ["failed"] }],
    ["a category", { category: "invalid_number" }],
    ["a channel and a time range", { channelKey: f.channels.b.channelKey, from: at(4), to: at(6) }],
    ["states and a phone prefix", { status: ["failed", "queued"], phone: "138*" }],
    ["a code on a provider", { provider: "china_mobile", code: "UNDELIV" }],
    ["nothing", { channelKey: "nosuchchan" }],
  ];

  it("holds exactly the filtered list's rows as CSV, in batches, with a BOM, CRLF and the header in English", async () => {
    for (const [name, filter] of filters()) {
      const out = collectingStream();
      const progress: ExportProgress[] = [];
      const done = await writeMessagesExport(t.db, filter, "csv", out.stream, (p) => progress.push(p), { batchSize: 2 });
      const bytes = out.bytes();
      expect(bytes.subarray(0, 3).toString("hex"), name).toBe("efbbbf");
      const text = bytes.toString("utf8").slice(1);
      expect(text.endsWith("\r\n"), name).toBe(true);
      const [header, ...rows] = parseCsv(text);
      expect(header, name).toEqual(HEADERS_EN);
      const expected = (await listed(filter)).map((m) => cells(m).map(asCsv));
      expect(rows, name).toEqual(expected);
      expect(done, name).toEqual({ rows: expected.length, bytes: bytes.length });
      expect(progress.map((p) => p.rows), name).toEqual(expected.map((_, i) => i + 1).filter((n) => n % 2 === 0 || n === expected.length));
    }
  });

  it("quotes and guards what the cells hold", async () => {
    const out = collectingStream();
    await writeMessagesExport(t.db, { channelKey: f.channels.a.channelKey, status: ["failed", "queued"] }, "csv", out.stream);
    const text = out.bytes().toString("utf8");
    expect(text).toContain(`,"u7, ""the"" one",13800000010,failed,submit_result:8,rate_limited,`);
    expect(text).toContain(`,'=cmd|' /C calc'!A0,13800000009,queued,,,`);
    const other = collectingStream();
    await writeMessagesExport(t.db, { status: ["expired"] }, "csv", other.stream);
    expect(other.bytes().toString("utf8")).toContain(",u4,+447911123456,expired,,expired,");
  });

  it("writes the header in the requester's language, the columns in the same order", async () => {
    const out = collectingStream();
    await writeMessagesExport(t.db, { status: ["expired"] }, "csv", out.stream, undefined, { locale: "zh-CN" });
    const [header] = parseCsv(out.bytes().toString("utf8").slice(1));
    expect(header).toEqual(["消息 ID", "发送记录 ID", "通道", "用户 ID", "手机号", "状态", "错误码", "失败类别", "供应商消息 ID", "短信条数", "创建时间（UTC）", "更新时间（UTC）"]);
  });

  it("holds exactly the filtered list's rows as .xlsx, read back with exceljs", async () => {
    for (const [name, filter] of filters()) {
      const out = collectingStream();
      const done = await writeMessagesExport(t.db, filter, "xlsx", out.stream, undefined, { batchSize: 3, locale: "zh-CN" });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(out.bytes() as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet("消息");
      expect(sheet, name).toBeDefined();
      const read: unknown[][] = [];
      sheet!.eachRow({ includeEmpty: false }, (row) => {
        read.push(Array.from({ length: 12 }, (_, i) => row.getCell(i + 1).value ?? null));
      });
      const [header, ...rows] = read;
      expect(header![0], name).toBe("消息 ID");
      expect(rows, name).toEqual((await listed(filter)).map(cells));
      expect(done.rows, name).toBe(rows.length);
      expect(done.bytes, name).toBe(out.bytes().length);
      // A sound zip: every part's CRC and sizes agree across header, descriptor and directory.
      expect(checkZip(out.bytes()).entries.map((e) => e.name), name).toContain("xl/worksheets/sheet1.xml");
    }
  });

  it("keeps a cell that looks like a formula as text in .xlsx", async () => {
    const out = collectingStream();
    await writeMessagesExport(t.db, { userid: "=cmd|' /C calc'!A0" }, "xlsx", out.stream);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(out.bytes() as unknown as ArrayBuffer);
    const cell = workbook.worksheets[0]!.getRow(2).getCell(4);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe("=cmd|' /C calc'!A0");
  });

  for (const format of ["csv", "xlsx"] as const) {
    it(`waits for a stream that does not take more (${format}), and stops when it closes`, async () => {
      const pending: (() => void)[] = [];
      // Takes nothing until told: every write waits.
      const stuck = new Writable({ highWaterMark: 64, write: (_chunk, _encoding, callback) => void pending.push(callback) });
      let rows = 0;
      let settled = false;
      const running = writeMessagesExport(t.db, {}, format, stuck, (p) => (rows = p.rows), { batchSize: 1 });
      void running.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The file is not done while the stream takes nothing, and a CSV export has not even read on.
      expect(settled).toBe(false);
      if (format === "csv") expect(rows).toBeLessThanOrEqual(1);
      stuck.destroy();
      await expect(running).rejects.toBeInstanceOf(ExportAbortedError);
    });
  }

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    const slow = new Writable({ highWaterMark: 1, write: (_chunk, _encoding, callback) => void setTimeout(callback, 50) });
    const running = writeMessagesExport(t.db, {}, "csv", slow, undefined, { batchSize: 1, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(running).rejects.toBeInstanceOf(ExportAbortedError);
  });
});
