import { expect, type Page } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { CMPP_SIMULATOR, signInAsAdmin, test } from "./fixtures";

/**
 * Reflow (WCAG 1.4.10): on a phone (390×844) and at 400 % zoom on a desktop (a 320 CSS-px-wide
 * viewport) no page scrolls sideways, in either language; tables become labelled cards there and
 * the navigation folds behind a menu button. Long names and ids are seeded on purpose: they are
 * what widens a page.
 *
 * PHONE_LAYOUT_SHOTS=/some/dir saves screenshots of a few pages there, for a person to look at.
 */
const run = Date.now().toString(36);
const LOCALES = ["en", "zh-CN"] as const;
type Locale = (typeof LOCALES)[number];
const PHONE = { width: 390, height: 844 };
const ZOOMED = { width: 320, height: 640 };
const DESKTOP = { width: 1280, height: 800 };
const MENU: Record<Locale, string> = { en: "Menu", "zh-CN": "菜单" };

interface Seed {
  jsmsKey: string;
  cmppKey: string;
  userid: string;
  sendId: string;
  messageId: string;
}

let seeded: Seed | undefined;

async function api(page: Page, method: "POST" | "GET", url: string, data?: unknown) {
  const answer = await page.request.fetch(url, { method, data });
  expect(answer.status(), `${method} ${url}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

/**
 * A JSMS and a CMPP channel with long names, a user with a long unbroken userid (64 characters at most) bound to both, an
 * API key, and a finished CMPP send of a long text; once per worker (a failed test restarts it).
 */
async function seed(page: Page): Promise<Seed> {
  if (seeded) return seeded;
  const appKey = Array.from({ length: 24 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
  const jsms = await api(page, "POST", "/api/v1/channels", {
    type: "jsms", name: `Marketing notifications, Jiguang production ${run}`, appKey, masterSecret: "2b38ce69b1de2a7fa95706ea",
  });
  const cmpp = await api(page, "POST", "/api/v1/channels", {
    type: "cmpp", name: `China Mobile gateway for verification codes ${run}`, provider: "china_mobile", host: "127.0.0.1", port: CMPP_SIMULATOR.port,
    account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password, accessNumber: "106900012345678", connections: 1,
  });
  const userid = `phoneLayoutUser${run}0123456789abcdef0123456789abcdef`;
  const upsert = await api(page, "POST", "/api/v1/users", [{ userid, phone: { all: "13900000001", [cmpp.channelKey]: "13800000001", [jsms.channelKey]: "13700000001" } }]);
  expect(upsert.failed).toEqual([]);
  await api(page, "POST", "/api/v1/api-keys", { name: `integration-key-for-the-billing-system-${run}`, role: "operator" });
  const send = await api(page, "POST", "/api/v1/messages", {
    channelKey: cmpp.channelKey,
    phones: ["13800000002", `1380000000${CMPP_SIMULATOR.failingSuffix}`],
    text: `Your verification code is 246810. https://example.com/verify/${"x".repeat(60)} — valid for ten minutes.`,
  });
  let messageId = "";
  await expect
    .poll(async () => {
      const messages = await api(page, "GET", `/api/v1/messages?sendId=${send.sendId}&limit=5`);
      messageId = messages.items[0]?.id ?? "";
      return messageId;
    }, { timeout: 20_000 })
    .not.toBe("");
  seeded = { jsmsKey: jsms.channelKey, cmppKey: cmpp.channelKey, userid, sendId: send.sendId, messageId };
  return seeded;
}

/** Each console page, with an element that is there once its data has loaded (and a screenshot name for a few). */
function consolePages(s: Seed): { path: string; ready: string; shot?: string }[] {
  return [
    { path: "/channels", ready: "main table td a", shot: "channels" },
    { path: "/channels/new", ready: "main form", shot: "channel-new" },
    { path: `/channels/${s.jsmsKey}`, ready: "[data-testid=callback-url]", shot: "channel-jsms" },
    { path: `/channels/${s.cmppKey}`, ready: "[data-testid=channel-key]" },
    { path: "/users", ready: "main table td a", shot: "users" },
    { path: `/users/${encodeURIComponent(s.userid)}`, ready: "main table td", shot: "user" },
    { path: "/send", ready: "main form", shot: "send" },
    { path: "/messages", ready: "main [role=progressbar]", shot: "messages" },
    { path: `/messages/sends/${s.sendId}`, ready: "main table td a", shot: "send-detail" },
    { path: `/messages/${s.messageId}`, ready: "main table td", shot: "message" },
    { path: "/settings/operators", ready: "main table td" },
    { path: "/settings/api-keys", ready: "main table td", shot: "api-keys" },
    { path: "/settings/audit-log", ready: "main table td", shot: "audit-log" },
  ];
}

