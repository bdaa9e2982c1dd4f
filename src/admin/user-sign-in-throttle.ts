// /api/v1/users/{id}/sign-in-throttle: what the LOCAL sign-in throttle holds on a user's account (failures
// account-wide and from each client address, and the waits they caused), and an admin's unlock.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/index.js';
import { accountThrottle, unlockSignIn } from '../accounts/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonContent, notFoundResponse, security } from './schemas.js';

const Count = {
  failures: z.number().int().openapi({ description: 'Failed attempts counted since the counter last started again' }),
  lastFailureAt: z.string().openapi({ description: 'When the last attempt was counted' }),
  blockedUntil: z.string().nullable().openapi({ description: 'While in the future, sign-ins on this key wait (429 Retry-After)' }),
};

const SignInThrottle = z
  .object({
    waiting: z.boolean().openapi({ description: 'Whether a sign-in on this account waits now, from some address or from all' }),
    account: z
      .object(Count)
      .nullable()
      .openapi({ description: 'Failures on the account from every address (the ceiling that slows distributed guessing)' }),
    addresses: z
      .array(z.object({ address: z.string().openapi({ description: 'IPv4 address, or IPv6 /64' }), ...Count }))
      .openapi({ description: 'Failures on the account from each client address' }),
  })
  .openapi('SignInThrottle');

const UserParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const tags = ['Users'];

const read = createRoute({
  method: 'get',
  path: '/users/{id}/sign-in-throttle',
  tags,
  summary: "A user's LOCAL sign-in throttle",
  description: 'Failed sign-ins counted on the account, account-wide and per client address, and the waits they caused.',
  security,
  request: { params: UserParam },
  responses: { 200: jsonContent(SignInThrottle, 'The throttle state'), ...errorResponses, ...notFoundResponse },
});

const clear = createRoute({
  method: 'delete',
  path: '/users/{id}/sign-in-throttle',
  tags,
  summary: "Unlock a user's LOCAL sign-in",
  description:
    "Forgets the account's failed sign-ins, account-wide and from every address, so no wait holds it back (audited as " +
    '`user.sign_in_throttle_clear`). An address that guessed at many accounts keeps its own count.',
  security,
  request: { params: UserParam },
  responses: { 204: { description: 'Unlocked' }, ...errorResponses, ...notFoundResponse },
});

export function userSignInThrottleRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(read, async (c) => c.json(await accountThrottle(ctx.store.db, c.req.valid('param').id), 200));
  router.openapi(clear, async (c) => {
    await unlockSignIn(ctx.store, c.req.valid('param').id, c.get('actor'));
    return c.body(null, 204);
  });
  return router;
}
