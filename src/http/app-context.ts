// What every edge is built with: config, store, logger, metrics. Passed explicitly, no container.
import type { HttpBindings } from '@hono/node-server';
import type { AppConfig } from '../config/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import type { Actor, Store } from '../store/index.js';
import type { AdminRole } from '../domain/index.js';

export interface AppContext {
  config: AppConfig;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** SHA-256 of the admin token, checked on every admin API request. */
  adminTokenHash: string;
}

/** Hono environment shared by every route. */
export interface AppEnv {
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    /** Set by the auth middleware of each API. */
    actor: Actor;
    /** The admin API caller's role (admin-auth.ts); null when a console token's person holds none. */
    adminRole: AdminRole | null;
    /** The security headers every response gets, by lower-case name (src/http/security-headers.ts). */
    securityHeaders: Readonly<Record<string, string>>;
  };
}
