// What the OpenID Provider reads about a local user to build its claims: the user row and the display
// names of the groups it belongs to (directly), as oidc-provider asks for the account at the resume and at the
// token endpoint. drizzle's `sql` with constant texts, prepared (per connection on PostgreSQL), only the columns used.
import { sql } from 'drizzle-orm';
import { asDate, queryRows, type Executor } from './database.js';
import { isUuid } from '../domain/index.js';

/** The columns of a user that signing in and the claims need. */
export interface AccountUser {
  id: string;
  active: boolean;
  locked: boolean;
  resource: unknown;
  provenance: unknown;
  updatedAt: Date;
}

const accountUserOf = (row: Record<string, unknown>): AccountUser => ({
  id: row.id as string,
  active: row.active === true,
  locked: row.locked === true,
  resource: row.resource,
  provenance: row.provenance ?? {},
  updatedAt: asDate(row.updated_at),
});

export async function findAccountUser(executor: Executor, id: string): Promise<AccountUser | undefined> {
  if (!isUuid(id)) return undefined;
  const query = sql`select id, active, locked, resource, provenance, updated_at from users where id = ${id}::uuid`;
  const [row] = await queryRows<Record<string, unknown>>(executor, query, { prepare: true });
  return row ? accountUserOf(row) : undefined;
}

export type AccountUserWithGroups = AccountUser & { groups: string[] };

const withGroupsOf = (row: Record<string, unknown>): AccountUserWithGroups => ({
  ...accountUserOf(row),
  groups: [...((row.groups as string[] | null) ?? [])].sort(),
});

/** The user and the display names of its groups (sorted), in one statement: what the claims of a token need. */
export async function findAccountUserWithGroups(executor: Executor, id: string): Promise<AccountUserWithGroups | undefined> {
  if (!isUuid(id)) return undefined;
  const query = sql`select u.id, u.active, u.locked, u.resource, u.provenance, u.updated_at,
    array(select g.display_name from group_members m join groups g on g.id = m.group_id where m.member_id = u.id) as groups
  from users u where u.id = ${id}::uuid`;
  const [row] = await queryRows<Record<string, unknown>>(executor, query, { prepare: true });
  return row ? withGroupsOf(row) : undefined;
}
