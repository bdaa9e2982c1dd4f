// /Users operations (RFC 7644 §3.3 create, §3.4 query, §3.5 replace/patch, §3.6 delete). Each write is one
// change through the store (user row and provenance, audit and outbox events together, as a JIT login's writes):
// create, replace and patch commit it with `commitChange` (one statement), after reads made outside it; an update
// writes only at the version it read, and reads again when someone wrote in between. Delete runs in a transaction
// that locks the row.
import {
  changedAttributePaths,
  checkPassword,
  describePasswordProblem,
  recordProvenance,
  AppError,
  type ScimUserResource,
  isUuid,
} from '../domain/index.js';
import {
  type Executor,
  listGroupsOf,
  hashPassword,
  searchScim,
  readSettings,
  type UserRow,
  findUserById,
  commitChange,
  writeChange,
} from '../store/index.js';
import { lenientAttributes, listResponse } from './list-response.js';
import { encodeCursor, parseListRequest, type ListRequest } from './list-query.js';
import { checkIfMatch, notFound, type ScimCall, type ScimResult } from './operation.js';
import { applyPatch, parsePatchRequest, type PatchOperation } from './patch.js';
import { etagMatches, etagOf, parseEtags, project, userRepresentation, userToScim } from './representation.js';
import { coerceInbound } from './schemas.js';
import { canSee, checkQualifiedName, checkUserUpdate } from './write-guard.js';

const provenanceEntry = (call: ScimCall) => ({ source: 'scim' as const, sourceId: call.principal.id, at: new Date().toISOString() });

function answer(call: ScimCall, status: number, row: UserRow, groups?: Array<{ value: string; display: string }>): ScimResult {
  const { attributes, excluded } = lenientAttributes('User', call);
  const body = project(userToScim(row, call.baseUrl, groups), attributes, excluded);
  const location = `${call.baseUrl}/Users/${row.id}`;
  return { status, body, headers: { etag: etagOf(row.version), ...(status === 201 ? { location } : {}), 'content-location': location } };
}

/**
 * A password in a write must meet the same policy as the prompt pages and the admin API (checked against the
 * user's userName, before any hashing or writing); it is hashed and kept apart from the resource (never returned).
 */
async function passwordOf(body: unknown, userName: unknown): Promise<string | undefined> {
  const value = (body as Record<string, unknown> | null)?.password;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 1024)
    throw new AppError('invalid_input', 'invalidValue', 'password must be a string');
  const problems = checkPassword(value, { username: typeof userName === 'string' ? userName : null });
  if (problems.length > 0) {
    const reasons = problems.map((p) => describePasswordProblem(p));
    throw new AppError(
      'invalid_input',
      'invalidValue',
      `password does not meet the password policy: ${reasons.join(' ')}`,
      reasons.map((message) => ({ field: 'password', message })),
    );
  }
  return hashPassword(value);
}

