// /Groups operations (RFC 7644 §3.3–3.6). Members live one row each in group_members: PATCH adds and
// removes members in SQL without reading the list, and answers 204 unless attributes are asked for, so
// a change to a 100,000-member group never loads its members.
import { AppError, isUuid } from '../domain/index.js';
import {
  type Tx,
  addMembers,
  deleteGroupRow,
  findGroupById,
  findMemberTypes,
  insertGroup,
  listMembers,
  removeMembers,
  touchGroup,
  updateGroup,
  type MemberRef,
  type OutboxEventType,
  writeChange,
  searchScim,
  type GroupRow,
} from '../store/index.js';
import { lenientAttributes, listResponse } from './list-response.js';
import { encodeCursor, parseListRequest, type ListRequest } from './list-query.js';
import { checkIfMatch, notFound, type ScimCall, type ScimResult } from './operation.js';
import { parsePatchRequest, type PatchOperation } from './patch.js';
import { etagMatches, etagOf, groupRepresentation, groupToScim, parseEtags, project } from './representation.js';
import { coerceInbound } from './schemas.js';
import { canSee, checkQualifiedName } from './write-guard.js';

const MAX_MEMBERS_PER_REQUEST = 10_000;

async function answer(call: ScimCall, status: number, row: GroupRow, executor: Tx | ScimCall['ctx']['store']['db']): Promise<ScimResult> {
  const { attributes, excluded } = lenientAttributes('Group', call);
  const wantsMembers = attributes
    ? attributes.some((p) => p[0] === 'members')
    : !excluded?.some((p) => p[0] === 'members' && p.length === 1);
  const members = wantsMembers ? (await listMembers(executor, [row.id], call.principal.userStoreIds)).get(row.id) : undefined;
  const location = `${call.baseUrl}/Groups/${row.id}`;
  return {
    status,
    body: project(groupToScim(row, call.baseUrl, members ?? (wantsMembers ? [] : undefined)), attributes, excluded),
    headers: { etag: etagOf(row.version), ...(status === 201 ? { location } : {}), 'content-location': location },
  };
}

/** Validates member references ({ value: id }); every member must be an existing user or group. */
async function resolveMembers(tx: Tx, principal: ScimCall['principal'], value: unknown, groupId?: string): Promise<MemberRef[]> {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  if (list.length > MAX_MEMBERS_PER_REQUEST)
    throw new AppError('invalid_input', 'tooMany', `At most ${MAX_MEMBERS_PER_REQUEST} members per request`);
  const ids: string[] = [];
  for (const item of list) {
    const id = item && typeof item === 'object' ? (item as Record<string, unknown>).value : undefined;
    if (typeof id !== 'string' || !isUuid(id))
      throw new AppError('invalid_input', 'invalidValue', 'Each member needs a value that is the id of a User or Group');
    if (id === groupId) throw new AppError('invalid_input', 'invalidValue', 'A group cannot be a member of itself');
    ids.push(id.toLowerCase());
  }
  const unique = [...new Set(ids)];
  const found = await findMemberTypes(tx, unique);
  // A member the client may not see (another user store, for a restricted client) is as good as missing.
  const missing = unique.find((id) => !found.has(id) || !canSee(principal, found.get(id)!));
  if (missing) throw new AppError('invalid_input', 'invalidValue', `Member ${missing} is not an existing User or Group`);
  return unique.map((id) => ({ value: id, type: found.get(id)!.type }));
}

async function loadForWrite(tx: Tx, call: ScimCall, id: string): Promise<GroupRow> {
  const row = isUuid(id) ? await findGroupById(tx, id, { forUpdate: true }) : undefined;
  if (!row || !canSee(call.principal, row)) throw notFound('Group', id);
  checkIfMatch(call, row.version);
  return row;
}

/** The audit and outbox events of a group write, through the store's one change function (after the group rows). */
async function recordWrite(tx: Tx, call: ScimCall, eventType: OutboxEventType, row: GroupRow, details: Record<string, unknown> = {}) {
  await writeChange(tx, {
    audit: [
      {
        actorType: 'scim_client',
        actorId: call.principal.id,
        action: `scim.${eventType}`,
        targetType: 'group',
        targetId: row.id,
        outcome: 'success',
        details: { displayName: row.resource && (row.resource as Record<string, unknown>).displayName, ...details },
      },
    ],
    outbox: [
      {
        resourceType: 'Group',
        resourceId: row.id,
        userStoreId: row.userStoreId,
        eventType,
        payload: eventType === 'group.delete' ? { id: row.id } : { ...groupToScim(row, call.baseUrl), ...details },
        resourceVersion: row.version,
      },
    ],
  });
}

