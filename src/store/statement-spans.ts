// A span per database statement when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT). drizzle-orm carries its own
// OpenTelemetry hooks but never turns them on, so the one point every drizzle statement passes through on both
// drivers (PgPreparedQuery.queryWithCache, inside transactions too) is wrapped here, once; the statements
// database.ts sends to the driver directly (hotRows, textRows) call `statementSpan` themselves.
// Until enableStatementSpans() runs nothing is wrapped: the hot path pays nothing when tracing is off.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { PgPreparedQuery } from 'drizzle-orm/pg-core';

let enabled = false;

/** The statement's first words (`select`, `insert into users`): a span name that groups, without values. */
function spanName(text: string): string {
  const words = text.trim().replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' ').replace(/"/g, '');
  return `db ${words.toLowerCase()}`;
}

export function statementSpan<T>(text: string, run: () => Promise<T>): Promise<T> {
  if (!enabled) return run();
  return trace
    .getTracer('jitbridge')
    .startActiveSpan(
      spanName(text),
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
}

export function enableStatementSpans(): void {
  if (enabled) return;
  enabled = true;
  type QueryWithCache = (this: unknown, text: string, params: unknown[], query: () => Promise<unknown>) => Promise<unknown>;
  const prototype = PgPreparedQuery.prototype as unknown as { queryWithCache: QueryWithCache };
  const original = prototype.queryWithCache;
  prototype.queryWithCache = function (this: unknown, text, params, query) {
    return statementSpan(text, () => original.call(this, text, params, query));
  };
}
