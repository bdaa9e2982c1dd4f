// DATA_DIR/demo.env: the demo's URLs and tokens as shell assignments, so a walkthrough can say
// `. ./.data/demo/demo.env` and then use $JITBRIDGE_URL, $SCIM_TOKEN and $ADMIN_TOKEN. Rewritten on every start
// (mode 0600, like the secrets key beside it). It also carries the admin token the demo generated to the next start:
// jitbridge keeps only the token's hash, and the demo configures jitbridge through the admin API.
import { readFile, writeFile, mkdir, chmod } from 'node:fs/promises';
import path from 'node:path';

export const CREDENTIALS_FILE = 'demo.env';

export interface DemoCredentials {
  JITBRIDGE_URL: string;
  DEMO_APP_URL: string;
  SCIM_TOKEN: string;
  /** Absent when the admin token came from the environment: the person already has it, it is not copied to disk. */
  ADMIN_TOKEN?: string | undefined;
}

const KEYS = ['JITBRIDGE_URL', 'DEMO_APP_URL', 'SCIM_TOKEN', 'ADMIN_TOKEN'] as const;

export const credentialsPath = (dataDir: string) => path.join(dataDir, CREDENTIALS_FILE);

/** How to name a file in a shell line: ./relative when under the working directory, else absolute; quoted if need be. */
export function shellPath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  const named = relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(file) : `./${relative}`;
  return /^[\w./-]+$/.test(named) ? named : `'${named.replace(/'/g, `'\\''`)}'`;
}

/** The values of an earlier start (only the keys this file writes; anything else is ignored). */
export async function readCredentials(dataDir: string): Promise<Partial<DemoCredentials>> {
  let text: string;
  try {
    text = await readFile(credentialsPath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const values: Partial<Record<(typeof KEYS)[number], string>> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)='([^']*)'$/.exec(line.trim());
    if (match && (KEYS as readonly string[]).includes(match[1]!)) values[match[1] as (typeof KEYS)[number]] = match[2]!;
  }
  return values;
}

export async function writeCredentials(dataDir: string, values: DemoCredentials): Promise<string> {
  const file = credentialsPath(dataDir);
  const lines = [
    '# jitbridge demo: rewritten by `npm run demo` on every start. Load into your shell with:',
    `#   . ${shellPath(file)}`,
    ...KEYS.filter((key) => values[key] !== undefined).map((key) => {
      // Tokens and URLs never hold a quote; refuse rather than write a file the shell would misread.
      if (values[key]!.includes("'")) throw new Error(`${key} holds a quote`);
      return `${key}='${values[key]}'`;
    }),
    ...(values.ADMIN_TOKEN === undefined ? ['# ADMIN_TOKEN: the one you set in the environment'] : []),
  ];
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
  // writeFile's mode applies only to a new file.
  await chmod(file, 0o600);
  return file;
}
