// What the OpenID Provider reads about a local user to build its claims: the user row and the display
// names of the groups it belongs to (directly).
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { groupMembers, groups, loginResults, users, type UserRow } from './schema/index.js';

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

/**
 * Whether a login for this user id finished recently (non-blocking JIT: the id is decided before the durable job
 * writes the user, so for a short while the account exists only as this login result).
 */
export async function hasRecentLoginOf(executor: Executor, userId: string): Promise<boolean> {
  const [row] = await executor
    .select({ id: loginResults.id })
    .from(loginResults)
    .where(and(eq(loginResults.userId, userId), eq(loginResults.outcome, 'success'), gt(loginResults.expiresAt, sql`now()`)))
    .limit(1);
  return row !== undefined;
}
