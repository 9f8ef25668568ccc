import { expect, type Locator, type Page } from "@playwright/test";
import { CMPP_SIMULATOR, SANDBOX_APP, signInAsAdmin, test } from "./fixtures";

/**
 * The channel form with the keyboard alone (Tab, Shift+Tab, arrows, Enter, typing): nothing here
 * clicks or fills. A problem in the closed Advanced fold must not leave the operator guessing,
 * a server refusal must take the focus to its message, an error appearing on blur must not move
 * the button, and a warning that follows the typing is said once, not at every digit.
 */
test.describe.configure({ mode: "serial" });

const channelName = "Keyboard gateway";

/** Presses `key` (Tab or Shift+Tab) until `target` has the focus. */
async function moveFocusTo(page: Page, target: Locator, key: "Tab" | "Shift+Tab" = "Tab", max = 60) {
  for (let i = 0; i < max; i++) {
    const focused = await target.evaluate((el) => el === document.activeElement, undefined, { timeout: 2_000 }).catch(() => false);
    if (focused) return;
    await page.keyboard.press(key);
  }
  await expect(target).toBeFocused();
}

/** Replaces the focused field's text, as an operator would: select all, type. */
async function retype(page: Page, text: string) {
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(text);
}

test("a problem in the closed Advanced fold is summarised, linked, and fixed with the keyboard", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/channels/new");
  await expect(page.getByRole("heading", { name: "New channel" })).toBeVisible();

  // The type is a radio group: arrow keys choose, and the chosen card shows the focus.
  const jsms = page.getByRole("radio", { name: /Jiguang SMS \(JSMS\)/ });
  const cmpp = page.getByRole("radio", { name: /Carrier gateway \(CMPP\)/ });
  await moveFocusTo(page, jsms);
  await page.keyboard.press("ArrowRight");
  await expect(cmpp).toBeChecked();
  await expect(cmpp).toBeFocused();
  const cmppCard = page.locator("label").filter({ has: cmpp });
  await expect(cmppCard).not.toHaveCSS("box-shadow", "none");
  await expect(page.locator("label").filter({ has: jsms })).toHaveCSS("box-shadow", "none");

  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Name")).toBeFocused();
  await page.keyboard.type(channelName);
  await page.keyboard.press("Tab"); // Provider: China Mobile stays
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Gateway IP")).toBeFocused();
  await page.keyboard.type("127.0.0.1");
  await page.keyboard.press("Tab"); // Gateway port: 7890 stays
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Account")).toBeFocused();
  await page.keyboard.type(CMPP_SIMULATOR.account);
  await page.keyboard.press("Tab");
  await page.keyboard.type(CMPP_SIMULATOR.password);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Access number")).toBeFocused();
  await page.keyboard.type("10690001");
  await page.keyboard.press("Tab");
  const connections = page.getByLabel("Number of connections");
  await expect(connections).toBeFocused();

  // Into the fold: 1e3 is not a number of messages per second here, it is text.
  const advanced = page.locator("details").filter({ has: page.getByText("Advanced", { exact: true }) });
  const toggle = advanced.locator("summary");
  await page.keyboard.press("Tab");
  await expect(toggle).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(advanced).toHaveAttribute("open", "");
  const tps = page.getByLabel("Messages per second per connection");
  await moveFocusTo(page, tps);
  await retype(page, "1e3");
  // Close the fold again and send the form from a field outside it.
  await moveFocusTo(page, toggle, "Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(advanced).not.toHaveAttribute("open");
  await page.keyboard.press("Shift+Tab");
  await expect(connections).toBeFocused();
  await page.keyboard.press("Enter");

  // The failed submit opens the fold and puts the focus in the field; the summary says what is wrong.
  const summary = page.getByRole("alert", { name: "There is 1 problem" });
  await expect(summary).toBeVisible();
  const link = summary.getByRole("link", { name: /Messages per second per connection: Type digits only/ });
  await expect(link).toBeVisible();
  await expect(advanced).toHaveAttribute("open", "");
  await expect(tps).toBeFocused();
  await expect(tps).toHaveAttribute("aria-invalid", "true");
  await expect(tps).toHaveAccessibleDescription(/Type digits only/);
  await expect(page).toHaveURL(/\/channels\/new$/);

  // Fold it away once more; the summary's link opens it and focuses the field.
  await moveFocusTo(page, toggle, "Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(advanced).not.toHaveAttribute("open");
  await moveFocusTo(page, link, "Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(advanced).toHaveAttribute("open", "");
  await expect(tps).toBeFocused();

  await retype(page, "50");
  await expect(summary).toHaveCount(0);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: channelName })).toBeVisible();
  await expect(page).toHaveURL(/\/channels\/[a-z0-9]{10}\?created=1$/);
  await expect(page.getByText("50", { exact: true })).toBeVisible();
});

