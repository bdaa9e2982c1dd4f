// Deleting an identity provider: the dry-run preview, the threshold and `force`, and the cascade counted
// row by row (users, links, consents, oidc sessions/grants/tokens, group memberships, MFA, outbox, audit),
// with the enhanced feature on (delete) and off (detach, disable, delete).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../../src/domain/index.js';
import { deleteIdentityProviderWithUsers } from '../../../src/accounts/index.js';
import { rows } from '../../../src/store/database.js';
import { savePendingTotp, writeSettings, findUserById } from '../../../src/store/index.js';
import { groupMembers, groups } from '../../../src/store/schema/index.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture('idp_deletion');
});
afterAll(async () => f?.close());

const admin = { type: 'admin' as const, id: 'admin-token' };

async function setJit(jit: Partial<Settings['jit']>) {
  const settings = defaultSettings();
  await writeSettings(f.store.db, { ...settings, jit: { ...settings.jit, ...jit } });
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await rows<{ n: number }>(f.store.db, sql`select count(*)::int as n from (${query}) q`);
  return row!.n;
}

const usersIn = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
const accountsIn = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/** Rows that belong to these users, table by table. */
async function footprint(ids: string[]) {
  return {
    users: await count(sql`select 1 from users where id in (${usersIn(ids)})`),
    links: await count(sql`select 1 from federated_identities where user_id in (${usersIn(ids)})`),
    consents: await count(sql`select 1 from consent_receipts where user_id in (${usersIn(ids)})`),
    oidc: await count(sql`select 1 from oidc_payloads where payload->>'accountId' in (${accountsIn(ids)})`),
    groups: await count(sql`select 1 from group_members where member_id in (${usersIn(ids)})`),
    totp: await count(sql`select 1 from mfa_totp where user_id in (${usersIn(ids)})`),
  };
}

const outbox = (ids: string[], type: string) =>
  count(sql`select 1 from outbox_events where resource_id in (${usersIn(ids)}) and event_type = ${type}`);
const audits = (action: string, targetId: string) =>
  rows<{ actor_type: string; actor_id: string; reason: string | null; details: Record<string, unknown> }>(
    f.store.db,
    sql`select actor_type, actor_id, reason, details from audit_events where action = ${action} and target_id = ${targetId}`,
  );

/** An IdP with `n` JIT users, each with a link, a consent, an oidc Session and a Grant with an AccessToken. */
async function idpWithUsers(name: string, n: number, options: { jitEnabled?: boolean } = {}) {
  const idpId = await f.idp(name, options);
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const userId = await f.user(`${name}-user-${i}`, { jitIdpId: idpId });
    await f.link(idpId, userId);
    await f.consent(userId, idpId);
    await f.oidcRow('Session', userId);
    const grantId = `grant-${userId}`;
    await f.oidcRow('Grant', userId, grantId);
    await f.oidcRow('AccessToken', userId, grantId);
    ids.push(userId);
  }
  return { idpId, ids };
}

