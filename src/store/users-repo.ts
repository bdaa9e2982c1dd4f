// Persistence of SCIM Users: the JSON resource, its indexed columns, version and provenance.
// Both the SCIM server and the provisioning core write users through here.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { AppError, conflict, notFound } from '../domain/errors.js';
import { isUniqueViolation } from './errors.js';
import { deriveUserColumns, type Provenance, type ScimUserResource } from '../domain/scim-user.js';
import type { Executor } from './database.js';
import { users, type UserRow } from './schema/index.js';

export interface NewUser {
  /** A pre-assigned id (non-blocking JIT hands it to the login before the row exists); generated when absent. */
  id?: string;
  userStoreId: string;
  /** The name within the store, without the domain prefix. */
  userName: string;
  resource: ScimUserResource;
  provenance?: Provenance;
  jitIdpId?: string | null;
  passwordHash?: string | null;
}

/** Inserts a user; a taken userName (case-insensitive, per store) is a `uniqueness` conflict. */
export async function insertUser(executor: Executor, user: NewUser): Promise<UserRow> {
  const [row] = await executor
    .insert(users)
    .values({
      ...(user.id ? { id: user.id } : {}),
      userStoreId: user.userStoreId,
      userName: user.userName,
      resource: user.resource,
      provenance: user.provenance ?? {},
      jitIdpId: user.jitIdpId ?? null,
      passwordHash: user.passwordHash ?? null,
      ...deriveUserColumns(user.resource),
    })
    // ON CONFLICT keeps a PostgreSQL transaction usable, where a raised unique violation would abort it.
    .onConflictDoNothing()
    .returning();
  if (!row)
    throw conflict('uniqueness', `userName '${user.resource.userName}' is already taken`, [
      { field: 'userName', message: 'already taken' },
    ]);
  return row;
}

/**
 * The INSERT of a new user with a pre-assigned id, as an SQL statement to compose into a larger one (a first JIT
 * login writes user, link and events in one statement). The same columns and derivations as `insertUser`; with
 * `onlyIf` the row is inserted only when that condition holds. Append ON CONFLICT / RETURNING as needed.
 */
export function insertUserStatement(user: NewUser & { id: string }, onlyIf?: SQL): SQL {
  const c = deriveUserColumns(user.resource);
  const emails = c.emailValues.length
    ? sql`array[${sql.join(
        c.emailValues.map((v) => sql`${v}`),
        sql`, `,
      )}]::text[]`
    : sql`'{}'::text[]`;
  // Explicit casts: in INSERT ... SELECT the parameters' types are not taken from the columns.
  const values = sql`${user.id}::uuid, ${user.userStoreId}::uuid, ${user.userName}::text, ${JSON.stringify(user.resource)}::jsonb,
    ${JSON.stringify(user.provenance ?? {})}::jsonb, ${user.jitIdpId ?? null}::uuid, ${user.passwordHash ?? null}::text, ${c.externalId}::text,
    ${c.primaryEmail}::text, ${emails}, ${c.displayName}::text, ${c.givenName}::text, ${c.familyName}::text, ${c.active}::boolean`;
  const columns = sql`insert into users (id, user_store_id, user_name, resource, provenance, jit_idp_id, password_hash, external_id,
    primary_email, email_values, display_name, given_name, family_name, active)`;
  return onlyIf ? sql`${columns} select ${values} where ${onlyIf}` : sql`${columns} values (${values})`;
}

export async function findUserById(executor: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow | undefined> {
  const query = executor.select().from(users).where(eq(users.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export async function getUserById(executor: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow> {
  const row = await findUserById(executor, id, options);
  if (!row) throw notFound('user_not_found', `user ${id} does not exist`);
  return row;
}

export async function findUserByUserName(executor: Executor, userStoreId: string, userName: string): Promise<UserRow | undefined> {
  const [row] = await executor
    .select()
    .from(users)
    .where(and(eq(users.userStoreId, userStoreId), sql`lower(${users.userName}) = lower(${userName})`));
  return row;
}

/** Users of a store whose verified-or-not email matches (the caller decides whether it may link). */
export async function findUsersByEmail(executor: Executor, userStoreId: string | null, email: string): Promise<UserRow[]> {
  const value = email.toLowerCase();
  return executor
    .select()
    .from(users)
    .where(and(userStoreId ? eq(users.userStoreId, userStoreId) : undefined, sql`${users.emailValues} @> array[${value}]::text[]`))
    .limit(10);
}

export interface UserChanges {
  resource?: ScimUserResource;
  userName?: string;
  provenance?: Provenance;
  passwordHash?: string | null;
  locked?: boolean;
  lockedReason?: string | null;
}

/**
 * Writes changes and bumps the version. With `expectedVersion` the write happens only if nobody wrote
 * in between (If-Match, and read-modify-write cycles such as PATCH); otherwise it is a 412.
 */
export async function updateUser(executor: Executor, id: string, changes: UserChanges, expectedVersion?: number): Promise<UserRow> {
  const set: Record<string, unknown> = { version: sql`${users.version} + 1`, updatedAt: sql`now()` };
  if (changes.resource) Object.assign(set, deriveUserColumns(changes.resource), { resource: changes.resource });
  if (changes.userName !== undefined) set.userName = changes.userName;
  if (changes.provenance !== undefined) set.provenance = changes.provenance;
  if (changes.passwordHash !== undefined) set.passwordHash = changes.passwordHash;
  if (changes.locked !== undefined) set.locked = changes.locked;
  if (changes.lockedReason !== undefined) set.lockedReason = changes.lockedReason;
  const where = expectedVersion === undefined ? eq(users.id, id) : and(eq(users.id, id), eq(users.version, expectedVersion));
  let row: UserRow | undefined;
  try {
    [row] = await executor.update(users).set(set).where(where).returning();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict('uniqueness', `userName '${changes.resource?.userName ?? changes.userName}' is already taken`, [
        { field: 'userName', message: 'already taken' },
      ]);
    }
    throw error;
  }
  if (row) return row;
  if (expectedVersion !== undefined && (await findUserById(executor, id))) {
    throw new AppError(
      'precondition_failed',
      'version_mismatch',
      `user ${id} was changed by someone else (version is no longer ${expectedVersion})`,
    );
  }
  throw notFound('user_not_found', `user ${id} does not exist`);
}

/**
 * The UPDATE of a user's resource and provenance when its version is still `expectedVersion`, as an SQL statement
 * to compose into a larger one (a returning JIT login writes user, link and events in one statement). Bumps the
 * version and re-derives the indexed columns like `updateUser`. Append RETURNING as needed.
 */
export function updateUserStatement(
  id: string,
  changes: { resource: ScimUserResource; provenance: Provenance },
  expectedVersion: number,
): SQL {
  const c = deriveUserColumns(changes.resource);
  const emails = c.emailValues.length
    ? sql`array[${sql.join(
        c.emailValues.map((v) => sql`${v}`),
        sql`, `,
      )}]::text[]`
    : sql`'{}'::text[]`;
  return sql`update users set resource = ${JSON.stringify(changes.resource)}::jsonb, provenance = ${JSON.stringify(changes.provenance)}::jsonb,
    external_id = ${c.externalId}::text, primary_email = ${c.primaryEmail}::text, email_values = ${emails}, display_name = ${c.displayName}::text,
    given_name = ${c.givenName}::text, family_name = ${c.familyName}::text, active = ${c.active}::boolean,
    version = version + 1, updated_at = now()
    where id = ${id}::uuid and version = ${expectedVersion}::int`;
}

export async function deleteUserRow(executor: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await executor.delete(users).where(eq(users.id, id)).returning();
  return row;
}
