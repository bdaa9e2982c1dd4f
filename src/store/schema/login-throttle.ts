// Failed local sign-in attempts, counted per key (an account or a client address) in the database so
// that every instance behind a load balancer sees the same counts; and the ids of provisioning context
// tokens already used (single use across instances).
import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One row per throttled key: `account:<user store id>:<lower-cased name>` or `address:<client address>`.
 * Rows exist for names that match no user too, so a throttled unknown name looks like a throttled real one.
 */
export const loginThrottle = pgTable(
  'login_throttle',
  {
    key: text('key').primaryKey(),
    /** Failures counted since `windowStartedAt`. */
    failures: integer('failures').notNull().default(0),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull().defaultNow(),
    /** While in the future, attempts on this key are refused without checking the password. */
    blockedUntil: timestamp('blocked_until', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('login_throttle_updated').on(t.updatedAt)],
);

/** The `jti` of every provisioning context token already redeemed, kept until the token would have expired. */
export const usedContextTokens = pgTable(
  'used_context_tokens',
  {
    jti: text('jti').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('used_context_tokens_expires').on(t.expiresAt)],
);
