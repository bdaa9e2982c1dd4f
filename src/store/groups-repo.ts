// Persistence of SCIM Groups: the JSON resource (without members), its columns, and one row per member
// in group_members, so adding or removing one member never reads or rewrites the whole list.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { AppError, conflict, notFound, checkIndexedLength } from '../domain/index.js';
import { queryRows, type Executor } from './database.js';
import { isUniqueViolation } from './errors.js';
import { groupMembers, groups, type GroupRow } from './schema/index.js';

export interface NewGroup {
  userStoreId: string;
  /** The name within the store, without the domain prefix. */
  displayName: string;
  externalId: string | null;
  resource: Record<string, unknown>;
}

export interface MemberRef {
  value: string;
  type: 'User' | 'Group';
}

export interface MemberView extends MemberRef {
  display: string | null;
}

const taken = (name: string) =>
  conflict('uniqueness', `A group named '${name}' already exists`, [{ field: 'displayName', message: 'already taken' }]);

/** displayName and externalId have indexes: a value too long for one is bad input, not a database error. */
function checkGroupLengths(group: Partial<Pick<NewGroup, 'displayName' | 'externalId' | 'resource'>>): void {
  checkIndexedLength('displayName', group.resource?.displayName ?? group.displayName);
  checkIndexedLength('externalId', group.resource?.externalId ?? group.externalId);
}

export async function insertGroup(executor: Executor, group: NewGroup): Promise<GroupRow> {
  checkGroupLengths(group);
  const [row] = await executor.insert(groups).values(group).onConflictDoNothing().returning();
  if (!row) throw taken(String(group.resource.displayName ?? group.displayName));
  return row;
}

