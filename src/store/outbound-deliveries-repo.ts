// Persistence of outbound delivery: the per-connector delivery queue fanned out from the outbox, its claims and
// outcomes, remote ids, and the current local resources a delivery sends. Connectors, dead letters and
// reconciliation: outbound-connectors-repo.ts, outbound-dead-letters-repo.ts, outbound-sync-repo.ts.
//
// Fan-out and the out-of-order commit trap: outbox ids are drawn when a row is inserted, but transactions
// commit in any order, so "everything above the cursor" may miss an event that commits later with a lower id.
// Deliveries are therefore inserted with an anti-join (idempotent thanks to the unique (connector, event)
// index) over every visible event above the cursor, and the cursor only moves up to a *settled* id: an id
// that the sequence had handed out before some transaction id N was handed out, once every transaction
// below N has finished (snapshot xmin ≥ N). See `readOutboxClock` and `src/outbound/outbox-clock.ts`.
import { sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from './database.js';

// ---------------------------------------------------------------------------------------------- fan-out

export interface OutboxClockReading {
  /** Oldest transaction id still running: every transaction below it has committed or rolled back. */
  xmin: bigint;
  /** The last id the outbox sequence handed out (to a committed, running or rolled-back transaction). */
  lastId: number;
  /**
   * A transaction id handed out after `lastId` was read (null when not asked for): every transaction that
   * drew an id up to `lastId` had its own xid before, so below this one.
   */
  after: bigint | null;
}

/**
 * Reads the sequence, then (when `markAfter`) takes a fresh transaction id with pg_current_xact_id(), in
 * that order. Snapshot xmax would not do as the mark: it is one past the last *completed* transaction,
 * and a transaction that started after it may already be running with an outbox id below `lastId`.
 * Taking an xid costs one transaction id, so the worker asks only when new ids appeared.
 */
export async function readOutboxClock(executor: Executor, markAfter: boolean): Promise<OutboxClockReading> {
  const [sequence] = await rows<{ last_id: string | number }>(
    executor,
    sql`select case when is_called then last_value else 0 end as last_id from outbox_events_id_seq`,
  );
  const [snapshot] = await rows<{ xmin: string; after: string | null }>(
    executor,
    markAfter
      ? sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, pg_current_xact_id()::text as after`
      : sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, null as after`,
  );
  return {
    xmin: BigInt(snapshot!.xmin),
    lastId: Number(sequence!.last_id),
    after: snapshot!.after === null ? null : BigInt(snapshot!.after),
  };
}

export interface FanOutScope {
  connectorId: string;
  /** User store domains in scope; null = all. */
  userStores: string[] | null;
  /** Outbox event types in scope. */
  eventTypes: string[];
}

/**
 * Inserts deliveries for visible, not yet fanned-out events above the connector's cursor, then moves the
 * cursor up to `settledId` (or the last id taken when the batch was full). One instance per connector at a
 * time (row lock, SKIP LOCKED); returns -1 when another instance holds it.
 */
export async function fanOutEvents(db: Db, scope: FanOutScope, settledId: number, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const [locked] = await rows<{ cursor: string | number }>(
      tx,
      sql`select outbox_cursor as cursor from outbound_connectors where id = ${scope.connectorId} for update skip locked`,
    );
    if (!locked) return -1;
    const cursor = Number(locked.cursor);
    const types = sql.join(
      scope.eventTypes.map((t) => sql`${t}`),
      sql`, `,
    );
    const storeFilter = scope.userStores
      ? sql`and e.user_store_id in (select id from user_stores where domain in (${sql.join(
          scope.userStores.map((d) => sql`${d.toUpperCase()}`),
          sql`, `,
        )}))`
      : sql``;
    const inserted = await rows<{ event_id: string | number }>(
      tx,
      sql`insert into outbound_deliveries (connector_id, event_id, resource_id)
          select ${scope.connectorId}, e.id, e.resource_id from outbox_events e
          where e.id > ${cursor} and e.event_type in (${types}) ${storeFilter}
            and not exists (select 1 from outbound_deliveries d where d.connector_id = ${scope.connectorId} and d.event_id = e.id)
          order by e.id
          limit ${limit}
          on conflict (connector_id, event_id) do nothing
          returning event_id`,
    );
    const full = inserted.length >= limit;
    const lastTaken = inserted.reduce((max, r) => Math.max(max, Number(r.event_id)), cursor);
    const next = full ? Math.min(settledId, lastTaken) : settledId;
    if (next > cursor) {
      await tx.execute(sql`update outbound_connectors set outbox_cursor = ${next} where id = ${scope.connectorId}`);
    }
    return inserted.length;
  });
}

