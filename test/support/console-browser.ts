// The console in a real browser: its build made sure of (as `npm install` does), a person signing in on the
// console's own page (PKCE in the browser, LOCAL password at jitbridge's sign-in page), and CSP violations
// collected so that a test can say there were none.
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, describeViolations } from './axe.js';
import { screenshotPath } from './browser.js';
import type { TestServer } from './server.js';

/** Builds dist/console-app when it is missing or older than console/ (once per test file; seconds when fresh). */
export function ensureConsoleBuilt(): void {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('./scripts/ensure-build.js'); if (m.isConsoleStale()) m.buildConsole();"],
    { stdio: 'inherit', timeout: 240_000 },
  );
  if (result.status !== 0) throw new Error('the console build failed');
}

export interface ConsolePage {
  page: Page;
  /** Content-Security-Policy violations the page reported. */
  violations: string[];
  close(): Promise<void>;
}

/** A page at the console's sign-in screen; 390 px wide when `narrow`. */
export async function openConsole(browser: Browser, server: TestServer, options: { narrow?: boolean } = {}): Promise<ConsolePage> {
  const context = await browser.newContext(options.narrow ? { viewport: { width: 390, height: 844 } } : {});
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(`${server.url}/console/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  return { page, violations, close: () => context.close() };
}

/** From the console's sign-in screen through jitbridge's LOCAL sign-in page and back; answers the shown role. */
export async function signInWithPassword(page: Page, userName: string, password: string): Promise<string> {
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('input[name="username"]').fill(userName);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('input[name="password"]').press('Enter');
  return shownRole(page);
}

export async function shownRole(page: Page): Promise<string> {
  const who = page.getByTestId('who');
  await who.waitFor({ timeout: 20_000 });
  return (await who.locator('.role').textContent()) ?? '';
}

/** The widths every page of the journey is looked at: a laptop and a phone. */
export const WIDTHS = [1280, 390] as const;

/**
 * Looks at the page as it is at each width: a screenshot (`<name>-<width>`) and axe's WCAG 2 A/AA violations,
 * which fail the test (with what and where). Ends at the first width. Nothing may be wider than the screen.
 */
export async function lookAt(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: await screenshotPath(`${name}-${width}`), fullPage: true });
    const violations = await axeViolations(page);
    if (violations.length > 0) throw new Error(`${name} at ${width} px: ${describeViolations(violations)}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > width) throw new Error(`${name} at ${width} px is ${wide} px wide`);
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 900 });
}

/** Presses Tab (at most `limit` times) until the focused element's label or text matches; only the keyboard. */
export async function tabTo(page: Page, name: string | RegExp, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as (HTMLElement & { labels?: NodeListOf<HTMLLabelElement> }) | null;
      return (el?.labels?.[0]?.textContent ?? el?.textContent ?? '').trim();
    });
    if (typeof name === 'string' ? focused === name : name.test(focused)) return;
  }
  throw new Error(`Tab never reached "${String(name)}"`);
}
