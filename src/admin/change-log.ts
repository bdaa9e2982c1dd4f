// One log line per admin change: every write (POST, PUT, PATCH, DELETE) the admin API accepted, with who made it,
// the route pattern, the status and the request id (which also keys the access log line and the trace).
// The body is never logged; what changed is in the audit events (GET /api/v1/audit-events).
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../http/index.js';
import type { Logger } from '../observability/index.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `logger` is read per request: the admin API is also built without a context (the OpenAPI document). */
export function adminChangeLog(logger: () => Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (!WRITES.has(c.req.method) || c.res.status >= 400) return;
    const actor = c.get('actor');
    logger().info(
      {
        requestId: c.get('requestId'),
        actor: actor ? `${actor.type}:${actor.id ?? ''}` : null,
        method: c.req.method,
        route: routePath(c, -1),
        status: c.res.status,
      },
      'admin change',
    );
  };
}
