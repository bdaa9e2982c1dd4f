// User stores (domains). PRIMARY always exists and cannot be deleted.
import { asc, eq, sql } from 'drizzle-orm';
import {
  AS_IN_USERNAME,
  conflict,
  notFound,
  DEFAULT_ROLENAME_REGEX,
  DEFAULT_USERNAME_REGEX,
  PRIMARY_DOMAIN,
  type UserStore,
} from '../domain/index.js';
import { queryRows, type Executor } from './database.js';
import { isForeignKeyViolation } from './errors.js';
import { userStores } from './schema/index.js';

export async function ensurePrimaryUserStore(executor: Executor): Promise<void> {
  await executor
    .insert(userStores)
    .values({
      domain: PRIMARY_DOMAIN,
      description: 'The default user store',
      usernameRegex: DEFAULT_USERNAME_REGEX,
      rolenameRegex: DEFAULT_ROLENAME_REGEX,
    })
    .onConflictDoNothing();
}

export async function listUserStores(executor: Executor): Promise<UserStore[]> {
  return executor.select().from(userStores).orderBy(asc(userStores.domain));
}

export async function findUserStoreById(executor: Executor, id: string): Promise<UserStore | undefined> {
  const [row] = await executor.select().from(userStores).where(eq(userStores.id, id));
  return row;
}

/** Prepared (every SCIM write looks its store up in its transaction; see recordAudit). */
export async function findUserStoreByDomain(executor: Executor, domain: string): Promise<UserStore | undefined> {
  const [row] = await executor
    .select()
    .from(userStores)
    .where(sql`upper(${userStores.domain}) = upper(${domain})`)
    .prepare('find_user_store_by_domain')
    .execute();
  return row;
}

export async function getUserStoreByDomain(executor: Executor, domain: string): Promise<UserStore> {
  const store = await findUserStoreByDomain(executor, domain);
  if (!store) throw notFound('user_store_not_found', `user store domain '${domain}' does not exist`);
  return store;
}

export interface UserStoreInput {
  domain: string;
  description: string;
  usernameRegex: string | null;
  rolenameRegex: string | null;
}

export async function insertUserStore(executor: Executor, input: UserStoreInput): Promise<UserStore> {
  const [row] = await executor
    .insert(userStores)
    .values({ ...input, domain: input.domain.toUpperCase() })
    .onConflictDoNothing()
    .returning();
  if (!row)
    throw conflict('user_store_exists', `user store domain '${input.domain.toUpperCase()}' already exists`, [
      { field: 'domain', message: 'already exists' },
    ]);
  return row;
}

export async function updateUserStore(
  executor: Executor,
  id: string,
  changes: Partial<Omit<UserStoreInput, 'domain'>>,
): Promise<UserStore> {
  const [row] = await executor
    .update(userStores)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(userStores.id, id))
    .returning();
  if (!row) throw notFound('user_store_not_found', `user store ${id} does not exist`);
  return row;
}

/** Counts what still lives in a store; a store is deleted only when empty. */
export async function countUserStoreContents(executor: Executor, id: string): Promise<{ users: number; groups: number }> {
  const [row] = await queryRows<{ users: number; groups: number }>(
    executor,
    sql`select (select count(*)::int from users where user_store_id = ${id}) as users,
               (select count(*)::int from groups where user_store_id = ${id}) as groups`,
  );
  return row ?? { users: 0, groups: 0 };
}

/** What names a store by its domain: an IdP provisioning into it, a SCIM client or an outbound connector limited to it. */
export interface UserStoreReference {
  kind: 'identity provider' | 'SCIM client' | 'outbound connector';
  name: string;
}

/** The configuration that names this domain (case-insensitive): a store is deleted only when nothing does. */
export async function findUserStoreReferences(executor: Executor, domain: string): Promise<UserStoreReference[]> {
  return queryRows<{ kind: UserStoreReference['kind']; name: string }>(
    executor,
    sql`select 'identity provider' as kind, name from identity_providers
          where upper(jit->>'userstore') = upper(${domain}::text)
             or (jit->>'userstore' = ${AS_IN_USERNAME}::text and exists (
                  select 1 from jsonb_array_elements_text(coalesce(jit->'allowedUserStores', '[]'::jsonb)) d where upper(d) = upper(${domain}::text)))
        union all
        select 'SCIM client', name from scim_clients where exists (select 1 from unnest(user_stores) d where upper(d) = upper(${domain}::text))
        union all
        select 'outbound connector', name from outbound_connectors
          where exists (select 1 from unnest(user_stores) d where upper(d) = upper(${domain}::text))
        order by 1, 2`,
  );
}

export async function deleteUserStore(executor: Executor, id: string): Promise<boolean> {
  try {
    const deleted = await executor.delete(userStores).where(eq(userStores.id, id)).returning({ id: userStores.id });
    return deleted.length > 0;
  } catch (error) {
    // A user or group written into the store after the emptiness check.
    if (isForeignKeyViolation(error)) throw conflict('user_store_not_empty', 'The user store is not empty');
    throw error;
  }
}