// ----------------------------------------------------------------------------------------------- claims

export interface ClaimedDelivery {
  id: number;
  connectorId: string;
  eventId: number;
  resourceId: string;
  resourceType: 'User' | 'Group';
  eventType: string;
  payload: unknown;
  attempts: number;
  /** When the change was written (ms since epoch), for the delivery lag. */
  createdMs: number;
}

/**
 * Claims due deliveries of one connector. Only the oldest pending delivery of each resource is claimable, so
 * event N+1 of a user never goes out before N is delivered, skipped or dead-lettered. A claim holds a lease;
 * a crashed worker's claims become claimable again when it runs out.
 */
export async function claimDeliveries(db: Db, connectorId: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  // Step 1, no locks: the oldest pending delivery of each resource (DISTINCT ON walks the
  // (connector, resource, event) index), kept when due and not leased. Written this way rather than as a
  // NOT EXISTS per row, which without fresh statistics (PGlite never analyzes) was planned quadratically.
  const heads = await rows<{ id: string | number }>(
    db,
    sql`select id from (
          select distinct on (resource_id) id, event_id, next_attempt_at, locked_until
          from outbound_deliveries
          where connector_id = ${connectorId} and status = 'pending'
          order by resource_id, event_id) h
        where next_attempt_at <= now() and (locked_until is null or locked_until < now())
        order by event_id
        limit ${limit}`,
  );
  if (heads.length === 0) return [];
  // Step 2: lease them, skipping any another worker took in between (re-checked under the row lock).
  const ids = sql.join(
    heads.map((h) => sql`${Number(h.id)}::bigint`),
    sql`, `,
  );
  const claimed = await rows<Record<string, unknown>>(
    db,
    sql`with taken as (
          select id from outbound_deliveries
          where id in (${ids}) and status = 'pending' and (locked_until is null or locked_until < now())
          for update skip locked)
        update outbound_deliveries d
           set locked_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = d.attempts + 1
          from taken
         where d.id = taken.id
        returning d.id, d.event_id, d.resource_id, d.attempts, d.event_type, d.payload`,
  );
  if (claimed.length === 0) return [];
  // The outbox side is read apart: an UPDATE ... FROM cannot left-join the row being updated.
  const eventIds = claimed.filter((r) => r.event_type == null).map((r) => Number(r.event_id));
  const events = new Map<number, Record<string, unknown>>();
  if (eventIds.length > 0) {
    const found = await rows<Record<string, unknown>>(
      db,
      sql`select id, resource_type, event_type, payload, (extract(epoch from created_at) * 1000)::float8 as created_ms
          from outbox_events where id in (${sql.join(
            eventIds.map((id) => sql`${id}`),
            sql`, `,
          )})`,
    );
    for (const event of found) events.set(Number(event.id), event);
  }
  return claimed
    .map((r) => {
      const event = events.get(Number(r.event_id));
      return {
        id: Number(r.id),
        connectorId,
        eventId: Number(r.event_id),
        resourceId: String(r.resource_id),
        resourceType: (event?.resource_type ?? 'User') as 'User' | 'Group',
        eventType: String(event?.event_type ?? r.event_type ?? 'sync'),
        payload: event ? event.payload : r.payload,
        attempts: Number(r.attempts),
        createdMs: event ? Number(event.created_ms) : Date.now(),
      };
    })
    .sort((a, b) => a.eventId - b.eventId);
}

export type DeliveryOutcome =
  | { id: number; attempts: number; status: 'delivered' | 'skipped'; note?: string }
  | { id: number; attempts: number; status: 'retry'; delayMs: number; error: string }
  | { id: number; attempts: number; status: 'failed'; error: string }
  /** Claimed but not tried (the batch ran out of lease time): back to the queue, the attempt not counted. */
  | { id: number; attempts: number; status: 'release' };

