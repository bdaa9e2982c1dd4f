// Writing a provisioning plan (DESIGN.md semantics 7): user, link, group memberships, audit event and outbox
// events in the caller's one transaction — or, for the commonest logins (a first login or a returning login,
// without group changes), in one statement, which is atomic by itself (`needsTransaction` says which). A plan made stale by a concurrent login (the link or username now exists, or the user's version moved)
// raises ProvisioningRace: the caller rolls back, plans again, and the second plan takes the "link exists" path.
// Writes avoid raising unique violations (ON CONFLICT), since on PostgreSQL a failed statement aborts the
// transaction; the one-statement first login relies on the link's foreign key to undo a link whose user lost.
import { AppError, type ScimUserResource } from '../domain/index.js';
import {
  recordAudit,
  type Executor,
  insertLink,
  touchLink,
  insertFirstLogin,
  touchLinkWithAudit,
  updateReturningLogin,
  emitOutboxEvent,
  addGroupMember,
  ensureGroup,
  removeGroupMember,
  insertUser,
  updateUser,
} from '../store/index.js';
import { syncFingerprint } from './sync-fingerprint.js';
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

/** The user row a planned first login creates. */
const newUserOf = (plan: ProvisioningPlan) => ({
  id: plan.userId!,
  userStoreId: plan.userStore!.id,
  userName: plan.userName!,
  resource: plan.after!,
  provenance: plan.provenanceAfter ?? {},
  jitIdpId: plan.idpId,
});

/** The link's sync fingerprint, when the plan verified that the same claims again would change nothing. */
const fingerprintOf = (plan: ProvisioningPlan) =>
  plan.resyncIsNoop ? syncFingerprint(plan.syncMethod, plan.emailVerified, JSON.stringify(plan.lastClaims)) : null;

/** First logins and returning logins without group changes write one statement, which needs no transaction around it. */
export function needsTransaction(plan: ProvisioningPlan): boolean {
  const noGroups = plan.groups.add.length === 0 && plan.groups.remove.length === 0;
  if (plan.decision === 'create' || plan.decision === 'link_found') return !noGroups;
  return true;
}

