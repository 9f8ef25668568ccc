import { expect, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./a11y";
import { CMPP_SIMULATOR, signInAsAdmin, test } from "./fixtures";

/**
 * The Overview and the messages dashboard with real data: a CMPP send in which the gateway
 * answers UNDELIV for two numbers, on a provider whose dictionary does not know UNDELIV, so the
 * loss analysis lists it as unclassified until the operator classifies it in place.
 */
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const channelName = `Dashboard gateway ${run}`;
const providerName = `Dashboard aggregator ${run}`;
const PHONE = { width: 390, height: 844 };
const TITLES = { en: { overview: "Overview", dashboard: "Messages dashboard" }, "zh-CN": { overview: "概览", dashboard: "消息仪表盘" } } as const;
const ZOOMED = { width: 320, height: 640 };

interface Seed {
  channelKey: string;
  providerId: string;
  sendId: string;
}
let seeded: Seed | undefined;

async function api(page: Page, method: "GET" | "POST" | "PUT", url: string, data?: unknown) {
  const answer = await page.request.fetch(url, { method, data });
  expect(answer.status(), `${method} ${url}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

/** A channel on a provider of its own without UNDELIV in its dictionary, and a finished send of six: four delivered, two UNDELIV. */
async function seed(page: Page): Promise<Seed> {
  if (seeded) return seeded;
  const channel = await api(page, "POST", "/api/v1/channels", {
    type: "cmpp", name: channelName, provider: providerName, host: "127.0.0.1", port: CMPP_SIMULATOR.port,
    account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password, accessNumber: "1065", connections: 1,
  });
  const providerId = channel.config.provider as string;
  const codes = await api(page, "GET", `/api/v1/providers/${providerId}/codes`);
  const kept = (codes.items as { code: string }[]).filter((c) => c.code !== "UNDELIV");
  await api(page, "PUT", `/api/v1/providers/${providerId}/codes`, { items: kept });

  const fail = CMPP_SIMULATOR.failingSuffix;
  const phones = ["13800002001", "13800002002", "13800002003", "13800002004", `1380000201${fail}`, `1380000202${fail}`];
  const send = await api(page, "POST", "/api/v1/messages", { channelKey: channel.channelKey, phones, text: "Dashboard check." });
  await expect
    .poll(async () => {
      const s = await api(page, "GET", `/api/v1/sends/${send.sendId}`);
      return [s.counts.delivered, s.counts.failed];
    }, { timeout: 30_000 })
    .toEqual([4, 2]);
  seeded = { channelKey: channel.channelKey, providerId, sendId: send.sendId };
  return seeded;
}

test("the overview shows the send per channel, and names the unclassified code needing attention", async ({ page }) => {
  await signInAsAdmin(page);
  const s = await seed(page);
  await page.goto("/");
  await expect(page).toHaveTitle("Overview · SMS Console");
  const table = page.getByRole("table", { name: "Messages per channel, today and over the last 7 days" });
  const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: channelName, exact: true }) });
  // Sent today, rate today, sent in 7 days, delivered, failed, unknown or expired, rate.
  const cells = row.getByRole("cell");
  await expect(cells.nth(1)).toHaveText("6");
  await expect(cells.nth(2)).toHaveText("66.7%");
  await expect(cells.nth(4)).toHaveText("4");
  await expect(cells.nth(5)).toHaveText("2");
  await expect(cells.nth(5).getByRole("link")).toHaveAttribute("href", new RegExp(`^/messages\\?channelKey=${s.channelKey}&status=failed&from=`));

  const attention = page.getByRole("region", { name: "Needs attention" });
  // Other items may name the channel too (its gateway connection, once idle); this one is about codes.
  await expect(attention.getByRole("listitem").filter({ hasText: channelName }).filter({ hasText: "Unclassified codes" })).toContainText(
    "1 raw code in 2 messages",
  );
  await expectNoSeriousA11yViolations(page, "overview with a send");

  await row.getByRole("link", { name: `Loss analysis ${channelName}` }).click();
  await expect(page).toHaveURL(new RegExp(`/dashboard\\?range=7d&channelKey=${s.channelKey}#loss$`));
  await expect(page.getByRole("heading", { level: 1, name: "Messages dashboard" })).toBeVisible();
});

test("the dashboard counts the send, names UNDELIV as unclassified, and classifying it moves its messages", async ({ page }) => {
  // Charts honour reduced motion: their bars are drawn at full length at once, so the click below
  // lands on the bar and not where a growing bar has not reached yet on a slow machine.
  await page.emulateMedia({ reducedMotion: "reduce" });
  await signInAsAdmin(page);
  const s = await seed(page);
  await page.goto(`/dashboard?range=24h&channelKey=${s.channelKey}`);
  const counts = page.getByRole("region", { name: "Messages by state" });
  await expect(counts).toContainText("Delivered4");
  await expect(counts).toContainText("Failed2");
  await expect(counts).toContainText("66.7%");

  // The charts draw (one canvas each) and are named with their figures.
  await expect(page.getByRole("img", { name: new RegExp(`^Messages on ${channelName} by hour: 6 sent, 4 delivered, 2 failed`) })).toBeVisible();
  await expect(page.getByRole("img", { name: /^Delivery rate per channel/ }).locator("canvas")).toHaveCount(1);
  await expect(page.getByRole("img", { name: "Lost messages by category: Unclassified 2." })).toBeVisible();

  // Every raw code, with its link to the messages that carry it.
  const codes = page.getByRole("table", { name: "Lost messages by raw code, every code" });
  const undeliv = codes.getByRole("row").filter({ hasText: "UNDELIV" });
  await expect(undeliv.getByRole("cell").nth(1)).toHaveText(providerName);
  await expect(undeliv.getByRole("cell").nth(3)).toHaveText("2");
  await expect(undeliv.getByRole("link", { name: "UNDELIV" })).toHaveAttribute(
    "href",
    new RegExp(`^/messages\\?channelKey=${s.channelKey}&provider=${s.providerId}&code=UNDELIV&from=.+&to=.+`),
  );

  const unclassified = page.getByRole("table", { name: "Unclassified codes" });
  await expect(unclassified.getByRole("row").filter({ hasText: "UNDELIV" })).toContainText("2");
  await page.locator("main details").evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
  await expectNoSeriousA11yViolations(page, "dashboard with a loss, tables open");

  await page.getByLabel(`Category for UNDELIV (${providerName})`).selectOption("handset_off");
  await page.getByRole("button", { name: "Save UNDELIV" }).click();
  await expect(page.getByTestId("live-region")).toHaveText(`UNDELIV (${providerName}) is now classified as Handset off or out of service.`);
  await expect(page.getByText("Every raw code in this view is classified.")).toBeVisible();
  await expect(page.getByRole("img", { name: "Lost messages by category: Handset off or out of service 2." })).toBeVisible();
  await expect(undeliv.getByRole("cell").nth(2)).toHaveText("Handset off or out of service");

  // A bar is a link: the one bar of the category chart opens its messages.
  const chart = page.getByRole("img", { name: "Lost messages by category: Handset off or out of service 2." });
  // Aim at the middle of the plot: the axis labels take the bottom of the box.
  const box = (await chart.boundingBox())!;
  await chart.click({ position: { x: box.width / 2, y: (box.height - 28) / 2 + 8 } });
  await expect(page).toHaveURL(new RegExp(`/messages\\?channelKey=${s.channelKey}&category=handset_off&from=`));
});

test("one send's analysis, and an address with bad parts shows what it ignored", async ({ page }) => {
  await signInAsAdmin(page);
  const s = await seed(page);
  await page.goto(`/dashboard?sendId=${s.sendId}`);
  await expect(page.getByText(`Send ${s.sendId.slice(0, 8)} on ${channelName}`)).toBeVisible();
  await expect(page.getByRole("region", { name: "Messages by state" })).toContainText("Failed2");
  await expect(page.getByRole("img", { name: "Lost messages by category: Handset off or out of service 2." })).toBeVisible();

  await page.goto("/dashboard?range=2w&channelKey=nosuchchannel&sendId=not-a-send");
  const warning = page.getByRole("status").filter({ hasText: "Part of the address was ignored" });
  await expect(warning).toContainText("Time range: not a range this page offers");
  await expect(warning).toContainText("Send: not a send ID.");
  await expect(warning).toContainText("Channel: there is no such channel");
  // The picker keeps the choice in the address.
  await page.getByLabel("Time range").selectOption("custom");
  await page.getByLabel("From", { exact: true }).fill("2026-03-02T08:00");
  await page.getByLabel("To", { exact: true }).fill("2026-03-01T08:00");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByText("The end must come after the start.")).toBeVisible();
  await page.getByLabel("Time range").selectOption("7d");
  await page.getByLabel("Channel", { exact: true }).selectOption({ label: channelName });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`/dashboard\\?range=7d&channelKey=${s.channelKey}$`));
  await expect(page.getByRole("img", { name: new RegExp(`^Messages on ${channelName} by day`) })).toBeVisible();
});

