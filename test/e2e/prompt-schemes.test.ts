// The four JIT provisioning schemes end to end in headless Chromium with JavaScript off: the app (a real
// openid-client) sends the person to jitbridge, they sign in at a real upstream OpenID Provider, see the
// prompt page of the IdP's scheme, answer, and the app redeems its code. Also: association together with
// prompts, the external-page variant (a small page served by this test), LOCAL sign-in with the password
// set on the prompt page, and bad input (a clear message on the page, nothing stored). One browser, one
// jitbridge and one upstream for the whole file. Screenshots go to test-results/screenshots (not committed).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { rows } from '../../src/store/database.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { insertUser } from '../../src/store/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { APP_REDIRECT, discover, redeem, registerApp, startLogin, type StartedLogin } from '../support/oidc-app.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';
import type * as client from 'openid-client';

const MAPPINGS = [
  { remote: 'preferred_username', local: 'userName' },
  { remote: 'name', local: 'displayName' },
  { remote: 'given_name', local: 'name.givenName' },
  { remote: 'family_name', local: 'name.familyName' },
  { remote: 'email', local: 'emails[type eq "work"].value' },
];
const PASSWORD = 'copper-lagoon-sparrow';

let server: TestServer;
let upstream: UpstreamOp;
let browser: Browser;
let external: Server;
let externalBase: string;

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** The customer's own page: the app name, an error if any, a form posting the answers back with the token. */
function externalPage(url: URL): string {
  const token = url.searchParams.get('context') ?? '';
  const claims = decodeJwt(token) as Record<string, string>;
  const error = url.searchParams.get('error_description');
  const usernameField =
    claims.step === 'username'
      ? `<label for="u">Username</label><input id="u" name="username" value="${escape(claims.preferred_username ?? '')}">`
      : '';
  return `<!doctype html><html lang="en"><title>Acme accounts</title><h1>Acme accounts for ${escape(claims.app_name ?? '')}</h1>
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="${escape(claims.completion_url ?? '')}">
      <input type="hidden" name="context" value="${escape(token)}">
      ${usernameField}
      <label for="p">Password</label><input id="p" type="password" name="password">
      <label for="c">Repeat</label><input id="c" type="password" name="confirmation">
      <button>Continue</button>
    </form></html>`;
}

beforeAll(async () => {
  [server, upstream, browser] = await Promise.all([startTestServer({ label: 'prompt_schemes' }), startUpstreamOp(), launchBrowser()]);
  external = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(externalPage(new URL(req.url ?? '/', externalBase)));
  });
  await new Promise<void>((resolve) => external.listen(0, '127.0.0.1', resolve));
  externalBase = `http://127.0.0.1:${(external.address() as AddressInfo).port}`;
  const purpose = await server.admin('POST', '/api/v1/consent-purposes', {
    purpose: 'Account recovery',
    description: 'To help you back into your account',
    piiCategories: [
      { claim: 'emails[type eq "work"].value', mandatory: true },
      { claim: 'displayName', mandatory: false },
      { claim: 'name.familyName', mandatory: false },
    ],
  });
  expect(purpose.status).toBe(201);
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (external ? external.close(() => resolve()) : resolve()));
  await upstream?.stop();
  await server?.stop();
});

