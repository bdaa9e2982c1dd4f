// Upstream liveness against real sign-ins: the provisioning core records each login on the link, and the
// liveness job deactivates the JIT user only once the IdP has not signed them in for `inactiveAfterDays`
// (set through the admin API). The job's clock is injected.
import { sql } from 'drizzle-orm';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLivenessCheck } from '../../src/accounts/upstream-liveness.js';
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
  server = await startTestServer({ label: 'upstream_liveness' });
  upstream = await startUpstreamOp();
  upstream.setAccount('carol', { email: 'carol@example.com', email_verified: true, name: 'Carol', preferred_username: 'carol' });
  idpId = (await registerUpstreamIdp(server, upstream, { name: 'Sleepy Corp' })).id;
  config = await discover(server, await registerApp(server, { identityProviders: [idpId] }));
});
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
});

const DAY = 86_400_000;

describe('upstream liveness after a real sign-in', () => {
  it('keeps a user the IdP signed in recently, and deactivates them once it has not for inactiveAfterDays', async () => {
    const started = await startLogin(config);
    const tokens = await redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, 'carol'));
    const sub = tokens.claims()!.sub;
    const [link] = await rows<{ last_login_at: Date | string | null }>(
      server.ctx.store.db,
      sql`select last_login_at from federated_identities where user_id = ${sub}`,
    );
    expect(link?.last_login_at).toBeTruthy();
    const lastLogin = new Date(link!.last_login_at!);

    const patched = await server.admin('PATCH', `/api/v1/identity-providers/${idpId}`, { inactiveAfterDays: 30 });
    expect(patched.status).toBe(200);

    expect(await runLivenessCheck(server.ctx.store, idpId, { now: new Date(lastLogin.getTime() + 29 * DAY) })).toEqual({
      idpId,
      deactivated: 0,
    });
    expect(await runLivenessCheck(server.ctx.store, idpId, { now: new Date(lastLogin.getTime() + 31 * DAY) })).toEqual({
      idpId,
      deactivated: 1,
    });
    const [user] = await rows<{ active: boolean }>(server.ctx.store.db, sql`select active from users where id = ${sub}`);
    expect(user!.active).toBe(false);
    const audit = (await (await server.admin('GET', `/api/v1/audit-events?action=user.deactivate&targetId=${sub}`)).json()) as {
      items: Array<{ actorType: string; reason: string }>;
    };
    expect(audit.items).toEqual([expect.objectContaining({ actorType: 'system', reason: 'upstream_inactive' })]);
  });
});
