// Produces outbox events the way the application does: each user write goes through users-repo with its
// outbox event in the same transaction. `title` carries a version counter so a test can check order.
import { SCIM_USER_SCHEMA, type ScimUserResource } from '../../src/domain/index.js';
import {
  type Store,
  type Tx,
  emitOutboxEvent,
  findUserStoreByDomain,
  deleteUserRow,
  getUserById,
  insertUser,
  updateUser,
} from '../../src/store/index.js';

export async function primaryStoreId(store: Store): Promise<string> {
  return (await findUserStoreByDomain(store.db, 'PRIMARY'))!.id;
}

const payloadOf = (id: string, resource: ScimUserResource) => ({ ...resource, id });

/**
 * Creates `count` users (by default one transaction each, as sign-ins would; `perTransaction` groups
 * several, each still written with its own event); returns their ids in order.
 */
export async function createUsers(
  store: Store,
  prefix: string,
  count: number,
  options: { storeId?: string; concurrency?: number; perTransaction?: number } = {},
): Promise<string[]> {
  const storeId = options.storeId ?? (await primaryStoreId(store));
  const ids: string[] = new Array(count);
  const per = options.perTransaction ?? 1;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const first = next;
      next = Math.min(count, next + per);
      const last = next;
      await store.transaction(async (tx) => {
        for (let i = first; i < last; i++) ids[i] = await createOne(tx, i);
      });
    }
  };
  const createOne = async (tx: Tx, i: number): Promise<string> => {
    const userName = `${prefix}${i}`;
    const resource: ScimUserResource = {
      schemas: [SCIM_USER_SCHEMA],
      userName,
      name: { givenName: 'Test', familyName: `User${i}` },
      emails: [{ value: `${userName}@example.com`, primary: true }],
      title: 'v1',
      active: true,
    };
    const row = await insertUser(tx, { userStoreId: storeId, userName, resource });
    await emitOutboxEvent(tx, {
      resourceType: 'User',
      resourceId: row.id,
      userStoreId: storeId,
      eventType: 'create',
      payload: payloadOf(row.id, resource),
      resourceVersion: row.version,
    });
    return row.id;
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, lane));
  return ids;
}

/** Changes a user's title (and optionally active) in one transaction with its event. */
export async function updateTitle(store: Store, id: string, title: string, options: { active?: boolean } = {}): Promise<void> {
  await store.transaction((tx) => updateTitleIn(tx, id, title, options));
}

/** updateTitle inside a transaction the caller holds. */
export async function updateTitleIn(executor: Tx, id: string, title: string, options: { active?: boolean } = {}): Promise<void> {
  await (async (tx: Tx) => {
    const current = await getUserById(tx, id, { forUpdate: true });
    const resource = {
      ...(current.resource as ScimUserResource),
      title,
      ...(options.active === undefined ? {} : { active: options.active }),
    };
    const row = await updateUser(tx, id, { resource });
    const eventType = current.active && options.active === false ? 'deactivate' : 'update';
    await emitOutboxEvent(tx, {
      resourceType: 'User',
      resourceId: id,
      userStoreId: row.userStoreId,
      eventType,
      payload: payloadOf(id, resource),
      resourceVersion: row.version,
    });
  })(executor);
}

export async function deleteUser(store: Store, id: string): Promise<void> {
  await store.transaction(async (tx) => {
    const row = await deleteUserRow(tx, id);
    if (!row) return;
    await emitOutboxEvent(tx, {
      resourceType: 'User',
      resourceId: id,
      userStoreId: row.userStoreId,
      eventType: 'delete',
      payload: { id, userName: (row.resource as ScimUserResource).userName },
      resourceVersion: row.version,
    });
  });
}
