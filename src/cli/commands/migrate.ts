// `jitbridge migrate`: brings the database schema up to date (every other command, and the server, do it too).
import type { Command } from 'commander';
import type { GlobalOptions } from '../instance.js';
import { EXIT, type CommandContext } from '../context.js';

export function registerMigrate(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description('run the database migrations (serialized across instances) and exit')
    .action(async (_options: unknown, command: Command) => {
      const { withInstance } = await import('../instance.js');
      await withInstance(command.optsWithGlobals<GlobalOptions>(), async ({ ctx }) => {
        context.io.stderr(`database is up to date (${ctx.config.databaseUrl ? 'PostgreSQL' : `embedded, in ${ctx.config.dataDir}`})\n`);
      });
      context.finish(EXIT.ok);
    });
}
