// People as admins: a person signs in to the console's client through jitbridge's own OpenID Provider (code +
// PKCE), gets an access token for the admin API with the scopes their groups allow, and calls the API with it.
// The role is checked against the person's groups on every call; audit events name the person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAdmin } from '../../src/accounts/index.js';
import { consoleSignIn, createGroup, createLocalPerson, createScimClient } from '../support/console-login.js';
import { PATCH_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'console-test-password-42';
let server: TestServer;
let scim: ScimTestClient;
const ids: Record<string, string> = {};
let operatorsGroup = '';

beforeAll(async () => {
  server = await startTestServer({ label: 'console_access' });
  scim = await createScimClient(server, { name: 'directory' });
  for (const name of ['ada', 'otto', 'aude', 'nobody']) ids[name] = await createLocalPerson(server, scim, name, PASSWORD);
  await createGroup(scim, 'jitbridge-admins', [ids.ada!]);
  operatorsGroup = await createGroup(scim, 'jitbridge-operators', [ids.otto!]);
  await createGroup(scim, 'jitbridge-auditors', [ids.aude!]);
});
afterAll(async () => server?.stop());

const api = (token: string, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('console access tokens', () => {
  it('an admin signs in with PKCE, gets the admin scopes for the admin API, and the audit trail names them', async () => {
    const tokens = await consoleSignIn(server, 'ada', PASSWORD);
    // The access token is for the admin API only: its scopes are that resource's (openid went to the ID token).
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope?.split(' ').sort()).toEqual(['jitbridge:admin', 'jitbridge:operate', 'jitbridge:read']);
    const created = await api(tokens.access_token, 'POST', '/user-stores', { domain: 'CONSOLE_MADE' });
    expect(created.status).toBe(201);
    const store = (await created.json()) as { id: string };
    const audit = (await (await server.admin('GET', '/api/v1/audit-events?limit=50')).json()) as {
      items: Array<{ actorType: string; actorId: string; targetId: string | null }>;
    };
    expect(audit.items.find((e) => e.targetId === store.id)).toMatchObject({ actorType: 'admin', actorId: ids.ada });
  });

  it('an auditor reads but every write is refused with 403 problem+json', async () => {
    const tokens = await consoleSignIn(server, 'aude', PASSWORD);
    expect(tokens.scope?.split(' ').sort()).toEqual(['jitbridge:read']);
    expect((await api(tokens.access_token, 'GET', '/identity-providers')).status).toBe(200);
    expect((await api(tokens.access_token, 'GET', '/audit-events')).status).toBe(200);
    const write = await api(tokens.access_token, 'POST', '/user-stores', { domain: 'BY_AUDE' });
    expect(write.status).toBe(403);
    expect(write.headers.get('content-type')).toBe('application/problem+json');
    expect(await write.json()).toMatchObject({ code: 'insufficient_role' });
    expect((await api(tokens.access_token, 'POST', '/outbound-connectors/3f8e2a6c-9c1d-4c39-9a55-2d1bb2f5e8d1/retry')).status).toBe(403);
  });

  it('an operator can requeue and lock links but not edit an identity provider', async () => {
    const idp = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'Operator test IdP',
      protocol: 'oidc',
      oidc: { issuer: 'https://idp.example.com', clientId: 'x', clientSecret: 'a-long-enough-upstream-secret', scopes: ['openid'] },
    });
    expect(idp.status).toBe(201);
    const idpId = ((await idp.json()) as { id: string }).id;
    const tokens = await consoleSignIn(server, 'otto', PASSWORD);
    expect(tokens.scope?.split(' ').sort()).toEqual(['jitbridge:operate', 'jitbridge:read']);
    const edit = await api(tokens.access_token, 'PATCH', `/identity-providers/${idpId}`, { name: 'renamed' });
    expect(edit.status).toBe(403);
    // Past authorization: a connector that does not exist is a 404, not a 403.
    expect((await api(tokens.access_token, 'POST', '/outbound-connectors/3f8e2a6c-9c1d-4c39-9a55-2d1bb2f5e8d1/retry')).status).toBe(404);
    expect((await api(tokens.access_token, 'DELETE', `/users/${ids.nobody}/mfa/totp`)).status).not.toBe(403);
    expect((await api(tokens.access_token, 'GET', `/identity-providers/${idpId}`)).status).toBe(200);
  });

  it('a person in no role group gets no admin scope, and the token opens nothing', async () => {
    const tokens = await consoleSignIn(server, 'nobody', PASSWORD);
    expect(tokens.scope ?? '').toBe('');
    const read = await api(tokens.access_token, 'GET', '/settings');
    expect(read.status).toBe(403);
    expect(await read.json()).toMatchObject({ code: 'no_admin_role' });
  });

  it('a person who asks for less gets less: an admin signing in with jitbridge:read is an auditor', async () => {
    const tokens = await consoleSignIn(server, 'ada', PASSWORD, 'openid jitbridge:read');
    expect((await api(tokens.access_token, 'GET', '/settings')).status).toBe(200);
    expect((await api(tokens.access_token, 'PATCH', '/settings', {})).status).toBe(403);
  });

  it('a removed group membership stops working at the next request; a locked user’s token at once', async () => {
    const tokens = await consoleSignIn(server, 'otto', PASSWORD);
    const retry = () => api(tokens.access_token, 'POST', '/outbound-connectors/3f8e2a6c-9c1d-4c39-9a55-2d1bb2f5e8d1/retry');
    expect((await retry()).status).toBe(404);
    const removed = await scim.call('PATCH', `/Groups/${operatorsGroup}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${ids.otto}"]` }],
    });
    expect(removed.status).toBeLessThan(300);
    const after = await retry();
    expect(after.status).toBe(403);
    expect((await api(tokens.access_token, 'GET', '/settings')).status).toBe(403);
    // Locking the user ends every token of theirs (401: the token no longer names anyone who may act).
    const adaTokens = await consoleSignIn(server, 'ada', PASSWORD);
    expect((await api(adaTokens.access_token, 'GET', '/settings')).status).toBe(200);
    const deactivated = await scim.call('PATCH', `/Users/${ids.ada}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(deactivated.status).toBeLessThan(300);
    expect((await api(adaTokens.access_token, 'GET', '/settings')).status).toBe(401);
  });

  it('the first admin made by `jitbridge admin create` (createLocalAdmin) signs in and holds the admin role', async () => {
    await createLocalAdmin(server.ctx.store, {
      userName: 'bootstrap',
      password: 'first-console-secret-7',
      adminGroup: 'jitbridge-admins',
      actor: { type: 'admin', id: 'cli:admin create' },
    });
    const tokens = await consoleSignIn(server, 'bootstrap', 'first-console-secret-7');
    expect(tokens.scope?.split(' ')).toContain('jitbridge:admin');
    expect((await api(tokens.access_token, 'PATCH', '/settings', {})).status).toBe(200);
  });

  it('refuses console tokens elsewhere: another app cannot ask for the admin API resource', async () => {
    const app = await server.admin('POST', '/api/v1/applications', {
      name: 'Other app',
      redirectUris: ['http://127.0.0.1:9/cb'],
      tokenEndpointAuthMethod: 'none',
      signInFlow: { steps: [{ options: [{ authenticator: 'LOCAL' }] }] },
    });
    expect(app.status).toBe(201);
    const { clientId } = (await app.json()) as { clientId: string };
    const url = new URL(`${server.url}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:9/cb',
      response_type: 'code',
      scope: 'openid jitbridge:admin',
      resource: `${server.url}/api/v1`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.headers.get('location') ?? '').toContain('error=invalid_target');
    // Its own access tokens (for userinfo) are no admin API tokens.
    const other = await consoleSignIn(server, 'aude', PASSWORD, 'openid', { clientId, redirect: 'http://127.0.0.1:9/cb' });
    const refused = await api(other.access_token, 'GET', '/settings');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'invalid_token' });
  });
});
