// /api/v1/outbound-connectors: downstream SCIM 2.0 targets. Credentials are write-only and sealed; an
// omitted secret on PUT/PATCH keeps the stored one. Schemas: outbound-connector-schema.ts; the connector test, the
// dead letters and their retry, and reconciliation (sync): outbound-connector-operations.ts.
import { randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { invalidInput, notFound, applyMergePatch } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { type OutboundNetwork, outboundNetworkFor, OutboundRefusedError } from '../net/index.js';
import { authColumns, connectorFromRow, type ConnectorAuth } from '../outbound/index.js';
import {
  recordAudit,
  type Actor,
  type Tx,
  deleteConnector,
  findConnector,
  insertConnector,
  listConnectors,
  updateConnector,
  type ConnectorRow,
  type NewConnectorRow,
  findUserStoreByDomain,
} from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';
import {
  type AuthInputValue,
  type ConnectorInput,
  ConnectorCreate,
  ConnectorList,
  ConnectorPatch,
  ConnectorSchema,
  presentConnector as present,
} from './outbound-connector-schema.js';
import { outboundConnectorOperationRoutes } from './outbound-connector-operations.js';

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
};

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

  router.route('/', outboundConnectorOperationRoutes(ctx, { load, audit, outbound }));
  return router;
}
