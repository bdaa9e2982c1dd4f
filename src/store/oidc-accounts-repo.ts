// What the OpenID Provider reads about a local user to build its claims: the user row and the display
// names of the groups it belongs to (directly). A login reads the user three times (the interaction's account
// check, oidc-provider's resume and its token endpoint) and its groups once: constant texts through hotRows
// (prepared per connection on PostgreSQL), only the columns used.
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

const ACCOUNT_USER = `select id, active, locked, resource, provenance, updated_at from users where id = $1::uuid`;

export async function findAccountUser(executor: Executor, id: string): Promise<AccountUser | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await hotRows<Record<string, unknown>>(executor, ACCOUNT_USER, [id]);
  if (!row) return undefined;
  return {
    id: row.id as string,
    active: row.active === true,
    locked: row.locked === true,
    resource: row.resource,
    provenance: row.provenance ?? {},
    updatedAt: asDate(row.updated_at),
  };
}

const GROUP_NAMES = `select g.display_name as name from group_members m join groups g on g.id = m.group_id where m.member_id = $1::uuid`;

export async function listGroupNamesOfUser(executor: Executor, userId: string): Promise<string[]> {
  if (!isUuid(userId)) return [];
  const found = await hotRows<{ name: string }>(executor, GROUP_NAMES, [userId]);
  return found.map((g) => g.name).sort();
}
