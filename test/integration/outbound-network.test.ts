// Outbound requests an admin aims (SCIM connectors, their token endpoints, SP metadata) reach no loopback, private,
// link-local or metadata address and use no plain http unless OUTBOUND_ALLOWED_NETWORKS allows it; the check runs on
// the address each connection resolves to, and the connector test never echoes what the target answered.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { AddressPolicy, OutboundNetwork, OutboundRefusedError } from '../../src/net/index.js';
import { authColumns, OutboundWorker } from '../../src/outbound/index.js';
import { fetchSpMetadata, SamlIdpError } from '../../src/saml-idp/index.js';
import { insertConnector, listDeliveries } from '../../src/store/index.js';
import { createUsers } from '../support/outbound-events.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SECRET_BODY = 'internal-service-secret-7f3a';

let strict: TestServer;
let allowing: TestServer;
let fake: FakeScimServer;
let leaky: Server;
let leakyUrl: string;

beforeAll(async () => {
  // No OUTBOUND_ALLOWED_NETWORKS: what a production server has by default.
  strict = await startTestServer({ label: 'outbound_net_strict', config: { outboundAllowedNetworks: [] } });
  // The test support's default: loopback allowed through the setting.
  allowing = await startTestServer({ label: 'outbound_net_allowing' });
  fake = await startFakeScimServer({ token: 'downstream-token' });
  // A "service" that answers errors with a body an attacker would like to read.
  leaky = createServer((req, res) => {
    res.writeHead(req.url?.includes('Users') ? 500 : 502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: SECRET_BODY, html: `<p>${SECRET_BODY}</p>` }));
  });
  await new Promise<void>((resolve) => leaky.listen(0, '127.0.0.1', resolve));
  leakyUrl = `http://127.0.0.1:${(leaky.address() as AddressInfo).port}/scim/v2`;
});
afterAll(async () => {
  await new Promise((resolve) => leaky?.close(resolve));
  await fake?.close();
  await Promise.all([strict?.stop(), allowing?.stop()]);
});

const base = '/api/v1/outbound-connectors';
const connector = (baseUrl: string, auth: Record<string, unknown> = { type: 'bearer', token: 'downstream-token' }) => ({
  name: `target ${Math.random()}`,
  baseUrl,
  auth,
});

describe('the address policy', () => {
  const policy = new AddressPolicy({ allowedNetworks: [] });
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '0.0.0.0',
    '::',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('refuses %s', (address) => {
    expect(policy.refusal(address, 'https:')).toBe('outbound_address_forbidden');
  });
  it('allows a public address over https only', () => {
    expect(policy.refusal('93.184.216.34', 'https:')).toBeNull();
    expect(policy.refusal('2606:2800:220:1::1', 'https:')).toBeNull();
    expect(policy.refusal('93.184.216.34', 'http:')).toBe('outbound_plain_http');
  });
  it('opens exactly the allowed networks, http included', () => {
    const open = new AddressPolicy({ allowedNetworks: ['10.20.0.0/16', '::1'] });
    expect(open.refusal('10.20.3.4', 'http:')).toBeNull();
    expect(open.refusal('10.21.0.1', 'https:')).toBe('outbound_address_forbidden');
    expect(open.refusal('::1', 'http:')).toBeNull();
    expect(open.refusal('127.0.0.1', 'https:')).toBe('outbound_address_forbidden');
  });
  it('is set by OUTBOUND_ALLOWED_NETWORKS, and loopback opens by itself only under NODE_ENV=development', () => {
    expect(loadConfig({ OUTBOUND_ALLOWED_NETWORKS: '10.0.0.0/8, fd12::/48' }).outboundAllowedNetworks).toEqual(['10.0.0.0/8', 'fd12::/48']);
    expect(() => loadConfig({ OUTBOUND_ALLOWED_NETWORKS: '10.0.0.0/33' })).toThrow(/OUTBOUND_ALLOWED_NETWORKS/);
    expect(loadConfig({ NODE_ENV: 'test' }).outboundAllowLoopback).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).outboundAllowLoopback).toBe(true);
  });
});

