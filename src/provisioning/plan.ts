// Planning a login's provisioning (DESIGN.md "Provisioning semantics" 1–5): which user the identity ends with and
// why, the SCIM User before and after, provenance, group changes, outbox and audit events. Reads only, through
// ProvisioningReads; `applyProvisioning` writes the plan atomically (one transaction, or one statement).
import { randomUUID } from 'node:crypto';
import {
  AS_IN_USERNAME,
  type FederatedIdentity,
  type AttributeSyncMethod,
  type IdentityProvider,
  type Provenance,
  type ScimUserResource,
  type Settings,
  matchesPolicy,
  qualifyName,
  splitQualifiedName,
  type UserStore,
} from '../domain/index.js';
import { diffProvenance, diffResources, provenanceOfCreate, syncAttributes } from './attribute-sync.js';
import { buildFederatedResource, mapClaims, type MappedClaims } from './claim-mapping.js';
import type { LoginContext, LoginUser, ProvisioningReads } from './reads.js';
import { firstLookup, targetStore } from './target-store.js';
import { resyncChangesNothing } from './sync-fingerprint.js';
import type { PlannedOutboxEvent, ProvisioningPlan } from './types.js';

export interface PlanOptions {
  /** The id a create uses (non-blocking mode pre-assigns it); a random UUID otherwise. */
  userId?: string;
  /** Clock, for provenance timestamps. */
  now?: Date;
  /** How often this plan restarted after seeing a concurrent first login (bounded). */
  replans?: number;
  /** The identity's claims already mapped, and its login context already read, by the caller (the first plan only). */
  prepared?: { mapped: MappedClaims; context: LoginContext };
}

/** With a fixed user store the admin chose it; under AS_IN_USERNAME the store must be one the IdP may pick. */
function storeAllowed(idp: IdentityProvider, domain: string): boolean {
  if (idp.jit.userstore.toUpperCase() !== AS_IN_USERNAME) return true;
  return idp.jit.allowedUserStores.some((allowed) => allowed.toUpperCase() === domain.toUpperCase());
}

/** The sync method in force: the IdP's, else the server setting (false → OVERRIDE_ALL, true → PRESERVE_LOCAL). */
export function effectiveSyncMethod(idp: IdentityProvider, settings: Settings): AttributeSyncMethod {
  return idp.jit.attributeSyncMethod ?? (settings.jit.preserveLocallyAddedClaims ? 'PRESERVE_LOCAL' : 'OVERRIDE_ALL');
}

/** The mapped claims as one object keyed by SCIM path (kept on the link as the last claims seen). */
export function mappedSummary(mapped: MappedClaims): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (mapped.userName) out.userName = mapped.userName;
  for (const [key, { value }] of mapped.values) out[key] = value;
  if (mapped.groups.length) out.groups = mapped.groups;
  return out;
}

function basePlan(
  idp: IdentityProvider,
  identity: FederatedIdentity,
  mapped: MappedClaims,
  syncMethod: AttributeSyncMethod,
): ProvisioningPlan {
  const warnings = [...mapped.problems];
  if (mapped.unmappedRoles.length) warnings.push(`roles without a role mapping are ignored: ${mapped.unmappedRoles.join(', ')}`);
  return {
    idpId: idp.id,
    subject: identity.subject,
    decision: 'refuse',
    reason: '',
    refusal: null,
    passthroughClaims: null,
    syncMethod,
    userId: null,
    userStore: null,
    userName: null,
    qualifiedUserName: null,
    link: { id: null, exists: false },
    before: null,
    after: null,
    expectedVersion: null,
    userChanged: false,
    diff: [],
    provenanceAfter: null,
    provenanceChanges: [],
    groups: { add: [], remove: [], create: [] },
    outbox: [],
    audit: { action: '', outcome: 'success', reason: '', details: {} },
    lastClaims: mappedSummary(mapped),
    resyncIsNoop: false,
    emailVerified: mapped.emailVerified,
    outcome: 'refused',
    warnings,
  };
}

/** The reason of a returning login's audit event; `change` null when nothing changes. */
export function returningReason(userId: string, syncMethod: AttributeSyncMethod, change: string | null): string {
  return `returning identity linked to user ${userId}; attribute sync ${syncMethod}: ${change ?? 'no changes'}`;
}