const count = async (table: 'users' | 'federated_identities') =>
  (await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from ${sql.raw(table)}`))[0]!.n;

const userRow = async (id: string) =>
  (
    await rows<{ user_name: string; password_hash: string | null; resource: Record<string, unknown> }>(
      server.ctx.store.db,
      sql`select user_name, password_hash, resource from users where id = ${id}`,
    )
  )[0];

/** A local user in PRIMARY (as SCIM or an admin would have made it). */
async function localUser(userName: string): Promise<string> {
  const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
  return (await insertUser(server.ctx.store.db, { userStoreId: primary.id, userName, resource: { schemas: [SCIM_USER_SCHEMA], userName } }))
    .id;
}

const person = (login: string, name: string) =>
  upstream.setAccount(login, {
    preferred_username: login,
    email: `${login}@example.com`,
    email_verified: true,
    given_name: name,
    family_name: 'Example',
    name: `${name} Example`,
  });

let idpCount = 0;

/** An upstream IdP with this scheme, an app that allows only it (and LOCAL when asked), and its client. */
async function setUp(scheme: string, options: { associate?: boolean; local?: boolean; secondFactor?: boolean; userstore?: string } = {}) {
  const response = await server.admin('POST', '/api/v1/identity-providers', {
    name: `Example Corp ${scheme} ${++idpCount}`,
    protocol: 'oidc',
    trustEmail: true,
    oidc: {
      issuer: upstream.issuer,
      clientId: upstream.clientId,
      clientSecret: upstream.clientSecret,
      scopes: ['openid', 'profile', 'email'],
    },
    claimMappings: MAPPINGS,
    provisioning: {
      jit: {
        isEnabled: true,
        scheme,
        ...(options.associate ? { associateLocalUser: true, associateByUsername: true } : {}),
        ...(options.userstore ? { userstore: options.userstore, allowedUserStores: ['PRIMARY', 'CONTRACTORS'] } : {}),
      },
    },
  });
  expect(response.status).toBe(201);
  const idp = (await response.json()) as { id: string };
  upstream.addRedirectUri(`${server.url}/federation/${idp.id}/callback`);
  const app = await registerApp(server, {
    name: 'Expense reports',
    identityProviders: [idp.id],
    ...(options.local
      ? {
          signInFlow: {
            steps: [
              { options: [{ authenticator: 'LOCAL' }, { idp: idp.id }] },
              ...(options.secondFactor ? [{ options: [{ authenticator: 'TOTP' }], when: 'local_only' }] : []),
            ],
          },
        }
      : {}),
  });
  return { idp, app, config: await discover(server, app) };
}

interface Session {
  context: BrowserContext;
  page: Page;
  /** The URL the app's redirect URI received, once it did. */
  landed: () => string | null;
}

async function openBrowser(): Promise<Session> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  let landed: string | null = null;
  await page.route(`${APP_REDIRECT}**`, async (route) => {
    landed = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>App</title><h1>Back at the app</h1>' });
  });
  return { context, page, landed: () => landed };
}

/** App → jitbridge → the upstream form, signed in there; returns once jitbridge answers the callback. */
async function signInUpstream(session: Session, started: StartedLogin, login: string) {
  await session.page.goto(started.authorizationUrl.toString());
  await session.page.getByRole('heading', { name: 'Example Corp sign-in' }).waitFor();
  await session.page.getByLabel('Username').fill(login);
  await session.page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
  await session.page.getByRole('button', { name: 'Sign in' }).click();
  await session.page.waitForLoadState();
}

async function backAtApp(session: Session, config: client.Configuration, started: StartedLogin) {
  await session.page.getByRole('heading', { name: 'Back at the app' }).waitFor();
  const tokens = await redeem(config, started, session.landed()!);
  return tokens.claims()!;
}

const submit = async (page: Page, button: string) => {
  await page.getByRole('button', { name: button }).click();
  await page.waitForLoadState();
};

describe('PROVISION_SILENTLY', () => {
  it('no page: straight from the upstream form back to the app, the user made from the claims', async () => {
    const { config } = await setUp('PROVISION_SILENTLY');
    person('silent.sam', 'Sam');
    const session = await openBrowser();
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'silent.sam');
      const claims = await backAtApp(session, config, started);
      expect((await userRow(claims.sub))!.user_name).toBe('silent.sam');
      expect((await userRow(claims.sub))!.password_hash).toBeNull();
    } finally {
      await session.context.close();
    }
  });
});

describe('PROMPT_CONSENT', () => {
  it('shows the values; an unticked or revoked optional attribute is not stored, not even by later logins', async () => {
    const { config } = await setUp('PROMPT_CONSENT');
    person('connie', 'Connie');
    const session = await openBrowser();
    let userId: string;
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'connie');
      const { page } = session;
      await page.getByRole('button', { name: 'Allow and continue' }).waitFor();
      const body = (await page.textContent('body'))!;
      expect(body).toContain('Expense reports');
      expect(body).toContain('connie@example.com');
      expect(body).toContain('Connie Example');
      await page.screenshot({ path: await screenshotPath('e2e-prompt-consent'), fullPage: true });
      await page.getByLabel(/Display name/i).uncheck();
      await page.getByLabel(/Family name/i).check();
      await submit(page, 'Allow and continue');
      const claims = await backAtApp(session, config, started);
      userId = claims.sub;
      const user = (await userRow(userId))!;
      expect(user.user_name).toBe('connie');
      expect(user.resource.displayName).toBeUndefined();
      const receipts = await (await server.admin('GET', `/api/v1/users/${userId}/consents`)).json();
      expect(receipts.items).toHaveLength(1);
      expect(receipts.items[0].declined).toContain('displayName');
      expect((user.resource.name as Record<string, string>).familyName).toBe('Example');
      // Revoking the receipt removes the optional attribute it covered (the mandatory email stays).
      const revoked = await server.admin('DELETE', `/api/v1/users/${userId}/consents/${receipts.items[0].id}`);
      expect(revoked.status).toBe(200);
      const afterRevoke = (await userRow(userId))!;
      expect((afterRevoke.resource.name as Record<string, string>).familyName).toBeUndefined();
      expect(JSON.stringify(afterRevoke.resource.emails)).toContain('connie@example.com');
    } finally {
      await session.context.close();
    }
    // The next login syncs attributes (OVERRIDE_ALL): the declined and the revoked ones stay out, no page is shown.
    upstream.setAccount('connie', {
      preferred_username: 'connie',
      email: 'connie@example.com',
      email_verified: true,
      given_name: 'Constance',
      family_name: 'Example',
      name: 'Connie Example',
    });
    const again = await openBrowser();
    try {
      const started = await startLogin(config);
      await signInUpstream(again, started, 'connie');
      expect((await backAtApp(again, config, started)).sub).toBe(userId);
      const user = (await userRow(userId))!;
      expect((user.resource.name as Record<string, string>).givenName).toBe('Constance');
      expect(user.resource.displayName).toBeUndefined();
      expect((user.resource.name as Record<string, string>).familyName).toBeUndefined();
    } finally {
      await again.context.close();
    }
  });

  it('declining a mandatory attribute (or the whole page) stops the sign-in with a clear page; nothing stored', async () => {
    const { config } = await setUp('PROMPT_CONSENT');
    person('dennis', 'Dennis');
    const users = await count('users');
    const links = await count('federated_identities');
    const session = await openBrowser();
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'dennis');
      const { page } = session;
      await page.getByLabel(/Email \(work\)/).uncheck();
      const form = { csrf: (await page.locator('input[name=csrf]').getAttribute('value'))!, url: page.url() };
      await submit(page, 'Allow and continue');
      await page.screenshot({ path: await screenshotPath('e2e-prompt-consent-mandatory-declined'), fullPage: true });
      const body = (await page.textContent('body'))!;
      expect(body).toContain('No account was created');
      expect(body).toContain('Consent to Email (work) is required');
      expect(await count('users')).toBe(users);
      expect(await count('federated_identities')).toBe(links);
      // Going back to answer again finds the sign-in over: the refusal spent the paused provisioning.
      const again = await session.context.request.post(form.url, { form: { csrf: form.csrf, decision: 'approve' }, maxRedirects: 0 });
      expect(await again.text()).toContain('This sign-in has expired');
      // The page's way back hands the app access_denied.
      await page
        .getByRole('link', { name: /Expense reports|Back|Return/i })
        .first()
        .click();
      await page.getByRole('heading', { name: 'Back at the app' }).waitFor();
      expect(new URL(session.landed()!).searchParams.get('error')).toBe('access_denied');
    } finally {
      await session.context.close();
    }
  });
});

describe('PROMPT_PASSWORD_CONSENT', () => {
  it('empty, mismatched and weak passwords are shown on the page; then the account is made and LOCAL sign-in works', async () => {
    const { config } = await setUp('PROMPT_PASSWORD_CONSENT', { local: true });
    person('petra', 'Petra');
    const users = await count('users');
    const session = await openBrowser();
    const { page } = session;
    try {
      const started = await startLogin(config);
      // The app offers LOCAL too: the chooser shows the IdP and the password link.
      await page.goto(started.authorizationUrl.toString());
      await page.getByRole('link', { name: 'Sign in with a username and password' }).waitFor();
      await page.screenshot({ path: await screenshotPath('e2e-chooser-with-local'), fullPage: true });
      await submit(page, 'Continue');
      await page.getByLabel('Username').fill('petra');
      await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
      await submit(page, 'Sign in');

      await page.getByLabel('New password').waitFor();
      await page.screenshot({ path: await screenshotPath('e2e-prompt-password'), fullPage: true });
      expect(await page.getByLabel('Username').inputValue()).toBe('petra');

      // Empty: the browser's own check would stop it, so post the form as the browser would without it.
      const csrf = await page.locator('input[name=csrf]').getAttribute('value');
      const empty = await session.context.request.post(page.url(), {
        form: { csrf: csrf!, password: '', confirmation: '', decision: 'approve', consent: 'ignored' },
        maxRedirects: 0,
      });
      expect(empty.status()).toBe(400);
      expect(await empty.text()).toContain('Enter a password.');

      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(`${PASSWORD}x`);
      await submit(page, 'Create account');
      expect(await page.textContent('body')).toContain('The two passwords do not match.');

      await page.getByLabel('New password').fill('password123');
      await page.getByLabel('Repeat the password').fill('password123');
      await submit(page, 'Create account');
      await page.screenshot({ path: await screenshotPath('e2e-prompt-password-weak'), fullPage: true });
      expect(await page.textContent('body')).toContain('This password is too common');
      expect(await count('users')).toBe(users);

      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      const form = { csrf: (await page.locator('input[name=csrf]').getAttribute('value'))!, url: page.url() };
      await submit(page, 'Create account');
      const claims = await backAtApp(session, config, started);
      // The same form posted again (a replay) makes nothing more.
      const replay = await session.context.request.post(form.url, {
        form: { csrf: form.csrf, password: PASSWORD, confirmation: PASSWORD, decision: 'approve' },
        maxRedirects: 0,
      });
      expect(replay.status()).toBe(400);
      const user = (await userRow(claims.sub))!;
      expect(user.user_name).toBe('petra');
      expect(user.password_hash).toMatch(/^scrypt\$/);
      expect(user.password_hash).not.toContain(PASSWORD);
      expect(await count('users')).toBe(users + 1);
    } finally {
      await session.context.close();
    }

    // LOCAL: the password set on the prompt page signs the person in on the login page.
    const local = await openBrowser();
    try {
      const started = await startLogin(config);
      await local.page.goto(started.authorizationUrl.toString());
      await local.page.getByRole('link', { name: 'Sign in with a username and password' }).click();
      await local.page.getByLabel('Username').fill('petra');
      await local.page.getByLabel('Password').fill('not-the-password');
      await submit(local.page, 'Sign in');
      await local.page.screenshot({ path: await screenshotPath('e2e-local-sign-in-error'), fullPage: true });
      expect(await local.page.textContent('[role=alert]')).toContain('The username or password is not correct.');
      await local.page.getByLabel('Password').fill(PASSWORD);
      await submit(local.page, 'Sign in');
      const claims = await backAtApp(local, config, started);
      expect(claims).toMatchObject({ preferred_username: 'petra', amr: ['pwd'] });
    } finally {
      await local.context.close();
    }
  });

  it('a forged CSRF token is refused with a clear page and stores nothing', async () => {
    const { config } = await setUp('PROMPT_PASSWORD_CONSENT');
    person('rex', 'Rex');
    const session = await openBrowser();
    const { page } = session;
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'rex');
      await page.getByLabel('New password').waitFor();
      const url = page.url();
      const users = await count('users');
      const forged = await session.context.request.post(url, {
        form: { csrf: 'forged', password: PASSWORD, confirmation: PASSWORD, decision: 'approve' },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toContain('The form was out of date or did not come from this site.');
      expect(await count('users')).toBe(users);
    } finally {
      await session.context.close();
    }
  });
});

describe('LOCAL on the login page', () => {
  it('a flow with a second step after LOCAL asks it after the password; an app without LOCAL refuses the form', async () => {
    const { config } = await setUp('PROVISION_SILENTLY', { local: true, secondFactor: true });
    const lena = await localUser('lena');
    expect((await server.admin('PUT', `/api/v1/users/${lena}/password`, { password: PASSWORD })).status).toBe(204);
    const session = await openBrowser();
    const { page } = session;
    try {
      const started = await startLogin(config);
      await page.goto(started.authorizationUrl.toString());
      await page.getByRole('link', { name: 'Sign in with a username and password' }).click();
      await page.getByLabel('Username').fill('lena');
      await page.getByLabel('Password').fill(PASSWORD);
      await submit(page, 'Sign in');
      // The password alone does not finish: the TOTP step (`local_only`) follows, here as enrolment.
      expect(new URL(page.url()).pathname).toMatch(/^\/login\/[^/]+\/mfa$/);
      await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
      expect(session.landed()).toBeNull();
    } finally {
      await session.context.close();
    }

    const other = await setUp('PROVISION_SILENTLY');
    const refused = await openBrowser();
    try {
      const started = await startLogin(other.config);
      await refused.context.request.get(started.authorizationUrl.toString(), { maxRedirects: 0 });
      // The app's only IdP starts at the authorization endpoint; the interaction's pages are at its cookie's path.
      const interaction = (await refused.context.cookies()).find((cookie) => cookie.name === 'jb_interaction')!;
      const local = await refused.context.request.get(`${server.url}${interaction.path}/local`, { maxRedirects: 0 });
      expect(local.status()).toBe(403);
      expect(await local.text()).toContain('does not accept a username and password');
    } finally {
      await refused.context.close();
    }
  });
});

describe('PROMPT_USERNAME_PASSWORD_CONSENT', () => {
  it('a taken username and one against the store regex are shown on the page; the chosen one is stored', async () => {
    const { config } = await setUp('PROMPT_USERNAME_PASSWORD_CONSENT');
    await localUser('uma');
    person('uma', 'Uma');
    const users = await count('users');
    const session = await openBrowser();
    const { page } = session;
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'uma');
      await page.getByLabel('Username').waitFor();
      await page.screenshot({ path: await screenshotPath('e2e-prompt-username-password'), fullPage: true });
      expect(await page.getByLabel('Username').inputValue()).toBe('uma');
      expect(await page.textContent('body')).toContain('That username is taken');

      await page.getByLabel('Username').fill('uma has spaces');
      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await submit(page, 'Create account');
      expect(await page.textContent('body')).toContain('That username is not allowed here');
      expect(await count('users')).toBe(users);

      await page.getByLabel('Username').fill('uma.chosen');
      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await submit(page, 'Create account');
      const claims = await backAtApp(session, config, started);
      const user = (await userRow(claims.sub))!;
      expect(user.user_name).toBe('uma.chosen');
      expect(user.password_hash).toMatch(/^scrypt\$/);
    } finally {
      await session.context.close();
    }
  });

  it('with AS_IN_USERNAME the typed DOMAIN/name picks the user store', async () => {
    expect((await server.admin('POST', '/api/v1/user-stores', { domain: 'CONTRACTORS' })).status).toBe(201);
    const { config } = await setUp('PROMPT_USERNAME_PASSWORD_CONSENT', { userstore: 'AS_IN_USERNAME' });
    person('carla', 'Carla');
    const session = await openBrowser();
    const { page } = session;
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'carla');
      await page.getByLabel('Username').fill('CONTRACTORS/carla');
      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await submit(page, 'Create account');
      const claims = await backAtApp(session, config, started);
      const [user] = await rows<{ user_name: string; domain: string }>(
        server.ctx.store.db,
        sql`select u.user_name, s.domain from users u join user_stores s on s.id = u.user_store_id where u.id = ${claims.sub}`,
      );
      expect(user).toEqual({ user_name: 'carla', domain: 'CONTRACTORS' });
    } finally {
      await session.context.close();
    }
  });

  it('with association on, an existing local user is linked: only consent is asked, no password or username', async () => {
    const { config } = await setUp('PROMPT_USERNAME_PASSWORD_CONSENT', { associate: true });
    const existing = await localUser('alma');
    person('alma', 'Alma');
    const users = await count('users');
    const session = await openBrowser();
    const { page } = session;
    try {
      const started = await startLogin(config);
      await signInUpstream(session, started, 'alma');
      await page.getByRole('button', { name: 'Allow and continue' }).waitFor();
      await page.screenshot({ path: await screenshotPath('e2e-prompt-association-consent'), fullPage: true });
      expect(await page.getByLabel('New password').count()).toBe(0);
      await submit(page, 'Allow and continue');
      const claims = await backAtApp(session, config, started);
      expect(claims.sub).toBe(existing);
      expect((await userRow(existing))!.password_hash).toBeNull();
      expect(await count('users')).toBe(users);
    } finally {
      await session.context.close();
    }
  });
});

describe('external provisioning pages', () => {
  it('password on the customer page (refusal shown there), consent on ours; replayed and forged tokens refused', async () => {
    const patched = await server.admin('PATCH', '/api/v1/settings', { jit: { passwordProvisioningUrl: `${externalBase}/set-password` } });
    expect(patched.status).toBe(200);
    const session = await openBrowser();
    const { page } = session;
    try {
      const { config } = await setUp('PROMPT_PASSWORD_CONSENT');
      person('xena', 'Xena');
      const users = await count('users');
      const started = await startLogin(config);
      await signInUpstream(session, started, 'xena');
      await page.getByRole('heading', { name: 'Acme accounts for Expense reports' }).waitFor();
      expect(page.url().startsWith(`${externalBase}/set-password?context=`)).toBe(true);
      const token = new URL(page.url()).searchParams.get('context')!;
      await page.screenshot({ path: await screenshotPath('e2e-external-password'), fullPage: true });

      await page.getByLabel('Password').fill('password123');
      await page.getByLabel('Repeat').fill('password123');
      await submit(page, 'Continue');
      expect(await page.textContent('[role=alert]')).toContain('too common');
      expect(new URL(page.url()).searchParams.get('error')).toBe('weak_password');

      const completion = `${server.url}/login/provisioning/complete`;
      const forged = await session.context.request.post(completion, {
        form: { context: `${token.slice(0, -4)}AAAA`, password: PASSWORD, confirmation: PASSWORD },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toContain('This sign-in cannot continue');

      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Repeat').fill(PASSWORD);
      await submit(page, 'Continue');
      // Consent is always asked on jitbridge's own page.
      await page.getByRole('button', { name: 'Allow and continue' }).waitFor();
      const replay = await session.context.request.post(completion, {
        form: { context: token, password: PASSWORD, confirmation: PASSWORD },
        maxRedirects: 0,
      });
      expect(replay.status()).toBe(403);
      expect(await replay.text()).toContain('context_token_replayed');
      expect(await count('users')).toBe(users);

      await submit(page, 'Allow and continue');
      const claims = await backAtApp(session, config, started);
      const user = (await userRow(claims.sub))!;
      expect(user.user_name).toBe('xena');
      expect(user.password_hash).toMatch(/^scrypt\$/);
    } finally {
      await session.context.close();
      await server.admin('PATCH', '/api/v1/settings', { jit: { passwordProvisioningUrl: null } });
    }
  });

  it('username and password on the customer page', async () => {
    const patched = await server.admin('PATCH', '/api/v1/settings', {
      jit: { usernameProvisioningUrl: `${externalBase}/choose-username` },
    });
    expect(patched.status).toBe(200);
    const session = await openBrowser();
    const { page } = session;
    try {
      const { config } = await setUp('PROMPT_USERNAME_PASSWORD_CONSENT');
      person('yusuf', 'Yusuf');
      const started = await startLogin(config);
      await signInUpstream(session, started, 'yusuf');
      await page.getByRole('heading', { name: 'Acme accounts for Expense reports' }).waitFor();
      expect(await page.getByLabel('Username').inputValue()).toBe('yusuf');
      await page.getByLabel('Username').fill('yusuf.k');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Repeat').fill(PASSWORD);
      await submit(page, 'Continue');
      await page.getByRole('button', { name: 'Allow and continue' }).waitFor();
      await submit(page, 'Allow and continue');
      const claims = await backAtApp(session, config, started);
      expect((await userRow(claims.sub))!.user_name).toBe('yusuf.k');
    } finally {
      await session.context.close();
      await server.admin('PATCH', '/api/v1/settings', { jit: { usernameProvisioningUrl: null } });
    }
  });
});
