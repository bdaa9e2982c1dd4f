// What the admin API needs to know about a person signed in to the console: whether the user may sign in at all
// and the groups it belongs to directly, each with its store's domain (a role group is named DOMAIN/name).
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';
import { isUuid, qualifyName } from '../domain/index.js';

export interface AdminMember {
  id: string;
  /** Qualified: DOMAIN/name, or the bare name in PRIMARY. */
  userName: string;
  /** Active and not locked: a deactivated or locked user holds no role. */
  usable: boolean;
  /** Direct memberships, as (store domain, group display name). */
  groups: Array<{ domain: string; displayName: string }>;
}

export async function findAdminMember(executor: Executor, userId: string): Promise<AdminMember | undefined> {
  if (!isUuid(userId)) return undefined;
  // Prepared: the console checks its person on every admin API call.
  const [row] = await queryRows<Record<string, unknown>>(
    executor,
    sql`select u.id, u.user_name, us.domain, u.active, u.locked,
        coalesce((select json_agg(json_build_object('domain', s.domain, 'displayName', g.display_name))
          from group_members m join groups g on g.id = m.group_id join user_stores s on s.id = g.user_store_id
          where m.member_id = u.id), '[]'::json) as groups
      from users u join user_stores us on us.id = u.user_store_id where u.id = ${userId}::uuid`,
    { prepare: true },
  );
  if (!row) return undefined;
  const groups = typeof row.groups === 'string' ? JSON.parse(row.groups) : row.groups;
  return {
    id: row.id as string,
    userName: qualifyName(row.domain as string, row.user_name as string),
    usable: row.active === true && row.locked !== true,
    groups: groups as AdminMember['groups'],
  };
}
