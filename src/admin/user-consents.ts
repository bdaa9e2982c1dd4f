// /api/v1/users/{id}/consents: a user's JIT consent receipts, and their revocation (which removes the
// optional attributes the receipt covered from the user; mandatory ones stay).
import { createRoute, z } from '@hono/zod-openapi';
import type { ConsentReceipt } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { revokeConsentReceipt } from '../provisioning/index.js';
import { listConsentReceipts, getUserById } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { conflictResponse, errorResponses, jsonContent, notFoundResponse, security } from './schemas.js';

const ReceiptSchema = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    purposeId: z.uuid(),
    purpose: z
      .object({
        purpose: z.string(),
        description: z.string(),
        piiCategories: z.array(z.object({ claim: z.string(), mandatory: z.boolean() })),
      })
      .openapi({ description: 'The purpose as the person saw it when consenting' }),
    consented: z.array(z.string()).openapi({ description: 'SCIM attribute paths agreed to' }),
    declined: z.array(z.string()).openapi({ description: 'SCIM attribute paths declined (not stored)' }),
    idpId: z.uuid().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ConsentReceipt');

const ReceiptList = z.object({ items: z.array(ReceiptSchema) }).openapi('ConsentReceiptList');

const Revocation = z
  .object({
    receipt: ReceiptSchema,
    removed: z.array(z.string()).openapi({ description: 'Optional attributes removed from the user' }),
    keptMandatory: z.array(z.string()).openapi({ description: 'Mandatory attributes of the purpose, which stay on the user' }),
  })
  .openapi('ConsentRevocation');

const UserParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const ReceiptParams = UserParam.extend({ receiptId: z.uuid().openapi({ param: { name: 'receiptId', in: 'path' } }) });

const present = (r: ConsentReceipt) => ({
  id: r.id,
  userId: r.userId,
  purposeId: r.purposeId,
  purpose: r.purposeSnapshot,
  consented: r.consented,
  declined: r.declined,
  idpId: r.idpId,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt ? r.revokedAt.toISOString() : null,
});

const tags = ['Consent purposes'];
const list = createRoute({
  method: 'get',
  path: '/users/{id}/consents',
  tags,
  summary: "List a user's consent receipts (revoked ones included), newest first",
  security,
  request: { params: UserParam },
  responses: { 200: jsonContent(ReceiptList, 'The receipts'), ...errorResponses, ...notFoundResponse },
});

const revokeDescription =
  'Revokes the receipt and removes from the user the optional attributes it consented to, unless another active receipt ' +
  'also consents to them. Mandatory attributes stay (the account cannot exist without them; delete the user to remove them). ' +
  'Writes an audit event and, when the user changed, an outbox event.';

const revoke = createRoute({
  method: 'delete',
  path: '/users/{id}/consents/{receiptId}',
  tags,
  summary: 'Revoke a consent receipt',
  description: revokeDescription,
  security,
  request: { params: ReceiptParams },
  responses: { 200: jsonContent(Revocation, 'Revoked'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
});

const revokePost = createRoute({
  method: 'post',
  path: '/users/{id}/consents/{receiptId}/revoke',
  tags,
  summary: 'Revoke a consent receipt (same as DELETE, for clients that cannot send DELETE)',
  description: revokeDescription,
  security,
  request: { params: ReceiptParams },
  responses: { 200: jsonContent(Revocation, 'Revoked'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
});

export function userConsentRoutes(ctx: AppContext) {
  const router = createAdminRouter();

  router.openapi(list, async (c) => {
    const { id } = c.req.valid('param');
    await getUserById(ctx.store.db, id);
    return c.json({ items: (await listConsentReceipts(ctx.store.db, id)).map(present) }, 200);
  });

  const handleRevoke = async (userId: string, receiptId: string, actor: { type: 'admin'; id: string | null }) => {
    const result = await revokeConsentReceipt(ctx.store, { userId, receiptId, actor });
    return { receipt: present(result.receipt), removed: result.removed, keptMandatory: result.keptMandatory };
  };
  router.openapi(revoke, async (c) => {
    const { id, receiptId } = c.req.valid('param');
    return c.json(await handleRevoke(id, receiptId, { type: 'admin', id: c.get('actor').id }), 200);
  });
  router.openapi(revokePost, async (c) => {
    const { id, receiptId } = c.req.valid('param');
    return c.json(await handleRevoke(id, receiptId, { type: 'admin', id: c.get('actor').id }), 200);
  });

  return router;
}
