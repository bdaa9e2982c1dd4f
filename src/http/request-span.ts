// A server span around each request when tracing is on (app.ts adds this only with OTEL_EXPORTER_OTLP_ENDPOINT).
// The statements, fetch calls and deliveries the request causes are its children (the SDK's async-context manager
// carries the active span through awaits); the span carries the request id, the access log's key, so a log line
// leads to its trace. Named by the route pattern, never the raw path (ids, codes).
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './app-context.js';

export function requestSpan(): MiddlewareHandler<AppEnv> {
  const tracer = trace.getTracer('jitbridge');
  return async (c, next) => {
    // A caller's W3C traceparent makes this request part of the caller's trace.
    const parent = propagation.extract(context.active(), c.req.raw.headers, {
      get: (headers, key) => headers.get(key) ?? undefined,
      keys: (headers) => {
        const names: string[] = [];
        headers.forEach((_value, name) => names.push(name));
        return names;
      },
    });
    await tracer.startActiveSpan(
      `${c.req.method}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method, 'jitbridge.request_id': c.get('requestId') } },
      parent,
      async (span) => {
        try {
          await next();
        } finally {
          const route = routePath(c, -1) || 'unmatched';
          span.updateName(`${c.req.method} ${route}`);
          span.setAttribute('http.route', route);
          span.setAttribute('http.response.status_code', c.res.status);
          if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    );
  };
}
