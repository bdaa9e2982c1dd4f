// /federation/:idpId/start (issue 20): a per-client-address rate limit counted in the database (every instance shares
// the window), answering 429 with Retry-After and the styled page; and the flows of a login interaction removed when
// a new start supersedes them or the interaction finishes.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/store/database.js';
import { deleteFederationFlowsOfInteraction, insertFederationFlow } from '../../../src/store/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startUpstreamOp, type UpstreamOp, registerBridgeIdp } from '../../support/upstream-op.js';

let server: TestServer;
let second: TestServer;
let upstream: UpstreamOp;
let idpId: string;
const config = { federationStartLimit: 3, federationStartWindowSeconds: 600, trustedProxies: ['127.0.0.1'] };

beforeAll(async () => {
  [server, upstream] = await Promise.all([startTestServer({ label: 'start_limit', config }), startUpstreamOp({ claimsIn: 'userinfo' })]);
  second = await startTestServer({ database: server.database, config });
  idpId = await registerBridgeIdp(server, upstream);
});
afterAll(async () => {
  await second?.stop();
  await Promise.all([server?.stop(), upstream?.stop()]);
});

const start = (on: TestServer, address: string) =>
  fetch(`${on.url}/federation/${idpId}/start?return_to=/done`, { redirect: 'manual', headers: { 'x-forwarded-for': address } });

const flowCount = async () => (await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from federation_flows`))[0]!.n;

describe('/federation/:idpId/start rate limit', () => {
  it('allows the limit per address, then answers 429 with Retry-After and the page, on every instance', async () => {
    const before = await flowCount();
    for (let i = 0; i < 3; i++) expect((await start(server, '203.0.113.5')).status).toBe(302);
    const refused = await start(server, '203.0.113.5');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toContain('Too many sign-in attempts');
    // The window lives in the database: the other instance refuses the same address too.
    expect((await start(second, '203.0.113.5')).status).toBe(429);
    // Refused starts wrote no flow.
    expect(await flowCount()).toBe(before + 3);
    // Another address has its own window; IPv6 addresses count by /64.
    expect((await start(second, '203.0.113.6')).status).toBe(302);
    for (let i = 0; i < 3; i++) expect((await start(server, `2001:db8:1:2::${i + 1}`)).status).toBe(302);
    expect((await start(server, '2001:db8:1:2:ffff::9')).status).toBe(429);
  });
});

describe('abandoned federation flows', () => {
  const flowsOf = async (uid: string) =>
    (
      await rows<{ id: string }>(
        server.ctx.store.db,
        sql`select id from federation_flows where context->>'interactionUid' = ${uid} order by id`,
      )
    ).map((r) => r.id);

  it('a new start for the same interaction supersedes its earlier flows; finishing removes them all', async () => {
    const db = server.ctx.store.db;
    const flow = (id: string, uid: string) =>
      insertFederationFlow(db, {
        id,
        idpId,
        protocol: 'oidc',
        nonce: 'n',
        codeVerifier: 'v',
        returnTo: '/r',
        context: { interactionUid: uid },
      });
    await flow('state-a1', 'uid-a');
    await flow('state-b1', 'uid-b');
    await flow('state-a2', 'uid-a');
    await flow('state-a3', 'uid-a');
    expect(await flowsOf('uid-a')).toEqual(['state-a3']);
    expect(await flowsOf('uid-b')).toEqual(['state-b1']);
    await deleteFederationFlowsOfInteraction(db, 'uid-a');
    expect(await flowsOf('uid-a')).toEqual([]);
    expect(await flowsOf('uid-b')).toEqual(['state-b1']);
  });
});
