// Second factors of local accounts: TOTP (RFC 6238) secrets, recovery codes, and Email OTP challenges.
import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './core.js';
import { users } from './identity.js';

/**
 * One TOTP authenticator per user. The secret is used again at every check, so it is sealed (AES-256-GCM),
 * not hashed. A new enrolment lives in `pending*` until a first valid code confirms it, so re-enrolling
 * never breaks the authenticator that works today.
 */
export const mfaTotp = pgTable('mfa_totp', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted'),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  /** The RFC 6238 time step of the last accepted code: a code of this step or earlier is a replay. */
  lastTimeStep: bigint('last_time_step', { mode: 'number' }),
  pendingSecretEncrypted: text('pending_secret_encrypted'),
  pendingCreatedAt: timestamp('pending_created_at', { withTimezone: true }),
  /** Wrong codes in a row (reset by a right one); every fifth blocks checks until `blockedUntil`. */
  failedAttempts: integer('failed_attempts').notNull().default(0),
  blockedUntil: timestamp('blocked_until', { withTimezone: true }),
  ...timestamps,
});

/** Single-use recovery codes (random, so SHA-256 is the right hash); replaced as a set on each enrolment. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('mfa_recovery_codes_user_hash').on(t.userId, t.codeHash)],
);

/** An Email OTP challenge: a 6-digit code sent by mail, stored salted-hashed, with expiry and attempt limit. */
export const mfaEmailOtps = pgTable(
  'mfa_email_otps',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    /** SHA-256 of `<id>:<code>`; the per-challenge id salts it. */
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('mfa_email_otps_user').on(t.userId, t.createdAt), index('mfa_email_otps_expires').on(t.expiresAt)],
);

export type MfaTotpRow = typeof mfaTotp.$inferSelect;
export type MfaEmailOtpRow = typeof mfaEmailOtps.$inferSelect;
