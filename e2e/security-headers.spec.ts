import { expect, type APIResponse } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ADMIN, SANDBOX_APP, signIn, signInAsAdmin, test } from "./fixtures";

/**
 * Every answer carries the security headers; pages get a Content-Security-Policy with a fresh
 * nonce, and the console still works under it: `test` from ./fixtures fails on any violation the
 * browser reports.
 */
test.describe.configure({ mode: "serial" });

const FIXED = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
};

function expectFixedHeaders(response: APIResponse | { headers(): Record<string, string> }) {
  const headers = response.headers();
  expect(headers).toMatchObject(FIXED);
  expect(headers["permissions-policy"]).toContain("camera=()");
  // PUBLIC_URL is http in this run: no HSTS, which would pin the host to https.
  expect(headers["strict-transport-security"]).toBeUndefined();
}

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

test("a page answers with the fixed headers and a policy with a fresh nonce, strict-dynamic and no eval", async ({ request }) => {
  const first = await request.get("/login", { maxRedirects: 0 });
  const second = await request.get("/login", { maxRedirects: 0 });
  expectFixedHeaders(first);
  const policy = directives(first.headers()["content-security-policy"] ?? "");
  const script = policy.get("script-src") ?? [];
  expect(script).toEqual(expect.arrayContaining(["'self'", "'strict-dynamic'"]));
  expect(script).not.toContain("'unsafe-eval'");
  expect(script).not.toContain("'unsafe-inline'");
  const nonce = script.find((s) => s.startsWith("'nonce-"));
  expect(nonce).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
  expect(second.headers()["content-security-policy"]).not.toContain(nonce!);
  expect(policy.get("object-src")).toEqual(["'none'"]);
  expect(policy.get("base-uri")).toEqual(["'self'"]);
  expect(policy.get("form-action")).toEqual(["'self'"]);
  expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  expect(policy.get("style-src")).not.toContain("'unsafe-inline'");
});

test("the page's scripts carry its nonce", async ({ request }) => {
  const response = await request.get("/login");
  const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
  const html = await response.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
});

test("API answers, errors included, carry the fixed headers and a policy that allows nothing", async ({ request }) => {
  for (const response of [await request.get("/api/health"), await request.get("/api/v1/channels")]) {
    expectFixedHeaders(response);
    expect(response.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  }
  expect((await request.get("/api/v1/channels")).status()).toBe(401);
});

test("static files carry the fixed headers", async ({ request }) => {
  const html = await (await request.get("/login")).text();
  const asset = /(\/_next\/static\/[^"]+\.js)/.exec(html)?.[1];
  expect(asset).toBeDefined();
  const response = await request.get(asset!);
  expect(response.status()).toBe(200);
  expect(response.headers()).toMatchObject(FIXED);
});

test("sign-in, the channel form, the users import and every console page work under the policy", async ({ page }) => {
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  // Set-up or sign-in, then sign out and meet the wrong-password message: both forms hydrated.
  await signInAsAdmin(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The email or password is wrong" })).toBeVisible();
  await signIn(page, ADMIN);

  // The channel form validates in the browser, creates, and tests the connection.
  const name = `CSP check ${Date.now()}`;
  await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Channels" }).click();
  await page.getByRole("link", { name: "New channel" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("AppKey").fill("not-a-key");
  await page.getByLabel("MasterSecret").fill(SANDBOX_APP.masterSecret);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("The AppKey is 24 hexadecimal characters (0–9, a–f).", { exact: true })).toBeVisible();
  await page.getByLabel("AppKey").fill(SANDBOX_APP.appKey);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Connection works" })).toBeVisible();

  // The upload and its progress bar (a width set from the browser).
  await page.getByRole("link", { name: "Users" }).click();
  const file = path.join(os.tmpdir(), `csp-users-${Date.now()}.csv`);
  fs.writeFileSync(file, "userid,phone\ncsp-user,13800138000\n");
  await page.getByLabel("choose a file (.xlsx or .csv)").setInputFiles(file);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByRole("status").filter({ hasText: /^Done/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "100");

  for (const [route, heading] of [
    ["/send", "Send"],
    ["/messages", "Messages"],
    ["/settings/operators", "Operators"],
    ["/settings/api-keys", "API keys"],
    ["/users/csp-user", "csp-user"],
  ] as const) {
    await page.goto(route);
    await expect(page.getByRole("heading", { level: 1, name: heading, exact: true })).toBeVisible();
  }

  // The language switch: a server action, then a refresh of the page.
  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("link", { name: "通道" })).toBeVisible();
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("link", { name: "Channels" })).toBeVisible();

  expect(pageErrors).toEqual([]);
});
