// Writing a provisioning plan (DESIGN.md semantics 7): user, link, group memberships, audit event and outbox
// events in the caller's one transaction. A plan made stale by a concurrent login (the link or username now
// exists, or the user's version moved) raises ProvisioningRace: the caller rolls back, plans again, and the
// second plan takes the "link exists" path. Every write avoids raising a unique violation (ON CONFLICT), since
// on PostgreSQL a failed statement aborts the transaction.
import { AppError } from '../domain/errors.js';
import type { ScimUserResource } from '../domain/scim-user.js';
import { recordAudit } from '../store/audit-repo.js';
import type { Executor } from '../store/database.js';
import { insertLink, touchLink } from '../store/federated-identities-repo.js';
import { emitOutboxEvent } from '../store/outbox-repo.js';
import { addGroupMember, ensureGroup, removeGroupMember } from '../store/provisioning-groups.js';
import { insertUser, updateUser } from '../store/users-repo.js';
import type { ProvisioningPlan } from './types.js';

/** The plan no longer matches the database: plan again. */
export class ProvisioningRace extends Error {
  override name = 'ProvisioningRace';
}

export interface AppliedProvisioning {
  userId: string | null;
  outcome: ProvisioningPlan['outcome'];
}

const userPayload = (id: string, resource: ScimUserResource) => ({ id, ...resource });

export async function applyProvisioning(tx: Executor, plan: ProvisioningPlan): Promise<AppliedProvisioning> {
  const actor = { actorType: 'idp' as const, actorId: plan.idpId };
  if (plan.decision === 'refuse' || plan.decision === 'passthrough') {
    await recordAudit(tx, { ...actor, ...plan.audit, targetType: plan.userId ? 'user' : 'federated_identity', targetId: plan.userId ?? null });
    return { userId: plan.userId, outcome: plan.outcome };
  }
  const userId = plan.userId!;
  const storeId = plan.userStore!.id;

  if (plan.decision === 'create') {
    try {
      const row = await insertUser(tx, {
        id: userId,
        userStoreId: storeId,
        userName: plan.userName!,
        resource: plan.after!,
        provenance: plan.provenanceAfter ?? {},
        jitIdpId: plan.idpId,
      });
      await emitOutboxEvent(tx, { resourceType: 'User', resourceId: row.id, userStoreId: storeId, eventType: 'create', payload: userPayload(row.id, plan.after!), resourceVersion: row.version });
    } catch (error) {
      // The username (or the pre-assigned id) was taken since planning: most likely by a concurrent first login.
      if (error instanceof AppError && error.code === 'uniqueness') throw new ProvisioningRace(error.message);
      throw error;
    }
    if (!(await insertLink(tx, { idpId: plan.idpId, subject: plan.subject, userId, lastClaims: plan.lastClaims }))) {
      throw new ProvisioningRace('the identity was linked concurrently');
    }
  } else {
    if (plan.decision === 'link_found') await touchLink(tx, plan.link.id!, plan.lastClaims);
    else if (!(await insertLink(tx, { idpId: plan.idpId, subject: plan.subject, userId, lastClaims: plan.lastClaims }))) {
      throw new ProvisioningRace('the identity was linked concurrently');
    }
    if (plan.userChanged) {
      try {
        const row = await updateUser(tx, userId, { resource: plan.after!, provenance: plan.provenanceAfter ?? {} }, plan.expectedVersion ?? undefined);
        await emitOutboxEvent(tx, { resourceType: 'User', resourceId: userId, userStoreId: storeId, eventType: 'update', payload: userPayload(userId, plan.after!), resourceVersion: row.version });
      } catch (error) {
        if (error instanceof AppError && (error.code === 'version_mismatch' || error.code === 'user_not_found')) throw new ProvisioningRace(error.message);
        throw error;
      }
    }
  }

  for (const add of plan.groups.add) {
    const { group, created } = await ensureGroup(tx, storeId, add.name);
    if (created) {
      await emitOutboxEvent(tx, { resourceType: 'Group', resourceId: group.id, userStoreId: storeId, eventType: 'group.create', payload: { id: group.id, ...(group.resource as object) }, resourceVersion: group.version });
      await recordAudit(tx, { ...actor, action: 'jit.group.create', targetType: 'group', targetId: group.id, outcome: 'success', reason: `group '${add.name}' granted by a role mapping did not exist`, details: { userStoreId: storeId } });
    }
    const version = await addGroupMember(tx, group.id, userId);
    if (version !== null) {
      await emitOutboxEvent(tx, { resourceType: 'Group', resourceId: group.id, userStoreId: storeId, eventType: 'group.member_add', payload: { members: [userId] }, resourceVersion: version });
    }
  }
  for (const remove of plan.groups.remove) {
    const version = await removeGroupMember(tx, remove.id, userId);
    if (version !== null) {
      await emitOutboxEvent(tx, { resourceType: 'Group', resourceId: remove.id, userStoreId: storeId, eventType: 'group.member_remove', payload: { members: [userId] }, resourceVersion: version });
    }
  }

  await recordAudit(tx, { ...actor, ...plan.audit, targetType: 'user', targetId: userId });
  return { userId, outcome: plan.outcome };
}
