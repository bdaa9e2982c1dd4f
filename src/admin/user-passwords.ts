// /api/v1/users/{id}/password: an admin sets or removes a user's local password (the LOCAL sign-in
// method). Write-only: no route ever returns a password or its hash.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/index.js';
import { setLocalPassword } from '../accounts/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonBody, notFoundResponse, security } from './schemas.js';

const PasswordBody = z
  .object({
    password: z
      .string()
      .min(1)
      .max(1024)
      .openapi({ description: 'At least 10 characters, not the username nor containing it, not a common password' }),
    confirmation: z.string().max(1024).optional().openapi({ description: 'If given, must equal password' }),
  })
  .strict()
  .openapi('PasswordSet');

const UserParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const tags = ['Users'];

const put = createRoute({
  method: 'put',
  path: '/users/{id}/password',
  tags,
  summary: "Set a user's local password",
  description:
    'Checked against the password policy (400 `weak_password` naming each problem), stored as a scrypt hash. Lifts a sign-in block on the account.',
  security,
  request: { params: UserParam, ...jsonBody(PasswordBody) },
  responses: { 204: { description: 'Set' }, ...errorResponses, ...notFoundResponse },
});

const remove = createRoute({
  method: 'delete',
  path: '/users/{id}/password',
  tags,
  summary: "Remove a user's local password (the user can no longer sign in with LOCAL)",
  security,
  request: { params: UserParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses, ...notFoundResponse },
});

export function userPasswordRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(put, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await setLocalPassword(ctx.store, {
      userId: id,
      password: body.password,
      ...(body.confirmation !== undefined ? { confirmation: body.confirmation } : {}),
      actor: c.get('actor'),
    });
    return c.body(null, 204);
  });
  router.openapi(remove, async (c) => {
    await setLocalPassword(ctx.store, { userId: c.req.valid('param').id, password: null, actor: c.get('actor') });
    return c.body(null, 204);
  });
  return router;
}
