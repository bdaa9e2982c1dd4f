// The outbox: every change to a user or group leaves an event in the same transaction as the change.
// Outbound provisioning reads it in id order.
import type { Executor } from './database.js';
import { outboxEvents } from './schema/index.js';

export type OutboxEventType =
  | 'create'
  | 'update'
  | 'deactivate'
  | 'delete'
  | 'group.create'
  | 'group.update'
  | 'group.delete'
  | 'group.member_add'
  | 'group.member_remove';

export interface OutboxEntry {
  resourceType: 'User' | 'Group';
  resourceId: string;
  userStoreId: string | null;
  eventType: OutboxEventType;
  payload: unknown;
  resourceVersion?: number | null;
}

/** A prepared statement (see recordAudit): one round trip inside a transaction. */
export async function emitOutboxEvent(executor: Executor, entry: OutboxEntry): Promise<void> {
  await executor
    .insert(outboxEvents)
    .values({
      resourceType: entry.resourceType,
      resourceId: entry.resourceId,
      userStoreId: entry.userStoreId,
      eventType: entry.eventType,
      payload: entry.payload ?? null,
      resourceVersion: entry.resourceVersion ?? null,
    })
    .prepare('emit_outbox_event')
    .execute();
}
