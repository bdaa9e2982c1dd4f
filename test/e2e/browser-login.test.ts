// The sign-in as a person sees it, in headless Chromium (Debian's package via playwright-core): the app
// sends the browser to jitbridge, the person picks their organisation on the chooser, signs in upstream,
// and lands back at the app with a code that openid-client redeems. Screenshots go to test-results/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { APP_REDIRECT, discover, redeem, registerApp, registerUpstreamIdp, startLogin } from '../support/oidc-app.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let other: UpstreamOp;
let browser: Browser;
beforeAll(async () => {
  [server, upstream, other, browser] = await Promise.all([
    startTestServer({ label: 'browser_login' }),
    startUpstreamOp(),
    startUpstreamOp(),
    launchBrowser(),
  ]);
  upstream.setAccount('dana', {
    email: 'dana@example.com',
    email_verified: true,
    given_name: 'Dana',
    family_name: 'Scully',
    name: 'Dana Scully',
    preferred_username: 'dana',
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
  await other?.stop();
});

describe('sign-in in a real browser', () => {
  it('chooser → upstream form → back at the app with a code; no CSP violations, no JavaScript needed', async () => {
    const example = await registerUpstreamIdp(server, upstream, { name: 'Example Corp' });
    const partner = await registerUpstreamIdp(server, other, { name: 'Partner Inc' });
    const app = await registerApp(server, { name: 'Timesheets', identityProviders: [example.id, partner.id] });
    const config = await discover(server, app);
    const started = await startLogin(config);

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const visited: string[] = [];
    page.on('request', (request) => visited.push(`${request.method()} ${request.url()}`));
    // The app's redirect URI: answer it in the browser and remember where we landed.
    let landed: string | null = null;
    await page.route(`${APP_REDIRECT}**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>App</title><h1>Back at the app</h1>' });
    });

    await page.goto(started.authorizationUrl.toString());
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByText('Timesheets').count()).toBeGreaterThan(0);
    await page.screenshot({ path: await screenshotPath('login-chooser'), fullPage: true });
    await page.getByLabel(/Example Corp/).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Back at the app' }).waitFor();
    expect(landed).not.toBeNull();

    const tokens = await redeem(config, started, landed!);
    expect(tokens.claims()).toMatchObject({ email: 'dana@example.com', name: 'Dana Scully' });
    expect(violations).toEqual([]);
    // The chooser's answer set the flow cookie: the callback finished the sign-in in place.
    const pages = visited.filter((v) => v.includes(server.url) && !v.includes('/assets/')).map((v) => v.replace(server.url, ''));
    expect(pages).toEqual([
      expect.stringMatching(/^GET \/oidc\/auth\?/),
      expect.stringMatching(/^GET \/login\/[\w-]+$/),
      expect.stringMatching(/^POST \/login\/[\w-]+$/),
      expect.stringMatching(new RegExp(`^GET /federation/${example.id}/callback\\?`)),
      expect.stringMatching(/^GET \/oidc\/auth\/[\w-]+$/),
    ]);
    await context.close();
  });

  it('an IdP on another site: the callback finishes the sign-in in place (the Lax flow cookie arrives)', async () => {
    // localhost and 127.0.0.1 are different sites to the browser: the IdP's redirect back is a cross-site navigation.
    const elsewhere = await startUpstreamOp({ hostname: 'localhost' });
    try {
      elsewhere.setAccount('fox', { email: 'fox@example.com', email_verified: true, name: 'Fox Mulder', preferred_username: 'fox' });
      const idp = await registerUpstreamIdp(server, elsewhere, { name: 'Elsewhere Inc' });
      const app = await registerApp(server, { name: 'Expenses', identityProviders: [idp.id] });
      const config = await discover(server, app);
      const started = await startLogin(config);
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const visited: string[] = [];
      page.on('request', (request) => visited.push(request.url()));
      let landed: string | null = null;
      await page.route(`${APP_REDIRECT}**`, async (route) => {
        landed = route.request().url();
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>App</title><h1>Back at the app</h1>' });
      });
      await page.goto(started.authorizationUrl.toString());
      await page.getByLabel('Username').fill('fox');
      await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Back at the app' }).waitFor();
      expect(new URL(visited.find((url) => url.includes('/interaction/'))!).hostname).toBe('localhost');
      const atJitbridge = visited.filter((url) => url.startsWith(server.url)).map((url) => new URL(url).pathname);
      expect(atJitbridge).toEqual(['/oidc/auth', `/federation/${idp.id}/callback`, expect.stringMatching(/^\/oidc\/auth\/[\w-]+$/)]);
      expect((await redeem(config, started, landed!)).claims()).toMatchObject({ email: 'fox@example.com' });
      await context.close();
    } finally {
      await elsewhere.stop();
    }
  });

  it('an expired sign-in shows the error page in the product’s style', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(response!.status()).toBe(400);
    await page.getByRole('heading', { name: 'This sign-in has expired' }).waitFor();
    // The stylesheet loaded (the card has a border radius from login.css).
    const radius = await page.locator('.card').evaluate((el) => getComputedStyle(el).borderRadius);
    expect(radius).toBe('12px');
    await page.screenshot({ path: await screenshotPath('login-error'), fullPage: true });
    await context.close();
  });
});
