// The durable job table, the outbox of change events, outbound connectors and their delivery state.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { timestamps } from './core.js';

/**
 * Durable jobs (non-blocking provisioning, reconciliation, liveness checks, sweeps). Claimed with
 * FOR UPDATE SKIP LOCKED; a claim expires at `lockedUntil`, so a crashed worker's jobs run again.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'), // pending | running | done | dead
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(10),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    /** Jobs with the same key are not enqueued twice while one is pending or running. */
    dedupeKey: text('dedupe_key'),
    result: jsonb('result'),
    ...timestamps,
  },
  (t) => [
    index('jobs_claimable')
      .on(t.queue, t.runAt)
      .where(sql`${t.status} in ('pending', 'running')`),
    uniqueIndex('jobs_dedupe_active')
      .on(t.queue, t.dedupeKey)
      .where(sql`${t.dedupeKey} is not null and ${t.status} in ('pending', 'running')`),
  ],
);

/** Every change to a user or group, written in the same transaction as the change. */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    resourceType: text('resource_type').notNull(), // 'User' | 'Group'
    resourceId: uuid('resource_id').notNull(),
    userStoreId: uuid('user_store_id'),
    eventType: text('event_type').notNull(), // create | update | deactivate | delete | group.create | group.update | group.delete | group.member_add | group.member_remove
    /** The resource after the change (null on delete), and for member changes the member ids. */
    payload: jsonb('payload'),
    resourceVersion: integer('resource_version'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outbox_events_resource').on(t.resourceId, t.id), index('outbox_events_created').on(t.createdAt)],
);

export const outboundConnectors = pgTable('outbound_connectors', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  type: text('type').notNull().default('scim2'),
  baseUrl: text('base_url').notNull(),
  authType: text('auth_type').notNull(), // 'bearer' | 'oauth2'
  /** Non-secret auth settings (tokenUrl, clientId). */
  authConfig: jsonb('auth_config')
    .notNull()
    .default(sql`'{}'::jsonb`),
  /** Sealed secrets (bearer token, client secret). */
  secretsEncrypted: text('secrets_encrypted'),
  userStores: text('user_stores').array(),
  events: text('events').array(),
  attributeMapping: jsonb('attribute_mapping'),
  /** Delivery tuning: maxAttempts, timeoutMs, backoff, concurrency, bulk (see src/outbound/connector-config.ts). */
  deliveryOptions: jsonb('delivery_options')
    .notNull()
    .default(sql`'{}'::jsonb`),
  enabled: boolean('enabled').notNull().default(true),
  /** Highest outbox event id this connector has taken into its delivery queue. */
  outboxCursor: bigint('outbox_cursor', { mode: 'number' }).notNull().default(0),
  ...timestamps,
});

/** One delivery of one outbox event to one connector. */
export const outboundDeliveries = pgTable(
  'outbound_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectorId: uuid('connector_id')
      .notNull()
      .references(() => outboundConnectors.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    resourceId: uuid('resource_id').notNull(),
    /** Set on deliveries that have no outbox event (reconciliation: 'sync'); their id is drawn from the outbox sequence. */
    eventType: text('event_type'),
    payload: jsonb('payload'),
    status: text('status').notNull().default('pending'), // pending | delivered | failed (dead-lettered) | skipped
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('outbound_deliveries_connector_event').on(t.connectorId, t.eventId),
    index('outbound_deliveries_due').on(t.connectorId, t.status, t.nextAttemptAt),
    index('outbound_deliveries_resource').on(t.connectorId, t.resourceId, t.eventId),
  ],
);

/** The downstream id of each local resource, per connector. */
export const outboundRemoteIds = pgTable(
  'outbound_remote_ids',
  {
    connectorId: uuid('connector_id')
      .notNull()
      .references(() => outboundConnectors.id, { onDelete: 'cascade' }),
    localId: uuid('local_id').notNull(),
    resourceType: text('resource_type').notNull(),
    remoteId: text('remote_id').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.localId] })],
);

/** What happened and why: provisioning decisions, admin actions, refusals. Newest first in the API. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorType: text('actor_type').notNull(), // admin | scim_client | idp | user | system
    actorId: text('actor_id'),
    action: text('action').notNull(), // e.g. user.create, jit.link.refused
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome').notNull(), // success | failure | refused
    reason: text('reason'),
    details: jsonb('details'),
  },
  (t) => [index('audit_events_at').on(t.at), index('audit_events_target').on(t.targetType, t.targetId)],
);
