// The narrow read interface planning needs, and its binding to the store. Planning reads only through this,
// so unit tests can hand it plain objects and the simulation can be sure it writes nothing.
import type { Settings } from '../domain/settings.js';
import type { UserStore } from '../domain/user-store.js';
import type { Executor } from '../store/database.js';
import { findLinkOfUserForIdp, findLinkWithUser, type FederatedIdentityRow } from '../store/federated-identities-repo.js';
import { findGroupsByNames, memberGroupIds } from '../store/provisioning-groups.js';
import type { GroupRow, UserRow } from '../store/schema/index.js';
import { readSettings } from '../store/settings-repo.js';
import { findUserStoreByDomain, findUserStoreById } from '../store/user-stores-repo.js';
import { findUserByUserName, findUsersByEmail } from '../store/users-repo.js';

export interface ProvisioningReads {
  settings(): Promise<Settings>;
  findUserStoreByDomain(domain: string): Promise<UserStore | undefined>;
  findUserStoreById(id: string): Promise<UserStore | undefined>;
  findLinkWithUser(idpId: string, subject: string): Promise<{ link: FederatedIdentityRow; user: UserRow } | undefined>;
  findUserByUserName(userStoreId: string, userName: string): Promise<UserRow | undefined>;
  findUsersByEmail(userStoreId: string, email: string): Promise<UserRow[]>;
  findLinkOfUserForIdp(userId: string, idpId: string): Promise<FederatedIdentityRow | undefined>;
  findGroupsByNames(userStoreId: string, names: string[]): Promise<GroupRow[]>;
  memberGroupIds(userId: string, groupIds: string[]): Promise<string[]>;
}

export function createProvisioningReads(executor: Executor): ProvisioningReads {
  return {
    settings: () => readSettings(executor),
    findUserStoreByDomain: (domain) => findUserStoreByDomain(executor, domain),
    findUserStoreById: (id) => findUserStoreById(executor, id),
    findLinkWithUser: (idpId, subject) => findLinkWithUser(executor, idpId, subject),
    findUserByUserName: (storeId, name) => findUserByUserName(executor, storeId, name),
    findUsersByEmail: (storeId, email) => findUsersByEmail(executor, storeId, email),
    findLinkOfUserForIdp: (userId, idpId) => findLinkOfUserForIdp(executor, userId, idpId),
    findGroupsByNames: (storeId, names) => findGroupsByNames(executor, storeId, names),
    memberGroupIds: (userId, groupIds) => memberGroupIds(executor, userId, groupIds),
  };
}
