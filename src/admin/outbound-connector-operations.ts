// The operations on an outbound connector beside its CRUD (outbound-connectors.ts): the connector test, its
// deliveries and dead letters with their retry, and reconciliation (sync) with its progress.
import { createRoute, z } from '@hono/zod-openapi';
import { AppError, notFound } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import type { OutboundNetwork } from '../net/index.js';
import { checkConnector, connectorFromRow, readSyncStatus, startSync } from '../outbound/index.js';
import { type Actor, type Tx, type ConnectorRow, listDeliveries, requeueFailed } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { conflictResponse, errorResponses, IdParam, jsonContent, notFoundResponse, security } from './schemas.js';

const DeliverySchema = z
  .object({
    eventId: z.number().int(),
    resourceId: z.string(),
    eventType: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'failed', 'skipped']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('OutboundDelivery');
const DeliveryList = z.object({ items: z.array(DeliverySchema), nextBefore: z.number().int().nullable() }).openapi('OutboundDeliveryList');
const EventsQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed', 'skipped']).optional().openapi({ description: '`failed` = dead letters' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().optional().openapi({ description: 'Only events with a lower id (paging, newest first)' }),
});
const RetryResult = z
  .object({
    requeued: z.number().int(),
    skipped: z.number().int().openapi({ description: 'Superseded by a later delivered event of the same resource' }),
  })
  .openapi('OutboundRetryResult');
const CheckResult = z
  .object({
    ok: z.boolean(),
    checks: z.array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        code: z.string().openapi({
          description:
            'ok | features_missing | credentials_refused | http_error | not_json | timeout | unreachable | outbound_address_forbidden | outbound_plain_http | outbound_url_invalid',
        }),
        status: z.number().int().nullable().openapi({ description: "The target's HTTP status, when it answered" }),
        detail: z.string().openapi({ description: 'Fixed words for the code; never the remote body' }),
      }),
    ),
    serviceProviderConfig: z
      .object({ patch: z.boolean(), bulk: z.boolean(), bulkMaxOperations: z.number().nullable(), filter: z.boolean() })
      .nullable(),
  })
  .openapi('OutboundConnectorCheck');
const SyncStatusSchema = z
  .object({
    jobId: z.number().int(),
    status: z.string().openapi({ description: 'pending | running | done | dead (the job that queues users)' }),
    total: z.number().int().openapi({ description: 'Users in scope when the sync started' }),
    queued: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    lastError: z.string().nullable(),
    startedAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('OutboundSyncStatus');
const EventParam = IdParam.extend({
  eventId: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: 'eventId', in: 'path' } }),
});

const presentDelivery = (d: Awaited<ReturnType<typeof listDeliveries>>[number]) => ({
  eventId: d.eventId,
  resourceId: d.resourceId,
  eventType: d.eventType,
  status: d.status as 'pending' | 'delivered' | 'failed' | 'skipped',
  attempts: d.attempts,
  lastError: d.lastError,
  nextAttemptAt: new Date(d.nextAttemptAt).toISOString(),
  deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
  createdAt: new Date(d.createdAt).toISOString(),
});

