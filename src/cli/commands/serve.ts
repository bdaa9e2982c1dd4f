// `jitbridge serve`: the server, exactly as `npm start` runs it (src/server.ts reads the environment and listens).
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerServe(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .description('run the server (as npm start): listens on PORT, migrates, applies CONFIG_FILE if set')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<{ databaseUrl?: string; dataDir?: string }>();
      if (globals.databaseUrl) process.env.DATABASE_URL = globals.databaseUrl;
      if (globals.dataDir) process.env.DATA_DIR = globals.dataDir;
      await import('../../server.js');
      context.finish('running');
    });
}
