// Planning without a database: the narrow read interface is handed plain objects.
import { describe, expect, it } from 'vitest';
import {
  defaultJitPolicy,
  type IdentityProvider,
  type JitPolicy,
  SCIM_USER_SCHEMA,
  type Provenance,
  type ScimUserResource,
  defaultSettings,
  type Settings,
  type UserStore,
} from '../../src/domain/index.js';
import { planProvisioning as planUnion, type ProvisioningPlan, type ProvisioningReads } from '../../src/provisioning/index.js';
import type { FederatedIdentityRow, GroupRow, UserRow } from '../../src/store/index.js';

/** The plan with every decision's fields readable (a test reads whichever its case has). */
type PlanView = ProvisioningPlan & Record<string, any>;
const planProvisioning = async (...args: Parameters<typeof planUnion>): Promise<PlanView> => planUnion(...args);
const outboxOf = (plan: ProvisioningPlan) =>
  plan.events.outbox.map((e) => ({ resourceType: e.resourceType, eventType: e.eventType, resourceId: e.resourceId }));

const NOW = new Date('2026-11-25T12:00:00Z');
const store = (domain: string, usernameRegex: string | null = null, rolenameRegex: string | null = null): UserStore => ({
  id: `store-${domain}`,
  domain,
  description: '',
  usernameRegex,
  rolenameRegex,
  createdAt: NOW,
  updatedAt: NOW,
});

function userRow(
  id: string,
  storeId: string,
  resource: ScimUserResource,
  provenance: Provenance = {},
  extra: Partial<UserRow> = {},
): UserRow {
  return {
    id,
    userStoreId: storeId,
    userName: resource.userName,
    externalId: null,
    primaryEmail: (resource.emails?.[0]?.value as string | undefined)?.toLowerCase() ?? null,
    emailValues: (resource.emails ?? []).map((e) => String(e.value).toLowerCase()),
    displayName: null,
    givenName: null,
    familyName: null,
    active: true,
    resource,
    version: 3,
    provenance,
    jitIdpId: null,
    passwordHash: null,
    locked: false,
    lockedReason: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...extra,
  };
}

interface World {
  settings?: Partial<Settings['jit']>;
  stores?: UserStore[];
  users?: UserRow[];
  links?: Array<Pick<FederatedIdentityRow, 'id' | 'idpId' | 'subject' | 'userId' | 'locked'>>;
  groups?: GroupRow[];
  members?: Array<[string, string]>;
}

function reads(world: World): ProvisioningReads {
  const stores = world.stores ?? [store('PRIMARY')];
  const users = world.users ?? [];
  const links = (world.links ?? []) as FederatedIdentityRow[];
  const settings = { jit: { ...defaultSettings().jit, ...world.settings } };
  return {
    loginContext: async (idpId, subject) => {
      const link = links.find((l) => l.idpId === idpId && l.subject === subject);
      const user = link && users.find((u) => u.id === link.userId);
      return { settings, known: link && user ? { link, user } : undefined };
    },
    findStoreWithUser: async (domain, name) => {
      const store = stores.find((s) => s.domain === domain.toUpperCase());
      return { store, user: store && users.find((u) => u.userStoreId === store.id && u.userName.toLowerCase() === name.toLowerCase()) };
    },
    findUserStoreById: async (id) => stores.find((s) => s.id === id),
    findUsersByEmail: async (storeId, email) => users.filter((u) => u.userStoreId === storeId && u.emailValues.includes(email)),
    findLinkOfUserForIdp: async (userId, idpId) => links.find((l) => l.userId === userId && l.idpId === idpId),
    findGroupsByNames: async (_storeId, names) =>
      (world.groups ?? []).filter((g) => names.some((n) => n.toLowerCase() === g.displayName.toLowerCase())),
    memberGroupIds: async (userId, ids) => (world.members ?? []).filter(([u, g]) => u === userId && ids.includes(g)).map(([, g]) => g),
  };
}

