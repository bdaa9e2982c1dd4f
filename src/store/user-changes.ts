// The one way a user changes: the user row (with its provenance), the federated link of a JIT login, the group
// memberships a login's role mappings grant, and the audit and outbox events — written together in the caller's
// transaction. JIT provisioning (`applyPlan`), the SCIM /Users writes and the SCIM /Groups writes (their events)
// all go through `writeChange`, so the rule "a change, its audit event and its outbox event together" lives here.
// Writes avoid raising unique violations (ON CONFLICT), since on PostgreSQL a failed statement aborts the
// transaction; a change that finds the database moved since it was decided throws a `stale_change` conflict.
import { eq, sql } from 'drizzle-orm';
import { AppError } from '../domain/index.js';
import { recordAudit, type AuditEntry } from './audit-repo.js';
import type { Executor } from './database.js';
import type { NewLink } from './federated-identities-repo.js';
import { removeFromAllGroups } from './groups-repo.js';
import { emitOutboxEvent, type OutboxEntry } from './outbox-repo.js';
import { addGroupMember, ensureGroup, removeGroupMember } from './provisioning-groups.js';
import { federatedIdentities } from './schema/index.js';
import type { UserRow } from './schema/index.js';
import { deleteUserRow, insertUser, updateUser, type NewUser, type UserChanges } from './users-repo.js';

/** Written with a link: the fingerprint of a login that was verified to leave the user at `version` unchanged. */
export interface SyncFingerprint {
  fingerprint: string;
  version: number;
}

export type UserWrite =
  | { insert: NewUser }
  /**
   * With `expectedVersion`, written only if nobody wrote in between (else a `version_mismatch` 412). `before`, the
   * row at `expectedVersion`, lets `commitChange` compute events that depend on the written row before writing it.
   */
  | { update: { id: string; changes: UserChanges; expectedVersion?: number; before?: UserRow } }
  /** The row and its group memberships. */
  | { delete: UserRow };

export type LinkWrite =
  | { insert: NewLink; sync: SyncFingerprint | null }
  /** A returning login through the link: last login, last claims, and the sync fingerprint. */
  | { touch: { id: string; lastClaims: Record<string, unknown> | null }; sync: SyncFingerprint | null };

/** Group memberships of one user in one store: groups to create (by name), then to join, then to leave. */
export interface MembershipWrite {
  userId: string;
  userStoreId: string;
  create: readonly string[];
  add: ReadonlyArray<{ name: string; id: string | null }>;
  remove: ReadonlyArray<{ name: string; id: string }>;
}

/** An audit event; `group` names a group this change creates, whose id becomes the target. */
export type ChangeAudit = AuditEntry & { group?: string };
/**
 * An outbox event; `group` names the group of a membership event: a null `resourceId` (a group this change creates)
 * and the group's version are taken from the write. A `payload.id` of null is the created group's id.
 */
export type ChangeOutbox = Omit<OutboxEntry, 'resourceId'> & { resourceId: string | null; group?: string };

export interface Change {
  user?: UserWrite;
  link?: LinkWrite;
  groups?: MembershipWrite;
  /** The events, in order; a function when they depend on the written user row (its version, its meta). */
  audit: readonly ChangeAudit[] | ((user: UserRow | undefined) => readonly ChangeAudit[]);
  outbox: readonly ChangeOutbox[] | ((user: UserRow | undefined) => readonly ChangeOutbox[]);
}

/** The database no longer matches what the change was decided from (the caller decides again). */
export const staleChange = (message: string) => new AppError('conflict', 'stale_change', message);

async function writeUser(executor: Executor, write: UserWrite | undefined): Promise<UserRow | undefined> {
  if (!write) return undefined;
  if ('insert' in write) return insertUser(executor, write.insert);
  if ('update' in write) return updateUser(executor, write.update.id, write.update.changes, write.update.expectedVersion);
  await deleteUserRow(executor, write.delete.id);
  await removeFromAllGroups(executor, write.delete.id);
  return write.delete;
}

