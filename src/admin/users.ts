// /api/v1/users/{id}: a user as the admin sees it — the SCIM resource, who wrote each attribute last and when
// (provenance: an IdP by JIT sync, a SCIM client, an admin, the person), and the user's federated identities.
import { createRoute, z } from '@hono/zod-openapi';
import { notFound } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { listLinksOfUser, findUserStoreById, findUserById } from '../store/index.js';
import { FederatedIdentitySchema, presentLink } from './federated-identities.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonContent, notFoundResponse, security } from './schemas.js';

const ProvenanceEntrySchema = z
  .object({
    source: z.enum(['idp', 'scim', 'admin', 'user', 'system']),
    sourceId: z.string().nullable().openapi({ description: 'The IdP id, SCIM client id, admin, ...' }),
    at: z.string(),
    emailVerified: z
      .boolean()
      .optional()
      .openapi({ description: 'On an IdP-written email path: whether the IdP vouched for the address (email_verified or trustEmail)' }),
  })
  .openapi('ProvenanceEntry');

const AdminUserSchema = z
  .object({
    id: z.uuid(),
    userName: z.string().openapi({ description: 'With its user store domain prefix (none for PRIMARY)', example: 'EMPLOYEES/alice' }),
    userStore: z.object({ id: z.uuid(), domain: z.string() }),
    active: z.boolean(),
    locked: z.boolean(),
    lockedReason: z.string().nullable(),
    jitIdpId: z.uuid().nullable().openapi({ description: 'The identity provider that JIT-provisioned this user, if any' }),
    version: z.number().int(),
    resource: z.record(z.string(), z.unknown()).openapi({ description: 'The SCIM 2.0 User (core and enterprise extension)' }),
    provenance: z.record(z.string(), ProvenanceEntrySchema).openapi({ description: 'Per attribute path: who wrote it last, and when' }),
    federatedIdentities: z.array(FederatedIdentitySchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AdminUser');

const read = createRoute({
  method: 'get',
  path: '/users/{id}',
  tags: ['Users'],
  summary: 'Read a user with per-attribute provenance and federated identities',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(AdminUserSchema, 'The user'), ...errorResponses, ...notFoundResponse },
});

export function userRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const user = await findUserById(ctx.store.db, id);
    if (!user) throw notFound('user_not_found', `user ${id} does not exist`);
    const [store, links] = await Promise.all([findUserStoreById(ctx.store.db, user.userStoreId), listLinksOfUser(ctx.store.db, id)]);
    const resource = user.resource as Record<string, unknown>;
    return c.json(
      {
        id: user.id,
        userName: typeof resource.userName === 'string' ? resource.userName : user.userName,
        userStore: { id: user.userStoreId, domain: store?.domain ?? 'PRIMARY' },
        active: user.active,
        locked: user.locked,
        lockedReason: user.lockedReason,
        jitIdpId: user.jitIdpId,
        version: user.version,
        resource: { ...resource, id: user.id },
        provenance: (user.provenance ?? {}) as Record<string, z.infer<typeof ProvenanceEntrySchema>>,
        federatedIdentities: links.map(presentLink),
        createdAt: user.createdAt.toISOString(),
        updatedAt: user.updatedAt.toISOString(),
      },
      200,
    );
  });
  return router;
}
