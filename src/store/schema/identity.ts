// Users, groups and memberships (SCIM resources), identity providers and the federated links.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps, userStores } from './core.js';

/**
 * A SCIM User. `resource` holds the full SCIM representation (core + enterprise extension, without
 * `id` and `meta`); the columns beside it are copies kept for indexed filtering and sorting.
 * `userName` is stored without its domain prefix; it is unique per store, case-insensitively.
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userStoreId: uuid('user_store_id')
      .notNull()
      .references(() => userStores.id, { onDelete: 'restrict' }),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    /** Lower-cased value of the primary (else first) email. */
    primaryEmail: text('primary_email'),
    /** Lower-cased values of every email; a trigger copies them to user_email_values, which `emails.value eq` reads. */
    emailValues: text('email_values')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    displayName: text('display_name'),
    givenName: text('given_name'),
    familyName: text('family_name'),
    active: boolean('active').notNull().default(true),
    resource: jsonb('resource').notNull(),
    /** Incremented on every write; the SCIM ETag is derived from it. */
    version: integer('version').notNull().default(1),
    /** Per attribute path: who wrote it last and when ({ source: 'idp'|'scim'|'admin'|'user', sourceId, at }). */
    provenance: jsonb('provenance')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** The IdP that JIT-provisioned this user (the enhanced feature deletes users with their IdP). */
    jitIdpId: uuid('jit_idp_id'),
    /** Local password (scrypt, PHC-style string); null when the user cannot sign in locally. */
    passwordHash: text('password_hash'),
    locked: boolean('locked').notNull().default(false),
    lockedReason: text('locked_reason'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_store_username_unique').on(t.userStoreId, sql`lower(${t.userName})`),
    index('users_username_lower').on(sql`lower(${t.userName})`),
    index('users_username_trgm').using('gin', sql`lower(${t.userName}) gin_trgm_ops`),
    index('users_external_id').on(t.externalId),
    index('users_primary_email').on(t.primaryEmail),
    index('users_display_name_lower').on(sql`lower(${t.displayName})`),
    index('users_display_name_trgm').using('gin', sql`lower(${t.displayName}) gin_trgm_ops`),
    index('users_family_name_lower').on(sql`lower(${t.familyName}) text_pattern_ops`),
    index('users_family_name_trgm').using('gin', sql`lower(${t.familyName}) gin_trgm_ops`),
    index('users_given_name_lower').on(sql`lower(${t.givenName})`),
    index('users_created_at').on(t.createdAt, t.id),
    index('users_updated_at').on(t.updatedAt, t.id),
    index('users_jit_idp').on(t.jitIdpId),
  ],
);

/**
 * One row per lower-cased email value of a user, kept by the trigger `users_email_values_sync` (drizzle/0009):
 * `emails.value eq` and the lookup by email are a B-tree probe here. A GIN index over `users.email_values` served
 * them before, but a GIN lookup is a bitmap scan, twice the database's CPU of a B-tree probe per search.
 */
export const userEmailValues = pgTable(
  'user_email_values',
  {
    value: text('value').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.value, t.userId] }), index('user_email_values_user').on(t.userId)],
);

export const groups = pgTable(
  'groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userStoreId: uuid('user_store_id')
      .notNull()
      .references(() => userStores.id, { onDelete: 'restrict' }),
    displayName: text('display_name').notNull(),
    externalId: text('external_id'),
    /** SCIM representation without `members`, `id` and `meta` (members live in group_members). */
    resource: jsonb('resource').notNull(),
    version: integer('version').notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('groups_store_display_name_unique').on(t.userStoreId, sql`lower(${t.displayName})`),
    index('groups_display_name_trgm').using('gin', sql`lower(${t.displayName}) gin_trgm_ops`),
    index('groups_external_id').on(t.externalId),
  ],
);

/** One row per member, so a member of a 100,000-member group is added or removed without touching the rest. */
export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    memberId: uuid('member_id').notNull(),
    memberType: text('member_type').notNull(), // 'User' | 'Group'
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.memberId] }), index('group_members_member').on(t.memberId)],
);

export const identityProviders = pgTable(
  'identity_providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    protocol: text('protocol').notNull(), // 'oidc' | 'saml'
    enabled: boolean('enabled').notNull().default(true),
    trustEmail: boolean('trust_email').notNull().default(false),
    /** Protocol settings without secrets (issuer, endpoints, SAML metadata, ...). */
    protocolConfig: jsonb('protocol_config').notNull(),
    /** Secrets encrypted with the secrets key (client secret, ...), as one sealed JSON object. */
    secretsEncrypted: text('secrets_encrypted'),
    claimMappings: jsonb('claim_mappings')
      .notNull()
      .default(sql`'[]'::jsonb`),
    roleMappings: jsonb('role_mappings')
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** provisioning.jit as the admin API shapes it. */
    jit: jsonb('jit').notNull(),
    /** Options such as upstream liveness ({ inactiveAfterDays }). */
    options: jsonb('options')
      .notNull()
      .default(sql`'{}'::jsonb`),
    version: integer('version').notNull().default(1),
    ...timestamps,
  },
  (t) => [uniqueIndex('identity_providers_name_unique').on(sql`lower(${t.name})`)],
);

/** The link between an upstream identity (IdP + subject) and a local user. */
export const federatedIdentities = pgTable(
  'federated_identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    idpId: uuid('idp_id')
      .notNull()
      .references(() => identityProviders.id, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    locked: boolean('locked').notNull().default(false),
    /** Last claims seen from the IdP (mapped), for support and the liveness job. */
    lastClaims: jsonb('last_claims'),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /**
     * Fingerprint of a login after which the user, at `syncVersion`, was verified to need no change: a hash of the
     * mapped attributes, the policy's own fields (sync method, mappings, trustEmail, JIT policy) and the code of the
     * mapping and sync functions (src/provisioning/sync-fingerprint.ts). A returning login with the same fingerprint
     * while the user is still at that version changes nothing, which lets it be recorded in one statement
     * (src/store/provisioning-reads.ts).
     */
    syncFingerprint: text('sync_fingerprint'),
    syncVersion: integer('sync_version'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('federated_identities_idp_subject').on(t.idpId, t.subject),
    index('federated_identities_user').on(t.userId),
    // No index on last_login_at: every login moves it, and an index on it would make each login's link touch a
    // non-HOT update (new entries in every index of the table). Nothing searches by it (the liveness job goes
    // from users to their links). The table's fillfactor (90, migration 0008) leaves room for HOT updates.
  ],
);

export type UserRow = typeof users.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;
export type IdentityProviderRow = typeof identityProviders.$inferSelect;
export type FederatedIdentityRow = typeof federatedIdentities.$inferSelect;
