// The one process-wide limit on scrypt runs (issue 20): a burst of wrong client secrets on the slow path (a secret
// still stored as scrypt) cannot starve other requests — health, a SCIM read and /federation/:id/start answer
// normally while 200 token requests run — and a request that gets no slot in time is refused in its own protocol's
// format with Retry-After: OAuth error JSON, SCIM error JSON, the styled LOCAL sign-in page. No timing assertions:
// the limit is read from its counters.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../../src/domain/index.js';
import type { AppEnv } from '../../../src/http/index.js';
import { csrfToken, csrfTokenMatches, localSignInPath, localSignInRoutes, type PromptHost } from '../../../src/login/index.js';
import {
  forgetCachedApplications,
  hashPassword,
  insertUser,
  passwordHashSlots,
  resetPasswordHashSlotCounters,
  withPasswordHashSlot,
} from '../../../src/store/index.js';
import { getUserStoreByDomain } from '../../../src/store/user-stores-repo.js';
import { APP_REDIRECT, registerApp } from '../../support/oidc-app.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startUpstreamOp, type UpstreamOp, registerBridgeIdp } from '../../support/upstream-op.js';

const CONCURRENCY = 2;
let server: TestServer;
let upstream: UpstreamOp;
let idpId: string;
let scimToken: string;

beforeAll(async () => {
  [server, upstream] = await Promise.all([
    startTestServer({ label: 'hash_limit', config: { passwordHashConcurrency: CONCURRENCY, passwordHashQueueTimeoutMs: 200 } }),
    startUpstreamOp({ claimsIn: 'userinfo' }),
  ]);
  idpId = await registerBridgeIdp(server, upstream);
  scimToken = (
    (await (await server.admin('POST', '/api/v1/scim-clients', { name: 'reader', scopes: ['scim:read', 'scim:write'] })).json()) as {
      token: string;
    }
  ).token;
});
afterAll(async () => Promise.all([server?.stop(), upstream?.stop()]));

const tokenRequest = (clientId: string, secret: string) =>
  fetch(`${server.url}/oidc/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: APP_REDIRECT, code_verifier: 'x'.repeat(43) }),
  });

/** Holds every slot of the limit until `release` is called. */
async function holdAllSlots(): Promise<{ release(): Promise<void> }> {
  const releases: Array<() => void> = [];
  const held = Array.from({ length: CONCURRENCY }, () =>
    withPasswordHashSlot(() => new Promise<void>((resolve) => releases.push(resolve))),
  );
  await new Promise((resolve) => setImmediate(resolve));
  expect(passwordHashSlots.running).toBe(CONCURRENCY);
  return {
    release: async () => {
      releases.forEach((release) => release());
      await Promise.all(held);
    },
  };
}

describe('the password hash limit', () => {
  it('200 concurrent wrong client secrets on the slow path: the limit holds, health, SCIM and federation start answer', async () => {
    const app = await registerApp(server, { identityProviders: [idpId] });
    // An earlier version's scrypt hash: a wrong secret is checked by scrypt (the expensive path the limit guards).
    const legacy = await hashPassword(app.clientSecret!);
    await server.ctx.store.db.execute(sql`update applications set client_secret_hash = ${legacy} where id = ${app.id}`);
    forgetCachedApplications(server.ctx.store.db);
    resetPasswordHashSlotCounters();

    const tokens = Promise.all(Array.from({ length: 200 }, (_, i) => tokenRequest(app.clientId, `jbcs_wrong_${i}`)));
    const [health, scim, start] = await Promise.all([
      fetch(`${server.url}/healthz`),
      fetch(`${server.url}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${scimToken}` } }),
      fetch(`${server.url}/federation/${idpId}/start?return_to=/done`, { redirect: 'manual' }),
    ]);
    expect(health.status).toBe(200);
    expect(scim.status).toBe(200);
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toContain(upstream.issuer);

    const answers = await tokens;
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    expect([...statuses.keys()].every((status) => status === 401 || status === 503)).toBe(true);
    const busy = answers.filter((answer) => answer.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(Number(busy[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await busy[0]!.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(passwordHashSlots.peak).toBeLessThanOrEqual(CONCURRENCY);
    expect(passwordHashSlots.refused).toBe(busy.length);
    expect(passwordHashSlots.waiting).toBe(0);
    // The right secret still works afterwards (and is rehashed).
    const right = await tokenRequest(app.clientId, app.clientSecret!);
    expect(right.status).toBe(400);
  });

  it('a SCIM password write that gets no slot in time: 503 SCIM error with Retry-After, nothing written', async () => {
    const held = await holdAllSlots();
    try {
      const response = await fetch(`${server.url}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [SCIM_USER_SCHEMA], userName: 'busy-user', password: 'a-long-enough-Passw0rd!' }),
      });
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await response.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
    } finally {
      await held.release();
    }
    const found = await fetch(`${server.url}/scim/v2/Users?filter=${encodeURIComponent('userName eq "busy-user"')}`, {
      headers: { authorization: `Bearer ${scimToken}` },
    });
    expect(((await found.json()) as { totalResults: number }).totalResults).toBe(0);
  });

  it('a LOCAL sign-in that gets no slot in time: the styled page, 503 with Retry-After', async () => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'olga',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'olga' },
    });
    const host: PromptHost = {
      load: async (c) => {
        const uid = c.req.param('uid') ?? '';
        return { uid, appName: 'Expenses', csrfToken: csrfToken('k', uid), csrfValid: (p) => csrfTokenMatches('k', uid, p) };
      },
      finish: async (c) => c.text('signed in'),
      refuse: async (c, _step, title) => c.text(title, 403),
    };
    const app = new Hono<AppEnv>();
    app.route('/', localSignInRoutes(server.ctx, host));
    const listener: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => listener.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}${localSignInPath('uid-busy-1')}`;
    const held = await holdAllSlots();
    try {
      const response = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams({ csrf: csrfToken('k', 'uid-busy-1'), username: 'olga', password: 'whatever-it-is' }),
      });
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('The server is busy');
    } finally {
      await held.release();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
