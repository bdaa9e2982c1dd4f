// /api/v1/users/{id}/federated-identities and /api/v1/federated-identities/{id}: the links between upstream
// identities (IdP + subject) and local users; an admin locks a link to refuse logins through it.
import { createRoute, z } from '@hono/zod-openapi';
import { notFound, applyMergePatch } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { recordAudit, findLinkById, listLinksOfUser, setLinkLocked, type FederatedIdentityRow, findUserById } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';

export const FederatedIdentitySchema = z
  .object({
    id: z.uuid(),
    idpId: z.uuid(),
    subject: z.string().openapi({ description: 'The upstream subject (OIDC sub or SAML NameID)' }),
    userId: z.uuid(),
    locked: z.boolean().openapi({ description: 'A locked link refuses every login through it' }),
    lastLoginAt: z.string().nullable(),
    lastClaims: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'The mapped claims of the last login, by SCIM path' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('FederatedIdentity');

const FederatedIdentityList = z.object({ items: z.array(FederatedIdentitySchema) }).openapi('FederatedIdentityList');
const FederatedIdentityPatch = z.object({ locked: z.boolean() }).partial().strict().openapi('FederatedIdentityPatch');

export const presentLink = (link: FederatedIdentityRow) => ({
  id: link.id,
  idpId: link.idpId,
  subject: link.subject,
  userId: link.userId,
  locked: link.locked,
  lastLoginAt: link.lastLoginAt ? link.lastLoginAt.toISOString() : null,
  lastClaims: (link.lastClaims as Record<string, unknown> | null) ?? null,
  createdAt: link.createdAt.toISOString(),
  updatedAt: link.updatedAt.toISOString(),
});

const tags = ['Federated identities'];
const listOfUser = createRoute({
  method: 'get',
  path: '/users/{id}/federated-identities',
  tags,
  summary: "List a user's federated identities (links to upstream IdPs)",
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(FederatedIdentityList, 'The links'), ...errorResponses, ...notFoundResponse },
});
const read = createRoute({
  method: 'get',
  path: '/federated-identities/{id}',
  tags,
  summary: 'Read a federated identity',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(FederatedIdentitySchema, 'The link'), ...errorResponses, ...notFoundResponse },
});
const patch = createRoute({
  method: 'patch',
  path: '/federated-identities/{id}',
  tags,
  summary: 'Lock or unlock a federated identity (JSON merge patch)',
  security,
  request: { params: IdParam, ...mergePatchBody(FederatedIdentityPatch) },
  responses: { 200: jsonContent(FederatedIdentitySchema, 'The link'), ...errorResponses, ...notFoundResponse },
});

export function federatedIdentityRoutes(ctx: AppContext) {
  const router = createAdminRouter();

  router.openapi(listOfUser, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await findUserById(ctx.store.db, id))) throw notFound('user_not_found', `user ${id} does not exist`);
    return c.json({ items: (await listLinksOfUser(ctx.store.db, id)).map(presentLink) }, 200);
  });

  router.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const link = await findLinkById(ctx.store.db, id);
    if (!link) throw notFound('federated_identity_not_found', `federated identity ${id} does not exist`);
    return c.json(presentLink(link), 200);
  });

  router.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const updated = await ctx.store.transaction(async (tx) => {
      const current = await findLinkById(tx, id);
      if (!current) throw notFound('federated_identity_not_found', `federated identity ${id} does not exist`);
      const merged = applyMergePatch({ locked: current.locked }, body) as { locked?: boolean };
      const locked = merged.locked ?? false;
      if (locked === current.locked) return current;
      const row = (await setLinkLocked(tx, id, locked))!;
      await recordAudit(tx, {
        actorType: 'admin',
        actorId: c.get('actor').id,
        action: locked ? 'federated_identity.lock' : 'federated_identity.unlock',
        targetType: 'federated_identity',
        targetId: id,
        outcome: 'success',
        details: { idpId: row.idpId, userId: row.userId },
      });
      return row;
    });
    return c.json(presentLink(updated), 200);
  });

  return router;
}
