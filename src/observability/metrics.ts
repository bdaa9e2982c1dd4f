// Prometheus metrics. One registry per app instance (tests run several in one process); any layer may
// count into it through the `Metrics` object it is handed.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  /** JIT provisioning decisions, by IdP and outcome (created, linked, updated, refused, passthrough, failed). */
  provisioning: Counter<'idp' | 'outcome'>;
  /** Upstream logins finished at the federation edge, by IdP, protocol and result (success, or the refusal code). */
  federationLogins: Counter<'idp' | 'protocol' | 'result'>;
  /** App sign-ins through the OpenID Provider's interaction, by how they ended (signed_in, refused, expired, prompted). */
  appSignIns: Counter<'result'>;
  /** Durable jobs handled, by queue and result. */
  jobs: Counter<'queue' | 'result'>;
  /** Outbound deliveries, by connector and result; pending is a gauge sampled by the worker. */
  outboundDeliveries: Counter<'connector' | 'result'>;
  outboundPending: Gauge<'connector'>;
  outboundLatency: Histogram<'connector'>;
  /** Lookups of the instance's caches (src/cache), by cache and result (hit, miss). */
  cacheRequests: Counter<'cache' | 'result'>;
  /** Entries dropped before they expired, by cache and reason (size: the bound was reached; invalidated: a write). */
  cacheEvictions: Counter<'cache' | 'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    provisioning: new Counter({
      name: 'jit_provisioning_total',
      help: 'JIT provisioning decisions by identity provider and outcome',
      labelNames: ['idp', 'outcome'],
      registers: [registry],
    }),
    federationLogins: new Counter({
      name: 'federation_logins_total',
      help: 'Upstream logins by identity provider, protocol and result (success or the refusal code)',
      labelNames: ['idp', 'protocol', 'result'],
      registers: [registry],
    }),
    appSignIns: new Counter({
      name: 'oidc_sign_ins_total',
      help: 'App sign-ins through the login interaction by result (signed_in, refused, expired, prompted)',
      labelNames: ['result'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'jobs_total',
      help: 'Durable jobs handled by queue and result',
      labelNames: ['queue', 'result'],
      registers: [registry],
    }),
    outboundDeliveries: new Counter({
      name: 'outbound_deliveries_total',
      help: 'Outbound SCIM deliveries by connector and result',
      labelNames: ['connector', 'result'],
      registers: [registry],
    }),
    outboundPending: new Gauge({
      name: 'outbound_pending_events',
      help: 'Outbound events waiting per connector',
      labelNames: ['connector'],
      registers: [registry],
    }),
    outboundLatency: new Histogram({
      name: 'outbound_delivery_lag_seconds',
      help: 'Time from commit of a change to its delivery downstream',
      labelNames: ['connector'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'jitbridge_cache_requests_total',
      help: 'Cache lookups by cache and result (hit, miss)',
      labelNames: ['cache', 'result'],
      registers: [registry],
    }),
    cacheEvictions: new Counter({
      name: 'jitbridge_cache_evictions_total',
      help: 'Cache entries dropped before they expired, by cache and reason (size, invalidated)',
      labelNames: ['cache', 'reason'],
      registers: [registry],
    }),
  };
}
