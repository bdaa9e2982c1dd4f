// /api/v1/scim-clients: bearer tokens for the SCIM server. The token is shown once, in the create answer;
// only its SHA-256 digest is kept. Scopes scim:read / scim:write; optionally limited to some user stores.
import { createRoute, z } from '@hono/zod-openapi';
import { invalidInput, notFound, DOMAIN_PATTERN } from '../domain/index.js';
import { type AppContext, forgetScimClient, SCIM_SCOPES } from '../http/index.js';
import {
  recordAudit,
  generateToken,
  hashToken,
  deleteScimClient,
  insertScimClient,
  listScimClients,
  type ScimClientRow,
  findUserStoreByDomain,
} from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonBody, jsonContent, notFoundResponse, security } from './schemas.js';

const ScimClient = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(z.enum(SCIM_SCOPES)),
    userStores: z.array(z.string()).nullable().openapi({ description: 'Domains this client may read and write; null = all' }),
    lastUsedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('ScimClient');

const ScimClientCreated = ScimClient.extend({
  token: z.string().openapi({ description: 'The bearer token. Shown only in this answer; store it now.', example: 'jbs_…' }),
}).openapi('ScimClientCreated');

const ScimClientCreate = z
  .object({
    name: z.string().min(1).max(200),
    scopes: z.array(z.enum(SCIM_SCOPES)).min(1).default(['scim:read', 'scim:write']),
    userStores: z
      .array(
        z
          .string()
          .transform((d) => d.toUpperCase())
          .pipe(z.string().regex(DOMAIN_PATTERN)),
      )
      .min(1)
      .nullable()
      .default(null)
      .openapi({ description: 'Limit the client to these user store domains; null (default) = all' }),
  })
  .strict()
  .openapi('ScimClientCreate');

const present = (row: ScimClientRow) => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes as Array<(typeof SCIM_SCOPES)[number]>,
  userStores: row.userStores,
  lastUsedAt: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
  createdAt: row.createdAt.toISOString(),
});

const tags = ['SCIM clients'];
const list = createRoute({
  method: 'get',
  path: '/scim-clients',
  tags,
  summary: 'List SCIM clients (tokens are never shown again)',
  security,
  responses: {
    200: jsonContent(z.object({ items: z.array(ScimClient) }).openapi('ScimClientList'), 'All SCIM clients'),
    ...errorResponses,
  },
});
const create = createRoute({
  method: 'post',
  path: '/scim-clients',
  tags,
  summary: 'Create a SCIM client and its bearer token',
  security,
  request: jsonBody(ScimClientCreate),
  responses: { 201: jsonContent(ScimClientCreated, 'Created; the token is in this answer only'), ...errorResponses },
});
const remove = createRoute({
  method: 'delete',
  path: '/scim-clients/{id}',
  tags,
  summary: 'Delete a SCIM client (its token stops working)',
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse },
});

export function scimClientRoutes(ctx: AppContext) {
  const router = createAdminRouter();

  router.openapi(list, async (c) => c.json({ items: (await listScimClients(ctx.store.db)).map(present) }, 200));

  router.openapi(create, async (c) => {
    const input = c.req.valid('json');
    for (const domain of input.userStores ?? []) {
      if (!(await findUserStoreByDomain(ctx.store.db, domain))) {
        throw invalidInput('user_store_not_found', `User store '${domain}' does not exist`, [
          { field: 'userStores', message: `unknown domain ${domain}` },
        ]);
      }
    }
    const token = generateToken('jbs_');
    const row = await ctx.store.transaction(async (tx) => {
      const created = await insertScimClient(tx, {
        name: input.name,
        tokenHash: hashToken(token),
        scopes: [...new Set(input.scopes)],
        userStores: input.userStores,
      });
      await recordAudit(tx, {
        actorType: 'admin',
        actorId: c.get('actor').id,
        action: 'scim_client.create',
        targetType: 'scim_client',
        targetId: created.id,
        outcome: 'success',
        details: { name: created.name, scopes: created.scopes, userStores: created.userStores },
      });
      return created;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/scim-clients/${row.id}`);
    return c.json({ ...present(row), token }, 201);
  });

  router.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const removed = await ctx.store.transaction(async (tx) => {
      const row = await deleteScimClient(tx, id);
      if (!row) throw notFound('scim_client_not_found', `SCIM client ${id} does not exist`);
      await recordAudit(tx, {
        actorType: 'admin',
        actorId: c.get('actor').id,
        action: 'scim_client.delete',
        targetType: 'scim_client',
        targetId: id,
        outcome: 'success',
        details: { name: row.name },
      });
      return row;
    });
    forgetScimClient(removed.tokenHash);
    return c.body(null, 204);
  });

  return router;
}
