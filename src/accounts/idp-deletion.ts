// What deleting an identity provider does to the users it brought in (issue 7; reference 000/002, enhanced
// feature: "When an IDP is deleted, all provisioned users from that IDP will be deleted").
//   enhanced feature on  → its JIT users are deleted, with their links, consents, sessions, grants and tokens;
//   enhanced feature off → `users` decides: detach (default: keep users, drop links), disable (keep, inactive),
//                          or delete (as above).
// Links to the IdP always go (never an orphaned link). A dry run counts; past settings.jit.idpDeleteThreshold
// affected users the real run needs `force`. Every user write leaves an outbox event and an audit event, in
// the same transaction as the IdP's removal.
import { AppError, invalidInput, notFound, type ScimUserResource } from '../domain/index.js';
import {
  recordAudit,
  type Actor,
  type Executor,
  type Store,
  deleteIdentityProvider,
  clearJitIdp,
  countIdpDeletionImpact,
  deleteGroupMembershipsOf,
  deleteLinksOfIdp,
  deleteOidcPayloadsOfAccounts,
  listJitUsersForUpdate,
  lockIdentityProviderRow,
  type IdpDeletionCounts,
  emitOutboxEvent,
  readSettings,
  deleteUserRow,
  updateUser,
} from '../store/index.js';

export const IDP_USER_MODES = ['detach', 'disable', 'delete'] as const;
export type IdpUserMode = (typeof IDP_USER_MODES)[number];

export interface IdpDeletionOptions {
  /** Count only; change nothing. */
  dryRun?: boolean;
  /** Go ahead past the threshold. */
  force?: boolean;
  /** What to do with the IdP's JIT users (enhanced feature off). Unset → detach, or delete with the feature on. */
  users?: IdpUserMode;
  actor: Actor;
}

export interface IdpDeletionResult {
  identityProviderId: string;
  name: string;
  dryRun: boolean;
  /** Whether the IdP is gone (false on a dry run). */
  deleted: boolean;
  enhancedFeature: boolean;
  users: IdpUserMode;
  threshold: number;
  /** Users deleted or disabled by this run (or that would be, on a dry run). */
  affectedUsers: number;
  /** The run needs `force=true` (affectedUsers is above the threshold). */
  forceRequired: boolean;
  counts: {
    usersDeleted: number;
    usersDisabled: number;
    /** JIT users that stay, without their link (detach), or disabled. */
    usersKept: number;
    federatedIdentities: number;
    consentReceipts: number;
    oidcPayloads: number;
    groupMemberships: number;
  };
}

/** Users are handled a page at a time, all within the one transaction. */
const PAGE = 500;

function planCounts(mode: IdpUserMode, c: IdpDeletionCounts): IdpDeletionResult['counts'] {
  const deleting = mode === 'delete';
  return {
    usersDeleted: deleting ? c.jitUsers : 0,
    usersDisabled: mode === 'disable' ? c.activeJitUsers : 0,
    usersKept: deleting ? 0 : c.jitUsers,
    // Deleting users also removes their links to other IdPs; the IdP's links go in every mode.
    federatedIdentities: deleting ? c.idpLinks + c.jitUserOtherLinks : c.idpLinks,
    consentReceipts: deleting ? c.consentReceipts : 0,
    // A disabled user's sessions and tokens end too: they must not outlive the account.
    oidcPayloads: mode === 'detach' ? 0 : c.oidcPayloads,
    groupMemberships: deleting ? c.groupMemberships : 0,
  };
}

/** The mode in force: the enhanced feature deletes; otherwise the caller's choice, detach by default. */
function resolveMode(enhancedFeature: boolean, requested: IdpUserMode | undefined): IdpUserMode {
  if (!enhancedFeature) return requested ?? 'detach';
  if (requested !== undefined && requested !== 'delete') {
    throw invalidInput(
      'idp_delete_mode_not_available',
      `with settings.jit.enhancedFeature on, deleting an identity provider deletes the users it provisioned; users=${requested} is not available`,
      [{ field: 'users', message: 'only delete applies with the enhanced feature on' }],
    );
  }
  return 'delete';
}

/**
 * Previews (dryRun) or performs the deletion of an IdP and the handling of its users, in one transaction.
 * This is what `DELETE /api/v1/identity-providers/:id?dryRun&force&users` calls.
 */
export async function deleteIdentityProviderWithUsers(
  store: Pick<Store, 'transaction'>,
  idpId: string,
  options: IdpDeletionOptions,
): Promise<IdpDeletionResult> {
  return store.transaction((tx) => runIdpDeletion(tx, idpId, options));
}

