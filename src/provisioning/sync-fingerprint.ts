// "Nothing changed since the last login", derived from data instead of a hand-bumped version. A link keeps the
// fingerprint of a login after which its user, at a known version, was verified (by running the sync again) to
// need no change. A later login with the same fingerprint, while the user is still at that version, changes
// nothing either — so it can be recorded without reading the user and planning (unchanged-login.ts).
// The fingerprint covers everything the sync's result depends on besides the user itself:
// - the mapped attributes the plan used (values, the claims they came from, the username, the email and whether
//   the IdP vouched for it, the groups) — so a change of the claims or of the mapping code shows;
// - the policy's own fields: the sync method in force, the IdP's claim and role mappings, trustEmail and its
//   whole JIT policy (store, regexes, association, scheme, preserve-claims…) — so an admin's change shows;
// - the code of the mapping and sync functions themselves (their source text), so a change of the rules shows
//   without anyone remembering to bump a version.
import { hash } from 'node:crypto';
import type { AttributeSyncMethod, IdentityProvider } from '../domain/index.js';
import * as sync from './attribute-sync.js';
import * as mapping from './claim-mapping.js';
import * as paths from './scim-path.js';
import type { MappedClaims } from './claim-mapping.js';

/** The source text of the functions the sync result depends on (computed once: it changes only with the code). */
const RULES = hash(
  'sha256',
  [sync, mapping, paths]
    .flatMap((module) => Object.entries(module))
    .filter((entry): entry is [string, (...args: never[]) => unknown] => typeof entry[1] === 'function')
    .map(([name, fn]) => `${name}:${fn.toString()}`)
    .join('\n'),
  'base64url',
);

/** JSON with object keys sorted, so that equal data gives equal text whatever the order keys were set in. */
function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null || value instanceof Date) return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonical(value[i]);
    return `${out}]`;
  }
  // Plain loops: this runs on every login, and the arrays of entries cost more than the text.
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonical(record[key])}`;
  }
  return `${out}}`;
}

/** The policy fields that decide a sync, besides the sync method in force (which may come from the settings). */
type SyncPolicy = Pick<IdentityProvider, 'id' | 'claimMappings' | 'roleMappings' | 'trustEmail' | 'jit'>;

/**
 * The canonical text of the policy part, by IdP object and sync method: it depends only on the IdP's own fields,
 * and an IdP object is never changed in place (an admin's change makes a new one), so the memo cannot go stale;
 * a WeakMap lets it go with the IdP object.
 */
const policyTexts = new WeakMap<SyncPolicy, Partial<Record<AttributeSyncMethod, string>>>();

function policyText(idp: SyncPolicy, syncMethod: AttributeSyncMethod): string {
  let texts = policyTexts.get(idp);
  if (!texts) policyTexts.set(idp, (texts = {}));
  return (texts[syncMethod] ??= canonical({
    idpId: idp.id,
    syncMethod,
    claimMappings: idp.claimMappings,
    roleMappings: idp.roleMappings,
    trustEmail: idp.trustEmail,
    jit: idp.jit,
  }));
}

/** The fingerprint of a login: its mapped attributes, the policy in force and the rules' code. */
export function syncFingerprint(idp: SyncPolicy, syncMethod: AttributeSyncMethod, mapped: MappedClaims): string {
  const mappedText = canonical({
    values: [...mapped.values].map(([key, v]) => [key, v.remote, v.value]),
    userName: mapped.userName,
    email: mapped.email,
    emailVerified: mapped.emailVerified,
    groups: mapped.groups,
  });
  // The text canonical({ mapped, policy }) would give, with the policy's part memoised.
  return hash('sha256', `${RULES}\u0000{"mapped":${mappedText},"policy":${policyText(idp, syncMethod)}}`, 'base64url');
}

/** Whether syncing the resulting user with the same claims again changes nothing (attributes or provenance). */
export function resyncChangesNothing(
  syncMethod: AttributeSyncMethod,
  idpId: string,
  current: sync.SyncResult,
  mapped: MappedClaims,
  at: string,
): boolean {
  const again = sync.syncAttributes(syncMethod, current, mapped, { idpId, at });
  return (
    sync.diffResources(current.resource, again.resource).length === 0 &&
    sync.diffProvenance(current.provenance, again.provenance).length === 0
  );
}
