// Provisioning with prompts: what the login interaction calls between `planProvisioning` and the write.
// The plan is made as for a silent login; the person's answers (consent, a password, an external page's
// context token) then adjust it, and everything is written in one transaction with the plan itself:
// user, link, consent receipts, password hash, audit and outbox events — or nothing.
import {
  AppError,
  copyAttributeValue,
  parseAttributePath,
  pathCovers,
  type AttributePath,
  type Provenance,
  type ScimUserResource,
  type ConsentReceipt,
} from '../domain/index.js';
import { recordConsentReceipts, type Executor, consumePendingProvisioning, writeChange } from '../store/index.js';
import { applyPlan, type AppliedProvisioning } from './apply.js';
import { diffResources } from './attribute-sync.js';
import { withheldAttributes, type ConsentDecision } from './consent.js';
import { withUserEvents } from './plan-events.js';
import { endsWithUser, type ProvisioningPlan, type UserPlan } from './types.js';

const parsed = (claim: string): AttributePath | undefined => {
  const result = parseAttributePath(claim);
  return result.ok ? result.path : undefined;
};

/**
 * The plan with a consent decision applied. A new user is stored without the stripped attributes; a
 * user being associated keeps the values it already had there (only the IdP's values stay out).
 * Provenance, diff, `userChanged` and the events follow. Pure: the input plan is not changed.
 */
export function planWithConsent<P extends ProvisioningPlan>(plan: P, decision: ConsentDecision): P {
  if (!endsWithUser(plan) || decision.stripped.length === 0) return plan;
  return consented(plan, decision) as P;
}

function consented(plan: UserPlan, decision: ConsentDecision): UserPlan {
  const paths = decision.stripped.map(parsed).filter((p): p is AttributePath => Boolean(p));
  let after: ScimUserResource = plan.after;
  for (const path of paths) after = copyAttributeValue(after, plan.before, path);

  const covered = (key: string) => {
    const keyPath = parsed(key);
    return keyPath ? paths.some((p) => pathCovers(p, keyPath)) : false;
  };
  const provenanceAfter: Provenance = { ...plan.provenanceAfter };
  for (const change of plan.provenanceChanges.filter((c) => covered(c.path))) {
    // Back to what it was before this login (nothing, for a new user).
    if (change.before) provenanceAfter[change.path] = change.before;
    else delete provenanceAfter[change.path];
  }
  const provenanceChanges = plan.provenanceChanges.filter((c) => !covered(c.path));
  const diff = diffResources(plan.before, after);
  const userChanged = plan.decision === 'create' || diff.length > 0 || provenanceChanges.length > 0;
  const [audit] = plan.events.audit;
  const withheld = { ...audit!, details: { ...audit!.details, consentWithheld: decision.stripped } };
  const changes = {
    after,
    provenanceAfter,
    provenanceChanges,
    diff,
    userChanged,
    // Withheld attributes a new sync would bring back: not a state later logins may take as settled.
    fingerprint: null,
  };
  if (plan.decision === 'create') return withUserEvents({ ...plan, ...changes }, withheld);
  const settled = plan.outcome === 'updated' && !userChanged && !plan.groups.add.length && !plan.groups.remove.length;
  return withUserEvents({ ...plan, ...changes, outcome: settled ? 'unchanged' : plan.outcome }, withheld);
}

/**
 * For returning logins (attribute sync) and associations: the attributes the person declined or whose
 * consent they revoked must not come back from the IdP. Call with the user's receipts (all of them,
 * revoked included) after planning and before applying; attributes no receipt mentions are untouched.
 */
export function planWithStoredConsent<P extends ProvisioningPlan>(plan: P, receipts: readonly ConsentReceipt[]): P {
  const active = receipts.filter((r) => !r.revokedAt);
  const revoked = receipts.filter((r) => r.revokedAt);
  const stripped = withheldAttributes(active, revoked);
  if (!endsWithUser(plan) || stripped.length === 0) return plan;
  return planWithConsent(plan, { user: plan.after, stripped, receipts: [] });
}

export interface PromptAnswersToApply {
  /** The consent decision (`decideConsent`), when the scheme asked for consent. */
  consent?: ConsentDecision | null;
  /** From `hashNewPassword`, computed before the transaction (hashing is slow). New users only. */
  passwordHash?: string | null;
  /** Spends an external page's context token in this transaction (`contextTokens.redeem`). */
  redeemContextToken?: ((tx: Executor) => Promise<void>) | null;
  /** The paused provisioning these answers complete (store/pending-provisionings-repo.ts); consumed here. */
  pending?: { id: string; interactionUid: string } | null;
}

/**
 * Writes the plan and the answers in the caller's transaction. The paused provisioning and the context
 * token are spent first, so a replay or a second submission fails before anything is written. Throws ProvisioningRace like `applyPlan` (plan again,
 * decide again with the same answers).
 */
export async function applyPromptedProvisioning(
  tx: Executor,
  plan: ProvisioningPlan,
  answers: PromptAnswersToApply,
): Promise<AppliedProvisioning> {
  if (answers.passwordHash && plan.decision !== 'create') {
    // A prompt never sets the password of an account that already exists: that would hand it over.
    throw new AppError('internal', 'password_for_existing_user', 'a prompted password can only be set on a new user');
  }
  if (answers.pending && !(await consumePendingProvisioning(tx, answers.pending.id, answers.pending.interactionUid))) {
    throw new AppError(
      'conflict',
      'provisioning_already_completed',
      'This sign-in was already completed or has expired; start again from the application.',
    );
  }
  if (answers.redeemContextToken) await answers.redeemContextToken(tx);
  const adjusted = answers.consent ? planWithConsent(plan, answers.consent) : plan;
  const applied = await applyPlan(tx, adjusted);
  if (plan.decision === 'refuse' || plan.decision === 'passthrough' || !applied.userId) return applied;
  const userId = applied.userId;
  if (answers.consent && answers.consent.receipts.length > 0) {
    await recordConsentReceipts(tx, { userId, idpId: plan.idpId, receipts: answers.consent.receipts });
    const details = { idpId: plan.idpId, purposes: answers.consent.receipts.map((r) => r.purposeId), withheld: answers.consent.stripped };
    await writeChange(tx, {
      audit: [
        { actorType: 'user', actorId: userId, action: 'consent.give', targetType: 'user', targetId: userId, outcome: 'success', details },
      ],
      outbox: [],
    });
  }
  if (answers.passwordHash) {
    await writeChange(tx, {
      user: { update: { id: userId, changes: { passwordHash: answers.passwordHash } } },
      audit: [
        {
          actorType: 'user',
          actorId: userId,
          action: 'user.password_set',
          targetType: 'user',
          targetId: userId,
          outcome: 'success',
          reason: 'set on the provisioning page',
        },
      ],
      outbox: (row) => [
        {
          resourceType: 'User',
          resourceId: userId,
          userStoreId: row!.userStoreId,
          eventType: 'update',
          payload: { reason: 'password_set' },
          resourceVersion: row!.version,
        },
      ],
    });
  }
  return applied;
}
