// Every JIT provisioning rule (DESIGN.md "Provisioning semantics") through a real upstream login: a real
// oidc-provider on a loopback port, jitbridge's OIDC connector, the federation edge, then the provisioning core.
// Identity providers, user stores and link locks are configured through the admin API.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIT_PROVISION_QUEUE, provisioningJobHandler } from '../../src/provisioning/index.js';
import { rows } from '../../src/store/database.js';
import { JobWorker } from '../../src/background/job-worker.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { insertUser, updateUser } from '../../src/store/index.js';
import type { ScimUserResource } from '../../src/domain/index.js';
import { federatedLogin } from '../support/federated-login.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.js';
import { startUpstreamOp, type UpstreamOp } from '../support/upstream-op.js';

let server: TestServer;
let upstream: UpstreamOp;
let samlIdp: TestSamlIdp;
let clients = 0;

beforeAll(async () => {
  [server, upstream, samlIdp] = await Promise.all([
    startTestServer({ label: 'jit_e2e' }),
    startUpstreamOp({ claimsIn: 'userinfo' }),
    startSamlIdp(),
  ]);
  const store = await server.admin('POST', '/api/v1/user-stores', {
    domain: 'EMPLOYEES',
    usernameRegex: '^[a-z][a-z0-9.]{2,30}$',
    rolenameRegex: '^[A-Za-z ]+$',
  });
  expect(store.status).toBe(201);
});
afterAll(async () => Promise.all([server?.stop(), upstream?.stop(), samlIdp?.stop()]));

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const MAPPINGS = [
  { remote: 'preferred_username', local: 'userName' },
  { remote: 'given_name', local: 'name.givenName' },
  { remote: 'family_name', local: 'name.familyName' },
  { remote: 'email', local: 'emails[type eq "work"].value' },
  { remote: 'locale', local: `${ENTERPRISE}:department` },
  { remote: 'groups', local: 'groups' },
];

/** An IdP at the real upstream OP, configured through the admin API; its own client at the upstream. */
async function idp(
  options: { jit?: Record<string, unknown>; trustEmail?: boolean; roleMappings?: Array<{ remote: string; local: string }> } = {},
): Promise<string> {
  const clientId = `bridge-${++clients}`;
  const response = await server.admin('POST', '/api/v1/identity-providers', {
    name: `Upstream ${clientId}`,
    protocol: 'oidc',
    trustEmail: options.trustEmail ?? false,
    oidc: { issuer: upstream.issuer, clientId, clientSecret: 'bridge-secret-0123456789', scopes: ['openid', 'email', 'profile', 'groups'] },
    claimMappings: MAPPINGS,
    roleMappings: options.roleMappings ?? [],
    provisioning: { jit: options.jit ?? {} },
  });
  const body = (await response.json()) as { id: string; oidc: { redirectUri: string } };
  expect(response.status, JSON.stringify(body)).toBe(201);
  upstream.addClient({ clientId, clientSecret: 'bridge-secret-0123456789', redirectUri: body.oidc.redirectUri });
  return body.id;
}

const login = async (idpId: string, account: string) => (await federatedLogin(server, { idpId, login: account })).result;
const user = async (id: string) => {
  const [row] = await rows<{
    user_name: string;
    user_store_id: string;
    resource: ScimUserResource;
    provenance: Record<string, { source: string }>;
  }>(server.ctx.store.db, sql`select user_name, user_store_id, resource, provenance from users where id = ${id}`);
  return row;
};
const count = async (what: string) =>
  (await rows<{ n: number }>(server.ctx.store.db, sql.raw(`select count(*)::int as n from ${what}`)))[0]!.n;
