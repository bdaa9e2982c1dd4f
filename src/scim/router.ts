// The SCIM 2.0 edge at /scim/v2 (RFC 7644 §3): a thin Hono adapter over our operations and scimmy's
// schemas. Here: auth and scopes, media types, body size limits, JSON parsing, headers; nothing else.
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, RetryLaterError } from '../domain/index.js';
import {
  type AppContext,
  hasScope,
  scimAuth,
  type ScimEnv,
  type ScimScope,
  completeResponse,
  SCIM_MEDIA_TYPE,
  scimErrorBody,
  scimErrorResponse,
  toScimError,
  withDatabaseTimeout,
} from '../http/index.js';
import { runBulk } from './bulk.js';
import { BULK_MAX_PAYLOAD_BYTES, listOf, resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups.js';
import { DEFAULT_PAGE_SIZE, listRequestFromSearchBody, MAX_PAGE_SIZE, type ListRequest } from './list-query.js';
import { listResponse } from './list-response.js';
import type { ScimCall, ScimResult } from './operation.js';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users.js';

/** scimTypes outside RFC 7644's table that the cursor pagination draft adds. */
const EXTRA_SCIM_TYPES = new Set(['invalidCursor', 'expiredCursor']);

type C = Context<ScimEnv>;

function send(c: C, result: ScimResult): Response {
  const body = result.body === undefined ? null : JSON.stringify(result.body);
  const own = body === null ? { ...result.headers } : { ...result.headers, 'content-type': SCIM_MEDIA_TYPE };
  const complete = completeResponse(c, body, result.status, own);
  if (complete) return complete;
  return new Response(body, { status: result.status, headers: new Headers(own) });
}

function requireScope(c: C, scope: ScimScope): void {
  if (!hasScope(c.get('scimClient'), scope))
    throw new AppError('forbidden', 'insufficient_scope', `This SCIM client lacks the scope ${scope}`);
}

/** Reads a JSON body: SCIM or plain JSON media types; malformed → 400 invalidSyntax. */
async function readJson(c: C): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type && !/^application\/(scim\+)?json\b/i.test(type.trim())) {
    throw new AppError('unsupported_media_type', 'unsupported_media_type', `Send application/scim+json (not ${type.split(';')[0]})`);
  }
  const text = await c.req.text();
  if (text.trim() === '') throw new AppError('invalid_input', 'invalidSyntax', 'The request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_input', 'invalidSyntax', 'The request body is not valid JSON');
  }
}

