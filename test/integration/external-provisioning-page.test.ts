// External provisioning pages: the browser is sent to a page the test serves (a stand-in for a customer's
// own page) with a context token; the page posts the answers to jitbridge's completion endpoint, which
// checks token and answers, sends refusals back to the page, records accepted answers (password hashed)
// on the paused provisioning, spends the token, and continues at /login/<uid>/provision.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { createContextTokens, CONTEXT_TOKEN_TYPE, type ContextTokens } from '../../src/provisioning/context-token.js';
import { findPendingProvisioning, savePendingProvisioning, insertUser } from '../../src/store/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createIdp, identity, STANDARD_MAPPINGS } from './provisioning-fixtures.js';

let server: TestServer;
let page: Server;
let pageBase: string;
let tokens: ContextTokens;

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** The customer's page: shows the app name, an error if any, and a form posting back with the token. */
function externalPage(url: URL): string {
  const token = url.searchParams.get('context') ?? '';
  const claims = decodeJwt(token) as Record<string, string>;
  const error = url.searchParams.get('error_description');
  const usernameField =
    claims.step === 'username'
      ? `<label for="u">Username</label><input id="u" name="username" value="${escape(claims.preferred_username ?? '')}">`
      : '';
  return `<!doctype html><title>Acme accounts</title><h1>Welcome to ${escape(claims.app_name ?? '')}</h1>
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="${escape(claims.completion_url ?? '')}">
      <input type="hidden" name="context" value="${escape(token)}">
      ${usernameField}
      <label for="p">Password</label><input id="p" type="password" name="password">
      <label for="c">Repeat</label><input id="c" type="password" name="confirmation">
      <button>Continue</button>
    </form>`;
}

beforeAll(async () => {
  server = await startTestServer({ label: 'external_page' });
  page = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(externalPage(new URL(req.url ?? '/', pageBase)));
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageBase = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  const patched = await server.admin('PATCH', '/api/v1/settings', {
    jit: { usernameProvisioningUrl: `${pageBase}/choose-username`, passwordProvisioningUrl: `${pageBase}/set-password` },
  });
  expect(patched.status).toBe(200);
  tokens = createContextTokens({ store: server.ctx.store, issuer: server.url });
});
afterAll(async () => {
  await new Promise<void>((resolve) => page?.close(() => resolve()));
  await server?.stop();
});

const completion = () => `${server.url}/login/provisioning/complete`;

/** What the interaction will do: pause the provisioning and send the browser to the external page. */
async function pause(
  step: 'username' | 'password',
  subject: string,
  name: string,
  scheme: 'PROMPT_PASSWORD_CONSENT' | 'PROMPT_USERNAME_PASSWORD_CONSENT',
) {
  const idp = await createIdp(server, {
    claimMappings: STANDARD_MAPPINGS,
    jit: { scheme, associateLocalUser: true, associateByUsername: true },
  });
  const uid = `uid-${randomBytes(6).toString('hex')}`;
  const pending = await savePendingProvisioning(server.ctx.store.db, {
    interactionUid: uid,
    identity: identity(idp, subject, { preferred_username: name, email: `${name}@example.com` }),
  });
  const issued = await tokens.issue(`${pageBase}/${step === 'username' ? 'choose-username' : 'set-password'}`, {
    step,
    pendingId: pending.id,
    appName: 'Expense reports',
    username: name,
    completionUrl: completion(),
  });
  return { uid, pending, issued };
}

/** The person fills in the external page's form and submits it (the browser follows nothing: we look at each hop). */
async function submit(redirectUrl: string, fields: Record<string, string>) {
  const html = await (await fetch(redirectUrl)).text();
  const action = /action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  const context = /name="context" value="([^"]+)"/.exec(html)![1]!;
  const response = await fetch(action, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ context, ...fields }) });
  return { html, response, location: response.headers.get('location') };
}