const primaryStoreId = async () => (await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY')).id;

/** An admin/SCIM-style local edit: a federated value changed and a local attribute added, with provenance. */
async function localEdit(id: string) {
  const current = (await user(id))!;
  const at = new Date().toISOString();
  await updateUser(server.ctx.store.db, id, {
    resource: { ...current.resource, name: { ...current.resource.name, givenName: 'Edited' }, title: 'Local title' },
    provenance: {
      ...(current.provenance as object),
      'name.givenName': { source: 'scim', sourceId: 'hr', at },
      title: { source: 'scim', sourceId: 'hr', at },
    } as never,
  });
}

describe('attribute sync: two real logins with a local edit between them', () => {
  const account = (login: string) =>
    upstream.setAccount(login, {
      preferred_username: login,
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: `${login}@example.com`,
      email_verified: true,
      locale: 'Math',
    });

  it('OVERRIDE_ALL', async () => {
    const idpId = await idp({ jit: { attributeSyncMethod: 'OVERRIDE_ALL' } });
    account('ov.user');
    const first = await login(idpId, 'ov.user');
    await localEdit(first.userId!);
    upstream.updateClaims('ov.user', { family_name: 'King', locale: undefined });
    const second = await login(idpId, 'ov.user');
    expect(second.userId).toBe(first.userId);
    const after = (await user(first.userId!))!.resource;
    expect(after.title).toBeUndefined();
    expect(after.name).toEqual({ givenName: 'Ada', familyName: 'King' });
    expect(after[ENTERPRISE]).toBeUndefined();
  });

  it('PRESERVE_LOCAL', async () => {
    const idpId = await idp({ jit: { attributeSyncMethod: 'PRESERVE_LOCAL' } });
    account('pl.user');
    const first = await login(idpId, 'pl.user');
    await localEdit(first.userId!);
    upstream.updateClaims('pl.user', { family_name: 'King', locale: undefined });
    await login(idpId, 'pl.user');
    const after = (await user(first.userId!))!;
    expect(after.resource.title).toBe('Local title');
    expect(after.resource.name).toEqual({ givenName: 'Ada', familyName: 'King' });
    expect(after.resource[ENTERPRISE]).toBeUndefined();
    expect(after.provenance.title?.source).toBe('scim');
  });

  it('NONE', async () => {
    const idpId = await idp({ jit: { attributeSyncMethod: 'NONE' } });
    account('none.user');
    const first = await login(idpId, 'none.user');
    await localEdit(first.userId!);
    const before = (await user(first.userId!))!.resource;
    upstream.updateClaims('none.user', { family_name: 'King' });
    await login(idpId, 'none.user');
    expect((await user(first.userId!))!.resource).toEqual(before);
  });

  it('unset: preserveLocallyAddedClaims decides', async () => {
    const idpId = await idp({ jit: { attributeSyncMethod: null } });
    account('df.user');
    const first = await login(idpId, 'df.user');
    await localEdit(first.userId!);
    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { preserveLocallyAddedClaims: true } })).status).toBe(200);
    try {
      await login(idpId, 'df.user');
      expect((await user(first.userId!))!.resource.title).toBe('Local title');
    } finally {
      await server.admin('PATCH', '/api/v1/settings', { jit: { preserveLocallyAddedClaims: false } });
    }
    await login(idpId, 'df.user');
    expect((await user(first.userId!))!.resource.title).toBeUndefined();
  });
});

describe('user store domain and policy', () => {
  it('AS_IN_USERNAME: an existing domain prefix picks that store; an unknown one falls back to PRIMARY', async () => {
    const idpId = await idp({ jit: { userstore: 'AS_IN_USERNAME', allowedUserStores: ['PRIMARY', 'EMPLOYEES'] } });
    upstream.setAccount('carol', { preferred_username: 'EMPLOYEES/carol' });
    upstream.setAccount('dave', { preferred_username: 'NOSUCH/dave' });
    const carol = (await user((await login(idpId, 'carol')).userId!))!;
    expect([carol.user_store_id, carol.user_name, carol.resource.userName]).toEqual([
      (await getUserStoreByDomain(server.ctx.store.db, 'EMPLOYEES')).id,
      'carol',
      'EMPLOYEES/carol',
    ]);
    const dave = (await user((await login(idpId, 'dave')).userId!))!;
    expect([dave.user_store_id, dave.user_name]).toEqual([await primaryStoreId(), 'dave']);
  });

  it('a username against the store regex: refused, nothing stored', async () => {
    const idpId = await idp({ jit: { userstore: 'EMPLOYEES' } });
    upstream.setAccount('bad', { preferred_username: 'Bad Name!' });
    const users = await count('users');
    const result = await login(idpId, 'bad');
    expect(result).toMatchObject({ outcome: 'failure', errorCode: 'username_policy', userId: null });
    expect(await count('users')).toBe(users);
    expect(await count(`federated_identities where idp_id = '${idpId}'`)).toBe(0);
  });

  it('a role against the store role regex: refused, nothing stored; a valid one becomes a group membership', async () => {
    const bad = await idp({ jit: { userstore: 'EMPLOYEES' }, roleMappings: [{ remote: 'admins', local: 'Admins_2' }] });
    upstream.setAccount('role.bad', { preferred_username: 'role.bad', groups: ['admins'] });
    expect(await login(bad, 'role.bad')).toMatchObject({ outcome: 'failure', errorCode: 'rolename_policy' });
    const good = await idp({ jit: { userstore: 'EMPLOYEES' }, roleMappings: [{ remote: 'admins', local: 'Admins' }] });
    upstream.setAccount('role.good', { preferred_username: 'role.good', groups: ['admins'] });
    const result = await login(good, 'role.good');
    expect(
      await count(
        `group_members m join groups g on g.id = m.group_id where g.display_name = 'Admins' and m.member_id = '${result.userId}'`,
      ),
    ).toBe(1);
  });
});

