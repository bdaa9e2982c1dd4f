#!/usr/bin/env node
// Makes sure dist/ holds a build of src/ that is not older than any source file: builds on install (`prepare`),
// and again before `npm start` when a source file changed since. `npm start` then execs node on dist/server.js,
// so the server is the process that receives signals (see package.json). A production install has no src/
// (and no TypeScript): nothing to check there, dist/ is what was shipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src');
/** Written after each successful build: tsc's incremental builds rewrite only the files that changed. */
export const stamp = join(root, 'dist', '.build-stamp');

function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) time = Math.max(time, newest(path));
    else if (/\.tsx?$/.test(entry.name)) time = Math.max(time, statSync(path).mtimeMs);
  }
  return time;
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
  if (process.argv.includes('--force') || isStale()) build();
}
