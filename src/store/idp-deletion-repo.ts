// The queries behind deleting an identity provider: what it would touch (counted, for the dry run and the
// threshold), and the set-based clean-ups around the per-user writes (which go through users-repo). The
// accounts layer (accounts/idp-deletion.ts) decides what to do; this file only reads and deletes rows.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';
import { removeMembersEverywhere } from './groups-repo.js';
import { federatedIdentities, identityProviders, users, type UserRow } from './schema/index.js';

export interface IdpRowRef {
  id: string;
  name: string;
  protocol: string;
}

/**
 * Locks the IdP row for the rest of the transaction. A concurrent first login inserts a link, whose foreign
 * key check waits on this lock and then fails once the row is gone: no user is provisioned half-way.
 */
export async function lockIdentityProviderRow(executor: Executor, id: string): Promise<IdpRowRef | undefined> {
  const [row] = await executor
    .select({ id: identityProviders.id, name: identityProviders.name, protocol: identityProviders.protocol })
    .from(identityProviders)
    .where(eq(identityProviders.id, id))
    .for('update');
  return row;
}

export interface IdpDeletionCounts {
  /** Users this IdP JIT-provisioned (`users.jit_idp_id`). */
  jitUsers: number;
  /** Of those, the ones still active. */
  activeJitUsers: number;
  /** Links to this IdP (of any user). */
  idpLinks: number;
  /** Links the JIT users have to other IdPs (they go too when the users are deleted). */
  jitUserOtherLinks: number;
  consentReceipts: number;
  /** oidc-provider rows (sessions, grants, codes, tokens) whose accountId is a JIT user, and rows of their grants. */
  oidcPayloads: number;
  groupMemberships: number;
}

/** Counts, in one round trip, everything a deletion of this IdP could touch. */
export async function countIdpDeletionImpact(executor: Executor, idpId: string): Promise<IdpDeletionCounts> {
  const [row] = await queryRows<Record<keyof IdpDeletionCounts, number>>(
    executor,
    sql`with jit as (select id, active from users where jit_idp_id = ${idpId}),
             accounts as (select id::text as account_id from jit)
        select
          (select count(*) from jit)::int as "jitUsers",
          (select count(*) from jit where active)::int as "activeJitUsers",
          (select count(*) from federated_identities where idp_id = ${idpId})::int as "idpLinks",
          (select count(*) from federated_identities where user_id in (select id from jit) and idp_id <> ${idpId})::int as "jitUserOtherLinks",
          (select count(*) from consent_receipts where user_id in (select id from jit))::int as "consentReceipts",
          (select count(*) from oidc_payloads p
             where p.payload->>'accountId' in (select account_id from accounts)
                or p.grant_id in (select g.grant_id from oidc_payloads g
                                  where g.grant_id is not null and g.payload->>'accountId' in (select account_id from accounts)))::int as "oidcPayloads",
          (select count(*) from group_members where member_id in (select id from jit))::int as "groupMemberships"`,
  );
  return row!;
}

/** JIT users of an IdP in id order, a page at a time (locked: they are about to be written). */
export async function listJitUsersForUpdate(executor: Executor, idpId: string, afterId: string | null, limit: number): Promise<UserRow[]> {
  return executor
    .select()
    .from(users)
    .where(and(eq(users.jitIdpId, idpId), afterId ? gt(users.id, afterId) : undefined))
    .orderBy(asc(users.id))
    .limit(limit)
    .for('update');
}

/** Deletes the oidc-provider rows of these accounts: their sessions, grants, codes, tokens, and every row of their grants. */
export async function deleteOidcPayloadsOfAccounts(executor: Executor, userIds: readonly string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const ids = sql.join(
    userIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const deleted = await queryRows<{ n: number }>(
    executor,
    sql`with gone as (
          delete from oidc_payloads p
          where p.payload->>'accountId' in (${ids})
             or p.grant_id in (select g.grant_id from oidc_payloads g where g.grant_id is not null and g.payload->>'accountId' in (${ids}))
          returning 1)
        select count(*)::int as n from gone`,
  );
  return deleted[0]?.n ?? 0;
}

/** Removes these users from every group (group_members has no foreign key to users); the groups' versions move. */
export async function deleteGroupMembershipsOf(executor: Executor, userIds: readonly string[]): Promise<number> {
  return removeMembersEverywhere(executor, userIds);
}

export async function deleteLinksOfIdp(executor: Executor, idpId: string): Promise<number> {
  const deleted = await executor
    .delete(federatedIdentities)
    .where(eq(federatedIdentities.idpId, idpId))
    .returning({ id: federatedIdentities.id });
  return deleted.length;
}

/**
 * Forgets which IdP provisioned the users it leaves behind (detach, disable): the id would point at nothing,
 * and the enhanced feature's read-only rule must not hold users whose owner is gone.
 */
export async function clearJitIdp(executor: Executor, idpId: string): Promise<number> {
  const updated = await executor.update(users).set({ jitIdpId: null }).where(eq(users.jitIdpId, idpId)).returning({ id: users.id });
  return updated.length;
}
