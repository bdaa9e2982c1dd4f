// Work the server does besides answering requests: the durable job worker and periodic sweeps.
// Each capability adds its job handlers and sweeps here. Every instance runs them; the database
// (SKIP LOCKED, idempotent sweeps) keeps instances from stepping on each other.
import type { AppContext } from '../http/index.js';
import {
  sweepExpired,
  sweepEmailOtps,
  sweepLoginThrottle,
  sweepUsedContextTokens,
  sweepPendingProvisionings,
  pruneOutboundHistory,
} from '../store/index.js';
import { JobWorker, type JobHandler } from './job-worker.js';
import { outboundNetworkFor } from '../net/index.js';
import { OutboundWorker, SYNC_QUEUE, syncJobHandler } from '../outbound/index.js';
import { JIT_PROVISION_QUEUE, provisioningJobHandler } from '../provisioning/index.js';
import { LIVENESS_QUEUE, LIVENESS_SCHEDULE_INTERVAL_MS, livenessJobHandler, scheduleLivenessChecks } from '../accounts/index.js';
import { every, type BackgroundTask } from './periodic-task.js';

export type { BackgroundTask };

/** Handlers of the durable job queues, by queue name. */
export function jobHandlers(ctx: AppContext): Record<string, JobHandler> {
  return {
    [JIT_PROVISION_QUEUE]: provisioningJobHandler({ store: ctx.store, logger: ctx.logger, metrics: ctx.metrics }),
    [SYNC_QUEUE]: syncJobHandler(ctx.store),
    [LIVENESS_QUEUE]: livenessJobHandler(ctx.store),
  };
}

export function backgroundTasks(ctx: AppContext): BackgroundTask[] {
  const onError = (error: unknown) => ctx.logger.error({ err: error }, 'background task failed');
  const handlers = jobHandlers(ctx);
  const tasks: BackgroundTask[] = [every('sweep-expired', 60_000, () => sweepExpired(ctx.store.db), onError)];
  // Upstream liveness: enqueue each IdP's daily check (deduplicated across instances); the job worker runs it.
  tasks.push(every('schedule-liveness', LIVENESS_SCHEDULE_INTERVAL_MS, () => scheduleLivenessChecks(ctx.store.db), onError));
  // Delivered outbound history past its retention (src/store/outbound-retention.ts says what is always kept).
  tasks.push(every('prune-outbound-history', 60 * 60_000, () => pruneOutboundHistory(ctx.store.db), onError));
  tasks.push(every('sweep-email-otps', 60 * 60_000, () => sweepEmailOtps(ctx.store.db, new Date()), onError));
  // Local sign-in failure counts idle for a day, ids of provisioning context tokens past their expiry, and
  // provisionings paused on a prompt that were finished or abandoned.
  tasks.push(
    every(
      'sweep-login-throttle',
      15 * 60_000,
      async () => {
        await sweepLoginThrottle(ctx.store.db);
        await sweepUsedContextTokens(ctx.store.db);
        await sweepPendingProvisionings(ctx.store.db);
      },
      onError,
    ),
  );
  if (Object.keys(handlers).length > 0) {
    const worker = new JobWorker({
      db: ctx.store.db,
      handlers,
      onError: (error, job) => ctx.logger.warn({ err: error, jobId: job?.id, queue: job?.queue }, 'job failed'),
    });
    tasks.push({ name: 'job-worker', start: () => worker.start(), stop: () => worker.stop() });
  }
  // Outbound provisioning: fans the outbox out to connectors and delivers; safe in any number of instances.
  const outbound = new OutboundWorker({
    store: ctx.store,
    metrics: ctx.metrics,
    logger: ctx.logger,
    network: outboundNetworkFor(ctx.config),
  });
  tasks.push({ name: 'outbound-worker', start: () => outbound.start(), stop: () => outbound.stop() });
  return tasks;
}
