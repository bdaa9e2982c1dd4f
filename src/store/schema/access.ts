// Applications (OIDC clients and SAML service providers toward jitbridge), SCIM clients, consent purposes and receipts.
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './core.js';
import { users } from './identity.js';

export const applications = pgTable(
  'applications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** 'oidc' (an OpenID Connect client) or 'saml' (a SAML 2.0 service provider); the settings column of the other stays null. */
    protocol: text('protocol').notNull().default('oidc'),
    /** Set for OIDC apps. */
    clientId: text('client_id'),
    /** scrypt hash of the client secret; null for public clients. */
    clientSecretHash: text('client_secret_hash'),
    /** redirectUris, postLogoutRedirectUris, grantTypes, tokenEndpointAuthMethod, ... (OIDC apps) */
    oidcSettings: jsonb('oidc_settings'),
    /** The SP's entity ID (SAML apps): requests are matched to their app by it, so it is unique. */
    samlEntityId: text('saml_entity_id'),
    /** ACS URLs, certificates, NameID, attributes, signing, encryption, ... (SAML apps; src/saml-idp/settings.ts) */
    samlSettings: jsonb('saml_settings'),
    /** IdP ids the app may use. */
    identityProviders: jsonb('identity_providers')
      .notNull()
      .default(sql`'[]'::jsonb`),
    signInFlow: jsonb('sign_in_flow')
      .notNull()
      .default(sql`'{"steps":[]}'::jsonb`),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('applications_client_id_unique').on(t.clientId),
    uniqueIndex('applications_saml_entity_id_unique').on(t.samlEntityId),
    check(
      'applications_protocol_settings',
      sql`(${t.protocol} = 'oidc' and ${t.clientId} is not null and ${t.oidcSettings} is not null) or (${t.protocol} = 'saml' and ${t.samlEntityId} is not null and ${t.samlSettings} is not null)`,
    ),
  ],
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
