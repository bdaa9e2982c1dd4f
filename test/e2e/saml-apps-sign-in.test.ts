// SAML-only apps sign people in through jitbridge in a real browser (headless Chromium): a samlify SP sends an
// AuthnRequest (HTTP-Redirect or HTTP-POST), jitbridge runs its ordinary login (the same interaction an OIDC app
// gets: upstream OIDC or SAML, JIT), and the SP validates the signed Response with samlify and reads the NameID, the
// attributes and the AuthnContextClassRef. Then Single Logout both ways, and IdP-initiated SSO allowed and refused.
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { findOidcPayloadByUid } from '../../src/store/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { registerUpstreamIdp } from '../support/oidc-app.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.js';
import { startSamlSp, type SpSignIn, type TestSamlSp } from '../support/saml-sp.js';
import { startTestServer, type TestServer } from '../support/server.js';

const REFEDS_MFA = 'https://refeds.org/profile/mfa';
const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const ATTRIBUTES = [
  { name: 'email', value: '$primaryEmail' },
  { name: 'givenName', value: 'name.givenName' },
  { name: 'groups', value: '$groups' },
];

let server: TestServer;
let upstream: UpstreamOp;
let samlUpstream: TestSamlIdp;
let browser: Browser;
let oidcIdpId: string;
let samlIdpId: string;
const sps: TestSamlSp[] = [];

beforeAll(async () => {
  [server, upstream, samlUpstream, browser] = await Promise.all([
    startTestServer({ label: 'saml_apps_sign_in' }),
    startUpstreamOp(),
    startSamlIdp(),
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
  samlUpstream.users.set('erin', {
    nameId: 'erin-persistent-id',
    attributes: { uid: 'erin', mail: 'erin@example.com', givenName: 'Erin', sn: 'Example', displayName: 'Erin Example' },
  });
  oidcIdpId = (await registerUpstreamIdp(server, upstream, { name: 'Example Corp' })).id;
  const created = await server.admin('POST', '/api/v1/identity-providers', {
    name: 'Partner SAML',
    protocol: 'saml',
    trustEmail: true,
    saml: { metadata: samlUpstream.metadata },
  });
  expect(created.status).toBe(201);
  samlIdpId = ((await created.json()) as { id: string }).id;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.stop(), upstream?.stop(), samlUpstream?.stop(), ...sps.map((sp) => sp.stop())]);
});

/** A samlify SP registered in jitbridge as a SAML application with these IdPs. */
async function registeredSp(name: string, identityProviders: string[], saml: Record<string, unknown> = {}, signRequests = false) {
  const sp = await startSamlSp(name, { signRequests });
  sps.push(sp);
  const response = await server.admin('POST', '/api/v1/applications', {
    ...sp.registration({ attributes: ATTRIBUTES, ...saml }),
    identityProviders,
  });
  const body = (await response.json()) as { id: string };
  expect(response.status, JSON.stringify(body)).toBe(201);
  await sp.trust(server);
  return { sp, appId: body.id };
}

/** The JSON the SP's page shows. */
async function spResult<T = SpSignIn>(page: Page, title: string): Promise<T> {
  await page.getByRole('heading', { name: title }).waitFor();
  return JSON.parse((await page.locator('#result').textContent())!) as T;
}

