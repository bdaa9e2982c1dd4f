// The pieces every decision of `planProvisioning` (plan.ts) is made of: what all plans of a login share, a
// refusal, the group changes a login's role mappings make, the sync of an existing user, and the link's fingerprint.
import type {
  AttributeSyncMethod,
  FederatedIdentity,
  IdentityProvider,
  Provenance,
  ScimUserResource,
  Settings,
  UserStore,
} from '../domain/index.js';
import { matchesPolicy } from '../domain/index.js';
import { diffProvenance, diffResources, syncAttributes } from './attribute-sync.js';
import type { MappedClaims } from './claim-mapping.js';
import { standaloneAudit } from './plan-events.js';
import type { LoginUser, ProvisioningReads } from './reads.js';
import { resyncChangesNothing } from './sync-fingerprint.js';
import type { AttributeChange, PlannedGroups, ProvenanceChange, RefusePlan } from './types.js';

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

/** What every plan of this login shares. */
export function commonOf(idp: IdentityProvider, identity: FederatedIdentity, mapped: MappedClaims, syncMethod: AttributeSyncMethod) {
  const warnings = [...mapped.problems];
  if (mapped.unmappedRoles.length) warnings.push(`roles without a role mapping are ignored: ${mapped.unmappedRoles.join(', ')}`);
  return {
    idpId: idp.id,
    subject: identity.subject,
    syncMethod,
    lastClaims: mappedSummary(mapped),
    emailVerified: mapped.emailVerified,
    warnings,
  };
}
export type Common = ReturnType<typeof commonOf>;

/** The reason of a returning login's audit event; `change` null when nothing changes. */
export function returningReason(userId: string, syncMethod: AttributeSyncMethod, change: string | null): string {
  return `returning identity linked to user ${userId}; attribute sync ${syncMethod}: ${change ?? 'no changes'}`;
}

/** The details of a returning login's audit event (no changes: an unchanged login). */
export function returningDetails(
  subject: string,
  syncMethod: AttributeSyncMethod,
  changes?: { diff: readonly AttributeChange[]; groups: PlannedGroups },
): Record<string, unknown> {
  return {
    subject,
    syncMethod,
    changed: changes ? changes.diff.map((d) => d.attribute) : [],
    groupsAdded: changes ? changes.groups.add.map((g) => g.name) : [],
    groupsRemoved: changes ? changes.groups.remove.map((g) => g.name) : [],
  };
}

export function refuse(
  c: Common,
  code: string,
  message: string,
  action = 'jit.user.refused',
  who: { userId?: string; qualifiedUserName?: string } = {},
): RefusePlan {
  const userId = who.userId ?? null;
  return {
    ...c,
    decision: 'refuse',
    outcome: 'refused',
    refusal: { code, message },
    reason: message,
    userId,
    qualifiedUserName: who.qualifiedUserName ?? null,
    events: standaloneAudit(c.idpId, userId, action, 'refused', message, { code, subject: c.subject, idpId: c.idpId }),
  };
}

export const NO_GROUPS: PlannedGroups = { add: [], remove: [], create: [] };

/** Group adds/removes for a user by the mapped groups; groups named in this IdP's role mappings are the managed ones. */
export async function planGroups(
  reads: ProvisioningReads,
  idp: IdentityProvider,
  mapped: MappedClaims,
  store: UserStore,
  userId: string | null,
): Promise<{ bad: string } | { groups: PlannedGroups }> {
  for (const name of mapped.groups) {
    if (!matchesPolicy(store.rolenameRegex, name)) return { bad: name };
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
  const groups = { add: [] as PlannedGroups['add'][number][], remove: [] as PlannedGroups['remove'][number][], create: [] as string[] };
  for (const name of mapped.groups) {
    const group = byName.get(name.toLowerCase());
    if (!group) {
      groups.create.push(name);
      groups.add.push({ name, id: null, version: null });
    } else if (!memberOf.has(group.id)) groups.add.push({ name: group.displayName, id: group.id, version: group.version });
  }
  for (const name of managed) {
    const group = byName.get(name.toLowerCase());
    if (group && memberOf.has(group.id) && !wanted.has(name.toLowerCase()))
      groups.remove.push({ name: group.displayName, id: group.id, version: group.version });
  }
  return { groups };
}

export const rolenameRefusal = (c: Common, bad: string, domain: string, who: { userId?: string; qualifiedUserName?: string }) =>
  refuse(c, 'rolename_policy', `group '${bad}' does not match the role name policy of user store ${domain}`, 'jit.user.refused', who);

/** Sync of an existing user (returning identity, or one being associated): before/after, diff, provenance. */
export function planSync(c: Common, user: LoginUser, mapped: MappedClaims, at: string) {
  const before = user.resource as ScimUserResource;
  const provenanceBefore = (user.provenance ?? {}) as Provenance;
  const synced = syncAttributes(c.syncMethod, { resource: before, provenance: provenanceBefore }, mapped, { idpId: c.idpId, at });
  const diff = diffResources(before, synced.resource);
  const provenanceChanges: ProvenanceChange[] = diffProvenance(provenanceBefore, synced.provenance);
  return {
    userId: user.id,
    userName: user.userName,
    qualifiedUserName: before.userName,
    before,
    after: synced.resource,
    provenanceAfter: synced.provenance,
    diff,
    provenanceChanges,
    userChanged: diff.length > 0 || provenanceChanges.length > 0,
    expectedVersion: user.version,
    ...(user.hasConsentReceipts !== undefined ? { userHasConsentReceipts: user.hasConsentReceipts } : {}),
  };
}

/** The link's fingerprint when syncing the user this plan ends with again, with the same login, changes nothing. */
export function fingerprintIf(
  fingerprint: () => string,
  c: Common,
  mapped: MappedClaims,
  at: string,
  ends: { resource: ScimUserResource; provenance: Provenance },
  known: boolean,
): string | null {
  return known || resyncChangesNothing(c.syncMethod, c.idpId, ends, mapped, at) ? fingerprint() : null;
}
