// Server settings, the admin credential, key material and user stores.
import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, check } from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};
export { timestamps };

/** One row: the server-wide settings document (validated by domain/settings.ts). */
export const serverSettings = pgTable(
  'server_settings',
  {
    id: integer('id').primaryKey().default(1),
    document: jsonb('document').notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('server_settings_single_row', sql`${t.id} = 1`)],
);

/** One row: the SHA-256 of the admin token (a random 256-bit token, so a fast hash is the right tool). */
export const adminCredentials = pgTable(
  'admin_credentials',
  {
    id: integer('id').primaryKey().default(1),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('admin_credentials_single_row', sql`${t.id} = 1`)],
);

/**
 * Keys the server generates and must use again: token signing keys, cookie keys, SAML SP keys.
 * Private parts are encrypted with the secrets key (AES-256-GCM).
 */
export const keyMaterial = pgTable('key_material', {
  id: text('id').primaryKey(), // the kid
  purpose: text('purpose').notNull(), // 'oidc-signing' | 'cookie' | 'saml-sp' | 'secrets-check' | ...
  algorithm: text('algorithm').notNull(),
  privateEncrypted: text('private_encrypted').notNull(),
  publicJwk: jsonb('public_jwk'),
  status: text('status').notNull().default('active'), // 'active' | 'retired'
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
  /** A retired key stays published until then (its tokens may still be in use). */
  publishUntil: timestamp('publish_until', { withTimezone: true }),
});

export const userStores = pgTable(
  'user_stores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    domain: text('domain').notNull(),
    description: text('description').notNull().default(''),
    usernameRegex: text('username_regex'),
    rolenameRegex: text('rolename_regex'),
    ...timestamps,
  },
  (t) => [uniqueIndex('user_stores_domain_unique').on(sql`upper(${t.domain})`)],
);