/** The details of a returning login's audit event. */
export function returningDetails(subject: string, syncMethod: AttributeSyncMethod, plan?: ProvisioningPlan): Record<string, unknown> {
  return {
    subject,
    syncMethod,
    changed: plan ? plan.diff.map((d) => d.attribute) : [],
    groupsAdded: plan ? plan.groups.add.map((g) => g.name) : [],
    groupsRemoved: plan ? plan.groups.remove.map((g) => g.name) : [],
  };
}

function refuse(plan: ProvisioningPlan, code: string, message: string, action = 'jit.user.refused'): ProvisioningPlan {
  plan.decision = 'refuse';
  plan.refusal = { code, message };
  plan.reason = message;
  plan.outcome = 'refused';
  plan.audit = { action, outcome: 'refused', reason: message, details: { code, subject: plan.subject, idpId: plan.idpId } };
  return plan;
}

/** Group adds/removes for a user by the mapped groups; groups named in this IdP's role mappings are the managed ones. */
async function planGroups(
  reads: ProvisioningReads,
  plan: ProvisioningPlan,
  idp: IdentityProvider,
  mapped: MappedClaims,
  store: UserStore,
  userId: string | null,
): Promise<string | null> {
  for (const name of mapped.groups) {
    if (!matchesPolicy(store.rolenameRegex, name)) return name;
  }
  const managed = [...new Set(idp.roleMappings.map((m) => m.local))];
  const existing = await reads.findGroupsByNames(store.id, [...new Set([...managed, ...mapped.groups])]);
  const byName = new Map(existing.map((g) => [g.displayName.toLowerCase(), g]));
  const memberOf = new Set(
    userId
      ? await reads.memberGroupIds(
          userId,
          existing.map((g) => g.id),
        )
      : [],
  );
  const wanted = new Set(mapped.groups.map((g) => g.toLowerCase()));
  for (const name of mapped.groups) {
    const group = byName.get(name.toLowerCase());
    if (!group) {
      plan.groups.create.push(name);
      plan.groups.add.push({ name, id: null });
    } else if (!memberOf.has(group.id)) plan.groups.add.push({ name: group.displayName, id: group.id });
  }
  for (const name of managed) {
    const group = byName.get(name.toLowerCase());
    if (group && memberOf.has(group.id) && !wanted.has(name.toLowerCase()))
      plan.groups.remove.push({ name: group.displayName, id: group.id });
  }
  return null;
}

function planEvents(plan: ProvisioningPlan): void {
  const events: PlannedOutboxEvent[] = [];
  if (plan.decision === 'create') events.push({ resourceType: 'User', eventType: 'create', resourceId: plan.userId });
  else if (plan.userChanged) events.push({ resourceType: 'User', eventType: 'update', resourceId: plan.userId });
  for (const name of plan.groups.create) events.push({ resourceType: 'Group', eventType: 'group.create', resourceId: null, group: name });
  for (const g of plan.groups.add) events.push({ resourceType: 'Group', eventType: 'group.member_add', resourceId: g.id, group: g.name });
  for (const g of plan.groups.remove)
    events.push({ resourceType: 'Group', eventType: 'group.member_remove', resourceId: g.id, group: g.name });
  plan.outbox = events;
}

function userResource(row: LoginUser): ScimUserResource {
  return row.resource as ScimUserResource;
}

