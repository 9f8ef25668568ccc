import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "@/lib/util/errors";
import { parseAudienceFile, readAudienceFile } from "./audience-file";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audience-file-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function csvFile(content: string | Buffer): string {
  const file = path.join(dir, `f${n++}.csv`);
  fs.writeFileSync(file, content);
  return file;
}

async function xlsxFile(rows: (string | number)[][]): Promise<string> {
  const file = path.join(dir, `f${n++}.xlsx`);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("recipients");
  for (const row of rows) sheet.addRow(row);
  await workbook.xlsx.writeFile(file);
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe("an audience file", () => {
  it("reads phone numbers without a header as phones, normalised, refusing repeats", async () => {
    const file = csvFile("13800138000\n+86 139 0013 9000\n\n8613800138000\n");
    expect(await parseAudienceFile(file, "csv")).toEqual({
      kind: "phones",
      values: ["13800138000", "13900139000"],
      rejected: [
        {
          row: 4,
          value: "8613800138000",
          reason: "This number is in row 1 already; it gets one message.",
          reasonKey: "importErrors.audience.repeatedPhone",
          reasonParams: { first: 1 },
        },
      ],
      rejectedCount: 1,
    });
  });

  it("reads anything that is not all phones as userids", async () => {
    const file = csvFile("zhangsan\n13800138000\n李四\n");
    expect(await parseAudienceFile(file, "csv")).toMatchObject({ kind: "userids", values: ["zhangsan", "13800138000", "李四"], rejected: [] });
  });

  it("lets a header decide: phone refuses what is not a number, userid keeps numbers as userids", async () => {
    const phones = csvFile("phone\n13800138000\nzhangsan\n");
    expect(await parseAudienceFile(phones, "csv")).toMatchObject({
      kind: "phones",
      values: ["13800138000"],
      rejected: [{ row: 3, value: "zhangsan", reason: expect.stringContaining("is not a phone number") }],
    });
    const userids = csvFile("用户ID\n13800138000\n");
    expect(await parseAudienceFile(userids, "csv")).toMatchObject({ kind: "userids", values: ["13800138000"] });
  });

  it("decodes UTF-8 with a BOM and GBK, as Excel on Chinese Windows saves them", async () => {
    const bom = csvFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("userid\n张三\n", "utf8")]));
    expect((await parseAudienceFile(bom, "csv")).values).toEqual(["张三"]);
    const gbk = csvFile(iconv.encode("用户ID\r\n张三\r\n李四\r\n", "gbk"));
    expect(await parseAudienceFile(gbk, "csv")).toMatchObject({ kind: "userids", values: ["张三", "李四"] });
  });

  it("reads the first sheet of a workbook, numbers written out exactly", async () => {
    const file = await xlsxFile([["phone"], [13800138000], ["139 0013 9000"]]);
    expect(await parseAudienceFile(file, "xlsx")).toMatchObject({ kind: "phones", values: ["13800138000", "13900139000"] });
  });

  it("refuses a second column, a file with nothing in it, and more rows than allowed", async () => {
    const twoColumns = await refusal(parseAudienceFile(csvFile("userid,phone\nu1,13800138000\n"), "csv"));
    expect(twoColumns).toMatchObject({ status: 400, code: "too_many_columns", message: expect.stringContaining("row 1 has a value in column B") });
    expect(await refusal(parseAudienceFile(csvFile("userid\n\n"), "csv"))).toMatchObject({ status: 400, code: "empty_file" });
    expect(await refusal(parseAudienceFile(csvFile("a\nb\nc\n"), "csv", { maxRows: 2 }))).toMatchObject({ status: 400, code: "too_many_rows" });
    expect(await refusal(parseAudienceFile(await xlsxFile([["a"], ["b"], ["c"], ["d"]]), "xlsx", { maxRows: 2 }))).toMatchObject({ status: 400, code: "too_many_rows" });
    // A workbook named .csv is told apart by its bytes.
    expect(await refusal(parseAudienceFile(await xlsxFile([["a"]]), "csv"))).toMatchObject({ status: 400, code: "not_csv" });
  });

  it("refuses a userid that breaks the rule, with its row", async () => {
    const file = csvFile(`userid\nok\n${"x".repeat(65)}\n`);
    expect(await parseAudienceFile(file, "csv")).toMatchObject({ values: ["ok"], rejected: [{ row: 3, reason: expect.stringContaining("longer than 64") }], rejectedCount: 1 });
  });

  it("is received as a multipart upload, answered 413 past the size limit, and removed after reading", async () => {
    const dataDir = fs.mkdtempSync(path.join(dir, "data-"));
    const upload = (content: string, maxBytes?: number) => {
      const form = new FormData();
      form.append("file", new Blob([content], { type: "text/csv" }), "list.csv");
      return readAudienceFile(new Request("http://console.test/api/v1/messages/audience-file", { method: "POST", body: form }), { dataDir, maxBytes });
    };
    expect(await upload("13800138000\n")).toMatchObject({ kind: "phones", values: ["13800138000"] });
    expect(await refusal(upload("13800138000\n".repeat(100), 100))).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(fs.readdirSync(path.join(dataDir, "uploads"))).toEqual([]);
  });
});
