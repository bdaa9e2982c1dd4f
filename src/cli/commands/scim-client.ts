// `jitbridge scim-client create`: a SCIM client through the admin API's own route (same checks, audited); its
// token is printed once.
import { InvalidArgumentError, type Command } from 'commander';
import type { GlobalOptions } from '../instance.js';
import { EXIT, type CommandContext } from '../context.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const scope = (value: string, previous: string[] = []) => {
  if (value !== 'scim:read' && value !== 'scim:write') throw new InvalidArgumentError('scim:read or scim:write');
  return [...previous, value];
};

export function registerScimClient(program: Command, context: CommandContext): void {
  const group = program.command('scim-client').description('manage SCIM clients');
  group
    .command('create')
    .description('create a SCIM client; its bearer token is printed once on stdout')
    .requiredOption('--name <name>', 'what the client is (shown in the admin API and the audit trail)')
    .option('--scope <scope>', 'scim:read or scim:write (repeat for both; default both)', scope)
    .option('--user-store <domain>', 'limit the client to this user store (repeatable; default all)', collect)
    .action(async (options: { name: string; scope?: string[]; userStore?: string[] }, command: Command) => {
      const body = {
        name: options.name,
        ...(options.scope ? { scopes: options.scope } : {}),
        ...(options.userStore ? { userStores: options.userStore } : {}),
      };
      const { withInstance } = await import('../instance.js');
      const { adminBinding } = await import('../../admin/index.js');
      const response = await withInstance(command.optsWithGlobals<GlobalOptions>(), ({ ctx }) =>
        adminBinding(ctx)
          .clientFor(() => ctx.store, { id: 'cli:scim-client create' })
          .request('POST', '/scim-clients', body),
      );
      if (response.status !== 201) {
        const problem = response.body as { detail?: string; errors?: Array<{ field: string; message: string }> };
        const fields = (problem.errors ?? []).map((e) => `\n  ${e.field}: ${e.message}`).join('');
        context.io.stderr(`cannot create the SCIM client: ${problem.detail ?? response.status}${fields}\n`);
        context.finish(EXIT.error);
        return;
      }
      const created = response.body as { id: string; name: string; scopes: string[]; userStores: string[] | null; token: string };
      context.io.stdout(`${created.token}\n`);
      context.io.stderr(
        `SCIM client '${created.name}' (${created.id}), scopes ${created.scopes.join(' ')}, user stores ${created.userStores?.join(' ') ?? 'all'}.\n` +
          'Its token is above; it is not shown again.\n',
      );
      context.finish(EXIT.ok);
    });
}
