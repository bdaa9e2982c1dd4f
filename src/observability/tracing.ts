// OpenTelemetry traces, only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the SDK and the exporter are imported here,
// dynamically, so a server without the setting never loads them. Spans come from jitbridge's own code through
// @opentelemetry/api (a no-op until a provider is registered): one per HTTP request (http/request-span.ts), one per
// database statement (store/statement-spans.ts), one per outbound SCIM delivery, and one per HTTP call this process
// makes with fetch (upstream discovery, token, userinfo, JWKS, SAML metadata, outbound SCIM), from Node's own
// fetch diagnostics channels below. A request's spans share its trace; the request span carries its request id.
import diagnostics from 'node:diagnostics_channel';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Logger } from './logger.js';

export interface Tracing {
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = 'jitbridge';

export async function startTracing(options: { endpoint: string; logger: Logger; serviceName?: string }): Promise<Tracing> {
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // The specification's rule for the signal-agnostic variable: traces go to <endpoint>/v1/traces.
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'jitbridge' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  const unsubscribe = traceFetchCalls();
  options.logger.info({ url }, 'tracing: sending spans over OTLP/HTTP');
  return {
    shutdown: async () => {
      unsubscribe();
      await provider.shutdown().catch((error: unknown) => options.logger.warn({ err: error }, 'tracing: last spans not sent'));
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

interface UndiciRequest {
  origin: string;
  method: string;
  path: string;
  addHeader(name: string, value: string): void;
}

/** A client span for each fetch (undici) request, child of whatever span is active where fetch was called. */
function traceFetchCalls(): () => void {
  const tracer = trace.getTracer(TRACER_NAME);
  const spans = new WeakMap<object, Span>();
  const subscriptions: [string, (message: unknown) => void][] = [
    [
      'undici:request:create',
      (message) => {
        const request = (message as { request: UndiciRequest }).request;
        // The path without its query string: a query may carry codes or tokens.
        const url = `${request.origin}${request.path.split('?')[0]}`;
        const span = tracer.startSpan(`${request.method} ${new URL(request.origin).host}`, {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': request.method, 'url.full': url, 'server.address': new URL(request.origin).hostname },
        });
        spans.set(request, span);
        // W3C traceparent, so that a traced upstream continues this trace.
        propagation.inject(trace.setSpan(context.active(), span), request, { set: (r, key, value) => r.addHeader(key, value) });
      },
    ],
    [
      'undici:request:headers',
      (message) => {
        const { request, response } = message as { request: object; response: { statusCode: number } };
        const span = spans.get(request);
        span?.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      },
    ],
    [
      'undici:request:trailers',
      (message) => {
        const { request } = message as { request: object };
        spans.get(request)?.end();
        spans.delete(request);
      },
    ],
    [
      'undici:request:error',
      (message) => {
        const { request, error } = message as { request: object; error: Error };
        const span = spans.get(request);
        span?.recordException(error);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span?.end();
        spans.delete(request);
      },
    ],
  ];
  for (const [name, listener] of subscriptions) diagnostics.subscribe(name, listener);
  return () => {
    for (const [name, listener] of subscriptions) diagnostics.unsubscribe(name, listener);
  };
}

/** Runs `fn` inside a span of its own (a no-op span when tracing is off); errors mark the span and pass through. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
