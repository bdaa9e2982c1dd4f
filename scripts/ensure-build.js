#!/usr/bin/env node
// Makes sure dist/ holds a build of src/ that is not older than any source file: builds on install (`prepare`),
// and again before `npm start` when a source file changed since. `npm start` then execs node on dist/server.js,
// so the server is the process that receives signals (see package.json). A production install has no src/
// (and no TypeScript): nothing to check there, dist/ is what was shipped.
// The admin console (console/, Preact) is built the same way into dist/console-app: its typed API client is
// generated from openapi/admin.openapi.json, type-checked, then bundled by Vite (src/console/ serves it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src');
/** Written after each successful build: tsc's incremental builds rewrite only the files that changed. */
export const stamp = join(root, 'dist', '.build-stamp');

function newest(dir, pattern = /\.tsx?$/) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) time = Math.max(time, newest(path, pattern));
    else if (pattern.test(entry.name) && entry.name !== 'schema.d.ts') time = Math.max(time, statSync(path).mtimeMs);
  }
  return time;
}

const consoleSources = join(root, 'console');
const consoleOutput = join(root, 'dist', 'console-app', 'index.html');
const apiDocument = join(root, 'openapi', 'admin.openapi.json');

/** True when console/ exists and dist/console-app is older than it or than the API document. */
export function isConsoleStale() {
  if (!existsSync(consoleSources)) return false;
  if (!existsSync(consoleOutput)) return true;
  const newestSource = Math.max(
    newest(join(consoleSources, 'src'), /\.(tsx?|css)$/),
    statSync(join(consoleSources, 'index.html')).mtimeMs,
    statSync(apiDocument).mtimeMs,
  );
  return statSync(consoleOutput).mtimeMs < newestSource;
}

/** Generates the typed client, type-checks and bundles the console. */
export function buildConsole() {
  const require = createRequire(import.meta.url);
  let tools;
  try {
    tools = {
      openapiTypescript: join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js'),
      tsc: require.resolve('typescript/bin/tsc'),
      vite: join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'),
    };
  } catch {
    process.stderr.write(
      'jitbridge cannot build the console: its build tools are not installed; run npm install (with dev dependencies), then npm run build\n',
    );
    process.exit(1);
  }
  process.stderr.write('jitbridge: building the console (dist/console-app)...\n');
  const steps = [
    [tools.openapiTypescript, apiDocument, '-o', join(consoleSources, 'src', 'api', 'schema.d.ts'), '--default-non-nullable', 'false'],
    [tools.tsc, '-p', join(consoleSources, 'tsconfig.json')],
    [tools.vite, 'build', '--config', join(consoleSources, 'vite.config.ts')],
  ];
  for (const args of steps) {
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      process.stderr.write('jitbridge cannot start: the console build failed (errors above)\n');
      process.exit(1);
    }
  }
}

/** True when src/ exists and dist/ lacks a build of its newest files. */
export function isStale() {
  if (!existsSync(sources)) return false;
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'server.js'))) return true;
  const config = join(root, 'tsconfig.build.json');
  return statSync(stamp).mtimeMs < Math.max(newest(sources), statSync(config).mtimeMs);
}

export function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write(
      'jitbridge cannot start: dist/ is missing or older than src/, and TypeScript is not installed to build it; run npm install (with dev dependencies), then npm run build\n',
    );
    process.exit(1);
  }
  process.stderr.write('jitbridge: building dist/ from src/ (tsc)...\n');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('jitbridge cannot start: the build of src/ failed (errors above); fix them or run npm run dev\n');
    process.exit(1);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  if (force || isStale()) build();
  if ((force && existsSync(consoleSources)) || isConsoleStale()) buildConsole();
}
