// Applications (OIDC clients toward jitbridge), SCIM clients, consent purposes and receipts.
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './core.js';
import { users } from './identity.js';

export const applications = pgTable(
  'applications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    clientId: text('client_id').notNull(),
    /** scrypt hash of the client secret; null for public clients. */
    clientSecretHash: text('client_secret_hash'),
    /** redirectUris, postLogoutRedirectUris, grantTypes, tokenEndpointAuthMethod, ... */
    oidcSettings: jsonb('oidc_settings').notNull(),
    /** IdP ids the app may use. */
    identityProviders: jsonb('identity_providers')
      .notNull()
      .default(sql`'[]'::jsonb`),
    signInFlow: jsonb('sign_in_flow')
      .notNull()
      .default(sql`'{"steps":[]}'::jsonb`),
    ...timestamps,
  },
  (t) => [uniqueIndex('applications_client_id_unique').on(t.clientId)],
);

export const scimClients = pgTable(
  'scim_clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** SHA-256 of the bearer token (random 256-bit tokens: a fast hash is right). */
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    /** Domains this client may touch; null = all. */
    userStores: text('user_stores').array(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex('scim_clients_token_hash_unique').on(t.tokenHash)],
);

export const consentPurposes = pgTable('consent_purposes', {
  id: uuid('id').primaryKey().defaultRandom(),
  purpose: text('purpose').notNull(),
  description: text('description').notNull().default(''),
  /** [{ claim: SCIM attribute path, mandatory: boolean }] */
  piiCategories: jsonb('pii_categories').notNull(),
  ...timestamps,
});

export const consentReceipts = pgTable(
  'consent_receipts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purposeId: uuid('purpose_id').notNull(),
    /** Snapshot of the purpose as shown, and the attributes consented to / declined. */
    purposeSnapshot: jsonb('purpose_snapshot').notNull(),
    consented: text('consented').array().notNull(),
    declined: text('declined').array().notNull(),
    idpId: uuid('idp_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('consent_receipts_user').on(t.userId)],
);
