// Non-blocking provisioning (provisioning.jit.mode = 'non-blocking'): the login goes on at once with a stable
// user id, and a durable `jit.provision` job (the jobs table: SKIP LOCKED claims, leases, retries) writes the
// user. A worker that dies mid-job lets its lease run out and another worker runs the job again; planning again
// finds whatever the first run committed, so the job is idempotent.
import { createHash } from 'node:crypto';
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import { recordAudit, enqueueJob } from '../store/index.js';
import type { ProvisioningDeps } from './types.js';

export const JIT_PROVISION_QUEUE = 'jit.provision';

export interface ProvisionJobPayload {
  /** The IdP as it was at login time: the job applies the policy the person logged in under. */
  idp: IdentityProvider;
  identity: FederatedIdentity;
  /** The id the login already handed on (the user's id if it is created). */
  userId: string;
}

/**
 * The id a non-blocking first login pre-assigns: derived from (IdP, subject), so two concurrent first logins
 * of one identity hand on the same `sub` before either job has run. Shaped as a UUID (version 8, RFC 9562 §5.8).
 */
export function provisionalUserId(idpId: string, subject: string): string {
  const hash = createHash('sha256').update(`jitbridge:jit-user:${idpId}\u0000${subject}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Enqueues the job and audits the decision to provision later (`jit.provision.queued`, with what the plan expects
 * to do), in one transaction. The job's own audit event records what it finally did.
 */
export async function enqueueProvisioning(
  deps: ProvisioningDeps,
  payload: ProvisionJobPayload,
  expected: { decision: string; reason: string },
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    // One job per identity at a time: a second login while the first job waits adds nothing.
    const jobId = await enqueueJob(tx, {
      queue: JIT_PROVISION_QUEUE,
      payload,
      maxAttempts: 10,
      dedupeKey: `${payload.identity.idpId}:${payload.identity.subject}`,
    });
    await recordAudit(tx, {
      actorType: 'idp',
      actorId: payload.idp.id,
      action: 'jit.provision.queued',
      targetType: 'user',
      targetId: payload.userId,
      outcome: 'success',
      reason: `non-blocking mode: the login goes on as user ${payload.userId}; ${jobId === null ? 'a job for this identity is already waiting' : `job ${jobId} will provision`} (expected: ${expected.reason})`,
      details: { subject: payload.identity.subject, jobId, expectedDecision: expected.decision },
    });
  });
}
