import { expect, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./a11y";
import { CMPP_SIMULATOR, SANDBOX_APP, signInAsAdmin, test } from "./fixtures";

/**
 * The live cockpit on a channel's page, as an operator reads it: a CMPP channel that just sent
 * shows its connection logged in, the rate against its limit and the reports; a JSMS channel
 * shows its balance (from the sandbox) and its callback counts. In both languages' layouts the
 * figures are labelled, and the page passes axe.
 */
const run = Date.now().toString(36);

async function api(page: Page, method: "POST", path: string, data: unknown) {
  const answer = await page.request.fetch(path, { method, data });
  expect(answer.status(), `${method} ${path}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

test("a CMPP channel's cockpit shows its connection, rate limit and reports after a send", async ({ page }) => {
  await signInAsAdmin(page);
  const channel = await api(page, "POST", "/api/v1/channels", {
    type: "cmpp", name: `Cockpit ${run}`, provider: "china_mobile", host: "127.0.0.1", port: CMPP_SIMULATOR.port,
    account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password, accessNumber: "1065", connections: 1, tpsPerConnection: 50,
  });
  await api(page, "POST", "/api/v1/messages", { channelKey: channel.channelKey, phones: ["13900001111", "13900001112"], text: "Cockpit check" });

  await page.goto(`/channels/${channel.channelKey}`);
  const cockpit = page.getByRole("region", { name: "Live" });
  const connections = cockpit.getByRole("table", { name: /Connections to the gateway/ });
  await expect(connections.getByRole("row", { name: /Connection 1/ })).toContainText("Logged in", { timeout: 20_000 });
  await expect(cockpit.getByText("1 of 1 logged in")).toBeVisible();
  await expect(cockpit.getByText(/of 50 allowed/)).toBeVisible();
  await expect(cockpit.getByText(/\(2 since start\)/)).toBeVisible({ timeout: 20_000 });
  await expectNoSeriousA11yViolations(page, "CMPP cockpit with a live connection");
});

test("a JSMS channel's cockpit shows the balance and the callback counts", async ({ page }) => {
  await signInAsAdmin(page);
  const channel = await api(page, "POST", "/api/v1/channels", { type: "jsms", name: `Cockpit JSMS ${run}`, ...SANDBOX_APP });
  await page.goto(`/channels/${channel.channelKey}`);
  const cockpit = page.getByRole("region", { name: "Live" });
  await expect(cockpit.getByText(/^Asked /)).toBeVisible({ timeout: 20_000 });
  await expect(cockpit.getByText("Rejected (bad signature or stale)")).toBeVisible();
  await expectNoSeriousA11yViolations(page, "JSMS cockpit");
});
