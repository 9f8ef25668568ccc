import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * Runs axe-core on the page as it is now (WCAG 2.x A and AA rules and axe's best practices) and
 * fails on any serious or critical violation, naming the rule, its help text and the elements.
 * `state` says what the page showed (empty form, errors showing…) so a failure tells which case.
 */
export async function expectNoSeriousA11yViolations(page: Page, state: string) {
  // Judged at rest: a transition still running (a button fading back from disabled after a failed
  // upload) has in-between colours that fail the contrast rule. Endless animations (spinners) are left.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => Number.isFinite(Number(animation.effect?.getComputedTiming().endTime ?? Infinity)))
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.replace(/\n/g, " ")}`).join("\n")}`);
  // Soft: one run lists the violations of every page and state, not only the first.
  expect.soft(serious, `axe-core on ${new URL(page.url()).pathname} (${state})`).toEqual([]);
}
