// Planning a login's provisioning (DESIGN.md "Provisioning semantics" 1–5): which user the identity ends with and
// why, the SCIM User before and after, provenance, group changes, outbox and audit events. Reads only, through
// ProvisioningReads; `applyPlan` writes the plan in one transaction. Each decision returns its own immutable plan.
import { randomUUID } from 'node:crypto';
import {
  AS_IN_USERNAME,
  type FederatedIdentity,
  type IdentityProvider,
  matchesPolicy,
  qualifyName,
  splitQualifiedName,
} from '../domain/index.js';
import { diffProvenance, diffResources, provenanceOfCreate } from './attribute-sync.js';
import { buildFederatedResource, mapClaims } from './claim-mapping.js';
import type { LoginUser, Prepared, ProvisioningReads } from './reads.js';
import { syncFingerprint } from './sync-fingerprint.js';
import { firstLookup, targetStore } from './target-store.js';
import { decisionAudit, standaloneAudit, withUserEvents } from './plan-events.js';
import {
  commonOf,
  effectiveSyncMethod,
  fingerprintIf,
  NO_GROUPS,
  planGroups,
  planSync,
  refuse,
  returningDetails,
  returningReason,
  rolenameRefusal,
} from './plan-parts.js';
import type { ProvisioningPlan } from './types.js';

export { effectiveSyncMethod, mappedSummary, returningDetails, returningReason } from './plan-parts.js';

export interface PlanOptions {
  /** The id a create uses (non-blocking mode pre-assigns it); a random UUID otherwise. */
  userId?: string;
  /** Clock, for provenance timestamps. */
  now?: Date;
  /** How often this plan restarted after seeing a concurrent first login (bounded). */
  replans?: number;
  /** The identity's claims already mapped, its login context read and its fingerprint computed (the first plan only). */
  prepared?: Prepared;
}

/** With a fixed user store the admin chose it; under AS_IN_USERNAME the store must be one the IdP may pick. */
function storeAllowed(idp: IdentityProvider, domain: string): boolean {
  if (idp.jit.userstore.toUpperCase() !== AS_IN_USERNAME) return true;
  return idp.jit.allowedUserStores.some((allowed) => allowed.toUpperCase() === domain.toUpperCase());
}

