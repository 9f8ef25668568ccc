import fs from "node:fs";
import path from "node:path";
import { createTranslator } from "next-intl";
import { afterAll, describe, expect, it } from "vitest";
import en from "@/lib/i18n/messages/en.json";
import zhCN from "@/lib/i18n/messages/zh-CN.json";
import { errorResponse } from "@/lib/api/error-response";
import { reasonTranslator } from "@/lib/i18n/reasons";
import { parseAudienceFile } from "@/lib/messages/audience-file";
import { refusedChoice } from "./file-choice";
import { ImportFileError } from "./import";
import { openImportFile } from "./import/open-import-file";
import { receivedError, sendableError } from "./import/reader-messages";
import { CHANNELS, makeZip, readAll, removeTempFiles, tempFile, importFileErrorOf } from "./import/test-support";
import { validateUserid } from "./import/userid";
import { normalizePhone, type PhoneRefusal } from "./phone";
import { receiveUpload } from "./upload";

/**
 * Every import problem carries, beside its English sentence, the catalogue key of that exact
 * variant and its values (lib/contacts/import-reason.ts), so the console can say it in the
 * operator's language. These tests check that the keys are produced where the problems are
 * found, that they exist in both catalogues, and that the catalogues say the same as the English.
 */
afterAll(removeTempFiles);

const english = reasonTranslator("en");
const chinese = reasonTranslator("zh-CN");
const HAN = /[\u4e00-\u9fff]/;

