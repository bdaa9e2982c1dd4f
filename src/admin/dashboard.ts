// GET /api/v1/dashboard: provisioning decisions, refusals and outbound lag per hour of a recent window, for the
// console's dashboard. Read-only figures that the audit log and the delivery lists hold one by one.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/index.js';
import { readDashboard } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonContent, security } from './schemas.js';

const Query = z.object({
  hours: z.coerce.number().int().min(1).max(168).default(24).openapi({ description: 'How many hours back (at most a week)' }),
});

const DashboardSchema = z
  .object({
    since: z.string(),
    hours: z.array(
      z.object({
        at: z.string().openapi({ description: 'The hour (UTC) these figures count' }),
        decisions: z
          .record(z.string(), z.number().int())
          .openapi({ description: 'Successful JIT audit actions by name (jit.user.create, jit.user.link, …)' }),
        refusals: z.number().int().openapi({ description: 'JIT logins refused' }),
        deliveries: z.object({
          delivered: z.number().int(),
          failed: z.number().int(),
          pending: z.number().int(),
          skipped: z.number().int(),
        }),
        maxLagSeconds: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'Longest event-to-delivery time of the hour (pending ones: until now)' }),
      }),
    ),
    now: z.object({
      pending: z.number().int(),
      deadLetters: z.number().int(),
      oldestPendingAt: z.string().nullable(),
      lagSeconds: z.number().int().openapi({ description: 'Age of the oldest pending delivery (0 when none)' }),
    }),
  })
  .openapi('Dashboard');

const read = createRoute({
  method: 'get',
  path: '/dashboard',
  tags: ['Audit'],
  summary: 'Provisioning decisions, refusals and outbound lag per hour',
  security,
  request: { query: Query },
  responses: { 200: jsonContent(DashboardSchema, 'Figures per hour, oldest first'), ...errorResponses },
});

export function dashboardRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(read, async (c) => {
    const { hours } = c.req.valid('query');
    const now = Date.now();
    const figures = await readDashboard(ctx.store.db, new Date(now - hours * 3_600_000));
    const oldest = figures.now.oldestPendingAt;
    return c.json(
      {
        since: figures.since.toISOString(),
        hours: figures.hours.map((h) => ({ ...h, at: h.at.toISOString() })),
        now: {
          pending: figures.now.pending,
          deadLetters: figures.now.deadLetters,
          oldestPendingAt: oldest?.toISOString() ?? null,
          lagSeconds: oldest ? Math.max(0, Math.round((now - oldest.getTime()) / 1000)) : 0,
        },
      },
      200,
    );
  });
  return router;
}
