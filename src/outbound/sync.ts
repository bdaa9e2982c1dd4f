// Reconciliation: push every in-scope user to one connector once, e.g. when the connector is new. A durable
// job (queue `outbound.sync`) walks the users in id order, in batches; each batch queues one 'sync'
// delivery per user (an upsert downstream) and writes the job's progress, so a crashed job resumes where
// it stopped and the admin API can show how far it got.
import {
  type Store,
  type JobRecord,
  enqueueJob,
  countDeliveriesByStatus,
  countSyncScope,
  findConnector,
  latestSyncJob,
  queueSyncBatch,
  readJobResult,
  saveJobProgress,
} from '../store/index.js';

export const SYNC_QUEUE = 'outbound.sync';

export interface SyncProgress {
  total: number;
  queued: number;
  lastUserId: string | null;
  firstEventId: number | null;
  finished: boolean;
}

export async function startSync(store: Store, connectorId: string): Promise<{ jobId: number | null }> {
  const jobId = await enqueueJob(store.db, { queue: SYNC_QUEUE, payload: { connectorId }, dedupeKey: connectorId, maxAttempts: 5 });
  return { jobId };
}

export function syncJobHandler(store: Store, options: { batchSize?: number } = {}) {
  return async (job: JobRecord): Promise<SyncProgress> => {
    const { connectorId } = job.payload as { connectorId: string };
    const connector = await findConnector(store.db, connectorId);
    if (!connector) return { total: 0, queued: 0, lastUserId: null, firstEventId: null, finished: true };
    const userStores = connector.userStores ?? null;
    const previous = (await readJobResult(store.db, job.id)) as SyncProgress | null;
    const progress: SyncProgress = previous ?? {
      total: await countSyncScope(store.db, userStores),
      queued: 0,
      lastUserId: null,
      firstEventId: null,
      finished: false,
    };
    await saveJobProgress(store.db, job.id, progress);
    for (;;) {
      const batch = await queueSyncBatch(store.db, connectorId, userStores, progress.lastUserId, options.batchSize ?? 500);
      if (batch.queued === 0) break;
      progress.queued += batch.queued;
      progress.lastUserId = batch.lastId;
      progress.firstEventId ??= batch.firstEventId;
      progress.total = Math.max(progress.total, progress.queued);
      await saveJobProgress(store.db, job.id, progress);
    }
    progress.finished = true;
    return progress;
  };
}

export interface SyncStatus {
  jobId: number;
  status: string;
  total: number;
  queued: number;
  delivered: number;
  failed: number;
  pending: number;
  lastError: string | null;
  startedAt: string;
  updatedAt: string;
}

/** The latest reconciliation of a connector: how many users were queued and how many have gone out. */
export async function readSyncStatus(store: Store, connectorId: string): Promise<SyncStatus | null> {
  const job = await latestSyncJob(store.db, SYNC_QUEUE, connectorId);
  if (!job) return null;
  const progress = (job.result ?? { total: 0, queued: 0, firstEventId: null }) as SyncProgress;
  const counts =
    progress.firstEventId === null
      ? {}
      : await countDeliveriesByStatus(store.db, connectorId, { fromEventId: progress.firstEventId, eventType: 'sync' });
  return {
    jobId: job.id,
    status: job.status,
    total: progress.total,
    queued: progress.queued,
    delivered: (counts.delivered ?? 0) + (counts.skipped ?? 0),
    failed: counts.failed ?? 0,
    pending: counts.pending ?? 0,
    lastError: job.lastError,
    startedAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}