function leaves(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === "string") out.set(prefix, value);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) for (const [key, text] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(key, text);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "fixtures" ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.(test|spec)\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const openError = importFileErrorOf;

describe("the importErrors catalogue", () => {
  const enKeys = leaves(en.importErrors, "importErrors");
  const zhKeys = leaves(zhCN.importErrors, "importErrors");

  it("holds every key the code can produce, in English and in Chinese", () => {
    const root = process.cwd();
    const used = new Set<string>();
    for (const file of ["lib", "components", "app"].flatMap((d) => sourceFiles(path.join(root, d)))) {
      for (const match of fs.readFileSync(file, "utf8").matchAll(/["'`](importErrors\.[A-Za-z0-9_.]+)["'`]/g)) used.add(match[1]!);
    }
    // Every reader, the runner, the upload route, the audience file and the browser's check name keys.
    expect(used.size).toBeGreaterThan(90);
    const namespaces = new Set(["importErrors.report", "importErrors.header"]);
    const missing = [...used].filter((key) => !namespaces.has(key) && (!enKeys.has(key) || !zhKeys.has(key)));
    expect(missing).toEqual([]);
  });

  it("takes the same values in both languages, and every message formats", () => {
    const errors: string[] = [];
    const onError = (error: Error) => errors.push(error.message);
    const t = {
      en: createTranslator({ locale: "en", messages: en, onError }),
      "zh-CN": createTranslator({ locale: "zh-CN", messages: zhCN, onError }),
    };
    const names = (text: string) => [...new Set([...text.matchAll(/\{(\w+)/g)].map((m) => m[1]!))].sort();
    for (const [key, text] of enKeys) {
      const zh = zhKeys.get(key)!;
      expect(names(zh), key).toEqual(names(text));
      const values = Object.fromEntries(names(text).map((n) => [n, 1]));
      for (const locale of ["en", "zh-CN"] as const) t[locale](key as never, values as never);
      if (!key.startsWith("importErrors.report.")) expect(zh, key).toMatch(HAN);
    }
    expect(errors).toEqual([]);
  });
});

describe("file errors name their exact variant", () => {
  it("a text file named .xlsx: not_xlsx, the 'text' variant, said alike in English and in Chinese", async () => {
    const error = await openError(openImportFile({ path: tempFile("users.xlsx", "userid,phone\na,13800138000\n"), kind: "xlsx", channelKeys: CHANNELS }));
    expect(error).toMatchObject({ code: "not_xlsx", key: "importErrors.notXlsx.text" });
    expect(english(error.reason)).toBe(error.message);
    expect(chinese(error.reason)).toBe("此文件是文本（看起来是 CSV 文件），不是 Excel 工作簿。请把扩展名改为 .csv 后上传，或在 Excel 中另存为 .xlsx。");
  });

  it("a PDF named .csv and a Word document named .xlsx each get their own key", async () => {
    const pdf = await openError(openImportFile({ path: tempFile("users.csv", "%PDF-1.7\n…"), kind: "csv", channelKeys: CHANNELS }));
    expect(pdf).toMatchObject({ code: "not_csv", key: "importErrors.notCsv.pdf" });
    expect(english(pdf.reason)).toBe(pdf.message);
    const docx = makeZip([{ name: "[Content_Types].xml", data: "<Types/>" }, { name: "word/document.xml", data: "<w:document/>" }]);
    const word = await openError(openImportFile({ path: tempFile("users.xlsx", docx), kind: "xlsx", channelKeys: CHANNELS }));
    expect(word).toMatchObject({ code: "not_xlsx", key: "importErrors.notXlsx.docx" });
    expect(chinese(word.reason)).toBe("这是 Word 文档（.docx），不是 Excel 工作簿。");
  });

  it("a cut-short workbook: corrupt_file with its detail as a nested key, translated too", async () => {
    const zip = makeZip([{ name: "xl/workbook.xml", data: "<workbook/>" }]);
    const error = await openError(openImportFile({ path: tempFile("cut.xlsx", zip.subarray(0, zip.length - 30)), kind: "xlsx", channelKeys: CHANNELS }));
    expect(error.code).toBe("corrupt_file");
    expect(error.reason).toEqual({ key: "importErrors.corrupt.zip", params: { detail: { key: "importErrors.corruptDetail.eocdMissing" } } });
    expect(english(error.reason)).toBe(error.message);
    expect(chinese(error.reason)).toBe("工作簿已损坏，无法读取（zip 压缩包的结尾缺失，文件可能不完整）。请在 Excel 中打开并重新保存，然后上传新文件。");
  });

  it("too many rows while reading: the limit and the row as numbers, written out in the reader's language", async () => {
    const csv = ["userid,phone", ...Array.from({ length: 1200 }, (_, i) => `u${i},13800138000`)].join("\n");
    const error = await openError(readAll({ path: tempFile("big.csv", csv), kind: "csv", maxRows: 1000 }));
    expect(error.reason).toEqual({ key: "importErrors.tooManyRows.reader", params: { max: 1000, row: 1002 } });
    expect(english(error.reason)).toBe(error.message);
    expect(chinese(error.reason)).toContain("超过 1,000 行");
    expect(chinese(error.reason)).toContain("第 1,002 行");
  });

  it("a refused header: the summary with the channel keys, and every column's problem with its own key", async () => {
    const error = await openError(
      readAll({ path: tempFile("h.csv", "userid,phnoe,phone:nosuch,userid\nu1,1,2,3\n"), kind: "csv", channelKeys: new Set(["k1"]) }),
    );
    expect(error.key).toBe("importErrors.header.refused");
    expect(chinese(error.reason)).toMatch(/^表头行无法使用.*现有的通道标识：k1。$/);
    expect(error.details.map((d) => [d.key, d.params])).toEqual([
      ["importErrors.headerProblem.unknown", { letter: "B", header: "phnoe" }],
      ["importErrors.headerProblem.unknownChannel", { letter: "C", header: "phone:nosuch", key: "nosuch" }],
      [
        "importErrors.headerProblem.duplicate",
        { earlierLetter: "A", earlierHeader: "userid", letter: "D", header: "userid", what: { key: "importErrors.headerProblem.whatUserid" } },
      ],
    ]);
    for (const detail of error.details) expect(english({ key: detail.key, params: detail.params })).toBe(detail.message);
    expect(chinese({ key: error.details[2]!.key, params: error.details[2]!.params })).toBe("第 A 列（“userid”）和第 D 列（“userid”）都给出了用户 ID（userid）。");
  });

  it("keeps its key, values and header problems across the reader thread", async () => {
    const error = await openError(readAll({ path: tempFile("h.csv", "phone\n1\n"), kind: "csv" }));
    const again = receivedError(structuredClone(sendableError(error))) as ImportFileError;
    expect(again).toBeInstanceOf(ImportFileError);
    expect({ code: again.code, message: again.message, reason: again.reason, details: again.details }).toEqual({
      code: error.code,
      message: error.message,
      reason: error.reason,
      details: error.details,
    });
    expect(again.details[0]!.key).toBe("importErrors.headerProblem.missingUserid");
  });
});

describe("row issues name their reason", () => {
  it("a bad phone, a missing userid and a repeated userid, in the reader's language", async () => {
    const { issues } = await readAll({ path: tempFile("rows.csv", "userid,phone\nu1,12345\n,13800138000\nu2,13800138000\nu2,13900139000\n"), kind: "csv" });
    expect(issues.map((i) => [i.rowNumber, i.reasonKey, i.reasonParams])).toEqual([
      [2, "importErrors.phone.notMainland", { given: "12345" }],
      [3, "importErrors.row.missingUserid", undefined],
      [4, "importErrors.row.duplicateUserid", { earlier: 4, later: 5 }],
    ]);
    for (const issue of issues) expect(english({ key: issue.reasonKey, params: issue.reasonParams })).toBe(issue.reason);
    expect(chinese({ key: issues[0]!.reasonKey, params: issues[0]!.reasonParams })).toBe(
      "“12345”不是中国大陆手机号（以 13–19 开头的 11 位数字）；国际号码请写成 + 加国家代码的形式。",
    );
  });

  it("every phone refusal has a key whose English is the refusal's own sentence", () => {
    const refusals: [string | number, string][] = [
      [Number.NaN, "importErrors.phone.notFinite"],
      [12.5, "importErrors.phone.notWhole"],
      [2 ** 60, "importErrors.phone.tooLarge"],
      ["   ", "importErrors.phone.empty"],
      ["+()", "importErrors.phone.noDigits"],
      ["138-0013-800x", "importErrors.phone.badCharacter"],
      ["+0123456789", "importErrors.phone.countryCodeZero"],
      ["+1234", "importErrors.phone.internationalLength"],
      ["12800138000", "importErrors.phone.secondDigit"],
      ["12345", "importErrors.phone.notMainland"],
    ];
    for (const [raw, key] of refusals) {
      const result = normalizePhone(raw) as PhoneRefusal;
      expect(result.ok, String(raw)).toBe(false);
      expect(result.reasonKey, String(raw)).toBe(key);
      expect(english({ key: result.reasonKey, params: result.reasonParams })).toBe(result.reason);
      expect(chinese({ key: result.reasonKey, params: result.reasonParams })).toMatch(HAN);
    }
    expect((normalizePhone("+1234") as PhoneRefusal).reasonParams).toEqual({ given: "+1234", count: 4 });
    expect(chinese({ key: "importErrors.phone.badCharacter", params: (normalizePhone("138x") as PhoneRefusal).reasonParams })).toBe(
      "“138x”不是手机号：其中含有“x”，而只允许数字、开头的 +、空格、短横线和括号。",
    );
  });

  it("every userid refusal too", () => {
    for (const raw of ["", "a".repeat(65), "a\tb"]) {
      const result = validateUserid(raw);
      if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
      expect(english({ key: result.reasonKey, params: result.reasonParams })).toBe(result.reason);
    }
  });
});

describe("the browser's check of a chosen file", () => {
  it("refuses an empty file and a file that is plainly no .xlsx or .csv, naming it", () => {
    expect(refusedChoice({ name: "empty.csv", size: 0, type: "text/csv" })).toEqual({ key: "importErrors.upload.empty", params: { name: "empty.csv" } });
    for (const file of [
      { name: "notes.txt", size: 10, type: "text/plain" },
      { name: "old.xls", size: 10, type: "application/vnd.ms-excel" },
      { name: "scan.pdf", size: 10, type: "application/pdf" },
      { name: "photo.png", size: 10, type: "image/png" },
      // A picture renamed .csv still says what it is.
      { name: "photo.csv", size: 10, type: "image/png" },
    ]) {
      expect(refusedChoice(file), file.name).toEqual({ key: "importErrors.upload.wrongType", params: { name: file.name } });
    }
    expect(chinese(refusedChoice({ name: "notes.txt", size: 10, type: "text/plain" }))).toBe("无法上传“notes.txt”：只能导入 .xlsx 和 .csv 文件。");
  });

  it("lets through what may be a good file: the server reads its bytes", () => {
    for (const file of [
      { name: "users.xlsx", size: 10, type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      // Windows with Excel installed calls a .csv an Excel file.
      { name: "users.CSV", size: 10, type: "application/vnd.ms-excel" },
      { name: "users.csv", size: 10, type: "text/csv; charset=utf-8" },
      { name: "用户.xlsx", size: 10, type: "" },
    ]) {
      expect(refusedChoice(file), file.name).toBeNull();
    }
  });
});

describe("the upload route's refusals", () => {
  const dataDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "upload-keys-"));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const upload = (name: string, content: string) => {
    const form = new FormData();
    form.append("file", new Blob([content]), name);
    return receiveUpload(new Request("http://console/api/v1/users/import", { method: "POST", body: form }), { dataDir, maxBytes: 100 });
  };

  it("name their catalogue key and the file, beside the code and the English", async () => {
    await expect(upload("empty.csv", "")).rejects.toMatchObject({
      code: "empty_file",
      message: "The file is empty.",
      messageKey: "importErrors.upload.empty",
      messageParams: { name: "empty.csv" },
    });
    await expect(upload("notes.txt", "x")).rejects.toMatchObject({
      code: "unsupported_file_type",
      messageKey: "importErrors.upload.wrongType",
      messageParams: { name: "notes.txt" },
    });
    await expect(upload("big.csv", "x".repeat(500))).rejects.toMatchObject({
      status: 413,
      messageKey: "importErrors.upload.tooLarge",
      messageParams: { limit: "100 bytes" },
    });
  });

  it("answer the key beside the error's code, message and details: fields added, none renamed", async () => {
    const refused = await upload("notes.txt", "x").catch((e: unknown) => e);
    const body = await errorResponse(refused, "req-1").json();
    expect(body).toEqual({
      error: {
        code: "unsupported_file_type",
        message: 'Only .xlsx and .csv files can be imported; got "notes.txt".',
        details: [{ path: "file", message: "must end in .xlsx or .csv" }],
        requestId: "req-1",
        messageKey: "importErrors.upload.wrongType",
        messageParams: { name: "notes.txt" },
      },
    });
  });

  it("the send page's audience file answers the reader's own key for a file it cannot read", async () => {
    await expect(parseAudienceFile(tempFile("to.xlsx", "13800138000\n"), "xlsx")).rejects.toMatchObject({
      status: 400,
      code: "not_xlsx",
      messageKey: "importErrors.notXlsx.text",
    });
    await expect(parseAudienceFile(tempFile("to.csv", "13800138000,x\n"), "csv")).rejects.toMatchObject({
      code: "too_many_columns",
      messageKey: "importErrors.audience.tooManyColumns",
      messageParams: { row: 1, column: "B" },
    });
  });
});
