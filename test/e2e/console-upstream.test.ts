// An admin signing in to the console through an upstream identity provider (a real oidc-provider): the
// jitbridge-console application is given that IdP like any app, the person's upstream identity is associated
// with their local admin account by verified email, and the console shows the admin role. Signing out ends it.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { ensureConsoleBuilt, openConsole, shownRole } from '../support/console-browser.js';
import { createGroup, createScimClient } from '../support/console-login.js';
import { registerUpstreamIdp } from '../support/oidc-app.js';
import { startUpstreamOidc, UPSTREAM_PASSWORD, type UpstreamOidc } from '../support/oidc-upstream-idp.js';
import { USER_SCHEMA } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOidc;
let browser: Browser;

beforeAll(async () => {
  ensureConsoleBuilt();
  [server, upstream, browser] = await Promise.all([startTestServer({ label: 'console_upstream' }), startUpstreamOidc(), launchBrowser()]);
  const scim = await createScimClient(server, { name: 'directory' });
  const erin = await scim.json<{ id: string }>('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'erin',
    emails: [{ value: 'erin@example.com', primary: true }],
    active: true,
  });
  await createGroup(scim, 'jitbridge-admins', [erin.body.id]);
  upstream.setAccount('erin-upstream', {
    email: 'erin@example.com',
    email_verified: true,
    preferred_username: 'erin.up',
    name: 'Erin Upstream',
  });

  const idp = await registerUpstreamIdp(server, upstream, { name: 'Example Corp', trustEmail: true });
  expect(
    (await server.admin('PATCH', `/api/v1/identity-providers/${idp.id}`, { provisioning: { jit: { associateLocalUser: true } } })).status,
  ).toBe(200);
  // The console's application takes this IdP like any app's sign-in flow.
  const apps = (await (await server.admin('GET', '/api/v1/applications')).json()) as { items: Array<{ id: string; clientId: string }> };
  const consoleApp = apps.items.find((a) => a.clientId === 'jitbridge-console')!;
  const patched = await server.admin('PATCH', `/api/v1/applications/${consoleApp.id}`, {
    identityProviders: [idp.id],
    signInFlow: { steps: [{ options: [{ idp: idp.id }, { authenticator: 'LOCAL' }] }] },
  });
  expect(patched.status, await patched.clone().text()).toBe(200);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
});

describe('an admin signing in through an upstream IdP', () => {
  it('picks the IdP, signs in upstream, lands in the console as admin, and signs out', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel(/Example Corp/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Username').fill('erin-upstream');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await shownRole(page)).toBe('admin');
    await expect(page.getByTestId('who').textContent()).resolves.toContain('erin');
    await page.screenshot({ path: await screenshotPath('console-upstream-admin'), fullPage: true });

    // The audit log names the person.
    await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
    await page
      .getByRole('cell', { name: /association|link|jit/i })
      .first()
      .waitFor();

    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('jitbridge.console.session') ?? '{}').accessToken as string);
    expect((await fetch(`${server.url}/api/v1/settings`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/console'));
    // The token was revoked on the way out.
    expect((await fetch(`${server.url}/api/v1/settings`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(violations).toEqual([]);
    await close();
  });
});
