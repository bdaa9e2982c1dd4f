// The provisioning core against a real database: first login creates, second login syncs, JIT off passes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { provisionLogin } from '../../src/provisioning/index.js';
import { insertFirstLogin, updateReturningLogin } from '../../src/store/index.js';
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

describe('the one-statement first-login write', () => {
  it('writes nothing when the username was taken since planning (the foreign key undoes the link)', async () => {
    const idp = await createIdp(server);
    const storeId = (await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY')).id;
    const write = (subject: string, userName: string) => {
      const id = randomUUID();
      return insertFirstLogin(server.ctx.store.db, {
        user: { id, userStoreId: storeId, userName, resource: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName } },
        link: { idpId: idp.id, subject, userId: id },
        audit: { actorType: 'idp', actorId: idp.id, action: 'jit.user.create', outcome: 'success' },
      });
    };
    expect(await write('one', 'taken.name')).toBe('created');
    const [created] = (await outboxFor(server, (await linksOf(server, idp.id))[0]!.userId)).map((e) => ({ ...e }));
    expect(created).toMatchObject({ eventType: 'create', resourceVersion: 1, userStoreId: storeId });
    expect(created!.payload).toEqual({
      id: created!.resourceId,
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'taken.name',
    });
    const before = [await count(server, 'users'), await count(server, 'federated_identities')];
    expect(await write('two', 'TAKEN.name')).toBe('stale');
    expect(await write('one', 'other.name')).toBe('stale');
    expect([await count(server, 'users'), await count(server, 'federated_identities')]).toEqual(before);
  });
});

describe('the one-statement returning-login write', () => {
  it('writes nothing when the user changed since planning (version moved)', async () => {
    const idp = await createIdp(server);
    const result = await provisionLogin(deps(server), idp, identity(idp, 'ver-1', { preferred_username: 'versioned', given_name: 'V' }));
    if (result.kind !== 'user') throw new Error('expected a user');
    const user = (await userById(server, result.userId))!;
    const [link] = await linksOf(server, idp.id);
    const write = (expectedVersion: number) =>
      updateReturningLogin(server.ctx.store.db, {
        userId: user.id,
        expectedVersion,
        changes: { resource: { ...user.resource, title: 'New' }, provenance: {} },
        linkId: link!.id,
        lastClaims: { changed: true },
        audit: { actorType: 'idp', actorId: idp.id, action: 'jit.user.sync', targetType: 'user', targetId: user.id, outcome: 'success' },
      });
    const events = (await outboxFor(server, user.id)).length;
    expect(await write(user.version + 5)).toBe('stale');
    expect((await userById(server, user.id))!.version).toBe(user.version);
    expect((await linksOf(server, idp.id))[0]!.lastClaims).not.toEqual({ changed: true });
    expect((await outboxFor(server, user.id)).length).toBe(events);
    expect(await write(user.version)).toBe('updated');
    expect((await userById(server, user.id))!).toMatchObject({ version: user.version + 1, resource: { title: 'New' } });
    const update = (await outboxFor(server, user.id)).find((e) => e.resourceVersion === user.version + 1);
    expect(update).toMatchObject({ eventType: 'update', userStoreId: user.userStoreId });
    expect(update!.payload).toEqual({ id: user.id, ...user.resource, title: 'New' });
  });
});
