// The audit and outbox events of a plan, computed from the plan's own fields: what `applyPlan` writes and what the
// simulation shows are these, so the two cannot drift. A plan's events are made again (`withUserEvents`) whenever
// a prompt answer adjusts it (consent), never by the writer.
import { SCIM_GROUP_SCHEMA } from '../domain/index.js';
import type { PlannedAudit, PlannedEvents, PlannedOutboxEvent, UserPlan } from './types.js';

/** A plan ending with a user, before its events are attached. */
export type UserPlanDraft = Omit<UserPlan, 'events'>;

/** The decision's audit event of a plan ending with a user (the IdP acts on the user). */
export function decisionAudit(
  idpId: string,
  userId: string,
  action: string,
  reason: string,
  details: Record<string, unknown>,
): PlannedAudit {
  return { actorType: 'idp', actorId: idpId, action, targetType: 'user', targetId: userId, outcome: 'success', reason, details };
}

/** The audit event of a plan that writes nothing else (a refusal, or JIT disabled). */
export function standaloneAudit(
  idpId: string,
  userId: string | null,
  action: string,
  outcome: 'success' | 'refused',
  reason: string,
  details: Record<string, unknown>,
): PlannedEvents {
  const targetType = userId ? 'user' : 'federated_identity';
  return { audit: [{ actorType: 'idp', actorId: idpId, action, targetType, targetId: userId, outcome, reason, details }], outbox: [] };
}

/**
 * The plan with its events: the decision's audit event, then one per group it creates; the user's `create`
 * (version 1) or `update` (the planned-from version + 1) with the user and its id as payload; then the group
 * creations, member additions and removals, in that order (the order `applyPlan` writes them in).
 */
export function withUserEvents<P extends UserPlanDraft>(plan: P, audit: PlannedAudit): P & { events: PlannedEvents } {
  const store = plan.userStore.id;
  const audits: PlannedAudit[] = [audit];
  const outbox: PlannedOutboxEvent[] = [];
  if (plan.decision === 'create' || plan.userChanged) {
    outbox.push({
      resourceType: 'User',
      resourceId: plan.userId,
      userStoreId: store,
      eventType: plan.decision === 'create' ? 'create' : 'update',
      payload: { id: plan.userId, ...plan.after },
      resourceVersion: plan.decision === 'create' ? 1 : (plan as unknown as { expectedVersion: number }).expectedVersion + 1,
    });
  }
  for (const name of plan.groups.create) {
    audits.push({
      actorType: 'idp',
      actorId: plan.idpId,
      action: 'jit.group.create',
      targetType: 'group',
      targetId: null,
      outcome: 'success',
      reason: `group '${name}' granted by a role mapping did not exist`,
      details: { userStoreId: store },
    });
    // The id is the new group's, known once it is written (`applyPlan` fills it in).
    const resource = { id: null, schemas: [SCIM_GROUP_SCHEMA], displayName: name };
    outbox.push({
      resourceType: 'Group',
      resourceId: null,
      group: name,
      userStoreId: store,
      eventType: 'group.create',
      payload: resource,
      resourceVersion: 1,
    });
  }
  for (const g of plan.groups.add) {
    // A new group is at version 1 once created; each membership change bumps a group's version.
    const version = (g.version ?? 1) + 1;
    outbox.push({
      resourceType: 'Group',
      resourceId: g.id,
      group: g.name,
      userStoreId: store,
      eventType: 'group.member_add',
      payload: { members: [plan.userId] },
      resourceVersion: version,
    });
  }
  for (const g of plan.groups.remove) {
    outbox.push({
      resourceType: 'Group',
      resourceId: g.id,
      group: g.name,
      userStoreId: store,
      eventType: 'group.member_remove',
      payload: { members: [plan.userId] },
      resourceVersion: g.version + 1,
    });
  }
  return { ...plan, events: { audit: audits, outbox } };
}