export async function planProvisioning(
  reads: ProvisioningReads,
  idp: IdentityProvider,
  identity: FederatedIdentity,
  options: PlanOptions = {},
): Promise<ProvisioningPlan> {
  const { prepared, ...again } = options; // a plan made again reads afresh
  const mapped = prepared?.mapped ?? mapClaims(idp, identity);
  const mappedUserName = mapped.userName ?? identity.subject;
  const wantsTarget = idp.enabled && idp.jit.isEnabled;
  const {
    settings,
    known,
    target: prefetched,
  } = prepared?.context ?? (await reads.loginContext(idp.id, identity.subject, wantsTarget ? firstLookup(idp, mappedUserName) : undefined));
  const syncMethod = effectiveSyncMethod(idp, settings);
  const c = commonOf(idp, identity, mapped, syncMethod);
  const at = (options.now ?? new Date()).toISOString();
  // Computed once per login: the one-statement attempt already did, under the sync method it saw.
  const fingerprint = () =>
    prepared?.fingerprint.syncMethod === syncMethod ? prepared.fingerprint.value : syncFingerprint(idp, syncMethod, mapped);

  if (!idp.enabled) return refuse(c, 'idp_disabled', `identity provider ${idp.name} is disabled`);

  // 3. JIT disabled: nothing stored, the mapped claims go on to the app.
  if (!idp.jit.isEnabled) {
    const claims: Record<string, unknown> = { ...buildFederatedResource(mapped, mapped.userName ?? identity.subject) };
    delete claims.schemas;
    if (mapped.groups.length) claims.groups = mapped.groups;
    // Nothing is stored to carry the IdP's word on the email (no provenance): it travels with the claims.
    if (mapped.email) claims.email_verified = mapped.emailVerified;
    const reason = 'JIT provisioning is disabled for this identity provider: nothing is stored, the mapped claims go to the application';
    return {
      ...c,
      decision: 'passthrough',
      outcome: 'passthrough',
      passthroughClaims: claims,
      qualifiedUserName: null,
      reason,
      events: standaloneAudit(idp.id, null, 'jit.passthrough', 'success', reason, { subject: identity.subject }),
    };
  }

  // 2. A known link: its user, unless the link or the user is locked.
  if (known) {
    if (known.link.locked) return refuse(c, 'link_locked', 'this federated identity is locked', 'jit.link.refused');
    if (known.user.locked) return refuse(c, 'user_locked', 'the linked user is locked', 'jit.link.refused');
    const synced = planSync(c, known.user, mapped, at);
    let domain = splitQualifiedName(synced.qualifiedUserName ?? '').domain;
    let groups = NO_GROUPS;
    // NONE: nothing changes after the first provisioning, group memberships included.
    if (syncMethod !== 'NONE' && (mapped.groups.length || idp.roleMappings.length)) {
      const store = await reads.findUserStoreById(known.user.userStoreId);
      if (store) {
        domain = store.domain;
        const planned = await planGroups(reads, idp, mapped, store, known.user.id);
        if ('bad' in planned) return rolenameRefusal(c, planned.bad, store.domain, synced);
        groups = planned.groups;
      }
    }
    const groupChanges = groups.add.length + groups.remove.length;
    const outcome = synced.userChanged || groupChanges ? 'updated' : 'unchanged';
    const reason = returningReason(
      known.user.id,
      syncMethod,
      outcome === 'updated' ? `${synced.diff.length} attribute(s) and ${groupChanges} group membership(s) change` : null,
    );
    const ends = { resource: synced.after, provenance: synced.provenanceAfter };
    // The spreads come last in these literals (their keys do not overlap the others): on Node 20 (V8 11.3) a
    // literal that starts with a spread and adds properties after it takes a slow path, tens of µs per login.
    return withUserEvents(
      {
        decision: 'link_found',
        outcome,
        reason,
        userStore: { id: known.user.userStoreId, domain },
        linkId: known.link.id,
        groups,
        // Unchanged: the plan itself verified that this login leaves the user as it is.
        fingerprint:
          outcome === 'unchanged' || synced.userChanged ? fingerprintIf(fingerprint, c, mapped, at, ends, outcome === 'unchanged') : null,
        ...synced,
        ...c,
      },
      decisionAudit(
        idp.id,
        known.user.id,
        'jit.user.sync',
        reason,
        returningDetails(identity.subject, syncMethod, { diff: synced.diff, groups }),
      ),
    );
  }

  // 4. A new identity: the target store and username.
  const generated = settings.jit.enhancedFeature;
  const rawUserName = generated ? randomUUID() : mappedUserName;
  const target = await targetStore(reads, idp, rawUserName, prefetched, generated);
  if (!target.store) return refuse(c, 'user_store_not_found', `user store domain '${target.domain}' does not exist`);
  const store = target.store;
  if (!storeAllowed(idp, store.domain)) {
    // Under AS_IN_USERNAME the IdP's claim picks the store: only the stores the admin named for this IdP.
    return refuse(
      c,
      'user_store_not_allowed',
      `the username names user store ${store.domain}, which identity provider '${idp.name}' may not provision into (provisioning.jit.allowedUserStores: ${idp.jit.allowedUserStores.join(', ')})`,
    );
  }
  const qualifiedUserName = qualifyName(store.domain, target.name);
  if (!matchesPolicy(store.usernameRegex, target.name)) {
    return refuse(
      c,
      'username_policy',
      `username '${target.name}' does not match the username policy of user store ${store.domain}`,
      undefined,
      {
        qualifiedUserName,
      },
    );
  }

  // 5. Association with an existing local user: the same username only when this IdP is trusted to assert local
  // usernames (associateByUsername: preferred_username is neither unique nor verified); the same email only when
  // it is verified, with association on for the IdP (associateLocalUser) or server-wide.
  const byUsername = idp.jit.associateByUsername;
  const byEmail = idp.jit.associateLocalUser || settings.jit.associatingToExistingUser;
  const sameName = target.existing;
  let candidate: LoginUser | undefined;
  let how: 'associate_username' | 'associate_email' | null = null;
  if (sameName && (await reads.findLinkOfUserForIdp(sameName.id, idp.id))?.subject === identity.subject && (options.replans ?? 0) < 2) {
    // A concurrent first login of this very identity committed between our link lookup and this one: plan again,
    // which now takes the "link exists" path.
    return planProvisioning(reads, idp, identity, { ...again, replans: (options.replans ?? 0) + 1 });
  }
  if (byEmail && mapped.email && (!sameName || !byUsername)) {
    const sameEmail = await reads.findUsersByEmail(store.id, mapped.email);
    if (sameEmail.length > 0) {
      if (!mapped.emailVerified) {
        if (!sameName)
          return refuse(
            c,
            'email_not_verified',
            `a local user has the email ${mapped.email}, but the identity provider did not verify it (no email_verified claim and the IdP is not trusted for email): not linking`,
            'jit.link.refused',
            { qualifiedUserName },
          );
      } else if (sameEmail.length > 1) {
        if (!sameName)
          return refuse(c, 'email_ambiguous', `more than one local user has the email ${mapped.email}: not linking`, 'jit.link.refused', {
            qualifiedUserName,
          });
      } else if (!sameName || sameEmail[0]!.id === sameName.id) {
        // With a local user of the same name, only that user can be linked (a new one cannot take the name).
        candidate = sameEmail[0];
        how = 'associate_email';
      }
    }
  }
  if (sameName && !candidate) {
    if (!byUsername) {
      return refuse(
        c,
        'username_taken',
        `a local user named '${qualifiedUserName}' exists and this identity provider may not link by username (provisioning.jit.associateByUsername is off)`,
        'jit.link.refused',
        { qualifiedUserName },
      );
    }
    candidate = sameName;
    how = 'associate_username';
  }

  if (candidate && how) {
    // Its own code: unlike user_locked (the person's own linked account), this one is about someone else's account.
    if (candidate.locked)
      return refuse(c, 'association_target_locked', `the local user ${candidate.id} is locked`, 'jit.link.refused', { qualifiedUserName });
    const other = await reads.findLinkOfUserForIdp(candidate.id, idp.id);
    if (other?.subject === identity.subject && (options.replans ?? 0) < 2) {
      return planProvisioning(reads, idp, identity, { ...again, replans: (options.replans ?? 0) + 1 });
    }
    if (other)
      return refuse(
        c,
        'already_linked',
        `the local user ${candidate.id} is already linked to another identity of this identity provider`,
        'jit.link.refused',
        { qualifiedUserName },
      );
    const synced = planSync(c, candidate, mapped, at);
    let groups = NO_GROUPS;
    if (syncMethod !== 'NONE') {
      const planned = await planGroups(reads, idp, mapped, store, candidate.id);
      if ('bad' in planned) return rolenameRefusal(c, planned.bad, store.domain, synced);
      groups = planned.groups;
    }
    const reason =
      how === 'associate_username'
        ? `new identity associated with the local user '${synced.qualifiedUserName}' by username in ${store.domain}`
        : `new identity associated with the local user ${candidate.id} by verified email ${mapped.email} (${idp.trustEmail ? 'IdP trusted for email' : 'email_verified claim'})`;
    return withUserEvents(
      {
        decision: how,
        outcome: 'linked',
        reason,
        userStore: { id: store.id, domain: store.domain },
        linkId: null,
        groups,
        fingerprint: null,
        ...synced,
        ...c,
      },
      decisionAudit(idp.id, candidate.id, 'jit.user.link', reason, {
        subject: identity.subject,
        by: how === 'associate_username' ? 'username' : 'email',
        /** The rule that allowed the link. */
        rule: how === 'associate_username' ? 'username' : 'verified_email',
        syncMethod,
        changed: synced.diff.map((d) => d.attribute),
      }),
    );
  }

  // A new user.
  const planned = await planGroups(reads, idp, mapped, store, null);
  if ('bad' in planned) return rolenameRefusal(c, planned.bad, store.domain, { qualifiedUserName });
  const userId = options.userId ?? randomUUID();
  const after = buildFederatedResource(mapped, qualifiedUserName);
  const provenanceAfter = provenanceOfCreate(mapped, { idpId: idp.id, at });
  const diff = diffResources(null, after);
  const reason = `new identity: user '${qualifiedUserName}' created in ${target.note}${settings.jit.enhancedFeature ? ' (enhanced feature: generated username)' : ''}`;
  return withUserEvents(
    {
      decision: 'create',
      outcome: 'created',
      reason,
      userId,
      userStore: { id: store.id, domain: store.domain },
      userName: target.name,
      qualifiedUserName,
      before: null,
      after,
      provenanceAfter,
      diff,
      provenanceChanges: diffProvenance({}, provenanceAfter),
      userChanged: true,
      groups: planned.groups,
      fingerprint: fingerprintIf(fingerprint, c, mapped, at, { resource: after, provenance: provenanceAfter }, false),
      ...c,
    },
    decisionAudit(idp.id, userId, 'jit.user.create', reason, {
      subject: identity.subject,
      userStore: store.domain,
      attributes: diff.map((d) => d.attribute),
      groups: mapped.groups,
    }),
  );
}
