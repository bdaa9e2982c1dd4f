// App-wide middleware: a request id on every request and response, access logs and HTTP metrics.
// The access log is one line per request at info: method, route pattern, status, duration, request id and client
// address. Never the raw path or query string (they carry codes, states and interaction ids), nor any header or body.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger, Metrics } from '../observability/index.js';
import type { AppEnv } from './app-context.js';
import { resolveClientAddress, TrustedProxies } from './client-address.js';
import { isComplete } from './response-headers.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

export function requestContext(logger: Logger, metrics: Metrics, trustedProxies: readonly string[] = []): MiddlewareHandler<AppEnv> {
  const trusted = new TrustedProxies(trustedProxies);
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    const started = process.hrtime.bigint();
    await next();
    // The matched pattern (/scim/v2/Users/:id), not the raw path: keeps metric cardinality bounded.
    const route = routePath(c, -1) || 'unmatched';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = c.res.status;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    if (!isComplete(c.res) && !c.res.headers.has('x-request-id')) {
      try {
        c.res.headers.set('x-request-id', requestId);
      } catch {
        // Responses written straight to the Node socket (oidc-provider) have immutable headers.
      }
    }
    if (logger.isLevelEnabled('info')) {
      const client = resolveClientAddress(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trusted);
      logger.info({ requestId, method: c.req.method, route, status, ms: Math.round(seconds * 1000), client }, 'request');
    }
  };
}
