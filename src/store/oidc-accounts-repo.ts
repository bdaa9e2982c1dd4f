// What the OpenID Provider reads about a local user to build its claims: the user row and the display
// names of the groups it belongs to (directly). A login reads the user three times (the interaction's account
// check, oidc-provider's resume and its token endpoint), the last two with its groups in the same statement:
// constant texts through hotRows (prepared per connection on PostgreSQL), only the columns used.
import { asDate, hotRows, type Executor } from './database.js';
import { isUuid } from '../domain/uuid.js';

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

const ACCOUNT_USER = `select id, active, locked, resource, provenance, updated_at from users where id = $1::uuid`;

export async function findAccountUser(executor: Executor, id: string): Promise<AccountUser | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await hotRows<Record<string, unknown>>(executor, ACCOUNT_USER, [id]);
  return row ? accountUserOf(row) : undefined;
}

const ACCOUNT_USER_WITH_GROUPS = `select u.id, u.active, u.locked, u.resource, u.provenance, u.updated_at,
    array(select g.display_name from group_members m join groups g on g.id = m.group_id where m.member_id = u.id) as groups
  from users u where u.id = $1::uuid`;

/** The user and the display names of its groups (sorted), in one statement: what the claims of a token need. */
export async function findAccountUserWithGroups(executor: Executor, id: string): Promise<(AccountUser & { groups: string[] }) | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await hotRows<Record<string, unknown>>(executor, ACCOUNT_USER_WITH_GROUPS, [id]);
  if (!row) return undefined;
  return { ...accountUserOf(row), groups: [...((row.groups as string[] | null) ?? [])].sort() };
}
