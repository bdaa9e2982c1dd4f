// Upstream liveness (issue 7): users an IdP JIT-provisioned and has not vouched for in N days
// (`identity_providers.options.inactiveAfterDays`) are set `active=false`, with a `deactivate` outbox event
// and an audit event, and their OIDC sessions and tokens end. A scheduler enqueues one durable job per IdP per day (dedupe key); the job is
// idempotent (it only touches users still active and still stale), so a job run again after a crash, or
// twice, changes each user once.
import type { ScimUserResource } from '../domain/index.js';
import {
  recordAudit,
  type Executor,
  type Store,
  enqueueJob,
  type JobRecord,
  deleteOidcPayloadsOfAccounts,
  findLivenessIdp,
  jobWithKeyExists,
  listIdpsWithLiveness,
  lockStaleJitUsers,
  emitOutboxEvent,
  getUserById,
  updateUser,
} from '../store/index.js';

export const LIVENESS_QUEUE = 'upstream-liveness';
/** How often each instance looks for IdPs whose check for today is not enqueued yet. */
export const LIVENESS_SCHEDULE_INTERVAL_MS = 15 * 60 * 1000;
/** Users handled per transaction. */
const PAGE = 200;
const DAY_MS = 86_400_000;

export interface LivenessPayload {
  idpId: string;
  /** The UTC day (YYYY-MM-DD) the check is for. */
  day: string;
}

const utcDay = (now: Date) => now.toISOString().slice(0, 10);
export const livenessDedupeKey = (idpId: string, day: string) => `liveness:${idpId}:${day}`;

/** Enqueues today's check for every IdP with liveness on, unless one was already enqueued today. Returns the job ids. */
export async function scheduleLivenessChecks(executor: Executor, options: { now?: Date } = {}): Promise<number[]> {
  const day = utcDay(options.now ?? new Date());
  const enqueued: number[] = [];
  for (const idp of await listIdpsWithLiveness(executor)) {
    const dedupeKey = livenessDedupeKey(idp.id, day);
    // The queue's dedupe index covers waiting jobs only; a check that already ran today must not run again.
    if (await jobWithKeyExists(executor, LIVENESS_QUEUE, dedupeKey)) continue;
    const id = await enqueueJob(executor, {
      queue: LIVENESS_QUEUE,
      payload: { idpId: idp.id, day } satisfies LivenessPayload,
      dedupeKey,
      maxAttempts: 5,
    });
    if (id !== null) enqueued.push(id);
  }
  return enqueued;
}

export interface LivenessResult {
  idpId: string;
  deactivated: number;
  /** Why nothing was checked (the IdP is gone or liveness was turned off since scheduling). */
  skipped?: 'idp_gone_or_liveness_off';
}

/** Deactivates the IdP's users not seen for its `inactiveAfterDays`. Safe to run any number of times. */
export async function runLivenessCheck(
  store: Pick<Store, 'db' | 'transaction'>,
  idpId: string,
  options: { now?: Date } = {},
): Promise<LivenessResult> {
  const now = options.now ?? new Date();
  const idp = await findLivenessIdp(store.db, idpId);
  if (!idp) return { idpId, deactivated: 0, skipped: 'idp_gone_or_liveness_off' };
  const cutoff = new Date(now.getTime() - idp.inactiveAfterDays * DAY_MS);
  let deactivated = 0;
  for (;;) {
    const handled = await store.transaction(async (tx) => {
      const stale = await lockStaleJitUsers(tx, idpId, cutoff, PAGE);
      // An inactive account's sessions and tokens end with it (as when an IdP deletion disables users).
      await deleteOidcPayloadsOfAccounts(
        tx,
        stale.map((u) => u.id),
      );
      for (const { id, lastSeenAt } of stale) {
        const user = await getUserById(tx, id);
        const updated = await updateUser(tx, id, { resource: { ...(user.resource as ScimUserResource), active: false } });
        await emitOutboxEvent(tx, {
          resourceType: 'User',
          resourceId: id,
          userStoreId: updated.userStoreId,
          eventType: 'deactivate',
          payload: { id, ...(updated.resource as ScimUserResource) },
          resourceVersion: updated.version,
        });
        await recordAudit(tx, {
          actorType: 'system',
          actorId: LIVENESS_QUEUE,
          action: 'user.deactivate',
          targetType: 'user',
          targetId: id,
          outcome: 'success',
          reason: 'upstream_inactive',
          details: { identityProviderId: idpId, inactiveAfterDays: idp.inactiveAfterDays, lastSeenAt: lastSeenAt.toISOString() },
        });
      }
      return stale.length;
    });
    deactivated += handled;
    if (handled < PAGE) break;
  }
  return { idpId, deactivated };
}

/** The job queue's handler for LIVENESS_QUEUE. */
export function livenessJobHandler(store: Pick<Store, 'db' | 'transaction'>, clock: () => Date = () => new Date()) {
  return async (job: JobRecord): Promise<LivenessResult> => {
    const payload = job.payload as LivenessPayload;
    return runLivenessCheck(store, payload.idpId, { now: clock() });
  };
}
