// A span per database statement when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT). drizzle-orm carries its own
// OpenTelemetry hooks but never turns them on, and its logger is told of a statement before it runs (no end, no
// error). So the driver client database.ts opens is wrapped, per instance, before drizzle is given it: every
// statement drizzle sends (inside transactions too) and every one our runner sends passes through `query`
// (PGlite) or `unsafe` (postgres.js) of that wrapper. Nothing of a dependency is patched: only our own client
// objects are wrapped, and only when enableStatementSpans() ran before the database was opened, so the hot path
// pays nothing when tracing is off.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

let enabled = false;

/** The statement's first words (`select`, `insert into users`): a span name that groups, without values. */
function spanName(text: string): string {
  const words = text.trim().replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' ').replace(/"/g, '');
  return `db ${words.toLowerCase()}`;
}

function statementSpan<T>(text: string, run: () => PromiseLike<T>): Promise<T> {
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

/** Turns statement spans on for databases opened from now on (runtime.ts, when tracing starts). */
export function enableStatementSpans(): void {
  enabled = true;
}

/** Whether clients opened now get wrapped. */
export const statementSpansEnabled = (): boolean => enabled;

type AnyFunction = (...args: unknown[]) => unknown;

/** `target` with `wrap(name, method)` in place of its methods named in `names`; every other member as it is. */
function wrapMethods<T extends object>(target: T, names: readonly string[], wrap: (name: string, method: AnyFunction) => AnyFunction): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as AnyFunction).bind(object);
      return typeof property === 'string' && names.includes(property) ? wrap(property, bound) : bound;
    },
  });
}

/** A PGlite client (or one of its transactions) whose statements are spans. */
export function tracedPglite<T extends object>(client: T): T {
  return wrapMethods(client, ['query', 'exec', 'transaction'], (name, method) =>
    name === 'transaction'
      ? (work: unknown) => method((tx: object) => (work as AnyFunction)(tracedPglite(tx)))
      : (text: unknown, ...rest: unknown[]) => statementSpan(String(text), () => method(text, ...rest) as PromiseLike<unknown>),
  );
}

/**
 * A postgres.js client (or transaction) whose statements are spans. `unsafe` answers a lazy query that runs when
 * awaited (after `.values()`, which drizzle calls on it); the span starts then.
 */
export function tracedPostgres<T extends object>(client: T): T {
  return wrapMethods(client, ['unsafe', 'begin', 'savepoint'], (name, method) => {
    if (name !== 'unsafe')
      return (...args: unknown[]) => {
        const work = args.pop() as AnyFunction;
        return method(...args, (tx: object) => work(tracedPostgres(tx)));
      };
    return (text: unknown, ...rest: unknown[]) => {
      const query = method(text, ...rest) as PromiseLike<unknown> & Record<string, unknown>;
      const traced: object = new Proxy(query, {
        get(object, property) {
          if (property === 'then')
            return (resolve: AnyFunction, reject: AnyFunction) => statementSpan(String(text), () => object).then(resolve, reject);
          const value = Reflect.get(object, property, object) as unknown;
          if (property === 'values' || property === 'raw')
            return (...args: unknown[]) => ((value as AnyFunction).apply(object, args), traced);
          return typeof value === 'function' ? (value as AnyFunction).bind(object) : value;
        },
      });
      return traced;
    };
  });
}
