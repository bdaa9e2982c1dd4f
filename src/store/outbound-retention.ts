// Keeps the outbound tables from growing without end. Delivered history is pruned after a retention period,
// but never what the outbound worker still needs:
// - of a user's (or group's) delivered rows per connector, the newest stays: requeueing a dead letter asks
//   whether a later event was delivered, so that an old payload never rolls the downstream back;
// - pending and dead-lettered rows stay, and so do their outbox events (the payload is read from the event);
// - outbox events above any connector's cursor stay: that connector has not fanned them out yet. A disabled
//   connector keeps its cursor, so it holds the outbox back until it is enabled again or deleted.
// Idempotent and done in batches, so any instance may run it at any time without long locks.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from './database.js';

export const OUTBOUND_RETENTION_DAYS = 7;
const BATCH = 5_000;

export interface OutboundPruneResult {
  deliveries: number;
  outboxEvents: number;
}

export async function pruneOutboundHistory(db: Db, options: { retentionDays?: number } = {}): Promise<OutboundPruneResult> {
  const days = options.retentionDays ?? OUTBOUND_RETENTION_DAYS;
  const cutoff = sql`now() - make_interval(days => ${days}::int)`;
  const deliveries = await deleteInBatches(
    db,
    sql`delete from outbound_deliveries where id in (
            select d.id from outbound_deliveries d
            where coalesce(d.delivered_at, d.created_at) < ${cutoff}
              and (d.status = 'skipped'
                   or (d.status = 'delivered' and exists (
                         select 1 from outbound_deliveries later
                         where later.connector_id = d.connector_id and later.resource_id = d.resource_id
                           and later.event_id > d.event_id and later.status = 'delivered')))
            limit ${BATCH})
          returning id`,
  );
  const outboxEvents = await deleteInBatches(
    db,
    sql`delete from outbox_events where id in (
            select e.id from outbox_events e
            where e.created_at < ${cutoff}
              and e.id <= coalesce((select min(outbox_cursor) from outbound_connectors), e.id)
              and not exists (
                select 1 from outbound_connectors c
                join outbound_deliveries d on d.connector_id = c.id and d.event_id = e.id
                where d.status in ('pending', 'failed'))
            order by e.id
            limit ${BATCH})
          returning id`,
  );
  return { deliveries, outboxEvents };
}

/** Runs a `delete ... where id in (select ... limit BATCH) returning id` until a batch comes back short. */
async function deleteInBatches(db: Db, statement: SQL): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await queryRows<{ id: string | number }>(db, statement);
    total += deleted.length;
    if (deleted.length < BATCH) return total;
  }
}