export async function findGroupById(executor: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<GroupRow | undefined> {
  const query = executor.select().from(groups).where(eq(groups.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

/** Writes the group's own attributes and bumps its version; `expectedVersion` guards read-modify-write. */
export async function updateGroup(
  executor: Executor,
  id: string,
  changes: Partial<Pick<NewGroup, 'displayName' | 'externalId' | 'resource'>>,
  expectedVersion?: number,
): Promise<GroupRow> {
  checkGroupLengths(changes);
  const where = expectedVersion === undefined ? eq(groups.id, id) : and(eq(groups.id, id), eq(groups.version, expectedVersion));
  let row: GroupRow | undefined;
  try {
    [row] = await executor
      .update(groups)
      .set({ ...changes, version: sql`${groups.version} + 1`, updatedAt: sql`now()` })
      .where(where)
      .returning();
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(String(changes.resource?.displayName ?? changes.displayName));
    throw error;
  }
  if (row) return row;
  if (expectedVersion !== undefined && (await findGroupById(executor, id))) {
    throw new AppError(
      'precondition_failed',
      'version_mismatch',
      `group ${id} was changed by someone else (version is no longer ${expectedVersion})`,
    );
  }
  throw notFound('group_not_found', `group ${id} does not exist`);
}

/** Bumps the version after a member change (the group's ETag must change with its members). */
export async function touchGroup(executor: Executor, id: string, expectedVersion?: number): Promise<GroupRow> {
  return updateGroup(executor, id, {}, expectedVersion);
}

export async function deleteGroupRow(executor: Executor, id: string): Promise<GroupRow | undefined> {
  const [row] = await executor.delete(groups).where(eq(groups.id, id)).returning();
  // Memberships of this group in other groups go too (member rows of its own members cascade).
  if (row) await removeFromAllGroups(executor, id);
  return row;
}

/**
 * Removes a deleted user or group from every group it belonged to (member_id has no foreign key). Those groups lose
 * a member, so their representation changes: their version (the ETag) and lastModified move with it.
 */
export async function removeFromAllGroups(executor: Executor, memberId: string): Promise<void> {
  await removeMembersEverywhere(executor, [memberId]);
}

/** `removeFromAllGroups` for several members at once; returns how many memberships went. */
export async function removeMembersEverywhere(executor: Executor, memberIds: readonly string[]): Promise<number> {
  if (memberIds.length === 0) return 0;
  const [row] = await queryRows<{ removed: number }>(
    executor,
    sql`with removed as (
          delete from group_members where member_id in (${sql.join(
            memberIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )}) returning group_id),
        touched as (
          update groups set version = version + 1, updated_at = now() where id in (select group_id from removed) returning 1)
        select (select count(*) from removed)::int as removed, (select count(*) from touched)::int as touched`,
  );
  return row?.removed ?? 0;
}

/** Which of these ids are existing users or groups (members must exist), with the store each lives in. */
export async function findMemberTypes(
  executor: Executor,
  ids: string[],
): Promise<Map<string, { type: 'User' | 'Group'; userStoreId: string }>> {
  const found = new Map<string, { type: 'User' | 'Group'; userStoreId: string }>();
  if (ids.length === 0) return found;
  const list = sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const result = await queryRows<{ id: string; kind: 'User' | 'Group'; store: string }>(
    executor,
    sql`select id::text as id, 'User' as kind, user_store_id::text as store from users where id in (${list})
        union all select id::text, 'Group', user_store_id::text from groups where id in (${list})`,
  );
  for (const r of result) found.set(r.id, { type: r.kind, userStoreId: r.store });
  return found;
}

/** Adds members; already-present ones are left alone. Returns those actually added. */
export async function addMembers(executor: Executor, groupId: string, members: MemberRef[]): Promise<MemberRef[]> {
  if (members.length === 0) return [];
  const added = await executor
    .insert(groupMembers)
    .values(members.map((m) => ({ groupId, memberId: m.value, memberType: m.type })))
    .onConflictDoNothing()
    .returning({ value: groupMembers.memberId, type: groupMembers.memberType });
  return added as MemberRef[];
}

/** Removes the given members (or every member when `ids` is undefined). Returns the removed ids. */
export async function removeMembers(executor: Executor, groupId: string, ids?: string[]): Promise<string[]> {
  if (ids && ids.length === 0) return [];
  const where = ids ? and(eq(groupMembers.groupId, groupId), inArray(groupMembers.memberId, ids)) : eq(groupMembers.groupId, groupId);
  const removed = await executor.delete(groupMembers).where(where).returning({ id: groupMembers.memberId });
  return removed.map((r) => r.id);
}

/** Members of groups with their display names, for responses (one query for a whole page of groups). */
/**
 * The members of these groups. `userStoreIds` (a store-restricted SCIM client's stores) leaves out members that
 * live in other stores: the client may not see them anywhere else either.
 */
export async function listMembers(
  executor: Executor,
  groupIds: string[],
  userStoreIds?: readonly string[] | null,
): Promise<Map<string, MemberView[]>> {
  const byGroup = new Map<string, MemberView[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const visible = userStoreIds ? sql`and coalesce(u.user_store_id, g.user_store_id) in (${storeList(userStoreIds)})` : sql``;
  const result = await queryRows<{ group_id: string; value: string; type: 'User' | 'Group'; display: string | null }>(
    executor,
    sql`select m.group_id::text as group_id, m.member_id::text as value, m.member_type as type,
               coalesce(u.display_name, u.resource ->> 'userName', g.resource ->> 'displayName') as display
        from group_members m
        left join users u on m.member_type = 'User' and u.id = m.member_id
        left join groups g on m.member_type = 'Group' and g.id = m.member_id
        where m.group_id in (${sql.join(
          groupIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) ${visible}
        order by m.added_at, m.member_id`,
  );
  for (const r of result) byGroup.get(r.group_id)?.push({ value: r.value, type: r.type, display: r.display });
  return byGroup;
}

const storeList = (ids: readonly string[]) =>
  ids.length === 0
    ? sql`null`
    : sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      );

/**
 * The groups a user (or group) belongs to, for the User's read-only `groups` attribute; with `userStoreIds`, only
 * groups in those stores (what a store-restricted SCIM client may see).
 */
export async function listGroupsOf(
  executor: Executor,
  memberIds: string[],
  userStoreIds?: readonly string[] | null,
): Promise<Map<string, Array<{ value: string; display: string }>>> {
  const byMember = new Map<string, Array<{ value: string; display: string }>>(memberIds.map((id) => [id, []]));
  if (memberIds.length === 0) return byMember;
  const visible = userStoreIds ? sql`and g.user_store_id in (${storeList(userStoreIds)})` : sql``;
  const result = await queryRows<{ member_id: string; value: string; display: string }>(
    executor,
    sql`select m.member_id::text as member_id, g.id::text as value, g.resource ->> 'displayName' as display
        from group_members m join groups g on g.id = m.group_id
        where m.member_id in (${sql.join(
          memberIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) ${visible}
        order by g.display_name`,
  );
  for (const r of result) byMember.get(r.member_id)?.push({ value: r.value, display: r.display });
  return byMember;
}
