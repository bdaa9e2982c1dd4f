// Where a login with a prompting JIT scheme stops before provisioning. The federation edge calls this with
// the verified identity instead of provisioning at once: if the scheme has something to ask for this plan,
// the identity is kept as a pending provisioning and the login result says "pending"; otherwise (silent
// scheme, returning user, JIT off, nothing to ask) the caller provisions as usual.
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import { listConsentPurposes, type Store, savePendingProvisioning, readSettings } from '../store/index.js';
import { buildConsentView, needsConsentPage } from './consent.js';
import { planProvisioning } from './plan.js';
import { afterOf, refusalOf } from './types.js';
import { promptsFor, withEffectiveScheme, type Prompts } from './prompts.js';
import { createProvisioningReads } from './reads.js';

export interface PausedProvisioning {
  pendingId: string;
  prompts: Prompts;
}

/**
 * Plans the login; when it needs the person's answers, saves the pending provisioning for this interaction
 * and returns its id. A consent-only prompt with no consent purpose touching this person's data asks
 * nothing, so it does not pause. Prompting logins are blocking whatever the IdP's `mode` says: the account
 * cannot be made before the person has answered.
 */
export async function pauseForPrompts(
  store: Pick<Store, 'db'>,
  configured: IdentityProvider,
  identity: FederatedIdentity,
  interactionUid: string,
): Promise<PausedProvisioning | null> {
  if (!configured.jit.isEnabled || configured.jit.scheme === 'PROVISION_SILENTLY') return null;
  const idp = withEffectiveScheme(configured, (await readSettings(store.db)).jit);
  const plan = await planProvisioning(createProvisioningReads(store.db), idp, identity);
  // Under the username scheme a username the store refuses is a question for the person, not a refusal.
  const usernameFixable =
    plan.decision === 'refuse' && ['username_taken', 'username_policy', 'user_store_not_found'].includes(refusalOf(plan)?.code ?? '');
  const prompts = promptsFor(idp.jit.scheme, usernameFixable && promptsFor(idp.jit.scheme, 'create').username ? 'create' : plan.decision);
  if (!prompts.username && !prompts.password) {
    const after = afterOf(plan);
    if (!prompts.consent || !after) return null;
    if (!needsConsentPage(buildConsentView(await listConsentPurposes(store.db), after))) return null;
  }
  const pending = await savePendingProvisioning(store.db, { interactionUid, identity });
  return { pendingId: pending.id, prompts };
}
