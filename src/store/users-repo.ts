// Persistence of SCIM Users: the JSON resource, its indexed columns, version and provenance.
// Both the SCIM server and the provisioning core write users through here.
import { and, eq, sql } from 'drizzle-orm';
import { AppError, conflict, notFound, deriveUserColumns, emailValueKey, type Provenance, type ScimUserResource } from '../domain/index.js';
import { isUniqueViolation } from './errors.js';
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

/** The columns a new user's row is inserted with (insertUser, and the one-statement change: user-changes-commit.ts). */
export const userInsertValues = (user: NewUser) => ({
  userStoreId: user.userStoreId,
  userName: user.userName,
  resource: user.resource,
  provenance: user.provenance ?? {},
  jitIdpId: user.jitIdpId ?? null,
  passwordHash: user.passwordHash ?? null,
  ...deriveUserColumns(user.resource),
  ...(user.id ? { id: user.id } : {}),
});

/** A taken userName (case-insensitive, per store), or a taken pre-assigned id. */
export const userNameTaken = (userName: string | undefined) =>
  conflict('uniqueness', `userName '${userName}' is already taken`, [{ field: 'userName', message: 'already taken' }]);

/** Inserts a user; a taken userName (case-insensitive, per store) is a `uniqueness` conflict. */
export async function insertUser(executor: Executor, user: NewUser): Promise<UserRow> {
  const [row] = await executor
    .insert(users)
    .values(userInsertValues(user))
    // ON CONFLICT keeps a PostgreSQL transaction usable, where a raised unique violation would abort it.
    .onConflictDoNothing()
    .returning();
  if (!row) throw userNameTaken(user.resource.userName);
  return row;
}

export async function findUserById(executor: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow | undefined> {
  // Prepared (see recordAudit): SCIM reads and every update of a user start here.
  const query = executor.select().from(users).where(eq(users.id, id));
  const [row] = options.forUpdate
    ? await query.for('update').prepare('find_user_for_update').execute()
    : await query.prepare('find_user').execute();
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
  const value = emailValueKey(email);
  return executor
    .select()
    .from(users)
    .where(
      and(
        userStoreId ? eq(users.userStoreId, userStoreId) : undefined,
        sql`${users.id} = any(array(select e.user_id from user_email_values e where e.value = ${value}))`,
      ),
    )
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
/** The data columns an update sets (the one-statement change adds its own version and timestamp). */
export function userDataSet(changes: UserChanges): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (changes.resource) Object.assign(set, deriveUserColumns(changes.resource), { resource: changes.resource });
  if (changes.userName !== undefined) set.userName = changes.userName;
  if (changes.provenance !== undefined) set.provenance = changes.provenance;
  if (changes.passwordHash !== undefined) set.passwordHash = changes.passwordHash;
  if (changes.locked !== undefined) set.locked = changes.locked;
  if (changes.lockedReason !== undefined) set.lockedReason = changes.lockedReason;
  return set;
}

/** The columns `updateUser` sets: the data, a version bump and `updated_at = now()`. */
const userUpdateSet = (changes: UserChanges) => ({ version: sql`${users.version} + 1`, updatedAt: sql`now()`, ...userDataSet(changes) });

/** Which row an update touches: the user, at `expectedVersion` when given. */
export const userUpdateWhere = (id: string, expectedVersion?: number) =>
  expectedVersion === undefined ? eq(users.id, id) : and(eq(users.id, id), eq(users.version, expectedVersion));

/** Why an update touched no row, read only then: the version moved (412) or the user is gone (404). */
export async function updateMissed(executor: Executor, id: string, expectedVersion?: number): Promise<AppError> {
  if (expectedVersion !== undefined && (await findUserById(executor, id))) {
    return new AppError(
      'precondition_failed',
      'version_mismatch',
      `user ${id} was changed by someone else (version is no longer ${expectedVersion})`,
    );
  }
  return notFound('user_not_found', `user ${id} does not exist`);
}

export async function updateUser(executor: Executor, id: string, changes: UserChanges, expectedVersion?: number): Promise<UserRow> {
  let row: UserRow | undefined;
  try {
    [row] = await executor.update(users).set(userUpdateSet(changes)).where(userUpdateWhere(id, expectedVersion)).returning();
  } catch (error) {
    if (isUniqueViolation(error)) throw userNameTaken(changes.resource?.userName ?? changes.userName);
    throw error;
  }
  if (row) return row;
  throw await updateMissed(executor, id, expectedVersion);
}

export async function deleteUserRow(executor: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await executor.delete(users).where(eq(users.id, id)).returning();
  return row;
}
