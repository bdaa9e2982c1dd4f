// A person who administers jitbridge, made without the admin API (the first one cannot use it): a LOCAL user with
// a password, and membership of the admin role's group, created if missing. Everything in one transaction, audited
// and sent to outbound connectors like any other user and group change. The password is never defaulted.
import { conflict, invalidInput, SCIM_USER_SCHEMA, splitQualifiedName, type ScimUserResource } from '../domain/index.js';
import {
  type Actor,
  type Store,
  addGroupMember,
  emitOutboxEvent,
  ensureGroup,
  findUserByUserName,
  findUserStoreByDomain,
  insertUser,
  recordAudit,
} from '../store/index.js';
import { hashNewPassword } from './local-credentials.js';

export interface NewLocalAdmin {
  /** In the PRIMARY store (a `DOMAIN/` prefix names another). */
  userName: string;
  email?: string | undefined;
  password: string;
  /** The admin role's group (CONSOLE_ADMIN_GROUP), `DOMAIN/name` or a PRIMARY name. */
  adminGroup: string;
  actor: Actor;
}

export async function createLocalAdmin(store: Store, input: NewLocalAdmin): Promise<{ userId: string; groupId: string }> {
  const user = splitQualifiedName(input.userName);
  const group = splitQualifiedName(input.adminGroup);
  const passwordHash = await hashNewPassword(input.password, { username: input.userName });
  return store.transaction(async (tx) => {
    const userStore = await findUserStoreByDomain(tx, user.domain);
    const groupStore = group.domain === user.domain ? userStore : await findUserStoreByDomain(tx, group.domain);
    if (!userStore)
      throw invalidInput('user_store_not_found', `There is no user store ${user.domain}`, [
        { field: 'userName', message: 'unknown domain' },
      ]);
    if (!groupStore) throw invalidInput('user_store_not_found', `There is no user store ${group.domain} for the admin group`);
    if (await findUserByUserName(tx, userStore.id, user.name)) {
      throw conflict('uniqueness', `A user named '${input.userName}' already exists`, [{ field: 'userName', message: 'already taken' }]);
    }
    const resource: ScimUserResource = {
      schemas: [SCIM_USER_SCHEMA],
      userName: input.userName,
      active: true,
      ...(input.email ? { emails: [{ value: input.email, primary: true }] } : {}),
    } as ScimUserResource;
    const created = await insertUser(tx, { userStoreId: userStore.id, userName: user.name, resource, passwordHash });
    await emitOutboxEvent(tx, {
      resourceType: 'User',
      resourceId: created.id,
      userStoreId: userStore.id,
      eventType: 'create',
      payload: { id: created.id, ...resource },
      resourceVersion: created.version,
    });
    await recordAudit(tx, {
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: 'admin.person_create',
      targetType: 'user',
      targetId: created.id,
      outcome: 'success',
      details: { userName: input.userName },
    });
    const ensured = await ensureGroup(tx, groupStore.id, group.name);
    if (ensured.created) {
      await emitOutboxEvent(tx, {
        resourceType: 'Group',
        resourceId: ensured.group.id,
        userStoreId: groupStore.id,
        eventType: 'group.create',
        payload: { id: ensured.group.id, ...(ensured.group.resource as object) },
        resourceVersion: ensured.group.version,
      });
    }
    const version = await addGroupMember(tx, ensured.group.id, created.id);
    if (version !== null) {
      await emitOutboxEvent(tx, {
        resourceType: 'Group',
        resourceId: ensured.group.id,
        userStoreId: groupStore.id,
        eventType: 'group.member_add',
        payload: { members: [created.id] },
        resourceVersion: version,
      });
    }
    await recordAudit(tx, {
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: 'admin.role_grant',
      targetType: 'group',
      targetId: ensured.group.id,
      outcome: 'success',
      details: { userId: created.id, group: input.adminGroup },
    });
    return { userId: created.id, groupId: ensured.group.id };
  });
}
