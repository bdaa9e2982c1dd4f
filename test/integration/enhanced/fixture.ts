// A store on this run's database (PGlite, or PostgreSQL with DATABASE_URL) for the enhanced-mode and MFA
// tests, with helpers that insert IdPs, users, links, consents and oidc payload rows directly.
import { randomBytes, randomUUID } from 'node:crypto';
import { SCIM_USER_SCHEMA, defaultJitPolicy } from '../../../src/domain/index.js';
import { createStore, type Store, SecretBox, insertUser } from '../../../src/store/index.js';
import { consentReceipts, federatedIdentities, identityProviders, oidcPayloads } from '../../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../../src/store/user-stores-repo.js';
import { openMigratedTestDatabase } from '../../support/database.js';

export interface Fixture {
  store: Store;
  close(): Promise<void>;
  primaryStoreId: string;
  idp(name: string, options?: { jitEnabled?: boolean; inactiveAfterDays?: number }): Promise<string>;
  user(userName: string, options?: { jitIdpId?: string | null; email?: string }): Promise<string>;
  link(idpId: string, userId: string, options?: { lastLoginAt?: Date | null; createdAt?: Date }): Promise<string>;
  consent(userId: string, idpId: string | null): Promise<void>;
  /** An oidc-provider row belonging to the account (Session, Grant, AccessToken, RefreshToken, ...). */
  oidcRow(model: string, accountId: string, grantId?: string): Promise<void>;
}

export async function openFixture(label: string): Promise<Fixture> {
  const { database, close } = await openMigratedTestDatabase(label, { poolSize: 4 });
  const store = createStore(database, new SecretBox(randomBytes(32)));
  const primary = await getUserStoreByDomain(store.db, 'PRIMARY');
  return {
    store,
    primaryStoreId: primary.id,
    close,
    idp: async (name, options = {}) => {
      const [row] = await store.db
        .insert(identityProviders)
        .values({
          name,
          protocol: 'oidc',
          protocolConfig: { issuer: `https://${name}.example`, clientId: 'c', scopes: ['openid'] },
          jit: { ...defaultJitPolicy(), isEnabled: options.jitEnabled ?? true },
          options: options.inactiveAfterDays === undefined ? {} : { inactiveAfterDays: options.inactiveAfterDays },
        })
        .returning();
      return row!.id;
    },
    user: async (userName, options = {}) => {
      const row = await insertUser(store.db, {
        userStoreId: primary.id,
        userName,
        resource: {
          schemas: [SCIM_USER_SCHEMA],
          userName,
          active: true,
          emails: [{ value: options.email ?? `${userName}@example.com`, primary: true }],
        },
        jitIdpId: options.jitIdpId ?? null,
      });
      return row.id;
    },
    link: async (idpId, userId, options = {}) => {
      const [row] = await store.db
        .insert(federatedIdentities)
        .values({
          idpId,
          userId,
          subject: `sub-${randomUUID()}`,
          lastLoginAt: options.lastLoginAt === undefined ? new Date() : options.lastLoginAt,
          ...(options.createdAt ? { createdAt: options.createdAt } : {}),
        })
        .returning();
      return row!.id;
    },
    consent: async (userId, idpId) => {
      await store.db.insert(consentReceipts).values({
        userId,
        purposeId: randomUUID(),
        purposeSnapshot: { purpose: 'test' },
        consented: ['emails'],
        declined: [],
        idpId,
      });
    },
    oidcRow: async (model, accountId, grantId) => {
      await store.db.insert(oidcPayloads).values({
        model,
        id: randomUUID(),
        payload: { accountId, ...(grantId ? { grantId } : {}) },
        grantId: grantId ?? null,
        expiresAt: new Date(Date.now() + 3_600_000),
      });
    },
  };
}