export async function createGroup(call: ScimCall, body: unknown): Promise<ScimResult> {
  const resource = coerceInbound('Group', body);
  const row = await call.ctx.store.transaction(async (tx) => {
    const checked = await checkQualifiedName(tx, call.principal, resource.displayName, 'displayName', 'Group');
    resource.displayName = checked.qualified;
    const members = await resolveMembers(tx, call.principal, (body as Record<string, unknown>).members);
    const created = await insertGroup(tx, {
      userStoreId: checked.store.id,
      displayName: checked.name,
      externalId: (resource.externalId as string | undefined) ?? null,
      resource,
    });
    await addMembers(tx, created.id, members);
    await recordWrite(tx, call, 'group.create', created, { memberCount: members.length });
    return created;
  });
  return answer(call, 201, row, call.ctx.store.db);
}

export async function getGroup(call: ScimCall, id: string): Promise<ScimResult> {
  const row = isUuid(id) ? await findGroupById(call.ctx.store.db, id) : undefined;
  if (!row || !canSee(call.principal, row)) throw notFound('Group', id);
  const tags = parseEtags(call.ifNoneMatch);
  if (tags !== undefined && etagMatches(tags, row.version)) return { status: 304, headers: { etag: etagOf(row.version) } };
  return answer(call, 200, row, call.ctx.store.db);
}

export async function listGroups(call: ScimCall, request: ListRequest): Promise<ScimResult> {
  const query = parseListRequest('Group', request, call.principal);
  const page = await searchScim(call.ctx.store.db, 'groups', { ...query.search, userStoreIds: call.principal.userStoreIds });
  const wantsMembers = query.attributes
    ? query.attributes.some((p) => p[0] === 'members')
    : !query.excluded?.some((p) => p[0] === 'members' && p.length === 1);
  const members = wantsMembers
    ? await listMembers(
        call.ctx.store.db,
        page.rows.map((r) => r.id),
        call.principal.userStoreIds,
      )
    : undefined;
  const resources = page.rows.map((row) =>
    project(groupRepresentation(row, call.baseUrl, members?.get(row.id)), query.attributes, query.excluded),
  );
  const nextCursor = page.next && query.cursorFingerprint ? encodeCursor({ ...page.next, f: query.cursorFingerprint }) : undefined;
  return { status: 200, body: listResponse(resources, page.totalResults, query.search, nextCursor) };
}

export async function replaceGroup(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
  const resource = coerceInbound('Group', body);
  const row = await call.ctx.store.transaction(async (tx) => {
    const before = await loadForWrite(tx, call, id);
    const checked = await checkQualifiedName(tx, call.principal, resource.displayName, 'displayName', 'Group');
    if (checked.store.id !== before.userStoreId)
      throw new AppError('invalid_input', 'mutability', 'displayName cannot move a group to another user store');
    resource.displayName = checked.qualified;
    const members = await resolveMembers(tx, call.principal, (body as Record<string, unknown>).members, before.id);
    await removeMembers(tx, before.id);
    await addMembers(tx, before.id, members);
    const updated = await updateGroup(
      tx,
      before.id,
      { displayName: checked.name, externalId: (resource.externalId as string | undefined) ?? null, resource },
      before.version,
    );
    await recordWrite(tx, call, 'group.update', updated, { via: 'put', memberCount: members.length });
    return updated;
  });
  return answer(call, 200, row, call.ctx.store.db);
}

/** `members[value eq "id"]` → the id. */
function memberFilterId(path: string): string | undefined {
  const match = /^members\s*\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(path);
  return match?.[1];
}

