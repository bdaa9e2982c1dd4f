// X-Forwarded-For is believed only from a configured proxy: the sign-in audit (and the throttle, which uses the
// same address) sees the forwarded client behind a trusted proxy and the socket peer otherwise.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/index.js';
import { csrfToken, csrfTokenMatches, localSignInPath, localSignInRoutes, type PromptHost } from '../../src/login/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const KEY = 'test-cookie-key-for-csrf';
const host: PromptHost = {
  load: async (c) => {
    const uid = c.req.param('uid') ?? '';
    return { uid, appName: 'App', csrfToken: csrfToken(KEY, uid), csrfValid: (p) => csrfTokenMatches(KEY, uid, p) };
  },
  finish: async (c) => c.text('signed in'),
  refuse: async (c, _step, title) => c.text(title, 403),
};

let server: TestServer;
const hosts: ServerType[] = [];

async function mount(trustedProxies: string[]): Promise<string> {
  const app = new Hono<AppEnv>();
  app.route('/', localSignInRoutes({ ...server.ctx, config: { ...server.ctx.config, trustedProxies } }, host));
  const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => listening.once('listening', () => resolve()));
  hosts.push(listening);
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

async function failedSignInAddress(base: string, forwardedFor: string | null, username: string): Promise<unknown> {
  const response = await fetch(`${base}${localSignInPath('uid-proxy')}`, {
    method: 'POST',
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    body: new URLSearchParams({ csrf: csrfToken(KEY, 'uid-proxy'), username, password: 'wrong-password-123' }),
  });
  expect(response.status).toBe(400);
  const audit = (await (await server.admin('GET', '/api/v1/audit-events?limit=500')).json()) as {
    items: Array<{ action: string; details?: { clientAddress?: string }; targetId?: string | null; reason?: string | null }>;
  };
  const mine = audit.items.filter((e) => e.action === 'local_login');
  return mine[0]?.details?.clientAddress;
}

beforeAll(async () => {
  server = await startTestServer({ label: 'trusted_proxies' });
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => new Promise<void>((resolve) => h.close(() => resolve()))));
  await server?.stop();
});

describe('client address behind proxies', () => {
  it('without TRUSTED_PROXIES a forged X-Forwarded-For is ignored', async () => {
    const base = await mount([]);
    expect(await failedSignInAddress(base, '203.0.113.9', 'nobody-1')).toBe('127.0.0.1');
  });

  it('behind a trusted proxy the forwarded client is used; a spoofed left-most entry is not', async () => {
    const base = await mount(['127.0.0.0/8', '10.0.0.0/8']);
    expect(await failedSignInAddress(base, '203.0.113.9', 'nobody-2')).toBe('203.0.113.9');
    // The client sent its own "X-Forwarded-For: 198.51.100.1"; the proxy chain appended the real one.
    expect(await failedSignInAddress(base, '198.51.100.1, 203.0.113.10, 10.1.2.3', 'nobody-3')).toBe('203.0.113.10');
  });
});
