// The route → role table (src/admin/route-roles.ts) against every route the admin API has: each route, enumerated
// from the API itself (hono's route list, checked against the OpenAPI document), is called with each role, with the
// admin token, without a token and with a wrong token; the answer must be what the table says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/admin/index.js';
import { ROUTE_ROLES, routeKey } from '../../src/admin/route-roles.js';
import { ADMIN_ROLES, type AdminRole, roleCovers } from '../../src/domain/index.js';
import { type AppEnv, errorHandler, notFoundHandler } from '../../src/http/index.js';
import { Hono } from 'hono';
import { buildOpenApiDocument } from '../../src/admin/index.js';
import { consoleSignIn, createGroup, createLocalPerson, createScimClient } from '../support/console-login.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../support/server.js';

let server: TestServer;
/** A console access token per role: people in each role's group, signed in through the OpenID Provider. */
const tokens = {} as Record<AdminRole, string>;
beforeAll(async () => {
  server = await startTestServer({ label: 'route_roles' });
  const scim = await createScimClient(server, { name: 'directory' });
  const groups: Record<AdminRole, string> = { admin: 'jitbridge-admins', operator: 'jitbridge-operators', auditor: 'jitbridge-auditors' };
  for (const role of ADMIN_ROLES) {
    const id = await createLocalPerson(server, scim, `person-${role}`, PASSWORD);
    await createGroup(scim, groups[role], [id]);
    tokens[role] = (await consoleSignIn(server, `person-${role}`, PASSWORD)).access_token;
  }
});
afterAll(async () => server?.stop());

const PASSWORD = 'route-walk-secret-81';
const ID = '3f8e2a6c-9c1d-4c39-9a55-2d1bb2f5e8d1';

/** Every route handler of the admin API (middlewares are method ALL), as `METHOD /path` with {params}. */
function apiRoutes(): Array<{ method: string; path: string; key: string }> {
  const api = createAdminApi(server.ctx);
  const seen = new Map<string, { method: string; path: string; key: string }>();
  for (const route of api.routes) {
    if (route.method === 'ALL') continue;
    const key = routeKey(route.method, route.path);
    seen.set(key, { method: route.method, path: route.path, key });
  }
  return [...seen.values()];
}

/** A concrete URL for a route: every path parameter becomes a (random, absent) UUID. */
const urlOf = (path: string) => `/api/v1${path.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, ID)}`;

function inProcess(role: AdminRole) {
  const app = new Hono<AppEnv>();
  app.route('/api/v1', createAdminApi(server.ctx, { actor: { type: 'admin', id: `test-${role}` }, role }));
  app.onError(errorHandler(server.ctx.logger));
  app.notFound(notFoundHandler);
  return app;
}

