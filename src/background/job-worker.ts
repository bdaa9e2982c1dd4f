// Runs handlers for claimed jobs in the background of the server process. Any number of processes may
// run workers on one database; SKIP LOCKED keeps them from taking the same job.
import { randomUUID } from 'node:crypto';
import { type Db, claimJobs, completeJob, failJob, type JobRecord } from '../store/index.js';
import { PollingLoop } from '../outbound/index.js';

export type JobHandler = (job: JobRecord) => Promise<unknown>;

/** Backoff before the next attempt: exponential from 1 s, capped at 10 minutes, with full jitter. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(600_000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface JobWorkerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  /** How often to look for work when the last poll found none. */
  pollIntervalMs?: number;
  batchSize?: number;
  leaseMs?: number;
  onError?: (error: unknown, job: JobRecord | null) => void;
}

export class JobWorker {
  readonly id = `worker-${randomUUID()}`;
  private readonly loop: PollingLoop;

  constructor(private readonly options: JobWorkerOptions) {
    this.loop = new PollingLoop({
      round: () => this.runOnce(),
      idleDelayMs: options.pollIntervalMs ?? 500,
      onError: (error) => options.onError?.(error, null),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops polling and waits for the batch in hand to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Runs one claim-and-handle round; returns how many jobs it handled. Exposed for tests. */
  async runOnce(): Promise<number> {
    const { db, handlers } = this.options;
    const jobs = await claimJobs(db, {
      queues: Object.keys(handlers),
      limit: this.options.batchSize ?? 10,
      workerId: this.id,
      leaseMs: this.options.leaseMs ?? 60_000,
    });
    await Promise.all(
      jobs.map(async (job) => {
        const handler = handlers[job.queue];
        try {
          if (!handler) throw new Error(`no handler for queue ${job.queue}`);
          const result = await handler(job);
          await completeJob(db, job.id, this.id, result ?? null);
        } catch (error) {
          this.options.onError?.(error, job);
          await failJob(db, job, this.id, error instanceof Error ? error.message : String(error), retryDelayMs(job.attempts));
        }
      }),
    );
    return jobs.length;
  }
}
