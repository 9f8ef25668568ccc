import { expect } from "@playwright/test";
import ExcelJS from "exceljs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { signInAsAdmin, test } from "./fixtures";

/**
 * An operator binds phone numbers by upload: template, a file with good and bad rows, progress,
 * the error report, and a user's bindings.
 */
test.describe.configure({ mode: "serial" });

async function readWorkbook(file: string) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  return workbook.worksheets[0]!;
}

test("upload phone numbers from a file, follow the progress, read the error report", async ({ page }) => {
  await signInAsAdmin(page);
  // A channel to bind to (the REST route, as another system would).
  const created = await page.request.post("/api/v1/channels", {
    data: { type: "jsms", name: "Users e2e", appKey: "ee1066407b044738b6479275", masterSecret: "ff38ce69b1de2a7fa95706ea" },
  });
  expect(created.status()).toBe(201);
  const key = (await created.json()).channelKey as string;

  await page.getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();

  // The template names a column for every channel.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download template" }).click();
  const templatePath = path.join(os.tmpdir(), `template-${Date.now()}.xlsx`);
  await (await download).saveAs(templatePath);
  const header = (await readWorkbook(templatePath)).getRow(1).values as unknown[];
  expect(header).toEqual(expect.arrayContaining(["userid", "phone", `phone:${key}`]));

  const csv = [
    `userid,phone,phone:${key}`,
    "e2e-alice,+86 138 0013 8000,13900139000",
    "e2e-bob,0086-137-0013-7000,",
    "e2e-carol,12345,13600136000",
    ",13500135000,",
    "e2e-dave,,not-a-number",
  ].join("\n");
  const file = path.join(os.tmpdir(), `users-${Date.now()}.csv`);
  fs.writeFileSync(file, csv);

  await page.getByLabel("choose a file (.xlsx or .csv)").setInputFiles(file);
  await expect(page.getByTestId("chosen-file")).toContainText(path.basename(file));
  await page.getByRole("button", { name: "Upload" }).click();

  const progress = page.getByRole("progressbar", { name: "Import progress" });
  await expect(progress).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /^Done/ })).toBeVisible({ timeout: 30_000 });
  await expect(progress).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByTestId("count-inserted")).toHaveText("2");
  await expect(page.getByTestId("count-failedRows")).toHaveText("3");

  const report = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download error report" }).click();
  const reportPath = path.join(os.tmpdir(), `errors-${Date.now()}.xlsx`);
  await (await report).saveAs(reportPath);
  const sheet = await readWorkbook(reportPath);
  const rows: { row: number; column: string; value: string }[] = [];
  sheet.eachRow((r, n) => {
    if (n > 1) rows.push({ row: Number(r.getCell(1).value), column: String(r.getCell(2).value), value: String(r.getCell(3).value ?? "") });
  });
  // Rows 4 (carol: a bad phone), 5 (no userid) and 6 (dave: a bad channel phone), as the spreadsheet numbers them.
  expect(rows.filter((r) => r.row === 4).map((r) => r.value)).toContain("12345");
  expect(rows.some((r) => r.row === 5)).toBe(true);
  expect(rows.filter((r) => r.row === 6).map((r) => r.value)).toContain("not-a-number");
  expect(rows.some((r) => r.row === 2 || r.row === 3)).toBe(false);

  // The users the import wrote are listed at once, without a reload or a search.
  await expect(page.getByRole("table", { name: "Find users" }).getByRole("link", { name: "e2e-alice" })).toBeVisible();

  // The history lists the upload.
  await expect(page.getByRole("region", { name: "Import history" }).getByRole("cell", { name: path.basename(file), exact: true })).toBeVisible();

  // A user's bindings, and the number each channel would use.
  await page.getByLabel("userid or phone number (prefix)").fill("e2e-");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "e2e-alice" }).click();
  await expect(page.getByRole("heading", { name: "e2e-alice" })).toBeVisible();
  const effective = page.getByRole("region", { name: "Number used per channel" });
  await expect(effective.getByRole("row", { name: /Users e2e.*13900139000.*bound to this channel/ })).toBeVisible();
  await page.getByRole("link", { name: "← Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  await page.goto("/users/e2e-bob");
  await expect(page.getByRole("region", { name: "Number used per channel" }).getByRole("row", { name: /Users e2e.*13700137000.*number for all channels/ })).toBeVisible();
});