/**
 * How far the page scrolls sideways, and if it does, the elements sticking out past the viewport
 * (the innermost ones: those are the content to fix), outside any box that scrolls or clips them.
 */
async function sidewaysOverflow(page: Page) {
  return page.evaluate(() => {
    const viewport = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= viewport) return { scrollWidth, viewport, offenders: [] as string[] };
    // Inside a box that scrolls or clips, an element is no trouble; unless it is positioned (sr-only
    // text, say) and its containing block lies outside that box, which then does not clip it.
    const clipped = (el: Element) => {
      if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== "visible") return true;
      }
      return false;
    };
    const limit = document.documentElement.clientWidth;
    const out = [...document.body.querySelectorAll("*")].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > limit + 0.5 && !clipped(el);
    });
    const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
    const describe = (el: Element) => {
      const classes = typeof el.className === "string" ? el.className.split(/\s+/).filter(Boolean).slice(0, 4).join(".") : "";
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 50);
      return `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${classes ? `.${classes}` : ""}> right=${Math.round(el.getBoundingClientRect().right)} "${text}"`;
    };
    return { scrollWidth, viewport, offenders: innermost.slice(0, 8).map(describe) };
  });
}

async function expectNoSidewaysScroll(page: Page, what: string) {
  const result = await sidewaysOverflow(page);
  expect
    .soft(result.scrollWidth, `${what} scrolls sideways (${result.scrollWidth} > ${result.viewport}); sticking out:\n${result.offenders.join("\n")}`)
    .toBeLessThanOrEqual(result.viewport);
}

async function useLocale(page: Page, baseURL: string, locale: Locale) {
  await page.context().addCookies([{ name: "NEXT_LOCALE", value: locale, url: baseURL }]);
}

async function shoot(page: Page, name: string) {
  const dir = process.env.PHONE_LAYOUT_SHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `phone-${name}.png`), fullPage: true });
}

for (const viewport of [PHONE, ZOOMED]) {
  for (const locale of LOCALES) {
    test(`no page scrolls sideways at ${viewport.width}×${viewport.height} in ${locale}`, async ({ page, baseURL }) => {
      test.setTimeout(180_000);
      await page.setViewportSize(viewport);
      await signInAsAdmin(page);
      const s = await seed(page);
      await useLocale(page, baseURL!, locale);

      for (const { path: url, ready, shot } of consolePages(s)) {
        await page.goto(url);
        await expect(page.locator("html")).toHaveAttribute("lang", locale);
        await expect(page.locator("main h1")).toBeVisible();
        await expect(page.locator(ready).first()).toBeVisible();
        await expectNoSidewaysScroll(page, `${url} (${locale}, ${viewport.width} px)`);
        // Folded parts (advanced settings, raw events) open in place: they must fit too.
        if (await page.locator("main details").count()) {
          await page.locator("main details").evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
          await expectNoSidewaysScroll(page, `${url} with its details open (${locale}, ${viewport.width} px)`);
        }
        if (shot) await shoot(page, `${viewport.width}-${locale}-${shot}`);
      }

      // Signed out: the sign-in page.
      await page.context().clearCookies();
      await useLocale(page, baseURL!, locale);
      await page.goto("/login");
      await expect(page.locator("main form")).toBeVisible();
      await expectNoSidewaysScroll(page, `/login (${locale}, ${viewport.width} px)`);
      await shoot(page, `${viewport.width}-${locale}-login`);
    });
  }
}

