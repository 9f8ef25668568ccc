import { expect, type Page } from "@playwright/test";
import ExcelJS from "exceljs";
import os from "node:os";
import path from "node:path";
import { signInAsAdmin, test } from "./fixtures";

/**
 * An operator who reads Chinese uploads files that cannot be imported: every refusal, whether
 * the browser makes it before the upload or the server after reading the file, is said in
 * Chinese and names what is wrong, and so is the error report.
 */
test.describe.configure({ mode: "serial" });

async function toChinese(page: Page) {
  await signInAsAdmin(page);
  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByLabel("语言")).toHaveValue("zh-CN");
  await page.goto("/users");
  await expect(page.getByRole("heading", { name: "用户", exact: true })).toBeVisible();
}

test("file errors on the users page are told in Chinese, before and after the upload", async ({ page }) => {
  await toChinese(page);
  const uploads: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/v1/users/import") uploads.push(request.url());
  });
  const chooser = page.getByLabel("选择文件（.xlsx 或 .csv）");
  const panel = page.getByRole("region", { name: "上传手机号" });
  const history = page.getByRole("region", { name: "导入历史" });

  // The file chooser's input is visually hidden: its label shows the keyboard focus.
  const chooserLabel = page.locator("label", { has: chooser });
  const shadow = () => chooserLabel.evaluate((label) => getComputedStyle(label).boxShadow);
  const unfocused = await shadow();
  await chooser.focus();
  expect(await shadow()).not.toBe(unfocused);
  await chooser.blur();

  // Text saved as users.xlsx: the browser lets it through (right name, right type), the server reads it.
  await chooser.setInputFiles({ name: "users.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: Buffer.from("userid,phone\nzh-alice,13800138000\n") });
  await page.getByRole("button", { name: "上传", exact: true }).click();
  await expect(panel.getByRole("status").filter({ hasText: /^失败/ })).toBeVisible({ timeout: 30_000 });
  const reason = "此文件是文本（看起来是 CSV 文件），不是 Excel 工作簿。请把扩展名改为 .csv 后上传，或在 Excel 中另存为 .xlsx。";
  await expect(panel.getByRole("alert")).toHaveText(reason);
  // Nothing was read: no progress bar, no counters.
  await expect(panel.getByRole("progressbar", { name: "导入进度" })).toHaveCount(0);
  await expect(panel.getByTestId("count-inserted")).toHaveCount(0);
  const failedRow = history.getByRole("row").filter({ hasText: "users.xlsx" });
  await expect(failedRow).toContainText("失败");
  await expect(failedRow).toContainText(reason);
  expect(uploads).toHaveLength(1);

  // A plain text file is refused in the browser, naming it; nothing is sent.
  await chooser.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("remember the milk") });
  await expect(panel.getByRole("alert")).toHaveText("无法上传“notes.txt”：只能导入 .xlsx 和 .csv 文件。");
  await expect(page.getByTestId("chosen-file")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "上传", exact: true })).toBeDisabled();

  // So is an empty CSV.
  await chooser.setInputFiles({ name: "empty.csv", mimeType: "text/csv", buffer: Buffer.alloc(0) });
  await expect(panel.getByRole("alert")).toHaveText("“empty.csv”是空文件（0 字节）；请选择包含数据的文件。");
  await expect(page.getByRole("button", { name: "上传", exact: true })).toBeDisabled();
  expect(uploads).toHaveLength(1);

  // A CSV with a bad number is imported; its error report is written in Chinese.
  await chooser.setInputFiles({ name: "phones.csv", mimeType: "text/csv", buffer: Buffer.from("userid,phone\nzh-bob,12345\nzh-carol,13800138000\n") });
  await expect(page.getByTestId("chosen-file")).toContainText("phones.csv");
  await expect(panel.getByRole("alert")).toHaveCount(0);
  await page.getByRole("button", { name: "上传", exact: true }).click();
  await expect(panel.getByRole("status").filter({ hasText: /^已完成/ })).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByRole("progressbar", { name: "导入进度" })).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByTestId("count-failedRows")).toHaveText("1");

  const download = page.waitForEvent("download");
  await panel.getByRole("link", { name: "下载错误报告" }).click();
  const reportPath = path.join(os.tmpdir(), `errors-zh-${Date.now()}.xlsx`);
  await (await download).saveAs(reportPath);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(reportPath);
  const sheet = workbook.worksheets[0]!;
  expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(["行号", "列", "值", "原因", "级别"]);
  expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual([
    2,
    "phone",
    "12345",
    "“12345”不是中国大陆手机号（以 13–19 开头的 11 位数字）；国际号码请写成 + 加国家代码的形式。",
    "错误",
  ]);
});

test("the send page's audience file is refused in Chinese, in the browser and by the server", async ({ page }) => {
  await toChinese(page);
  // The form needs an enabled channel to send on (the REST route, as another system would add one).
  const created = await page.request.post("/api/v1/channels", {
    data: { type: "jsms", name: "Upload errors zh", appKey: "aa1066407b044738b6479275", masterSecret: "bb38ce69b1de2a7fa95706ea" },
  });
  expect(created.status()).toBe(201);
  await page.goto("/send");
  await expect(page.getByRole("heading", { name: "发送", exact: true })).toBeVisible();
  const reads: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/v1/messages/audience-file") reads.push(request.url());
  });
  await page.getByRole("radio", { name: "文件", exact: true }).check();
  const chooser = page.getByLabel("接收人文件（.csv 或 .xlsx）");

  await chooser.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("13800138000") });
  await expect(page.getByRole("alert").filter({ hasText: "notes.txt" })).toHaveText("无法上传“notes.txt”：只能导入 .xlsx 和 .csv 文件。");
  expect(reads).toHaveLength(0);

  // Text saved as .xlsx goes to the server, whose reason comes back in Chinese.
  await chooser.setInputFiles({ name: "recipients.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: Buffer.from("13800138000\n") });
  await expect(page.getByRole("alert").filter({ hasText: "Excel" })).toHaveText(
    "此文件是文本（看起来是 CSV 文件），不是 Excel 工作簿。请把扩展名改为 .csv 后上传，或在 Excel 中另存为 .xlsx。",
  );
  expect(reads).toHaveLength(1);
});
