// Accessibility measured in the browser: axe-core's WCAG 2 A/AA rules (labels, colour contrast, names of buttons
// and links, target size, ARIA) run on a Playwright page. The source is evaluated through the DevTools protocol, which
// the page's CSP (`script-src 'self'`) does not govern, so the check runs under the real CSP and a test can still
// say that the page itself reported no violation.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** The rule sets run: WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending elements, with axe's one-line reason for each. */
  nodes: string[];
}

/** Runs axe on the page as it is now; answers the violations (none: an empty list). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<any> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    // No rule applied at all means nothing was checked (an empty page, axe not running): not a pass.
    if (result.passes.length + result.violations.length === 0) throw new Error('axe checked nothing on this page');
    return (result.violations as Array<any>).map((v) => ({
      id: v.id as string,
      impact: v.impact as string | null,
      help: v.help as string,
      nodes: (v.nodes as Array<any>).map((n) => `${(n.target as string[]).join(' ')}: ${n.failureSummary as string}`),
    }));
  }, AXE_TAGS);
}

/** The violations as lines a person can act on (for a test's failure message). */
export const describeViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.join('\n  ')}`).join('\n');
