import { expect } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./a11y";
import { ADMIN, SANDBOX_APP, SANDBOX_URL, signIn, test } from "./fixtures";

/**
 * The operator's first day: set up the console, create a JSMS and a CMPP channel, see the port
 * warning, check secrets stay hidden, and check a viewer cannot create channels.
 * One serial flow: each step builds on the console state the previous one left.
 */
test.describe.configure({ mode: "serial" });

const admin = ADMIN;
const viewer = { email: "viewer@example.com", password: "viewer-password-1" };
const jsms = { name: "Marketing JSMS", ...SANDBOX_APP };
const cmpp = { name: "Carrier gateway", password: "gw-s3cret-pw" };

test("first-run setup creates the admin and signs in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  // The set-up page exists only until the first admin: its title and axe-core are checked here.
  await expect(page).toHaveTitle("Set up the console · SMS Console");
  await expectNoSeriousA11yViolations(page, "set-up, empty");
  await page.getByLabel("Admin email").fill(admin.email);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Repeat the password").fill("different");
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  // Exact: the error summary repeats each message in its link ("Password: …"); this is the line under the field.
  await expect(page.getByText("The password needs at least 10 characters.", { exact: true })).toBeVisible();
  await expectNoSeriousA11yViolations(page, "set-up with errors showing");
  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByLabel("Repeat the password").fill(admin.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-operator")).toContainText(admin.email);
  // Setup is a one-time page.
  await page.goto("/setup");
  await expect(page).not.toHaveURL(/\/setup$/);
});

test("a wrong password is refused with a clear message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The email or password is wrong" })).toBeVisible();
});

test("an admin creates a JSMS channel and gets its key and callback URL", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels");
  await page.getByRole("link", { name: "New channel" }).click();
  await page.getByLabel("Name").fill(jsms.name);
  await page.getByLabel("AppKey").fill("not-a-key");
  await page.getByLabel("MasterSecret").fill(jsms.masterSecret);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("The AppKey is 24 hexadecimal characters (0–9, a–f).", { exact: true })).toBeVisible();
  await page.getByLabel("AppKey").fill(jsms.appKey);
  await page.getByRole("button", { name: "Create channel" }).click();

  await expect(page.getByRole("heading", { name: jsms.name })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Channel created" })).toBeVisible();
  const key = (await page.getByTestId("channel-key").textContent())!.trim();
  expect(key).toMatch(/^[a-z0-9]{10}$/);
  await expect(page.getByTestId("callback-url")).toHaveText(`http://127.0.0.1:${process.env.E2E_PORT ?? 3210}/api/jsms/callback/${key}`);
  await expect(page.getByRole("button", { name: "Copy callback URL" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy channel key" })).toBeVisible();

  // The sandbox knows these credentials: the balance call succeeds.
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Connection works" })).toBeVisible();
});

test("Jiguang's callbacks reach the channel page: review results and replies", async ({ page, request }) => {
  await signIn(page, admin);
  await page.goto("/channels");
  await page.getByRole("link", { name: jsms.name }).click();
  const callbackUrl = (await page.getByTestId("callback-url").textContent())!.trim();
  // Jiguang's URL check: the raw echostr comes back.
  const echo = await request.get(`${callbackUrl}?echostr=check-4711`);
  expect(await echo.text()).toBe("check-4711");

  // The sandbox plays Jiguang: it signs and posts to the URL the operator pasted.
  expect((await request.post(`${SANDBOX_URL}/__sandbox/callback-url`, { data: { appKey: jsms.appKey, url: callbackUrl } })).ok()).toBe(true);
  await request.post(`${SANDBOX_URL}/__sandbox/callback`, {
    data: { appKey: jsms.appKey, type: "SMS_TEMPLATE", data: { tempId: 42, status: 2, refuseReason: "签名与模板不符" } },
  });
  await request.post(`${SANDBOX_URL}/__sandbox/reply`, { data: { appKey: jsms.appKey, phone: "13800138000", content: "TD 退订" } });

  const reviews = page.getByRole("region", { name: "Template and signature reviews" });
  await expect(reviews.getByRole("row", { name: /Template 42.*Rejected.*签名与模板不符/ })).toBeVisible({ timeout: 15_000 });
  const replies = page.getByRole("region", { name: "Latest replies" });
  await expect(replies.getByRole("row", { name: /13800138000.*TD 退订/ })).toBeVisible({ timeout: 15_000 });
});

test("test connection reports a JSMS auth failure in words", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels/new");
  await page.getByLabel("Name").fill("Wrong secret");
  await page.getByLabel("AppKey").fill(jsms.appKey);
  await page.getByLabel("MasterSecret").fill("000000000000000000000000");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Wrong secret" })).toBeVisible();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Connection failed" })).toContainText("rejected");
});

