// The narrow read interface planning needs, and its binding to the store. Planning reads only through this,
// so unit tests can hand it plain objects and the simulation can be sure it writes nothing.
import { type AttributeSyncMethod, defaultSettings, settingsSchema, type Settings, type UserStore } from '../domain/index.js';
import type { MappedClaims } from './claim-mapping.js';
import {
  type Executor,
  findLinkOfUserForIdp,
  type FederatedIdentityRow,
  findGroupsByNames,
  memberGroupIds,
  findLoginContext,
  findStoreWithUser,
  type LoginContextRow,
  type LoginLink,
  type LoginUser,
  type GroupRow,
  findUserStoreById,
  findUsersByEmail,
} from '../store/index.js';

export type { LoginLink, LoginUser };

export interface StoreWithUser {
  store: UserStore | undefined;
  user: LoginUser | undefined;
}

export interface LoginContext {
  settings: Settings;
  /** The link of (IdP, subject) and its user, when the identity is known. */
  known: { link: LoginLink; user: LoginUser } | undefined;
  /** The store and user asked for as `target` (undefined when not asked, or not read in the same query). */
  target?: StoreWithUser & { domain: string; userName: string };
}

export interface ProvisioningReads {
  /**
   * Settings and the identity's link, and the store + user a first login would look for (`target`), read
   * together: one round trip on the hot path.
   */
  loginContext(idpId: string, subject: string, target?: { domain: string; userName: string }): Promise<LoginContext>;
  /** A store by domain and its user of that name, if any. */
  findStoreWithUser(domain: string, userName: string): Promise<StoreWithUser>;
  findUserStoreById(id: string): Promise<UserStore | undefined>;
  findUsersByEmail(userStoreId: string, email: string): Promise<LoginUser[]>;
  findLinkOfUserForIdp(userId: string, idpId: string): Promise<FederatedIdentityRow | undefined>;
  findGroupsByNames(userStoreId: string, names: string[]): Promise<GroupRow[]>;
  memberGroupIds(userId: string, groupIds: string[]): Promise<string[]>;
}

/**
 * Parsing the settings document is skipped when its text is the one parsed last time (the hot path). Not a cache
 * of the settings: every login reads the document in its own statement, so a change is seen at once.
 */
let lastText: string | null = null;
let lastSettings: Settings = defaultSettings();
function parseSettings(text: string | undefined): Settings {
  if (text === undefined) return defaultSettings();
  if (text !== lastText) {
    lastSettings = settingsSchema.parse(JSON.parse(text));
    lastText = text;
  }
  return lastSettings; // shared: planning only reads settings
}

/** The settings this process parsed last, with their text (null before the first login read them). */
export function lastParsedSettings(): { text: string; settings: Settings } | null {
  return lastText === null ? null : { text: lastText, settings: lastSettings };
}

/** The planning view of a login context row. */
export function loginContextFrom(row: LoginContextRow, target: { domain: string; userName: string } | undefined): LoginContext {
  return {
    settings: parseSettings(row.settingsText),
    known: row.link && row.user ? { link: row.link, user: row.user } : undefined,
    ...(target && row.target ? { target: { ...target, ...row.target } } : {}),
  };
}

export function createProvisioningReads(executor: Executor): ProvisioningReads {
  return {
    loginContext: async (idpId, subject, target) => loginContextFrom(await findLoginContext(executor, idpId, subject, target), target),
    findStoreWithUser: (domain, name) => findStoreWithUser(executor, domain, name),
    findUserStoreById: (id) => findUserStoreById(executor, id),
    findUsersByEmail: (storeId, email) => findUsersByEmail(executor, storeId, email),
    findLinkOfUserForIdp: (userId, idpId) => findLinkOfUserForIdp(executor, userId, idpId),
    findGroupsByNames: (storeId, names) => findGroupsByNames(executor, storeId, names),
    memberGroupIds: (userId, groupIds) => memberGroupIds(executor, userId, groupIds),
  };
}

/** What the attempt computed and read, which the first plan uses instead of doing it again. */
export interface Prepared {
  mapped: MappedClaims;
  context: LoginContext;
  /** The login's fingerprint under this sync method (the plan's may differ if the settings changed meanwhile). */
  fingerprint: { syncMethod: AttributeSyncMethod; value: string };
}
