// Issue 25's "done when" as one journey in a real browser: the first admin (from `jitbridge admin create`) sets up
// everything in the console alone — an upstream OIDC IdP with JIT, simulated before it is enabled; an OIDC app whose
// sign-in flow offers it; a SAML IdP and a SAML app; an outbound connector to jitbridge's own SCIM server (made by
// keyboard only). A person then signs in to the app through the upstream IdP and is provisioned just in time; the
// console finds them with provenance and shows the push. A second person, made an auditor by the IdP's role mapping,
// signs in to the console through the same IdP and can look but not touch. Every page is checked with axe-core
// (WCAG 2 A/AA) and photographed at 1280 and 390 px; the admin API is used only to check results.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { outboundNetworkFor } from '../../src/net/index.js';
import { OutboundWorker } from '../../src/outbound/index.js';
import { launchBrowser } from '../support/browser.js';
import { ensureConsoleBuilt, lookAt, openConsole, shownRole, tabTo } from '../support/console-browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { APP_REDIRECT, discover, redeem, startLogin } from '../support/oidc-app.js';
import { IDP_KEYS } from '../support/saml-idp.js';
import { createScimClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';

const PASSWORD = 'correct-journey-pw-93';
const SAML_IDP = { entityId: 'https://sso.partner.example/saml/metadata', ssoUrl: 'https://sso.partner.example/saml/sso' };
const SAML_SP = { entityId: 'https://wiki.example.com/saml', acs: 'https://wiki.example.com/saml/acs' };
let dir: string;
let database: TestDatabase | undefined;
let server: TestServer;
let upstream: UpstreamOp;
let browser: Browser;
let admin: { page: Page; violations: string[]; close(): Promise<void> };
const made = { idpId: '', clientId: '', clientSecret: '', connectorId: '', danaId: '' };

beforeAll(async () => {
  ensureConsoleBuilt();
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-console-journey-'));
  database = process.env.DATABASE_URL ? await createTestDatabase('console_journey') : undefined;
  const target = database ? ['--database-url', database.url!, '--data-dir', dir] : ['--data-dir', dir];
  let stderr = '';
  const code = await runCli([...target, 'admin', 'create', '--user-name', 'first-admin', '--email', 'first@example.com'], {
    stdout: () => undefined,
    stderr: (t) => (stderr += t),
    readSecret: async () => PASSWORD,
  });
  if (code !== 0) throw new Error(`jitbridge admin create: ${stderr}`);
  const shared: TestDatabase = {
    kind: database ? 'postgres' : 'pglite',
    url: database?.url,
    pglite: undefined,
    drop: async () => undefined,
  };
  [server, upstream, browser] = await Promise.all([
    startTestServer({ database: shared, config: { dataDir: dir, secretsKey: undefined } }),
    startUpstreamOp(),
    launchBrowser(),
  ]);
  // Two people at the upstream IdP: Dana (staff) signs in to the app; Ava (audit) to the console.
  upstream.setAccount('dana', {
    email: 'dana@example.com',
    email_verified: true,
    preferred_username: 'dana',
    name: 'Dana Scully',
    groups: ['staff'],
  });
  upstream.setAccount('ava', {
    email: 'ava@example.com',
    email_verified: true,
    preferred_username: 'ava',
    name: 'Ava Auditor',
    groups: ['audit'],
  });
}, 300_000);
afterAll(async () => {
  await admin?.close();
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('link', { name }).click();
const apiGet = async <T>(p: string) => (await (await server.admin('GET', `/api/v1${p}`)).json()) as T;

describe('a new admin sets jitbridge up in the console alone', () => {
  it('signs in as the first admin', async () => {
    admin = await openConsole(browser, server);
    await lookAt(admin.page, 'journey-sign-in');
    // jitbridge's own sign-in page is part of the journey too.
    await admin.page.getByRole('button', { name: 'Sign in' }).click();
    await admin.page.locator('input[name="password"]').waitFor();
    await lookAt(admin.page, 'journey-local-sign-in');
    await admin.page.locator('input[name="username"]').fill('first-admin');
    await admin.page.locator('input[name="password"]').fill(PASSWORD);
    await admin.page.locator('input[name="password"]').press('Enter');
    expect(await shownRole(admin.page)).toBe('admin');
    await lookAt(admin.page, 'journey-home');
  });

  it('creates an upstream OIDC IdP with JIT, sees what a login would do, then enables it', async () => {
    const { page } = admin;
    await nav(page, 'Identity providers');
    await page.getByRole('link', { name: 'New OpenID Connect IdP' }).waitFor();
    await lookAt(page, 'journey-idps');
    await page.getByRole('link', { name: 'New OpenID Connect IdP' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Example Corp');
    await page.getByLabel('Enabled', { exact: true }).uncheck();
    await page.getByLabel('Trust email').check();
    await page.getByLabel('Issuer').fill(upstream.issuer);
    await page.getByLabel('Client id').fill(upstream.clientId);
    await page.getByLabel('Client secret').fill(upstream.clientSecret);
    await page.getByLabel('Scopes').fill('openid profile email groups');
    await page.getByLabel('Provisioning scheme').selectOption('PROVISION_SILENTLY');
    await page.getByLabel('User store', { exact: true }).fill('PRIMARY');
    await page.getByLabel('Attribute sync method').selectOption('OVERRIDE_ALL');
    await page.getByLabel('Role mappings').fill('staff = employees\naudit = jitbridge-auditors');
    await lookAt(page, 'journey-idp-new');
    await page.getByRole('button', { name: 'Create identity provider' }).click();
    await page.getByRole('link', { name: 'Simulate a login' }).waitFor();
    made.idpId = page.url().split('/').at(-1)!;
    // What the admin copies to the upstream IdP's client registration.
    const redirectUri = (await page.getByTestId('idp-redirect-uri').textContent())!;
    expect(redirectUri).toBe(`${server.url}/federation/${made.idpId}/callback`);
    upstream.addRedirectUri(redirectUri);
    await lookAt(page, 'journey-idp-created');

    await page.getByRole('link', { name: 'Simulate a login' }).click();
    const claims = { sub: 'dana', email: 'dana@example.com', email_verified: true, preferred_username: 'dana', groups: ['staff'] };
    await page.getByLabel('Sample claims (JSON)').fill(JSON.stringify(claims));
    await page.getByRole('button', { name: 'Simulate' }).click();
    const plan = page.getByTestId('simulation');
    await plan.waitFor();
    await expect(plan.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Plan: create');
    await expect(plan.textContent()).resolves.toContain('employees');
    await expect(plan.textContent()).resolves.toContain('This identity provider is disabled');
    await lookAt(page, 'journey-idp-simulated');
    const before = await apiGet<{ provisioning: { jit: Record<string, unknown> }; enabled: boolean }>(`/identity-providers/${made.idpId}`);
    expect(before.enabled).toBe(false);

    await page.goto(`${server.url}/console/#/identity-providers/${made.idpId}`);
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Example Corp');
    await page.getByLabel('Enabled', { exact: true }).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const idp = await apiGet<Record<string, any>>(`/identity-providers/${made.idpId}`);
    expect(idp).toMatchObject({ enabled: true, trustEmail: true, oidc: { issuer: upstream.issuer, hasClientSecret: true } });
    expect(idp.provisioning.jit).toMatchObject({
      isEnabled: true,
      scheme: 'PROVISION_SILENTLY',
      userstore: 'PRIMARY',
      attributeSyncMethod: 'OVERRIDE_ALL',
    });
    expect(idp.roleMappings).toEqual([
      { remote: 'staff', local: 'employees' },
      { remote: 'audit', local: 'jitbridge-auditors' },
    ]);
  });

  it('registers an OIDC app that offers that IdP (the secret shown once), and lets the console itself offer it', async () => {
    const { page } = admin;
    await nav(page, 'Applications');
    await page.getByRole('link', { name: 'New OpenID Connect app' }).waitFor();
    await lookAt(page, 'journey-apps');
    await page.getByRole('link', { name: 'New OpenID Connect app' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Timesheets');
    await page.getByLabel('Redirect URIs').fill(APP_REDIRECT);
    await page.getByLabel('Example Corp').check();
    await page.getByLabel('Username and password (LOCAL)').uncheck();
    await lookAt(page, 'journey-app-new');
    await page.getByRole('button', { name: 'Create application' }).click();
    made.clientSecret = (await page.getByTestId('client-secret').textContent())!;
    made.clientId = (await page.getByTestId('client-id').textContent())!;
    await lookAt(page, 'journey-app-secret');
    await page.getByRole('link', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Issue a new client secret' }).waitFor();
    expect(await page.getByText(made.clientSecret).count()).toBe(0);
    await lookAt(page, 'journey-app');
    const apps = await apiGet<{ items: Array<Record<string, any>> }>('/applications');
    expect(apps.items.find((a) => a.clientId === made.clientId)!.signInFlow.steps).toEqual([{ options: [{ idp: made.idpId }] }]);

    // The console is an application too: people may now sign in to it through Example Corp as well.
    await nav(page, 'Applications');
    await page.getByRole('link', { name: 'jitbridge console' }).click();
    await page.getByLabel('Example Corp').check();
    await page.getByRole('button', { name: 'Save sign-in flow' }).click();
    await page.getByText('Sign-in flow saved.').waitFor();
    const consoleApp = (await apiGet<{ items: Array<Record<string, any>> }>('/applications')).items.find(
      (a) => a.clientId === 'jitbridge-console',
    )!;
    expect(consoleApp.signInFlow.steps).toEqual([{ options: [{ idp: made.idpId }, { authenticator: 'LOCAL' }] }]);
  });

  it('creates a SAML IdP and a SAML app from typed fields', async () => {
    const { page } = admin;
    await nav(page, 'Identity providers');
    await page.getByRole('link', { name: 'New SAML IdP' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Partner SAML');
    await page.getByLabel('Entity id').fill(SAML_IDP.entityId);
    await page.getByLabel('Single sign-on URL').fill(SAML_IDP.ssoUrl);
    await page.getByLabel('Signing certificate').fill(IDP_KEYS.cert);
    await page.getByLabel('Provisioning scheme').selectOption('PROMPT_USERNAME_PASSWORD_CONSENT');
    await lookAt(page, 'journey-saml-idp-new');
    await page.getByRole('button', { name: 'Create identity provider' }).click();
    await page.getByRole('link', { name: 'Simulate a login' }).waitFor();
    await lookAt(page, 'journey-saml-idp');
    const samlIdp = (await apiGet<{ items: Array<Record<string, any>> }>('/identity-providers')).items.find(
      (i) => i.name === 'Partner SAML',
    )!;
    expect(samlIdp).toMatchObject({ protocol: 'saml', saml: { entityId: SAML_IDP.entityId, ssoUrl: SAML_IDP.ssoUrl } });
    expect(samlIdp.saml.signingCertificates).toHaveLength(1);
    expect(samlIdp.provisioning.jit.scheme).toBe('PROMPT_USERNAME_PASSWORD_CONSENT');

    await nav(page, 'Applications');
    await page.getByRole('link', { name: 'New SAML app' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Wiki');
    await page.getByLabel('SP entity id').fill(SAML_SP.entityId);
    await page.getByLabel('Assertion consumer service URL').fill(SAML_SP.acs);
    await page.getByLabel('Partner SAML').check();
    await lookAt(page, 'journey-saml-app-new');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('heading', { name: 'Wiki' }).waitFor();
    await lookAt(page, 'journey-saml-app');
    const wiki = (await apiGet<{ items: Array<Record<string, any>> }>('/applications')).items.find((a) => a.name === 'Wiki')!;
    expect(wiki).toMatchObject({
      protocol: 'saml',
      saml: { entityId: SAML_SP.entityId, assertionConsumerServices: [{ url: SAML_SP.acs }] },
    });
    expect(wiki.signInFlow.steps[0].options).toEqual([{ idp: samlIdp.id }, { authenticator: 'LOCAL' }]);
  });

  it('adds an outbound connector to jitbridge’s own SCIM server and tests it, by keyboard only', async () => {
    const { page } = admin;
    const target = await createScimClient(server, { name: 'outbound target' });
    await page.goto(`${server.url}/console/#/`);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await tabTo(page, 'Outbound');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Outbound connectors' }).waitFor();
    await lookAt(page, 'journey-outbound');
    await tabTo(page, 'New connector');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New outbound connector' }).waitFor();
    await tabTo(page, 'Name');
    await page.keyboard.type('Directory mirror');
    await tabTo(page, 'SCIM base URL');
    await page.keyboard.type(`${server.url}/scim/v2`);
    await tabTo(page, 'Token');
    await page.keyboard.type(target.token);
    await lookAt(page, 'journey-outbound-new');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Directory mirror' }).waitFor();
    made.connectorId = page.url().split('/').at(-1)!;
    await tabTo(page, 'Test connection');
    await page.keyboard.press('Enter');
    await page.getByText('The target answers.').waitFor();
    await lookAt(page, 'journey-outbound-connector');
    const connector = await apiGet<Record<string, any>>(`/outbound-connectors/${made.connectorId}`);
    expect(connector).toMatchObject({ name: 'Directory mirror', baseUrl: `${server.url}/scim/v2`, enabled: true });
  });
});

describe('a person signs in to the app through the upstream IdP', () => {
  it('is provisioned just in time; the console finds them with provenance and shows the push', async () => {
    const config = await discover(server, { id: '', clientId: made.clientId, clientSecret: made.clientSecret });
    const started = await startLogin(config);
    const context = await browser.newContext();
    const page = await context.newPage();
    let landed = '';
    await page.route(`${APP_REDIRECT}**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!DOCTYPE html><title>Timesheets</title><h1>Back at the app</h1>',
      });
    });
    await page.goto(started.authorizationUrl.toString());
    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Back at the app' }).waitFor();
    await context.close();
    const tokens = await redeem(config, started, landed);
    made.danaId = tokens.claims()!.sub;
    expect(tokens.claims()).toMatchObject({ email: 'dana@example.com', preferred_username: 'dana' });

    // Who wrote each attribute: the IdP, at this login.
    const { page: view } = admin;
    await nav(view, 'Users');
    await view.getByLabel('Search').fill('dana');
    await view.getByRole('button', { name: 'Search' }).click();
    await view.getByRole('link', { name: 'dana' }).waitFor();
    await lookAt(view, 'journey-users');
    await view.getByRole('link', { name: 'dana' }).click();
    const email = view.getByRole('row').filter({ hasText: 'dana@example.com' }).first();
    await email.waitFor();
    // The IdP's name fills in once the IdP list has loaded.
    await expect.poll(() => email.textContent()).toContain('IdP Example Corp');
    await view.getByTestId('federated-identity').waitFor();
    await lookAt(view, 'journey-user');

    // The outbound worker (off in tests) delivers what the login queued, until there is nothing left.
    const worker = new OutboundWorker({ store: server.ctx.store, connectorRefreshMs: 0, network: outboundNetworkFor(server.ctx.config) });
    const events = async () =>
      (
        await apiGet<{ items: Array<{ resourceId: string; status: string; eventType: string }> }>(
          `/outbound-connectors/${made.connectorId}/events`,
        )
      ).items;
    // The target is this jitbridge: each push is a SCIM write here, whose own event is pushed again. It settles
    // because a write that changes nothing makes no event.
    let idle = 0;
    for (let i = 0; i < 300 && idle < 5; i++) {
      if ((await worker.runOnce()) > 0) idle = 0;
      else {
        idle++;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    expect(idle, 'the outbound queue settles').toBe(5);
    const pushed = (await events()).filter((e) => e.resourceId === made.danaId);
    expect(pushed.map((e) => [e.eventType, e.status])).toContainEqual(['create', 'delivered']);
    expect(pushed.every((e) => e.status === 'delivered')).toBe(true);

    await view.goto(`${server.url}/console/#/outbound/${made.connectorId}`);
    const push = view.getByTestId('delivery').filter({ hasText: made.danaId }).first();
    await push.waitFor();
    await expect(push.textContent()).resolves.toContain('delivered');
    await lookAt(view, 'journey-outbound-pushed');
    expect(admin.violations).toEqual([]);
  });
});

describe('an auditor looks but cannot touch', () => {
  it('signs in to the console through the IdP, made an auditor by its role mapping, and sees no write controls', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel(/Example Corp/).waitFor();
    await lookAt(page, 'journey-chooser');
    await page.getByLabel(/Example Corp/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Username').fill('ava');
    await page.getByLabel('Password').fill(UPSTREAM_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await shownRole(page)).toBe('auditor');
    await lookAt(page, 'journey-auditor-home');

    // On each page, once its data is there: not one button, and no "New …" link.
    const noWriteControls = async (where: string) => {
      expect(await page.getByRole('main').getByRole('button').allTextContents(), where).toEqual([]);
      expect(await page.getByRole('main').getByRole('link', { name: /^New / }).count(), where).toBe(0);
    };
    await nav(page, 'Identity providers');
    await page.getByRole('link', { name: 'Example Corp' }).waitFor();
    await noWriteControls('identity providers');
    await page.getByRole('link', { name: 'Example Corp' }).click();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Example Corp');
    await lookAt(page, 'journey-auditor-idp');
    await noWriteControls('the IdP');
    await nav(page, 'Applications');
    await page.getByRole('link', { name: 'Timesheets' }).click();
    await page.getByRole('checkbox', { name: 'Example Corp' }).waitFor();
    await lookAt(page, 'journey-auditor-app');
    await noWriteControls('the app');
    await page.goto(`${server.url}/console/#/outbound/${made.connectorId}`);
    await page.getByTestId('delivery').first().waitFor();
    await lookAt(page, 'journey-auditor-outbound');
    await noWriteControls('the connector');
    await page.goto(`${server.url}/console/#/users/${made.danaId}`);
    await page.getByTestId('federated-identity').waitFor();
    await page.getByText('TOTP: not enrolled').waitFor();
    await lookAt(page, 'journey-auditor-user');
    await noWriteControls('the user');

    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('jitbridge.console.session') ?? '{}').accessToken as string);
    const as = (method: string, p: string, body?: unknown) =>
      fetch(`${server.url}/api/v1${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await as('GET', `/identity-providers/${made.idpId}`)).status).toBe(200);
    for (const [method, p, body] of [
      ['PATCH', `/identity-providers/${made.idpId}`, { enabled: false }],
      ['POST', `/outbound-connectors/${made.connectorId}/test`, undefined],
      ['DELETE', `/users/${made.danaId}/password`, undefined],
    ] as const) {
      const refused = await as(method, p, body);
      expect(refused.status, `${method} ${p}`).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('insufficient_role');
    }
    expect((await apiGet<{ enabled: boolean }>(`/identity-providers/${made.idpId}`)).enabled).toBe(true);
    expect(violations).toEqual([]);
    await close();
  });
});
