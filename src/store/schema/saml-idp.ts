// State of the app-facing SAML 2.0 IdP (src/saml-idp/): the messages it is in the middle of answering and the
// sessions it opened at service providers (for Single Logout). Everything expires by `expires_at`; the sweep
// removes it then.
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { applications } from './access.js';

/**
 * One SAML message exchange: an AuthnRequest being answered (kind `authn`; also IdP-initiated SSO, with no
 * request id), or a LogoutRequest we sent and await the answer to (kind `logout`). `messageId` is the SAML ID:
 * the SP's for requests it sent — unique per SP, which is what refuses a replayed request — ours for requests
 * we sent (a LogoutResponse's InResponseTo must name one). The row stays until the message could no longer be
 * accepted, so a replay inside that window meets it.
 */
export const samlIdpMessages = pgTable(
  'saml_idp_messages',
  {
    /** Our opaque handle (the login carries it, never the SAML ID). */
    id: text('id').primaryKey(),
    kind: text('kind').notNull(), // authn | logout-in | logout-out
    applicationId: uuid('application_id')
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    messageId: text('message_id'),
    state: jsonb('state').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('saml_idp_messages_message').on(t.applicationId, t.messageId), index('saml_idp_messages_expires').on(t.expiresAt)],
);

/**
 * A session this IdP opened at a service provider by an assertion: its SessionIndex, the NameID it named,
 * and the jitbridge sign-in session it belongs to, so that logging out of one ends the others.
 */
export const samlIdpSessions = pgTable(
  'saml_idp_sessions',
  {
    /** The SessionIndex of the AuthnStatement (random, unguessable). */
    sessionIndex: text('session_index').primaryKey(),
    applicationId: uuid('application_id')
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    nameId: text('name_id').notNull(),
    nameIdFormat: text('name_id_format').notNull(),
    /** The account the assertion named: a user id, or the pairwise id of a JIT-disabled login. */
    accountId: text('account_id').notNull(),
    /** The jitbridge sign-in session behind it (opaque; set by the login), when known. */
    loginSessionId: text('login_session_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    index('saml_idp_sessions_login_session').on(t.loginSessionId),
    index('saml_idp_sessions_app_name_id').on(t.applicationId, t.nameId),
    index('saml_idp_sessions_expires').on(t.expiresAt),
  ],
);
