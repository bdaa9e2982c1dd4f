// A durable job queue in the `jobs` table. Workers claim due jobs with FOR UPDATE SKIP LOCKED and hold
// them for a lease; a worker that dies mid-job lets its lease run out and another worker takes the job.
import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Executor } from './database.js';

export interface JobRecord {
  id: number;
  queue: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
}

export interface EnqueueOptions {
  queue: string;
  payload: unknown;
  /** Delay before the first run, in milliseconds. */
  delayMs?: number;
  maxAttempts?: number;
  /** While a job with this key is pending or running in the queue, enqueueing another is a no-op. */
  dedupeKey?: string;
}

/** Adds a job; returns its id, or null when a job with the same dedupe key is already waiting. */
export async function enqueueJob(executor: Executor, options: EnqueueOptions): Promise<number | null> {
  const result = await queryRows<{ id: number }>(
    executor,
    sql`insert into jobs (queue, payload, run_at, max_attempts, dedupe_key)
        values (${options.queue}, ${JSON.stringify(options.payload)}::jsonb,
                now() + make_interval(secs => ${(options.delayMs ?? 0) / 1000}),
                ${options.maxAttempts ?? 10}, ${options.dedupeKey ?? null})
        on conflict (queue, dedupe_key) where dedupe_key is not null and status in ('pending', 'running')
        do nothing
        returning id::int as id`,
  );
  return result[0]?.id ?? null;
}

/** Whether a pending or running job of `queue` has a payload containing `fields` (jsonb containment). */
export async function hasActiveJob(executor: Executor, queue: string, fields: Record<string, unknown>): Promise<boolean> {
  const found = await queryRows<{ id: number }>(
    executor,
    sql`select id::int as id from jobs
        where queue = ${queue} and status in ('pending', 'running') and payload @> ${JSON.stringify(fields)}::jsonb
        limit 1`,
  );
  return found.length > 0;
}

export interface ClaimOptions {
  queues: string[];
  limit: number;
  workerId: string;
  /** How long the claim holds before another worker may take the job. */
  leaseMs: number;
}

/** Claims up to `limit` due jobs: pending ones whose time has come, and running ones whose lease ran out. */
export async function claimJobs(db: Db, options: ClaimOptions): Promise<JobRecord[]> {
  const queues = sql.join(
    options.queues.map((q) => sql`${q}`),
    sql`, `,
  );
  return queryRows<JobRecord & Record<string, unknown>>(
    db,
    sql`update jobs set status = 'running', attempts = attempts + 1, locked_by = ${options.workerId},
               locked_until = now() + make_interval(secs => ${options.leaseMs / 1000}), updated_at = now()
        where id in (
          select id from jobs
          where queue in (${queues}) and run_at <= now()
            and (status = 'pending' or (status = 'running' and locked_until < now()))
          order by run_at, id
          for update skip locked
          limit ${options.limit})
        returning id::int as id, queue, payload, attempts, max_attempts as "maxAttempts"`,
  );
}

export async function completeJob(db: Db, id: number, workerId: string, result: unknown = null): Promise<void> {
  await db.execute(
    sql`update jobs set status = 'done', result = ${JSON.stringify(result)}::jsonb, locked_until = null, updated_at = now()
        where id = ${id} and locked_by = ${workerId}`,
  );
}

/**
 * Records a failure: the job runs again in `retryInMs` (the worker's backoff, src/background/job-worker.ts), or is
 * dead once it has used its attempts.
 */
export async function failJob(db: Db, job: JobRecord, workerId: string, error: string, retryInMs: number): Promise<'retry' | 'dead'> {
  const dead = job.attempts >= job.maxAttempts;
  const delay = Math.max(0, retryInMs);
  await db.execute(
    sql`update jobs set status = ${dead ? 'dead' : 'pending'}, last_error = ${error.slice(0, 2000)},
               run_at = now() + make_interval(secs => ${delay / 1000}), locked_until = null, locked_by = null, updated_at = now()
        where id = ${job.id} and locked_by = ${workerId}`,
  );
  return dead ? 'dead' : 'retry';
}
