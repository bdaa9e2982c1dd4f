// The built-in provisioning prompt pages in a real browser with JavaScript off, on the real provisioning
// core and database. The host is a stand-in for the login interaction (the real one: test/e2e/prompt-schemes.test.ts): it names the
// interaction from the path, signs CSRF tokens the way the interaction does, and reports finish / refuse
// as text. Screenshots of each page go to test-results/screenshots (not committed).
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/index.js';
import {
  csrfToken,
  csrfTokenMatches,
  loginAssets,
  provisioningPromptPath,
  provisioningPromptRoutes,
  type PromptHost,
} from '../../src/login/index.js';
import { pauseForPrompts } from '../../src/provisioning/index.js';
import { insertConsentPurpose, recordPendingAnswers, insertUser } from '../../src/store/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { count, createIdp, identity, STANDARD_MAPPINGS, userById } from './provisioning-fixtures.js';

const KEY = 'test-cookie-key-for-csrf';
let server: TestServer;
let host: ServerType;
let hostUrl: string;
let browser: Browser;

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
  finish: async (c, _step, userId) => c.text(`signed in as ${userId}`),
  refuse: async (c, _step, title, message, description) => c.html(`<h1>${title}</h1><p>${message}</p><p>${description}</p>`, 403),
};

beforeAll(async () => {
  server = await startTestServer({ label: 'prompt_pages' });
  await insertConsentPurpose(server.ctx.store.db, {
    purpose: 'Account recovery',
    description: 'To help you back into your account',
    piiCategories: [
      { claim: 'emails[type eq "work"].value', mandatory: true },
      { claim: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', mandatory: false },
    ],
  });
  const app = new Hono<AppEnv>();
  app.route('/', loginAssets());
  app.route('/', provisioningPromptRoutes(server.ctx, testHost));
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

async function paused(scheme: 'PROMPT_CONSENT' | 'PROMPT_USERNAME_PASSWORD_CONSENT', subject: string, name: string) {
  const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme } });
  const uid = `uid-${subject}-0000`;
  const result = (await pauseForPrompts(
    server.ctx.store,
    idp,
    identity(idp, subject, { preferred_username: name, email: `${name}@example.com`, department: 'Ops' }),
    uid,
  ))!;
  return `${hostUrl}${provisioningPromptPath(uid, result.pendingId)}`;
}

describe('built-in prompt pages, JavaScript off', () => {
  it('username + password + consent: a taken name and a weak password are shown on the page; then the account is made', async () => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'ivy',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'ivy' },
    });
    const url = await paused('PROMPT_USERNAME_PASSWORD_CONSENT', 'ivy1', 'ivy');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(url);
      await page.screenshot({ path: await screenshotPath('prompt-username-password'), fullPage: true });
      expect(await page.textContent('body')).toContain('Expense reports');
      expect(await page.getByLabel('Username').inputValue()).toBe('ivy');
      expect(await page.textContent('body')).toContain('That username is taken');
      const users = await count(server, 'users');

      // Long enough for the browser's own minlength check, refused by the server's policy.
      await page.getByLabel('New password').fill('password123');
      await page.getByLabel('Repeat the password').fill('password123');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForLoadState();
      await page.screenshot({ path: await screenshotPath('prompt-username-password-errors'), fullPage: true });
      const errors = await page.textContent('body');
      expect(errors).toContain('That username is taken');
      expect(errors).toContain('This password is too common');
      expect(await count(server, 'users')).toBe(users);

      await page.getByLabel('Username').fill('ivy.b');
      await page.getByLabel('New password').fill('copper-lagoon-sparrow');
      await page.getByLabel('Repeat the password').fill('copper-lagoon-sparrow');
      await page.getByLabel(/Department/).check();
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForLoadState();
      const done = (await page.textContent('body')) ?? '';
      expect(done).toMatch(/^signed in as [0-9a-f-]{36}$/);
      const user = (await userById(server, done.slice('signed in as '.length)))!;
      expect(user.resource.userName).toBe('ivy.b');
      expect(user.resource['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ department: 'Ops' });
      expect(user.passwordHash).toMatch(/^scrypt\$/);
    } finally {
      await context.close();
    }
  });

  it('consent: withholding a mandatory attribute ends the sign-in with a clear page and stores nothing', async () => {
    const url = await paused('PROMPT_CONSENT', 'joan1', 'joan');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(url);
      await page.screenshot({ path: await screenshotPath('prompt-consent'), fullPage: true });
      expect(await page.getByLabel(/Email \(work\)/).isChecked()).toBe(true);
      const users = await count(server, 'users');
      await page.getByLabel(/Email \(work\)/).uncheck();
      await page.getByRole('button', { name: 'Allow and continue' }).click();
      await page.waitForLoadState();
      await page.screenshot({ path: await screenshotPath('prompt-consent-declined'), fullPage: true });
      const body = await page.textContent('body');
      expect(body).toContain('No account was created');
      expect(body).toContain('Consent to Email (work) is required');
      expect(await count(server, 'users')).toBe(users);
    } finally {
      await context.close();
    }
  });

  it('refuses a forged CSRF token and an unknown pending provisioning', async () => {
    const url = await paused('PROMPT_CONSENT', 'kay1', 'kay');
    const forged = await fetch(url, { method: 'POST', body: new URLSearchParams({ csrf: 'forged', decision: 'approve' }) });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('csrf token mismatch');
    const unknown = await fetch(`${hostUrl}/login/uid-kay1-0000/provision?pending=nope`);
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toContain('pending provisioning missing or expired');
    // The pending provisioning belongs to its interaction only.
    const otherUid = await fetch(url.replace('uid-kay1-0000', 'uid-other-0000'));
    expect(otherUid.status).toBe(403);
  });

  it('after an external page took the password, with nothing to ask here, the sign-in finishes without a page', async () => {
    const idp = await createIdp(server, {
      claimMappings: [{ remote: 'preferred_username', local: 'userName' }],
      jit: { scheme: 'PROMPT_PASSWORD_CONSENT' },
    });
    const uid = 'uid-lee1-0000';
    const result = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'lee1', { preferred_username: 'leonard' }), uid))!;
    await recordPendingAnswers(server.ctx.store.db, result.pendingId, uid, { passwordHash: 'scrypt$from-external' });
    const response = await fetch(`${hostUrl}${provisioningPromptPath(uid, result.pendingId)}`);
    const text = await response.text();
    expect(text).toMatch(/^signed in as /);
    expect((await userById(server, text.slice('signed in as '.length)))!.passwordHash).toBe('scrypt$from-external');
  });
});
