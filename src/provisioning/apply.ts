// Writing a provisioning plan (DESIGN.md semantics 7): one function for every decision. The plan says what is
// written — user row and provenance, link, group memberships, audit and outbox events (plan-events.ts) — and
// `writeChange` (the store's one "change a user" function) writes it in the caller's transaction, or `commitChange`
// commits it on its own (one statement when it can). A plan made
// stale by a concurrent login (the link or username now exists, the user's version or a group moved) raises
// ProvisioningRace: the caller rolls back, plans again, and the second plan takes the "link exists" path.
import { AppError } from '../domain/index.js';
import { commitChange, writeChange, type Change, type Executor, type SyncFingerprint } from '../store/index.js';
import type { ProvisioningPlan, UserPlan } from './types.js';

/** The plan no longer matches the database: plan again. */
export class ProvisioningRace extends Error {
  override name = 'ProvisioningRace';
}

export interface AppliedProvisioning {
  userId: string | null;
  outcome: ProvisioningPlan['outcome'];
}

/** The user version the link's fingerprint was verified at: the version this plan leaves the user at. */
function syncOf(plan: UserPlan): SyncFingerprint | null {
  if (!plan.fingerprint) return null;
  const version = plan.decision === 'create' ? 1 : plan.userChanged ? plan.expectedVersion + 1 : plan.expectedVersion;
  return { fingerprint: plan.fingerprint, version };
}

/** The change a plan makes, for `writeChange`. */
export function changeOf(plan: ProvisioningPlan): Change {
  const events = { audit: plan.events.audit, outbox: plan.events.outbox };
  if (plan.decision === 'refuse' || plan.decision === 'passthrough') return events;
  const groups = { userId: plan.userId, userStoreId: plan.userStore.id, ...plan.groups };
  const newLink = {
    insert: { idpId: plan.idpId, subject: plan.subject, userId: plan.userId, lastClaims: plan.lastClaims },
    sync: syncOf(plan),
  };
  if (plan.decision === 'create') {
    const user = {
      id: plan.userId,
      userStoreId: plan.userStore.id,
      userName: plan.userName,
      resource: plan.after,
      provenance: plan.provenanceAfter,
      jitIdpId: plan.idpId,
    };
    return { user: { insert: user }, link: newLink, groups, ...events };
  }
  // Spreads last (see plan.ts).
  return {
    link: plan.linkId ? { touch: { id: plan.linkId, lastClaims: plan.lastClaims }, sync: syncOf(plan) } : newLink,
    groups,
    ...events,
    ...(plan.userChanged
      ? {
          user: {
            update: {
              id: plan.userId,
              changes: { resource: plan.after, provenance: plan.provenanceAfter },
              expectedVersion: plan.expectedVersion,
            },
          },
        }
      : {}),
  };
}

const STALE = ['uniqueness', 'version_mismatch', 'user_not_found', 'stale_change'];

/** A plan the database no longer matches throws ProvisioningRace. */
async function racing(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (error instanceof AppError && STALE.includes(error.code)) throw new ProvisioningRace(error.message);
    throw error;
  }
}

const appliedOf = (plan: ProvisioningPlan): AppliedProvisioning => ({
  userId: 'userId' in plan ? plan.userId : null,
  outcome: plan.outcome,
});

/** Writes the plan in the caller's transaction; a plan the database no longer matches throws ProvisioningRace. */
export async function applyPlan(tx: Executor, plan: ProvisioningPlan): Promise<AppliedProvisioning> {
  await racing(writeChange(tx, changeOf(plan)));
  return appliedOf(plan);
}

/**
 * Writes the plan and commits it (`commitChange`: one statement when the plan touches no groups, else a
 * transaction of its own); a plan the database no longer matches throws ProvisioningRace.
 */
export async function commitPlan(db: Executor, plan: ProvisioningPlan): Promise<AppliedProvisioning> {
  await racing(commitChange(db, changeOf(plan), { returnRow: false }));
  return appliedOf(plan);
}