export async function applyProvisioning(tx: Executor, plan: ProvisioningPlan): Promise<AppliedProvisioning> {
  const actor = { actorType: 'idp' as const, actorId: plan.idpId };
  if (!needsTransaction(plan) && plan.decision === 'create') {
    // A first login without groups: one statement writes link, user, outbox and audit events.
    const userId = plan.userId!;
    const written = await insertFirstLogin(tx, {
      user: newUserOf(plan),
      link: { idpId: plan.idpId, subject: plan.subject, userId, lastClaims: plan.lastClaims },
      audit: { ...actor, ...plan.audit, targetType: 'user', targetId: userId },
      fingerprint: fingerprintOf(plan),
    });
    if (written === 'stale') throw new ProvisioningRace('the identity was linked, or the username taken, concurrently');
    return { userId, outcome: plan.outcome };
  }
  if (!needsTransaction(plan) && plan.userChanged) {
    // A returning login that changes the user: one statement, written only if the user's version is unchanged.
    const written = await updateReturningLogin(tx, {
      userId: plan.userId!,
      expectedVersion: plan.expectedVersion!,
      changes: { resource: plan.after!, provenance: plan.provenanceAfter ?? {} },
      linkId: plan.link.id!,
      lastClaims: plan.lastClaims,
      audit: { ...actor, ...plan.audit, targetType: 'user', targetId: plan.userId },
      fingerprint: fingerprintOf(plan),
    });
    if (written === 'stale') throw new ProvisioningRace(`user ${plan.userId} changed since the plan was made`);
    return { userId: plan.userId, outcome: plan.outcome };
  }
  if (!needsTransaction(plan)) {
    const fingerprint = fingerprintOf(plan);
    await touchLinkWithAudit(
      tx,
      plan.link.id!,
      plan.lastClaims,
      { ...actor, ...plan.audit, targetType: 'user', targetId: plan.userId },
      fingerprint ? { fingerprint, version: plan.expectedVersion! } : null,
    );
    return { userId: plan.userId, outcome: plan.outcome };
  }
  if (plan.decision === 'refuse' || plan.decision === 'passthrough') {
    await recordAudit(tx, {
      ...actor,
      ...plan.audit,
      targetType: plan.userId ? 'user' : 'federated_identity',
      targetId: plan.userId ?? null,
    });
    return { userId: plan.userId, outcome: plan.outcome };
  }
  const userId = plan.userId!;
  const storeId = plan.userStore!.id;

  // The statements of one step go out together (postgres.js pipelines them on the transaction's connection):
  // one round trip instead of one per statement. A new row's version is 1; an update that matched
  // expectedVersion leaves expectedVersion + 1, so the outbox event can go in the same batch.
  const mainAudit = () => recordAudit(tx, { ...actor, ...plan.audit, targetType: 'user', targetId: userId });
  if (plan.decision === 'create') {
    const [, link] = await together([
      insertUser(tx, newUserOf(plan)),
      insertLink(tx, { idpId: plan.idpId, subject: plan.subject, userId, lastClaims: plan.lastClaims }),
      emitOutboxEvent(tx, {
        resourceType: 'User',
        resourceId: userId,
        userStoreId: storeId,
        eventType: 'create',
        payload: userPayload(userId, plan.after!),
        resourceVersion: 1,
      }),
      mainAudit(),
    ]);
    if (!link) throw new ProvisioningRace('the identity was linked concurrently');
  } else {
    const writes: Array<Promise<unknown>> = [
      plan.decision === 'link_found'
        ? touchLink(tx, plan.link.id!, plan.lastClaims).then(() => true)
        : insertLink(tx, { idpId: plan.idpId, subject: plan.subject, userId, lastClaims: plan.lastClaims }),
      mainAudit(),
    ];
    if (plan.userChanged) {
      writes.push(
        updateUser(tx, userId, { resource: plan.after!, provenance: plan.provenanceAfter ?? {} }, plan.expectedVersion ?? undefined),
        emitOutboxEvent(tx, {
          resourceType: 'User',
          resourceId: userId,
          userStoreId: storeId,
          eventType: 'update',
          payload: userPayload(userId, plan.after!),
          resourceVersion: (plan.expectedVersion ?? 0) + 1,
        }),
      );
    }
    const [linked] = await together(writes);
    if (!linked) throw new ProvisioningRace('the identity was linked concurrently');
  }

  for (const add of plan.groups.add) {
    const { group, created } = await ensureGroup(tx, storeId, add.name);
    if (created) {
      await emitOutboxEvent(tx, {
        resourceType: 'Group',
        resourceId: group.id,
        userStoreId: storeId,
        eventType: 'group.create',
        payload: { id: group.id, ...(group.resource as object) },
        resourceVersion: group.version,
      });
      await recordAudit(tx, {
        ...actor,
        action: 'jit.group.create',
        targetType: 'group',
        targetId: group.id,
        outcome: 'success',
        reason: `group '${add.name}' granted by a role mapping did not exist`,
        details: { userStoreId: storeId },
      });
    }
    const version = await addGroupMember(tx, group.id, userId);
    if (version !== null) {
      await emitOutboxEvent(tx, {
        resourceType: 'Group',
        resourceId: group.id,
        userStoreId: storeId,
        eventType: 'group.member_add',
        payload: { members: [userId] },
        resourceVersion: version,
      });
    }
  }
  for (const remove of plan.groups.remove) {
    const version = await removeGroupMember(tx, remove.id, userId);
    if (version !== null) {
      await emitOutboxEvent(tx, {
        resourceType: 'Group',
        resourceId: remove.id,
        userStoreId: storeId,
        eventType: 'group.member_remove',
        payload: { members: [userId] },
        resourceVersion: version,
      });
    }
  }

  return { userId, outcome: plan.outcome };
}

/**
 * Awaits every write, then fails with the first failure in issue order: a stale plan (username or pre-assigned
 * id taken, version moved) becomes ProvisioningRace; the failures it causes in later statements are ignored.
 */
async function together<T extends readonly unknown[]>(writes: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    const error = failed.reason;
    if (error instanceof AppError && ['uniqueness', 'version_mismatch', 'user_not_found'].includes(error.code))
      throw new ProvisioningRace(error.message);
    throw error;
  }
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
