// `npm run demo` as a newcomer meets it, in headless Chromium: the demo starts (jitbridge, the two demo IdPs, the
// sample app) on free ports and prints one URL; the person opens it, picks the OpenID Provider on jitbridge's
// chooser, signs in as a demo person and lands on the sample app's page with the ID token's claims and the SCIM
// user just provisioned; signs out (RP-initiated logout), signs in again through the SAML IdP and answers
// jitbridge's JIT consent page. Then the walkthrough's curl lines run as written, and a second start on the same
// DATA_DIR and database updates the configuration instead of failing. Screenshots go to test-results/screenshots.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { readFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NAMES, DemoError, runDemo, type DemoPorts, type RunningDemo } from '../../src/demo/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/server.js';

let database: TestDatabase;
let root: string;
let dataDir: string;
let ports: DemoPorts;
let demo: RunningDemo | null = null;
let printed = '';
let browser: Browser;

const env = () => ({
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  ...(database.url ? { DATABASE_URL: database.url } : {}),
});

const start = async () => {
  printed = '';
  return runDemo({
    env: env(),
    ports,
    handleSignals: false,
    print: (text) => (printed += text),
    ...(database.pglite ? { pglite: database.pglite } : {}),
  });
};

async function distinctFreePorts(): Promise<DemoPorts> {
  const taken = new Set<number>();
  while (taken.size < 4) taken.add(await freePort());
  const [jitbridge, oidc, saml, app] = [...taken] as [number, number, number, number];
  return { jitbridge, oidc, saml, app };
}

