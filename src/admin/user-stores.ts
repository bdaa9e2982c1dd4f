// /api/v1/user-stores: user store domains and their username / role name policies.
import { createRoute, z } from '@hono/zod-openapi';
import {
  AppError,
  conflict,
  invalidInput,
  notFound,
  applyMergePatch,
  compilePolicyRegex,
  DOMAIN_PATTERN,
  PRIMARY_DOMAIN,
  type UserStore,
} from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import {
  recordAudit,
  countUserStoreContents,
  deleteUserStore,
  findUserStoreReferences,
  findUserStoreById,
  insertUserStore,
  listUserStores,
  updateUserStore,
} from '../store/index.js';
import { createAdminRouter } from './router.js';
import { conflictResponse, errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';

const regexField = (what: string) =>
  z
    .string()
    .max(1000)
    .nullable()
    .openapi({
      description: `Regular expression (ECMAScript, whole-string match) every ${what} in this store must match; null = no policy`,
    });

const UserStoreSchema = z
  .object({
    id: z.uuid(),
    domain: z.string().openapi({ example: 'EMPLOYEES' }),
    description: z.string(),
    usernameRegex: z.string().nullable(),
    rolenameRegex: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('UserStore');

const UserStoreCreate = z
  .object({
    domain: z
      .string()
      .transform((d) => d.toUpperCase())
      .pipe(z.string().regex(DOMAIN_PATTERN, 'letters, digits, _ . - (up to 64), starting with a letter or digit'))
      .openapi({ example: 'EMPLOYEES', description: 'Upper-cased; usernames in this store are written DOMAIN/name' }),
    description: z.string().max(500).default(''),
    usernameRegex: regexField('username').default(null),
    rolenameRegex: regexField('role name').default(null),
  })
  .strict()
  .openapi('UserStoreCreate');

const UserStoreReplace = z
  .object({
    domain: z.string().optional().openapi({ description: 'If given, must equal the current domain (domains cannot be renamed)' }),
    description: z.string().max(500).default(''),
    usernameRegex: regexField('username').default(null),
    rolenameRegex: regexField('role name').default(null),
  })
  .strict()
  .openapi('UserStoreReplace');

const UserStorePatch = z
  .object({ description: z.string().max(500).nullable(), usernameRegex: regexField('username'), rolenameRegex: regexField('role name') })
  .partial()
  .strict()
  .openapi('UserStorePatch');

const UserStoreList = z.object({ items: z.array(UserStoreSchema) }).openapi('UserStoreList');

const present = (store: UserStore) => ({
  ...store,
  createdAt: store.createdAt.toISOString(),
  updatedAt: store.updatedAt.toISOString(),
});

function checkRegexes(input: { usernameRegex?: string | null; rolenameRegex?: string | null }) {
  if (input.usernameRegex) compilePolicyRegex(input.usernameRegex, 'usernameRegex');
  if (input.rolenameRegex) compilePolicyRegex(input.rolenameRegex, 'rolenameRegex');
}

const tags = ['User stores'];
const list = createRoute({
  method: 'get',
  path: '/user-stores',
  tags,
  summary: 'List user stores',
  security,
  responses: { 200: jsonContent(UserStoreList, 'All user stores'), ...errorResponses },
});
const create = createRoute({
  method: 'post',
  path: '/user-stores',
  tags,
  summary: 'Create a user store',
  security,
  request: jsonBody(UserStoreCreate),
  responses: { 201: jsonContent(UserStoreSchema, 'Created'), ...errorResponses, ...conflictResponse },
});
const read = createRoute({
  method: 'get',
  path: '/user-stores/{id}',
  tags,
  summary: 'Read a user store',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(UserStoreSchema, 'The user store'), ...errorResponses, ...notFoundResponse },
});
const replace = createRoute({
  method: 'put',
  path: '/user-stores/{id}',
  tags,
  summary: 'Replace a user store’s settings',
  security,
  request: { params: IdParam, ...jsonBody(UserStoreReplace) },
  responses: { 200: jsonContent(UserStoreSchema, 'The user store'), ...errorResponses, ...notFoundResponse },
});
const patch = createRoute({
  method: 'patch',
  path: '/user-stores/{id}',
  tags,
  summary: 'Change a user store (JSON merge patch)',
  security,
  request: { params: IdParam, ...mergePatchBody(UserStorePatch) },
  responses: { 200: jsonContent(UserStoreSchema, 'The user store'), ...errorResponses, ...notFoundResponse },
});
const remove = createRoute({
  method: 'delete',
  path: '/user-stores/{id}',
  tags,
  summary: 'Delete an empty user store that no IdP, SCIM client or connector names (never PRIMARY)',
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
});

export function userStoreRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  const audit = (
    tx: Parameters<typeof recordAudit>[0],
    actorId: string | null,
    action: string,
    target: UserStore,
    details?: Record<string, unknown>,
  ) =>
    recordAudit(tx, {
      actorType: 'admin',
      actorId,
      action,
      targetType: 'user_store',
      targetId: target.id,
      outcome: 'success',
      details: { domain: target.domain, ...details },
    });

  const load = async (id: string) => {
    const found = await findUserStoreById(ctx.store.db, id);
    if (!found) throw notFound('user_store_not_found', `user store ${id} does not exist`);
    return found;
  };

  router.openapi(list, async (c) => c.json({ items: (await listUserStores(ctx.store.db)).map(present) }, 200));

  router.openapi(create, async (c) => {
    const input = c.req.valid('json');
    checkRegexes(input);
    const created = await ctx.store.transaction(async (tx) => {
      const row = await insertUserStore(tx, input);
      await audit(tx, c.get('actor').id, 'user_store.create', row);
      return row;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/user-stores/${created.id}`);
    return c.json(present(created), 201);
  });

  router.openapi(read, async (c) => c.json(present(await load(c.req.valid('param').id)), 200));

  router.openapi(replace, async (c) => {
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    const current = await load(id);
    if (input.domain !== undefined && input.domain.toUpperCase() !== current.domain) {
      throw invalidInput('domain_immutable', 'A user store domain cannot be renamed', [{ field: 'domain', message: 'cannot change' }]);
    }
    checkRegexes(input);
    const { domain: _ignored, ...changes } = input;
    const updated = await ctx.store.transaction(async (tx) => {
      const row = await updateUserStore(tx, id, changes);
      await audit(tx, c.get('actor').id, 'user_store.update', row, { changes });
      return row;
    });
    return c.json(present(updated), 200);
  });

  router.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const current = await load(id);
    const merged = applyMergePatch(
      { description: current.description, usernameRegex: current.usernameRegex, rolenameRegex: current.rolenameRegex },
      body,
    ) as { description?: string; usernameRegex?: string; rolenameRegex?: string };
    const changes = {
      description: merged.description ?? '',
      usernameRegex: merged.usernameRegex ?? null,
      rolenameRegex: merged.rolenameRegex ?? null,
    };
    checkRegexes(changes);
    const updated = await ctx.store.transaction(async (tx) => {
      const row = await updateUserStore(tx, id, changes);
      await audit(tx, c.get('actor').id, 'user_store.update', row, { patch: body });
      return row;
    });
    return c.json(present(updated), 200);
  });

  router.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const current = await load(id);
    if (current.domain === PRIMARY_DOMAIN) throw conflict('primary_user_store', 'The PRIMARY user store cannot be deleted');
    await ctx.store.transaction(async (tx) => {
      const contents = await countUserStoreContents(tx, id);
      if (contents.users > 0 || contents.groups > 0) {
        throw new AppError(
          'conflict',
          'user_store_not_empty',
          `User store ${current.domain} still holds ${contents.users} users and ${contents.groups} groups`,
        );
      }
      const references = await findUserStoreReferences(tx, current.domain);
      if (references.length > 0) {
        throw new AppError(
          'conflict',
          'user_store_in_use',
          `User store ${current.domain} is still named by ${references.map((r) => `${r.kind} '${r.name}'`).join(', ')}: change or delete them first`,
        );
      }
      if (!(await deleteUserStore(tx, id))) throw notFound('user_store_not_found', `user store ${id} does not exist`);
      await audit(tx, c.get('actor').id, 'user_store.delete', current);
    });
    return c.body(null, 204);
  });

  return router;
}
