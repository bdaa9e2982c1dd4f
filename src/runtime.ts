// Starts jitbridge: open the store, migrate, set up first-start state, compose the app, listen, and run
// the background tasks. server.ts calls this with the environment; tests call it with their own config.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { PGlite } from '@electric-sql/pglite';
import { createApp } from './app.js';
import { applyConfigFile } from './config-file.js';
import { backgroundTasks, type BackgroundTask } from './background/index.js';
import { configureCaches } from './cache/index.js';
import type { AppConfig } from './config/index.js';
import { type AppContext, type AppEnv, healthRoutes } from './http/index.js';
import { createLogger, type Logger, createMetrics, startTracing, type Tracing } from './observability/index.js';
import {
  checkSecretsKey,
  configurePasswordHashLimits,
  DEFAULT_PASSWORD_HASH_LIMITS,
  enableStatementSpans,
  ensureAdminToken,
  ensureDefaults,
  loadSecretsKey,
  openDatabase,
  createStore,
  resealLegacySecrets,
  SecretBox,
} from './store/index.js';
import { ensureConsoleApplication } from './oidc/index.js';

export interface StartOptions {
  config: AppConfig;
  logger?: Logger;
  /** Share one embedded database between instances (tests of multi-instance behaviour). */
  pglite?: PGlite;
  /** Listen on the configured port (default) or skip listening (in-process tests using app.request). */
  listen?: boolean;
}

export interface RunningServer {
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  /** Where this instance listens, e.g. http://127.0.0.1:54321 (null when not listening). */
  url: string | null;
  /** The address and port actually bound, e.g. 0.0.0.0:8080 (null when not listening). */
  boundAddress: string | null;
  /** Where MANAGEMENT_PORT is bound, e.g. 0.0.0.0:9090 (null when unset or not listening). */
  managementAddress: string | null;
  /** The admin token when this start generated it (first start only). */
  generatedAdminToken: string | null;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  // One limit per process (the last server started in it sets it: tests start several).
  configurePasswordHashLimits({
    concurrency: config.passwordHashConcurrency ?? DEFAULT_PASSWORD_HASH_LIMITS.concurrency,
    queueTimeoutMs: config.passwordHashQueueTimeoutMs ?? DEFAULT_PASSWORD_HASH_LIMITS.queueTimeoutMs,
  });
  const logger = options.logger ?? createLogger(config.logLevel, config.logFormat);
  // OTEL_EXPORTER_OTLP_ENDPOINT: the OpenTelemetry SDK is imported only then (startTracing loads it dynamically).
  const tracing: Tracing | null = config.otelEndpoint ? await startTracing({ endpoint: config.otelEndpoint, logger }) : null;
  if (tracing) enableStatementSpans();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    dataDir: config.dataDir,
    pglite: options.pglite,
    statementTimeoutMs: config.dbStatementTimeoutMs ?? 0,
    backgroundStatementTimeoutMs: config.dbBackgroundStatementTimeoutMs ?? 0,
  });
  let server: ServerType | null = null;
  let management: ServerType | null = null;
  let tasks: BackgroundTask[] = [];
  try {
    await database.migrate();
    const secrets = new SecretBox(await loadSecretsKey(config.secretsKey, config.dataDir));
    await checkSecretsKey(database.db, secrets);
    await ensureDefaults(database.db);
    const admin = await ensureAdminToken(database.db, config.adminToken);
    const store = createStore(database, secrets);
    // Values sealed before they were bound to their row (v1) are sealed again; needs the key, so not a SQL migration.
    const resealed = await resealLegacySecrets(store, secrets);
    if (resealed > 0) logger.info({ resealed }, 'sealed secrets bound to their rows (v1 → v2)');
    await ensureConsoleApplication(store, config.publicUrl);
    const ctx: AppContext = { config, store, logger, metrics: createMetrics({ defaultMetrics: true }), adminTokenHash: admin.tokenHash };
    configureCaches(database.db, {
      ttlSeconds: config.cacheTtlSeconds,
      meter: { requests: ctx.metrics.cacheRequests, evictions: ctx.metrics.cacheEvictions },
    });
    // CONFIG_FILE: applied before the app serves anything; an invalid file stops the start (ConfigFileError).
    if (config.configFile) await applyConfigFile(ctx, config.configFile);
    const app = createApp(ctx);

    let url: string | null = null;
    let boundAddress: string | null = null;
    let managementAddress: string | null = null;
    if (options.listen !== false) {
      server = await listen(app.fetch, config.port, config.host);
      boundAddress = addressOf(server);
      url = `http://${boundAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}`;
      if (config.managementPort !== undefined) {
        const routes = new Hono<AppEnv>().route('/', healthRoutes(ctx, { metrics: true }));
        management = await listen(routes.fetch, config.managementPort, config.host);
        managementAddress = addressOf(management);
      }
    }
    if (config.backgroundWorkers) {
      // Background work on its own pool, with its own statement_timeout (DB_BACKGROUND_STATEMENT_TIMEOUT_MS).
      const backgroundStore = createStore({ ...database, db: database.backgroundDb }, secrets);
      tasks = backgroundTasks({ ...ctx, store: backgroundStore });
      for (const task of tasks) task.start();
    }

    return {
      ctx,
      app,
      url,
      boundAddress,
      managementAddress,
      generatedAdminToken: admin.generatedToken,
      // New connections are refused at once; the requests in flight finish (idle keep-alive connections are
      // closed), then the workers stop, then the database closes, then the last spans are sent.
      close: async () => {
        await Promise.all([server, management].map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)));
        await Promise.all(tasks.map((t) => t.stop()));
        await database.close();
        await tracing?.shutdown();
      },
    };
  } catch (error) {
    await Promise.all(tasks.map((t) => t.stop()));
    server?.close();
    management?.close();
    await database.close();
    await tracing?.shutdown();
    throw error;
  }
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number, hostname: string): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port, hostname }, () => resolve(s));
    s.once('error', reject);
  });
}

/** `0.0.0.0:8080`, `[::]:8080`, `127.0.0.1:54321`: what the socket is bound to. */
function addressOf(server: ServerType): string {
  const address = server.address() as AddressInfo;
  return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
