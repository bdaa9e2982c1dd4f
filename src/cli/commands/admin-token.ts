// `jitbridge admin-token rotate`: a new admin token, printed once; only its hash is stored.
import type { Command } from 'commander';
import type { GlobalOptions } from '../instance.js';
import { EXIT, type CommandContext } from '../context.js';

export function registerAdminToken(program: Command, context: CommandContext): void {
  const group = program.command('admin-token').description('manage the admin API token');
  group
    .command('rotate')
    .description('replace the admin token with a new one, printed once on stdout (only its hash is stored)')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { configFrom, withInstance } = await import('../instance.js');
      const { rotateAdminToken } = await import('../../store/index.js');
      if (configFrom(globals).adminToken) {
        context.io.stderr('ADMIN_TOKEN is set: every server start replaces the stored token with it. Change ADMIN_TOKEN instead.\n');
        context.finish(EXIT.error);
        return;
      }
      const token = await withInstance(globals, ({ ctx }) => rotateAdminToken(ctx.store.db, 'cli:admin-token rotate'));
      context.io.stdout(`${token}\n`);
      context.io.stderr(
        'The new admin token is above; it is not shown again. Running servers take it when they restart (they keep the token they read at start).\n',
      );
      context.finish(EXIT.ok);
    });
}
