// The LOCAL sign-in page in a real browser with JavaScript off, over the real credential check and
// database; the host stands in for the login interaction (the real one: test/e2e/prompt-schemes.test.ts).
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import type { AppEnv } from '../../src/http/index.js';
import { csrfToken, csrfTokenMatches, loginAssets, localSignInPath, localSignInRoutes, type PromptHost } from '../../src/login/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { insertUser } from '../../src/store/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const KEY = 'test-cookie-key-for-csrf';
const PASSWORD = 'pebble-orbit-lantern';
let server: TestServer;
let host: ServerType;
let hostUrl: string;
let browser: Browser;
let userId: string;

const testHost: PromptHost = {
  load: async (c) => {
    const uid = c.req.param('uid') ?? '';
    return {
      uid,
      appName: 'Expense reports',
      csrfToken: csrfToken(KEY, uid),
      csrfValid: (presented) => csrfTokenMatches(KEY, uid, presented),
    };
  },
  finish: async (c, _step, id) => c.text(`signed in as ${id}`),
  refuse: async (c, _step, title) => c.text(title, 403),
};

beforeAll(async () => {
  server = await startTestServer({ label: 'local_pages' });
  const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
  userId = (
    await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'nina',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'nina' },
    })
  ).id;
  expect((await server.admin('PUT', `/api/v1/users/${userId}/password`, { password: PASSWORD })).status).toBe(204);
  const app = new Hono<AppEnv>();
  app.route('/', loginAssets());
  app.route('/', localSignInRoutes(server.ctx, testHost));
  host = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => host.once('listening', () => resolve()));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (host ? host.close(() => resolve()) : resolve()));
  await server?.stop();
});

describe('LOCAL sign-in page, JavaScript off', () => {
  it('a wrong password shows the same message as an unknown user and keeps the username; the right one signs in', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(`${hostUrl}${localSignInPath('uid-local-0001')}`);
      await page.getByLabel('Username').fill('nina');
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState();
      await page.screenshot({ path: await screenshotPath('local-sign-in-error'), fullPage: true });
      expect(await page.textContent('[role=alert]')).toContain('The username or password is not correct.');
      expect(await page.getByLabel('Username').inputValue()).toBe('nina');
      expect(await page.getByLabel('Password').inputValue()).toBe('');

      await page.getByLabel('Username').fill('nobody-here');
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState();
      expect(await page.textContent('[role=alert]')).toContain('The username or password is not correct.');

      await page.getByLabel('Username').fill('nina');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState();
      expect(await page.textContent('body')).toBe(`signed in as ${userId}`);
    } finally {
      await context.close();
    }
  });

  it('refuses a forged CSRF token, and answers 429 with Retry-After once the account is throttled', async () => {
    const url = `${hostUrl}${localSignInPath('uid-local-0002')}`;
    const forged = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ csrf: 'forged', username: 'nina', password: PASSWORD }),
    });
    expect(forged.status).toBe(400);
    const post = (password: string) =>
      fetch(url, {
        method: 'POST',
        body: new URLSearchParams({ csrf: csrfToken(KEY, 'uid-local-0002'), username: 'throttled-name', password }),
      });
    for (let i = 0; i < 5; i++) expect((await post(`wrong-password-${i}`)).status).toBe(400);
    const blocked = await post('wrong-password-x');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain('Too many failed attempts');
  });
});
