import { expect } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./a11y";
import { CMPP_SIMULATOR, signInAsAdmin, test } from "./fixtures";

/**
 * Providers and their receipt-code dictionaries: a CMPP channel named after an aggregator adds
 * that provider with its seed codes; the dictionary is filtered on the server, edited a row at a
 * time, and imported from a file (a bad row names its row and column, and nothing is applied).
 */
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const providerName = `梦网 ${run}`;

test("a channel names a new provider by name, and the provider's page lists its channel and codes", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/channels/new");
  await page.getByLabel("Carrier gateway (CMPP)").check();
  await page.getByLabel("Name").fill(`Aggregator gateway ${run}`);
  await page.getByLabel("Provider", { exact: true }).selectOption({ label: "Another provider, by name…" });
  await page.getByLabel("Provider name").fill(providerName);
  await page.getByLabel("Gateway IP").fill("127.0.0.1");
  await page.getByLabel("Gateway port").fill(String(CMPP_SIMULATOR.port));
  await page.getByLabel("Account").fill(CMPP_SIMULATOR.account);
  await page.getByLabel("Password").fill(CMPP_SIMULATOR.password);
  await page.getByLabel("Access number").fill("1065");
  await page.getByLabel("Number of connections").fill("1");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Aggregator gateway ${run}` })).toBeVisible();
  await page.getByRole("link", { name: providerName }).click();

  await expect(page.getByRole("heading", { level: 1, name: providerName })).toBeVisible();
  await expect(page).toHaveTitle(new RegExp(`${providerName}: receipt codes`));
  const table = page.getByRole("table", { name: `Receipt codes of ${providerName}` });
  await expect(table.getByRole("row", { name: /HIGRISK.*Failed.*Blacklisted/ })).toBeVisible();
  await expectNoSeriousA11yViolations(page, "provider dictionary");

  await page.getByRole("link", { name: "Providers" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Providers" })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(`${providerName}.*Aggregator gateway ${run}`) })).toBeVisible();
  await expectNoSeriousA11yViolations(page, "provider list");
});

test("an admin filters, adds, edits and deletes a code, and imports a file whose bad row is named", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/providers/china_mobile");
  const table = page.getByRole("table", { name: "Receipt codes of China Mobile" });

  await page.getByLabel("Code contains").fill("MK:00");
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "Handset off or out of service" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/q=MK%3A00.*category=handset_off/);
  await expect(table.getByRole("row", { name: /MK:0024/ })).toBeVisible();
  await expect(table.getByRole("row", { name: /MK:0001/ })).toHaveCount(0);
  await page.getByRole("link", { name: "Show all" }).click();
  await expect(table.getByRole("row", { name: /MK:0001/ })).toBeVisible();

  await page.getByRole("button", { name: "Add a code" }).click();
  const form = page.getByRole("form", { name: "Add a code" });
  await form.getByLabel("Code").fill(`AGG${run}`.slice(0, 20));
  await form.getByLabel("Category").selectOption({ label: "Delivered" });
  await form.getByRole("button", { name: "Save code" }).click();
  await expect(form.getByText("A failed code needs a failure category, not delivered.").first()).toBeVisible();
  await form.getByLabel("Category").selectOption({ label: "Rate limited" });
  await form.getByLabel("Description (English)").fill("Aggregator frequency limit.");
  await form.getByRole("button", { name: "Save code" }).click();
  const added = table.getByRole("row", { name: new RegExp(`AGG${run}`.slice(0, 20)) });
  await expect(added).toContainText("Rate limited");

  await added.getByRole("button", { name: /Edit/ }).click();
  const edit = page.getByRole("form", { name: /Edit code/ });
  await edit.getByLabel("Category").selectOption({ label: "Blacklisted" });
  await edit.getByRole("button", { name: "Save code" }).click();
  await expect(added).toContainText("Blacklisted");

  page.once("dialog", (dialog) => void dialog.accept());
  await added.getByRole("button", { name: /Delete/ }).click();
  await expect(added).toHaveCount(0);

  await page.getByLabel("Dictionary file (.xlsx or .csv)").setInputFiles({
    name: "codes.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("code,outcome,category\nMK:0001,failed,invalid_number\nMK:0002,failed,lost\n"),
  });
  await page.getByRole("button", { name: "Import" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Nothing was imported" });
  await expect(alert).toContainText("Row 3, category: Choose one of the categories.");
  await expectNoSeriousA11yViolations(page, "dictionary with import problems showing");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download .csv" }).click();
  expect((await download).suggestedFilename()).toBe("receipt-codes-china_mobile.csv");
});
