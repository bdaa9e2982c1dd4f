// Audit events: what happened, who did it, and why. Written in the same transaction as the change.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Executor } from './database.js';
import { auditEvents } from './schema/index.js';

export type ActorType = 'admin' | 'scim_client' | 'idp' | 'user' | 'system';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome: 'success' | 'failure' | 'refused';
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

/** Who performs an action, passed from the edge down to where it is recorded. */
export interface Actor {
  type: ActorType;
  id: string | null;
}

/**
 * Statements that every write runs are prepared on the connection (drizzle's `prepare`): inside a transaction an
 * unprepared statement with parameters costs postgres.js two round trips (describe, then execute), a prepared one
 * one. Only statements whose result columns cannot change with the table (no `returning *`).
 */
export async function recordAudit(executor: Executor, entry: AuditEntry): Promise<void> {
  await executor
    .insert(auditEvents)
    .values({
      actorType: entry.actorType,
      actorId: entry.actorId ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      outcome: entry.outcome,
      reason: entry.reason ?? null,
      details: entry.details ?? null,
    })
    .prepare('record_audit')
    .execute();
}

export interface AuditQuery {
  limit: number;
  /** Only events older than this id (keyset paging, newest first). */
  before?: number | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
}

export async function listAudit(executor: Executor, query: AuditQuery) {
  const conditions: SQL[] = [];
  if (query.before !== undefined) conditions.push(lt(auditEvents.id, query.before));
  if (query.action) conditions.push(eq(auditEvents.action, query.action));
  if (query.targetType) conditions.push(eq(auditEvents.targetType, query.targetType));
  if (query.targetId) conditions.push(eq(auditEvents.targetId, query.targetId));
  return executor
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(query.limit);
}
