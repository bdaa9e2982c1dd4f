// Starts jitbridge: open the store, migrate, set up first-start state, compose the app, listen, and run
// the background tasks. server.ts calls this with the environment; tests call it with their own config.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { PGlite } from '@electric-sql/pglite';
import { createApp } from './app.js';
import { applyConfigFile } from './config-file.js';
import { backgroundTasks, type BackgroundTask } from './background/index.js';
import type { AppConfig } from './config/index.js';
import type { AppContext } from './http/index.js';
import { createLogger, type Logger, createMetrics } from './observability/index.js';
import { checkSecretsKey, ensureAdminToken, ensureDefaults, loadSecretsKey, openDatabase, createStore, SecretBox } from './store/index.js';
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
  /** The admin token when this start generated it (first start only). */
  generatedAdminToken: string | null;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    dataDir: config.dataDir,
    pglite: options.pglite,
  });
  let server: ServerType | null = null;
  let tasks: BackgroundTask[] = [];
  try {
    await database.migrate();
    const secrets = new SecretBox(await loadSecretsKey(config.secretsKey, config.dataDir));
    await checkSecretsKey(database.db, secrets);
    await ensureDefaults(database.db);
    const admin = await ensureAdminToken(database.db, config.adminToken);
    const store = createStore(database, secrets);
    await ensureConsoleApplication(store, config.publicUrl);
    const ctx: AppContext = { config, store, logger, metrics: createMetrics({ defaultMetrics: true }), adminTokenHash: admin.tokenHash };
    // CONFIG_FILE: applied before the app serves anything; an invalid file stops the start (ConfigFileError).
    if (config.configFile) await applyConfigFile(ctx, config.configFile);
    const app = createApp(ctx);

    let url: string | null = null;
    if (options.listen !== false) {
      server = await new Promise<ServerType>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
        s.once('error', reject);
      });
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    }
    if (config.backgroundWorkers) {
      tasks = backgroundTasks(ctx);
      for (const task of tasks) task.start();
    }

    return {
      ctx,
      app,
      url,
      generatedAdminToken: admin.generatedToken,
      close: async () => {
        await Promise.all(tasks.map((t) => t.stop()));
        if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
        await database.close();
      },
    };
  } catch (error) {
    await Promise.all(tasks.map((t) => t.stop()));
    server?.close();
    await database.close();
    throw error;
  }
}