const tags = ['Outbound connectors'];
const one = '/outbound-connectors/{id}';
const routes = {
  test: createRoute({
    method: 'post',
    path: `${one}/test`,
    tags,
    summary: "Check the target's ServiceProviderConfig and the credentials",
    security,
    request: { params: IdParam },
    responses: {
      200: jsonContent(CheckResult, 'What was checked (ok is false when any check failed)'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  events: createRoute({
    method: 'get',
    path: `${one}/events`,
    tags,
    summary: 'List deliveries of a connector, newest first (status=failed: the dead letters)',
    security,
    request: { params: IdParam, query: EventsQuery },
    responses: { 200: jsonContent(DeliveryList, 'Deliveries'), ...errorResponses, ...notFoundResponse },
  }),
  retryOne: createRoute({
    method: 'post',
    path: `${one}/events/{eventId}/retry`,
    tags,
    summary: 'Requeue one dead-lettered event',
    security,
    request: { params: EventParam },
    responses: { 200: jsonContent(RetryResult, 'Requeued (or skipped when superseded)'), ...errorResponses, ...notFoundResponse },
  }),
  retryAll: createRoute({
    method: 'post',
    path: `${one}/retry`,
    tags,
    summary: 'Requeue every dead-lettered event of the connector',
    security,
    request: { params: IdParam },
    responses: { 200: jsonContent(RetryResult, 'How many were requeued'), ...errorResponses, ...notFoundResponse },
  }),
  sync: createRoute({
    method: 'post',
    path: `${one}/sync`,
    tags,
    summary: 'Reconcile: push every in-scope user to the target once (a durable background job)',
    security,
    request: { params: IdParam },
    responses: {
      202: jsonContent(SyncStatusSchema, 'Started (or already running)'),
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
  }),
  syncStatus: createRoute({
    method: 'get',
    path: `${one}/sync`,
    tags,
    summary: 'Progress of the latest reconciliation',
    security,
    request: { params: IdParam },
    responses: { 200: jsonContent(SyncStatusSchema, 'Progress'), ...errorResponses, ...notFoundResponse },
  }),
};

/** What the operations share with the CRUD routes: the connector lookup, its audit event and the outbound network. */
export interface ConnectorAccess {
  load(id: string): Promise<ConnectorRow>;
  audit(tx: Tx, actor: Actor, action: string, row: ConnectorRow, details?: Record<string, unknown>): Promise<unknown>;
  outbound(): OutboundNetwork;
}

export function outboundConnectorOperationRoutes(ctx: AppContext, { load, audit, outbound }: ConnectorAccess) {
  const router = createAdminRouter();

  router.openapi(routes.test, async (c) => {
    const row = await load(c.req.valid('param').id);
    return c.json(await checkConnector(connectorFromRow(row, ctx.store.secrets), { fetch: outbound().fetch }), 200);
  });

  router.openapi(routes.events, async (c) => {
    const row = await load(c.req.valid('param').id);
    const query = c.req.valid('query');
    const items = await listDeliveries(ctx.store.db, row.id, query);
    const nextBefore = items.length === query.limit ? items[items.length - 1]!.eventId : null;
    return c.json({ items: items.map(presentDelivery), nextBefore }, 200);
  });

  router.openapi(routes.retryOne, async (c) => {
    const { id, eventId } = c.req.valid('param');
    const row = await load(id);
    const result = await ctx.store.transaction(async (tx) => {
      const outcome = await requeueFailed(tx, row.id, eventId);
      if (outcome.requeued + outcome.skipped === 0)
        throw notFound('dead_letter_not_found', `event ${eventId} is not a dead letter of connector ${row.id}`);
      await audit(tx, c.get('actor'), 'outbound_connector.retry', row, { eventId, ...outcome });
      return outcome;
    });
    return c.json(result, 200);
  });

  router.openapi(routes.retryAll, async (c) => {
    const row = await load(c.req.valid('param').id);
    const result = await ctx.store.transaction(async (tx) => {
      const outcome = await requeueFailed(tx, row.id);
      await audit(tx, c.get('actor'), 'outbound_connector.retry', row, outcome);
      return outcome;
    });
    return c.json(result, 200);
  });

  router.openapi(routes.sync, async (c) => {
    const row = await load(c.req.valid('param').id);
    if (!row.enabled)
      throw new AppError('conflict', 'outbound_connector_disabled', `outbound connector ${row.id} is disabled; enable it before a sync`);
    await startSync(ctx.store, row.id);
    await ctx.store.transaction((tx) => audit(tx, c.get('actor'), 'outbound_connector.sync', row));
    const status = await readSyncStatus(ctx.store, row.id);
    return c.json(status!, 202);
  });

  router.openapi(routes.syncStatus, async (c) => {
    const row = await load(c.req.valid('param').id);
    const status = await readSyncStatus(ctx.store, row.id);
    if (!status) throw notFound('sync_not_found', `outbound connector ${row.id} has never been synced`);
    return c.json(status, 200);
  });

  return router;
}
