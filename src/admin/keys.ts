// /api/v1/keys: the OpenID Provider's signing and cookie keys. Rotation makes a new key current at once;
// a rotated-out signing key stays published at the JWKS endpoint until every token it signed has expired,
// a rotated-out cookie key keeps verifying cookies for a session's lifetime.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/index.js';
import { providerHolderFor, rotateOidcCookieKeys, rotateOidcSigningKeys, listOidcKeys } from '../oidc/index.js';
import { recordAudit } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonContent, security } from './schemas.js';

const KeySchema = z
  .object({
    kid: z.string(),
    purpose: z.enum(['signing', 'cookie']),
    algorithm: z.string().openapi({ example: 'RS256' }),
    status: z.enum(['active', 'retired']),
    createdAt: z.string(),
    publishUntil: z.string().nullable().openapi({ description: 'A retired key is kept (published, or verifying cookies) until then' }),
  })
  .openapi('Key');
const KeyList = z.object({ items: z.array(KeySchema) }).openapi('KeyList');

const tags = ['Keys'];
const list = createRoute({
  method: 'get',
  path: '/keys',
  tags,
  summary: 'List signing and cookie keys (never their private parts)',
  security,
  responses: { 200: jsonContent(KeyList, 'Live keys'), ...errorResponses },
});
const rotate = (which: 'signing' | 'cookie', summary: string) =>
  createRoute({
    method: 'post',
    path: `/keys/${which}/rotate`,
    tags,
    summary,
    security,
    responses: { 200: jsonContent(KeyList, 'Live keys after the rotation'), ...errorResponses },
  });
const rotateSigning = rotate(
  'signing',
  'Rotate the token signing keys (RS256 and ES256); the old ones stay published until their tokens expire',
);
const rotateCookie = rotate('cookie', 'Rotate the cookie signing key; the old one still verifies existing cookies');

export function keyRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(list, async (c) => c.json({ items: await listOidcKeys(ctx) }, 200));
  for (const [route, which] of [
    [rotateSigning, 'signing'],
    [rotateCookie, 'cookie'],
  ] as const) {
    router.openapi(route, async (c) => {
      await (which === 'signing' ? rotateOidcSigningKeys(ctx) : rotateOidcCookieKeys(ctx));
      await recordAudit(ctx.store.db, {
        actorType: 'admin',
        actorId: c.get('actor').id,
        action: `keys.${which}.rotate`,
        targetType: 'key',
        outcome: 'success',
      });
      providerHolderFor(ctx).invalidate();
      return c.json({ items: await listOidcKeys(ctx) }, 200);
    });
  }
  return router;
}
