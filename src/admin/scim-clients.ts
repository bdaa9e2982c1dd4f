// /api/v1/scim-clients: bearer tokens for the SCIM server. The token is generated and shown once, in the create
// answer, or supplied by the caller (configuration as code keeps it in a secret store) and then never answered;
// only its SHA-256 digest is kept. Scopes scim:read / scim:write; optionally limited to some user stores.
import { createRoute, z } from '@hono/zod-openapi';
import { conflict, invalidInput, notFound, DOMAIN_PATTERN, suppliedSecretProblem } from '../domain/index.js';
import { invalidateCache } from '../cache/index.js';
import { type AppContext, SCIM_SCOPES } from '../http/index.js';
import {
  recordAudit,
  generateToken,
  hashToken,
  deleteScimClient,
  findScimClientById,
  findScimClientByTokenHash,
  insertScimClient,
  listScimClients,
  updateScimClient,
  type ScimClientRow,
  findUserStoreByDomain,
} from '../store/index.js';
import { createAdminRouter } from './router.js';
import { conflictResponse, errorResponses, IdParam, jsonBody, jsonContent, notFoundResponse, security } from './schemas.js';

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
  token: z.string().optional().openapi({
    description: 'The generated bearer token. Shown only in this answer; store it now. Absent when the token was supplied.',
    example: 'jbs_…',
  }),
}).openapi('ScimClientCreated');

const suppliedToken = z.string().openapi({
  writeOnly: true,
  description:
    'Write-only. A token of your own (at least 32 random characters, such as openssl rand -base64 32) instead of a generated one; on PUT, omitted keeps the current token',
});

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
    token: suppliedToken.optional(),
  })
  .strict()
  .openapi('ScimClientCreate');

const ScimClientReplace = ScimClientCreate.openapi('ScimClientReplace');

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
  responses: {
    201: jsonContent(ScimClientCreated, 'Created; a generated token is in this answer only'),
    ...errorResponses,
    ...conflictResponse,
  },
});
const replace = createRoute({
  method: 'put',
  path: '/scim-clients/{id}',
  tags,
  summary: 'Replace a SCIM client’s name, scopes and user stores, and its token when one is supplied',
  security,
  request: { params: IdParam, ...jsonBody(ScimClientReplace) },
  responses: { 200: jsonContent(ScimClient, 'The SCIM client'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
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

  /** The user stores must exist; a supplied token must be strong and not another client's. */
  const check = async (input: { userStores: string[] | null; token?: string | undefined }, id: string | null) => {
    for (const domain of input.userStores ?? []) {
      if (!(await findUserStoreByDomain(ctx.store.db, domain))) {
        throw invalidInput('user_store_not_found', `User store '${domain}' does not exist`, [
          { field: 'userStores', message: `unknown domain ${domain}` },
        ]);
      }
    }
    if (input.token === undefined) return;
    const problem = suppliedSecretProblem(input.token);
    if (problem) throw invalidInput('weak_token', `The supplied token ${problem}`, [{ field: 'token', message: problem }]);
    const holder = await findScimClientByTokenHash(ctx.store.db, hashToken(input.token));
    if (holder && holder.id !== id)
      throw conflict('token_in_use', 'Another SCIM client has this token', [{ field: 'token', message: 'in use' }]);
  };

  router.openapi(create, async (c) => {
    const input = c.req.valid('json');
    await check(input, null);
    const token = input.token ?? generateToken('jbs_');
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
        details: { name: created.name, scopes: created.scopes, userStores: created.userStores, tokenSupplied: input.token !== undefined },
      });
      return created;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/scim-clients/${row.id}`);
    // A supplied token is never echoed: the caller has it, and answers end up in logs.
    return c.json({ ...present(row), ...(input.token === undefined ? { token } : {}) }, 201);
  });

  router.openapi(replace, async (c) => {
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    const current = await findScimClientById(ctx.store.db, id);
    if (!current) throw notFound('scim_client_not_found', `SCIM client ${id} does not exist`);
    await check(input, id);
    const row = await ctx.store.transaction(async (tx) => {
      const updated = await updateScimClient(tx, id, {
        name: input.name,
        scopes: [...new Set(input.scopes)],
        userStores: input.userStores,
        ...(input.token !== undefined ? { tokenHash: hashToken(input.token) } : {}),
      });
      if (!updated) throw notFound('scim_client_not_found', `SCIM client ${id} does not exist`);
      await recordAudit(tx, {
        actorType: 'admin',
        actorId: c.get('actor').id,
        action: 'scim_client.update',
        targetType: 'scim_client',
        targetId: id,
        outcome: 'success',
        details: { name: updated.name, scopes: updated.scopes, userStores: updated.userStores, tokenChanged: input.token !== undefined },
      });
      return updated;
    });
    // Its cached principal carries the old scopes and stores (and maybe the old token).
    invalidateCache(ctx.store.db, 'scim-tokens', current.tokenHash);
    return c.json(present(row), 200);
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
    invalidateCache(ctx.store.db, 'scim-tokens', removed.tokenHash);
    return c.body(null, 204);
  });

  return router;
}