async function call(request: (url: string, init: RequestInit) => Promise<Response> | Response, method: string, path: string, headers = {}) {
  const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
  const response = await request(urlOf(path), {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('the route → role table', () => {
  it('lists every route of the admin API and nothing else, and every documented operation is a route', () => {
    const routes = apiRoutes().map((r) => r.key);
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.filter((key) => !(key in ROUTE_ROLES))).toEqual([]);
    expect(Object.keys(ROUTE_ROLES).filter((key) => !routes.includes(key))).toEqual([]);
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.filter((key) => !routes.includes(key))).toEqual([]);
  });

  for (const role of ADMIN_ROLES) {
    it(`${role} (a console access token over HTTP): allowed exactly where the table says, 403 problem+json elsewhere`, async () => {
      const wrong: string[] = [];
      const overHttp = (url: string, init: RequestInit) => fetch(`${server.url}${url}`, init);
      for (const route of apiRoutes()) {
        const access = ROUTE_ROLES[route.key]!;
        const answer = await call(overHttp, route.method, route.path, { authorization: `Bearer ${tokens[role]}` });
        const allowed = access === 'public' || roleCovers(role, access);
        const refused = answer.status === 403 && answer.type === 'application/problem+json';
        if (allowed === refused || answer.status === 401 || answer.status >= 500)
          wrong.push(`${route.key}: ${answer.status} ${answer.body.slice(0, 200)}`);
        if (refused) expect(JSON.parse(answer.body)).toMatchObject({ status: 403, code: 'insufficient_role' });
      }
      expect(wrong).toEqual([]);
    });

    it(`${role} in process (configuration as code's path): the same answers`, async () => {
      const app = inProcess(role);
      const wrong: string[] = [];
      for (const route of apiRoutes()) {
        const access = ROUTE_ROLES[route.key]!;
        const answer = await call((url, init) => app.request(url, init), route.method, route.path);
        const allowed = access === 'public' || roleCovers(role, access);
        if (allowed === (answer.status === 403)) wrong.push(`${route.key}: ${answer.status}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('over HTTP: the admin token passes every route; no token and a wrong token get 401 problem+json except on public routes', async () => {
    const wrong: string[] = [];
    const overHttp = (url: string, init: RequestInit) => fetch(`${server.url}${url}`, init);
    for (const route of apiRoutes()) {
      const access = ROUTE_ROLES[route.key]!;
      const admin = await call(overHttp, route.method, route.path, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
      if (admin.status === 401 || admin.status === 403 || admin.status >= 500) wrong.push(`admin token ${route.key}: ${admin.status}`);
      for (const headers of [{}, { authorization: 'Bearer jba_not_the_admin_token_0123456789abcdefghij' }]) {
        const answer = await call(overHttp, route.method, route.path, headers);
        const expected = access === 'public' ? answer.status !== 401 && answer.status !== 403 : answer.status === 401;
        if (!expected || (access !== 'public' && answer.type !== 'application/problem+json')) {
          wrong.push(`${Object.keys(headers).length ? 'wrong' : 'no'} token ${route.key}: ${answer.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('says what issue 25 asks: auditors read everything, operators also requeue, lock/unlock (links, sign-in waits) and reset MFA, the rest is admin', () => {
    const entries = Object.entries(ROUTE_ROLES).filter(([, access]) => access !== 'public');
    expect(entries.filter(([key]) => key.startsWith('GET ')).every(([, access]) => access === 'auditor')).toBe(true);
    expect(
      entries
        .filter(([, access]) => access === 'operator')
        .map(([key]) => key)
        .sort(),
    ).toEqual([
      'DELETE /users/{id}/mfa/totp',
      'DELETE /users/{id}/sign-in-throttle',
      'PATCH /federated-identities/{id}',
      'POST /outbound-connectors/{id}/events/{eventId}/retry',
      'POST /outbound-connectors/{id}/retry',
      'POST /outbound-connectors/{id}/test',
    ]);
    // The only write-shaped route an auditor may call is the dry run, which writes nothing.
    expect(entries.filter(([key, access]) => !key.startsWith('GET ') && access === 'auditor').map(([key]) => key)).toEqual([
      'POST /identity-providers/{id}/simulate',
    ]);
    expect(
      Object.entries(ROUTE_ROLES)
        .filter(([, access]) => access === 'public')
        .map(([key]) => key)
        .sort(),
    ).toEqual(['GET /config/schema.json', 'GET /openapi.json']);
  });

  it('refuses a route the table does not list, even to the admin token (deny by default)', async () => {
    const app = new Hono<AppEnv>();
    const api = createAdminApi(server.ctx, { actor: { type: 'admin', id: 'test' }, role: 'admin' });
    api.get('/not-in-the-table', (c) => c.json({ reached: true }));
    app.route('/api/v1', api);
    app.onError(errorHandler(server.ctx.logger));
    const response = await app.request('/api/v1/not-in-the-table');
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'route_not_authorized' });
    // A path that is no route at all is still a 404 for a caller with a role.
    const none = await app.request('/api/v1/no-such-thing');
    expect(none.status).toBe(404);
  });
});
