// /api/v1/saml-idp/keys: the SAML IdP's signing keys. Metadata publishes the current and the next key; rotation
// makes the next one current (SPs that read metadata already trust it), keeps the old one published for an
// overlap window, and makes a new next key.
import { createRoute, z } from '@hono/zod-openapi';
import { type AppContext } from '../http/index.js';
import { recordAudit } from '../store/index.js';
import { DEFAULT_KEEP_PREVIOUS_SECONDS, listSamlIdpKeys, rotateSamlIdpKeys } from '../saml-idp/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonBody, jsonContent, security } from './schemas.js';

const SamlKey = z
  .object({
    kid: z.string(),
    status: z.enum(['current', 'next', 'previous']),
    algorithm: z.literal('RSA-SHA256'),
    keyBits: z.number().nullable(),
    certificate: z.string().openapi({ description: 'The self-signed X.509 certificate (PEM) SPs trust' }),
    certificateInfo: z
      .object({ subject: z.string(), notBefore: z.string(), notAfter: z.string(), expired: z.boolean(), sha256Fingerprint: z.string() })
      .passthrough()
      .nullable(),
    createdAt: z.string(),
    publishUntil: z.string().nullable().openapi({ description: 'A previous key stays in metadata until then' }),
  })
  .openapi('SamlIdpKey');
const SamlKeyList = z.object({ items: z.array(SamlKey) }).openapi('SamlIdpKeyList');
const Rotate = z
  .object({
    keepPreviousSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 24 * 3600)
      .default(DEFAULT_KEEP_PREVIOUS_SECONDS)
      .openapi({ description: 'How long the rotated-out key stays published (default one day)' }),
    keyBits: z
      .union([z.literal(2048), z.literal(3072)])
      .default(2048)
      .openapi({ description: 'Size of the new next key' }),
  })
  .strict()
  .openapi('SamlIdpKeyRotation');

const tags = ['SAML IdP'];
const list = createRoute({
  method: 'get',
  path: '/saml-idp/keys',
  tags,
  summary: 'List the SAML IdP signing keys (current, next, previous) with their certificates',
  security,
  responses: { 200: jsonContent(SamlKeyList, 'Published keys'), ...errorResponses },
});
const rotate = createRoute({
  method: 'post',
  path: '/saml-idp/keys/rotate',
  tags,
  summary: 'Rotate: the next key becomes current, the current one stays published for the overlap window, a new next key is made',
  security,
  request: { body: { required: false, content: { 'application/json': { schema: Rotate } } } },
  responses: { 200: jsonContent(SamlKeyList, 'Published keys after the rotation'), ...errorResponses },
});

export function samlIdpKeyRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(list, async (c) => c.json({ items: await listSamlIdpKeys(ctx.store) }, 200));
  router.openapi(rotate, async (c) => {
    const body = Rotate.parse((await c.req.text()) ? c.req.valid('json') : {});
    await rotateSamlIdpKeys(ctx.store, { keepPreviousSeconds: body.keepPreviousSeconds, keyBits: body.keyBits });
    await recordAudit(ctx.store.db, {
      actorType: 'admin',
      actorId: c.get('actor').id,
      action: 'keys.saml.rotate',
      targetType: 'key',
      outcome: 'success',
      details: { keepPreviousSeconds: body.keepPreviousSeconds, keyBits: body.keyBits },
    });
    return c.json({ items: await listSamlIdpKeys(ctx.store) }, 200);
  });
  return router;
}