test("a CMPP channel on port 7890 is accepted with the port warning", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels/new");
  await page.getByLabel("Carrier gateway (CMPP)").check();
  await page.getByLabel("Name").fill(cmpp.name);
  await page.getByLabel("Provider").selectOption("china_mobile");
  await page.getByLabel("Gateway IP").fill("300.1.1.1");
  await page.getByLabel("Gateway port").fill("70000");
  await page.getByLabel("Account").fill("901234");
  await page.getByLabel("Password").fill(cmpp.password);
  await page.getByLabel("Access number").fill("1065abc");
  await page.getByLabel("Number of connections").fill("65");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("This is not an IP address or host name.", { exact: true })).toBeVisible();
  await expect(page.getByText("The port must be a whole number from 1 to 65535.", { exact: true })).toBeVisible();
  await expect(page.getByText("The access number is 1 to 21 digits.", { exact: true })).toBeVisible();
  await expect(page.getByText("The number of connections must be a whole number from 1 to 64.", { exact: true })).toBeVisible();

  await page.getByLabel("Gateway IP").fill("127.0.0.1");
  await page.getByLabel("Gateway port").fill("443");
  await expect(page.getByText(/Port \d+ is not 80, 443, 25 or 465/)).toHaveCount(0);
  await page.getByLabel("Gateway port").fill("7890");
  // The warning shows live, before saving (under the field; the page's status region says it too, after a pause).
  await expect(page.getByRole("form", { name: "New channel" }).getByText("Port 7890 is not 80, 443, 25 or 465")).toBeVisible();
  await page.getByLabel("Access number").fill("10657123");
  await page.getByLabel("Number of connections").fill("4");
  await page.getByText("Advanced").click();
  await expect(page.getByLabel("Protocol version")).toHaveValue("3.0");
  await page.getByLabel("Protocol version").selectOption("2.0");
  await page.getByRole("button", { name: "Create channel" }).click();

  await expect(page.getByRole("heading", { name: cmpp.name })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Port 7890 is not 80, 443, 25 or 465" })).toBeVisible();
  await expect(page.getByText("CMPP 2.0", { exact: true })).toBeVisible();
});

test("after a reload, secrets are masked and saving without retyping keeps them", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels");
  await page.getByRole("link", { name: cmpp.name }).click();
  await expect(page).toHaveURL(/\/channels\/[a-z0-9]{10}$/);
  await page.reload();
  await expect(page.getByRole("heading", { name: cmpp.name })).toBeVisible();
  expect(await page.content()).not.toContain(cmpp.password);
  await page.getByRole("button", { name: "Edit" }).click();
  const password = page.getByLabel("Password");
  await expect(password).toHaveValue("");
  await expect(password).toHaveAttribute("placeholder", "Saved secret (hidden)");
  await page.getByLabel("Name").fill(cmpp.name + " 2");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: cmpp.name + " 2" })).toBeVisible();

  const list = await page.request.get("/api/v1/channels");
  expect(list.status()).toBe(200);
  const body = await list.text();
  expect(body).not.toContain(cmpp.password);
  expect(body).not.toContain(jsms.masterSecret);
  expect(body).not.toContain(jsms.appKey);
  const channel = JSON.parse(body).items.find((c: { name: string }) => c.name === cmpp.name + " 2");
  expect(channel.config.passwordSet).toBe(true);
  expect(channel.warnings[0].code).toBe("port_needs_approval");
});

test("an admin disables a channel, and deletes one that never sent after confirming", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels/new");
  await page.getByLabel("Name").fill("Short-lived");
  await page.getByLabel("AppKey").fill(jsms.appKey);
  await page.getByLabel("MasterSecret").fill(jsms.masterSecret);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Short-lived" })).toBeVisible();

  await page.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByRole("button", { name: "Enable" })).toBeVisible();
  await expect(page.getByText("Disabled", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: 'Delete the channel "Short-lived"?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Yes, delete the channel" }).click();
  await expect(page).toHaveURL(/\/channels$/);
  await expect(page.getByRole("link", { name: "Short-lived" })).toHaveCount(0);
});

test("a duplicate channel name is refused", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels/new");
  await page.getByLabel("Name").fill(jsms.name.toUpperCase());
  await page.getByLabel("AppKey").fill(jsms.appKey);
  await page.getByLabel("MasterSecret").fill(jsms.masterSecret);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("Another channel already has this name.").first()).toBeVisible();
});

test("a viewer can read channels but cannot create one", async ({ page }) => {
  await signIn(page, admin);
  await page.getByRole("link", { name: "Operators" }).click();
  const form = page.getByRole("form", { name: "Add an operator" });
  await form.getByLabel("Email").fill(viewer.email);
  await form.getByLabel("Initial password").fill(viewer.password);
  await form.getByLabel("Role").selectOption("viewer");
  await form.getByRole("button", { name: "Add operator" }).click();
  await expect(page.getByRole("cell", { name: viewer.email, exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  await signIn(page, viewer);
  await page.goto("/channels");
  await expect(page.getByRole("link", { name: jsms.name })).toBeVisible();
  await expect(page.getByRole("link", { name: "New channel" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Operators" })).toHaveCount(0);
  await page.goto("/channels/new");
  await expect(page.getByRole("alert").filter({ hasText: "Not allowed" })).toBeVisible();
  const attempt = await page.request.post("/api/v1/channels", {
    data: { type: "jsms", name: "Sneaky", appKey: jsms.appKey, masterSecret: jsms.masterSecret },
  });
  expect(attempt.status()).toBe(403);
  expect((await attempt.json()).error.code).toBe("forbidden");
  await page.goto("/channels");
  await page.getByRole("link", { name: jsms.name }).click();
  await expect(page.getByRole("heading", { name: jsms.name })).toBeVisible();
  await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
});

test("the language switch turns the console into Simplified Chinese and back", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/channels");
  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("heading", { name: "通道" })).toBeVisible();
  await expect(page.getByRole("link", { name: "新建通道" })).toBeVisible();
  await page.getByRole("link", { name: "新建通道" }).click();
  await page.getByRole("button", { name: "创建通道" }).click();
  await expect(page.getByText("请输入名称。", { exact: true })).toBeVisible();
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("heading", { name: "New channel" })).toBeVisible();
});
