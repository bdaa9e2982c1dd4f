// The write of a first JIT login in one statement: link, user, outbox event and audit event. One statement is
// atomic without a transaction (one round trip instead of six). The link goes first and the user only if the link
// went in; a user that cannot go in (username or id taken since planning) leaves a link to no user, which the
// foreign key refuses at the end of the statement — so either everything is written or nothing is.
import { sql } from 'drizzle-orm';
import type { AuditEntry } from './audit-repo.js';
import { rows, type Executor } from './database.js';
import { isForeignKeyViolation } from './errors.js';
import type { NewLink } from './federated-identities-repo.js';
import type { OutboxEntry } from './outbox-repo.js';
import type { Provenance, ScimUserResource } from '../domain/scim-user.js';
import { insertUserStatement, updateUserStatement, type NewUser } from './users-repo.js';

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/** 'created', or 'stale' when the identity was linked or the username/id taken since planning (plan again). */
export async function insertFirstLogin(
  executor: Executor,
  write: { user: NewUser & { id: string }; link: NewLink; outbox: OutboxEntry; audit: AuditEntry },
): Promise<'created' | 'stale'> {
  const { user, link, outbox, audit } = write;
  try {
    const [result] = await rows<{ created: number }>(
      executor,
      sql`with l as (
            insert into federated_identities (idp_id, subject, user_id, last_claims, last_login_at)
            values (${link.idpId}::uuid, ${link.subject}, ${link.userId}::uuid, ${json(link.lastClaims)}::jsonb, now())
            on conflict (idp_id, subject) do nothing
            returning id),
          u as (${insertUserStatement(user, sql`exists (select 1 from l)`)} on conflict do nothing returning id),
          o as (
            insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
            select ${outbox.resourceType}, u.id, ${outbox.userStoreId}::uuid, ${outbox.eventType}, ${json(outbox.payload)}::jsonb, ${outbox.resourceVersion ?? null}::int
            from u),
          a as (
            insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, reason, details)
            select ${audit.actorType}, ${audit.actorId ?? null}, ${audit.action}, ${audit.targetType ?? null}, ${audit.targetId ?? null},
                   ${audit.outcome}, ${audit.reason ?? null}, ${json(audit.details)}::jsonb
            from u)
          select (select count(*) from u)::int as created`,
    );
    return result?.created === 1 ? 'created' : 'stale';
  } catch (error) {
    if (isForeignKeyViolation(error)) return 'stale';
    throw error;
  }
}

/**
 * A returning login that changes the user (no group changes): user update (only if its version is still the one
 * planned from), link touch, outbox and audit events in one statement. 'stale' when the version moved (plan again).
 */
export async function updateReturningLogin(
  executor: Executor,
  write: {
    userId: string;
    expectedVersion: number;
    changes: { resource: ScimUserResource; provenance: Provenance };
    linkId: string;
    lastClaims: Record<string, unknown> | null;
    outboxPayload: unknown;
    audit: AuditEntry;
  },
): Promise<'updated' | 'stale'> {
  const { audit } = write;
  const [result] = await rows<{ updated: number }>(
    executor,
    sql`with u as (${updateUserStatement(write.userId, write.changes, write.expectedVersion)} returning id, version, user_store_id),
          t as (
            update federated_identities set last_login_at = now(), last_claims = ${json(write.lastClaims)}::jsonb, updated_at = now()
            where id = ${write.linkId}::uuid and exists (select 1 from u)
            returning id),
          o as (
            insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
            select 'User', u.id, u.user_store_id, 'update', ${json(write.outboxPayload)}::jsonb, u.version
            from u),
          a as (
            insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, reason, details)
            select ${audit.actorType}, ${audit.actorId ?? null}, ${audit.action}, ${audit.targetType ?? null}, ${audit.targetId ?? null},
                   ${audit.outcome}, ${audit.reason ?? null}, ${json(audit.details)}::jsonb
            from u)
        select (select count(*) from u)::int as updated`,
  );
  return result?.updated === 1 ? 'updated' : 'stale';
}
