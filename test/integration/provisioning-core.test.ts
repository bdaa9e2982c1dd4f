// The provisioning core against a real database: first login creates, second login syncs, JIT off passes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { applyPlan, planLogin, provisionLogin, ProvisioningRace } from '../../src/provisioning/index.js';
import { updateUser } from '../../src/store/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditFor, count, createIdp, deps, identity, linksOf, outboxFor, userById } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'prov_core' });
});
afterAll(async () => server?.stop());

describe('first login and returning login', () => {
  it('creates a user with link, audit and outbox event, then recognises the identity', async () => {
    const idp = await createIdp(server);
    const claims = {
      preferred_username: 'alice',
      given_name: 'Alice',
      family_name: 'Liddell',
      email: 'alice@example.com',
      department: 'R&D',
    };
    const first = await provisionLogin(deps(server), idp, identity(idp, 'sub-alice', claims));
    expect(first).toMatchObject({ kind: 'user', outcome: 'created' });
    if (first.kind !== 'user') throw new Error('unreachable');
    const user = await userById(server, first.userId);
    expect(user?.userName).toBe('alice');
    expect(user?.resource).toMatchObject({
      userName: 'alice',
      name: { givenName: 'Alice', familyName: 'Liddell' },
      emails: [{ type: 'work', value: 'alice@example.com' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
    });
    expect(user?.provenance).toMatchObject({ 'name.givenName': { source: 'idp', sourceId: idp.id } });
    expect(user?.jitIdpId).toBe(idp.id);
    expect(await linksOf(server, idp.id)).toHaveLength(1);
    expect((await auditFor(server, 'jit.user.create')).filter((a) => a.targetId === first.userId)).toHaveLength(1);
    expect((await outboxFor(server, first.userId)).map((e) => e.eventType)).toEqual(['create']);

    const again = await provisionLogin(deps(server), idp, identity(idp, 'sub-alice', claims));
    expect(again).toMatchObject({ kind: 'user', userId: first.userId, outcome: 'unchanged' });
    const changed = await provisionLogin(deps(server), idp, identity(idp, 'sub-alice', { ...claims, given_name: 'Alicia' }));
    expect(changed).toEqual({ kind: 'user', userId: first.userId, outcome: 'updated' });
    expect((await userById(server, first.userId))?.resource.name?.givenName).toBe('Alicia');
    expect((await outboxFor(server, first.userId)).map((e) => e.eventType)).toEqual(['create', 'update']);

    const metrics = await server.ctx.metrics.registry.metrics();
    for (const outcome of ['created', 'unchanged', 'updated'])
      expect(metrics).toContain(`jit_provisioning_total{idp="${idp.id}",outcome="${outcome}"} 1`);
    const audits = await server.admin('GET', `/api/v1/audit-events?targetId=${first.userId}`);
    const actions = ((await audits.json()) as { items: Array<{ action: string; reason: string }> }).items.map((a) => a.action);
    expect(actions).toEqual(['jit.user.sync', 'jit.user.sync', 'jit.user.create']);
  });

  it('JIT disabled: stores nothing and hands on the mapped claims', async () => {
    const idp = await createIdp(server, { jit: { isEnabled: false } });
    const before = await count(server, 'users');
    const result = await provisionLogin(
      deps(server),
      idp,
      identity(idp, 'sub-bob', { preferred_username: 'bob', email: 'bob@example.com' }),
    );
    // No email_verified claim and no trustEmail: the app is told the email is not verified.
    expect(result).toEqual({
      kind: 'passthrough',
      claims: { userName: 'bob', emails: [{ type: 'work', value: 'bob@example.com' }], email_verified: false },
    });
    expect(await count(server, 'users')).toBe(before);
    expect(await linksOf(server, idp.id)).toHaveLength(0);
  });
});

describe('applyPlan on a plan the database no longer matches', () => {
  it('writes nothing when the username was taken since planning, and the login plans again', async () => {
    const idp = await createIdp(server);
    const login = (subject: string, name: string) => identity(idp, subject, { preferred_username: name });
    const stale = await planLogin(deps(server), idp, login('two', 'taken.name'));
    expect(stale.decision).toBe('create');
    const first = await provisionLogin(deps(server), idp, login('one', 'taken.name'));
    expect(first).toMatchObject({ kind: 'user', outcome: 'created' });
    if (first.kind !== 'user') throw new Error('unreachable');
    const [created] = await outboxFor(server, first.userId);
    expect(created).toMatchObject({ eventType: 'create', resourceVersion: 1 });
    expect(created!.payload).toEqual({ id: first.userId, schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'taken.name' });
    const before = [await count(server, 'users'), await count(server, 'federated_identities')];
    await expect(server.ctx.store.transaction((tx) => applyPlan(tx, stale))).rejects.toBeInstanceOf(ProvisioningRace);
    expect([await count(server, 'users'), await count(server, 'federated_identities')]).toEqual(before);
  });

  it('writes nothing when the user changed since planning (version moved)', async () => {
    const idp = await createIdp(server);
    const login = (given: string) => identity(idp, 'ver-1', { preferred_username: 'versioned', given_name: given });
    const result = await provisionLogin(deps(server), idp, login('V'));
    if (result.kind !== 'user') throw new Error('expected a user');
    const plan = await planLogin(deps(server), idp, login('W'));
    expect(plan).toMatchObject({ decision: 'link_found', outcome: 'updated' });
    const user = (await userById(server, result.userId))!;
    await updateUser(server.ctx.store.db, user.id, { resource: { ...user.resource, title: 'Local' } }, user.version);
    const events = (await outboxFor(server, user.id)).length;
    const [link] = await linksOf(server, idp.id);
    await expect(server.ctx.store.transaction((tx) => applyPlan(tx, plan))).rejects.toBeInstanceOf(ProvisioningRace);
    expect((await userById(server, user.id))!.version).toBe(user.version + 1);
    expect((await linksOf(server, idp.id))[0]!.lastClaims).toEqual(link!.lastClaims);
    expect((await outboxFor(server, user.id)).length).toBe(events);
    // Planned again, it applies: the update event carries the user with its id, at the new version.
    expect(await provisionLogin(deps(server), idp, login('W'))).toMatchObject({ outcome: 'updated' });
    const update = (await outboxFor(server, user.id)).find((e) => e.resourceVersion === user.version + 2);
    expect(update).toMatchObject({ eventType: 'update', userStoreId: user.userStoreId });
    expect(update!.payload).toMatchObject({ id: user.id, name: { givenName: 'W' } });
  });
});
