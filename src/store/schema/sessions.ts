// Short-lived protocol state: oidc-provider models, upstream login flows, SAML replay cache and login results.
// Everything here expires by `expires_at`; a periodic sweep removes what has expired.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** oidc-provider's adapter storage: one table for every model (Session, Grant, AuthorizationCode, ...). */
export const oidcPayloads = pgTable(
  'oidc_payloads',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').notNull(),
    grantId: text('grant_id'),
    userCode: text('user_code'),
    uid: text('uid'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index('oidc_payloads_grant').on(t.grantId),
    index('oidc_payloads_uid').on(t.uid),
    index('oidc_payloads_user_code').on(t.userCode),
    index('oidc_payloads_expires').on(t.expiresAt),
  ],
);

/** An upstream login in progress: state, nonce, PKCE verifier or SAML request id, and where to go after. */
export const federationFlows = pgTable(
  'federation_flows',
  {
    id: text('id').primaryKey(), // the OIDC `state` or the SAML RelayState
    idpId: uuid('idp_id').notNull(),
    protocol: text('protocol').notNull(),
    nonce: text('nonce'),
    codeVerifier: text('code_verifier'),
    samlRequestId: text('saml_request_id'),
    returnTo: text('return_to').notNull(),
    /** Opaque context of the caller (for example the oidc-provider interaction uid). */
    context: jsonb('context'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [
    index('federation_flows_expires').on(t.expiresAt),
    index('federation_flows_saml_request').on(t.samlRequestId),
    // The flows of one login interaction, removed when it finishes or a new start supersedes them.
    index('federation_flows_interaction').on(sql`(${t.context}->>'interactionUid')`),
  ],
);

/**
 * Fixed-window request counters shared by every instance (one row per limited key, such as a client address on
 * /federation/:id/start), counted and checked in one statement (rate-limit-repo.ts).
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    key: text('key').primaryKey(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [index('rate_limit_windows_started').on(t.windowStartedAt)],
);

/** SAML assertion ids already accepted, kept until the assertion would have expired anyway. */
export const samlAssertionIds = pgTable(
  'saml_assertion_ids',
  {
    idpId: uuid('idp_id').notNull(),
    assertionId: text('assertion_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.idpId, t.assertionId] }), index('saml_assertion_ids_expires').on(t.expiresAt)],
);

/** The outcome of a finished upstream login, read once by whoever started it (the interaction). */
export const loginResults = pgTable(
  'login_results',
  {
    id: text('id').primaryKey(),
    flowId: text('flow_id').notNull(),
    idpId: uuid('idp_id').notNull(),
    subject: text('subject'),
    /** The provisioned user; null when JIT is off (then `claims` are handed on) or the login failed. */
    userId: uuid('user_id'),
    outcome: text('outcome').notNull(), // success | failure | pending
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    claims: jsonb('claims'),
    authnContext: jsonb('authn_context'),
    context: jsonb('context'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [index('login_results_expires').on(t.expiresAt)],
);
