import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import ExcelJS from "exceljs";
import { afterAll, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { importIssues, imports } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { claimNextImport, importLimits, runImport } from "./import-runner";
import { queueImportFile } from "./testing/queue-import";
import { getImport, listImports } from "./import-service";
import { errorReportWorkbook } from "./spreadsheets";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-reasons-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function reportRows(stream: Readable): Promise<string[][]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
  const rows: string[][] = [];
  workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map(String)));
  return rows;
}

describeEachDb("import reasons in the operator's language", (t) => {
  const actor = SYSTEM_ACTOR("test");

  async function importFile(name: string, content: string) {
    await queueImportFile(t.db, dir, name, content);
    const job = await claimNextImport(t.db);
    await runImport(t.db, job!, importLimits(t.kind));
    return getImport(t.db, job!.id);
  }

  it("stores a failed import's key and values beside its English, and the view answers them", async () => {
    const failed = await importFile("users.xlsx", "userid,phone\nalice,13800138000\n");
    expect(failed).toMatchObject({
      status: "failed",
      errorCode: "not_xlsx",
      error: expect.stringMatching(/^This file is text \(it looks like a CSV file\)/),
      errorKey: "importErrors.notXlsx.text",
      errorParams: {},
      processedRows: 0,
    });
    expect(failed.errorDetails).toBeUndefined();
    const [row] = await t.db.select().from(imports).where(eq(imports.id, failed.importId));
    expect(row).toMatchObject({ errorKey: "importErrors.notXlsx.text", errorParams: {} });
  });

  it("stores a refused header's problems one by one, with their keys, in the view and the history", async () => {
    const failed = await importFile("header.csv", "userid,phnoe\nalice,13800138000\n");
    expect(failed).toMatchObject({
      errorCode: "bad_header",
      errorKey: "importErrors.header.refused",
      errorParams: { channels: { key: "importErrors.header.noChannels" } },
      errorDetails: [
        { column: "phnoe", message: 'Column B has the unknown header "phnoe".', key: "importErrors.headerProblem.unknown", params: { letter: "B", header: "phnoe" } },
      ],
    });
    const listed = (await listImports(t.db)).items.find((i) => i.importId === failed.importId);
    expect(listed).toMatchObject({ errorKey: failed.errorKey, errorDetails: failed.errorDetails });
  });

  it("writes the error report in the downloader's language, the stored English where a row has no key", async () => {
    const done = await importFile("phones.csv", "userid,phone\nalice,12345\nbob,13800138000\nbob,13900139000\n");
    expect(done).toMatchObject({ status: "done", failedRows: 1, warnings: 1 });
    const stored = await t.db.select().from(importIssues).where(eq(importIssues.importId, done.importId)).orderBy(importIssues.id);
    expect(stored.map((i) => [i.reasonKey, i.reasonParams])).toEqual([
      ["importErrors.phone.notMainland", { given: "12345" }],
      ["importErrors.row.duplicateUserid", { earlier: 3, later: 4 }],
    ]);
    // A row from before reasons had keys: only its English was stored.
    await t.db.insert(importIssues).values({ importId: done.importId, rowNumber: 9, column: "phone", value: "x", reason: "An old English reason.", severity: "error" });

    const zh = await reportRows(await errorReportWorkbook(t.db, actor, done.importId, "zh-CN"));
    expect(zh[0]).toEqual(["行号", "列", "值", "原因", "级别"]);
    expect(zh.slice(1)).toEqual([
      ["2", "phone", "12345", "“12345”不是中国大陆手机号（以 13–19 开头的 11 位数字）；国际号码请写成 + 加国家代码的形式。", "错误"],
      ["3", "userid", "bob", "第 3 行和第 4 行的 userid 相同；两行都按文件顺序写入，同一列都有号码时以第 4 行为准。", "警告"],
      ["9", "phone", "x", "An old English reason.", "错误"],
    ]);

    // In English the report reads as it always did: the stored sentences, the same headers.
    const english = await reportRows(await errorReportWorkbook(t.db, actor, done.importId, "en"));
    expect(english[0]).toEqual(["row", "column", "value", "reason", "severity"]);
    expect(english.slice(1).map((r) => [r[3], r[4]])).toEqual([...stored.map((i) => [i.reason, i.severity]), ["An old English reason.", "error"]]);
  });

  it("leaves an import from before keys were stored with its English only", async () => {
    const [old] = await t.db
      .insert(imports)
      .values({ fileName: "old.csv", fileKind: "csv", filePath: "/nowhere", fileSize: 1, createdBy: "test", status: "failed", errorCode: "not_csv", error: "Old English." })
      .returning();
    const view = await getImport(t.db, old!.id);
    expect(view).toMatchObject({ errorCode: "not_csv", error: "Old English." });
    expect(view).not.toHaveProperty("errorKey");
    expect(view).not.toHaveProperty("errorParams");
  });
});
