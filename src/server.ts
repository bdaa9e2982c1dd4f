// `npm start`: read the environment, start jitbridge, stop cleanly on SIGINT/SIGTERM.
import { ConfigError, loadConfig } from './config/index.js';
import { SecretsKeyMismatchError } from './store/index.js';
import { ConfigFileError } from './config-as-code/index.js';
import { startServer } from './runtime.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`jitbridge cannot start: invalid configuration\n${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let running;
  try {
    running = await startServer({ config });
  } catch (error) {
    if (
      error instanceof SecretsKeyMismatchError ||
      error instanceof ConfigFileError ||
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
    ) {
      process.stderr.write(`jitbridge cannot start: ${(error as Error).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const database = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  process.stdout.write(`jitbridge listening on ${running.url} (public URL ${config.publicUrl}), database: ${database}\n`);
  process.stdout.write(`  admin API:  ${config.publicUrl}/api/v1   docs: ${config.publicUrl}/api/docs\n`);
  if (running.generatedAdminToken) {
    process.stdout.write(
      `\n  Admin token (shown once, only its hash is stored; set ADMIN_TOKEN to choose your own):\n\n    ${running.generatedAdminToken}\n\n`,
    );
    // First start: nobody administers it as a person yet (there is no default password; docs/console.md).
    process.stdout.write('  First admin person: npx jitbridge admin create --user-name <name>   (docs/console.md)\n\n');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.ctx.logger.info({ signal }, 'shutting down');
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