describe('enhanced feature on: deleting an IdP deletes its JIT users', () => {
  it('previews, then deletes users, links, consents, sessions, grants, tokens, memberships and MFA, with events', async () => {
    await setJit({ enhancedFeature: true });
    const { idpId, ids } = await idpWithUsers('corp', 3);
    const otherIdp = await f.idp('partner');
    // The first JIT user is also linked to another IdP, is in a group and has TOTP.
    await f.link(otherIdp, ids[0]!);
    const [group] = await f.store.db
      .insert(groups)
      .values({ userStoreId: f.primaryStoreId, displayName: 'corp-staff', resource: { displayName: 'corp-staff' } })
      .returning();
    await f.store.db.insert(groupMembers).values([{ groupId: group!.id, memberId: ids[0]!, memberType: 'User' }]);
    await savePendingTotp(f.store.db, ids[0]!, 'v1.x.y.z', new Date());
    // A local user merely associated with the IdP, and another IdP's JIT user: they must stay.
    const local = await f.user('corp-local');
    await f.link(idpId, local);
    await f.oidcRow('Session', local);
    const bystander = (await idpWithUsers('bystander', 1)).ids;

    const before = { deleted: await footprint(ids), local: await footprint([local]), bystander: await footprint(bystander) };
    expect(before.deleted).toEqual({ users: 3, links: 4, consents: 3, oidc: 9, groups: 1, totp: 1 });

    const preview = await deleteIdentityProviderWithUsers(f.store, idpId, { dryRun: true, actor: admin });
    expect(preview).toMatchObject({
      dryRun: true,
      deleted: false,
      enhancedFeature: true,
      users: 'delete',
      affectedUsers: 3,
      forceRequired: false,
      counts: {
        usersDeleted: 3,
        usersDisabled: 0,
        usersKept: 0,
        federatedIdentities: 5,
        consentReceipts: 3,
        oidcPayloads: 9,
        groupMemberships: 1,
      },
    });
    expect(await footprint(ids)).toEqual(before.deleted);
    expect(await count(sql`select 1 from identity_providers where id = ${idpId}`)).toBe(1);

    const result = await deleteIdentityProviderWithUsers(f.store, idpId, { actor: admin });
    expect(result).toMatchObject({ dryRun: false, deleted: true, counts: preview.counts });

    expect(await footprint(ids)).toEqual({ users: 0, links: 0, consents: 0, oidc: 0, groups: 0, totp: 0 });
    expect(await count(sql`select 1 from identity_providers where id = ${idpId}`)).toBe(0);
    // The associated local user stays, without its link to the deleted IdP; its session stays.
    expect(await footprint([local])).toEqual({ ...before.local, links: 0 });
    expect(await findUserById(f.store.db, local)).toMatchObject({ active: true });
    expect(await footprint(bystander)).toEqual(before.bystander);

    expect(await outbox(ids, 'delete')).toBe(3);
    for (const id of ids) {
      expect(await audits('user.delete', id)).toEqual([
        expect.objectContaining({ actor_type: 'admin', actor_id: 'admin-token', reason: 'identity_provider_deleted' }),
      ]);
    }
    const [idpAudit] = await audits('identity_provider.delete', idpId);
    expect(idpAudit).toMatchObject({
      actor_type: 'admin',
      actor_id: 'admin-token',
      details: { mode: 'delete', enhancedFeature: true, counts: result.counts },
    });
  });

  it('refuses users=detach or disable while the feature is on, and an unknown IdP', async () => {
    await setJit({ enhancedFeature: true });
    const { idpId } = await idpWithUsers('strict', 1);
    await expect(deleteIdentityProviderWithUsers(f.store, idpId, { users: 'detach', actor: admin })).rejects.toMatchObject({
      code: 'idp_delete_mode_not_available',
      status: 400,
    });
    await expect(deleteIdentityProviderWithUsers(f.store, '00000000-0000-4000-8000-000000000000', { actor: admin })).rejects.toMatchObject({
      code: 'identity_provider_not_found',
      status: 404,
    });
    expect(await count(sql`select 1 from identity_providers where id = ${idpId}`)).toBe(1);
  });
});

describe('the threshold', () => {
  it('needs force past settings.jit.idpDeleteThreshold, and writes nothing without it', async () => {
    await setJit({ enhancedFeature: true, idpDeleteThreshold: 2 });
    const { idpId, ids } = await idpWithUsers('big', 3);
    const preview = await deleteIdentityProviderWithUsers(f.store, idpId, { dryRun: true, actor: admin });
    expect(preview).toMatchObject({ threshold: 2, affectedUsers: 3, forceRequired: true });
    await expect(deleteIdentityProviderWithUsers(f.store, idpId, { actor: admin })).rejects.toMatchObject({
      code: 'idp_delete_force_required',
      status: 409,
    });
    expect(await footprint(ids)).toMatchObject({ users: 3, links: 3 });
    expect(await outbox(ids, 'delete')).toBe(0);
    expect(await audits('identity_provider.delete', idpId)).toEqual([]);
    const forced = await deleteIdentityProviderWithUsers(f.store, idpId, { force: true, actor: admin });
    expect(forced.counts.usersDeleted).toBe(3);
    expect(await footprint(ids)).toMatchObject({ users: 0 });
  });

  it('counts users at the threshold as allowed', async () => {
    await setJit({ enhancedFeature: true, idpDeleteThreshold: 2 });
    const { idpId } = await idpWithUsers('edge', 2);
    expect((await deleteIdentityProviderWithUsers(f.store, idpId, { actor: admin })).counts.usersDeleted).toBe(2);
  });
});

