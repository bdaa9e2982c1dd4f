// The `jitbridge` command line (commander): one small module per command under commands/. Exit codes:
//   0  success (plan: no changes)
//   1  error: invalid file, refused change, database or usage problem (the message says which)
//   2  plan only: there are changes (like terraform plan -detailed-exitcode)
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { ConfigFileError } from '../config-as-code/index.js';
import { registerAdmin } from './commands/admin.js';
import { registerAdminToken } from './commands/admin-token.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerMigrate } from './commands/migrate.js';
import { registerScimClient } from './commands/scim-client.js';
import { registerServe } from './commands/serve.js';

import { EXIT, type CliIo, type CommandContext, type CommandOutcome } from './context.js';

export { EXIT, type CliIo, type CommandContext, type CommandOutcome };

const EXIT_CODES_HELP = `
Exit codes:
  0  success (plan: no changes)
  1  error: an invalid file, a refused change, the database, or the command line itself
  2  plan: there are changes to apply

Environment: DATABASE_URL (unset: the embedded database in DATA_DIR, default ./.data), DATA_DIR, SECRETS_KEY, LOG_LEVEL,
as for the server. On the embedded database, stop the server first: it is one process's database.`;

export function buildProgram(context: CommandContext): Command {
  const program = new Command('jitbridge')
    .description('jitbridge: identity bridge with just-in-time SCIM provisioning; configuration as code')
    .option('--database-url <url>', 'PostgreSQL connection URL (default: DATABASE_URL; unset: the embedded database)')
    .option('--data-dir <dir>', 'folder of the embedded database and its secrets key (default: DATA_DIR or ./.data)')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => context.io.stdout(text), writeErr: (text) => context.io.stderr(text) })
    .exitOverride();
  registerServe(program, context);
  registerMigrate(program, context);
  registerConfigCommands(program, context);
  registerAdminToken(program, context);
  registerAdmin(program, context);
  registerScimClient(program, context);
  registerDemo(program, context);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs the command line; answers the exit code, or 'running' when the command keeps the process (serve). */
export async function runCli(argv: string[], io: CliIo): Promise<CommandOutcome> {
  let outcome: CommandOutcome = EXIT.ok;
  const program = buildProgram({ io, finish: (o) => (outcome = o) });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.error;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    io.stderr(`${describeError(error)}\n`);
    return EXIT.error;
  }
}

/** One readable message for what stops a command; a stack only for what is nobody's input. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigFileError) return error.message;
  if (error instanceof ConfigError) return `invalid configuration\n${error.message}`;
  // By name: the store's modules load only when a command needs them (--help stays quick).
  if ((error as Error).name === 'SecretsKeyMismatchError') return (error as Error).message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000') {
    return `cannot open the database: ${(error as Error).message}`;
  }
  return `jitbridge failed: ${(error as Error).stack ?? String(error)}`;
}
