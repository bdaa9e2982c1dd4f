// /api/v1/users/{id}/mfa: an admin sees a user's TOTP state and resets it; audited; no secret is shown.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../../src/domain/index.js';
import { beginTotpEnrolment, confirmTotpEnrolment, verifyTotp } from '../../../src/accounts/index.js';
import { getUserStoreByDomain } from '../../../src/store/user-stores-repo.js';
import { insertUser } from '../../../src/store/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'user_mfa_admin' });
});
afterAll(async () => server?.stop());

describe('/api/v1/users/{id}/mfa', () => {
  it('shows the TOTP state without secrets, resets it (audited), and answers 404s', async () => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    const user = await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'mfa-admin-alice',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'mfa-admin-alice' },
    });
    const now = new Date();
    const { secret } = await beginTotpEnrolment(server.ctx.store, user.id, { issuer: 'x', now });
    await confirmTotpEnrolment(server.ctx.store, user.id, await generate({ secret, epoch: Math.floor(now.getTime() / 1000) }), { now });

    const status = await server.admin('GET', `/api/v1/users/${user.id}/mfa`);
    expect(status.status).toBe(200);
    const body = await status.text();
    expect(JSON.parse(body)).toEqual({ totp: { enrolled: true, confirmedAt: expect.any(String), pending: false, recoveryCodesLeft: 10 } });
    expect(body).not.toContain(secret);

    expect((await server.admin('DELETE', `/api/v1/users/${user.id}/mfa/totp`)).status).toBe(204);
    expect(await (await server.admin('GET', `/api/v1/users/${user.id}/mfa`)).json()).toEqual({
      totp: { enrolled: false, confirmedAt: null, pending: false, recoveryCodesLeft: 0 },
    });
    expect(await verifyTotp(server.ctx.store, user.id, '123456')).toEqual({ ok: false, reason: 'not_enrolled' });
    const audit = (await (await server.admin('GET', `/api/v1/audit-events?action=mfa.totp.remove&targetId=${user.id}`)).json()) as {
      items: Array<{ actorType: string }>;
    };
    expect(audit.items).toEqual([expect.objectContaining({ actorType: 'admin' })]);

    const again = await server.admin('DELETE', `/api/v1/users/${user.id}/mfa/totp`);
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'totp_not_enrolled' });
    expect((await server.admin('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000/mfa')).status).toBe(404);
  });
});
