// /api/v1/users/{id}/mfa: an admin sees a user's second factors and resets TOTP (a lost phone and lost
// recovery codes). Never returns a secret or a recovery code.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/index.js';
import { removeTotp, totpStatus } from '../accounts/index.js';
import { getUserById } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonContent, notFoundResponse, security } from './schemas.js';

const MfaStatus = z
  .object({
    totp: z.object({
      enrolled: z.boolean(),
      confirmedAt: z.string().nullable(),
      pending: z.boolean().openapi({ description: 'An enrolment was started and not yet confirmed with a first code' }),
      recoveryCodesLeft: z.number().int(),
    }),
  })
  .openapi('UserMfa');

const tags = ['Users'];

const read = createRoute({
  method: 'get',
  path: '/users/{id}/mfa',
  tags,
  summary: "A user's second factors (TOTP enrolment, recovery codes left)",
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(MfaStatus, 'The second factors'), ...errorResponses, ...notFoundResponse },
});

const resetTotp = createRoute({
  method: 'delete',
  path: '/users/{id}/mfa/totp',
  tags,
  summary: "Reset a user's TOTP: the authenticator and its recovery codes are removed; the user enrols again at the next sign-in",
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses, ...notFoundResponse },
});

export function userMfaRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    await getUserById(ctx.store.db, id);
    const status = await totpStatus(ctx.store, id);
    return c.json({ totp: { ...status, confirmedAt: status.confirmedAt?.toISOString() ?? null } }, 200);
  });
  router.openapi(resetTotp, async (c) => {
    const { id } = c.req.valid('param');
    await getUserById(ctx.store.db, id);
    const actor = c.get('actor');
    await removeTotp(ctx.store, id, { type: 'admin', id: actor.id });
    return c.body(null, 204);
  });
  return router;
}
