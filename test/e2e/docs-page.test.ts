// The admin API docs page in a real browser: it renders the resources from the live OpenAPI document.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ label: 'docs_page' }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('/api/docs', () => {
  it('shows the admin API resources, including user stores, under the strict CSP', async () => {
    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${server.url}/api/docs`);
    await page.getByText('/user-stores/{id}', { exact: true }).first().waitFor();
    expect(await page.getByRole('heading', { name: /jitbridge admin API/ }).count()).toBe(1);
    expect(await page.getByText('Create a user store').count()).toBe(1);
    await page.screenshot({ path: await screenshotPath('admin-api-docs'), fullPage: true });
    expect(cspViolations).toEqual([]);
    await page.close();
  });
});
