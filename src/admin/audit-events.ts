// /api/v1/audit-events: what provisioning and admins did, and why; newest first, keyset-paged.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/index.js';
import { listAudit } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonContent, security } from './schemas.js';

const AuditEvent = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string().openapi({ example: 'jit.user.create' }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'refused']),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEvent');

const AuditEventList = z
  .object({
    items: z.array(AuditEvent),
    nextBefore: z.number().int().nullable().openapi({ description: 'Pass as `before` for the next (older) page; null at the end' }),
  })
  .openapi('AuditEventList');

const Query = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().min(1).optional(),
    action: z.string().max(200).optional(),
    targetType: z.string().max(100).optional(),
    targetId: z.string().max(200).optional(),
  })
  .strict();

const list = createRoute({
  method: 'get',
  path: '/audit-events',
  tags: ['Audit'],
  summary: 'List audit events, newest first',
  security,
  request: { query: Query },
  responses: { 200: jsonContent(AuditEventList, 'A page of audit events'), ...errorResponses },
});

export function auditEventRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const items = await listAudit(ctx.store.db, query);
    return c.json(
      {
        items: items.map((e) => ({
          ...e,
          at: e.at.toISOString(),
          outcome: e.outcome as 'success' | 'failure' | 'refused',
          details: (e.details as Record<string, unknown> | null) ?? null,
        })),
        nextBefore: items.length === query.limit ? (items.at(-1)?.id ?? null) : null,
      },
      200,
    );
  });
  return router;
}
