// A configuration file on disk, planned, applied or exported through the admin API of a composed context: what the
// command line and CONFIG_FILE at start share. Secrets resolve against this process's environment and files.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { adminBinding, configSchema } from './admin/index.js';
import {
  applyConfiguration,
  ConfigFileError,
  exportConfiguration,
  fileReader,
  planConfiguration,
  type ApplyResult,
  type ConfigEngine,
  type ConfigSource,
  type ExportOptions,
  type ExportResult,
  type Plan,
  type RunOptions,
} from './config-as-code/index.js';
import type { AppContext } from './http/index.js';
import { providerHolderFor } from './oidc/index.js';

export function engineFor(ctx: AppContext): ConfigEngine {
  return { store: ctx.store, admin: adminBinding(ctx), schema: configSchema() };
}

/** The file as the engine takes it; a file that cannot be read is a problem of the file, like any other. */
export async function readConfigSource(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigSource> {
  const name = path.basename(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileError(name, [{ path: '', message: `cannot read ${file}${code ? ` (${code})` : ''}` }]);
  }
  return { text, name, env, readFile: fileReader(file, (target) => readFile(target, 'utf8')) };
}

/**
 * What a server start sets up before anything is configured, done outside the engine's transaction: the OpenID
 * Provider's keys, which the API's application checks load. Made inside a trial, they would be rolled back under a
 * provider that goes on believing in them.
 */
async function prepared(ctx: AppContext): Promise<ConfigEngine> {
  await providerHolderFor(ctx).get();
  return engineFor(ctx);
}

export async function planConfigFile(ctx: AppContext, file: string, options: RunOptions = {}): Promise<Plan> {
  return planConfiguration(await prepared(ctx), await readConfigSource(file), options);
}

export async function applyConfigFileWith(ctx: AppContext, file: string, options: RunOptions = {}): Promise<ApplyResult> {
  return applyConfiguration(await prepared(ctx), await readConfigSource(file), options);
}

export async function exportConfig(ctx: AppContext, options: ExportOptions = {}): Promise<ExportResult> {
  return exportConfiguration(await prepared(ctx), options);
}

/** CONFIG_FILE at start: applied (never pruned), what changed logged. */
export async function applyConfigFile(ctx: AppContext, file: string): Promise<ApplyResult> {
  const result = await applyConfigFileWith(ctx, file);
  ctx.logger.info(
    { configFile: file, sha256: result.file.sha256, applied: result.applied, ...result.summary },
    result.applied ? 'configuration file applied' : 'configuration file already applied',
  );
  return result;
}
