// Persistence of outbound reconciliation (sync): queueing every in-scope user for a connector in batches, and the
// sync job's progress.
import { sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from './database.js';

// -------------------------------------------------------------------------------------- reconciliation

export interface SyncUser {
  id: string;
  resource: Record<string, unknown>;
}

/**
 * Queues one 'sync' delivery per in-scope user after `afterId` (keyset), in one transaction. The users are
 * read FOR SHARE so that a change being written waits or finishes first: the sync delivery's id (drawn
 * from the outbox sequence) then orders after every event of the user it has seen.
 */
export async function queueSyncBatch(
  db: Db,
  connectorId: string,
  userStores: string[] | null,
  afterId: string | null,
  limit: number,
): Promise<{ queued: number; lastId: string | null; firstEventId: number | null }> {
  return db.transaction(async (tx) => {
    const storeFilter = userStores
      ? sql`and u.user_store_id in (select id from user_stores where domain in (${sql.join(
          userStores.map((d) => sql`${d.toUpperCase()}`),
          sql`, `,
        )}))`
      : sql``;
    const after = afterId ? sql`and u.id > ${afterId}` : sql``;
    const found = await rows<{ id: string; resource: unknown; domain: string; created: Date; updated: Date; version: number }>(
      tx,
      sql`select u.id, u.resource, s.domain, u.created_at as created, u.updated_at as updated, u.version
          from users u join user_stores s on s.id = u.user_store_id
          where true ${storeFilter} ${after}
          order by u.id limit ${limit} for share of u`,
    );
    if (found.length === 0) return { queued: 0, lastId: afterId, firstEventId: null };
    const values = sql.join(
      found.map((u) => {
        const payload = { ...(u.resource as Record<string, unknown>), id: u.id };
        return sql`(${connectorId}::uuid, nextval('outbox_events_id_seq'), ${u.id}::uuid, 'sync', ${JSON.stringify(payload)}::jsonb)`;
      }),
      sql`, `,
    );
    const inserted = await rows<{ event_id: string | number }>(
      tx,
      sql`insert into outbound_deliveries (connector_id, event_id, resource_id, event_type, payload) values ${values} returning event_id`,
    );
    const firstEventId = inserted.reduce((min, r) => Math.min(min, Number(r.event_id)), Number.MAX_SAFE_INTEGER);
    return { queued: found.length, lastId: found[found.length - 1]!.id, firstEventId };
  });
}

export async function countSyncScope(executor: Executor, userStores: string[] | null): Promise<number> {
  const storeFilter = userStores
    ? sql`where user_store_id in (select id from user_stores where domain in (${sql.join(
        userStores.map((d) => sql`${d.toUpperCase()}`),
        sql`, `,
      )}))`
    : sql``;
  const [row] = await rows<{ n: number }>(executor, sql`select count(*)::int as n from users ${storeFilter}`);
  return Number(row?.n ?? 0);
}

/** Writes a running job's progress into its result column, so the API can show it before the job ends. */
export async function saveJobProgress(executor: Executor, jobId: number, progress: unknown): Promise<void> {
  await executor.execute(sql`update jobs set result = ${JSON.stringify(progress)}::jsonb, updated_at = now() where id = ${jobId}`);
}

export interface SyncJobView {
  id: number;
  status: string;
  attempts: number;
  lastError: string | null;
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export async function latestSyncJob(executor: Executor, queue: string, connectorId: string): Promise<SyncJobView | undefined> {
  const [row] = await rows<Record<string, unknown>>(
    executor,
    sql`select id, status, attempts, last_error, result, created_at, updated_at from jobs
        where queue = ${queue} and payload->>'connectorId' = ${connectorId} order by id desc limit 1`,
  );
  if (!row) return undefined;
  return {
    id: Number(row.id),
    status: String(row.status),
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    result: row.result ?? null,
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
  };
}