async function writeLink(executor: Executor, write: LinkWrite | undefined): Promise<void> {
  if (!write) return;
  const sync = { syncFingerprint: write.sync?.fingerprint ?? null, syncVersion: write.sync?.version ?? null };
  if ('insert' in write) {
    const { idpId, subject, userId, lastClaims } = write.insert;
    const [row] = await executor
      .insert(federatedIdentities)
      .values({ idpId, subject, userId, lastClaims: lastClaims ?? null, lastLoginAt: sql`now()`, ...sync })
      .onConflictDoNothing()
      .returning({ id: federatedIdentities.id });
    if (!row) throw staleChange('the identity was linked concurrently');
    return;
  }
  const { id, lastClaims } = write.touch;
  await executor
    .update(federatedIdentities)
    .set({ lastLoginAt: sql`now()`, lastClaims: lastClaims ?? null, updatedAt: sql`now()`, ...sync })
    .where(eq(federatedIdentities.id, id));
}

/** Group id and version after each membership write, by `${eventType}:${name}`. */
type GroupWrites = Map<string, { id: string; version: number }>;
const key = (eventType: string, name: string) => `${eventType}:${name.toLowerCase()}`;

async function writeMemberships(executor: Executor, write: MembershipWrite | undefined): Promise<GroupWrites> {
  const written: GroupWrites = new Map();
  if (!write) return written;
  const ids = new Map(write.add.filter((g) => g.id).map((g) => [g.name.toLowerCase(), g.id!]));
  for (const name of write.create) {
    const { group, created } = await ensureGroup(executor, write.userStoreId, name);
    if (!created) throw staleChange(`group '${name}' was created concurrently`);
    ids.set(name.toLowerCase(), group.id);
    written.set(key('group.create', name), { id: group.id, version: group.version });
  }
  for (const add of write.add) {
    const id = ids.get(add.name.toLowerCase())!;
    const version = await addGroupMember(executor, id, write.userId);
    if (version === null) throw staleChange(`user ${write.userId} joined group '${add.name}' concurrently`);
    written.set(key('group.member_add', add.name), { id, version });
  }
  for (const remove of write.remove) {
    const version = await removeGroupMember(executor, remove.id, write.userId);
    if (version === null) throw staleChange(`user ${write.userId} left group '${remove.name}' concurrently`);
    written.set(key('group.member_remove', remove.name), { id: remove.id, version });
  }
  return written;
}

/**
 * Writes one change in the caller's transaction: user row, link, group memberships, then the audit and outbox
 * events. Returns the written user row (the deleted one for a delete). A stale change throws (`stale_change`,
 * or the user write's `uniqueness` / `version_mismatch` / `user_not_found`); the caller's transaction rolls back.
 */
export async function writeChange(executor: Executor, change: Change): Promise<UserRow | undefined> {
  const user = await writeUser(executor, change.user);
  await writeLink(executor, change.link);
  const groups = await writeMemberships(executor, change.groups);
  const created = (name: string) => groups.get(key('group.create', name))?.id ?? null;
  const audits = typeof change.audit === 'function' ? change.audit(user) : change.audit;
  for (const { group, ...entry } of audits) {
    await recordAudit(executor, group && entry.targetId == null ? { ...entry, targetId: created(group) } : entry);
  }
  const events = typeof change.outbox === 'function' ? change.outbox(user) : change.outbox;
  for (const { group, ...event } of events) {
    const written = group ? groups.get(key(event.eventType, group)) : undefined;
    const resourceId = event.resourceId ?? written?.id;
    if (!resourceId) throw new Error(`outbox event ${event.eventType} names no resource`);
    const payload = event.payload as Record<string, unknown> | null;
    await emitOutboxEvent(executor, {
      ...event,
      resourceId,
      // The written version (equal to the planned one unless the group changed concurrently).
      resourceVersion: written?.version ?? event.resourceVersion ?? null,
      payload: payload && typeof payload === 'object' && 'id' in payload && payload.id === null ? { ...payload, id: resourceId } : payload,
    });
  }
  return user;
}