async function upstreamOidcForm(page: Page, login: string) {
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const loginSessionOf = async (sessionIndex: string) =>
  (
    await rows<{ login_session_id: string }>(
      server.ctx.store.db,
      sql`select login_session_id from saml_idp_sessions where session_index = ${sessionIndex}`,
    )
  )[0]!.login_session_id;

describe('a SAML app signs people in through the jitbridge login', () => {
  it('HTTP-Redirect, upstream OIDC with MFA: JIT-provisions, the SP validates NameID, attributes, MFA; its SLO ends the jitbridge session', async () => {
    const { sp } = await registeredSp('redirect', [oidcIdpId]);
    upstream.authn.amr = ['pwd', 'mfa'];
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sp.url}/login?binding=redirect&relay=${encodeURIComponent('/reports?year=2026&q=a b')}`);
    await upstreamOidcForm(page, 'dana');
    const signIn = await spResult(page, 'Signed in at the SP');
    await page.screenshot({ path: await screenshotPath('saml-app-signed-in'), fullPage: true });

    const [user] = await rows<{ id: string }>(server.ctx.store.db, sql`select id from users where user_name = 'dana'`);
    expect(user).toBeDefined();
    expect(signIn).toMatchObject({
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      authnContextClassRef: REFEDS_MFA,
      relayState: '/reports?year=2026&q=a b',
      attributes: { email: 'dana@example.com', givenName: 'Dana' },
    });
    expect(signIn.inResponseTo).toMatch(/^_/);
    // Pairwise: neither the user's id nor the upstream subject.
    expect(signIn.nameId).not.toContain(user!.id);
    expect(signIn.nameId).not.toBe('dana');

    // SP-initiated SLO: the SP gets a signed Success, and jitbridge's own session is gone.
    const loginSessionId = await loginSessionOf(signIn.sessionIndex);
    expect(await findOidcPayloadByUid(server.ctx.store.db, 'Session', loginSessionId)).toBeDefined();
    await page.goto(`${sp.url}/logout`);
    expect(await spResult(page, 'Signed out at the SP')).toEqual({ status: 'Success', relayState: 'sp-logout' });
    expect(await findOidcPayloadByUid(server.ctx.store.db, 'Session', loginSessionId)).toBeUndefined();
    await context.close();
  });

  it('HTTP-POST, upstream SAML without MFA; a second SP signs in by SSO; jitbridge logout reaches both SPs', async () => {
    const a = await registeredSp('post-a', [samlIdpId]);
    const b = await registeredSp('post-b', [samlIdpId]);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${a.sp.url}/login?binding=post&relay=from-a`);
    await page.locator('input[name="login"]').fill('erin');
    await page.locator('input[name="password"]').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The upstream SAML IdP's auto-post form has a button (no script): press it.
    await page.getByRole('button', { name: 'Continue' }).click();
    const atA = await spResult(page, 'Signed in at the SP');
    expect(atA).toMatchObject({
      authnContextClassRef: PASSWORD_PROTECTED,
      relayState: 'from-a',
      attributes: { email: 'erin@example.com' },
    });
    const [user] = await rows<{ id: string }>(server.ctx.store.db, sql`select id from users where user_name = 'erin'`);
    expect(user).toBeDefined();

    // SSO: the second SP gets its Response without any form.
    await page.goto(`${b.sp.url}/login?binding=redirect`);
    const atB = await spResult(page, 'Signed in at the SP');
    expect(atB.nameId).not.toBe(atA.nameId); // pairwise per SP
    expect(await loginSessionOf(atB.sessionIndex)).toBe(await loginSessionOf(atA.sessionIndex));

    // jitbridge's own logout (OIDC end_session) sends each SP a LogoutRequest, then shows the signed-out page.
    await page.goto(`${server.url}/oidc/session/end`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(/\/oidc\/session\/end\/success/);
    expect(a.sp.loggedOutByIdp).toEqual([atA.nameId]);
    expect(b.sp.loggedOutByIdp).toEqual([atB.nameId]);
    await context.close();
  });

  it('IdP-initiated SSO for an app that allows it, an error page for one that does not', async () => {
    const open = await registeredSp('idp-initiated', [oidcIdpId], { idpInitiated: { enabled: true, defaultRelayState: '/home' } });
    const closed = await registeredSp('sp-only', [oidcIdpId]);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/saml/idp-initiated/${open.appId}`);
    await upstreamOidcForm(page, 'dana');
    const signIn = await spResult(page, 'Signed in at the SP');
    expect(signIn).toMatchObject({ inResponseTo: null, relayState: '/home', attributes: { email: 'dana@example.com' } });

    // With that session, an SP-initiated request is answered by SSO; ForceAuthn sends the person through the login again.
    const upstreamVisits: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(upstream.issuer)) upstreamVisits.push(request.url());
    });
    await page.goto(`${open.sp.url}/login?binding=redirect`);
    expect((await spResult(page, 'Signed in at the SP')).inResponseTo).toMatch(/^_/);
    expect(upstreamVisits).toEqual([]);
    await page.goto(`${open.sp.url}/login?binding=redirect&force=1`);
    const forcedDone = page.getByRole('heading', { name: 'Signed in at the SP' });
    await forcedDone.or(page.getByLabel('Username')).waitFor();
    if (!(await forcedDone.isVisible())) await upstreamOidcForm(page, 'dana');
    const forced = await spResult(page, 'Signed in at the SP');
    expect(upstreamVisits.length).toBeGreaterThan(0);
    expect(forced.nameId).toBe(signIn.nameId);

    const refused = await page.goto(`${server.url}/saml/idp-initiated/${closed.appId}`);
    expect(refused!.status()).toBe(403);
    expect(await refused!.headerValue('x-saml-error')).toBe('saml_idp_initiated_disabled');
    expect(closed.sp.signIns).toEqual([]);
    await context.close();
  });
});