export async function patchGroup(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
  const operations = parsePatchRequest(body);
  const row = await call.ctx.store.transaction(async (tx) => {
    const before = await loadForWrite(tx, call, id);
    const resource = { ...(before.resource as Record<string, unknown>) };
    let attributesChanged = false;
    const added: string[] = [];
    const removed: string[] = [];

    const setAttribute = async (name: string, value: unknown, op: PatchOperation['op']) => {
      const key = name.toLowerCase();
      if (key === 'displayname') {
        if (op === 'remove') throw new AppError('invalid_input', 'mutability', 'displayName is required and cannot be removed');
        const checked = await checkQualifiedName(tx, call.principal, value, 'displayName', 'Group');
        if (checked.store.id !== before.userStoreId)
          throw new AppError('invalid_input', 'mutability', 'displayName cannot move a group to another user store');
        resource.displayName = checked.qualified;
      } else if (key === 'externalid') {
        if (op === 'remove' || value === null) delete resource.externalId;
        else if (typeof value === 'string') resource.externalId = value;
        else throw new AppError('invalid_input', 'invalidValue', 'externalId must be a string');
      } else throw new AppError('invalid_input', 'invalidPath', `'${name}' is not a modifiable attribute of Group`);
      attributesChanged = true;
    };
    const applyMembers = async (op: PatchOperation['op'], value: unknown) => {
      if (op === 'remove') {
        if (value === undefined) removed.push(...(await removeMembers(tx, before.id)));
        else
          removed.push(
            ...(await removeMembers(
              tx,
              before.id,
              (await resolveMembersLoose(value)).map((m) => m),
            )),
          );
        return;
      }
      const members = await resolveMembers(tx, call.principal, value, before.id);
      if (op === 'replace') removed.push(...(await removeMembers(tx, before.id)));
      added.push(...(await addMembers(tx, before.id, members)).map((m) => m.value));
    };

    for (const operation of operations) {
      const { op, path, value } = operation;
      if (!path) {
        if (!value || typeof value !== 'object' || Array.isArray(value))
          throw new AppError('invalid_input', 'invalidValue', `A ${op} without path needs an object value`);
        for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
          if (key.toLowerCase() === 'members') await applyMembers(op, v);
          else if (key === 'schemas' || key === 'id' || key === 'meta') continue;
          else await setAttribute(key, v, op);
        }
        continue;
      }
      const memberId = memberFilterId(path);
      if (memberId !== undefined) {
        if (op !== 'remove') throw new AppError('invalid_input', 'invalidPath', `Only remove is supported on '${path}'`);
        if (isUuid(memberId)) removed.push(...(await removeMembers(tx, before.id, [memberId.toLowerCase()])));
        continue;
      }
      if (path.toLowerCase() === 'members') await applyMembers(op, value);
      else await setAttribute(path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:Group:/i, ''), value, op);
    }

    // Events say what changed. Members a replace removed and added back, and attributes set to the values they had,
    // are no change: a PATCH that sends the group as it is (an outbound push to a jitbridge that syncs back, a
    // client repeating itself) writes nothing, instead of echoing events that come back as the same PATCH.
    const readded = new Set(added);
    const wereMembers = new Set(removed);
    removed.splice(0, removed.length, ...removed.filter((m) => !readded.has(m)));
    added.splice(0, added.length, ...added.filter((m) => !wereMembers.has(m)));
    const old = before.resource as Record<string, unknown>;
    if (attributesChanged && resource.displayName === old.displayName && resource.externalId === old.externalId) attributesChanged = false;
    const changedMembers = added.length > 0 || removed.length > 0;
    if (!attributesChanged && !changedMembers) return before;
    const updated = attributesChanged
      ? await updateGroup(
          tx,
          before.id,
          { displayName: splitName(resource.displayName), externalId: (resource.externalId as string | undefined) ?? null, resource },
          before.version,
        )
      : await touchGroup(tx, before.id, before.version);
    if (attributesChanged) await recordWrite(tx, call, 'group.update', updated, { via: 'patch' });
    if (added.length) await recordWrite(tx, call, 'group.member_add', updated, { added });
    if (removed.length) await recordWrite(tx, call, 'group.member_remove', updated, { removed });
    return updated;
  });
  // 204 is allowed for PATCH (RFC 7644 §3.5.2) and spares reading a large member list; ask for
  // `attributes` to get the resource back.
  if (!call.attributes && !call.excludedAttributes) return { status: 204, headers: { etag: etagOf(row.version) } };
  return answer(call, 200, row, call.ctx.store.db);
}

const splitName = (qualified: unknown) => {
  const value = String(qualified);
  const at = value.indexOf('/');
  return at > 0 ? value.slice(at + 1) : value;
};

/** Member ids in a remove value (they need not exist any more). */
async function resolveMembersLoose(value: unknown): Promise<string[]> {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((item) => {
    const id = item && typeof item === 'object' ? (item as Record<string, unknown>).value : undefined;
    if (typeof id !== 'string') throw new AppError('invalid_input', 'invalidValue', 'Each member to remove needs a value');
    return isUuid(id) ? [id.toLowerCase()] : [];
  });
}

export async function deleteGroup(call: ScimCall, id: string): Promise<ScimResult> {
  await call.ctx.store.transaction(async (tx) => {
    const before = await loadForWrite(tx, call, id);
    await deleteGroupRow(tx, before.id);
    await recordWrite(tx, call, 'group.delete', before);
  });
  return { status: 204 };
}
