// /api/v1/outbound-connectors: downstream SCIM 2.0 targets. Credentials are write-only and sealed; an
// omitted secret on PUT/PATCH keeps the stored one. Also the connector test, the dead letters and their
// retry, and reconciliation (sync) with its progress.
import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { AppError, invalidInput, notFound, applyMergePatch } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { type OutboundNetwork, outboundNetworkFor, OutboundRefusedError } from '../net/index.js';
import {
  authColumns,
  checkConnector,
  connectorFromRow,
  deliveryOptionsOf,
  OUTBOUND_EVENT_KINDS,
  readSyncStatus,
  startSync,
  type ConnectorAuth,
} from '../outbound/index.js';
import {
  recordAudit,
  type Actor,
  type Tx,
  deleteConnector,
  findConnector,
  insertConnector,
  listConnectors,
  listDeliveries,
  requeueFailed,
  updateConnector,
  type ConnectorRow,
  type NewConnectorRow,
  findUserStoreByDomain,
} from '../store/index.js';
import { createAdminRouter } from './router.js';
import { conflictResponse, errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';

const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'an absolute http(s) URL');

const BearerAuthInput = z
  .object({
    type: z.literal('bearer'),
    token: z.string().min(1).max(4000).optional().openapi({ writeOnly: true, description: 'Write-only' }),
  })
  .strict();
const OAuthInput = z
  .object({
    type: z.literal('oauth2'),
    tokenUrl: httpUrl,
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(4000).optional().openapi({ writeOnly: true, description: 'Write-only' }),
    scope: z.string().max(1000).optional(),
  })
  .strict();
const AuthInput = z.discriminatedUnion('type', [BearerAuthInput, OAuthInput]).openapi('OutboundAuthInput', {
  description: 'Bearer token, or OAuth 2.0 client credentials (client_secret_basic). Secrets are write-only; omitted on update = keep.',
});
const AuthView = z
  .union([
    z.object({ type: z.literal('bearer') }),
    z.object({ type: z.literal('oauth2'), tokenUrl: z.string(), clientId: z.string(), scope: z.string().optional() }),
  ])
  .openapi('OutboundAuth');

const Mapping = z.array(z.object({ local: z.string().min(1).max(300), remote: z.string().min(1).max(300) }).strict()).max(200);
const DeliveryInput = z
  .object({
    maxAttempts: z.number().int().min(1).max(100),
    timeoutMs: z.number().int().min(100).max(120_000),
    backoffBaseMs: z.number().int().min(1).max(3_600_000),
    backoffMaxMs: z.number().int().min(1).max(86_400_000),
    concurrency: z.number().int().min(1).max(64),
    bulk: z.enum(['auto', 'off']),
  })
  .partial()
  .strict()
  .openapi('OutboundDeliveryOptions', { description: 'Retry and throughput tuning; omitted fields take the defaults' });

const ConnectorFields = {
  name: z.string().min(1).max(200),
  type: z.literal('scim2').default('scim2'),
  baseUrl: httpUrl.openapi({ example: 'https://scim.example.com/scim/v2' }),
  auth: AuthInput,
  userStores: z
    .array(z.string().min(1).max(64))
    .max(100)
    .nullable()
    .default(null)
    .openapi({ description: 'User store domains in scope; null = all' }),
  events: z
    .array(z.enum(OUTBOUND_EVENT_KINDS as [string, ...string[]]))
    .nullable()
    .default(null)
    .openapi({ description: 'Event kinds in scope; null = all' }),
  attributeMapping: Mapping.nullable()
    .default(null)
    .openapi({ description: 'Local SCIM path → remote SCIM path; null = send the whole user' }),
  delivery: DeliveryInput.default({}),
  enabled: z.boolean().default(true),
};
const ConnectorCreate = z.object(ConnectorFields).strict().openapi('OutboundConnectorCreate');
// No defaults here: a merge patch names only what changes.
const ConnectorPatch = z
  .object({
    name: z.string().min(1).max(200),
    type: z.literal('scim2'),
    baseUrl: httpUrl,
    auth: z.object({ type: z.enum(['bearer', 'oauth2']) }).passthrough(),
    userStores: z.array(z.string().min(1).max(64)).max(100).nullable(),
    events: z.array(z.enum(OUTBOUND_EVENT_KINDS as [string, ...string[]])).nullable(),
    attributeMapping: Mapping.nullable(),
    delivery: DeliveryInput.nullable(),
    enabled: z.boolean(),
  })
  .partial()
  .strict()
  .openapi('OutboundConnectorPatch');

const ConnectorSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.literal('scim2'),
    baseUrl: z.string(),
    auth: AuthView,
    userStores: z.array(z.string()).nullable(),
    events: z.array(z.string()).nullable(),
    attributeMapping: z.array(z.object({ local: z.string(), remote: z.string() })).nullable(),
    delivery: z.object({
      maxAttempts: z.number(),
      timeoutMs: z.number(),
      backoffBaseMs: z.number(),
      backoffMaxMs: z.number(),
      concurrency: z.number(),
      bulk: z.string(),
    }),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('OutboundConnector');
