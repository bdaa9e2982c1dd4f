// Combined reads of the provisioning hot path, one round trip each: the server settings with the (IdP, subject)
// link and its user; a user store with the user of a given name in it.
import { and, eq, sql } from 'drizzle-orm';
import type { UserStore } from '../domain/user-store.js';
import type { Executor } from './database.js';
import { federatedIdentities, serverSettings, userStores, users, type FederatedIdentityRow, type UserRow } from './schema/index.js';

export interface LoginContextRow {
  /** The settings document (undefined when the row is missing: defaults apply). */
  settingsDocument: unknown;
  link: FederatedIdentityRow | null;
  user: UserRow | null;
}

export async function findLoginContext(executor: Executor, idpId: string, subject: string): Promise<LoginContextRow> {
  const [row] = await executor
    .select({ settingsDocument: serverSettings.document, link: federatedIdentities, user: users })
    .from(serverSettings)
    .leftJoin(federatedIdentities, and(eq(federatedIdentities.idpId, idpId), eq(federatedIdentities.subject, subject)))
    .leftJoin(users, eq(users.id, federatedIdentities.userId))
    .where(eq(serverSettings.id, 1));
  if (row) return row;
  // No settings row (a database not bootstrapped by ensureDefaults): the link alone.
  const [linked] = await executor
    .select({ link: federatedIdentities, user: users })
    .from(federatedIdentities)
    .innerJoin(users, eq(users.id, federatedIdentities.userId))
    .where(and(eq(federatedIdentities.idpId, idpId), eq(federatedIdentities.subject, subject)));
  return { settingsDocument: undefined, link: linked?.link ?? null, user: linked?.user ?? null };
}

/** The store with this domain (case-insensitive) and, if any, its user with this userName (case-insensitive). */
export async function findStoreWithUser(executor: Executor, domain: string, userName: string): Promise<{ store: UserStore | undefined; user: UserRow | undefined }> {
  const [row] = await executor
    .select({ store: userStores, user: users })
    .from(userStores)
    .leftJoin(users, and(eq(users.userStoreId, userStores.id), sql`lower(${users.userName}) = lower(${userName})`))
    .where(sql`upper(${userStores.domain}) = upper(${domain})`);
  return { store: row?.store, user: row?.user ?? undefined };
}
