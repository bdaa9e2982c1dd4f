// Client secrets are checked with a keyed hash, not scrypt (issue 20): a wrong secret costs no scrypt run, the
// stored hash is no credential, client_secret_basic and client_secret_post both work, and a secret stored in the
// scrypt format of earlier versions still works once and is rehashed on that first successful use.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/store/database.js';
import { invalidateCache } from '../../../src/cache/index.js';
import { hashPassword, passwordHashSlots } from '../../../src/store/index.js';
import { verifyClientSecret } from '../../../src/oidc/index.js';
import { APP_REDIRECT, registerApp } from '../../support/oidc-app.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let idp: string;
beforeAll(async () => {
  server = await startTestServer({ label: 'client_secrets' });
  const response = await server.admin('POST', '/api/v1/identity-providers', {
    name: 'Corp',
    protocol: 'oidc',
    oidc: { issuer: 'http://127.0.0.1:9/upstream', clientId: 'jb', clientSecret: 'x' },
  });
  idp = ((await response.json()) as { id: string }).id;
});
afterAll(async () => server?.stop());

const grant = { grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: APP_REDIRECT, code_verifier: 'x'.repeat(43) };

const basic = (clientId: string, secret: string) =>
  fetch(`${server.url}/oidc/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams(grant).toString(),
  });

const post = (clientId: string, secret: string, path = '/oidc/token', body: Record<string, string> = grant) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...body, client_id: clientId, client_secret: secret }).toString(),
  });

const storedHash = async (id: string) =>
  (await rows<{ client_secret_hash: string }>(server.ctx.store.db, sql`select client_secret_hash from applications where id = ${id}`))[0]!
    .client_secret_hash;

/** Authenticated: the client passed, the made-up code did not. */
const authenticated = async (response: Response) => {
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
};
const refused = async (response: Response) => {
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ error: 'invalid_client' });
};

describe('client secrets under a keyed hash', () => {
  it('stores a keyed hash, accepts the secret by Basic and by post, refuses wrong ones without any scrypt run', async () => {
    const app = await registerApp(server, { identityProviders: [idp] });
    const stored = await storedHash(app.id);
    expect(stored).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{43}$/);
    const before = passwordHashSlots.granted;
    await authenticated(await basic(app.clientId, app.clientSecret!));
    const postApp = await registerApp(server, { identityProviders: [idp], tokenEndpointAuthMethod: 'client_secret_post' });
    await authenticated(await post(postApp.clientId, postApp.clientSecret!));
    for (let i = 0; i < 10; i++) await refused(await basic(app.clientId, `jbcs_wrong_${i}`));
    await refused(await post(postApp.clientId, 'jbcs_wrong'));
    expect(passwordHashSlots.granted - before).toBe(0);
  });

  it('the stored hash itself is no credential', async () => {
    const app = await registerApp(server, { identityProviders: [idp] });
    await refused(await basic(app.clientId, await storedHash(app.id)));
  });

  it('introspection and revocation authenticate the same way', async () => {
    const app = await registerApp(server, { identityProviders: [idp], tokenEndpointAuthMethod: 'client_secret_post' });
    const introspected = await post(app.clientId, app.clientSecret!, '/oidc/token/introspection', { token: 'nothing' });
    expect(introspected.status).toBe(200);
    expect(await introspected.json()).toEqual({ active: false });
    expect((await post(app.clientId, 'wrong', '/oidc/token/introspection', { token: 'nothing' })).status).toBe(401);
    expect((await post(app.clientId, app.clientSecret!, '/oidc/token/revocation', { token: 'nothing' })).status).toBe(200);
    expect((await post(app.clientId, 'wrong', '/oidc/token/revocation', { token: 'nothing' })).status).toBe(401);
  });

  it('a secret stored as scrypt by an earlier version works and is rehashed on its first successful use', async () => {
    const app = await registerApp(server, { identityProviders: [idp] });
    const legacy = await hashPassword(app.clientSecret!);
    await server.ctx.store.db.execute(sql`update applications set client_secret_hash = ${legacy} where id = ${app.id}`);
    invalidateCache(server.ctx.store.db, 'applications');

    const before = passwordHashSlots.granted;
    await refused(await basic(app.clientId, 'jbcs_wrong'));
    expect(passwordHashSlots.granted - before).toBe(1); // the slow path, under the limit
    expect(await storedHash(app.id)).toBe(legacy);

    await authenticated(await basic(app.clientId, app.clientSecret!));
    expect(await storedHash(app.id)).toMatch(/^hmac-sha256\$/);
    const after = passwordHashSlots.granted;
    await authenticated(await basic(app.clientId, app.clientSecret!));
    await refused(await basic(app.clientId, 'jbcs_wrong'));
    expect(passwordHashSlots.granted - after).toBe(0);
  });

  it('configuration as code compares a supplied secret with the stored keyed hash', async () => {
    const supplied = randomBytes(32).toString('base64url');
    const created = await server.admin('POST', '/api/v1/applications', {
      name: 'Supplied',
      redirectUris: [APP_REDIRECT],
      identityProviders: [idp],
      clientSecret: supplied,
    });
    expect(created.status).toBe(201);
    const app = (await created.json()) as { id: string; clientId: string };
    const stored = await storedHash(app.id);
    expect(stored).toMatch(/^hmac-sha256\$/);
    expect(await verifyClientSecret(server.ctx.store.secrets, stored, supplied)).toBe(true);
    expect(await verifyClientSecret(server.ctx.store.secrets, stored, 'another')).toBe(false);
    await authenticated(await basic(app.clientId, supplied));
  });
});
