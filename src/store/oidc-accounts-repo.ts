// What the OpenID Provider reads about a local user to build its claims: the user row and the display
// names of the groups it belongs to (directly).
import { eq } from 'drizzle-orm';
import type { Executor } from './database.js';
import { groupMembers, groups, users, type UserRow } from './schema/index.js';

export async function findAccountUser(executor: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await executor.select().from(users).where(eq(users.id, id));
  return row;
}

export async function listGroupNamesOfUser(executor: Executor, userId: string): Promise<string[]> {
  const found = await executor
    .select({ name: groups.displayName })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(eq(groupMembers.memberId, userId));
  return found.map((g) => g.name).sort();
}
