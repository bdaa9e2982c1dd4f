// Where the console's built files are (dist/console-app, written by Vite at install: scripts/ensure-build.js) and
// their media types. The same path works from src/ (tsx) and dist/ (compiled): both sit one level below the root.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console-app');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export const mediaTypeOf = (name: string): string | undefined => TYPES[path.extname(name)];

/** A built asset's bytes, or undefined for a name that is not a plain file name under assets/. */
export async function readAsset(dir: string, name: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) return undefined;
  try {
    return new Uint8Array(await readFile(path.join(dir, 'assets', name)));
  } catch {
    return undefined;
  }
}

/** index.html, or undefined when the console was not built (a clone without npm install). */
export async function readIndex(dir: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, 'index.html'), 'utf8');
  } catch {
    return undefined;
  }
}
