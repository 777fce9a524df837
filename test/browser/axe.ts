// axe-core in the real-browser tests: injects axe into a page through the drivers (driver.ts), runs the
// WCAG 2.0 and 2.1 level A and AA rules plus axe's best practices (one level-one heading, landmarks),
// and fails with one readable line per element that breaks a rule.
import axe from 'axe-core';
import { expect } from 'vitest';
import type { TestPage } from './driver';
import { waitFor } from './harness';

export const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** One element that breaks one rule, as a line: "rule (impact) selector: what is wrong". */
export type AxeFinding = string;

/** What axe finds on the page as it is now (run it once the state to check is on screen). */
export async function axeFindings(page: TestPage): Promise<AxeFinding[]> {
  const hasAxe = await page.evaluate(() => typeof (window as { axe?: unknown }).axe === 'object', null);
  if (!hasAxe) await page.addScript(axe.source);
  return page.evaluate(async (tags) => {
    const found = await (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return found.violations.flatMap((rule) =>
      rule.nodes.map((node) => {
        // failureSummary is "Fix any of the following:\n  <why>": the reasons, on one line.
        const why = (node.failureSummary ?? '').split('\n').slice(1).map((line) => line.trim()).filter(Boolean).join('; ');
        return `${rule.id} (${rule.impact ?? node.impact ?? 'unknown'}) ${node.target.join(' ')}: ${rule.help}${why ? ` — ${why}` : ''}`;
      }),
    );
  }, axeTags);
}

/**
 * Fails, listing every finding, unless axe finds nothing on `page` in the light and in the dark colour
 * scheme (the extension's styles have both); `what` names the page and its state. Leaves it light.
 */
export async function expectAccessible(page: TestPage, what: string): Promise<void> {
  const found: AxeFinding[] = [];
  for (const scheme of ['dark', 'light'] as const) {
    await page.colorScheme(scheme);
    await waitFor(() => page.evaluate((dark) => matchMedia('(prefers-color-scheme: dark)').matches === dark, scheme === 'dark'), 5000, `the ${scheme} scheme`);
    found.push(...(await axeFindings(page)).map((finding) => `${scheme}: ${finding}`));
  }
  expect(found, `axe-core on ${what}`).toEqual([]);
}