describe('association with local users', () => {
  async function localUser(userName: string, email: string) {
    return insertUser(server.ctx.store.db, {
      userStoreId: await primaryStoreId(),
      userName,
      resource: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, emails: [{ value: email, primary: true }] },
    });
  }

  it('off: the same username is refused and audited', async () => {
    const idpId = await idp();
    await localUser('frank', 'frank@example.com');
    upstream.setAccount('frank', { preferred_username: 'frank' });
    expect(await login(idpId, 'frank')).toMatchObject({ outcome: 'failure', errorCode: 'username_taken' });
    const audit = (await (await server.admin('GET', '/api/v1/audit-events?action=jit.link.refused')).json()) as {
      items: Array<{ actorId: string }>;
    };
    expect(audit.items.some((a) => a.actorId === idpId)).toBe(true);
  });

  it('on for usernames (associateByUsername): the same username links', async () => {
    const idpId = await idp({ jit: { associateByUsername: true } });
    const local = await localUser('grace', 'grace@example.com');
    upstream.setAccount('grace', { preferred_username: 'grace' });
    expect(await login(idpId, 'grace')).toMatchObject({ outcome: 'success', userId: local.id });
  });

  it('on: an unverified email is refused; a verified email links', async () => {
    const idpId = await idp({ jit: { associateLocalUser: true } });
    const local = await localUser('heidi.local', 'heidi@example.com');
    upstream.setAccount('heidi', { preferred_username: 'heidi', email: 'heidi@example.com', email_verified: false });
    expect(await login(idpId, 'heidi')).toMatchObject({ outcome: 'failure', errorCode: 'email_not_verified' });
    expect(await count(`federated_identities where idp_id = '${idpId}'`)).toBe(0);
    upstream.updateClaims('heidi', { email_verified: true });
    expect(await login(idpId, 'heidi')).toMatchObject({ outcome: 'success', userId: local.id });
  });

  it('an IdP trusted for email links without email_verified', async () => {
    const idpId = await idp({ trustEmail: true, jit: { associateLocalUser: true } });
    const local = await localUser('ivan.local', 'ivan@example.com');
    upstream.setAccount('ivan', { preferred_username: 'ivan', email: 'ivan@example.com' });
    expect(await login(idpId, 'ivan')).toMatchObject({ outcome: 'success', userId: local.id });
  });
});

describe('JIT off, locked links', () => {
  it('JIT disabled: nothing stored, the mapped claims are handed on', async () => {
    const idpId = await idp({ jit: { isEnabled: false } });
    upstream.setAccount('judy', { preferred_username: 'judy', email: 'judy@example.com', email_verified: true });
    const users = await count('users');
    const result = await login(idpId, 'judy');
    expect(result).toMatchObject({
      outcome: 'success',
      userId: null,
      claims: { userName: 'judy', emails: [{ type: 'work', value: 'judy@example.com' }] },
    });
    expect(await count('users')).toBe(users);
  });

  it('a link locked through the admin API refuses the login', async () => {
    const idpId = await idp();
    upstream.setAccount('ken', { preferred_username: 'ken' });
    const first = await login(idpId, 'ken');
    const links = (await (await server.admin('GET', `/api/v1/users/${first.userId}/federated-identities`)).json()) as {
      items: Array<{ id: string }>;
    };
    await server.admin('PATCH', `/api/v1/federated-identities/${links.items[0]!.id}`, { locked: true });
    expect(await login(idpId, 'ken')).toMatchObject({ outcome: 'failure', errorCode: 'link_locked' });
  });
});

