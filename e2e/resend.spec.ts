import { expect, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./a11y";
import { CMPP_SIMULATOR, signInAsAdmin, test } from "./fixtures";

/**
 * Resending from a send's page: a CMPP send in which the gateway answers UNDELIV for two of four
 * numbers is resent on a second CMPP channel; a second click answers the same new send, and both
 * pages link each other.
 */
const run = Date.now().toString(36);

async function api(page: Page, method: "GET" | "POST", url: string, data?: unknown) {
  const answer = await page.request.fetch(url, { method, data });
  expect(answer.status(), `${method} ${url}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

async function cmppChannel(page: Page, name: string): Promise<string> {
  const channel = await api(page, "POST", "/api/v1/channels", {
    type: "cmpp", name, provider: "china_mobile", host: "127.0.0.1", port: CMPP_SIMULATOR.port,
    account: CMPP_SIMULATOR.account, password: CMPP_SIMULATOR.password, accessNumber: "1065", connections: 1,
  });
  return channel.channelKey as string;
}

test("resends a send's failed messages on a second channel, once, and links the two sends", async ({ page }) => {
  await signInAsAdmin(page);
  const first = await cmppChannel(page, `Resend first ${run}`);
  const secondName = `Resend second ${run}`;
  await cmppChannel(page, secondName);
  const fail = CMPP_SIMULATOR.failingSuffix;
  const phones = ["13800003001", "13800003002", `1380000301${fail}`, `1380000302${fail}`];
  const send = await api(page, "POST", "/api/v1/messages", { channelKey: first, phones, text: "Resend check." });
  await expect
    .poll(async () => {
      const s = await api(page, "GET", `/api/v1/sends/${send.sendId}`);
      return [s.counts.delivered, s.counts.failed];
    }, { timeout: 30_000 })
    .toEqual([2, 2]);

  await page.goto(`/messages/sends/${send.sendId}`);
  const card = page.getByRole("region", { name: "Resend" });
  await card.getByRole("button", { name: "Resend…" }).click();
  await expect(card.getByLabel("Failed (2)")).toBeChecked();
  await expect(card.getByLabel("Expired (0)")).toBeDisabled();
  await card.getByLabel("Channel").selectOption({ label: `${secondName} (CMPP)` });
  await expectNoSeriousA11yViolations(page, "resend form");
  const submit = card.getByRole("button", { name: "Resend 2 messages" });
  await submit.click();
  const outcome = card.getByTestId("resend-outcome");
  await expect(outcome).toHaveAttribute("data-created", "true");
  await expect(outcome).toContainText("A new send was made for 2 messages.");
  const href = await outcome.getByRole("link", { name: "Open the new send" }).getAttribute("href");

  // A second click makes nothing new, and says so.
  await submit.click();
  await expect(outcome).toHaveAttribute("data-created", "false");
  await expect(outcome).toContainText("This resend was made already");
  await expect(outcome.getByRole("link", { name: "Open the new send" })).toHaveAttribute("href", href!);
  await expect(page.getByTestId("resends").getByRole("listitem")).toHaveCount(1);

  await outcome.getByRole("link", { name: "Open the new send" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Send on ${secondName}` })).toBeVisible();
  await expect(page.getByTestId("resent-from")).toContainText(`Resent from send ${send.sendId.slice(0, 8)} (Failed).`);
  await expect(page.getByTestId("count-total")).toHaveText("2");
  await page.getByTestId("resent-from").getByRole("link").click();
  await expect(page.getByTestId("resends").getByRole("listitem")).toContainText(secondName);
});
