// Every row of DESIGN.md "Provisioning semantics" (1–5, 7, 8's locked links) against a real database, driving
// the core with verified identities. The same rows run through a real upstream login in test/e2e/jit-semantics.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityProvider, ScimUserResource } from '../../src/domain/index.js';
import { provisionLogin, type LoginProvisioning } from '../../src/provisioning/index.js';
import { findIdentityProvider, setLinkLocked, insertUser, updateUser } from '../../src/store/index.js';
import { groupMembers, groups } from '../../src/store/schema/index.js';
import { getUserStoreByDomain, insertUserStore } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditFor, count, createIdp, deps, identity, linksOf, outboxFor, setJitSettings, userById } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'prov_semantics' });
  await insertUserStore(server.ctx.store.db, {
    domain: 'EMPLOYEES',
    description: '',
    usernameRegex: '^[a-z][a-z0-9._-]{2,30}$',
    rolenameRegex: '^[A-Za-z ]+$',
  });
});
afterAll(async () => server?.stop());

const login = (idp: IdentityProvider, subject: string, claims: Record<string, unknown>) =>
  provisionLogin(deps(server), idp, identity(idp, subject, claims));
const userId = (result: LoginProvisioning) => {
  if (result.kind !== 'user') throw new Error(`expected a user, got ${JSON.stringify(result)}`);
  return result.userId;
};
const unique = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** An admin/SCIM-style edit between two logins: change a federated value, add a local attribute. */
async function localEdit(id: string) {
  const user = (await userById(server, id))!;
  const resource: ScimUserResource = { ...user.resource, name: { ...user.resource.name, givenName: 'Edited' }, title: 'Local title' };
  const at = new Date().toISOString();
  await updateUser(server.ctx.store.db, id, {
    resource,
    provenance: {
      ...(user.provenance as object),
      'name.givenName': { source: 'scim', sourceId: 'hr', at },
      title: { source: 'scim', sourceId: 'hr', at },
    },
  });
}

describe('attribute sync across two logins with a local edit between them', () => {
  const claims = (name: string) => ({
    preferred_username: name,
    given_name: 'Ada',
    family_name: 'Lovelace',
    email: `${name}@example.com`,
    department: 'Math',
  });
  // The second login changes the family name and no longer sends the department.
  const second = (name: string) => ({ preferred_username: name, given_name: 'Ada', family_name: 'King', email: `${name}@example.com` });

  it('OVERRIDE_ALL: the user becomes the federated attributes; the locally added title is dropped', async () => {
    const idp = await createIdp(server, { jit: { attributeSyncMethod: 'OVERRIDE_ALL' } });
    const name = unique('ov');
    const id = userId(await login(idp, 's1', claims(name)));
    await localEdit(id);
    expect(await login(idp, 's1', second(name))).toEqual({ kind: 'user', userId: id, outcome: 'updated' });
    const user = (await userById(server, id))!;
    expect(user.resource.title).toBeUndefined();
    expect(user.resource.name).toEqual({ givenName: 'Ada', familyName: 'King' });
    expect(user.resource[ENTERPRISE]).toBeUndefined();
    expect(user.provenance).not.toHaveProperty('title');
    expect(user.provenance).toMatchObject({ 'name.givenName': { source: 'idp', sourceId: idp.id } });
    const [sync] = (await auditFor(server, 'jit.user.sync')).filter((a) => a.targetId === id);
    expect(sync?.reason).toContain('OVERRIDE_ALL');
  });

  it('PRESERVE_LOCAL: federated values update, the locally added title stays, what the IdP stopped sending goes', async () => {
    const idp = await createIdp(server, { jit: { attributeSyncMethod: 'PRESERVE_LOCAL' } });
    const name = unique('pl');
    const id = userId(await login(idp, 's1', claims(name)));
    await localEdit(id);
    expect(await login(idp, 's1', second(name))).toMatchObject({ outcome: 'updated' });
    const user = (await userById(server, id))!;
    expect(user.resource.title).toBe('Local title');
    expect(user.resource.name).toEqual({ givenName: 'Ada', familyName: 'King' });
    expect(user.resource[ENTERPRISE]).toBeUndefined();
    expect(user.provenance).toMatchObject({
      title: { source: 'scim', sourceId: 'hr' },
      'name.familyName': { source: 'idp', sourceId: idp.id },
    });
  });

  it('NONE: nothing changes after the first provisioning', async () => {
    const idp = await createIdp(server, { jit: { attributeSyncMethod: 'NONE' } });
    const name = unique('no');
    const id = userId(await login(idp, 's1', claims(name)));
    await localEdit(id);
    const before = (await userById(server, id))!;
    expect(await login(idp, 's1', second(name))).toEqual({ kind: 'user', userId: id, outcome: 'unchanged' });
    const after = (await userById(server, id))!;
    expect(after.resource).toEqual(before.resource);
    expect(after.version).toBe(before.version);
  });

  it('unset: preserveLocallyAddedClaims decides (false → OVERRIDE_ALL, true → PRESERVE_LOCAL)', async () => {
    const idp = await createIdp(server, { jit: { attributeSyncMethod: null } });
    const name = unique('df');
    const id = userId(await login(idp, 's1', claims(name)));
    await localEdit(id);
    await setJitSettings(server, { preserveLocallyAddedClaims: true });
    try {
      await login(idp, 's1', second(name));
      expect((await userById(server, id))!.resource.title).toBe('Local title');
      await setJitSettings(server, { preserveLocallyAddedClaims: false });
      await login(idp, 's1', claims(name));
      expect((await userById(server, id))!.resource.title).toBeUndefined();
    } finally {
      await setJitSettings(server, {});
    }
  });
});