describe('enhanced feature off: detach, disable or delete', () => {
  it('detaches by default: users stay active with their sessions, links go, no user events', async () => {
    await setJit({ enhancedFeature: false });
    const { idpId, ids } = await idpWithUsers('detach', 2);
    const preview = await deleteIdentityProviderWithUsers(f.store, idpId, { dryRun: true, actor: admin });
    expect(preview).toMatchObject({ users: 'detach', affectedUsers: 0, counts: { usersKept: 2, federatedIdentities: 2, oidcPayloads: 0 } });
    await deleteIdentityProviderWithUsers(f.store, idpId, { actor: admin });
    expect(await footprint(ids)).toEqual({ users: 2, links: 0, consents: 2, oidc: 6, groups: 0, totp: 0 });
    for (const id of ids) expect(await findUserById(f.store.db, id)).toMatchObject({ active: true, jitIdpId: null, version: 1 });
    expect(await count(sql`select 1 from outbox_events where resource_id in (${usersIn(ids)})`)).toBe(0);
  });

  it('disables: users stay, inactive, their sessions and tokens end, deactivate events and audit', async () => {
    await setJit({ enhancedFeature: false });
    const { idpId, ids } = await idpWithUsers('disable', 3);
    // One is inactive already: nothing to do for it.
    const [already] = await rows<{ id: string }>(
      f.store.db,
      sql`update users set active = false, resource = jsonb_set(resource, '{active}', 'false') where id = ${ids[2]!} returning id`,
    );
    const preview = await deleteIdentityProviderWithUsers(f.store, idpId, { dryRun: true, users: 'disable', actor: admin });
    expect(preview).toMatchObject({ users: 'disable', affectedUsers: 2, counts: { usersDisabled: 2, usersKept: 3, oidcPayloads: 9 } });
    const result = await deleteIdentityProviderWithUsers(f.store, idpId, { users: 'disable', actor: admin });
    expect(result.counts).toEqual(preview.counts);
    expect(await footprint(ids)).toEqual({ users: 3, links: 0, consents: 3, oidc: 0, groups: 0, totp: 0 });
    for (const id of ids) {
      const user = await findUserById(f.store.db, id);
      expect(user).toMatchObject({ active: false, jitIdpId: null });
      expect((user!.resource as { active: boolean }).active).toBe(false);
    }
    expect(await outbox(ids.slice(0, 2), 'deactivate')).toBe(2);
    expect(await outbox([already!.id], 'deactivate')).toBe(0);
    expect(await audits('user.deactivate', ids[0]!)).toHaveLength(1);
  });

  it('deletes when asked to', async () => {
    await setJit({ enhancedFeature: false });
    const { idpId, ids } = await idpWithUsers('delete', 2);
    const result = await deleteIdentityProviderWithUsers(f.store, idpId, { users: 'delete', actor: admin });
    expect(result).toMatchObject({
      enhancedFeature: false,
      users: 'delete',
      counts: { usersDeleted: 2, consentReceipts: 2, oidcPayloads: 6 },
    });
    expect(await footprint(ids)).toEqual({ users: 0, links: 0, consents: 0, oidc: 0, groups: 0, totp: 0 });
    expect(await outbox(ids, 'delete')).toBe(2);
  });
});
