// `npm start`: read the environment, start jitbridge, stop cleanly on SIGTERM/SIGINT.
// The banner and the one-time admin token go to stderr as text; stdout carries only the log (JSON lines).
import { ConfigError, loadConfig, type AppConfig } from './config/index.js';
import { createLogger, quietUnsupportedRuntimeWarning } from './observability/index.js';

// Before anything imports oidc-provider (it warns when it is imported): see observability/runtime-warning.ts.
quietUnsupportedRuntimeWarning();

let config: AppConfig;
try {
  config = loadConfig();
} catch (error) {
  // Before the app's modules load: a wrong setting is reported at once. Same style as describeStartFailure.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`jitbridge cannot start: ${error.message.split('\n').join('; ')}\n`);
  process.exit(2);
}
const { startServer } = await import('./runtime.js');
const { describeStartFailure } = await import('./start-failure.js');

function cannotStart(error: unknown): never {
  const failure = describeStartFailure(error, config);
  process.stderr.write(`jitbridge cannot start: ${failure.message}\n`);
  process.exit(failure.exitCode);
}
const logger = createLogger(config.logLevel, config.logFormat);
let running: Awaited<ReturnType<typeof startServer>>;
try {
  running = await startServer({ config, logger });
} catch (error) {
  logger.debug({ err: error }, 'start failed');
  cannotStart(error);
}

const database = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
const lines = [
  `jitbridge listening on ${running.boundAddress}, public URL ${config.publicUrl}, database: ${database}`,
  `  admin API:  ${config.publicUrl}/api/v1   docs: ${config.publicUrl}/api/docs`,
];
if (running.managementAddress) lines.push(`  management: http://${running.managementAddress}/metrics, /healthz, /readyz`);
if (running.generatedAdminToken) {
  lines.push(
    '',
    '  Admin token (shown once, only its hash is stored; set ADMIN_TOKEN to choose your own):',
    '',
    `    ${running.generatedAdminToken}`,
    '',
    // First start: nobody administers it as a person yet (there is no default password; docs/console.md).
    '  First admin person: npx jitbridge admin create --user-name <name>   (docs/console.md)',
    '',
  );
}
process.stderr.write(`${lines.join('\n')}\n`);

// Stop taking connections, let the requests in flight finish, stop the workers, close the database, exit 0;
// past SHUTDOWN_TIMEOUT_MS (or at a second signal) exit 1 at once, with what was still running cut off.
// Ctrl-C under `npm start` delivers SIGINT twice (the terminal signals the whole process group, and npm forwards
// it): a repeat within a second is that echo, not a person pressing Ctrl-C again.
let stoppingSince = 0;
const timeoutMs = config.shutdownTimeoutMs ?? 8000;
const stop = (signal: NodeJS.Signals) => {
  if (stoppingSince) {
    if (Date.now() - stoppingSince < 1000) return;
    logger.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(1);
  }
  stoppingSince = Date.now();
  logger.info({ signal, timeoutMs }, 'shutting down');
  setTimeout(() => {
    logger.error({ timeoutMs }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS: exiting anyway');
    process.exit(1);
  }, timeoutMs).unref();
  running.close().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
