// The same JIT behaviour a SAML app gets as an OIDC app, in headless Chromium: a prompting scheme (the person sets a
// password on jitbridge's prompt page before the SP gets its Response), and a JIT-disabled IdP, where nothing is
// stored and the NameID (source $sub) is the very pairwise `sub` an OIDC app receives for the same person; and the
// app's own second step (TOTP), after which the assertion states REFEDS MFA.
import { sql } from 'drizzle-orm';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { launchBrowser } from '../support/browser.js';
import { discover, redeem, registerApp, registerUpstreamIdp, signInThroughUpstream, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser } from '../support/oidc-browser.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.js';
import { startSamlSp, type SpSignIn, type TestSamlSp } from '../support/saml-sp.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let samlUpstream: TestSamlIdp;
let browser: Browser;
const sps: TestSamlSp[] = [];

beforeAll(async () => {
  [server, upstream, samlUpstream, browser] = await Promise.all([
    startTestServer({ label: 'saml_apps_prompts' }),
    startUpstreamOp(),
    startSamlIdp(),
    launchBrowser(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.stop(), upstream?.stop(), samlUpstream?.stop(), ...sps.map((sp) => sp.stop())]);
});

async function registeredSp(name: string, identityProviders: string[], saml: Record<string, unknown> = {}) {
  const sp = await startSamlSp(name);
  sps.push(sp);
  const response = await server.admin('POST', '/api/v1/applications', {
    ...sp.registration({ attributes: [{ name: 'email', value: '$primaryEmail' }], ...saml }),
    identityProviders,
  });
  expect(response.status, await response.clone().text()).toBe(201);
  await sp.trust(server);
  return sp;
}

async function spResult(page: Page): Promise<SpSignIn> {
  await page.getByRole('heading', { name: 'Signed in at the SP' }).waitFor();
  return JSON.parse((await page.locator('#result').textContent())!) as SpSignIn;
}

const userCount = async () => (await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from users`))[0]!.n;

describe('JIT for SAML apps, as for OIDC apps', () => {
  it('PROMPT_PASSWORD_CONSENT behind an upstream SAML IdP: the prompt page, then the SP signs in as the new user', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Partner SAML',
      protocol: 'saml',
      trustEmail: true,
      saml: { metadata: samlUpstream.metadata },
      provisioning: { jit: { isEnabled: true, scheme: 'PROMPT_PASSWORD_CONSENT' } },
    });
    expect(created.status).toBe(201);
    const idpId = ((await created.json()) as { id: string }).id;
    samlUpstream.users.set('sara', {
      nameId: 'sara-persistent-id',
      attributes: { uid: 'sara', mail: 'sara@example.com', givenName: 'Sara', sn: 'Example', displayName: 'Sara Example' },
    });
    const sp = await registeredSp('prompted', [idpId], { nameId: { format: 'persistent', source: 'userName' } });
    const users = await userCount();

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sp.url}/login?binding=post`);
    await page.locator('input[name="login"]').fill('sara');
    await page.locator('input[name="password"]').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // jitbridge's prompt page, with the SAML app's name: nothing is stored and nothing sent to the SP yet.
    await page.getByLabel('New password').waitFor();
    expect(await page.getByText('SP prompted').count()).toBeGreaterThan(0);
    expect(await userCount()).toBe(users);
    expect(sp.signIns).toEqual([]);
    await page.getByLabel('New password').fill('copper-lagoon-sparrow');
    await page.getByLabel('Repeat the password').fill('copper-lagoon-sparrow');
    await page.getByRole('button', { name: 'Create account' }).click();

    expect(await spResult(page)).toMatchObject({ nameId: 'sara', attributes: { email: 'sara@example.com' } });
    expect(await userCount()).toBe(users + 1);
    await context.close();
  });

  it('JIT disabled: nothing stored, and the NameID ($sub) is the pairwise sub an OIDC app gets for the same person', async () => {
    upstream.setAccount('walt', { email: 'walt@example.com', email_verified: true, name: 'Walt Skinner', preferred_username: 'walt' });
    const idp = await registerUpstreamIdp(server, upstream, { name: 'No JIT Corp', jit: false });
    const sp = await registeredSp('no-jit', [idp.id], { nameId: { format: 'persistent', source: '$sub' } });
    const users = await userCount();

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sp.url}/login?binding=redirect`);
    await page.getByLabel('Username').fill('walt');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const signIn = await spResult(page);
    expect(signIn.attributes).toMatchObject({ email: 'walt@example.com' });
    expect(await userCount()).toBe(users);
    await context.close();

    // The OIDC app, with the same IdP, in another browser.
    const app = await registerApp(server, { name: 'Timesheets', identityProviders: [idp.id] });
    const config = await discover(server, app);
    const started = await startLogin(config);
    const back = await signInThroughUpstream(new CookieJarBrowser(), started, 'walt');
    const sub = (await redeem(config, started, back)).claims()!.sub;
    expect(signIn.nameId).toBe(sub);
  });

  it('the SAML app’s second step (TOTP): enrolment on jitbridge’s pages, then the SP reads REFEDS MFA', async () => {
    // Federated (JIT-provisioned) users may enrol in TOTP only with the enhanced feature.
    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: true } })).status).toBe(200);
    upstream.setAccount('tara', { email: 'tara@example.com', email_verified: true, name: 'Tara', preferred_username: 'tara' });
    upstream.authn.amr = ['pwd'];
    const idp = await registerUpstreamIdp(server, upstream, { name: 'Second Step Corp' });
    const sp = await startSamlSp('totp');
    sps.push(sp);
    const response = await server.admin('POST', '/api/v1/applications', {
      ...sp.registration(),
      identityProviders: [idp.id],
      signInFlow: { steps: [{ options: [{ idp: idp.id }] }, { options: [{ authenticator: 'TOTP' }] }] },
    });
    expect(response.status, await response.clone().text()).toBe(201);
    await sp.trust(server);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sp.url}/login?binding=redirect`);
    await page.getByLabel('Username').fill('tara');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const key = (await page.locator('p.detail code').textContent())!.replace(/ /g, '');
    await page.getByLabel('6-digit code').fill(await generate({ secret: key }));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    expect(await spResult(page)).toMatchObject({ authnContextClassRef: 'https://refeds.org/profile/mfa' });
    await context.close();
  });
});
