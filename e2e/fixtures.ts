import { expect, type Page } from "@playwright/test";

export const SANDBOX_URL = `http://127.0.0.1:${process.env.E2E_JSMS_SANDBOX_PORT ?? 3211}`;

/** The JSMS app the sandbox started by playwright.config.ts accepts. */
export const SANDBOX_APP = { appKey: "dd1066407b044738b6479275", masterSecret: "2b38ce69b1de2a7fa95706ea" };

/** The account the CMPP gateway simulator started by playwright.config.ts accepts. */
export const CMPP_SIMULATOR = { port: Number(process.env.E2E_CMPP_SIMULATOR_PORT ?? 3212), account: "900001", password: "888888" };

export const ADMIN = { email: "admin@example.com", password: "correct-horse-battery" };

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Channels" })).toBeVisible();
}

/** Signs in as the admin, creating it through the set-up page when this run has none yet. */
export async function signInAsAdmin(page: Page) {
  await page.goto("/");
  if (/\/setup$/.test(page.url())) {
    await page.getByLabel("Admin email").fill(ADMIN.email);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByLabel("Repeat the password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin and sign in" }).click();
    await expect(page.getByRole("heading", { name: "Channels" })).toBeVisible();
    return;
  }
  await signIn(page, ADMIN);
}
