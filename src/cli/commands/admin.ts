// `jitbridge admin create`: the first admin (or any later one) as a person: a LOCAL user with a password read
// from the terminal or stdin, made a member of the admin role's group (CONSOLE_ADMIN_GROUP). They sign in to the
// console with it; see docs/console.md.
import type { Command } from 'commander';
import type { GlobalOptions } from '../instance.js';
import { EXIT, type CommandContext } from '../context.js';

export function registerAdmin(program: Command, context: CommandContext): void {
  const group = program.command('admin').description('manage the people who administer jitbridge');
  group
    .command('create')
    .description(
      'create a LOCAL user with a password (asked for, or the first line of stdin) in the admin group; it signs in to the console',
    )
    .requiredOption('--user-name <name>', 'the user name (PRIMARY store; DOMAIN/name for another)')
    .option('--email <address>', 'the email address')
    .action(async (options: { userName: string; email?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { configFrom, withInstance } = await import('../instance.js');
      const { createLocalAdmin } = await import('../../accounts/index.js');
      const { DEFAULT_ROLE_GROUPS } = await import('../../domain/index.js');
      const adminGroup = (configFrom(globals).consoleGroups ?? DEFAULT_ROLE_GROUPS).admin;
      const password = await (context.io.readSecret ?? (await import('../read-secret.js')).readSecret)(
        `Password for ${options.userName}: `,
      );
      if (!password) {
        context.io.stderr('no password given (type it when asked, or pipe it on stdin); nothing was created\n');
        context.finish(EXIT.error);
        return;
      }
      const { AppError } = await import('../../domain/index.js');
      let created: { userId: string };
      try {
        created = await withInstance(globals, ({ ctx }) =>
          createLocalAdmin(ctx.store, {
            userName: options.userName,
            email: options.email,
            password,
            adminGroup,
            actor: { type: 'admin', id: 'cli:admin create' },
          }),
        );
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const fields = error.fields.map((f) => `\n  ${f.field}: ${f.message}`).join('');
        context.io.stderr(`cannot create the admin: ${error.message}${fields}\n`);
        context.finish(EXIT.error);
        return;
      }
      context.io.stdout(`${created.userId}\n`);
      context.io.stderr(`${options.userName} is an admin (member of ${adminGroup}); sign in to the console at /console/.\n`);
      context.finish(EXIT.ok);
    });
}
