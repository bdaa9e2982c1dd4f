// Roles in the console, in a real browser: an operator requeues a dead-lettered delivery and unlocks a federated
// identity found by user search, but sees no edit controls (and the API refuses their edits); an auditor reads
// everything and changes nothing (no action buttons; the API refuses their writes).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundNetworkFor } from '../../src/net/index.js';
import { OutboundWorker } from '../../src/outbound/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { ensureConsoleBuilt, openConsole, signInWithPassword } from '../support/console-browser.js';
import { consoleSignIn, createGroup, createLocalPerson, createScimClient } from '../support/console-login.js';
import { federatedLogin } from '../support/federated-login.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { USER_SCHEMA } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { registerBridgeIdp, startUpstreamOp, type UpstreamOp } from '../support/upstream-op.js';

const PASSWORD = 'console-roles-secret-42';
let server: TestServer;
let upstream: UpstreamOp;
let fake: FakeScimServer;
let browser: Browser;
let idpId: string;
let connectorId: string;
let linkId: string;
const tokens: Record<'operator' | 'auditor', string> = { operator: '', auditor: '' };

beforeAll(async () => {
  ensureConsoleBuilt();
  [server, upstream, fake, browser] = await Promise.all([
    startTestServer({ label: 'console_roles' }),
    startUpstreamOp(),
    startFakeScimServer(),
    launchBrowser(),
  ]);
  const scim = await createScimClient(server, { name: 'directory' });
  for (const [role, group] of [
    ['operator', 'jitbridge-operators'],
    ['auditor', 'jitbridge-auditors'],
  ] as const) {
    const id = await createLocalPerson(server, scim, `console-${role}`, PASSWORD);
    await createGroup(scim, group, [id]);
    tokens[role] = (await consoleSignIn(server, `console-${role}`, PASSWORD)).access_token;
  }

  // A person who signed in through an upstream IdP, whose link an admin locked.
  idpId = await registerBridgeIdp(server, upstream, 'Example Corp');
  upstream.setAccount('fern', { email: 'fern.federated@example.com', email_verified: true, preferred_username: 'fern.federated' });
  const login = await federatedLogin(server, { idpId, login: 'fern' });
  const links = (await (await server.admin('GET', `/api/v1/users/${login.result.userId}/federated-identities`)).json()) as {
    items: Array<{ id: string }>;
  };
  linkId = links.items[0]!.id;
  expect((await server.admin('PATCH', `/api/v1/federated-identities/${linkId}`, { locked: true })).status).toBe(200);

  // A connector whose target refuses everything: one delivery ends as a dead letter.
  fake.faults = () => ({ kind: 'status', status: 500 });
  const created = await server.admin('POST', '/api/v1/outbound-connectors', {
    name: 'HR system',
    baseUrl: fake.url,
    auth: { type: 'bearer', token: fake.token },
    delivery: { maxAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 20 },
  });
  connectorId = ((await created.json()) as { id: string }).id;
  await scim.json('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'dead.letter', active: true });
  const worker = new OutboundWorker({ store: server.ctx.store, connectorRefreshMs: 0, network: outboundNetworkFor(server.ctx.config) });
  for (let i = 0; i < 100; i++) {
    await worker.runOnce();
    const failed = (await (await server.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events?status=failed`)).json()) as {
      items: unknown[];
    };
    if (failed.items.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  fake.faults = () => null;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
  await fake?.close();
});

const apiAs = (token: string, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

describe('an operator in the console', () => {
  it('requeues a dead letter and unlocks a federated identity found by search, but cannot edit', async () => {
    const { page, violations, close } = await openConsole(browser, server);
    expect(await signInWithPassword(page, 'console-operator', PASSWORD)).toBe('operator');

    await page.getByRole('navigation').getByRole('link', { name: 'Outbound' }).click();
    await page.getByRole('link', { name: 'HR system' }).click();
    await expect(page.getByRole('button', { name: 'Reconcile' }).count()).resolves.toBe(0);
    await page.getByLabel('Show').selectOption('failed');
    await page.getByTestId('delivery').first().waitFor();
    await page.screenshot({ path: await screenshotPath('console-operator-dead-letters'), fullPage: true });
    await page.getByTestId('delivery').first().getByRole('button', { name: 'Requeue' }).click();
    await page.getByText(/Event \d+ requeued/).waitFor();
    const failed = (await (await server.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events?status=failed`)).json()) as {
      items: unknown[];
    };
    expect(failed.items).toEqual([]);

    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Search').fill('fern');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'fern.federated' }).click();
    const link = page.getByTestId('federated-identity');
    await expect(link.textContent()).resolves.toContain('locked');
    await link.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('Unlocked.').waitFor();
    const after = (await (await server.admin('GET', `/api/v1/federated-identities/${linkId}`)).json()) as { locked: boolean };
    expect(after.locked).toBe(false);
    // Operators reset factors but do not set passwords.
    await expect(page.getByRole('button', { name: 'Set password' }).count()).resolves.toBe(0);
    await page.screenshot({ path: await screenshotPath('console-operator-user'), fullPage: true });

    await page.goto(`${server.url}/console/#/identity-providers/${idpId}`);
    await page.getByText('Your role can read this identity provider, not change it.').waitFor();
    await expect(page.getByRole('button', { name: 'Save changes' }).count()).resolves.toBe(0);
    await expect(page.getByLabel('Name', { exact: true }).isDisabled()).resolves.toBe(true);
    // The API decides anyway.
    const edit = await apiAs(tokens.operator, 'PATCH', `/identity-providers/${idpId}`, { enabled: false });
    expect(edit.status).toBe(403);
    expect(((await edit.json()) as { code: string }).code).toBe('insufficient_role');
    expect(violations).toEqual([]);
    await close();
  });
});

