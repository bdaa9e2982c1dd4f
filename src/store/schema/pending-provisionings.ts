// Provisionings paused on a prompt (consent, password, username, or an external page): the verified
// upstream identity and the answers collected so far, until the person finishes or the row expires.
// Any instance can continue a prompt another instance showed.
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const pendingProvisionings = pgTable(
  'pending_provisionings',
  {
    /** Random, unguessable; the `sub` of an external page's context token. */
    id: text('id').primaryKey(),
    /** The login interaction waiting on it (oidc-provider uid); answers are accepted only for it. */
    interactionUid: text('interaction_uid').notNull(),
    idpId: uuid('idp_id').notNull(),
    /** The verified FederatedIdentity (subject, claims, authn context): the plan is made again from it on each answer. */
    identity: jsonb('identity').notNull(),
    /** Answers so far: { username?, passwordHash? } (a password is only ever kept hashed). */
    answers: jsonb('answers').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [index('pending_provisionings_expires').on(t.expiresAt), index('pending_provisionings_interaction').on(t.interactionUid)],
);
