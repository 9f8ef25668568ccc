import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { describeEachDb } from "@/lib/db/test-databases";
import { DomainError } from "@/lib/util/errors";
import { dictionaryCsv, dictionaryXlsx, readDictionaryFile } from "./dictionary-file";
import { resolveProviderForChannel } from "./provider-service";
import type { ReceiptCodeRow } from "./receipt-code-schema";
import { classifyCode, getProviderCodes, importProviderCodes, type ReceiptCodeView } from "./receipt-code-service";

const actor = SYSTEM_ACTOR("test");

async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

const rowsOf = (views: ReceiptCodeView[]): ReceiptCodeRow[] =>
  views.map(({ code, outcome, category, description, descriptionZh }) => ({ code, outcome, category, description, descriptionZh }));

const csv = (text: string) => Buffer.from(text, "utf8");

/** Codes a spreadsheet would mangle if written carelessly: a leading zero, a formula start, quotes, commas, line breaks. */
const TRICKY = [
  { code: "00138", outcome: "failed", category: "content_rejected", description: "No signature, \"quoted\", with a comma", descriptionZh: "没有签名，逗号,引号\"" },
  { code: "-1", outcome: "failed", category: "unknown", description: "=SUM(A1:A2) looks like a formula", descriptionZh: "第一行\n第二行" },
  { code: "LIMIT:DAY", outcome: "failed", category: "rate_limited", description: " ", descriptionZh: "@提及" },
] as const;

describeEachDb("receipt-code dictionary files round-trip", (t) => {
  async function sourceDictionary(): Promise<ReceiptCodeRow[]> {
    const source = await resolveProviderForChannel(t.db, `Round trip source ${t.kind}`);
    for (const row of TRICKY) await classifyCode(t.db, source, row, actor);
    const rows = rowsOf(await getProviderCodes(t.db, source));
    expect(rows.length).toBeGreaterThan(10);
    return rows;
  }

  for (const kind of ["xlsx", "csv"] as const) {
    it(`through .${kind}: exported, imported into another provider, the same dictionary`, async () => {
      const original = await sourceDictionary();
      const file = kind === "xlsx" ? await dictionaryXlsx(original) : dictionaryCsv(original);
      const target = await resolveProviderForChannel(t.db, `Round trip target ${kind} ${t.kind}`);
      const read = await readDictionaryFile(file, kind);
      const change = await importProviderCodes(t.db, target, read, { mode: "replace", fileName: `codes.${kind}` }, actor);
      expect(change.added + change.changed + change.unchanged).toBe(original.length);
      expect(rowsOf(await getProviderCodes(t.db, target))).toEqual(original);
      // A second import of the same file changes nothing.
      const again = await importProviderCodes(t.db, target, await readDictionaryFile(file, kind), { mode: "merge", fileName: `codes.${kind}` }, actor);
      expect(again).toEqual({ added: 0, changed: 0, removed: 0, unchanged: original.length });
    });
  }

  it("merge keeps the codes the file does not list; replace removes them", async () => {
    const target = await resolveProviderForChannel(t.db, `Merge target ${t.kind}`);
    const before = (await getProviderCodes(t.db, target)).length;
    const file = csv("code,outcome,category\nNEWCODE,failed,blacklisted\nDELIVRD,delivered,delivered\n");
    const merged = await importProviderCodes(t.db, target, await readDictionaryFile(file, "csv"), { mode: "merge", fileName: "a.csv" }, actor);
    expect(merged.added).toBe(1);
    expect((await getProviderCodes(t.db, target)).length).toBe(before + 1);
    const replaced = await importProviderCodes(t.db, target, await readDictionaryFile(file, "csv"), { mode: "replace", fileName: "a.csv" }, actor);
    expect(replaced.removed).toBe(before - 1);
    expect((await getProviderCodes(t.db, target)).map((c) => c.code)).toEqual(["DELIVRD", "NEWCODE"]);
  });
});

