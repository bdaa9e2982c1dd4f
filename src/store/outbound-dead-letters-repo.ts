// Persistence of what went wrong in outbound delivery and how much is waiting: listing deliveries (the failed
// ones are the dead letters), requeueing them, and counts per connector and status.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { rows, type Executor } from './database.js';
import { outboundDeliveries, outboxEvents } from './schema/index.js';

// -------------------------------------------------------------------------------- dead letters, counts

export interface DeliveryListing {
  id: number;
  eventId: number;
  resourceId: string;
  eventType: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
}

export async function listDeliveries(
  executor: Executor,
  connectorId: string,
  query: { status?: string | undefined; limit: number; before?: number | undefined },
): Promise<DeliveryListing[]> {
  const d = outboundDeliveries;
  const e = outboxEvents;
  const conditions = [eq(d.connectorId, connectorId)];
  if (query.status) conditions.push(eq(d.status, query.status));
  if (query.before !== undefined) conditions.push(lt(d.eventId, query.before));
  const found = await executor
    .select({
      id: d.id,
      eventId: d.eventId,
      resourceId: d.resourceId,
      eventType: sql<string | null>`coalesce(${e.eventType}, ${d.eventType})`,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      nextAttemptAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt,
    })
    .from(d)
    .leftJoin(e, eq(e.id, d.eventId))
    .where(and(...conditions))
    .orderBy(desc(d.eventId))
    .limit(query.limit);
  return found.map((r) => ({ ...r, id: Number(r.id), eventId: Number(r.eventId) }));
}

/**
 * Puts dead letters back in the queue (all of a connector's, or one event's). A dead letter whose resource
 * has since had a later event delivered is superseded (every event carries the whole resource; sending the
 * older one would roll the downstream back): it is marked skipped instead.
 */
export async function requeueFailed(
  executor: Executor,
  connectorId: string,
  eventId?: number,
): Promise<{ requeued: number; skipped: number }> {
  const one = eventId === undefined ? sql`` : sql`and d.event_id = ${eventId}`;
  const changed = await rows<{ status: string }>(
    executor,
    sql`update outbound_deliveries d
           set status = case when exists (
                 select 1 from outbound_deliveries l
                 where l.connector_id = d.connector_id and l.resource_id = d.resource_id and l.event_id > d.event_id and l.status = 'delivered')
               then 'skipped' else 'pending' end,
               attempts = 0, next_attempt_at = now(), locked_until = null
         where d.connector_id = ${connectorId} and d.status = 'failed' ${one}
        returning d.status`,
  );
  return { requeued: changed.filter((r) => r.status === 'pending').length, skipped: changed.filter((r) => r.status === 'skipped').length };
}

export async function readJobResult(executor: Executor, jobId: number): Promise<unknown> {
  const [row] = await rows<{ result: unknown }>(executor, sql`select result from jobs where id = ${jobId}`);
  return row?.result ?? null;
}

export async function countPendingByConnector(executor: Executor): Promise<Map<string, number>> {
  const found = await rows<{ connector_id: string; pending: number }>(
    executor,
    sql`select connector_id, count(*)::int as pending from outbound_deliveries where status = 'pending' group by connector_id`,
  );
  return new Map(found.map((r) => [String(r.connector_id), Number(r.pending)]));
}

export async function countDeliveriesByStatus(
  executor: Executor,
  connectorId: string,
  options: { fromEventId?: number; eventType?: string } = {},
): Promise<Record<string, number>> {
  const type = options.eventType ? sql`and event_type = ${options.eventType}` : sql``;
  const found = await rows<{ status: string; n: number }>(
    executor,
    sql`select status, count(*)::int as n from outbound_deliveries
        where connector_id = ${connectorId} and event_id >= ${options.fromEventId ?? 0} ${type} group by status`,
  );
  return Object.fromEntries(found.map((r) => [r.status, Number(r.n)]));
}