describe('non-blocking and concurrency', () => {
  it('non-blocking: the login returns a user id at once; a killed worker loses no job', async () => {
    const idpId = await idp({ jit: { mode: 'non-blocking' } });
    upstream.setAccount('leo', { preferred_username: 'leo' });
    const result = await login(idpId, 'leo');
    expect(result.outcome).toBe('success');
    expect(await user(result.userId!)).toBeUndefined();
    const doomed = new JobWorker({
      db: server.ctx.store.db,
      leaseMs: 200,
      handlers: { [JIT_PROVISION_QUEUE]: () => new Promise(() => {}) },
    });
    void doomed.runOnce();
    // The doomed worker must hold the job before the restarted one looks, or the restarted one may take it first.
    const claimed = () => count(`jobs where queue = '${JIT_PROVISION_QUEUE}' and status = 'running' and attempts = 1`);
    for (let i = 0; i < 200 && (await claimed()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await claimed()).toBe(1);
    const restarted = new JobWorker({
      db: server.ctx.store.db,
      handlers: {
        [JIT_PROVISION_QUEUE]: provisioningJobHandler({ store: server.ctx.store, logger: server.ctx.logger, metrics: server.ctx.metrics }),
      },
    });
    for (let i = 0; i < 200 && !(await user(result.userId!)); i++) {
      await restarted.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await user(result.userId!))?.user_name).toBe('leo');
    expect(await count(`jobs where queue = '${JIT_PROVISION_QUEUE}' and status = 'done' and attempts = 2`)).toBe(1);
  });

  it('50 concurrent first logins of one identity make one user', async () => {
    const idpId = await idp();
    upstream.setAccount('mia', { preferred_username: 'mia' });
    const results = await Promise.all(Array.from({ length: 50 }, () => login(idpId, 'mia')));
    expect(results.every((r) => r.outcome === 'success')).toBe(true);
    expect(new Set(results.map((r) => r.userId)).size).toBe(1);
    expect(await count(`federated_identities where idp_id = '${idpId}'`)).toBe(1);
    expect(await count(`users where user_name = 'mia'`)).toBe(1);
  });
});

describe('through a real SAML IdP', () => {
  it('multi-valued attributes and role mappings; a second login syncs them (OVERRIDE_ALL)', async () => {
    const created = await server.admin('POST', '/api/v1/identity-providers', {
      name: 'SAML JIT',
      protocol: 'saml',
      saml: { metadata: samlIdp.metadata },
      claimMappings: [
        { remote: 'uid', local: 'userName' },
        { remote: 'mail', local: 'emails' },
        { remote: 'memberOf', local: 'groups' },
        { remote: 'ou', local: `${ENTERPRISE}:department` },
      ],
      roleMappings: [
        { remote: 'staff', local: 'SAML Staff' },
        { remote: 'admins', local: 'SAML Admins' },
      ],
      provisioning: { jit: { attributeSyncMethod: 'OVERRIDE_ALL' } },
    });
    expect(created.status).toBe(201);
    const idpId = ((await created.json()) as { id: string }).id;
    samlIdp.users.set('nina', {
      nameId: 'nina-persistent-id',
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      attributes: {
        uid: 'nina',
        mail: ['nina@example.com', 'nina.alt@example.com'],
        memberOf: ['staff', 'admins', 'unmapped'],
        ou: 'Sales',
      },
    });
    const first = await login(idpId, 'nina');
    expect(first).toMatchObject({ outcome: 'success', subject: 'nina-persistent-id' });
    const groupsOf = async () =>
      (
        await rows<{ name: string }>(
          server.ctx.store.db,
          sql`select g.display_name as name from group_members m join groups g on g.id = m.group_id where m.member_id = ${first.userId} order by 1`,
        )
      ).map((r) => r.name);
    const nina = (await user(first.userId!))!;
    expect(nina.resource.emails).toEqual([{ value: 'nina@example.com' }, { value: 'nina.alt@example.com' }]);
    expect(nina.resource[ENTERPRISE]).toEqual({ department: 'Sales' });
    expect(await groupsOf()).toEqual(['SAML Admins', 'SAML Staff']);

    samlIdp.users.set('nina', {
      nameId: 'nina-persistent-id',
      attributes: { uid: 'nina', mail: ['nina@example.com'], memberOf: ['staff'] },
    });
    const second = await login(idpId, 'nina');
    expect(second.userId).toBe(first.userId);
    const after = (await user(first.userId!))!;
    expect(after.resource.emails).toEqual([{ value: 'nina@example.com' }]);
    expect(after.resource[ENTERPRISE]).toBeUndefined();
    expect(await groupsOf()).toEqual(['SAML Staff']);
  });
});
