// The fingerprint of what attribute sync depends on besides the user itself: the sync method, the mapped claims
// and whether the IdP vouched for the email (it is recorded in the email's provenance).
// A link keeps the fingerprint of a login after which its user, at a known version, was verified (by running the
// sync) to need no change. A later login with the same fingerprint, while the user is still at that version, changes
// nothing either — so it can be recorded in one statement, without reading the user and planning.
import { hash } from 'node:crypto';
import type { AttributeSyncMethod } from '../domain/index.js';
import { diffProvenance, diffResources, syncAttributes } from './attribute-sync.js';
import type { MappedClaims } from './claim-mapping.js';
import type { ProvisioningPlan } from './types.js';

/** Changed whenever the sync rules change (attribute-sync.ts, claim-mapping.ts), so older fingerprints no longer match. */
const SYNC_RULES = 'jit-sync-2';

/** `lastClaimsJson`: the plan's lastClaims (the mapped claims by SCIM path) as JSON. */
export function syncFingerprint(syncMethod: AttributeSyncMethod, emailVerified: boolean, lastClaimsJson: string): string {
  return hash('sha256', `${SYNC_RULES}\u0000${syncMethod}\u0000${emailVerified}\u0000${lastClaimsJson}`, 'base64url');
}

/** Whether syncing the plan's resulting user with the same claims again changes nothing (attributes or provenance). */
export function resyncChangesNothing(plan: ProvisioningPlan, mapped: MappedClaims, at: string): boolean {
  if (!plan.after) return false;
  const current = { resource: plan.after, provenance: plan.provenanceAfter ?? {} };
  const again = syncAttributes(plan.syncMethod, current, mapped, { idpId: plan.idpId, at });
  return diffResources(current.resource, again.resource).length === 0 && diffProvenance(current.provenance, again.provenance).length === 0;
}