function idp(jit: Partial<JitPolicy> = {}, extra: Partial<IdentityProvider> = {}): IdentityProvider {
  return {
    id: 'idp-1',
    name: 'Upstream',
    protocol: 'oidc',
    enabled: true,
    trustEmail: false,
    claimMappings: [
      { remote: 'preferred_username', local: 'userName' },
      { remote: 'given_name', local: 'name.givenName' },
      { remote: 'email', local: 'emails[type eq "work"].value' },
      { remote: 'dept', local: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' },
    ],
    roleMappings: [],
    inactiveAfterDays: null,
    ...extra,
    jit: { ...defaultJitPolicy(), ...jit },
  };
}

const who = (subject: string, claims: Record<string, unknown>) => ({
  idpId: 'idp-1',
  subject,
  claims,
  authnContext: { protocol: 'oidc' as const, amr: [], acr: null, authTime: null, sessionId: null },
});

describe('planProvisioning: new identities', () => {
  it('plans a create with the SCIM User, provenance, outbox and audit, and writes nothing', async () => {
    const plan = await planProvisioning(
      reads({}),
      idp(),
      who('s', { preferred_username: 'ann', given_name: 'Ann', email: 'Ann@x.org', dept: 'Ops' }),
      { userId: 'u-new', now: NOW },
    );
    expect(plan.decision).toBe('create');
    expect(plan.userId).toBe('u-new');
    expect(plan.after).toEqual({
      schemas: [SCIM_USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      userName: 'ann',
      name: { givenName: 'Ann' },
      emails: [{ type: 'work', value: 'Ann@x.org' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Ops' },
    });
    // No email_verified claim and no trustEmail: the IdP did not vouch for the address, and the entry says so.
    expect(plan.provenanceAfter?.['emails[type eq "work"].value']).toEqual({
      source: 'idp',
      sourceId: 'idp-1',
      at: NOW.toISOString(),
      emailVerified: false,
    });
    expect(plan.provenanceAfter?.['name.givenName']).toEqual({ source: 'idp', sourceId: 'idp-1', at: NOW.toISOString() });
    expect(outboxOf(plan)).toEqual([{ resourceType: 'User', eventType: 'create', resourceId: 'u-new' }]);
    expect(plan.events.outbox[0]).toMatchObject({
      userStoreId: 'store-PRIMARY',
      resourceVersion: 1,
      payload: { id: 'u-new', userName: 'ann' },
    });
    expect(plan.events.audit.map((a) => a.action)).toEqual(['jit.user.create']);
  });

  it('falls back to the subject when no username is mapped', async () => {
    const plan = await planProvisioning(reads({}), idp(), who('subject-7', {}));
    expect(plan.userName).toBe('subject-7');
  });

  it('refuses a username against the store regex', async () => {
    const plan = await planProvisioning(reads({ stores: [store('PRIMARY', '^[a-z]+$')] }), idp(), who('s', { preferred_username: 'Ann1' }));
    expect(plan.refusal?.code).toBe('username_policy');
    expect(plan.events.outbox).toEqual([]);
  });

  it('AS_IN_USERNAME picks an existing domain the IdP may use, else PRIMARY with the prefix dropped', async () => {
    const world = reads({ stores: [store('PRIMARY'), store('STAFF')] });
    const asInUsername = idp({ userstore: 'AS_IN_USERNAME', allowedUserStores: ['PRIMARY', 'STAFF'] });
    const staff = await planProvisioning(world, asInUsername, who('s', { preferred_username: 'staff/bo' }));
    expect([staff.userStore?.domain, staff.userName, staff.qualifiedUserName]).toEqual(['STAFF', 'bo', 'STAFF/bo']);
    const unknown = await planProvisioning(world, asInUsername, who('s', { preferred_username: 'GUESTS/bo' }));
    expect([unknown.userStore?.domain, unknown.userName]).toEqual(['PRIMARY', 'bo']);
  });

  it('AS_IN_USERNAME refuses a store the IdP may not provision into (by default: any but PRIMARY)', async () => {
    const world = reads({ stores: [store('PRIMARY'), store('STAFF'), store('ADMINS')] });
    const byDefault = await planProvisioning(
      world,
      idp({ userstore: 'AS_IN_USERNAME' }),
      who('s', { preferred_username: 'ADMINS/mallory' }),
    );
    expect(byDefault.decision).toBe('refuse');
    expect(byDefault.refusal?.code).toBe('user_store_not_allowed');
    expect(byDefault.refusal?.message).toContain('user store ADMINS');
    expect(byDefault.events.audit[0]!.action).toBe('jit.user.refused');
    expect(byDefault.events.outbox).toEqual([]);
    const plain = await planProvisioning(world, idp({ userstore: 'AS_IN_USERNAME' }), who('s', { preferred_username: 'mallory' }));
    expect([plain.decision, plain.userStore?.domain]).toEqual(['create', 'PRIMARY']);
    const staffOnly = idp({ userstore: 'AS_IN_USERNAME', allowedUserStores: ['STAFF'] });
    expect((await planProvisioning(world, staffOnly, who('s', { preferred_username: 'admins/mallory' }))).refusal?.code).toBe(
      'user_store_not_allowed',
    );
    expect((await planProvisioning(world, staffOnly, who('s', { preferred_username: 'mallory' }))).refusal?.code).toBe(
      'user_store_not_allowed',
    );
    expect((await planProvisioning(world, staffOnly, who('s', { preferred_username: 'STAFF/mallory' }))).decision).toBe('create');
    // A fixed user store is the admin's own choice: the list does not apply.
    expect((await planProvisioning(world, idp({ userstore: 'STAFF' }), who('s', { preferred_username: 'mallory' }))).decision).toBe(
      'create',
    );
  });

  it('role mappings: groups to create and join; the role regex applies', async () => {
    const withRoles = idp({}, { roleMappings: [{ remote: 'a', local: 'Alpha' }] });
    const plan = await planProvisioning(reads({}), withRoles, who('s', { preferred_username: 'cy', groups: ['a', 'zzz'] }));
    expect(plan.groups).toEqual({ create: ['Alpha'], add: [{ name: 'Alpha', id: null, version: null }], remove: [] });
    expect(plan.events.audit.map((a) => a.action)).toEqual(['jit.user.create', 'jit.group.create']);
    expect(plan.events.outbox.map((e) => [e.eventType, e.resourceVersion])).toEqual([
      ['create', 1],
      ['group.create', 1],
      ['group.member_add', 2],
    ]);
    expect(plan.warnings).toContain('roles without a role mapping are ignored: zzz');
    const strict = await planProvisioning(
      reads({ stores: [store('PRIMARY', null, '^[a-z]+$')] }),
      withRoles,
      who('s', { preferred_username: 'cy', groups: ['a'] }),
    );
    expect(strict.refusal?.code).toBe('rolename_policy');
  });

  it('association: username only when the IdP may assert usernames; email only when verified', async () => {
    const local = userRow('u-local', 'store-PRIMARY', { schemas: [SCIM_USER_SCHEMA], userName: 'dee', emails: [{ value: 'dee@x.org' }] });
    const world = reads({ users: [local] });
    expect((await planProvisioning(world, idp(), who('s', { preferred_username: 'dee' }))).refusal?.code).toBe('username_taken');
    // associateLocalUser (WSO2's field) links by verified email, no longer by username.
    const notByName = await planProvisioning(world, idp({ associateLocalUser: true }), who('s', { preferred_username: 'DEE' }));
    expect(notByName.refusal?.code).toBe('username_taken');
    expect(notByName.events.audit[0]!.action).toBe('jit.link.refused');
    const byName = await planProvisioning(world, idp({ associateByUsername: true }), who('s', { preferred_username: 'DEE' }));
    expect([byName.decision, byName.userId]).toEqual(['associate_username', 'u-local']);
    expect(byName.events.audit[0]).toMatchObject({ action: 'jit.user.link', details: { rule: 'username' } });
    const unverified = await planProvisioning(
      world,
      idp({ associateLocalUser: true }),
      who('s', { preferred_username: 'other', email: 'dee@x.org' }),
    );
    expect(unverified.refusal?.code).toBe('email_not_verified');
    expect(unverified.events.audit[0]!.action).toBe('jit.link.refused');
    const verified = await planProvisioning(
      world,
      idp({ associateLocalUser: true }),
      who('s', { preferred_username: 'other', email: 'dee@x.org', email_verified: true }),
    );
    expect([verified.decision, verified.userId]).toEqual(['associate_email', 'u-local']);
    expect(verified.events.audit[0]).toMatchObject({ action: 'jit.user.link', details: { rule: 'verified_email' } });
    // The same name and the same verified email: the email rule links that very user.
    const both = await planProvisioning(
      world,
      idp({ associateLocalUser: true }),
      who('s', { preferred_username: 'dee', email: 'dee@x.org', email_verified: true }),
    );
    expect([both.decision, both.userId]).toEqual(['associate_email', 'u-local']);
    const trusted = await planProvisioning(
      world,
      idp({ associateLocalUser: true }, { trustEmail: true }),
      who('s', { preferred_username: 'other', email: 'DEE@x.org' }),
    );
    expect(trusted.decision).toBe('associate_email');
    const viaSetting = reads({ users: [local], settings: { associatingToExistingUser: true } });
    expect((await planProvisioning(viaSetting, idp(), who('s', { preferred_username: 'dee' }))).refusal?.code).toBe('username_taken');
    expect(
      (await planProvisioning(viaSetting, idp(), who('s', { preferred_username: 'other', email: 'dee@x.org', email_verified: true })))
        .decision,
    ).toBe('associate_email');
  });

  it('preferred_username=ADMIN with an unverified email does not take over the local admin', async () => {
    const admin = userRow('u-admin', 'store-PRIMARY', {
      schemas: [SCIM_USER_SCHEMA],
      userName: 'admin',
      emails: [{ value: 'root@corp.example' }],
    });
    const world = reads({ users: [admin], settings: { associatingToExistingUser: true } });
    const claims = { preferred_username: 'ADMIN', email: 'attacker@evil.example' };
    const refused = await planProvisioning(world, idp({ associateLocalUser: true, attributeSyncMethod: 'OVERRIDE_ALL' }), who('s', claims));
    expect(refused.decision).toBe('refuse');
    expect(refused.refusal?.code).toBe('username_taken');
    expect(refused.userId).not.toBe('u-admin');
    const trusted = await planProvisioning(world, idp({ associateByUsername: true }), who('s', claims));
    expect([trusted.decision, trusted.userId]).toEqual(['associate_username', 'u-admin']);
    expect(trusted.events.audit[0]!.details).toMatchObject({ by: 'username', rule: 'username' });
  });

  it('does not associate a local user already linked to another subject of this IdP', async () => {
    const local = userRow('u-local', 'store-PRIMARY', { schemas: [SCIM_USER_SCHEMA], userName: 'eve' });
    const world = reads({ users: [local], links: [{ id: 'l1', idpId: 'idp-1', subject: 'first', userId: 'u-local', locked: false }] });
    const plan = await planProvisioning(world, idp({ associateByUsername: true }), who('second', { preferred_username: 'eve' }));
    expect(plan.refusal?.code).toBe('already_linked');
  });

  it('JIT disabled: passthrough with the mapped claims', async () => {
    const plan = await planProvisioning(reads({}), idp({ isEnabled: false }), who('s', { preferred_username: 'fay', given_name: 'Fay' }));
    expect(plan.decision).toBe('passthrough');
    expect(plan.passthroughClaims).toEqual({ userName: 'fay', name: { givenName: 'Fay' } });
  });
});

describe('planProvisioning: returning identities', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const existing = userRow(
    'u1',
    'store-PRIMARY',
    { schemas: [SCIM_USER_SCHEMA], userName: 'gus', name: { givenName: 'Gus' }, title: 'Local', active: true },
    {
      userName: { source: 'idp', sourceId: 'idp-1', at },
      'name.givenName': { source: 'idp', sourceId: 'idp-1', at },
      title: { source: 'scim', sourceId: 'hr', at },
    },
  );
  const world = (extra: World = {}) =>
    reads({ users: [existing], links: [{ id: 'l1', idpId: 'idp-1', subject: 'g', userId: 'u1', locked: false }], ...extra });

  it('unchanged claims: nothing to write', async () => {
    const plan = await planProvisioning(
      world(),
      idp({ attributeSyncMethod: 'PRESERVE_LOCAL' }),
      who('g', { preferred_username: 'gus', given_name: 'Gus' }),
    );
    expect([plan.decision, plan.outcome, plan.userChanged, plan.events.outbox]).toEqual(['link_found', 'unchanged', false, []]);
  });

  it('OVERRIDE_ALL drops the locally added title; PRESERVE_LOCAL keeps it', async () => {
    const claims = { preferred_username: 'gus', given_name: 'Gustav' };
    const override = await planProvisioning(world(), idp({ attributeSyncMethod: 'OVERRIDE_ALL' }), who('g', claims));
    expect(override.after).toEqual({ schemas: [SCIM_USER_SCHEMA], userName: 'gus', active: true, name: { givenName: 'Gustav' } });
    expect(override.diff.map((d: { attribute: string; op: string }) => [d.attribute, d.op])).toEqual([
      ['name', 'replace'],
      ['title', 'remove'],
    ]);
    const preserve = await planProvisioning(world(), idp({ attributeSyncMethod: 'PRESERVE_LOCAL' }), who('g', claims));
    expect(preserve.after).toMatchObject({ title: 'Local', name: { givenName: 'Gustav' } });
    expect(preserve.provenanceChanges.map((c: { path: string }) => c.path)).toEqual(['name.givenName']);
    expect(outboxOf(preserve)).toEqual([{ resourceType: 'User', eventType: 'update', resourceId: 'u1' }]);
  });

  it('the sync method defaults from preserveLocallyAddedClaims', async () => {
    const claims = { preferred_username: 'gus', given_name: 'Gus' };
    expect((await planProvisioning(world(), idp(), who('g', claims))).syncMethod).toBe('OVERRIDE_ALL');
    expect((await planProvisioning(world({ settings: { preserveLocallyAddedClaims: true } }), idp(), who('g', claims))).syncMethod).toBe(
      'PRESERVE_LOCAL',
    );
  });

  it('NONE changes nothing', async () => {
    const plan = await planProvisioning(world(), idp({ attributeSyncMethod: 'NONE' }), who('g', { given_name: 'Other' }));
    expect([plan.outcome, plan.diff]).toEqual(['unchanged', []]);
  });

  it('locked link or user: refused', async () => {
    const lockedLink = reads({ users: [existing], links: [{ id: 'l1', idpId: 'idp-1', subject: 'g', userId: 'u1', locked: true }] });
    expect((await planProvisioning(lockedLink, idp(), who('g', {}))).refusal?.code).toBe('link_locked');
    const lockedUser = reads({
      users: [{ ...existing, locked: true }],
      links: [{ id: 'l1', idpId: 'idp-1', subject: 'g', userId: 'u1', locked: false }],
    });
    expect((await planProvisioning(lockedUser, idp(), who('g', {}))).refusal?.code).toBe('user_locked');
  });

  it('group membership removed when the role is no longer sent', async () => {
    const group = {
      id: 'g-alpha',
      userStoreId: 'store-PRIMARY',
      displayName: 'Alpha',
      externalId: null,
      resource: {},
      version: 1,
      createdAt: NOW,
      updatedAt: NOW,
    };
    const plan = await planProvisioning(
      world({ groups: [group], members: [['u1', 'g-alpha']] }),
      idp({}, { roleMappings: [{ remote: 'a', local: 'Alpha' }] }),
      who('g', { preferred_username: 'gus', given_name: 'Gus', groups: [] }),
    );
    expect(plan.groups.remove).toEqual([{ name: 'Alpha', id: 'g-alpha', version: 1 }]);
    const groupEvents = plan.events.outbox.filter((e) => e.resourceType === 'Group');
    expect(groupEvents).toMatchObject([
      { eventType: 'group.member_remove', resourceId: 'g-alpha', resourceVersion: 2, payload: { members: ['u1'] } },
    ]);
    expect(plan.outcome).toBe('updated');
  });
});
