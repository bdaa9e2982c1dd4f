// Group writes the provisioning core needs: find-or-create groups by display name in a user store, and add or
// remove one member. Creation is race-safe (ON CONFLICT on the per-store display-name index).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { SCIM_GROUP_SCHEMA } from '../domain/index.js';
import type { Executor } from './database.js';
import { groupMembers, groups, type GroupRow } from './schema/index.js';

export async function findGroupsByNames(executor: Executor, userStoreId: string, names: string[]): Promise<GroupRow[]> {
  if (names.length === 0) return [];
  const lowered = names.map((n) => n.toLowerCase());
  return executor
    .select()
    .from(groups)
    .where(and(eq(groups.userStoreId, userStoreId), inArray(sql`lower(${groups.displayName})`, lowered)));
}

/** The group named so in the store, created if absent; `created` says whether this call made it. */
export async function ensureGroup(
  executor: Executor,
  userStoreId: string,
  displayName: string,
): Promise<{ group: GroupRow; created: boolean }> {
  const [inserted] = await executor
    .insert(groups)
    .values({ userStoreId, displayName, resource: { schemas: [SCIM_GROUP_SCHEMA], displayName } })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { group: inserted, created: true };
  const [existing] = await findGroupsByNames(executor, userStoreId, [displayName]);
  if (!existing) throw new Error(`group '${displayName}' neither inserted nor found`);
  return { group: existing, created: false };
}

/** Ids of the given groups the user is a direct member of. */
export async function memberGroupIds(executor: Executor, userId: string, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const found = await executor
    .select({ groupId: groupMembers.groupId })
    .from(groupMembers)
    .where(and(eq(groupMembers.memberId, userId), inArray(groupMembers.groupId, groupIds)));
  return found.map((r) => r.groupId);
}

/** Adds a user to a group; returns the group's new version, or null when it was already a member. */
export async function addGroupMember(executor: Executor, groupId: string, userId: string): Promise<number | null> {
  const added = await executor
    .insert(groupMembers)
    .values({ groupId, memberId: userId, memberType: 'User' })
    .onConflictDoNothing()
    .returning();
  if (added.length === 0) return null;
  return bumpGroupVersion(executor, groupId);
}

/** Removes a user from a group; returns the group's new version, or null when it was not a member. */
export async function removeGroupMember(executor: Executor, groupId: string, userId: string): Promise<number | null> {
  const removed = await executor
    .delete(groupMembers)
    .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.memberId, userId)))
    .returning();
  if (removed.length === 0) return null;
  return bumpGroupVersion(executor, groupId);
}

async function bumpGroupVersion(executor: Executor, groupId: string): Promise<number> {
  const [row] = await executor
    .update(groups)
    .set({ version: sql`${groups.version} + 1`, updatedAt: sql`now()` })
    .where(eq(groups.id, groupId))
    .returning({ version: groups.version });
  return row?.version ?? 0;
}
