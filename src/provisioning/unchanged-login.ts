// The commonest login — a returning identity whose claims leave its user unchanged — in one statement: the link's
// fingerprint (sync-fingerprint.ts) says this login changes nothing, so the link touch and the audit event are
// written without reading the user first. This is the one fast path of a login's writes, kept because it earns
// far more than 15 % (BENCHMARKS.md: returning unchanged logins ran 132–143 % of a three-statement baseline, more
// than twice the rate of a planned returning login); it lives in the store's repository (provisioning-reads.ts)
// and writes what `applyPlan` writes for an "unchanged" plan — the same audit event, link touch and no outbox
// event, which test/integration/unchanged-login.test.ts checks row for row. When it cannot be proved in the database (a first login, new claims, the
// user changed since, a lock, consent receipts, other settings), the same statement returns the login context and
// the login is planned as usual.
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import { type Executor, recordUnchangedOrReadContext } from '../store/index.js';
import { mapClaims } from './claim-mapping.js';
import { effectiveSyncMethod, mappedSummary, returningDetails, returningReason } from './plan.js';
import { lastParsedSettings, loginContextFrom, type Prepared } from './reads.js';
import { syncFingerprint } from './sync-fingerprint.js';
import { firstLookup } from './target-store.js';

/** Stands for the user id in the audit reason, which the statement fills in. */
const USER = '\u0000user\u0000';

export type UnchangedAttempt = { recorded: string } | { prepared: Prepared } | null;

/**
 * The user id when the login was recorded as unchanged; else what planning needs (the mapped claims and the login
 * context); null when the one-statement path does not apply (then nothing was read).
 */
export async function tryUnchangedLogin(executor: Executor, idp: IdentityProvider, identity: FederatedIdentity): Promise<UnchangedAttempt> {
  // Group memberships are not part of the user's version: an IdP with role mappings always plans.
  if (!idp.enabled || !idp.jit.isEnabled || idp.roleMappings.length > 0) return null;
  // The sync method may come from the settings: the statement checks they are still the ones seen last.
  const seen = lastParsedSettings();
  if (!seen) return null;
  const mapped = mapClaims(idp, identity);
  const syncMethod = effectiveSyncMethod(idp, seen.settings);
  const lastClaimsJson = JSON.stringify(mappedSummary(mapped));
  const target = firstLookup(idp, mapped.userName ?? identity.subject);
  const fingerprint = syncFingerprint(idp, syncMethod, mapped);
  const [reasonBefore, reasonAfter] = returningReason(USER, syncMethod, null).split(USER) as [string, string];
  const result = await recordUnchangedOrReadContext(executor, idp.id, identity.subject, target, {
    fingerprint,
    settingsText: seen.text,
    lastClaimsJson,
    actorId: idp.id,
    reasonBefore,
    reasonAfter,
    detailsJson: JSON.stringify(returningDetails(identity.subject, syncMethod)),
  });
  if ('recorded' in result) return result;
  return { prepared: { mapped, context: loginContextFrom(result.context, target), fingerprint: { syncMethod, value: fingerprint } } };
}
