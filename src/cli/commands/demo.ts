// `jitbridge demo`: the demo of `npm run demo` (jitbridge with a local upstream OpenID Provider, SAML IdP and sample
// app, all on 127.0.0.1) until Ctrl-C / SIGTERM. Refused under NODE_ENV=production, as `npm run demo` is.
import { InvalidArgumentError, type Command } from 'commander';
import type { GlobalOptions } from '../instance.js';
import { EXIT, type CommandContext } from '../context.js';

const portBase = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('an integer 1024-65532');
  return value;
};

export interface DemoFlags {
  portBase?: string;
}

export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description(
      'run the demo until Ctrl-C: jitbridge, an upstream OpenID Provider, an upstream SAML IdP and a sample app on 127.0.0.1 ' +
        '(not under NODE_ENV=production; walkthrough in docs/demo.md)',
    )
    .option('--port-base <port>', 'first of the four ports the demo uses (default: DEMO_PORT_BASE or 8400)', portBase)
    .addHelpText(
      'after',
      '\nThe demo keeps its embedded database in ./.data/demo unless --data-dir, DATA_DIR or --database-url says otherwise.',
    )
    .action(async (flags: DemoFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { runDemo, DemoError } = await import('../../demo/index.js');
      const env = {
        ...process.env,
        ...(globals.databaseUrl ? { DATABASE_URL: globals.databaseUrl } : {}),
        ...(globals.dataDir ? { DATA_DIR: globals.dataDir } : {}),
        ...(flags.portBase ? { DEMO_PORT_BASE: flags.portBase } : {}),
      };
      try {
        // The demo stops itself (and exits) on SIGINT/SIGTERM; the process stays while it runs.
        await runDemo({ env, print: (text) => context.io.stdout(text) });
      } catch (error) {
        if (!(error instanceof DemoError)) throw error;
        context.io.stderr(`jitbridge demo cannot start: ${error.message}\n`);
        context.finish(EXIT.error);
        return;
      }
      context.finish('running');
    });
}