describe('an auditor in the console', () => {
  it('reads identity providers, users and deliveries, sees no action, and the API refuses their writes', async () => {
    const { page, close } = await openConsole(browser, server, { narrow: true });
    expect(await signInWithPassword(page, 'console-auditor', PASSWORD)).toBe('auditor');

    await page.getByRole('navigation').getByRole('link', { name: 'Identity providers' }).click();
    await expect(page.getByRole('link', { name: 'New OpenID Connect IdP' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Example Corp' }).click();
    // The form fills in once the IdP has loaded: wait for it rather than read the empty field.
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Example Corp');
    await expect(page.getByRole('button', { name: 'Save changes' }).count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: 'Delete this identity provider' }).count()).resolves.toBe(0);

    await page.goto(`${server.url}/console/#/outbound/${connectorId}`);
    await page.getByTestId('delivery').first().waitFor();
    await expect(page.getByRole('button', { name: /Requeue|Test connection|Reconcile/ }).count()).resolves.toBe(0);

    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Or a SCIM filter').fill('userName sw "fern"');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'fern.federated' }).click();
    await page.getByTestId('federated-identity').waitFor();
    await expect(page.getByTestId('federated-identity').getByRole('button').count()).resolves.toBe(0);
    await page.screenshot({ path: await screenshotPath('console-auditor-user-390'), fullPage: true });

    // The dashboard: this hour's JIT user, the dead letter requeued by the operator, the queue now.
    await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
    await expect(page.getByTestId('queue-now').textContent()).resolves.toMatch(/Outbound now: \d+ pending, 0 dead letters/);
    await page.getByRole('cell', { name: '1', exact: true }).first().waitFor();
    await page.screenshot({ path: await screenshotPath('console-dashboard-390'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await close();
    const dashboard = (await (await apiAs(tokens.auditor, 'GET', '/dashboard?hours=2')).json()) as {
      hours: Array<{ decisions: Record<string, number>; deliveries: { failed: number; pending: number; delivered: number } }>;
      now: { deadLetters: number };
    };
    expect(dashboard.hours.reduce((n, h) => n + (h.decisions['jit.user.create'] ?? 0), 0)).toBe(1);
    expect(dashboard.now.deadLetters).toBe(0);

    for (const [method, path, body] of [
      ['PATCH', `/federated-identities/${linkId}`, { locked: true }],
      ['POST', `/outbound-connectors/${connectorId}/retry`, undefined],
      ['POST', '/identity-providers', { name: 'x', protocol: 'oidc' }],
    ] as const) {
      const refused = await apiAs(tokens.auditor, method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
    }
    const found = (await (await apiAs(tokens.auditor, 'GET', '/users?q=fern')).json()) as {
      totalResults: number;
      users: Array<{ userName: string }>;
    };
    expect(found.users.map((u) => u.userName)).toEqual(['fern.federated']);
    // The search box's text stays a string inside the filter it becomes.
    const quoted = (await (
      await apiAs(tokens.auditor, 'GET', `/users?q=${encodeURIComponent('x" or userName pr or userName eq "y')}`)
    ).json()) as {
      totalResults: number;
    };
    expect(quoted.totalResults).toBe(0);
    const invalid = await apiAs(tokens.auditor, 'GET', `/users?filter=${encodeURIComponent('userName eq')}`);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { code: string }).code).toBe('invalid_filter');
  });
});
