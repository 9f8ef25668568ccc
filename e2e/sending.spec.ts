import { expect, type Page } from "@playwright/test";
import { CMPP_SIMULATOR, SANDBOX_APP, SANDBOX_URL, signInAsAdmin, test } from "./fixtures";

/**
 * Sending as an operator does it: a CMPP send to uploaded users, followed to its end, its failed
 * messages found and one's timeline read; and a JSMS template send whose delivery reports come
 * back through the console's callback route. Channels and users are set up through the REST API
 * with the browser's own session; the sending itself goes through the pages.
 */
const run = Date.now().toString(36);

async function api(page: Page, method: "POST" | "PATCH", path: string, data: unknown) {
  const answer = await page.request.fetch(path, { method, data });
  expect(answer.status(), `${method} ${path}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

async function chooseChannel(page: Page, name: string) {
  const select = page.getByLabel("Channel", { exact: true });
  const option = select.locator("option", { hasText: name });
  await select.selectOption((await option.getAttribute("value"))!);
}

test("a CMPP send to uploaded users: progress to the end, failed messages, one message's timeline", async ({ page }) => {
  await signInAsAdmin(page);
  const channel = await api(page, "POST", "/api/v1/channels", {
    type: "cmpp", name: `Gateway ${run}`, provider: "china_mobile", host: "127.0.0.1", port: CMPP_SIMULATOR.port,
    account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password, accessNumber: "1065", connections: 1,
  });
  // Ten users with a number for all channels, one bound to this channel alone (it wins over `all`),
  // and the gateway reports UNDELIV for numbers ending in the failing suffix.
  const users = Array.from({ length: 10 }, (_, i) => ({ userid: `e2e-${run}-${i}`, phone: { all: `1390000${String(i * 2).padStart(4, "0")}` } as Record<string, string> }));
  users[0]!.phone = { all: "13900000000", [channel.channelKey]: `1380000000${CMPP_SIMULATOR.failingSuffix}` };
  const upsert = await api(page, "POST", "/api/v1/users", users);
  expect(upsert.failed).toEqual([]);

  await page.goto("/send");
  await chooseChannel(page, `Gateway ${run}`);
  await page.getByLabel("Message text").fill("Your code is 246810.");
  await page.getByRole("radio", { name: "User IDs" }).check();
  await page.getByLabel("User ID list").fill([...users.map((u) => u.userid), `nobody-${run}`].join("\n"));
  await page.getByRole("button", { name: "Preview" }).click();
  const figures = page.getByLabel("Preview figures");
  await expect(figures).toContainText("11");
  await expect(page.getByText(/1 recipient has no number for this channel/)).toBeVisible();
  await page.getByRole("button", { name: "Send", exact: true }).click();

  await expect(page).toHaveURL(/\/messages\/sends\//);
  const progress = page.getByRole("progressbar", { name: "Send progress" });
  await expect(progress).toHaveAttribute("aria-valuenow", "100", { timeout: 30_000 });
  await expect(page.getByText("11 of 11 final").first()).toBeVisible();

  // Failed: the number the gateway refused, and the user without a number, each with its reason.
  await page.getByLabel("State", { exact: true }).selectOption("failed");
  const rows = page.getByRole("table", { name: "Messages" }).getByRole("row");
  await expect(rows).toHaveCount(3);
  await expect(page.getByRole("cell", { name: /UNDELIV/ })).toBeVisible();
  await expect(page.getByText("The user has no number for this channel.")).toBeVisible();

  await page.getByRole("link", { name: `1380000000${CMPP_SIMULATOR.failingSuffix}` }).click();
  await expect(page.getByRole("heading", { name: /^Message \d+/ })).toBeVisible();
  const events = page.getByRole("table", { name: "Events" });
  await expect(events).toContainText("Submit answered");
  await expect(events).toContainText("Delivery report");
  await expect(events).toContainText("UNDELIV");

  // The list of sends shows this one finished.
  await page.goto("/messages");
  await expect(page.getByRole("progressbar").first()).toHaveAttribute("aria-valuenow", "100");
});

test("a JSMS template send whose delivery reports arrive through the callback route", async ({ page }) => {
  await signInAsAdmin(page);
  const channel = await api(page, "POST", "/api/v1/channels", { type: "jsms", name: `Jiguang ${run}`, ...SANDBOX_APP });
  // Jiguang's console is where the callback URL is set; the sandbox's control endpoint stands in.
  const set = await page.request.post(`${SANDBOX_URL}/__sandbox/callback-url`, { data: { appKey: SANDBOX_APP.appKey, url: channel.callbackUrl } });
  expect(set.ok()).toBe(true);

  await page.goto("/send");
  await chooseChannel(page, `Jiguang ${run}`);
  await page.getByLabel("Template ID").fill("1");
  await page.getByRole("button", { name: "Add parameter" }).click();
  await page.getByLabel("Parameter 1 name").fill("code");
  await page.getByLabel("Parameter 1 value").fill("8642");
  await page.getByRole("radio", { name: "Phone numbers" }).check();
  await page.getByLabel("Phone number list").fill("13700000001, 13700000002\n13700000003");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByLabel("Preview figures")).toContainText("3");
  await page.getByRole("button", { name: "Send", exact: true }).click();

  await expect(page).toHaveURL(/\/messages\/sends\//);
  await expect(page.getByRole("progressbar", { name: "Send progress" })).toHaveAttribute("aria-valuenow", "100", { timeout: 30_000 });
  const counts = page.getByLabel("Messages by state");
  await expect(counts).toContainText("Delivered");
  await expect(counts).toContainText("3");
  const stats = await (await page.request.get(`${SANDBOX_URL}/__sandbox/stats`)).json();
  expect(stats.callbacks.urlChecks).toBeGreaterThan(0);
});