/** Sync of an existing user (returning identity, or one being associated), with the plan's before/after. */
function planSync(plan: ProvisioningPlan, user: LoginUser, mapped: MappedClaims, at: string): void {
  const before = userResource(user);
  const provenanceBefore = (user.provenance ?? {}) as Provenance;
  const synced = syncAttributes(plan.syncMethod, { resource: before, provenance: provenanceBefore }, mapped, { idpId: plan.idpId, at });
  plan.before = before;
  plan.after = synced.resource;
  plan.diff = diffResources(before, synced.resource);
  plan.provenanceChanges = diffProvenance(provenanceBefore, synced.provenance);
  plan.provenanceAfter = synced.provenance;
  plan.userChanged = plan.diff.length > 0 || plan.provenanceChanges.length > 0;
  plan.expectedVersion = user.version;
  if (user.hasConsentReceipts !== undefined) plan.userHasConsentReceipts = user.hasConsentReceipts;
  plan.userId = user.id;
  plan.userName = user.userName;
  plan.qualifiedUserName = before.userName;
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
  const plan = basePlan(idp, identity, mapped, syncMethod);
  const at = (options.now ?? new Date()).toISOString();

  if (!idp.enabled) return refuse(plan, 'idp_disabled', `identity provider ${idp.name} is disabled`);

  // 3. JIT disabled: nothing stored, the mapped claims go on to the app.
  if (!idp.jit.isEnabled) {
    const claims: Record<string, unknown> = { ...buildFederatedResource(mapped, mapped.userName ?? identity.subject) };
    delete claims.schemas;
    if (mapped.groups.length) claims.groups = mapped.groups;
    // Nothing is stored to carry the IdP's word on the email (no provenance): it travels with the claims.
    if (mapped.email) claims.email_verified = mapped.emailVerified;
    plan.decision = 'passthrough';
    plan.outcome = 'passthrough';
    plan.passthroughClaims = claims;
    plan.reason = 'JIT provisioning is disabled for this identity provider: nothing is stored, the mapped claims go to the application';
    plan.audit = { action: 'jit.passthrough', outcome: 'success', reason: plan.reason, details: { subject: identity.subject } };
    return plan;
  }

  // 2. A known link: its user, unless the link or the user is locked.
  if (known) {
    plan.link = { id: known.link.id, exists: true };
    if (known.link.locked) return refuse(plan, 'link_locked', 'this federated identity is locked', 'jit.link.refused');
    if (known.user.locked) return refuse(plan, 'user_locked', 'the linked user is locked', 'jit.link.refused');
    plan.decision = 'link_found';
    planSync(plan, known.user, mapped, at);
    plan.userStore = { id: known.user.userStoreId, domain: splitQualifiedName(plan.qualifiedUserName ?? '').domain };
    // NONE: nothing changes after the first provisioning, group memberships included.
    if (syncMethod !== 'NONE' && (mapped.groups.length || idp.roleMappings.length)) {
      const store = await reads.findUserStoreById(known.user.userStoreId);
      if (store) {
        plan.userStore.domain = store.domain;
        const bad = await planGroups(reads, plan, idp, mapped, store, known.user.id);
        if (bad) return refuse(plan, 'rolename_policy', `group '${bad}' does not match the role name policy of user store ${store.domain}`);
      }
    }
    plan.outcome = plan.userChanged || plan.groups.add.length || plan.groups.remove.length ? 'updated' : 'unchanged';
    plan.reason = returningReason(
      known.user.id,
      syncMethod,
      plan.outcome === 'updated'
        ? `${plan.diff.length} attribute(s) and ${plan.groups.add.length + plan.groups.remove.length} group membership(s) change`
        : null,
    );
    plan.audit = {
      action: 'jit.user.sync',
      outcome: 'success',
      reason: plan.reason,
      details: returningDetails(identity.subject, syncMethod, plan),
    };
    // Unchanged: the plan itself verified that these claims leave the user as it is.
    plan.resyncIsNoop = plan.outcome === 'unchanged' || (plan.userChanged && resyncChangesNothing(plan, mapped, at));
    planEvents(plan);
    return plan;
  }

  // 4. A new identity: the target store and username.
  const generated = settings.jit.enhancedFeature;
  const rawUserName = generated ? randomUUID() : mappedUserName;
  const target = await targetStore(reads, idp, rawUserName, prefetched, generated);
  if (!target.store) return refuse(plan, 'user_store_not_found', `user store domain '${target.domain}' does not exist`);
  const store = target.store;
  if (!storeAllowed(idp, store.domain)) {
    // Under AS_IN_USERNAME the IdP's claim picks the store: only the stores the admin named for this IdP.
    return refuse(
      plan,
      'user_store_not_allowed',
      `the username names user store ${store.domain}, which identity provider '${idp.name}' may not provision into (provisioning.jit.allowedUserStores: ${idp.jit.allowedUserStores.join(', ')})`,
    );
  }
  plan.userStore = { id: store.id, domain: store.domain };
  plan.userName = target.name;
  plan.qualifiedUserName = qualifyName(store.domain, target.name);
  if (!matchesPolicy(store.usernameRegex, target.name)) {
    return refuse(plan, 'username_policy', `username '${target.name}' does not match the username policy of user store ${store.domain}`);
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
            plan,
            'email_not_verified',
            `a local user has the email ${mapped.email}, but the identity provider did not verify it (no email_verified claim and the IdP is not trusted for email): not linking`,
            'jit.link.refused',
          );
      } else if (sameEmail.length > 1) {
        if (!sameName)
          return refuse(plan, 'email_ambiguous', `more than one local user has the email ${mapped.email}: not linking`, 'jit.link.refused');
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
        plan,
        'username_taken',
        `a local user named '${plan.qualifiedUserName}' exists and this identity provider may not link by username (provisioning.jit.associateByUsername is off)`,
        'jit.link.refused',
      );
    }
    candidate = sameName;
    how = 'associate_username';
  }

  if (candidate && how) {
    // Its own code: unlike user_locked (the person's own linked account), this one is about someone else's account.
    if (candidate.locked) return refuse(plan, 'association_target_locked', `the local user ${candidate.id} is locked`, 'jit.link.refused');
    const other = await reads.findLinkOfUserForIdp(candidate.id, idp.id);
    if (other?.subject === identity.subject && (options.replans ?? 0) < 2) {
      return planProvisioning(reads, idp, identity, { ...again, replans: (options.replans ?? 0) + 1 });
    }
    if (other)
      return refuse(
        plan,
        'already_linked',
        `the local user ${candidate.id} is already linked to another identity of this identity provider`,
        'jit.link.refused',
      );
    plan.decision = how;
    planSync(plan, candidate, mapped, at);
    const bad = syncMethod === 'NONE' ? null : await planGroups(reads, plan, idp, mapped, store, candidate.id);
    if (bad) return refuse(plan, 'rolename_policy', `group '${bad}' does not match the role name policy of user store ${store.domain}`);
    plan.outcome = 'linked';
    plan.reason =
      how === 'associate_username'
        ? `new identity associated with the local user '${plan.qualifiedUserName}' by username in ${store.domain}`
        : `new identity associated with the local user ${candidate.id} by verified email ${mapped.email} (${idp.trustEmail ? 'IdP trusted for email' : 'email_verified claim'})`;
    plan.audit = {
      action: 'jit.user.link',
      outcome: 'success',
      reason: plan.reason,
      details: {
        subject: identity.subject,
        by: how === 'associate_username' ? 'username' : 'email',
        /** The rule that allowed the link. */
        rule: how === 'associate_username' ? 'username' : 'verified_email',
        syncMethod,
        changed: plan.diff.map((d) => d.attribute),
      },
    };
    planEvents(plan);
    return plan;
  }

  // A new user.
  const bad = await planGroups(reads, plan, idp, mapped, store, null);
  if (bad) return refuse(plan, 'rolename_policy', `group '${bad}' does not match the role name policy of user store ${store.domain}`);
  plan.decision = 'create';
  plan.userId = options.userId ?? randomUUID();
  plan.after = buildFederatedResource(mapped, plan.qualifiedUserName);
  plan.provenanceAfter = provenanceOfCreate(mapped, { idpId: idp.id, at });
  plan.diff = diffResources(null, plan.after);
  plan.provenanceChanges = diffProvenance({}, plan.provenanceAfter);
  plan.userChanged = true;
  plan.resyncIsNoop = resyncChangesNothing(plan, mapped, at);
  plan.outcome = 'created';
  plan.reason = `new identity: user '${plan.qualifiedUserName}' created in ${target.note}${settings.jit.enhancedFeature ? ' (enhanced feature: generated username)' : ''}`;
  plan.audit = {
    action: 'jit.user.create',
    outcome: 'success',
    reason: plan.reason,
    details: { subject: identity.subject, userStore: store.domain, attributes: plan.diff.map((d) => d.attribute), groups: mapped.groups },
  };
  planEvents(plan);
  return plan;
}
