// The first admin in a real browser: created with `jitbridge admin create` (no default password), signs in to
// /console through jitbridge's own OpenID Provider (PKCE from the page), sees the admin role, creates an OIDC
// identity provider with JIT options (the risky one warned before saving) and simulates a login through it. At
// 390 px wide, under the server's CSP. Screenshots go to test-results/screenshots (not committed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { ensureConsoleBuilt, openConsole, signInWithPassword } from '../support/console-browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/oidc-upstream-idp.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'first-console-admin-pw-7';
let dir: string;
let database: TestDatabase | undefined;
let server: TestServer;
let upstream: UpstreamOidc;
let browser: Browser;
let fake: FakeScimServer;

beforeAll(async () => {
  ensureConsoleBuilt();
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-console-admin-'));
  // The command line runs on the database before the server starts, as a person installing jitbridge would.
  database = process.env.DATABASE_URL ? await createTestDatabase('console_admin') : undefined;
  const target = database ? ['--database-url', database.url!, '--data-dir', dir] : ['--data-dir', dir];
  let stderr = '';
  const code = await runCli([...target, 'admin', 'create', '--user-name', 'root-admin', '--email', 'root@example.com'], {
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
    // The embedded database and the secrets key the command line made in DATA_DIR.
    startTestServer({ database: shared, config: { dataDir: dir, secretsKey: undefined } }),
    startUpstreamOidc(),
    launchBrowser(),
  ]);
  fake = await startFakeScimServer();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
  await fake?.close();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the first admin in the console', () => {
  it('signs in with the password given to jitbridge admin create and sees the admin role', async () => {
    const { page, violations, close } = await openConsole(browser, server, { narrow: true });
    await page.screenshot({ path: await screenshotPath('console-sign-in'), fullPage: true });
    // The keyboard reaches the sign-in button first, and it shows where focus is.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sign in');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    expect(await signInWithPassword(page, 'root-admin', PASSWORD)).toBe('admin');
    await expect(page.getByTestId('who').textContent()).resolves.toContain('root-admin');
    await page.getByTestId('role-note').waitFor();
    // Nothing is wider than the phone's screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: await screenshotPath('console-home-390'), fullPage: true });
    expect(violations).toEqual([]);
    await close();
  });

  it('creates an OIDC identity provider with JIT options, is warned before saving, and simulates a login', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    await signInWithPassword(page, 'root-admin', PASSWORD);
    await page.getByRole('navigation').getByRole('link', { name: 'Identity providers' }).click();
    await page.getByRole('link', { name: 'New OpenID Connect IdP' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Example Corp');
    await page.getByLabel('Issuer').fill(upstream.issuer);
    await page.getByLabel('Client id').fill(upstream.clientId);
    await page.getByLabel('Client secret').fill(upstream.clientSecret);
    await page.getByLabel('Provisioning scheme').selectOption('PROVISION_SILENTLY');
    await page.getByLabel('Attribute sync method').selectOption('PRESERVE_LOCAL');
    await page.getByLabel('Role mappings').fill('staff = employees');
    // A risky option: said before saving, in words.
    await page.getByLabel('Associate local user by username').check();
    await expect(page.getByTestId('jit-warnings').textContent()).resolves.toContain('take over the local account');
    await page.getByLabel('Associate local user by username').uncheck();
    await expect(page.getByTestId('jit-warnings').count()).resolves.toBe(0);
    // Each option explains itself in WSO2's terms.
    await expect(page.getByText('WSO2: "Provision silently"').count()).resolves.toBe(1);
    await page.screenshot({ path: await screenshotPath('console-idp-new'), fullPage: true });
    await page.getByRole('button', { name: 'Create identity provider' }).click();
    await page.getByRole('link', { name: 'Simulate a login' }).waitFor();

    const list = (await (await server.admin('GET', '/api/v1/identity-providers')).json()) as { items: Array<Record<string, any>> };
    const idp = list.items.find((i) => i.name === 'Example Corp')!;
    expect(idp.provisioning.jit).toMatchObject({ isEnabled: true, scheme: 'PROVISION_SILENTLY', attributeSyncMethod: 'PRESERVE_LOCAL' });
    expect(idp.roleMappings).toEqual([{ remote: 'staff', local: 'employees' }]);
    expect(idp.oidc.hasClientSecret).toBe(true);

    await page.getByRole('link', { name: 'Simulate a login' }).click();
    await page.getByLabel('Sample claims (JSON)').fill(
      JSON.stringify({
        sub: 'sim-1',
        email: 'sim@example.com',
        email_verified: true,
        preferred_username: 'sim',
        given_name: 'Sim',
        roles: ['staff'],
      }),
    );
    await page.getByRole('button', { name: 'Simulate' }).click();
    const result = page.getByTestId('simulation');
    await result.waitFor();
    await expect(result.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Plan: create');
    await expect(result.textContent()).resolves.toContain('sim@example.com');
    await page.screenshot({ path: await screenshotPath('console-idp-simulate'), fullPage: true });
    // A dry run: nobody was made.
    const found = (await (await server.admin('GET', '/api/v1/users?q=sim')).json()) as { totalResults: number };
    expect(found.totalResults).toBe(0);
    expect(violations).toEqual([]);
    await close();
  });

  it('registers an app with that IdP in its sign-in flow (secret shown once, then rotated) and an outbound connector', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    await signInWithPassword(page, 'root-admin', PASSWORD);
    await page.getByRole('navigation').getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('link', { name: 'New OpenID Connect app' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Timesheets');
    await page.getByLabel('Redirect URIs').fill('https://timesheets.example.com/callback');
    await page.getByLabel('Example Corp').check();
    await page.getByLabel('Username and password (LOCAL)').uncheck();
    await page.getByLabel('Second factor').selectOption('TOTP');
    await page.getByRole('button', { name: 'Create application' }).click();
    const secret = (await page.getByTestId('client-secret').textContent())!;
    expect(secret.length).toBeGreaterThan(20);
    const clientId = (await page.getByTestId('client-id').textContent())!;
    await page.screenshot({ path: await screenshotPath('console-app-secret-once'), fullPage: true });
    await page.getByRole('link', { name: 'Done' }).click();
    // The secret is not on the app's page; a new one is shown once.
    await page.getByRole('button', { name: 'Issue a new client secret' }).click();
    const rotated = (await page.getByTestId('client-secret').textContent())!;
    expect(rotated).not.toBe(secret);
    const apps = (await (await server.admin('GET', '/api/v1/applications')).json()) as { items: Array<Record<string, any>> };
    const app = apps.items.find((a) => a.clientId === clientId)!;
    expect(app.signInFlow.steps).toEqual([
      { options: [{ idp: expect.any(String) }] },
      { options: [{ authenticator: 'TOTP' }], when: 'always' },
    ]);

    await page.getByRole('navigation').getByRole('link', { name: 'Outbound' }).click();
    await page.getByRole('link', { name: 'New connector' }).click();
    await page.getByLabel('Name', { exact: true }).fill('HR system');
    await page.getByLabel('SCIM base URL').fill(fake.url);
    await page.getByLabel('Token').fill(fake.token);
    await page.getByRole('button', { name: 'Create connector' }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('The target answers.').waitFor();
    await page.screenshot({ path: await screenshotPath('console-outbound-connector'), fullPage: true });
    expect(violations).toEqual([]);
    await close();
  });

  it('deletes an identity provider after previewing who it affects', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Old partner',
      protocol: 'oidc',
      oidc: { issuer: upstream.issuer, clientId: 'old', clientSecret: 'old-partner-secret-0123456789' },
    });
    const { id } = (await created.json()) as { id: string };
    const { page, close } = await openConsole(browser, server);
    await signInWithPassword(page, 'root-admin', PASSWORD);
    await page.goto(`${server.url}/console/#/identity-providers/${id}`);
    await page.getByLabel('Its JIT users').selectOption('disable');
    await page.getByRole('button', { name: 'Preview the deletion' }).click();
    await expect(page.getByTestId('delete-preview').textContent()).resolves.toMatch(/delete 0 users, disable 0, keep 0/);
    expect((await server.admin('GET', `/api/v1/identity-providers/${id}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete Old partner' }).click();
    await page.getByRole('heading', { name: 'Identity providers' }).waitFor();
    expect((await server.admin('GET', `/api/v1/identity-providers/${id}`)).status).toBe(404);
    await close();
  });
});