async function loadForWrite(executor: Executor, call: ScimCall, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow> {
  const row = isUuid(id) ? await findUserById(executor, id, options) : undefined;
  if (!row || !canSee(call.principal, row)) throw notFound('User', id);
  checkIfMatch(call, row.version);
  return row;
}

/** The audit and outbox events of a SCIM write, from the written row (its version and meta). */
function eventsOf(call: ScimCall, action: 'create' | 'update' | 'delete', before?: UserRow, details?: Record<string, unknown>) {
  return {
    audit: (row: UserRow | undefined) => [
      {
        actorType: 'scim_client' as const,
        actorId: call.principal.id,
        action: `scim.user.${action}`,
        targetType: 'user',
        targetId: row!.id,
        outcome: 'success' as const,
        details: { userName: (row!.resource as ScimUserResource).userName, ...details },
      },
    ],
    outbox: (row: UserRow | undefined) => [
      {
        resourceType: 'User' as const,
        resourceId: row!.id,
        userStoreId: row!.userStoreId,
        eventType: action === 'update' && before?.active && !row!.active ? ('deactivate' as const) : action,
        payload:
          action === 'delete' ? { id: row!.id, userName: (row!.resource as ScimUserResource).userName } : userToScim(row!, call.baseUrl),
        resourceVersion: row!.version,
      },
    ],
  };
}

export async function createUser(call: ScimCall, body: unknown): Promise<ScimResult> {
  const resource = coerceInbound('User', body) as unknown as ScimUserResource;
  const passwordHash = await passwordOf(body, resource.userName);
  const db = call.ctx.store.db;
  const checked = await checkQualifiedName(db, call.principal, resource.userName, 'userName', 'User');
  resource.userName = checked.qualified;
  const provenance = recordProvenance({}, changedAttributePaths(null, resource), provenanceEntry(call));
  const user = { userStoreId: checked.store.id, userName: checked.name, resource, provenance, passwordHash: passwordHash ?? null };
  const row = (await commitChange(db, { user: { insert: user }, ...eventsOf(call, 'create') }))!;
  return answer(call, 201, row);
}

export async function getUser(call: ScimCall, id: string): Promise<ScimResult> {
  const row = isUuid(id) ? await findUserById(call.ctx.store.db, id) : undefined;
  if (!row || !canSee(call.principal, row)) throw notFound('User', id);
  const tags = parseEtags(call.ifNoneMatch);
  if (tags !== undefined && etagMatches(tags, row.version)) return { status: 304, headers: { etag: etagOf(row.version) } };
  const groups = (await listGroupsOf(call.ctx.store.db, [row.id], call.principal.userStoreIds)).get(row.id);
  return answer(call, 200, row, groups);
}

export async function listUsers(call: ScimCall, request: ListRequest): Promise<ScimResult> {
  const query = parseListRequest('User', request, call.principal);
  const page = await searchScim(call.ctx.store.db, 'users', { ...query.search, userStoreIds: call.principal.userStoreIds });
  // The read-only `groups` attribute costs a join: lists return it only when asked for by name.
  const wantsGroups = query.attributes?.some((p) => p[0] === 'groups');
  const groups = wantsGroups
    ? await listGroupsOf(
        call.ctx.store.db,
        page.rows.map((r) => r.id),
        call.principal.userStoreIds,
      )
    : undefined;
  const resources = page.rows.map((row) =>
    project(userRepresentation(row, call.baseUrl, groups?.get(row.id)), query.attributes, query.excluded),
  );
  const nextCursor = page.next && query.cursorFingerprint ? encodeCursor({ ...page.next, f: query.cursorFingerprint }) : undefined;
  return { status: 200, body: listResponse(resources, page.totalResults, query.search, nextCursor) };
}

export async function replaceUser(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
  const resource = coerceInbound('User', body) as unknown as ScimUserResource;
  const passwordHash = await passwordOf(body, resource.userName);
  const row = await readModifyWrite(call, id, (before) => writeUpdate(call, before, structuredClone(resource), passwordHash, 'put'));
  return answer(call, 200, row);
}

/** Attempts of a read-modify-write before a write that keeps losing to concurrent ones fails with its 412. */
const MAX_ATTEMPTS = 8;

/**
 * Reads the user, changes it and commits the change at the version read (no row lock, no transaction). When
 * someone wrote or deleted it in between, reads again: the answer is then what a locked read would have given
 * (the If-Match check against the newer version, the 404 of a deleted user, or the change applied to the newer row).
 */
async function readModifyWrite(call: ScimCall, id: string, change: (before: UserRow) => Promise<UserRow>): Promise<UserRow> {
  for (let attempt = 1; ; attempt++) {
    const before = await loadForWrite(call.ctx.store.db, call, id);
    try {
      return await change(before);
    } catch (error) {
      const moved = error instanceof AppError && (error.code === 'version_mismatch' || error.code === 'user_not_found');
      if (moved && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
  }
}

async function writeUpdate(
  call: ScimCall,
  before: UserRow,
  resource: ScimUserResource,
  passwordHash: string | undefined,
  via: 'put' | 'patch',
) {
  const db = call.ctx.store.db;
  const checked = await checkQualifiedName(db, call.principal, resource.userName, 'userName', 'User');
  resource.userName = checked.qualified;
  const changed = changedAttributePaths(before.resource as Record<string, unknown>, resource);
  checkUserUpdate(before, checked, changed, await readSettings(db));
  if (changed.length === 0 && passwordHash === undefined) return before;
  const changes = {
    resource,
    userName: checked.name,
    provenance: recordProvenance(before.provenance as never, changed, provenanceEntry(call)),
    ...(passwordHash !== undefined ? { passwordHash } : {}),
  };
  const details = { via, changed: passwordHash ? [...changed, 'password'] : changed };
  const update = { id: before.id, changes, expectedVersion: before.version, before };
  return (await commitChange(db, { user: { update }, ...eventsOf(call, 'update', before, details) }))!;
}

/**
 * The passwords a PATCH sets, in order — an operation whose path is `password`, or a pathless add or replace whose
 * value has a `password` (RFC 7644 §3.5.2.1/3) — and the operations left without them.
 */
function takePasswords(operations: PatchOperation[]): { passwords: unknown[]; others: PatchOperation[] } {
  const passwords: unknown[] = [];
  const others: PatchOperation[] = [];
  for (const operation of operations) {
    if (operation.path?.toLowerCase() === 'password') {
      passwords.push(operation.value);
      continue;
    }
    const value = operation.value;
    const key =
      !operation.path && value && typeof value === 'object' && !Array.isArray(value)
        ? Object.keys(value).find((k) => k.toLowerCase() === 'password')
        : undefined;
    if (key === undefined) {
      others.push(operation);
      continue;
    }
    const { [key]: password, ...rest } = value as Record<string, unknown>;
    passwords.push(password);
    if (Object.keys(rest).length > 0) others.push({ ...operation, value: rest });
  }
  return { passwords, others };
}

export async function patchUser(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
  const operations = parsePatchRequest(body);
  const row = await readModifyWrite(call, id, async (before) => {
    // A password set by PATCH is hashed and kept out of the resource.
    const { passwords, others } = takePasswords(operations);
    const patched = await applyPatch('User', before.id, before.resource as Record<string, unknown>, others);
    const resource = coerceInbound('User', patched) as unknown as ScimUserResource;
    const passwordHash = passwords.length ? await passwordOf({ password: passwords[passwords.length - 1] }, resource.userName) : undefined;
    return writeUpdate(call, before, resource, passwordHash, 'patch');
  });
  return answer(call, 200, row);
}

export async function deleteUser(call: ScimCall, id: string): Promise<ScimResult> {
  await call.ctx.store.transaction(async (tx) => {
    const before = await loadForWrite(tx, call, id, { forUpdate: true });
    await writeChange(tx, { user: { delete: before }, ...eventsOf(call, 'delete') });
  });
  return { status: 204 };
}