export function createScimApi(ctx: AppContext) {
  const app = new Hono<ScimEnv>();
  const baseUrl = () => `${ctx.config.publicUrl}/scim/v2`;
  // The query string is parsed once per request: each c.req.query(name) would scan and decode it again.
  const call = (c: C, query: Record<string, string | undefined> = c.req.query()): ScimCall => ({
    ctx,
    principal: c.get('scimClient'),
    baseUrl: baseUrl(),
    attributes: query.attributes,
    excludedAttributes: query.excludedAttributes,
    ifMatch: c.req.header('if-match'),
    ifNoneMatch: c.req.header('if-none-match'),
  });
  const listRequest = (query: Record<string, string | undefined>): ListRequest => ({
    filter: query.filter,
    sortBy: query.sortBy,
    sortOrder: query.sortOrder,
    startIndex: query.startIndex,
    count: query.count,
    attributes: query.attributes,
    excludedAttributes: query.excludedAttributes,
    cursor: query.cursor,
  });

  app.onError((raised, c) => {
    const error = withDatabaseTimeout(raised);
    const status = error instanceof AppError || error instanceof HTTPException ? error.status : 500;
    if (status >= 500 && !(raised instanceof RetryLaterError))
      ctx.logger.error({ err: raised, requestId: c.get('requestId'), path: c.req.path }, 'SCIM request failed');
    const headers: Record<string, string> = status === 413 ? { connection: 'close' } : {};
    if (error instanceof RetryLaterError) Object.assign(headers, error.headers);
    if (error instanceof AppError && EXTRA_SCIM_TYPES.has(error.code))
      return scimErrorResponse(scimErrorBody(error.status, error.message, error.code), headers);
    return scimErrorResponse(toScimError(error), headers);
  });

  // Discovery needs no token (RFC 7644 §4 describes it as the client's first step).
  app.get('/ServiceProviderConfig', (c) => send(c, { status: 200, body: serviceProviderConfig(baseUrl()) }));
  app.get('/ResourceTypes', (c) => send(c, { status: 200, body: listOf(resourceTypes(baseUrl())) }));
  app.get('/ResourceTypes/:id', (c) => {
    const found = resourceTypes(baseUrl()).find((r) => r.id === c.req.param('id'));
    if (!found) throw new AppError('not_found', 'resource_type_not_found', `No resource type ${c.req.param('id')}`);
    return send(c, { status: 200, body: found });
  });
  app.get('/Schemas', (c) => send(c, { status: 200, body: listOf(schemas(baseUrl())) }));
  app.get('/Schemas/:id', (c) => {
    const found = schemas(baseUrl()).find((s) => s.id === c.req.param('id'));
    if (!found) throw new AppError('not_found', 'schema_not_found', `No schema ${c.req.param('id')}`);
    return send(c, { status: 200, body: found });
  });

  // /Me would need the authenticated subject to be a User; SCIM clients are not (RFC 7644 §3.11 allows 501).
  app.all('/Me', () => scimErrorResponse(scimErrorBody(501, '/Me is not supported: SCIM clients authenticate as clients, not as users')));

  app.use('*', scimAuth(ctx));
  // The largest SCIM body is limited in front of every route while it streams in (src/body-limit-rules.ts); here
  // the limit of the endpoint by Content-Length (Bulk advertises maxPayloadSize; everything else takes the server's
  // body limit). Read when a request comes, not while the app is built (the context may not be ready then).
  app.use('*', async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'DELETE') return next();
    const limit = c.req.path.endsWith('/Bulk') ? BULK_MAX_PAYLOAD_BYTES : ctx.config.bodyLimitBytes;
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > limit) throw new AppError('payload_too_large', 'tooLarge', `The request body is larger than ${limit} bytes`);
    await next();
  });

  const resources = [
    { path: '/Users', list: listUsers, create: createUser, get: getUser, replace: replaceUser, patch: patchUser, remove: deleteUser },
    {
      path: '/Groups',
      list: listGroups,
      create: createGroup,
      get: getGroup,
      replace: replaceGroup,
      patch: patchGroup,
      remove: deleteGroup,
    },
  ];
  for (const r of resources) {
    app.get(r.path, async (c) => {
      requireScope(c, 'scim:read');
      const query = c.req.query();
      return send(c, await r.list(call(c, query), listRequest(query)));
    });
    app.post(`${r.path}/.search`, async (c) => {
      requireScope(c, 'scim:read');
      return send(c, await r.list(call(c), listRequestFromSearchBody(await readJson(c))));
    });
    app.post(r.path, async (c) => {
      requireScope(c, 'scim:write');
      return send(c, await r.create(call(c), await readJson(c)));
    });
    app.get(`${r.path}/:id`, async (c) => {
      requireScope(c, 'scim:read');
      return send(c, await r.get(call(c), c.req.param('id')));
    });
    app.put(`${r.path}/:id`, async (c) => {
      requireScope(c, 'scim:write');
      return send(c, await r.replace(call(c), c.req.param('id'), await readJson(c)));
    });
    app.patch(`${r.path}/:id`, async (c) => {
      requireScope(c, 'scim:write');
      return send(c, await r.patch(call(c), c.req.param('id'), await readJson(c)));
    });
    app.delete(`${r.path}/:id`, async (c) => {
      requireScope(c, 'scim:write');
      return send(c, await r.remove(call(c), c.req.param('id')));
    });
  }

  // A search over every resource type (RFC 7644 §3.4.3): Users first, then Groups, index paging only.
  app.post('/.search', async (c) => {
    requireScope(c, 'scim:read');
    const request = listRequestFromSearchBody(await readJson(c));
    if (request.cursor !== undefined)
      throw new AppError('invalid_input', 'invalidValue', 'Cursor paging is offered per resource type (/Users, /Groups)');
    if (request.sortBy) throw new AppError('invalid_input', 'invalidValue', 'sortBy is not supported across resource types');
    const scim = call(c);
    const users = (await listUsers(scim, request)).body as { totalResults: number; Resources: unknown[]; startIndex: number };
    const want = Math.min(MAX_PAGE_SIZE, Math.max(0, Number(request.count ?? DEFAULT_PAGE_SIZE) || 0));
    const groupStart = Math.max(1, users.startIndex - users.totalResults);
    const groups = (
      await listGroups(scim, { ...request, startIndex: String(groupStart), count: String(Math.max(0, want - users.Resources.length)) })
    ).body as {
      totalResults: number;
      Resources: unknown[];
    };
    return send(c, {
      status: 200,
      body: listResponse([...users.Resources, ...groups.Resources], users.totalResults + groups.totalResults, {
        startIndex: users.startIndex,
        count: want,
      }),
    });
  });

  app.post('/Bulk', async (c) => {
    requireScope(c, 'scim:write');
    const text = await c.req.text();
    if (Buffer.byteLength(text) > BULK_MAX_PAYLOAD_BYTES)
      throw new AppError('payload_too_large', 'tooLarge', `A bulk request may hold at most ${BULK_MAX_PAYLOAD_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError('invalid_input', 'invalidSyntax', 'The request body is not valid JSON');
    }
    return send(c, await runBulk(call(c), body));
  });

  return app;
}
