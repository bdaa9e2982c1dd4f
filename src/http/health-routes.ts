// Liveness, readiness and Prometheus metrics. On the public port unless MANAGEMENT_PORT is set: then /metrics moves
// to that port alone (runtime.ts serves these routes there) and the public port keeps only the health checks.
import { Hono } from 'hono';
import type { AppContext, AppEnv } from './app-context.js';

export function healthRoutes(ctx: AppContext, options: { metrics: boolean }) {
  const routes = new Hono<AppEnv>();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', async (c) => {
    const database = await ctx.store.ping();
    return c.json(
      { status: database ? 'ready' : 'unavailable', checks: { database: database ? 'ok' : 'unreachable' } },
      database ? 200 : 503,
    );
  });
  if (options.metrics) {
    routes.get('/metrics', async (c) =>
      c.body(await ctx.metrics.registry.metrics(), 200, { 'content-type': ctx.metrics.registry.contentType }),
    );
  }
  return routes;
}
