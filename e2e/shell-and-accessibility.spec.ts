import { expect, type Page } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expectNoSeriousA11yViolations } from "./a11y";
import { CMPP_SIMULATOR, SANDBOX_APP, signInAsAdmin, test } from "./fixtures";

/**
 * The console's frame as a keyboard and a screen reader meet it, on every page and in both
 * languages: a title of its own, a skip link first, one <main>, focus on the heading after a
 * navigation; and no serious or critical axe-core violation with the page empty, with a form's
 * errors showing and after a failed upload. (The set-up page is checked in channels.spec.ts,
 * the only spec that meets it.)
 */
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const LANGUAGES = [
  { locale: "en", suffix: "SMS Console" },
  { locale: "zh-CN", suffix: "短信控制台" },
] as const;

interface Fixture {
  jsmsKey: string;
  cmppKey: string;
  userid: string;
  sendId: string;
  messageId: string;
}
let fixture: Fixture;

async function api(page: Page, method: "POST" | "PUT", url: string, data: unknown) {
  const answer = await page.request.fetch(url, { method, data });
  expect(answer.status(), `${method} ${url}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

/** Every page of the console, with the heading its title must name (by catalogue text). */
function pages(f: Fixture) {
  return [
    { route: "/", title: { en: "Overview", "zh-CN": "概览" } },
    { route: "/dashboard", title: { en: "Messages dashboard", "zh-CN": "消息仪表盘" } },
    { route: "/channels", title: { en: "Channels", "zh-CN": "通道" } },
    { route: "/channels/new", title: { en: "New channel", "zh-CN": "新建通道" } },
    { route: `/channels/${f.jsmsKey}`, title: { en: `Channel A11y JSMS ${run}`, "zh-CN": `通道 A11y JSMS ${run}` } },
    { route: `/channels/${f.cmppKey}`, title: { en: `Channel A11y CMPP ${run}`, "zh-CN": `通道 A11y CMPP ${run}` } },
    { route: "/users", title: { en: "Users", "zh-CN": "用户" } },
    { route: `/users/${f.userid}`, title: { en: `User ${f.userid}`, "zh-CN": `用户 ${f.userid}` } },
    { route: "/send", title: { en: "Send", "zh-CN": "发送" } },
    { route: "/messages", title: { en: "Messages", "zh-CN": "消息" } },
    { route: `/messages/sends/${f.sendId}`, title: { en: `Send ${f.sendId.slice(0, 8)}`, "zh-CN": `发送记录 ${f.sendId.slice(0, 8)}` } },
    { route: `/messages/${f.messageId}`, title: { en: `Message ${f.messageId}`, "zh-CN": `消息 ${f.messageId}` } },
    { route: "/providers", title: { en: "Providers", "zh-CN": "服务商" } },
    { route: "/providers/china_mobile", title: { en: "China Mobile: receipt codes", "zh-CN": "中国移动：回执状态码" } },
    { route: "/settings/operators", title: { en: "Operators", "zh-CN": "操作员" } },
    { route: "/settings/api-keys", title: { en: "API keys", "zh-CN": "API 密钥" } },
    { route: "/settings/audit-log", title: { en: "Audit log", "zh-CN": "审计日志" } },
  ];
}

async function useLanguage(page: Page, locale: string) {
  // The cookie the language switch sets (lib/i18n/locales.ts), for the whole site.
  await page.context().addCookies([{ name: "NEXT_LOCALE", value: locale, url: new URL("/", page.url()).href }]);
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signInAsAdmin(page);
  const jsms = await api(page, "POST", "/api/v1/channels", { type: "jsms", name: `A11y JSMS ${run}`, ...SANDBOX_APP });
  const cmpp = await api(page, "POST", "/api/v1/channels", {
    type: "cmpp", name: `A11y CMPP ${run}`, provider: "china_mobile", host: "127.0.0.1", port: CMPP_SIMULATOR.port,
    account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password, accessNumber: "1065", connections: 1,
  });
  const userid = `a11y-${run}`;
  await api(page, "POST", "/api/v1/users", [{ userid, phone: { all: "13900001234" } }]);
  const send = await api(page, "POST", "/api/v1/messages", { channelKey: cmpp.channelKey, userids: [userid], text: "Accessibility check." });
  let messageId = "";
  await expect(async () => {
    const list = await (await page.request.get(`/api/v1/messages?sendId=${send.sendId}`)).json();
    messageId = String(list.items[0]?.id ?? "");
    expect(messageId).not.toBe("");
  }).toPass({ timeout: 20_000 });
  fixture = { jsmsKey: jsms.channelKey, cmppKey: cmpp.channelKey, userid, sendId: send.sendId, messageId };
  await page.close();
});

for (const { locale, suffix } of LANGUAGES) {
  test(`every page in ${locale}: its own title, a skip link first, one main, no serious axe violation`, async ({ page }) => {
    // One axe pass per page of the whole console (now with the dashboard's and providers' pages): more than the default minute.
    test.setTimeout(240_000);
    await signInAsAdmin(page);
    await useLanguage(page, locale);
    for (const { route, title } of pages(fixture)) {
      await page.goto(route);
      await expect(page).toHaveTitle(`${title[locale]} · ${suffix}`);
      await expect(page.locator("main")).toHaveCount(1);
      await expect(page.locator("h1")).toHaveCount(1);
      // The first Tab reaches the skip link; following it puts focus in <main>.
      await page.locator("body").focus();
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: locale === "en" ? "Skip to content" : "跳到正文" });
      await expect(skip).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(page.locator("main")).toBeFocused();
      await expectNoSeriousA11yViolations(page, `${locale}, as loaded`);
    }
    // The sign-in page, signed out.
    await page.context().clearCookies();
    await useLanguage(page, locale);
    await page.goto("/login");
    await expect(page).toHaveTitle(`${locale === "en" ? "Sign in" : "登录"} · ${suffix}`);
    await expect(page.locator("main")).toHaveCount(1);
    await expectNoSeriousA11yViolations(page, `${locale}, sign-in`);
    await page.getByRole("button", { name: locale === "en" ? "Sign in" : "登录" }).click();
    await expectNoSeriousA11yViolations(page, `${locale}, sign-in with errors showing`);
  });

  test(`forms with errors showing and a failed upload in ${locale}: no serious axe violation`, async ({ page }) => {
    await signInAsAdmin(page);
    await useLanguage(page, locale);
    const create = locale === "en" ? "Create channel" : "创建通道";

    await page.goto("/channels/new");
    await page.getByRole("button", { name: create }).click();
    await expect(page.locator('[aria-invalid="true"]').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, `${locale}, JSMS channel form with errors`);
    await page.getByRole("radio", { name: "CMPP" }).check();
    await expectNoSeriousA11yViolations(page, `${locale}, CMPP channel form`);
    await page.getByRole("button", { name: create }).click();
    await expect(page.locator('[aria-invalid="true"]').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, `${locale}, CMPP channel form with errors`);

    await page.goto("/send");
    await page.getByRole("button", { name: locale === "en" ? "Preview" : "预览" }).click();
    await expectNoSeriousA11yViolations(page, `${locale}, send form with errors`);

    await page.goto("/settings/operators");
    await expectNoSeriousA11yViolations(page, `${locale}, operators`);

    // An upload the server refuses as a whole: text with an .xlsx name.
    await page.goto("/users");
    const file = path.join(os.tmpdir(), `a11y-${run}-${locale}.xlsx`);
    fs.writeFileSync(file, "userid,phone\nx,13800138000\n");
    await page.locator('input[type="file"]').first().setInputFiles(file);
    await page.getByRole("button", { name: locale === "en" ? "Upload" : "上传" }).click();
    await expect(page.getByRole("alert").first()).toBeVisible({ timeout: 30_000 });
    await expectNoSeriousA11yViolations(page, `${locale}, users after a failed upload`);
  });
}

test("after a client navigation focus is on the new page's heading, and the title follows", async ({ page }) => {
  await signInAsAdmin(page);
  await useLanguage(page, "en");
  await page.goto("/channels");
  await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeFocused();
  await expect(page).toHaveTitle("Users · SMS Console");
  await page.goBack();
  await expect(page.getByRole("heading", { level: 1, name: "Channels" })).toBeFocused();
  await expect(page).toHaveTitle("Channels · SMS Console");
});

test("an unknown address and a deleted record answer with a page of their own", async ({ page }) => {
  await signInAsAdmin(page);
  await useLanguage(page, "en");
  for (const route of ["/no-such-page", "/channels/no-such-channel"]) {
    const answer = await page.goto(route);
    expect(answer?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await expect(page).toHaveTitle("Page not found · SMS Console");
    await expect(page.locator("main")).toHaveCount(1);
    await expectNoSeriousA11yViolations(page, "not found");
  }
});