test("on a phone a table is a list of cards: each value labelled with its column, the row's link kept", async ({ page }) => {
  await page.setViewportSize(PHONE);
  await signInAsAdmin(page);
  const s = await seed(page);
  await page.goto("/channels");
  const table = page.getByRole("table", { name: "Channels" });
  const link = page.getByRole("link", { name: /China Mobile gateway for verification codes/ });
  const row = table.getByRole("row").filter({ has: link });
  await expect(row.getByRole("link")).toBeVisible();
  // The label shown above a cell's value is its column's header.
  const labels = await row.locator("td").evaluateAll((cells) => cells.map((cell) => getComputedStyle(cell, "::before").content));
  expect(labels).toEqual(['"Name"', '"Channel type"', '"Channel key"', '"Status"', '"Created"']);
  // A card fits the screen: every cell as wide as the row, none cut off.
  const rowBox = (await row.boundingBox())!;
  for (const cell of await row.locator("td").all()) {
    const box = (await cell.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(rowBox.x + rowBox.width + 0.5);
  }
  await expect(table.locator("thead")).not.toBeInViewport();
  await row.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/channels/${s.cmppKey}$`));
});

test("at desktop width a table is a table, with visible column headers and no cell labels", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await signInAsAdmin(page);
  await seed(page);
  await page.goto("/channels");
  const table = page.getByRole("table", { name: "Channels" });
  await expect(table.getByRole("columnheader", { name: "Channel key" })).toBeVisible();
  const first = table.locator("tbody td").first();
  expect(await first.evaluate((cell) => getComputedStyle(cell).display)).toBe("table-cell");
  expect(await first.evaluate((cell) => getComputedStyle(cell, "::before").content)).toBe("none");
  await shoot(page, "1280-en-channels");
});

test("at desktop and tablet widths no page scrolls sideways either", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  const s = await seed(page);
  // 800 px: the sidebar is out and leaves the least room for the content beside it.
  for (const viewport of [DESKTOP, { width: 800, height: 1000 }]) {
    await page.setViewportSize(viewport);
    for (const { path: url, ready, shot } of consolePages(s)) {
      await page.goto(url);
      await expect(page.locator(ready).first()).toBeVisible();
      await expectNoSidewaysScroll(page, `${url} (en, ${viewport.width} px)`);
      if (shot && viewport === DESKTOP && ["messages", "send-detail", "channel-jsms"].includes(shot)) await shoot(page, `1280-en-${shot}`);
    }
  }
});

test("at 320 px what appears after an action fits too: a new API key, a connection test, a send preview", async ({ page }) => {
  await page.setViewportSize(ZOOMED);
  await signInAsAdmin(page);
  const s = await seed(page);

  await page.goto("/settings/api-keys");
  await page.getByLabel("Name").fill(`phone-${run}`);
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("new-api-key")).toBeVisible();
  await expectNoSidewaysScroll(page, "/settings/api-keys with a new key shown");

  await page.goto(`/channels/${s.cmppKey}`);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: /ms/ })).toBeVisible({ timeout: 15_000 });
  await expectNoSidewaysScroll(page, "a CMPP channel with its connection test result");

  await page.goto("/send");
  const select = page.getByLabel("Channel", { exact: true });
  await select.selectOption((await select.locator("option", { hasText: "China Mobile gateway" }).first().getAttribute("value"))!);
  await page.getByLabel("Message text").fill(`Your code is 246810. https://example.com/${"y".repeat(80)}`);
  await page.getByRole("radio", { name: "Phone numbers" }).check();
  await page.getByLabel("Phone number list").fill(`13700000001\n12345\nnot-a-number-${"9".repeat(60)}`);
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByLabel("Preview figures")).toBeVisible();
  await expectNoSidewaysScroll(page, "/send with its preview");
  await shoot(page, "320-en-send-preview");
});

for (const locale of LOCALES) {
  test(`on a phone the navigation folds behind the menu button (${locale})`, async ({ page, baseURL }) => {
    await page.setViewportSize(PHONE);
    await signInAsAdmin(page);
    await useLocale(page, baseURL!, locale);
    await page.goto("/channels");
    const menu = page.getByRole("button", { name: MENU[locale] });
    const nav = page.locator("#console-nav");
    const usersLink = nav.getByRole("link", { name: locale === "en" ? "Users" : "用户" });
    await expect(menu).toBeVisible();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(menu).toHaveAttribute("aria-controls", "console-nav");
    await expect(usersLink).toBeHidden();

    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(usersLink).toBeVisible();
    await expectNoSidewaysScroll(page, `/channels with the menu open (${locale})`);
    await shoot(page, `390-${locale}-menu-open`);

    await page.keyboard.press("Escape");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(usersLink).toBeHidden();
    await expect(menu).toBeFocused();

    await menu.click();
    await usersLink.click();
    await expect(page).toHaveURL(/\/users$/);
    await expect(page.locator("main h1")).toHaveText(locale === "en" ? "Users" : "用户");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(usersLink).toBeHidden();
  });
}

test("at desktop width the navigation is shown and there is no menu button", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await signInAsAdmin(page);
  await expect(page.locator("#console-nav").getByRole("link", { name: "Users" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
});
