// Turns one outbox event into SCIM requests toward one downstream (RFC 7644 §3.3 POST, §3.5.2 PATCH,
// §3.6 DELETE). Creates are idempotent: when the downstream may already hold the user (a replay after a
// crash, a 409, an update for a user it has never seen) the user is looked up by externalId (= the local
// id), then by userName, and patched instead of created again.
import type { ClaimedDelivery, CurrentGroup, RemoteIdChange } from '../store/index.js';
import type { AttributeMapping } from './connector-config.js';
import { memberIds, toRemoteGroup, toRemoteUser } from './mapping.js';
import { ScimRequestError, scimString, type PatchOperation, type ScimClient } from './scim-client.js';

export interface DeliveryContext {
  client: ScimClient;
  mapping: AttributeMapping[] | null;
  /** Remote ids known before this batch (users and groups), by local id. */
  remoteIds: Map<string, string>;
  /** Current state of the groups in this batch (name and member ids). */
  groups: Map<string, CurrentGroup>;
}

export interface DeliveryResult {
  remoteIdChanges: RemoteIdChange[];
  /** What was done, for logs and tests. */
  action: string;
}

const asRecord = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export async function deliver(ctx: DeliveryContext, delivery: ClaimedDelivery): Promise<DeliveryResult> {
  if (delivery.resourceType === 'Group' || delivery.eventType.startsWith('group.')) return deliverGroup(ctx, delivery);
  return deliverUser(ctx, delivery);
}

async function findRemoteUser(ctx: DeliveryContext, localId: string, userName: unknown): Promise<string | null> {
  const byExternal = await ctx.client.findOne('Users', `externalId eq ${scimString(localId)}`);
  if (byExternal) return byExternal.id;
  if (typeof userName !== 'string') return null;
  return (await ctx.client.findOne('Users', `userName eq ${scimString(userName)}`))?.id ?? null;
}

function replaceAll(resource: Record<string, unknown>): PatchOperation[] {
  const { schemas: _schemas, ...value } = resource;
  return [{ op: 'replace', value }];
}

async function deliverUser(ctx: DeliveryContext, delivery: ClaimedDelivery): Promise<DeliveryResult> {
  const localId = delivery.resourceId;
  const payload = asRecord(delivery.payload);
  const known = ctx.remoteIds.get(localId) ?? null;
  const forget = (): DeliveryResult => ({ remoteIdChanges: [{ localId, resourceType: 'User', remoteId: null }], action: 'delete' });

  if (delivery.eventType === 'delete' || !payload) {
    const remoteId = known ?? (await findRemoteUser(ctx, localId, payload?.userName));
    if (!remoteId) return { ...forget(), action: 'delete:absent' };
    try {
      await ctx.client.delete('Users', remoteId);
    } catch (error) {
      // Already gone downstream: the goal of a delete is reached.
      if (!(error instanceof ScimRequestError && error.status === 404)) throw error;
    }
    return forget();
  }

  const resource = toRemoteUser(localId, payload, ctx.mapping);
  const patchInto = async (remoteId: string, action: string): Promise<DeliveryResult | null> => {
    try {
      await ctx.client.patch('Users', remoteId, replaceAll(resource));
      return { remoteIdChanges: known === remoteId ? [] : [{ localId, resourceType: 'User', remoteId }], action };
    } catch (error) {
      // Deleted downstream behind our back: forget the id and create it again.
      if (error instanceof ScimRequestError && error.status === 404) return null;
      throw error;
    }
  };

  if (known) {
    const done = await patchInto(known, 'patch');
    if (done) return done;
  }
  // A first attempt at a create posts at once; anything else may already exist downstream: look first.
  const firstCreate = delivery.eventType === 'create' && delivery.attempts <= 1 && !known;
  if (!firstCreate) {
    const found = await findRemoteUser(ctx, localId, payload.userName);
    if (found) {
      const done = await patchInto(found, 'found+patch');
      if (done) return done;
    }
  }
  try {
    const created = await ctx.client.create('Users', resource);
    return { remoteIdChanges: [{ localId, resourceType: 'User', remoteId: created.id }], action: 'create' };
  } catch (error) {
    if (!(error instanceof ScimRequestError && error.status === 409)) throw error;
    const found = await findRemoteUser(ctx, localId, payload.userName);
    if (!found) throw error;
    const done = await patchInto(found, 'conflict+patch');
    if (done) return done;
    throw error;
  }
}

async function findRemoteGroup(ctx: DeliveryContext, localId: string, displayName: unknown): Promise<string | null> {
  const byExternal = await ctx.client.findOne('Groups', `externalId eq ${scimString(localId)}`);
  if (byExternal) return byExternal.id;
  if (typeof displayName !== 'string') return null;
  return (await ctx.client.findOne('Groups', `displayName eq ${scimString(displayName)}`))?.id ?? null;
}

async function deliverGroup(ctx: DeliveryContext, delivery: ClaimedDelivery): Promise<DeliveryResult> {
  const localId = delivery.resourceId;
  const payload = asRecord(delivery.payload);
  const current = ctx.groups.get(localId) ?? null;
  const known = ctx.remoteIds.get(localId) ?? null;
  const remember = (remoteId: string, action: string): DeliveryResult => ({
    remoteIdChanges: known === remoteId ? [] : [{ localId, resourceType: 'Group', remoteId }],
    action,
  });

  if (delivery.eventType === 'group.delete') {
    const remoteId = known ?? (await findRemoteGroup(ctx, localId, payload?.displayName));
    if (remoteId) {
      try {
        await ctx.client.delete('Groups', remoteId);
      } catch (error) {
        if (!(error instanceof ScimRequestError && error.status === 404)) throw error;
      }
    }
    return { remoteIdChanges: [{ localId, resourceType: 'Group', remoteId: null }], action: 'group.delete' };
  }
  // Gone locally since the event: its group.delete event follows and settles the downstream.
  if (!current) return { remoteIdChanges: [], action: 'group.gone' };
  const displayName = current.resource.displayName;
  const remoteId = known ?? (await findRemoteGroup(ctx, localId, displayName));

  // Member changes go as a delta when the downstream has the group; the event names only the changed members.
  if (remoteId && (delivery.eventType === 'group.member_add' || delivery.eventType === 'group.member_remove')) {
    const values = memberIds(payload)
      .map((id) => ctx.remoteIds.get(id))
      .filter((id): id is string => Boolean(id));
    if (values.length === 0) return remember(remoteId, 'group.members:none-remote');
    const operations: PatchOperation[] =
      delivery.eventType === 'group.member_add'
        ? [{ op: 'add', path: 'members', value: values.map((value) => ({ value })) }]
        : values.map((value) => ({ op: 'remove', path: `members[value eq ${scimString(value)}]` }));
    await ctx.client.patch('Groups', remoteId, operations);
    return remember(remoteId, delivery.eventType);
  }
  // Otherwise the whole group as it is now (group payloads never list every member).
  const group = toRemoteGroup(localId, displayName, current.members, ctx.remoteIds);
  if (remoteId) {
    const { schemas: _schemas, ...value } = group;
    await ctx.client.patch('Groups', remoteId, [{ op: 'replace', value }]);
    return remember(remoteId, 'group.replace');
  }
  const created = await ctx.client.create('Groups', group);
  return { remoteIdChanges: [{ localId, resourceType: 'Group', remoteId: created.id }], action: 'group.create' };
}
