// `jitbridge plan`, `apply`, `export` and `schema`: configuration as code from the command line.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Plan } from '../../config-as-code/index.js';
import type { GlobalOptions } from '../instance.js';
import { EXIT, type CommandContext } from '../context.js';

interface RunFlags {
  file: string;
  prune?: boolean;
  force?: boolean;
  json?: boolean;
}

// The engine and the store load when a command runs, not for --help.
const load = async () => ({
  ...(await import('../../config-file.js')),
  ...(await import('../instance.js')),
  ...(await import('../../config-as-code/index.js')),
});

export function registerConfigCommands(program: Command, context: CommandContext): void {
  const { io } = context;

  program
    .command('plan')
    .description('show what applying the file would create, change and delete (writes nothing); exit 2 when there are changes')
    .requiredOption('-f, --file <path>', 'the configuration file (YAML or JSON)')
    .option('--prune', 'also delete what the file does not name, in the sections it has')
    .option('--force', 'allow identity-provider deletions past settings.jit.idpDeleteThreshold')
    .option('--json', 'print the plan as JSON')
    .action(async (flags: RunFlags, command: Command) => {
      const { withInstance, planConfigFile, renderPlan } = await load();
      const plan = await withInstance(command.optsWithGlobals<GlobalOptions>(), ({ ctx }) =>
        planConfigFile(ctx, flags.file, { prune: flags.prune, force: flags.force }),
      );
      io.stdout(flags.json ? `${JSON.stringify(plan satisfies Plan, null, 2)}\n` : renderPlan(plan));
      context.finish(plan.changes.length > 0 ? EXIT.changes : EXIT.ok);
    });

  program
    .command('apply')
    .description('apply the file in one transaction (all or nothing); each change is audited with the file name and digest')
    .requiredOption('-f, --file <path>', 'the configuration file (YAML or JSON)')
    .option('--prune', 'also delete what the file does not name, in the sections it has')
    .option('--force', 'allow identity-provider deletions past settings.jit.idpDeleteThreshold')
    .option('--json', 'print what was applied as JSON')
    .action(async (flags: RunFlags, command: Command) => {
      const { withInstance, applyConfigFileWith, renderPlan } = await load();
      const result = await withInstance(command.optsWithGlobals<GlobalOptions>(), ({ ctx }) =>
        applyConfigFileWith(ctx, flags.file, { prune: flags.prune, force: flags.force }),
      );
      if (flags.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else {
        io.stdout(renderPlan(result));
        io.stdout(result.applied ? 'Applied.\n' : 'Nothing to apply.\n');
      }
      context.finish(EXIT.ok);
    });

  program
    .command('export')
    .description('write the current configuration as a file (secrets as ${env:…} placeholders; their names go to stderr)')
    .option('-o, --output <path>', 'write to this file instead of stdout')
    .option('--schema-ref <ref>', 'what the file’s $schema says', './jitbridge-config.schema.json')
    .action(async (flags: { output?: string; schemaRef: string }, command: Command) => {
      const { withInstance, exportConfig } = await load();
      const result = await withInstance(command.optsWithGlobals<GlobalOptions>(), ({ ctx }) =>
        exportConfig(ctx, { schemaRef: flags.schemaRef }),
      );
      if (flags.output) await writeFile(flags.output, result.text, { mode: 0o644 });
      else io.stdout(result.text);
      for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
      if (result.secrets.length > 0) {
        io.stderr('Set these environment variables (the secrets cannot be exported) before applying the file:\n');
        for (const secret of result.secrets) io.stderr(`  ${secret.variable}  (${secret.path})\n`);
      }
      context.finish(EXIT.ok);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the configuration file (for editors: save it beside the file, see $schema)')
    .option('-o, --output <path>', 'write to this file instead of stdout')
    .action(async (flags: { output?: string }) => {
      const { configSchema } = await import('../../admin/index.js');
      const text = `${JSON.stringify(configSchema(), null, 2)}\n`;
      if (flags.output) await writeFile(flags.output, text);
      else io.stdout(text);
      context.finish(EXIT.ok);
    });
}