/** Records the outcomes of a batch. A row whose lease passed to another claim (attempts moved on) is left alone. */
export async function recordOutcomes(db: Db, outcomes: DeliveryOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const values = sql.join(
    outcomes.map((o) => {
      const status = o.status === 'retry' || o.status === 'release' ? 'pending' : o.status;
      const spent = o.status === 'release' ? 1 : 0;
      const delay = o.status === 'retry' ? o.delayMs / 1000 : 0;
      const error =
        o.status === 'retry' || o.status === 'failed' ? o.error.slice(0, 2000) : o.status === 'skipped' ? (o.note ?? null) : null;
      return sql`(${o.id}::bigint, ${o.attempts}::int, ${status}::text, ${delay}::float8, ${error}::text, ${spent}::int)`;
    }),
    sql`, `,
  );
  await db.execute(
    sql`update outbound_deliveries d
           set status = v.status, locked_until = null, last_error = coalesce(v.error, case when v.spent = 1 then d.last_error end),
               attempts = d.attempts - v.spent,
               next_attempt_at = case when v.status = 'pending' then now() + make_interval(secs => v.delay) else d.next_attempt_at end,
               delivered_at = case when v.status = 'delivered' then now() else d.delivered_at end
          from (values ${values}) as v(id, attempts, status, delay, error, spent)
         where d.id = v.id and d.attempts = v.attempts and d.status = 'pending'`,
  );
}

// ------------------------------------------------------------------------------------------- remote ids

export async function findRemoteIds(executor: Executor, connectorId: string, localIds: string[]): Promise<Map<string, string>> {
  if (localIds.length === 0) return new Map();
  const found = await rows<{ local_id: string; remote_id: string }>(
    executor,
    sql`select local_id, remote_id from outbound_remote_ids
        where connector_id = ${connectorId} and local_id in (${sql.join(
          localIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
  );
  return new Map(found.map((r) => [String(r.local_id), String(r.remote_id)]));
}

export interface RemoteIdChange {
  localId: string;
  resourceType: 'User' | 'Group';
  /** null forgets the mapping (the remote resource was deleted). */
  remoteId: string | null;
}

export async function saveRemoteIds(db: Db, connectorId: string, changes: RemoteIdChange[]): Promise<void> {
  const upserts = changes.filter((c) => c.remoteId !== null);
  const removals = changes.filter((c) => c.remoteId === null);
  if (upserts.length > 0) {
    const values = sql.join(
      upserts.map((c) => sql`(${connectorId}::uuid, ${c.localId}::uuid, ${c.resourceType}, ${c.remoteId}, now())`),
      sql`, `,
    );
    await db.execute(
      sql`insert into outbound_remote_ids (connector_id, local_id, resource_type, remote_id, updated_at) values ${values}
          on conflict (connector_id, local_id) do update set remote_id = excluded.remote_id, updated_at = now()`,
    );
  }
  if (removals.length > 0) {
    await db.execute(
      sql`delete from outbound_remote_ids where connector_id = ${connectorId}
          and local_id in (${sql.join(
            removals.map((c) => sql`${c.localId}::uuid`),
            sql`, `,
          )})`,
    );
  }
}

/** The current stored resources of users (with their id), for events whose payload is not the resource. */
export async function currentUserResources(executor: Executor, ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  if (ids.length === 0) return new Map();
  const found = await rows<{ id: string; resource: Record<string, unknown> }>(
    executor,
    sql`select id, resource from users where id in (${sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`,
  );
  return new Map(found.map((r) => [String(r.id), { ...r.resource, id: String(r.id) }]));
}

export interface CurrentGroup {
  resource: Record<string, unknown>;
  /** Member ids (users and groups): members live in their own table, not in the group's outbox payloads. */
  members: string[];
}

/** Current groups with their member ids, for group events (whose payloads never list all members). */
export async function currentGroups(executor: Executor, ids: string[]): Promise<Map<string, CurrentGroup>> {
  if (ids.length === 0) return new Map();
  const list = sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const found = await rows<{ id: string; resource: Record<string, unknown>; members: string[] | null }>(
    executor,
    sql`select g.id, g.resource, array(select m.member_id::text from group_members m where m.group_id = g.id order by m.added_at) as members
        from groups g where g.id in (${list})`,
  );
  return new Map(found.map((g) => [String(g.id), { resource: g.resource, members: g.members ?? [] }]));
}
