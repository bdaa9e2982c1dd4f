// The JIT provisioning core (DESIGN.md "Provisioning semantics"): a verified FederatedIdentity comes in, the
// IdP's JIT policy decides. `provisionLogin` is what the login edges call; it plans (reads only, `planLogin`,
// which the simulation shows too), then commits the plan (`commitPlan`: one statement, or one transaction when it
// writes group memberships), planning again when a concurrent login made the plan stale. The commonest login — returning, provably unchanged — is first tried in
// one statement behind the store's seam (unchanged-login.ts), which writes what `applyPlan` would.
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import { commitPlan, ProvisioningRace } from './apply.js';
import { enqueueProvisioning, JIT_PROVISION_QUEUE, provisionalUserId, type ProvisionJobPayload } from './non-blocking.js';
import { planProvisioning, type PlanOptions } from './plan.js';
import { planWithStoredConsent } from './prompted-provisioning.js';
import { listConsentReceipts } from '../store/index.js';
import { createProvisioningReads } from './reads.js';
import { tryUnchangedLogin } from './unchanged-login.js';
import type { LoginProvisioning, ProvisioningDeps, ProvisioningPlan } from './types.js';

/** Plans a stale plan gets before the login fails (each retry follows a concurrent login that committed). */
const MAX_ATTEMPTS = 8;

function toResult(plan: ProvisioningPlan): LoginProvisioning {
  if (plan.decision === 'passthrough') return { kind: 'passthrough', claims: plan.passthroughClaims };
  if (plan.decision === 'refuse') return { kind: 'refused', code: plan.refusal.code, message: plan.refusal.message };
  return { kind: 'user', userId: plan.userId, outcome: plan.outcome };
}

/**
 * A returning or associating login must not bring back optional attributes the person declined or whose
 * consent they revoked. Only a plan that changes the user can bring anything back, so the receipts are read
 * only then, and only when the login context did not already show there are none.
 */
async function withStoredConsent(deps: Pick<ProvisioningDeps, 'store'>, plan: ProvisioningPlan): Promise<ProvisioningPlan> {
  if (plan.decision === 'create' || plan.decision === 'refuse' || plan.decision === 'passthrough' || !plan.userChanged) return plan;
  if (plan.userHasConsentReceipts === false) return plan; // known from the login context: none to read
  return planWithStoredConsent(plan, await listConsentReceipts(deps.store.db, plan.userId));
}

/**
 * The plan a login carries out (reads only): what `provisionNow` applies and what the simulation shows — the
 * decision, the user row, and the exact audit and outbox events.
 */
export async function planLogin(
  deps: Pick<ProvisioningDeps, 'store'>,
  idp: IdentityProvider,
  identity: FederatedIdentity,
  options: PlanOptions = {},
): Promise<ProvisioningPlan> {
  return withStoredConsent(deps, await planProvisioning(createProvisioningReads(deps.store.db), idp, identity, options));
}

/** Counts a provisioning decision and logs it, one line each (never the claims: only ids, outcome and reason). */
function decided(
  deps: ProvisioningDeps,
  idp: IdentityProvider,
  outcome: string,
  detail: { userId?: string | null | undefined; plan?: ProvisioningPlan } = {},
): void {
  deps.metrics.provisioning.inc({ idp: idp.id, outcome });
  const { plan } = detail;
  deps.logger.info(
    {
      idpId: idp.id,
      outcome,
      userId: detail.userId ?? (plan && 'userId' in plan ? plan.userId : null),
      ...(plan ? { decision: plan.decision } : {}),
      ...(plan?.decision === 'refuse' ? { refusal: plan.refusal.code } : {}),
    },
    'provisioning decision',
  );
}

/** Plan and apply, again on a race, until one plan commits. */
export async function provisionNow(
  deps: ProvisioningDeps,
  idp: IdentityProvider,
  identity: FederatedIdentity,
  options: PlanOptions = {},
): Promise<LoginProvisioning> {
  const attempt1 = await tryUnchangedLogin(deps.store.db, idp, identity);
  if (attempt1 && 'recorded' in attempt1) {
    decided(deps, idp, 'unchanged', { userId: attempt1.recorded });
    return { kind: 'user', userId: attempt1.recorded, outcome: 'unchanged', usable: true };
  }
  for (let attempt = 1; ; attempt++) {
    // The first plan uses what the one-statement attempt read; a plan made again (after a race) reads afresh.
    const prepared = attempt === 1 && attempt1 ? attempt1.prepared : undefined;
    const plan = await planLogin(deps, idp, identity, { ...options, prepared });
    try {
      await commitPlan(deps.store.db, plan);
      decided(deps, idp, plan.outcome, { plan });
      return toResult(plan);
    } catch (error) {
      if (error instanceof ProvisioningRace && attempt < MAX_ATTEMPTS) {
        deps.logger.debug({ idpId: idp.id, attempt, reason: error.message }, 'provisioning plan went stale; planning again');
        continue;
      }
      decided(deps, idp, 'failed');
      throw error;
    }
  }
}

/**
 * What a verified login becomes: a local user (created, linked, updated, unchanged, or queued in non-blocking
 * mode), the mapped claims (JIT disabled), or a refusal with a stable code. Never a half-made user.
 */
export async function provisionLogin(
  deps: ProvisioningDeps,
  idp: IdentityProvider,
  identity: FederatedIdentity,
): Promise<LoginProvisioning> {
  if (idp.jit.isEnabled && idp.jit.mode === 'non-blocking') return provisionLater(deps, idp, identity);
  return provisionNow(deps, idp, identity);
}

/** Non-blocking: decide the user id now (refusals are immediate), write later through the durable job. */
async function provisionLater(deps: ProvisioningDeps, idp: IdentityProvider, identity: FederatedIdentity): Promise<LoginProvisioning> {
  const userId = provisionalUserId(idp.id, identity.subject);
  const plan = await planProvisioning(createProvisioningReads(deps.store.db), idp, identity, { userId });
  if (plan.decision === 'refuse' || plan.decision === 'passthrough') {
    await commitPlan(deps.store.db, plan);
    decided(deps, idp, plan.outcome, { plan });
    return toResult(plan);
  }
  await enqueueProvisioning(deps, { idp, identity, userId: plan.userId }, { decision: plan.decision, reason: plan.reason });
  decided(deps, idp, 'queued', { userId: plan.userId });
  return { kind: 'user', userId: plan.userId, outcome: 'queued' };
}

/** The `jit.provision` job: provisions with the pre-assigned id; a refusal is a result, not a failure to retry. */
export async function runProvisioningJob(deps: ProvisioningDeps, payload: ProvisionJobPayload): Promise<LoginProvisioning> {
  const result = await provisionNow(deps, payload.idp, payload.identity, { userId: payload.userId });
  // `usable` is a hint for a sign-in in progress; the job's stored result describes the outcome only.
  if (result.kind === 'user' && result.usable) return { kind: 'user', userId: result.userId, outcome: result.outcome };
  return result;
}

/** The handler the background job worker runs for the `jit.provision` queue. */
export function provisioningJobHandler(deps: ProvisioningDeps): (job: { payload: unknown }) => Promise<LoginProvisioning> {
  return async (job) => {
    try {
      const result = await runProvisioningJob(deps, job.payload as ProvisionJobPayload);
      deps.metrics.jobs.inc({ queue: JIT_PROVISION_QUEUE, result: result.kind === 'refused' ? 'refused' : 'done' });
      return result;
    } catch (error) {
      deps.metrics.jobs.inc({ queue: JIT_PROVISION_QUEUE, result: 'failed' });
      throw error;
    }
  };
}
