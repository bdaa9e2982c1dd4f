// The one place a SCIM write is checked before it is applied: the user store named by the domain prefix
// must exist and be allowed for the client, the name must satisfy the store's regex, and attributes that
// may not change must not (the domain of a user, and under the enhanced feature every attribute of a
// JIT-provisioned user but `active`).
import {
  AppError,
  assertJitWritable,
  type Settings,
  matchesPolicy,
  qualifyName,
  splitQualifiedName,
  type UserStore,
} from '../domain/index.js';
import type { ScimPrincipal } from '../http/index.js';
import { type Executor, type GroupRow, type UserRow, findUserStoreByDomain } from '../store/index.js';

export interface CheckedName {
  store: UserStore;
  /** The name within the store. */
  name: string;
  /** The external form kept in the resource: `EMPLOYEES/alice`, or `alice` in PRIMARY. */
  qualified: string;
}

const forbidden = (message: string) => new AppError('forbidden', 'user_store_forbidden', message);

/** Resolves and checks a domain-qualified name (userName, or a group's displayName). */
export async function checkQualifiedName(
  executor: Executor,
  principal: ScimPrincipal,
  value: unknown,
  field: 'userName' | 'displayName',
  kind: 'User' | 'Group',
): Promise<CheckedName> {
  if (typeof value !== 'string' || value.trim() === '')
    throw new AppError('invalid_input', 'invalidValue', `${field} must be a non-empty string`);
  const { domain, name } = splitQualifiedName(value);
  const store = await findUserStoreByDomain(executor, domain);
  if (!store)
    throw new AppError('invalid_input', 'invalidValue', `${field} '${value}' names an unknown user store domain '${domain}'`, [
      { field, message: 'unknown domain' },
    ]);
  if (principal.userStoreIds && !principal.userStoreIds.includes(store.id))
    throw forbidden(`This SCIM client may not write to user store ${store.domain}`);
  const policy = kind === 'User' ? store.usernameRegex : store.rolenameRegex;
  if (!name || !matchesPolicy(policy, name)) {
    throw new AppError(
      'invalid_input',
      'invalidValue',
      `${field} '${name}' does not match the ${kind === 'User' ? 'username' : 'role name'} policy of user store ${store.domain}`,
      [{ field, message: 'does not match the store policy' }],
    );
  }
  return { store, name, qualified: qualifyName(store.domain, name) };
}

/** Whether the client may touch an existing row (reads outside its stores are 404s, not 403s). */
export function canSee(principal: ScimPrincipal, row: Pick<UserRow | GroupRow, 'userStoreId'>): boolean {
  return !principal.userStoreIds || principal.userStoreIds.includes(row.userStoreId);
}

/** Checks an update of an existing user: same store, and no read-only attribute among `changed`. */
export function checkUserUpdate(before: UserRow, checked: CheckedName, changed: string[], settings: Settings): void {
  if (checked.store.id !== before.userStoreId) {
    throw new AppError('invalid_input', 'mutability', 'userName cannot move a user to another user store', [
      { field: 'userName', message: 'domain is immutable' },
    ]);
  }
  // Enhanced feature: the IdP owns a JIT user's attributes; SCIM may still change `active` (lock/unlock).
  assertJitWritable({ settings, user: before, changedPaths: changed, writer: 'scim' });
}
