import { expect, test as base, type Page } from "@playwright/test";

export const SANDBOX_URL = `http://127.0.0.1:${process.env.E2E_JSMS_SANDBOX_PORT ?? 3211}`;

/** The JSMS app the sandbox started by playwright.config.ts accepts. */
export const SANDBOX_APP = { appKey: "dd1066407b044738b6479275", masterSecret: "2b38ce69b1de2a7fa95706ea" };

/** The account the CMPP gateway simulator started by playwright.config.ts accepts; numbers ending in `failingSuffix` get UNDELIV reports. */
export const CMPP_SIMULATOR = { port: Number(process.env.E2E_CMPP_SIMULATOR_PORT ?? 3212), account: "900001", password: "888888", failingSuffix: "7" };

/** The page a sign-in lands on: the Overview. */
export const HOME_HEADING = "Overview";

export const ADMIN = { email: "admin@example.com", password: "correct-horse-battery" };

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: HOME_HEADING })).toBeVisible();
}

/** Signs in as the admin, creating it through the set-up page when this run has none yet. */
export async function signInAsAdmin(page: Page) {
  await page.goto("/");
  if (/\/setup$/.test(page.url())) {
    await page.getByLabel("Admin email").fill(ADMIN.email);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByLabel("Repeat the password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin and sign in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: HOME_HEADING })).toBeVisible();
    return;
  }
  await signIn(page, ADMIN);
}

/**
 * `test` that fails when the browser reports a Content-Security-Policy violation on any page the
 * test opened: a blocked script leaves a page that renders but never hydrates, which a check of
 * text alone may not notice. Chromium reports a violation both as a console error and as a
 * `securitypolicyviolation` event; both are caught.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const seen: string[] = [];
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) =>
          console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"} on ${location.pathname}`),
        );
      });
      page.on("console", (message) => {
        if (/Content Security Policy|CSP violation/i.test(message.text())) seen.push(message.text());
      });
      await use(seen);
      expect(seen, "Content-Security-Policy violations reported by the browser").toEqual([]);
    },
    { auto: true },
  ],
});
