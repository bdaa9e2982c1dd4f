// The writes of the commonest JIT logins, each one statement (atomic without a transaction, one round trip):
// a first login (link, user, outbox event, audit event), a returning login that changes the user (user update,
// link touch, outbox and audit events) and one that changes nothing (link touch, audit event). Constant SQL text
// through `hotRows`, so that PostgreSQL keeps each prepared per connection: these run on every login.
// In the first-login statement the link goes first and the user only if the link went in; a user that cannot go in
// (username or id taken since planning) leaves a link to no user, which the foreign key refuses at the end of the
// statement — so either everything is written or nothing is.
import type { AuditEntry } from './audit-repo.js';
import { hotRows, type Executor } from './database.js';
import { isForeignKeyViolation } from './errors.js';
import type { NewLink } from './federated-identities-repo.js';
import type { Provenance, ScimUserResource } from '../domain/index.js';
import { userInsertText, userInsertValues, userUpdateText, userUpdateValues, type NewUser } from './users-repo.js';

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/** The audit insert's columns; its values are `$first` … `$first+7` (details jsonb). */
const auditInsert = (first: number, from: string) =>
  `insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, reason, details)
   select $${first}::text, $${first + 1}::text, $${first + 2}::text, $${first + 3}::text, $${first + 4}::text,
          $${first + 5}::text, $${first + 6}::text, $${first + 7}::jsonb
   from ${from}`;
const auditValues = (audit: AuditEntry): unknown[] => [
  audit.actorType,
  audit.actorId ?? null,
  audit.action,
  audit.targetType ?? null,
  audit.targetId ?? null,
  audit.outcome,
  audit.reason ?? null,
  json(audit.details),
];

// $1-$4 the link, $5-$18 the user (its resource is $8), $19-$26 the audit event, $27 the link's sync fingerprint
// (verified at version 1, the new user's). The outbox event's payload is
// the user's resource with its id (what `{ id, ...resource }` gives: jsonb keeps the last of duplicate keys).
const FIRST_LOGIN = `with l as (
    insert into federated_identities (idp_id, subject, user_id, last_claims, last_login_at, sync_fingerprint, sync_version)
    values ($1::uuid, $2::text, $3::uuid, $4::jsonb, now(), $27::text, case when $27::text is null then null else 1 end)
    on conflict (idp_id, subject) do nothing
    returning id),
  u as (${userInsertText(5)} where exists (select 1 from l) on conflict do nothing returning id, user_store_id, resource),
  o as (
    insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
    select 'User', u.id, u.user_store_id, 'create', jsonb_build_object('id', u.id) || u.resource, 1
    from u),
  a as (${auditInsert(19, 'u')})
  select (select count(*) from u)::int as created`;

/**
 * 'created', or 'stale' when the identity was linked or the username/id taken since planning (plan again). The
 * outbox event is the user's `create` at version 1; `fingerprint` goes on the link as verified at version 1.
 */
export async function insertFirstLogin(
  executor: Executor,
  write: { user: NewUser & { id: string }; link: NewLink; audit: AuditEntry; fingerprint?: string | null },
): Promise<'created' | 'stale'> {
  const { user, link, audit } = write;
  try {
    const [result] = await hotRows<{ created: number }>(executor, FIRST_LOGIN, [
      link.idpId,
      link.subject,
      link.userId,
      json(link.lastClaims),
      ...userInsertValues(user, JSON.stringify(user.resource)),
      ...auditValues(audit),
      write.fingerprint ?? null,
    ]);
    return result?.created === 1 ? 'created' : 'stale';
  } catch (error) {
    if (isForeignKeyViolation(error)) return 'stale';
    throw error;
  }
}

// $1-$11 the user update, $12 the link, $13 its last claims, $14-$21 the audit event, $22 the link's sync
// fingerprint (verified at the user's new version).
const RETURNING_UPDATE = `with u as (${userUpdateText(1)} returning id, version, user_store_id, resource),
  t as (
    update federated_identities set last_login_at = now(), last_claims = $13::jsonb, updated_at = now(),
      sync_fingerprint = $22::text, sync_version = case when $22::text is null then null else u.version end
    from u
    where federated_identities.id = $12::uuid
    returning federated_identities.id),
  o as (
    insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
    select 'User', u.id, u.user_store_id, 'update', jsonb_build_object('id', u.id) || u.resource, u.version
    from u),
  a as (${auditInsert(14, 'u')})
  select (select count(*) from u)::int as updated`;

/**
 * A returning login that changes the user (no group changes): user update (only if its version is still the one
 * planned from), link touch, outbox event (`update`, the user with its id, at the new version) and audit event in
 * one statement. 'stale' when the version moved (plan again).
 */
export async function updateReturningLogin(
  executor: Executor,
  write: {
    userId: string;
    expectedVersion: number;
    changes: { resource: ScimUserResource; provenance: Provenance };
    linkId: string;
    lastClaims: Record<string, unknown> | null;
    audit: AuditEntry;
    fingerprint?: string | null;
  },
): Promise<'updated' | 'stale'> {
  const [result] = await hotRows<{ updated: number }>(executor, RETURNING_UPDATE, [
    ...userUpdateValues(write.userId, write.changes, JSON.stringify(write.changes.resource), write.expectedVersion),
    write.linkId,
    json(write.lastClaims),
    ...auditValues(write.audit),
    write.fingerprint ?? null,
  ]);
  return result?.updated === 1 ? 'updated' : 'stale';
}

// $1 the link, $2 its last claims, $3-$10 the audit event, $11-$12 the link's sync fingerprint and the user
// version it was verified at.
const RETURNING_UNCHANGED = `with touched as (
    update federated_identities set last_login_at = now(), last_claims = $2::jsonb, updated_at = now(),
      sync_fingerprint = $11::text, sync_version = $12::int
    where id = $1::uuid returning id)
  ${auditInsert(3, 'touched')}`;

/** Written with a link: the fingerprint of a login that was verified to leave the user at `version` unchanged. */
export interface SyncFingerprint {
  fingerprint: string;
  version: number;
}

/**
 * A returning login that changes nothing: the link's last login and the audit event of the decision, in one
 * statement (the commonest login, when `recordUnchangedOrReadContext` could not record it by itself).
 */
export async function touchLinkWithAudit(
  executor: Executor,
  linkId: string,
  lastClaims: Record<string, unknown> | null,
  audit: AuditEntry,
  sync: SyncFingerprint | null = null,
): Promise<void> {
  await hotRows(executor, RETURNING_UNCHANGED, [
    linkId,
    json(lastClaims),
    ...auditValues(audit),
    sync?.fingerprint ?? null,
    sync?.version ?? null,
  ]);
}
