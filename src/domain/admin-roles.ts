// The roles of the admin API and the console. A person holds a role through membership of the role's group (a SCIM
// group in the store, configured by CONSOLE_*_GROUP); each role includes the ones below it, and a console access
// token carries one scope per role it may use, so a person can sign in with less than their groups allow.
import { splitQualifiedName } from './user-store.js';

/** From least to most: each role can do everything the roles before it can. */
export const ADMIN_ROLES = ['auditor', 'operator', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** The scope of the admin API resource that carries each role in a console access token. */
export const ROLE_SCOPES: Record<AdminRole, string> = {
  auditor: 'jitbridge:read',
  operator: 'jitbridge:operate',
  admin: 'jitbridge:admin',
};

export const CONSOLE_SCOPES: readonly string[] = ADMIN_ROLES.map((role) => ROLE_SCOPES[role]);

export interface RoleGroups {
  admin: string;
  operator: string;
  auditor: string;
}

export const DEFAULT_ROLE_GROUPS: RoleGroups = {
  admin: 'jitbridge-admins',
  operator: 'jitbridge-operators',
  auditor: 'jitbridge-auditors',
};

export const roleRank = (role: AdminRole): number => ADMIN_ROLES.indexOf(role);

/** Whether `held` covers what `needed` may do. */
export const roleCovers = (held: AdminRole, needed: AdminRole): boolean => roleRank(held) >= roleRank(needed);

const sameGroup = (configured: string, member: { domain: string; displayName: string }): boolean => {
  const { domain, name } = splitQualifiedName(configured);
  return member.domain.toUpperCase() === domain && member.displayName === name;
};

/** The highest role the groups grant (a configured name without `DOMAIN/` is in PRIMARY), or null. */
export function roleOfGroups(groups: ReadonlyArray<{ domain: string; displayName: string }>, config: RoleGroups): AdminRole | null {
  for (const role of [...ADMIN_ROLES].reverse()) {
    if (groups.some((group) => sameGroup(config[role], group))) return role;
  }
  return null;
}

/** The scopes a holder of `role` may be granted: its own and those of the roles below it. */
export function scopesUpTo(role: AdminRole | null): string[] {
  if (!role) return [];
  return ADMIN_ROLES.filter((r) => roleCovers(role, r)).map((r) => ROLE_SCOPES[r]);
}

/** The highest role among the scopes of a token, or null. */
export function roleOfScopes(scopes: Iterable<string>): AdminRole | null {
  const held = new Set(scopes);
  for (const role of [...ADMIN_ROLES].reverse()) if (held.has(ROLE_SCOPES[role])) return role;
  return null;
}

/** What a console token may do: the lower of what it was granted and what the person's groups grant now. */
export function effectiveRole(tokenRole: AdminRole | null, groupRole: AdminRole | null): AdminRole | null {
  if (!tokenRole || !groupRole) return null;
  return roleRank(tokenRole) <= roleRank(groupRole) ? tokenRole : groupRole;
}