test("a duplicate name takes the focus to the server's message and marks the field", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/channels/new");
  const name = page.getByLabel("Name");
  await moveFocusTo(page, name);
  await page.keyboard.type(channelName.toLowerCase());
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("AppKey")).toBeFocused();
  await page.keyboard.type(SANDBOX_APP.appKey);
  await page.keyboard.press("Tab");
  await page.keyboard.type(SANDBOX_APP.masterSecret);
  await page.keyboard.press("Enter");

  const message = page.getByRole("alert").filter({ hasText: "Another channel already has this name." });
  await expect(message).toBeFocused();
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveAccessibleDescription("Another channel already has this name.");
  // A server refusal is not a list of typing mistakes: no error summary.
  await expect(page.getByRole("alert", { name: /There (is|are) \d+ problems?/ })).toHaveCount(0);

  // Sending again refused alike takes the focus to the message again.
  await moveFocusTo(page, page.getByRole("button", { name: "Create channel" }));
  await page.keyboard.press("Enter");
  await expect(message).toBeFocused();
});

test("an error appearing on blur does not move the button under the pointer", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/channels/new");
  const name = page.getByLabel("Name");
  await moveFocusTo(page, name);
  // Nothing to say yet: the reserved error line is not part of the description.
  await expect(name).toHaveAccessibleDescription("");
  const submit = page.getByRole("button", { name: "Create channel" });
  const before = await submit.boundingBox();
  await page.keyboard.press("Tab");
  await expect(page.getByText("Enter a name.")).toBeVisible();
  await expect(name).toHaveAccessibleDescription("Enter a name.");
  const after = await submit.boundingBox();
  expect(before).not.toBeNull();
  expect(after).toEqual(before);
});

test("the port warning is said once the typing pauses, in the page's one status region", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/channels/new");
  await moveFocusTo(page, page.getByRole("radio", { name: /Jiguang SMS \(JSMS\)/ }));
  await page.keyboard.press("ArrowRight");
  const port = page.getByLabel("Gateway port");
  await moveFocusTo(page, port);

  const region = page.getByTestId("live-region");
  await expect(region).toHaveAttribute("role", "status");
  await expect(page.locator('[aria-live="polite"], [role="status"]')).toHaveCount(1);
  // Everything the region says from here on.
  await region.evaluate((el) => {
    const heard: string[] = [];
    (window as unknown as { heard: string[] }).heard = heard;
    new MutationObserver(() => {
      if (el.textContent) heard.push(el.textContent);
    }).observe(el, { childList: true, characterData: true, subtree: true });
  });
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("8080", { delay: 150 });
  const warning = "Port 8080 is not 80, 443, 25 or 465";
  await expect(page.getByText(warning)).toBeVisible();
  await expect(region).toContainText(warning);
  const heard = await page.evaluate(() => (window as unknown as { heard: string[] }).heard);
  expect(heard.filter((text) => text.startsWith("Port"))).toEqual([expect.stringContaining(warning)]);

  // The visible warning and the static help carry no live role of their own.
  await expect(page.getByRole("status").filter({ hasText: warning })).toHaveCount(1);
  await expect(page.getByRole("status").filter({ hasText: "Your carrier gives you these seven settings" })).toHaveCount(0);

  // Leaving the field says a new warning at once, without waiting for the pause.
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("2525");
  await page.keyboard.press("Tab");
  await expect(region).toContainText("Port 2525 is not 80, 443, 25 or 465", { timeout: 800 });
});
