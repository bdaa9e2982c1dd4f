// The jitbridge instance a command works on, opened straight from the database (no server needed): the same
// configuration, migrations, secrets key and defaults as a server start, but no admin token is generated (only a
// server start may print one) and nothing listens.
import { pino } from 'pino';
import { loadConfig, type AppConfig } from '../config/index.js';
import { type AppContext } from '../http/index.js';
import { createMetrics } from '../observability/index.js';
import {
  checkSecretsKey,
  resealLegacySecrets,
  ensureDefaults,
  loadSecretsKey,
  openDatabase,
  type Database,
  SecretBox,
} from '../store/index.js';
import { createStore } from '../store/index.js';

export interface GlobalOptions {
  databaseUrl?: string;
  dataDir?: string;
}

/** The environment, with what the command line says on top. */
export function configFrom(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): AppConfig {
  return loadConfig({
    ...env,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
  });
}

export interface Instance {
  ctx: AppContext;
  database: Database;
  close(): Promise<void>;
}

/** Opens the database and migrates it (as a server start does), then sets up the store. */
export async function openInstance(options: GlobalOptions): Promise<Instance> {
  const config = configFrom(options);
  // Logs go to stderr: stdout carries what a command prints (a plan, an export, a token).
  const logger = pino(
    { level: config.logLevel === 'info' ? 'warn' : config.logLevel, base: { service: 'jitbridge-cli' } },
    pino.destination(2),
  );
  const database = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: 2, dataDir: config.dataDir });
  try {
    await database.migrate();
    const secrets = new SecretBox(await loadSecretsKey(config.secretsKey, config.dataDir));
    await checkSecretsKey(database.db, secrets);
    await ensureDefaults(database.db);
    const store = createStore(database, secrets);
    // As a server start does: v1 sealed values are bound to their rows before anything opens them.
    await resealLegacySecrets(store, secrets);
    const ctx: AppContext = { config, store, logger, metrics: createMetrics(), adminTokenHash: '' };
    return { ctx, database, close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function withInstance<T>(options: GlobalOptions, work: (instance: Instance) => Promise<T>): Promise<T> {
  const instance = await openInstance(options);
  try {
    return await work(instance);
  } finally {
    await instance.close();
  }
}
