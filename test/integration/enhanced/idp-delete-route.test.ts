// DELETE /api/v1/identity-providers/:id with the lifecycle choices: dryRun preview, users=detach|disable|delete,
// the threshold and force, the enhanced feature's cascade; audited with the admin who did it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../../src/domain/index.js';
import { federatedIdentities } from '../../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../../src/store/user-stores-repo.js';
import { findUserById, insertUser } from '../../../src/store/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'idp_delete_route' });
});
afterAll(async () => server?.stop());

const json = async <T>(response: Response) => (await response.json()) as T;

/** An IdP made through the admin API, with `n` users it JIT-provisioned (inserted through the repos). */
async function idpWithUsers(name: string, n: number) {
  const response = await server.admin('POST', '/api/v1/identity-providers', {
    name,
    protocol: 'oidc',
    oidc: { issuer: `http://127.0.0.1:9/${name}`, clientId: 'jb', clientSecret: 'x' },
  });
  expect(response.status).toBe(201);
  const { id } = await json<{ id: string }>(response);
  const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
  const users: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const userName = `${name}-${i}`;
    const user = await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName,
      resource: { schemas: [SCIM_USER_SCHEMA], userName, active: true },
      jitIdpId: id,
    });
    await server.ctx.store.db.insert(federatedIdentities).values({ idpId: id, subject: `s-${i}`, userId: user.id });
    users.push(user.id);
  }
  return { id, users };
}

const del = (id: string, query = '') => server.admin('DELETE', `/api/v1/identity-providers/${id}${query}`);

describe('DELETE /api/v1/identity-providers/:id', () => {
  it('previews with dryRun=true and changes nothing; then detaches by default', async () => {
    const { id, users } = await idpWithUsers('route-detach', 2);
    const preview = await del(id, '?dryRun=true');
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({
      identityProviderId: id,
      dryRun: true,
      deleted: false,
      users: 'detach',
      affectedUsers: 0,
      counts: { usersKept: 2, federatedIdentities: 2 },
    });
    expect((await server.admin('GET', `/api/v1/identity-providers/${id}`)).status).toBe(200);
    expect((await del(id)).status).toBe(204);
    expect((await server.admin('GET', `/api/v1/identity-providers/${id}`)).status).toBe(404);
    for (const user of users) expect(await findUserById(server.ctx.store.db, user)).toMatchObject({ active: true, jitIdpId: null });
  });

  it('disables with users=disable, and needs force past the threshold', async () => {
    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { idpDeleteThreshold: 1 } })).status).toBe(200);
    const { id, users } = await idpWithUsers('route-disable', 2);
    const refused = await del(id, '?users=disable');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'idp_delete_force_required' });
    expect(await findUserById(server.ctx.store.db, users[0]!)).toMatchObject({ active: true });
    expect((await del(id, '?users=disable&force=true')).status).toBe(204);
    for (const user of users) expect(await findUserById(server.ctx.store.db, user)).toMatchObject({ active: false });
    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { idpDeleteThreshold: null } })).status).toBe(200);
  });

  it('deletes the JIT users with the enhanced feature on, audited with the admin', async () => {
    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: true } })).status).toBe(200);
    const { id, users } = await idpWithUsers('route-enhanced', 2);
    expect(await json(await del(id, '?dryRun=true'))).toMatchObject({ enhancedFeature: true, users: 'delete', affectedUsers: 2 });
    const refused = await del(id, '?users=detach');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'idp_delete_mode_not_available' });
    expect((await del(id)).status).toBe(204);
    for (const user of users) expect(await findUserById(server.ctx.store.db, user)).toBeUndefined();
    const audit = await json<{ items: Array<{ action: string; actorType: string; targetId: string }> }>(
      await server.admin('GET', `/api/v1/audit-events?action=identity_provider.delete&targetId=${id}`),
    );
    expect(audit.items).toEqual([expect.objectContaining({ actorType: 'admin' })]);
    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: false } })).status).toBe(200);
  });

  it('refuses an unknown users value, and answers 404 for an unknown IdP', async () => {
    const { id } = await idpWithUsers('route-bad', 0);
    expect((await del(id, '?users=shred')).status).toBe(400);
    expect((await del('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