async function sidewaysScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

for (const [viewport, locale] of [[PHONE, "en"], [ZOOMED, "zh-CN"]] as const) {
  test(`at ${viewport.width} px in ${locale} the overview and the dashboard fit the screen`, async ({ page, baseURL }) => {
    await page.setViewportSize(viewport);
    await signInAsAdmin(page);
    const s = await seed(page);
    await page.context().addCookies([{ name: "NEXT_LOCALE", value: locale, url: baseURL! }]);
    for (const url of ["/", `/dashboard?range=7d&channelKey=${s.channelKey}`]) {
      await page.goto(url);
      const title = TITLES[locale][url === "/" ? "overview" : "dashboard"];
      await expect(page).toHaveTitle(`${title} · ${locale === "en" ? "SMS Console" : "短信控制台"}`);
      await expect(page.locator("main h1")).toHaveText(title);
      await page.locator("main details").evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
      await expect(page.locator("main table").first()).toBeVisible();
      if (url !== "/") await expect(page.locator("main canvas").first()).toBeVisible();
      expect(await sidewaysScroll(page), `${url} scrolls sideways at ${viewport.width} px (${locale})`).toBeLessThanOrEqual(0);
      await expectNoSeriousA11yViolations(page, `${locale}, ${viewport.width} px, tables open`);
      const dir = process.env.PHONE_LAYOUT_SHOTS;
      if (dir) await page.screenshot({ path: `${dir}/phone-${viewport.width}-${locale}-${url === "/" ? "overview" : "dashboard"}.png`, fullPage: true });
    }
  });
}