describe('connectors aimed at loopback', () => {
  it('are refused when saved without OUTBOUND_ALLOWED_NETWORKS, with a problem naming the field', async () => {
    for (const url of [fake.url, fake.url.replace('127.0.0.1', 'localhost'), 'https://169.254.169.254/latest', 'https://[::1]:8443/scim']) {
      const response = await strict.admin('POST', base, connector(url));
      expect(response.status, url).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      const problem = (await response.json()) as { code: string; errors?: Array<{ field: string }> };
      expect(problem.code, url).toBe('outbound_address_forbidden');
    }
    const token = await strict.admin(
      'POST',
      base,
      connector('https://scim.example.com/v2', { type: 'oauth2', tokenUrl: `${fake.url}/token`, clientId: 'c', clientSecret: 's' }),
    );
    expect(token.status).toBe(400);
    expect(JSON.stringify(await token.json())).toContain('auth.tokenUrl');
  });

  it('refuses plain http to a public address', async () => {
    const response = await strict.admin('POST', base, connector('http://93.184.216.34/scim/v2'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('outbound_plain_http');
  });

  it('are allowed, http included, when OUTBOUND_ALLOWED_NETWORKS names 127.0.0.0/8', async () => {
    const response = await allowing.admin('POST', base, connector(fake.url));
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const check = (await (await allowing.admin('POST', `${base}/${id}/test`)).json()) as { ok: boolean };
    expect(check.ok).toBe(true);
  });
});

describe('the connect-time check', () => {
  it('refuses a host name that resolves to a loopback address, whatever was checked when it was saved', async () => {
    const network = new OutboundNetwork({ allowedNetworks: [] });
    const before = fake.requests.length;
    const refused = await network.fetch(`${fake.url.replace('127.0.0.1', 'localhost')}/ServiceProviderConfig`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutboundRefusedError);
    expect((refused as OutboundRefusedError).code).toBe('outbound_address_forbidden');
    // An IP literal (no lookup) and plain http are judged at connect too.
    expect(((await network.fetch(`${fake.url}/Users`).catch((e: unknown) => e)) as OutboundRefusedError).code).toBe(
      'outbound_address_forbidden',
    );
    expect(fake.requests.length).toBe(before);
    await network.close();
  });

  it('keeps a connector saved with a name that later resolves to a private address from delivering', async () => {
    // As if the name had answered a public address when saved (DNS rebinding): the row is written directly.
    const { store } = strict.ctx;
    const id = randomUUID();
    const row = await insertConnector(store.db, {
      id,
      name: 'rebinding target',
      baseUrl: fake.url.replace('127.0.0.1', 'localhost'),
      ...authColumns({ type: 'bearer', token: 'downstream-token' }, store.secrets, id),
      deliveryOptions: { maxAttempts: 1 },
    });
    const before = fake.requests.length;
    const test = (await (await strict.admin('POST', `${base}/${row.id}/test`)).json()) as {
      ok: boolean;
      checks: Array<{ code: string }>;
    };
    expect(test.ok).toBe(false);
    expect(test.checks.map((c) => c.code)).toEqual(['outbound_address_forbidden', 'outbound_address_forbidden']);

    const worker = new OutboundWorker({ store, connectorRefreshMs: 0 });
    await createUsers(store, 'rebind', 1);
    let failed: Awaited<ReturnType<typeof listDeliveries>> = [];
    for (let i = 0; i < 50 && failed.length === 0; i++) {
      await worker.runOnce();
      failed = await listDeliveries(store.db, row.id, { status: 'failed', limit: 10 });
    }
    await worker.stop();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.lastError).toMatch(/network outbound requests may not reach/);
    expect(fake.requests.length).toBe(before);
  });

  it('applies to SP metadata URLs as well', async () => {
    const network = new OutboundNetwork({ allowedNetworks: [] });
    const refused = await fetchSpMetadata(`${fake.url}/metadata`, network.fetch).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SamlIdpError);
    expect((refused as Error).message).toMatch(/refused/);
    await network.close();
  });
});

describe('the connector test', () => {
  it('answers a status and a stable code, never the remote body', async () => {
    const created = await allowing.admin('POST', base, connector(leakyUrl));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const response = await allowing.admin('POST', `${base}/${id}/test`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(SECRET_BODY);
    const check = JSON.parse(text) as { ok: boolean; checks: Array<{ name: string; code: string; status: number | null }> };
    expect(check.ok).toBe(false);
    expect(check.checks).toEqual([
      expect.objectContaining({ name: 'serviceProviderConfig', code: 'http_error', status: 502 }),
      expect.objectContaining({ name: 'credentials', code: 'http_error', status: 500 }),
    ]);
  });

  it('does not echo a token endpoint body either', async () => {
    const created = await allowing.admin(
      'POST',
      base,
      connector(leakyUrl, { type: 'oauth2', tokenUrl: `${leakyUrl}/token`, clientId: 'c', clientSecret: 's' }),
    );
    const { id } = (await created.json()) as { id: string };
    const text = await (await allowing.admin('POST', `${base}/${id}/test`)).text();
    expect(text).not.toContain(SECRET_BODY);
    expect((JSON.parse(text) as { ok: boolean }).ok).toBe(false);
  });
});
