// Secrets in the file are references, never values: `${env:NAME}` or `${file:/path}`, nothing else. Resolved
// once per run; the resolved value goes to the admin API and nowhere else (never into a plan, a message or a log).
import path from 'node:path';

export const SECRET_REFERENCE_PATTERN = /^\$\{(?:env:[A-Za-z_][A-Za-z0-9_]*|file:[^}]+)\}$/;
const REFERENCE_LIKE = /\$\{[^}]*\}/;

export type SecretReference = { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** The reference in `value`, or why it is not one. */
export function parseSecretReference(value: unknown): SecretReference | { problem: string } {
  if (typeof value !== 'string') return { problem: 'must be a secret reference such as ${env:NAME} or ${file:/path}' };
  const match = /^\$\{(env|file):([^}]*)\}$/.exec(value);
  if (!match) {
    return {
      problem: REFERENCE_LIKE.test(value)
        ? 'is not a valid secret reference: write ${env:NAME} or ${file:/path}, nothing around it'
        : 'is a literal secret: secrets go in the file only by reference, ${env:NAME} or ${file:/path}',
    };
  }
  const [, kind, target] = match;
  if (kind === 'env') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target!)) return { problem: `names no valid environment variable: '${target}'` };
    return { kind: 'env', name: target! };
  }
  if (!target) return { problem: 'names no file' };
  return { kind: 'file', path: target };
}

/** Whether a non-secret value looks like a reference (references are resolved in secret fields only). */
export const looksLikeReference = (value: unknown): boolean =>
  typeof value === 'string' && REFERENCE_LIKE.test(value) && /\$\{(env|file):/.test(value);

export interface SecretResolver {
  env: Readonly<Record<string, string | undefined>>;
  readFile?: ((path: string) => Promise<string>) | undefined;
}

/** The secret's value, or why it cannot be had. */
export async function resolveSecret(
  reference: SecretReference,
  resolver: SecretResolver,
): Promise<{ value: string } | { problem: string }> {
  if (reference.kind === 'env') {
    const value = resolver.env[reference.name];
    if (value === undefined || value === '') return { problem: `environment variable ${reference.name} is not set` };
    return { value };
  }
  if (!resolver.readFile) return { problem: '${file:…} references are read only by the command line and CONFIG_FILE at start' };
  try {
    // A file written by `echo` or a secrets manager ends with a newline that is no part of the secret.
    const value = (await resolver.readFile(reference.path)).replace(/\r?\n$/, '');
    if (value === '') return { problem: `file ${reference.path} is empty` };
    return { value };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: `file ${reference.path} cannot be read${code ? ` (${code})` : ''}` };
  }
}

/** Reads files for `${file:…}`, a relative path taken from the configuration file's folder. */
export function fileReader(configFilePath: string | undefined, read: (file: string) => Promise<string>) {
  const base = configFilePath ? path.dirname(path.resolve(configFilePath)) : process.cwd();
  return (file: string) => read(path.resolve(base, file));
}

/** An environment variable name for an exported secret: JITBRIDGE_<PREFIX>_<KEY>_<FIELD>. */
export function placeholderName(prefix: string, key: string, field: string): string {
  const part = (text: string) =>
    text
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
  return ['JITBRIDGE', prefix, part(key) || 'UNNAMED', part(field)].join('_');
}
