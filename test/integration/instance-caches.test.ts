// The staleness bound of the instance caches (README "Several instances"): an admin write is visible at once on
// the instance that made it, and on another instance on the same database within CACHE_TTL_SECONDS. Two real
// instances share one database; their cache clocks are fakes moved by the test, not sleeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCaches } from '../../src/cache/index.js';
import { APP_REDIRECT, registerApp } from '../support/oidc-app.js';
import { createScimClient, scimClientFor } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let a: TestServer;
let b: TestServer;
const time = { at: 1_000_000 };
const now = () => time.at;

beforeAll(async () => {
  a = await startTestServer({ label: 'instance-caches', config: { cacheTtlSeconds: 5 } });
  b = await startTestServer({ database: a.database, config: { cacheTtlSeconds: 5 } });
  for (const server of [a, b])
    configureCaches(server.ctx.store.db, {
      ttlSeconds: 5,
      now,
      meter: { requests: server.ctx.metrics.cacheRequests, evictions: server.ctx.metrics.cacheEvictions },
    });
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

/** The authorization endpoint's answer for this client: 303 to the login page, or 400 for an unknown client. */
const authorize = (server: TestServer, clientId: string) =>
  fetch(
    `${server.url}/oidc/auth?${new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: APP_REDIRECT,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`,
    { redirect: 'manual' },
  );

describe('instance caches', () => {
  it('a deleted app is refused at once where it was deleted, and elsewhere within the TTL', async () => {
    const app = await registerApp(a, { name: 'Cached app' });
    expect((await authorize(a, app.clientId)).status).toBe(303);
    expect((await authorize(b, app.clientId)).status).toBe(303);

    expect((await a.admin('DELETE', `/api/v1/applications/${app.id}`)).status).toBe(204);
    expect((await authorize(a, app.clientId)).status).toBe(400);
    // B remembers the app for at most the TTL.
    time.at += 4_000;
    expect((await authorize(b, app.clientId)).status).toBe(303);
    time.at += 1_000;
    expect((await authorize(b, app.clientId)).status).toBe(400);

    const counted = await a.ctx.metrics.registry.getSingleMetricAsString('jitbridge_cache_requests_total');
    expect(counted).toMatch(/jitbridge_cache_requests_total\{cache="applications",result="hit"\} [1-9]/);
    expect(counted).toMatch(/jitbridge_cache_requests_total\{cache="applications",result="miss"\} [1-9]/);
  });

  it('a deleted SCIM client is refused at once where it was deleted, and elsewhere within the TTL', async () => {
    const onA = await createScimClient(a, { name: 'cached client' });
    const onB = scimClientFor(b, onA.token, onA.id);
    expect((await onA.call('GET', '/Users?count=1')).status).toBe(200);
    expect((await onB.call('GET', '/Users?count=1')).status).toBe(200);

    expect((await a.admin('DELETE', `/api/v1/scim-clients/${onA.id}`)).status).toBe(204);
    expect((await onA.call('GET', '/Users?count=1')).status).toBe(401);
    time.at += 4_000;
    expect((await onB.call('GET', '/Users?count=1')).status).toBe(200);
    time.at += 1_000;
    expect((await onB.call('GET', '/Users?count=1')).status).toBe(401);
  });
});
