// Errors a person can reach are the styled error page with a reference and a way back, never plain text; and a
// refused provisioning tells neither the person nor the app whether a local account exists: they get generic words
// and a reference, the detail is in the audit event (and the log) under that reference.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { APP_REDIRECT, discover, registerApp, registerUpstreamIdp, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser, formAction } from '../support/oidc-browser.js';
import { createUsers } from '../support/outbound-events.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let idpId: string;

beforeAll(async () => {
  [server, upstream] = await Promise.all([startTestServer({ label: 'person_errors' }), startUpstreamOp()]);
  idpId = (await registerUpstreamIdp(server, upstream)).id;
});
afterAll(async () => {
  await upstream?.stop();
  await server?.stop();
});

const expectStyledPage = async (response: Response, status: number) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toContain('<link rel="stylesheet"');
  expect(html).toContain('role="alert"');
  const reference = response.headers.get('x-request-id')!;
  expect(html).toContain(`Reference: ${reference}`);
  expect(html).toMatch(/start again from the application|Return to/);
  return html;
};

describe('errors a person can reach', () => {
  it('an unknown state on the federation callback is the styled page, not text/plain', async () => {
    const response = await fetch(`${server.url}/federation/${idpId}/callback?state=not-ours&code=x`);
    const html = await expectStyledPage(response, 400);
    expect(html).toContain('does not belong to a sign-in in progress');
  });

  it('a replayed callback is the styled page too', async () => {
    const app = await registerApp(server, { name: 'Replay', identityProviders: [idpId] });
    upstream.setAccount('replayer', { preferred_username: 'replayer', email: 'replayer@example.com', email_verified: true });
    const browser = new CookieJarBrowser();
    const started = await startLogin(await discover(server, app));
    const landing = await browser.follow(started.authorizationUrl);
    const form = formAction(await landing.response!.text(), landing.url);
    // Stop at jitbridge's callback to keep its URL, then let the login finish.
    const callback = await browser.postForm(form, { login: 'replayer', password: UPSTREAM_PASSWORD }, `${server.url}/federation/`);
    expect(callback.url).toContain(`/federation/${idpId}/callback`);
    const done = await browser.follow(callback.url, {}, APP_REDIRECT);
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
    await expectStyledPage(await fetch(callback.url), 400);
  });

  it('an unknown page and an oversized SAML post are styled pages as well', async () => {
    await expectStyledPage(await fetch(`${server.url}/login/nothing/here`), 404);
    const big = await fetch(`${server.url}/federation/${idpId}/saml/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `SAMLResponse=${'A'.repeat(2 * 1024 * 1024)}`,
    });
    await expectStyledPage(big, 413);
  });
});

describe('a refused provisioning', () => {
  it('names no local account to the person or the app; the audit event has the detail under the reference', async () => {
    await createUsers(server.ctx.store, 'carol', 1);
    upstream.setAccount('carol-upstream', { preferred_username: 'carol0', email: 'someone@example.com', email_verified: false });
    const app = await registerApp(server, { name: 'Payroll', identityProviders: [idpId] });
    const browser = new CookieJarBrowser();
    const started = await startLogin(await discover(server, app));
    const landing = await browser.follow(started.authorizationUrl);
    const page = await browser.postForm(formAction(await landing.response!.text(), landing.url), {
      login: 'carol-upstream',
      password: UPSTREAM_PASSWORD,
    });
    expect(page.response!.status).toBe(403);
    const html = await page.response!.text();
    expect(html).not.toContain('carol0');
    expect(html).not.toContain('username_taken');
    const reference = /reference ([0-9A-F]{12})/.exec(html)?.[1];
    expect(reference).toBeTruthy();

    const back = /<a class="button" href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const atApp = new URL((await browser.follow(new URL(back, page.url), {}, APP_REDIRECT)).url);
    expect(atApp.searchParams.get('error')).toBe('access_denied');
    const description = atApp.searchParams.get('error_description')!;
    expect(description).toContain(reference);
    expect(description).not.toMatch(/carol0|username_taken|exists/);

    const [audit] = await rows<{ reason: string; details: { reference?: string; message?: string } }>(
      server.ctx.store.db,
      sql`select reason, details from audit_events where action = 'federation.login' order by id desc limit 1`,
    );
    expect(audit).toMatchObject({ reason: 'username_taken', details: { reference } });
    expect(audit!.details.message).toContain("a local user named 'carol0' exists");
  });
});