describe('password page (PROMPT_PASSWORD_CONSENT)', () => {
  it('shows the app and posts back; a weak password returns to the page with the error and the same token', async () => {
    const { uid, pending, issued } = await pause('password', 'sub-ext-1', 'walter', 'PROMPT_PASSWORD_CONSENT');
    const weak = await submit(issued.redirectUrl, { password: 'password123', confirmation: 'password123' });
    expect(weak.html).toContain('Welcome to Expense reports');
    expect(weak.response.status).toBe(303);
    const back = new URL(weak.location!);
    expect(back.origin + back.pathname).toBe(`${pageBase}/set-password`);
    expect(back.searchParams.get('error')).toBe('weak_password');
    expect(back.searchParams.get('context')).toBe(issued.token);
    expect((await findPendingProvisioning(server.ctx.store.db, pending.id, uid))!.answers).toEqual({});
    expect(await (await fetch(back)).text()).toContain('too common');

    const good = await submit(back.toString(), { password: 'granite-willow-beacon', confirmation: 'granite-willow-beacon' });
    expect(good.response.status).toBe(303);
    expect(good.location).toBe(`/login/${uid}/provision?pending=${encodeURIComponent(pending.id)}`);
    const answers = (await findPendingProvisioning(server.ctx.store.db, pending.id, uid))!.answers;
    expect(Object.keys(answers)).toEqual(['passwordHash']);
    expect(answers.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(answers)).not.toContain('granite-willow-beacon');
  });

  it('refuses a replayed, forged, expired or misdirected token with a page, recording nothing', async () => {
    const { uid, pending, issued } = await pause('password', 'sub-ext-2', 'gus', 'PROMPT_PASSWORD_CONSENT');
    const post = (context: string, password = 'granite-willow-beacon') =>
      fetch(completion(), { method: 'POST', redirect: 'manual', body: new URLSearchParams({ context, password, confirmation: password }) });

    const claims = decodeJwt(issued.token);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: CONTEXT_TOKEN_TYPE }).sign(randomBytes(32));
    const forgedAnswer = await post(forged);
    expect(forgedAnswer.status).toBe(403);
    expect(await forgedAnswer.text()).toContain('context_token_invalid');

    const expired = await createContextTokens({ store: server.ctx.store, issuer: server.url, ttlSeconds: -60 }).issue(
      `${pageBase}/set-password`,
      {
        step: 'password',
        pendingId: pending.id,
        appName: 'x',
        username: null,
        completionUrl: completion(),
      },
    );
    expect(await (await post(expired.token)).text()).toContain('context_token_expired');
    // Issued for the username page, posted as if from the password page's flow: wrong audience.
    const misdirected = await tokens.issue(`${pageBase}/set-password`, {
      step: 'username',
      pendingId: pending.id,
      appName: 'x',
      username: null,
      completionUrl: completion(),
    });
    expect((await post(misdirected.token)).status).toBe(403);
    expect((await post('')).status).toBe(400);
    expect((await findPendingProvisioning(server.ctx.store.db, pending.id, uid))!.answers).toEqual({});

    expect((await post(issued.token)).status).toBe(303);
    const replay = await post(issued.token, 'another-fine-password');
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('context_token_replayed');
  });
});

describe('username page (PROMPT_USERNAME_PASSWORD_CONSENT)', () => {
  it('checks the typed username with the store rules (taken, policy) before recording it with the password', async () => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'hank',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'hank' },
    });
    const { uid, pending, issued } = await pause('username', 'sub-ext-3', 'marie', 'PROMPT_USERNAME_PASSWORD_CONSENT');

    const first = await submit(issued.redirectUrl, {
      username: 'hank',
      password: 'granite-willow-beacon',
      confirmation: 'granite-willow-beacon',
    });
    expect(first.html).toContain('value="marie"');
    expect(new URL(first.location!).searchParams.get('error')).toBe('username_taken');
    const badName = await submit(first.location!, {
      username: 'has space',
      password: 'granite-willow-beacon',
      confirmation: 'granite-willow-beacon',
    });
    expect(new URL(badName.location!).searchParams.get('error')).toBe('username_policy');
    const mismatch = await submit(badName.location!, {
      username: 'marie.s',
      password: 'granite-willow-beacon',
      confirmation: 'granite-willow-beacom',
    });
    expect(new URL(mismatch.location!).searchParams.get('error')).toBe('password_mismatch');
    expect((await findPendingProvisioning(server.ctx.store.db, pending.id, uid))!.answers).toEqual({});

    const good = await submit(mismatch.location!, {
      username: 'marie.s',
      password: 'granite-willow-beacon',
      confirmation: 'granite-willow-beacon',
    });
    expect(good.location).toBe(`/login/${uid}/provision?pending=${encodeURIComponent(pending.id)}`);
    const answers = (await findPendingProvisioning(server.ctx.store.db, pending.id, uid))!.answers;
    expect(answers.username).toBe('marie.s');
    expect(answers.passwordHash).toMatch(/^scrypt\$/);
  });
});