/** The same, inside a transaction the caller holds. */
export async function runIdpDeletion(tx: Executor, idpId: string, options: IdpDeletionOptions): Promise<IdpDeletionResult> {
  const idp = await lockIdentityProviderRow(tx, idpId);
  if (!idp) throw notFound('identity_provider_not_found', `identity provider ${idpId} does not exist`);
  const settings = await readSettings(tx);
  const enhancedFeature = settings.jit.enhancedFeature;
  const mode = resolveMode(enhancedFeature, options.users);
  const impact = await countIdpDeletionImpact(tx, idpId);
  const counts = planCounts(mode, impact);
  const affectedUsers = counts.usersDeleted + counts.usersDisabled;
  const threshold = settings.jit.idpDeleteThreshold;
  const result: IdpDeletionResult = {
    identityProviderId: idp.id,
    name: idp.name,
    dryRun: Boolean(options.dryRun),
    deleted: false,
    enhancedFeature,
    users: mode,
    threshold,
    affectedUsers,
    forceRequired: affectedUsers > threshold,
    counts,
  };
  if (options.dryRun) return result;
  if (result.forceRequired && !options.force) {
    throw new AppError(
      'conflict',
      'idp_delete_force_required',
      `deleting identity provider '${idp.name}' would ${mode} ${affectedUsers} users, more than settings.jit.idpDeleteThreshold (${threshold}); preview with dryRun=true, then repeat with force=true`,
    );
  }

  const done = await handleJitUsers(tx, idpId, mode, impact, options.actor);
  await deleteLinksOfIdp(tx, idpId);
  if (mode !== 'delete') await clearJitIdp(tx, idpId);
  if (!(await deleteIdentityProvider(tx, idpId)))
    throw notFound('identity_provider_not_found', `identity provider ${idpId} does not exist`);
  result.deleted = true;
  result.counts = {
    usersDeleted: done.usersDeleted,
    usersDisabled: done.usersDisabled,
    usersKept: counts.usersKept,
    // Links leave partly by cascade with their users, so the count taken under the IdP lock is the one to report.
    federatedIdentities: counts.federatedIdentities,
    consentReceipts: done.consentReceipts,
    oidcPayloads: done.oidcPayloads,
    groupMemberships: done.groupMemberships,
  };
  await recordAudit(tx, {
    actorType: options.actor.type,
    actorId: options.actor.id,
    action: 'identity_provider.delete',
    targetType: 'identity_provider',
    targetId: idpId,
    outcome: 'success',
    details: { name: idp.name, protocol: idp.protocol, mode, enhancedFeature, force: Boolean(options.force), counts: result.counts },
  });
  return result;
}

interface UserWork {
  usersDeleted: number;
  usersDisabled: number;
  oidcPayloads: number;
  groupMemberships: number;
  consentReceipts: number;
}

async function handleJitUsers(tx: Executor, idpId: string, mode: IdpUserMode, impact: IdpDeletionCounts, actor: Actor): Promise<UserWork> {
  const work: UserWork = { usersDeleted: 0, usersDisabled: 0, oidcPayloads: 0, groupMemberships: 0, consentReceipts: 0 };
  if (mode === 'detach') return work;
  // Counted (under the IdP lock) before the rows go: consents, links and MFA factors leave with their users
  // by foreign-key cascade.
  if (mode === 'delete') work.consentReceipts = impact.consentReceipts;
  let after: string | null = null;
  for (;;) {
    const page = await listJitUsersForUpdate(tx, idpId, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const ids = page.map((u) => u.id);
    work.oidcPayloads += await deleteOidcPayloadsOfAccounts(tx, ids);
    if (mode === 'delete') work.groupMemberships += await deleteGroupMembershipsOf(tx, ids);
    for (const user of page) {
      const resource = user.resource as ScimUserResource;
      if (mode === 'delete') {
        await deleteUserRow(tx, user.id);
        work.usersDeleted += 1;
        await emitOutboxEvent(tx, {
          resourceType: 'User',
          resourceId: user.id,
          userStoreId: user.userStoreId,
          eventType: 'delete',
          payload: { id: user.id, userName: resource.userName },
          resourceVersion: user.version,
        });
        await auditUser(tx, actor, 'user.delete', user.id, idpId, resource.userName);
      } else if (user.active) {
        const updated = await updateUser(tx, user.id, { resource: { ...resource, active: false } });
        work.usersDisabled += 1;
        await emitOutboxEvent(tx, {
          resourceType: 'User',
          resourceId: user.id,
          userStoreId: user.userStoreId,
          eventType: 'deactivate',
          payload: { id: user.id, ...(updated.resource as ScimUserResource) },
          resourceVersion: updated.version,
        });
        await auditUser(tx, actor, 'user.deactivate', user.id, idpId, resource.userName);
      }
    }
  }
  return work;
}

const auditUser = (tx: Executor, actor: Actor, action: string, userId: string, idpId: string, userName: string) =>
  recordAudit(tx, {
    actorType: actor.type,
    actorId: actor.id,
    action,
    targetType: 'user',
    targetId: userId,
    outcome: 'success',
    reason: 'identity_provider_deleted',
    details: { identityProviderId: idpId, userName },
  });
