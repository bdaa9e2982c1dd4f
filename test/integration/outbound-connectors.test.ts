// /api/v1/outbound-connectors: CRUD in the DESIGN.md shape, write-only sealed credentials, validation
// with named fields, and OAuth 2.0 client credentials with the access token cached by the worker.
import { outboundNetworkFor } from '../../src/net/index.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundWorker } from '../../src/outbound/index.js';
import { rows } from '../../src/store/database.js';
import { createUsers } from '../support/outbound-events.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let fake: FakeScimServer;

beforeAll(async () => {
  server = await startTestServer({ label: 'outbound_connectors' });
  fake = await startFakeScimServer({ token: 'secret-downstream-token' });
});
afterAll(async () => {
  await fake?.close();
  await server?.stop();
});

const base = '/api/v1/outbound-connectors';

describe('outbound connector CRUD', () => {
  it('creates a connector, never shows its token, and keeps it sealed at rest', async () => {
    const response = await server.admin('POST', base, {
      name: 'HR system',
      baseUrl: `${fake.url}/`,
      auth: { type: 'bearer', token: 'secret-downstream-token' },
      userStores: ['primary'],
      events: ['create', 'deactivate'],
      attributeMapping: [{ local: 'name.familyName', remote: 'name.familyName' }],
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toMatch(/\/api\/v1\/outbound-connectors\/[0-9a-f-]{36}$/);
    const created = (await response.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      name: 'HR system',
      type: 'scim2',
      baseUrl: fake.url,
      auth: { type: 'bearer' },
      userStores: ['PRIMARY'],
      events: ['create', 'deactivate'],
      enabled: true,
      delivery: { maxAttempts: 10, bulk: 'auto' },
    });
    expect(JSON.stringify(created)).not.toContain('secret-downstream-token');
    const read = await (await server.admin('GET', `${base}/${created.id}`)).text();
    expect(read).not.toContain('secret-downstream-token');
    const list = await (await server.admin('GET', base)).text();
    expect(list).not.toContain('secret-downstream-token');
    const [stored] = await rows<{ secrets_encrypted: string }>(
      server.ctx.store.db,
      sql`select secrets_encrypted from outbound_connectors where id = ${created.id as string}`,
    );
    expect(stored!.secrets_encrypted).toMatch(/^v2\./);
    expect(stored!.secrets_encrypted).not.toContain('secret-downstream-token');
    const audit = await (await server.admin('GET', '/api/v1/audit-events?limit=50')).text();
    expect(audit).toContain('outbound_connector.create');
    expect(audit).not.toContain('secret-downstream-token');

    // A patch that leaves auth out keeps the stored token: the connector still authenticates.
    const patched = await server.admin('PATCH', `${base}/${created.id}`, { name: 'HR', delivery: { maxAttempts: 3 } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ name: 'HR', userStores: ['PRIMARY'], delivery: { maxAttempts: 3, timeoutMs: 10_000 } });
    const check = (await (await server.admin('POST', `${base}/${created.id}/test`)).json()) as { ok: boolean };
    expect(check.ok).toBe(true);

    const replaced = await server.admin('PUT', `${base}/${created.id}`, { name: 'HR2', baseUrl: fake.url, auth: { type: 'bearer' } });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ name: 'HR2', userStores: null, events: null, attributeMapping: null });
    expect(((await (await server.admin('POST', `${base}/${created.id}/test`)).json()) as { ok: boolean }).ok).toBe(true);

    expect((await server.admin('DELETE', `${base}/${created.id}`)).status).toBe(204);
    const gone = await server.admin('GET', `${base}/${created.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'outbound_connector_not_found' });
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = ((await (await server.admin('GET', base)).json()) as { items: unknown[] }).items.length;
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', baseUrl: 'ftp://nope', auth: { type: 'bearer', token: 't' } }, 'baseUrl'],
      [{ name: 'x', baseUrl: fake.url, auth: { type: 'bearer' } }, 'auth.token'],
      [{ name: 'x', baseUrl: fake.url, auth: { type: 'oauth2', tokenUrl: fake.url, clientId: 'c' } }, 'auth.clientSecret'],
      [{ name: 'x', baseUrl: fake.url, auth: { type: 'bearer', token: 't' }, userStores: ['NOPE'] }, 'userStores.0'],
      [{ name: 'x', baseUrl: fake.url, auth: { type: 'bearer', token: 't' }, events: ['explode'] }, 'events.0'],
      [{ name: 'x', baseUrl: fake.url, auth: { type: 'bearer', token: 't' }, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const response = await server.admin('POST', base, body);
      expect(response.status, field).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ field: string }> };
      expect(problem.errors.map((e) => e.field)).toContain(field);
    }
    expect(((await (await server.admin('GET', base)).json()) as { items: unknown[] }).items).toHaveLength(before);
    expect((await server.admin('GET', `${base}/3f8e2a6c-9c1d-4c39-9a55-2d1bb2f5e8d1/events`)).status).toBe(404);
  });
});

describe('OAuth 2.0 client credentials', () => {
  it('gets an access token once, caches it across deliveries, and renews it when the target refuses it', async () => {
    const issued: string[] = [];
    const tokenServer = createServer((req, res) => {
      const basic = Buffer.from('bridge:s3cret').toString('base64');
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.headers.authorization !== `Basic ${basic}` || !body.includes('grant_type=client_credentials')) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'invalid_client' }));
        }
        const token = `at-${issued.length + 1}`;
        issued.push(token);
        fake.token = token;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    try {
      const response = await server.admin('POST', base, {
        name: 'oauth target',
        baseUrl: fake.url,
        auth: { type: 'oauth2', tokenUrl, clientId: 'bridge', clientSecret: 's3cret', scope: 'scim' },
        delivery: { backoffBaseMs: 10, backoffMaxMs: 50 },
      });
      expect(response.status).toBe(201);
      const connector = (await response.json()) as { id: string; auth: Record<string, unknown> };
      expect(connector.auth).toEqual({ type: 'oauth2', tokenUrl, clientId: 'bridge', scope: 'scim' });
      const worker = new OutboundWorker({ store: server.ctx.store, connectorRefreshMs: 0, network: outboundNetworkFor(server.ctx.config) });
      await createUsers(server.ctx.store, 'oauth', 5);
      for (let i = 0; i < 100 && [...fake.users.values()].filter((u) => String(u.userName).startsWith('oauth')).length < 5; i++) {
        if ((await worker.runOnce()) === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect([...fake.users.values()].filter((u) => String(u.userName).startsWith('oauth'))).toHaveLength(5);
      expect(issued).toEqual(['at-1']);

      // The target stops accepting the cached token: one 401, a new token, and delivery goes on.
      fake.token = 'rotated-elsewhere';
      await createUsers(server.ctx.store, 'oauth-later', 1);
      for (let i = 0; i < 100 && ![...fake.users.values()].some((u) => u.userName === 'oauth-later0'); i++) {
        if ((await worker.runOnce()) === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect([...fake.users.values()].some((u) => u.userName === 'oauth-later0')).toBe(true);
      expect(issued).toEqual(['at-1', 'at-2']);
      await server.admin('PATCH', `${base}/${connector.id}`, { enabled: false });
    } finally {
      await new Promise<void>((resolve) => tokenServer.close(() => resolve()));
    }
  });
});
