// The console's configuration pages in a real browser: an admin tightens a user store's username policy (the SCIM
// server then refuses a name that breaks it, and the store's deletion is refused with the API's reason), creates,
// edits and deletes a consent purpose, creates a SCIM client whose token is shown once and works until the client is
// deleted, and rotates the signing keys; an auditor sees the same pages without a write control.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { ensureConsoleBuilt, lookAt, openConsole, signInWithPassword } from '../support/console-browser.js';
import { consoleSignIn, createGroup, createLocalPerson, createScimClient } from '../support/console-login.js';
import { USER_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console-config-secret-42';
let server: TestServer;
let browser: Browser;
let scim: ScimTestClient;
let auditorToken: string;

beforeAll(async () => {
  ensureConsoleBuilt();
  [server, browser] = await Promise.all([startTestServer({ label: 'console_config' }), launchBrowser()]);
  scim = await createScimClient(server, { name: 'directory' });
  for (const [userName, group] of [
    ['config-admin', 'jitbridge-admins'],
    ['config-auditor', 'jitbridge-auditors'],
  ] as const) {
    const id = await createLocalPerson(server, scim, userName, PASSWORD);
    await createGroup(scim, group, [id]);
  }
  auditorToken = (await consoleSignIn(server, 'config-auditor', PASSWORD)).access_token;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const adminJson = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
  (await (await server.admin(method, `/api/v1${path}`, body)).json()) as T;
const scimUser = (userName: string) => scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName, active: true });

describe('an admin on the configuration pages', () => {
  it('adds a user store, tightens its username policy (SCIM then refuses a breaking name) and is told why it cannot delete it', async () => {
    const { page, violations, close } = await openConsole(browser, server, { narrow: true });
    expect(await signInWithPassword(page, 'config-admin', PASSWORD)).toBe('admin');
    await page.getByRole('navigation').getByRole('link', { name: 'User stores' }).click();
    await page.getByLabel('Domain', { exact: true }).fill('partners');
    await page.getByLabel('Description').fill('Partner staff');
    await page.getByRole('button', { name: 'Add user store' }).click();
    await page.getByRole('heading', { name: 'User store: PARTNERS' }).waitFor();
    // Every field explains itself in WSO2's terms.
    await expect(page.getByText('WSO2: "UsernameJavaRegEx"').count()).resolves.toBe(1);

    await page.getByLabel('Username policy (regular expression)').fill('[a-z]{2,8}');
    await page.getByLabel('Try a username').fill('much-too-long');
    await expect(page.getByTestId('policy-verdict').textContent()).resolves.toContain('does not match');
    await page.getByRole('button', { name: 'Save user store' }).click();
    await page.getByText('User store saved.').waitFor();
    await page.reload();
    await expect.poll(() => page.getByLabel('Username policy (regular expression)').inputValue()).toBe('[a-z]{2,8}');
    // Screenshots at 1280 and 390 px, axe's WCAG A/AA rules, nothing wider than the screen.
    await lookAt(page, 'console-user-store');

    expect((await scimUser('PARTNERS/much-too-long')).status).toBe(400);
    expect((await scimUser('PARTNERS/ada')).status).toBe(201);

    // A bad regular expression: the API's answer is shown beside the form, nothing is saved.
    await page.getByLabel('Username policy (regular expression)').fill('[a-z');
    await page.getByRole('button', { name: 'Save user store' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('usernameRegex');
    const stores = await adminJson<{ items: Array<{ domain: string; usernameRegex: string | null }> }>('GET', '/user-stores');
    expect(stores.items.find((s) => s.domain === 'PARTNERS')?.usernameRegex).toBe('[a-z]{2,8}');

    await page.getByRole('button', { name: 'Delete user store…' }).click();
    await page.getByRole('button', { name: 'Delete PARTNERS' }).click();
    // The API's refusal, beside the button (the save error above stays).
    await page.getByRole('alert').filter({ hasText: 'still holds 1 users and 0 groups' }).waitFor();
    expect(violations).toEqual([]);
    await close();
  });

  it('creates, edits and deletes a consent purpose', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    await signInWithPassword(page, 'config-admin', PASSWORD);
    await page.getByRole('navigation').getByRole('link', { name: 'Consent purposes' }).click();
    await page.getByRole('link', { name: 'New consent purpose' }).click();
    await page.getByLabel('Purpose', { exact: true }).fill('Account recovery');
    await page.getByLabel('Description').fill('To help you back into your account');
    await page.getByLabel('Attribute 1', { exact: true }).fill('displayName');
    await page.getByLabel('Attribute 1 is mandatory').check();
    await page.getByRole('button', { name: 'Add an attribute' }).click();
    await page.getByLabel('Attribute 2', { exact: true }).fill('name.givenName');
    await page.getByRole('button', { name: 'Create consent purpose' }).click();
    await page.getByRole('heading', { name: 'Consent purpose: Account recovery' }).waitFor();
    const [created] = (await adminJson<{ items: Array<Record<string, any>> }>('GET', '/consent-purposes')).items;
    expect(created).toMatchObject({
      purpose: 'Account recovery',
      piiCategories: [
        { claim: 'displayName', mandatory: true },
        { claim: 'name.givenName', mandatory: false },
      ],
    });

    // An unknown attribute: the API names it, beside the form.
    await page.getByLabel('Attribute 2', { exact: true }).fill('shoeSize');
    await page.getByRole('button', { name: 'Save consent purpose' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('piiCategories.1.claim');
    await page.getByRole('button', { name: 'Remove attribute 2' }).click();
    await page.getByLabel('Purpose', { exact: true }).fill('Recovery');
    await page.getByRole('button', { name: 'Save consent purpose' }).click();
    await page.getByText('Consent purpose saved.').waitFor();
    const edited = await adminJson<Record<string, any>>('GET', `/consent-purposes/${created!.id}`);
    expect(edited).toMatchObject({ purpose: 'Recovery', piiCategories: [{ claim: 'displayName', mandatory: true }] });
    await lookAt(page, 'console-consent-purpose');

    await page.getByRole('button', { name: 'Delete consent purpose…' }).click();
    await page.getByRole('button', { name: 'Delete Recovery' }).click();
    await page.getByRole('heading', { name: 'Consent purposes' }).waitFor();
    expect((await server.admin('GET', `/api/v1/consent-purposes/${created!.id}`)).status).toBe(404);
    expect(violations).toEqual([]);
    await close();
  });

  it('creates a SCIM client whose token is shown once and works until the client is deleted', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    await signInWithPassword(page, 'config-admin', PASSWORD);
    await page.getByRole('navigation').getByRole('link', { name: 'SCIM clients' }).click();
    await page.getByRole('link', { name: 'New SCIM client' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Workday');
    await page.getByLabel('scim:write').uncheck();
    await page.getByLabel('PRIMARY').check();
    await page.getByRole('button', { name: 'Create SCIM client' }).click();
    const token = (await page.getByTestId('scim-token').textContent())!;
    expect(token).toMatch(/^jbs_/);
    await lookAt(page, 'console-scim-token-once');
    const read = () => fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(200);

    // The client's page never shows the token again; its stores and scopes can change.
    await page.getByRole('link', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'SCIM client: Workday' }).waitFor();
    await expect(page.getByTestId('scim-token').count()).resolves.toBe(0);
    await expect(page.getByText(token).count()).resolves.toBe(0);
    await page.getByLabel('scim:write').check();
    await page.getByLabel('PARTNERS').check();
    await page.getByRole('button', { name: 'Save SCIM client' }).click();
    await page.getByText('SCIM client saved.').waitFor();
    await lookAt(page, 'console-scim-client');
    const clients = await adminJson<{ items: Array<Record<string, any>> }>('GET', '/scim-clients');
    expect(clients.items.find((c) => c.name === 'Workday')).toMatchObject({
      scopes: ['scim:read', 'scim:write'],
      userStores: ['PRIMARY', 'PARTNERS'],
    });
    expect((await read()).status).toBe(200);

    await page.getByRole('button', { name: 'Delete SCIM client…' }).click();
    await page.getByRole('button', { name: 'Delete Workday' }).click();
    await page.getByRole('heading', { name: 'SCIM clients' }).waitFor();
    expect((await read()).status).toBe(401);
    expect(violations).toEqual([]);
    await close();
  });

  it('rotates the signing keys after saying what rotation does, by keyboard, and sees the new key listed', async () => {
    const before = await adminJson<{ items: Array<{ kid: string; purpose: string; status: string }> }>('GET', '/keys');
    const oldActive = before.items.filter((k) => k.purpose === 'signing' && k.status === 'active').map((k) => k.kid);
    const { page, violations, close } = await openConsole(browser, server);
    await signInWithPassword(page, 'config-admin', PASSWORD);
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    await page.getByRole('navigation').getByRole('link', { name: 'Keys' }).click();
    await page.getByTestId('signing-keys').waitFor();
    await page.getByTestId('saml-keys').waitFor();
    await page.getByRole('button', { name: 'Rotate signing keys…' }).click();
    await expect(page.getByRole('group', { name: 'Rotate signing keys…' }).textContent()).resolves.toContain('stay published');
    // The step puts focus on the real action: Enter confirms.
    await expect.poll(focused).toBe('Rotate signing keys now');
    await page.keyboard.press('Enter');
    await page.getByText('Signing keys rotated.').waitFor();

    const after = await adminJson<{ items: Array<{ kid: string; purpose: string; status: string }> }>('GET', '/keys');
    const newActive = after.items.filter((k) => k.purpose === 'signing' && k.status === 'active').map((k) => k.kid);
    expect(newActive.length).toBeGreaterThan(0);
    expect(newActive.some((kid) => oldActive.includes(kid))).toBe(false);
    const table = page.getByTestId('signing-keys');
    for (const kid of [...newActive, ...oldActive]) await table.getByText(kid, { exact: true }).waitFor();
    // Escape leaves a rotation step without rotating; focus goes back to its button.
    await page.getByRole('button', { name: 'Rotate cookie keys…' }).click();
    await expect.poll(focused).toBe('Rotate cookie keys now');
    await page.keyboard.press('Escape');
    await expect.poll(focused).toBe('Rotate cookie keys…');

    // The SAML IdP's rotation takes its overlap and key size from the step.
    const samlBefore = await adminJson<{ items: Array<{ kid: string; status: string }> }>('GET', '/saml-idp/keys');
    const next = samlBefore.items.find((k) => k.status === 'next')!.kid;
    await page.getByRole('button', { name: 'Rotate SAML IdP keys…' }).click();
    await page.getByLabel('Keep the previous key in metadata for (hours)').fill('2');
    await page.getByLabel('Size of the new next key').selectOption('3072');
    await lookAt(page, 'console-keys-saml-rotation');
    await page.getByRole('button', { name: 'Rotate SAML IdP keys now' }).click();
    await page.getByText('SAML IdP keys rotated.').waitFor();
    const samlAfter = await adminJson<{ items: Array<{ kid: string; status: string; keyBits: number | null }> }>('GET', '/saml-idp/keys');
    expect(samlAfter.items.find((k) => k.status === 'current')?.kid).toBe(next);
    expect(samlAfter.items.find((k) => k.status === 'next')?.keyBits).toBe(3072);
    await page.getByTestId('saml-keys').getByText('3072 bits').waitFor();
    await lookAt(page, 'console-keys');
    expect(violations).toEqual([]);
    await close();
  });
});

describe('an auditor on the configuration pages', () => {
  it('reads them without a write control, and the API refuses their writes', async () => {
    const { page, violations, close } = await openConsole(browser, server, { narrow: true });
    expect(await signInWithPassword(page, 'config-auditor', PASSWORD)).toBe('auditor');
    const writes = /Add user store|Save user store|Delete|Save consent purpose|Add an attribute|Save SCIM client|Rotate/;

    await page.getByRole('navigation').getByRole('link', { name: 'User stores' }).click();
    await page.getByRole('link', { name: 'PARTNERS' }).click();
    await page.getByText('Your role can read this user store, not change it.').waitFor();
    await expect.poll(() => page.getByLabel('Username policy (regular expression)').inputValue()).toBe('[a-z]{2,8}');
    await expect(page.getByLabel('Username policy (regular expression)').isDisabled()).resolves.toBe(true);
    await lookAt(page, 'console-user-store-auditor');
    await expect(page.getByRole('button', { name: writes }).count()).resolves.toBe(0);

    const purpose = await adminJson<{ id: string }>('POST', '/consent-purposes', {
      purpose: 'Newsletters',
      piiCategories: [{ claim: 'displayName' }],
    });
    await page.getByRole('navigation').getByRole('link', { name: 'Consent purposes' }).click();
    await expect(page.getByRole('link', { name: 'New consent purpose' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Newsletters' }).click();
    await page.getByText('Your role can read this purpose, not change it.').waitFor();
    await expect(page.getByRole('button', { name: writes }).count()).resolves.toBe(0);

    await page.getByRole('navigation').getByRole('link', { name: 'SCIM clients' }).click();
    await expect(page.getByRole('link', { name: 'New SCIM client' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'directory' }).click();
    await page.getByText('Your role can read this SCIM client, not change it.').waitFor();
    await expect(page.getByRole('button', { name: writes }).count()).resolves.toBe(0);

    await page.getByRole('navigation').getByRole('link', { name: 'Keys' }).click();
    await page.getByTestId('signing-keys').waitFor();
    await expect(page.getByRole('button', { name: writes }).count()).resolves.toBe(0);
    await lookAt(page, 'console-keys-auditor');
    expect(violations).toEqual([]);
    await close();

    const stores = await adminJson<{ items: Array<{ id: string; domain: string }> }>('GET', '/user-stores');
    const partners = stores.items.find((s) => s.domain === 'PARTNERS')!;
    for (const [method, path, body] of [
      ['PATCH', `/user-stores/${partners.id}`, { usernameRegex: null }],
      ['DELETE', `/consent-purposes/${purpose.id}`, undefined],
      ['POST', '/scim-clients', { name: 'sneaky' }],
      ['POST', '/keys/signing/rotate', undefined],
      ['POST', '/saml-idp/keys/rotate', {}],
    ] as const) {
      const refused = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${auditorToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(refused.status, `${method} ${path}`).toBe(403);
    }
  });
});