beforeAll(async () => {
  [database, browser] = await Promise.all([createTestDatabase('demo'), launchBrowser()]);
  // DATA_DIR as the walkthrough has it (./.data/demo), under a directory of this test's own.
  root = await mkdtemp(path.join(tmpdir(), 'jitbridge-demo-'));
  dataDir = path.join(root, '.data', 'demo');
  await mkdir(dataDir, { recursive: true });
  ports = await distinctFreePorts();
  demo = await start();
});
afterAll(async () => {
  await demo?.close();
  await browser?.close();
  await database?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`).textContent();
const claim = (page: Page, name: string) => page.locator(`[data-claim="${name}"]`).textContent();

describe('npm run demo, in a browser', () => {
  it('prints one URL, which leads through the chooser and the OpenID Provider to the claims and the SCIM user', async () => {
    expect(printed.match(/https?:\/\/\S+/g)).toEqual([demo!.url]);
    expect(printed).toContain(`. ${dataDir}/demo.env`);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demo!.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByText(DEMO_NAMES.app).count()).toBeGreaterThan(0);
    await page.screenshot({ path: await screenshotPath('demo-chooser'), fullPage: true });
    await page.getByLabel(/Example Corp/).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Sign in to Example Corp' }).waitFor();
    await page.screenshot({ path: await screenshotPath('demo-oidc-sign-in'), fullPage: true });
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Signed in as Ada Lovelace' }).waitFor();
    await page.screenshot({ path: await screenshotPath('demo-signed-in-oidc'), fullPage: true });
    expect(await claim(page, 'email')).toBe('ada@example.com');
    expect(await claim(page, 'email_verified')).toBe('true');
    expect(await claim(page, 'preferred_username')).toBe('DEMO/ada');
    expect(JSON.parse((await claim(page, 'groups'))!).sort()).toEqual(['Admins', 'Engineering']);
    const sub = (await claim(page, 'sub'))!;
    expect(await field(page, 'id')).toBe(sub);
    expect(await field(page, 'userName')).toBe('DEMO/ada');
    expect(await field(page, 'store')).toBe('DEMO');
    expect(await field(page, 'emails')).toBe('ada@example.com (work)');
    expect(await field(page, 'displayName')).toBe('Ada Lovelace');
    expect((await field(page, 'groups'))!.split(', ').sort()).toEqual(['Admins', 'Engineering']);

    // RP-initiated logout: jitbridge asks, then sends the browser back to the app.
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();

    // Signing in again goes back to the chooser (jitbridge's session ended): this time the SAML IdP, whose JIT
    // scheme asks for consent before the account exists.
    await page.getByRole('link', { name: 'Sign in again' }).click();
    await page.getByLabel(/Partner Inc/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Sign in to Partner Inc' }).waitFor();
    await page.getByLabel('Username').fill('alan');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('button', { name: 'Allow and continue' }).waitFor();
    const consent = (await page.textContent('body'))!;
    expect(consent).toContain(DEMO_NAMES.consentPurpose);
    expect(consent).toContain('alan@partner.example');
    await page.screenshot({ path: await screenshotPath('demo-consent'), fullPage: true });
    // The optional attribute, unticked, is not stored; the mandatory email is.
    await page.getByLabel(/Display name/i).uncheck();
    await page.getByRole('button', { name: 'Allow and continue' }).click();

    await page.getByRole('heading', { name: 'Signed in as Alan Turing' }).waitFor();
    await page.screenshot({ path: await screenshotPath('demo-signed-in-saml'), fullPage: true });
    expect(await claim(page, 'email')).toBe('alan@partner.example');
    expect(await field(page, 'userName')).toBe('DEMO/alan');
    expect(await field(page, 'store')).toBe('DEMO');
    expect(await field(page, 'emails')).toBe('alan@partner.example (work)');
    expect(await field(page, 'displayName')).toBe('(not stored)');
    expect(await field(page, 'groups')).toBe('Research');
    await context.close();
  });

  it('the sample app sends another host name (localhost) to the printed origin, where its cookie lives', async () => {
    const url = new URL(demo!.url);
    const answer = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: url.port, path: '/callback?state=x', headers: { host: `localhost:${url.port}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, location: res.headers.location });
      })
        .on('error', reject)
        .end();
    });
    expect(answer).toEqual({ status: 308, location: `${url.origin}/callback?state=x` });
  });

  it('the walkthrough’s curl lines read the provisioned users and the audit trail as written', async () => {
    const doc = await readFile(path.resolve('docs/demo.md'), 'utf8');
    const block = /<!-- walkthrough-curl -->\s*```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeTruthy();
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block!], { cwd: root });
    expect(stdout).toContain('"userName":"DEMO/ada"');
    expect(stdout).toContain('"totalResults":1');
    expect(stdout).toContain('"userName":"DEMO/alan"');
    expect(stdout).toContain('"action":"jit.user.create"');

    // "Things to try": the JIT scheme change, as written.
    const tryBlock = /<!-- try-jit-scheme -->\s*```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(tryBlock).toBeTruthy();
    const changed = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', tryBlock!.replace(/^ {2}/gm, '')], { cwd: root });
    expect(changed.stdout).toContain('"scheme":"PROMPT_PASSWORD_CONSENT"');
  });

  it('a second start on the same DATA_DIR and database updates the demo configuration instead of failing', async () => {
    const before = demo!;
    await before.close();
    demo = null;
    const credentials = await readFile(before.credentialsFile, 'utf8');
    expect(credentials).toContain(`ADMIN_TOKEN='${before.adminToken}'`);

    demo = await start();
    // The admin token came from demo.env (jitbridge keeps only its hash); the SCIM token is new, the old one is gone.
    expect(demo.adminToken).toBe(before.adminToken);
    expect(demo.scimToken).not.toBe(before.scimToken);
    const scim = (token: string) =>
      fetch(`${demo!.jitbridgeUrl}/scim/v2/Users?filter=${encodeURIComponent('userName eq "DEMO/ada"')}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await scim(before.scimToken)).status).toBe(401);
    expect(((await (await scim(demo.scimToken)).json()) as { totalResults: number }).totalResults).toBe(1);

    const list = async (resource: string) => {
      const response = await fetch(`${demo!.jitbridgeUrl}/api/v1/${resource}`, {
        headers: { authorization: `Bearer ${demo!.adminToken}` },
      });
      return ((await response.json()) as { items: Array<Record<string, unknown>> }).items;
    };
    const named = (items: Array<Record<string, unknown>>, key: string, value: string) => items.filter((i) => i[key] === value).length;
    expect(named(await list('identity-providers'), 'name', DEMO_NAMES.oidcIdp)).toBe(1);
    expect(named(await list('identity-providers'), 'name', DEMO_NAMES.samlIdp)).toBe(1);
    expect(named(await list('applications'), 'name', DEMO_NAMES.app)).toBe(1);
    expect(named(await list('scim-clients'), 'name', DEMO_NAMES.scimClient)).toBe(1);
    expect(named(await list('consent-purposes'), 'purpose', DEMO_NAMES.consentPurpose)).toBe(1);
    expect(named(await list('user-stores'), 'domain', DEMO_NAMES.userStore)).toBe(1);
    // What the walkthrough changed is put back.
    const oidcIdp = (await list('identity-providers')).find((i) => i.name === DEMO_NAMES.oidcIdp) as {
      provisioning: { jit: { scheme: string } };
    };
    expect(oidcIdp.provisioning.jit.scheme).toBe('PROVISION_SILENTLY');

    // And the restarted demo signs a known person in at once (the link from the first start is reused).
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.url);
    await page.getByLabel(/Example Corp/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Signed in as Ada Lovelace' }).waitFor();
    await context.close();
  });

  it('a database whose admin token the demo does not know: a clear refusal, nothing left running, the token untouched', async () => {
    const otherDir = path.join(root, 'other');
    const otherPorts = await distinctFreePorts();
    // The same database's secrets key (it lives in the first DATA_DIR), so that what stops the start is the admin token.
    const secretsKey = (await readFile(path.join(dataDir, 'secrets.key'), 'utf8')).trim();
    let error: unknown = null;
    try {
      await runDemo({
        env: { ...env(), DATA_DIR: otherDir, SECRETS_KEY: secretsKey },
        ports: otherPorts,
        handleSignals: false,
        print: () => {},
        ...(database.pglite ? { pglite: database.pglite } : {}),
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DemoError);
    expect((error as DemoError).code).toBe('admin_token_unknown');
    expect((error as DemoError).message).toMatch(/already has an admin token, and the demo does not know it: set ADMIN_TOKEN/);
    for (const port of Object.values(otherPorts)) await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    const stillWorks = await fetch(`${demo!.jitbridgeUrl}/api/v1/user-stores`, {
      headers: { authorization: `Bearer ${demo!.adminToken}` },
    });
    expect(stillWorks.status).toBe(200);
  });
});
