// PROMPT_USERNAME_PASSWORD_CONSENT: plan with the username the person typed instead of the one mapped
// from the claims. The core's own rules then apply unchanged: the user store (configured, or for
// AS_IN_USERNAME the typed `DOMAIN/` prefix), the store's username regex, uniqueness. A typed name that
// already exists is "taken" — it never associates (that would hand over someone else's account).
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import { planProvisioning, type PlanOptions } from './plan.js';
import { typedUsernameProblem, type UsernameProblem } from './prompts.js';
import type { ProvisioningReads } from './reads.js';
import { refusalOf, type ProvisioningPlan } from './types.js';

/** A claim name the copy of the identity carries the typed name under (overwritten, so never the IdP's). */
const CHOSEN_USERNAME_CLAIM = 'jitbridge:chosen_username';

/** Copies of the IdP and identity in which the typed username is the mapped `userName`. */
export function withChosenUsername(
  idp: IdentityProvider,
  identity: FederatedIdentity,
  typed: string,
): { idp: IdentityProvider; identity: FederatedIdentity } {
  return {
    // The first userName mapping with a value wins, so ours goes first.
    idp: { ...idp, claimMappings: [{ remote: CHOSEN_USERNAME_CLAIM, local: 'userName' }, ...idp.claimMappings] },
    identity: { ...identity, claims: { ...identity.claims, [CHOSEN_USERNAME_CLAIM]: typed } },
  };
}

export interface ChosenUsernamePlan {
  plan: ProvisioningPlan;
  /** Set when the typed name cannot be used; show it on the page next to the username field. */
  problem: UsernameProblem | null;
}

/** Plans with the typed username; a problem (empty, taken, against the store's policy, unknown store) says why not. */
export async function planWithChosenUsername(
  reads: ProvisioningReads,
  idp: IdentityProvider,
  identity: FederatedIdentity,
  typed: string,
  options: PlanOptions = {},
): Promise<ChosenUsernamePlan> {
  const name = typed.trim();
  const adjusted = withChosenUsername(idp, identity, name);
  const plan = await planProvisioning(reads, adjusted.idp, adjusted.identity, options);
  if (name === '') return { plan, problem: { code: 'username_required', field: 'username', message: 'Enter a username.' } };
  if (name.length > 255) return { plan, problem: { code: 'username_too_long', field: 'username', message: 'Use at most 255 characters.' } };
  return { plan, problem: typedUsernameProblem(plan.decision, refusalOf(plan)?.code ?? null) };
}
