// prompt=consent with offline_access (what many OIDC client libraries send to get a refresh token), in headless
// Chromium: the consent prompt is not another login. A first-party app's consent is recorded without a page, the app
// gets its code after one upstream sign-in, and the refresh token works; a third-party app gets the consent page.
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { APP_REDIRECT, discover, redeem, registerApp, registerUpstreamIdp, startLogin } from '../support/oidc-app.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let browser: Browser;
beforeAll(async () => {
  [server, upstream, browser] = await Promise.all([startTestServer({ label: 'consent_prompt' }), startUpstreamOp(), launchBrowser()]);
  upstream.setAccount('erin', { email: 'erin@example.com', email_verified: true, preferred_username: 'erin' });
  // Each test signs in through its own IdP: its own person, so that no username is already taken.
  upstream.setAccount('frank', { email: 'frank@example.com', email_verified: true, preferred_username: 'frank' });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
});

describe('prompt=consent', () => {
  it('with offline_access: one upstream sign-in, a code, and a refresh token that works', async () => {
    const idp = await registerUpstreamIdp(server, upstream, { name: 'Example Corp' });
    const app = await registerApp(server, {
      name: 'Mail client',
      identityProviders: [idp.id],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    const config = await discover(server, app);
    const started = await startLogin(config, { scope: 'openid email offline_access', prompt: 'consent' });

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    let upstreamForms = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().startsWith(upstream.issuer)) upstreamForms++;
    });
    let landed: string | null = null;
    await page.route(`${APP_REDIRECT}**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>App</title><h1>Back at the app</h1>' });
    });
    await page.goto(started.authorizationUrl.toString());
    await page.getByLabel('Username').fill('erin');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Back at the app' }).waitFor({ timeout: 15_000 });
    expect(upstreamForms).toBe(1);
    expect(new URL(landed!).searchParams.get('code')).toBeTruthy();

    const tokens = await redeem(config, started, landed!);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope?.split(' ')).toContain('offline_access');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();

    await context.close();
  });

  it('a third-party app shows the consent page: allow → tokens, remembered without prompt=consent, shown again with it', async () => {
    const idp = await registerUpstreamIdp(server, upstream, { name: 'Third Corp' });
    const app = await registerApp(server, { name: 'Partner Portal', identityProviders: [idp.id], firstParty: false });
    const view = (await (await server.admin('GET', `/api/v1/applications/${app.id}`)).json()) as { firstParty: boolean };
    expect(view.firstParty).toBe(false);
    const config = await discover(server, app);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    let landed: string | null = null;
    await page.route(`${APP_REDIRECT}**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>App</title><h1>Back at the app</h1>' });
    });
    // A navigation started by a click, as a person's would be (a bare goto ending at the app's port 9 is refused).
    const visit = async (url: URL) => {
      await page.setContent(`<a href="${url.toString().replace(/&/g, '&amp;')}">go</a>`);
      await page.click('a');
    };

    // oidc-provider drops offline_access unless prompt=consent comes with it.
    const started = await startLogin(config, { scope: 'openid email offline_access', prompt: 'consent' });
    await visit(started.authorizationUrl);
    await page.getByLabel('Username').fill('frank');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('heading', { name: 'Allow access' })
      .waitFor({ timeout: 30_000 })
      .catch(async (error: unknown) => {
        throw new Error(`no consent page at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)}`, { cause: error });
      });
    const text = await page.textContent('body');
    expect(text).toContain('Partner Portal');
    expect(text).toContain('email_verified');
    expect(text).toContain('refresh token');
    expect(landed).toBeNull();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Back at the app' }).waitFor({ timeout: 15_000 });
    const tokens = await redeem(config, started, landed!);
    expect(tokens.claims()).toMatchObject({ email: 'frank@example.com' });
    expect(tokens.refresh_token).toBeTruthy();

    // Remembered: the same scopes again need no page.
    landed = null;
    const remembered = await startLogin(config, { scope: 'openid email' });
    await visit(remembered.authorizationUrl);
    await page.getByRole('heading', { name: 'Back at the app' }).waitFor({ timeout: 15_000 });
    expect(new URL(landed!).searchParams.get('code')).toBeTruthy();

    // prompt=consent always asks; denying hands the app access_denied.
    landed = null;
    const asked = await startLogin(config, { scope: 'openid email', prompt: 'consent' });
    await visit(asked.authorizationUrl);
    await page.getByRole('heading', { name: 'Allow access' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Back at the app' }).waitFor({ timeout: 15_000 });
    const denied = new URL(landed!);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(asked.state);
    await context.close();
  });
});