const ConnectorList = z.object({ items: z.array(ConnectorSchema) }).openapi('OutboundConnectorList');

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

const present = (row: ConnectorRow) => {
  const config = (row.authConfig ?? {}) as { tokenUrl?: string; clientId?: string; scope?: string };
  return {
    id: row.id,
    name: row.name,
    type: 'scim2' as const,
    baseUrl: row.baseUrl,
    auth:
      row.authType === 'oauth2'
        ? {
            type: 'oauth2' as const,
            tokenUrl: config.tokenUrl ?? '',
            clientId: config.clientId ?? '',
            ...(config.scope ? { scope: config.scope } : {}),
          }
        : { type: 'bearer' as const },
    userStores: row.userStores ?? null,
    events: row.events ?? null,
    attributeMapping: (row.attributeMapping as Array<{ local: string; remote: string }> | null) ?? null,
    delivery: deliveryOptionsOf(row),
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
};

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
const base = '/outbound-connectors';
const one = `${base}/{id}`;
const routes = {
  list: createRoute({
    method: 'get',
    path: base,
    tags,
    summary: 'List outbound connectors',
    security,
    responses: { 200: jsonContent(ConnectorList, 'All connectors'), ...errorResponses },
  }),
  create: createRoute({
    method: 'post',
    path: base,
    tags,
    summary: 'Create an outbound connector (it receives changes from now on; POST …/sync pushes existing users)',
    security,
    request: jsonBody(ConnectorCreate),
    responses: { 201: jsonContent(ConnectorSchema, 'Created'), ...errorResponses },
  }),
  read: createRoute({
    method: 'get',
    path: one,
    tags,
    summary: 'Read an outbound connector',
    security,
    request: { params: IdParam },
    responses: { 200: jsonContent(ConnectorSchema, 'The connector'), ...errorResponses, ...notFoundResponse },
  }),
  replace: createRoute({
    method: 'put',
    path: one,
    tags,
    summary: 'Replace an outbound connector (an omitted secret keeps the stored one)',
    security,
    request: { params: IdParam, ...jsonBody(ConnectorCreate) },
    responses: { 200: jsonContent(ConnectorSchema, 'The connector'), ...errorResponses, ...notFoundResponse },
  }),
  patch: createRoute({
    method: 'patch',
    path: one,
    tags,
    summary: 'Change an outbound connector (JSON merge patch; an omitted secret keeps the stored one)',
    security,
    request: { params: IdParam, ...mergePatchBody(ConnectorPatch) },
    responses: { 200: jsonContent(ConnectorSchema, 'The connector'), ...errorResponses, ...notFoundResponse },
  }),
  remove: createRoute({
    method: 'delete',
    path: one,
    tags,
    summary: 'Delete an outbound connector and its delivery queue',
    security,
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse },
  }),
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

type ConnectorInput = z.infer<typeof ConnectorCreate>;
type AuthInputValue = z.infer<typeof AuthInput>;

export function outboundConnectorRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  // Built at first use: the OpenAPI document is rendered from these routes without a configuration.
  let network: OutboundNetwork | undefined;
  const outbound = () => (network ??= outboundNetworkFor(ctx.config));

  /** The outbound network rules at save time, for a friendly answer (they apply again at every connect). */
  const checkReachable = async (field: string, url: string) => {
    try {
      await outbound().checkUrl(url);
    } catch (error) {
      if (!(error instanceof OutboundRefusedError)) throw error;
      throw invalidInput(error.code, `${field}: ${error.message}`, [{ field, message: error.message }]);
    }
  };

  const load = async (id: string) => {
    const row = await findConnector(ctx.store.db, id);
    if (!row) throw notFound('outbound_connector_not_found', `outbound connector ${id} does not exist`);
    return row;
  };
  const audit = (tx: Tx, actor: Actor, action: string, row: ConnectorRow, details?: Record<string, unknown>) =>
    recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'outbound_connector',
      targetId: row.id,
      outcome: 'success',
      details: { name: row.name, ...details },
    });

  /** The complete credentials: given secrets, else the stored ones (only while the type stays the same). */
  const resolveAuth = (input: AuthInputValue, current: ConnectorRow | null): ConnectorAuth => {
    const stored = current && current.authType === input.type ? connectorFromRow(current, ctx.store.secrets).auth : null;
    if (input.type === 'bearer') {
      const token = input.token ?? (stored?.type === 'bearer' ? stored.token : undefined);
      if (!token) throw invalidInput('validation_failed', 'Invalid body: auth.token', [{ field: 'auth.token', message: 'required' }]);
      return { type: 'bearer', token };
    }
    const clientSecret = input.clientSecret ?? (stored?.type === 'oauth2' ? stored.clientSecret : undefined);
    if (!clientSecret)
      throw invalidInput('validation_failed', 'Invalid body: auth.clientSecret', [{ field: 'auth.clientSecret', message: 'required' }]);
    return { type: 'oauth2', tokenUrl: input.tokenUrl, clientId: input.clientId, clientSecret, scope: input.scope };
  };

  const columns = async (input: ConnectorInput, current: ConnectorRow | null, id: string): Promise<NewConnectorRow> => {
    const userStores = input.userStores ? [...new Set(input.userStores.map((d) => d.toUpperCase()))] : null;
    for (const [index, domain] of (userStores ?? []).entries()) {
      if (!(await findUserStoreByDomain(ctx.store.db, domain))) {
        throw invalidInput('user_store_not_found', `user store domain '${domain}' does not exist`, [
          { field: `userStores.${index}`, message: 'no such user store' },
        ]);
      }
    }
    await checkReachable('baseUrl', input.baseUrl);
    if (input.auth.type === 'oauth2') await checkReachable('auth.tokenUrl', input.auth.tokenUrl);
    const delivery = input.delivery ?? {};
    if (delivery.backoffBaseMs !== undefined && delivery.backoffMaxMs !== undefined && delivery.backoffMaxMs < delivery.backoffBaseMs) {
      throw invalidInput('validation_failed', 'Invalid body: delivery.backoffMaxMs', [
        { field: 'delivery.backoffMaxMs', message: 'must be at least backoffBaseMs' },
      ]);
    }
    return {
      id,
      name: input.name,
      type: 'scim2',
      baseUrl: input.baseUrl.replace(/\/+$/, ''),
      ...authColumns(resolveAuth(input.auth, current), ctx.store.secrets, id),
      userStores,
      events: input.events ? [...new Set(input.events)] : null,
      attributeMapping: input.attributeMapping,
      deliveryOptions: delivery,
      enabled: input.enabled,
    };
  };

  const save = async (current: ConnectorRow, input: ConnectorInput, actor: Actor, action: string) => {
    const values = await columns(input, current, current.id);
    return ctx.store.transaction(async (tx) => {
      const row = await updateConnector(tx, current.id, values);
      if (!row) throw notFound('outbound_connector_not_found', `outbound connector ${current.id} does not exist`);
      await audit(tx, actor, action, row, {
        secretChanged: Boolean(
          (input.auth as { token?: string; clientSecret?: string }).token ?? (input.auth as { clientSecret?: string }).clientSecret,
        ),
      });
      return row;
    });
  };

  router.openapi(routes.list, async (c) => c.json({ items: (await listConnectors(ctx.store.db)).map(present) }, 200));

  router.openapi(routes.create, async (c) => {
    const input = c.req.valid('json');
    // The id is chosen here: the sealed credentials are bound to their row.
    const values = await columns(input, null, randomUUID());
    const row = await ctx.store.transaction(async (tx) => {
      const created = await insertConnector(tx, values);
      await audit(tx, c.get('actor'), 'outbound_connector.create', created);
      return created;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/outbound-connectors/${row.id}`);
    return c.json(present(row), 201);
  });

  router.openapi(routes.read, async (c) => c.json(present(await load(c.req.valid('param').id)), 200));

  router.openapi(routes.replace, async (c) => {
    const current = await load(c.req.valid('param').id);
    return c.json(present(await save(current, c.req.valid('json'), c.get('actor'), 'outbound_connector.update')), 200);
  });

  router.openapi(routes.patch, async (c) => {
    const current = await load(c.req.valid('param').id);
    const body = c.req.valid('json') as Record<string, unknown>;
    const view = present(current);
    const merged = applyMergePatch({ ...view, delivery: current.deliveryOptions ?? {} }, body) as Record<string, unknown>;
    const parsed = ConnectorCreate.safeParse({
      name: merged.name,
      baseUrl: merged.baseUrl,
      auth: merged.auth,
      userStores: merged.userStores ?? null,
      events: merged.events ?? null,
      attributeMapping: merged.attributeMapping ?? null,
      delivery: merged.delivery ?? {},
      enabled: merged.enabled,
    });
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || '(body)', message: issue.message }));
      throw invalidInput('validation_failed', `Invalid body: ${fields.map((f) => f.field).join(', ')}`, fields);
    }
    return c.json(present(await save(current, parsed.data, c.get('actor'), 'outbound_connector.update')), 200);
  });

  router.openapi(routes.remove, async (c) => {
    const current = await load(c.req.valid('param').id);
    await ctx.store.transaction(async (tx) => {
      if (!(await deleteConnector(tx, current.id)))
        throw notFound('outbound_connector_not_found', `outbound connector ${current.id} does not exist`);
      await audit(tx, c.get('actor'), 'outbound_connector.delete', current);
    });
    return c.body(null, 204);
  });

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