describe('user store domain', () => {
  it('fixed domain: the user goes to the configured store', async () => {
    const idp = await createIdp(server, { jit: { userstore: 'EMPLOYEES' } });
    const id = userId(await login(idp, 's1', { preferred_username: 'fixed.user' }));
    const user = (await userById(server, id))!;
    expect(user.userStoreId).toBe((await getUserStoreByDomain(server.ctx.store.db, 'EMPLOYEES')).id);
    expect(user.resource.userName).toBe('EMPLOYEES/fixed.user');
  });

  it('AS_IN_USERNAME with an existing domain the IdP may use: that store; unknown or no prefix: PRIMARY', async () => {
    const idp = await createIdp(server, { jit: { userstore: 'AS_IN_USERNAME', allowedUserStores: ['PRIMARY', 'EMPLOYEES'] } });
    const employees = (await getUserStoreByDomain(server.ctx.store.db, 'EMPLOYEES')).id;
    const primary = (await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY')).id;
    const a = (await userById(server, userId(await login(idp, 'a', { preferred_username: 'employees/carol' }))))!;
    expect([a.userStoreId, a.userName, a.resource.userName]).toEqual([employees, 'carol', 'EMPLOYEES/carol']);
    const b = (await userById(server, userId(await login(idp, 'b', { preferred_username: 'NOSUCH/dave' }))))!;
    expect([b.userStoreId, b.userName, b.resource.userName]).toEqual([primary, 'dave', 'dave']);
    const c = (await userById(server, userId(await login(idp, 'c', { preferred_username: 'erin' }))))!;
    expect([c.userStoreId, c.userName]).toEqual([primary, 'erin']);
  });

  it('AS_IN_USERNAME refuses a store the IdP may not provision into (by default only PRIMARY), writing nothing', async () => {
    const idp = await createIdp(server, { jit: { userstore: 'AS_IN_USERNAME' } });
    const users = await count(server, 'users');
    const refused = await login(idp, 'x', { preferred_username: 'EMPLOYEES/mallory' });
    expect(refused).toMatchObject({ kind: 'refused', code: 'user_store_not_allowed' });
    expect((refused as { message: string }).message).toContain('EMPLOYEES');
    expect(await count(server, 'users')).toBe(users);
    expect(await linksOf(server, idp.id)).toHaveLength(0);
    expect((await auditFor(server, 'jit.user.refused')).some((a) => a.actorId === idp.id && a.reason?.includes('allowedUserStores'))).toBe(
      true,
    );
    const plain = (await userById(server, userId(await login(idp, 'y', { preferred_username: unique('plain') }))))!;
    expect(plain.userStoreId).toBe((await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY')).id);
  });

  it('a configured domain that does not exist is refused', async () => {
    const idp = await createIdp(server, { jit: { userstore: 'MISSING' } });
    expect(await login(idp, 's1', { preferred_username: 'zed' })).toMatchObject({ kind: 'refused', code: 'user_store_not_found' });
  });
});

describe('username and role name policy', () => {
  it('a username that breaks the store regex is refused, nothing stored, the refusal audited', async () => {
    const idp = await createIdp(server, { jit: { userstore: 'EMPLOYEES' } });
    const users = await count(server, 'users');
    const result = await login(idp, 's1', { preferred_username: 'Not Valid!' });
    expect(result).toMatchObject({ kind: 'refused', code: 'username_policy' });
    expect(await count(server, 'users')).toBe(users);
    expect(await linksOf(server, idp.id)).toHaveLength(0);
    expect((await auditFor(server, 'jit.user.refused')).some((a) => a.actorId === idp.id && a.reason?.includes('username policy'))).toBe(
      true,
    );
  });

  it('a mapped role that breaks the store role regex is refused, nothing stored', async () => {
    const idp = await createIdp(server, { jit: { userstore: 'EMPLOYEES' }, roleMappings: [{ remote: 'admins', local: 'Admins_2' }] });
    const before = [await count(server, 'users'), await count(server, 'groups')];
    const result = await login(idp, 's1', { preferred_username: 'rolecheck', groups: ['admins'] });
    expect(result).toMatchObject({ kind: 'refused', code: 'rolename_policy' });
    expect([await count(server, 'users'), await count(server, 'groups')]).toEqual(before);
  });
});

describe('role mappings → group memberships', () => {
  it('creates missing groups, adds memberships, removes them when the role goes, ignores unmapped roles', async () => {
    const idp = await createIdp(server, {
      roleMappings: [
        { remote: 'eng', local: unique('Engineering') },
        { remote: 'ops', local: unique('Operations') },
      ],
    });
    const [eng, ops] = idp.roleMappings.map((m) => m.local);
    const id = userId(await login(idp, 's1', { preferred_username: unique('grp'), groups: ['eng', 'ops', 'unmapped'] }));
    const memberships = async () =>
      (
        await server.ctx.store.db
          .select({ name: groups.displayName })
          .from(groupMembers)
          .innerJoin(groups, eq(groups.id, groupMembers.groupId))
          .where(eq(groupMembers.memberId, id))
      )
        .map((r) => r.name)
        .sort();
    expect(await memberships()).toEqual([eng, ops].sort());
    expect((await auditFor(server, 'jit.group.create')).filter((a) => a.actorId === idp.id)).toHaveLength(2);
    await login(idp, 's1', { preferred_username: 'ignored-on-return', groups: ['eng'] });
    expect(await memberships()).toEqual([eng]);
  });
});

describe('association with existing local users', () => {
  const primaryId = async () => (await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY')).id;
  async function localUser(userName: string, email?: string) {
    return insertUser(server.ctx.store.db, {
      userStoreId: await primaryId(),
      userName,
      resource: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        ...(email ? { emails: [{ value: email, primary: true }] } : {}),
        title: 'Local',
      },
      provenance: { title: { source: 'admin', sourceId: null, at: new Date().toISOString() } },
    });
  }

  it('association off: a taken username is refused and audited (jit.link.refused), nothing stored', async () => {
    const idp = await createIdp(server);
    const name = unique('taken');
    await localUser(name);
    expect(await login(idp, 's1', { preferred_username: name })).toMatchObject({ kind: 'refused', code: 'username_taken' });
    expect(await linksOf(server, idp.id)).toHaveLength(0);
    expect((await auditFor(server, 'jit.link.refused')).some((a) => a.actorId === idp.id)).toBe(true);
  });

  it('associateLocalUser or the server setting no longer link by username: preferred_username=ADMIN does not take over admin', async () => {
    const name = unique('admin');
    const local = await localUser(name, `${name}@corp.example`);
    const before = (await userById(server, local.id))!;
    const idp = await createIdp(server, { jit: { associateLocalUser: true, attributeSyncMethod: 'OVERRIDE_ALL' } });
    // An IdP row stored before associateByUsername existed reads as off.
    await server.ctx.store.db.execute(
      sql`update identity_providers set jit = jit - 'associateByUsername' - 'allowedUserStores' where id = ${idp.id}`,
    );
    const stored = (await findIdentityProvider(server.ctx.store.db, idp.id))!;
    expect(stored.jit).toMatchObject({ associateLocalUser: true, associateByUsername: false, allowedUserStores: ['PRIMARY'] });
    await setJitSettings(server, { associatingToExistingUser: true });
    try {
      const claims = { preferred_username: name.toUpperCase(), email: 'attacker@evil.example' };
      expect(await login(stored, 'attacker', claims)).toMatchObject({ kind: 'refused', code: 'username_taken' });
      expect(await linksOf(server, idp.id)).toHaveLength(0);
      expect(await userById(server, local.id)).toEqual(before);
      expect(
        (await auditFor(server, 'jit.link.refused')).some((a) => a.actorId === idp.id && a.reason?.includes('associateByUsername')),
      ).toBe(true);
    } finally {
      await setJitSettings(server, {});
    }
  });

  it('associateByUsername on: same username links to the local user, audited with the rule', async () => {
    const idp = await createIdp(server, { jit: { associateByUsername: true, attributeSyncMethod: 'PRESERVE_LOCAL' } });
    const name = unique('assoc');
    const local = await localUser(name);
    expect(await login(idp, 's1', { preferred_username: name.toUpperCase(), given_name: 'Linked', email: 'x@unverified.example' })).toEqual(
      {
        kind: 'user',
        userId: local.id,
        outcome: 'linked',
      },
    );
    const user = (await userById(server, local.id))!;
    expect(user.resource).toMatchObject({ title: 'Local', name: { givenName: 'Linked' } });
    const [link] = (await auditFor(server, 'jit.user.link')).filter((a) => a.targetId === local.id);
    expect(link?.reason).toContain('by username');
    expect(link?.details).toMatchObject({ by: 'username', rule: 'username' });
    expect((await outboxFor(server, local.id)).map((e) => e.eventType)).toEqual(['update']);
  });

  it('association on (server associatingToExistingUser): an unverified email is refused, a verified one links', async () => {
    const idp = await createIdp(server);
    const email = `${unique('mail')}@example.com`;
    const local = await localUser(unique('owner'), email);
    await setJitSettings(server, { associatingToExistingUser: true });
    try {
      const users = await count(server, 'users');
      expect(await login(idp, 'attacker', { preferred_username: unique('other'), email })).toMatchObject({
        kind: 'refused',
        code: 'email_not_verified',
      });
      expect(await login(idp, 'attacker', { preferred_username: unique('other'), email, email_verified: 'false' })).toMatchObject({
        kind: 'refused',
        code: 'email_not_verified',
      });
      expect(await count(server, 'users')).toBe(users);
      expect(await linksOf(server, idp.id)).toHaveLength(0);
      expect(
        (await auditFor(server, 'jit.link.refused')).filter((a) => a.actorId === idp.id && a.reason?.includes('did not verify')),
      ).toHaveLength(2);
      expect(await login(idp, 'owner', { preferred_username: unique('other'), email, email_verified: true })).toEqual({
        kind: 'user',
        userId: local.id,
        outcome: 'linked',
      });
      const [link] = (await auditFor(server, 'jit.user.link')).filter((a) => a.targetId === local.id);
      expect(link?.details).toMatchObject({ by: 'email', rule: 'verified_email' });
    } finally {
      await setJitSettings(server, {});
    }
  });

  it('an IdP trusted for email links by email without email_verified', async () => {
    const idp = await createIdp(server, { trustEmail: true, jit: { associateLocalUser: true } });
    const email = `${unique('trusted')}@example.com`;
    const local = await localUser(unique('tr'), email);
    expect(await login(idp, 's1', { preferred_username: unique('x'), email: email.toUpperCase() })).toEqual({
      kind: 'user',
      userId: local.id,
      outcome: 'linked',
    });
  });

  it('association off: the same email does not link; a separate user is created', async () => {
    const idp = await createIdp(server);
    const email = `${unique('sep')}@example.com`;
    const local = await localUser(unique('sepo'), email);
    const result = await login(idp, 's1', { preferred_username: unique('sepn'), email, email_verified: true });
    expect(result).toMatchObject({ kind: 'user', outcome: 'created' });
    expect(userId(result)).not.toBe(local.id);
  });
});

describe('locked links and users', () => {
  it('a locked link is refused; unlocked, the login goes on', async () => {
    const idp = await createIdp(server);
    const id = userId(await login(idp, 's1', { preferred_username: unique('lock') }));
    const [link] = await linksOf(server, idp.id);
    await setLinkLocked(server.ctx.store.db, link!.id, true);
    expect(await login(idp, 's1', {})).toMatchObject({ kind: 'refused', code: 'link_locked' });
    await setLinkLocked(server.ctx.store.db, link!.id, false);
    expect(await login(idp, 's1', { preferred_username: 'x' })).toMatchObject({ kind: 'user', userId: id });
  });

  it('a locked user is refused', async () => {
    const idp = await createIdp(server);
    const id = userId(await login(idp, 's1', { preferred_username: unique('lockedu') }));
    await updateUser(server.ctx.store.db, id, { locked: true, lockedReason: 'test' });
    expect(await login(idp, 's1', {})).toMatchObject({ kind: 'refused', code: 'user_locked' });
  });
});

describe('claims from SAML and the enhanced feature', () => {
  it('maps multi-valued SAML attributes and URN attribute names', async () => {
    const idp = await createIdp(server, {
      protocol: 'saml',
      claimMappings: [
        { remote: 'uid', local: 'userName' },
        { remote: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', local: 'emails' },
        { remote: 'mobile', local: 'phoneNumbers[type eq "mobile"].value' },
        { remote: 'employeeNumber', local: `${ENTERPRISE}:employeeNumber` },
      ],
    });
    const id = userId(
      await login(idp, 'nameid-1', {
        uid: [unique('saml')],
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['a@example.com', 'b@example.com'],
        mobile: ['+1 555 0100'],
        employeeNumber: ['42'],
      }),
    );
    const user = (await userById(server, id))!;
    expect(user.resource.emails).toEqual([{ value: 'a@example.com' }, { value: 'b@example.com' }]);
    expect(user.resource.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(user.resource[ENTERPRISE]).toEqual({ employeeNumber: '42' });
    expect(user.emailValues).toEqual(['a@example.com', 'b@example.com']);
  });

  it('enhanced feature: the username is a generated federated unique id', async () => {
    const idp = await createIdp(server);
    await setJitSettings(server, { enhancedFeature: true });
    try {
      const user = (await userById(server, userId(await login(idp, 's1', { preferred_username: 'ignored' }))))!;
      expect(user.userName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    } finally {
      await setJitSettings(server, {});
    }
  });
});

describe('concurrency', () => {
  it('50 simultaneous first logins of one identity make exactly one user and one link', async () => {
    const idp = await createIdp(server);
    const name = unique('race');
    const results = await Promise.all(
      Array.from({ length: 50 }, () => login(idp, 'racer', { preferred_username: name, given_name: 'Race' })),
    );
    const ids = new Set(results.map(userId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.kind === 'user' && r.outcome === 'created')).toHaveLength(1);
    expect(await linksOf(server, idp.id)).toHaveLength(1);
    expect((await auditFor(server, 'jit.user.create')).filter((a) => a.actorId === idp.id)).toHaveLength(1);
  });

  it('the same with generated usernames (only the link uniqueness stops the second user)', async () => {
    const idp = await createIdp(server);
    await setJitSettings(server, { enhancedFeature: true });
    try {
      const users = await count(server, 'users');
      const results = await Promise.all(Array.from({ length: 20 }, () => login(idp, 'racer2', {})));
      expect(new Set(results.map(userId)).size).toBe(1);
      expect(await count(server, 'users')).toBe(users + 1);
    } finally {
      await setJitSettings(server, {});
    }
  });
});
