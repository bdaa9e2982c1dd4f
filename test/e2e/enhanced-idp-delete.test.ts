// The enhanced feature's IdP deletion against real sign-ins: people sign in to an app through jitbridge,
// brokered to a real upstream OpenID Provider (JIT on), so oidc-provider itself writes their sessions,
// grants and tokens. Deleting the IdP then removes the users with all of that: their refresh tokens and
// access tokens stop working, and outbound provisioning gets a delete event for each.
import { sql } from 'drizzle-orm';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { discover, redeem, registerApp, registerUpstreamIdp, signInThroughUpstream, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser } from '../support/oidc-browser.js';
import { startUpstreamOp, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let idpId: string;
let config: client.Configuration;

beforeAll(async () => {
  server = await startTestServer({ label: 'enhanced_idp_delete' });
  upstream = await startUpstreamOp();
  upstream.setAccount('alice', { email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', preferred_username: 'alice' });
  upstream.setAccount('bob', { email: 'bob@example.com', email_verified: true, name: 'Bob Builder', preferred_username: 'bob' });
  idpId = (await registerUpstreamIdp(server, upstream, { name: 'Doomed Corp' })).id;
  config = await discover(server, await registerApp(server, { identityProviders: [idpId] }));
});
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
});

async function signIn(login: string) {
  const started = await startLogin(config);
  return redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, login));
}

const oidcRowsOf = async (accountId: string) =>
  (
    await rows<{ n: number }>(
      server.ctx.store.db,
      sql`select count(*)::int as n from oidc_payloads where payload->>'accountId' = ${accountId}`,
    )
  )[0]!.n;

describe('deleting an IdP with the enhanced feature on', () => {
  it('removes its JIT users with their sessions, grants and tokens, after a preview', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const subs = [alice.claims()!.sub, bob.claims()!.sub];
    expect(alice.refresh_token).toBeTruthy();
    for (const sub of subs) expect(await oidcRowsOf(sub)).toBeGreaterThan(0);
    expect((await client.fetchUserInfo(config, alice.access_token, subs[0]!)).sub).toBe(subs[0]);

    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: true } })).status).toBe(200);
    const previewResponse = await server.admin('DELETE', `/api/v1/identity-providers/${idpId}?dryRun=true`);
    expect(previewResponse.status).toBe(200);
    const preview = (await previewResponse.json()) as { counts: Record<string, number> };
    const payloads = (
      await rows<{ n: number }>(
        server.ctx.store.db,
        sql`select count(*)::int as n from oidc_payloads p where p.payload->>'accountId' in (${subs[0]}, ${subs[1]})
              or p.grant_id in (select grant_id from oidc_payloads where payload->>'accountId' in (${subs[0]}, ${subs[1]}))`,
      )
    )[0]!.n;
    expect(preview).toMatchObject({
      users: 'delete',
      affectedUsers: 2,
      counts: { usersDeleted: 2, federatedIdentities: 2, oidcPayloads: payloads },
    });

    expect((await server.admin('DELETE', `/api/v1/identity-providers/${idpId}`)).status).toBe(204);
    const audit = (await (await server.admin('GET', `/api/v1/audit-events?action=identity_provider.delete&targetId=${idpId}`)).json()) as {
      items: Array<{ actorType: string; details: { counts: Record<string, number> } }>;
    };
    expect(audit.items).toEqual([
      expect.objectContaining({ actorType: 'admin', details: expect.objectContaining({ counts: preview.counts }) }),
    ]);
    for (const sub of subs) {
      expect(await oidcRowsOf(sub)).toBe(0);
      expect((await rows(server.ctx.store.db, sql`select 1 from users where id = ${sub}`)).length).toBe(0);
      expect(
        (await rows(server.ctx.store.db, sql`select 1 from outbox_events where resource_id = ${sub} and event_type = 'delete'`)).length,
      ).toBe(1);
    }
    await expect(client.refreshTokenGrant(config, alice.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(config, bob.access_token, subs[1]!)).rejects.toThrow();
    expect((await server.admin('GET', `/api/v1/identity-providers/${idpId}`)).status).toBe(404);
  });
});