describe("reading a dictionary file", () => {
  it("writes CSV as UTF-8 with a BOM and guards cells that would start a formula", () => {
    const file = dictionaryCsv([{ code: "=X", outcome: "failed", category: "unknown", description: "a,b", descriptionZh: "中文" }]);
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.subarray(3).toString("utf8")).toBe("code,outcome,category,description_en,description_zh\r\n'=X,failed,unknown,\"a,b\",中文\r\n");
  });

  it("reads a GBK CSV with Chinese headers and values written as labels in either language", async () => {
    const text = "代码,结果,类别,英文描述,中文描述\r\nMK:0001,失败,号码无效,Empty number,空号\r\nDELIVRD,Delivered,delivered,,已送达\r\nACCEPTD,非最终状态,Other,,\r\n";
    const rows = await readDictionaryFile(iconv.encode(text, "gbk"), "csv");
    expect(rows).toEqual([
      { code: "MK:0001", outcome: "failed", category: "invalid_number", description: "Empty number", descriptionZh: "空号" },
      { code: "DELIVRD", outcome: "delivered", category: "delivered", description: "", descriptionZh: "已送达" },
      { code: "ACCEPTD", outcome: "pending", category: "unknown", description: "", descriptionZh: "" },
    ]);
  });

  it("reads codes Excel stored as numbers, and skips blank rows", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("codes");
    sheet.addRow(["code", "outcome", "category", "description_en"]);
    sheet.addRow([4004, "failed", "invalid_number", "Empty number"]);
    sheet.addRow([]);
    sheet.addRow([50006, "failed", "invalid_number", ""]);
    const rows = await readDictionaryFile(Buffer.from(await workbook.xlsx.writeBuffer()), "xlsx");
    expect(rows.map((r) => r.code)).toEqual(["4004", "50006"]);
  });

  it("names the row and column of every bad cell, and returns nothing", async () => {
    const file = csv(
      [
        "code,outcome,category,description_en,description_zh",
        "UNDELIV,failed,handset_off,,",
        "BAD1,failed,not_a_category,,",
        ",failed,blacklisted,,",
        "UNDELIV,failed,handset_off,,",
        "DELIVRD,delivered,invalid_number,,",
        `LONG,failed,unknown,${"x".repeat(501)},`,
        "EXTRA,failed,unknown,,,surplus",
        "BADOUT,maybe,unknown,,",
      ].join("\n"),
    );
    const error = await errorOf(readDictionaryFile(file, "csv"));
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_dictionary");
    expect(error.details).toEqual([
      { path: "rows[3].category", message: "providers.errors.category_invalid" },
      { path: "rows[4].code", message: "providers.errors.code_required" },
      { path: "rows[5].code", message: "providers.errors.code_repeated" },
      { path: "rows[6].category", message: "providers.errors.category_must_be_delivered" },
      { path: "rows[7].description_en", message: "providers.errors.description_too_long" },
      { path: "rows[8]", message: "providers.import.value_outside_columns" },
      { path: "rows[9].outcome", message: "providers.errors.outcome_invalid" },
    ]);
  });

  it("refuses a header it cannot read, naming every problem", async () => {
    const error = await errorOf(readDictionaryFile(csv("code,result,category,code\nX,failed,unknown,X\n"), "csv"));
    expect(error.details).toEqual([
      { path: "header.result", message: "providers.import.unknown_column" },
      { path: "header.code", message: "providers.import.duplicate_column" },
      { path: "header.outcome", message: "providers.import.missing_column" },
    ]);
  });

  it("refuses a file that is not what its name says, in the import's own words", async () => {
    const notXlsx = await errorOf(readDictionaryFile(csv("code,outcome,category\n"), "xlsx"));
    expect(notXlsx).toMatchObject({ status: 400, code: "invalid_file", messageKey: "importErrors.notXlsx.text" });
    const empty = await errorOf(readDictionaryFile(csv("\n\n"), "csv"));
    expect(empty.details).toEqual([{ path: "file", message: "providers.import.empty" }]);
  });
});
