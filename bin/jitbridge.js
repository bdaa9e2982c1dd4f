#!/usr/bin/env node
// The `jitbridge` command. Runs the compiled command line (dist/cli/index.js, from `npm run build`) when it is
// there and no source file is newer; otherwise the TypeScript sources through tsx (a dependency), so that
// `npx jitbridge` works in a fresh clone before anything is built, and never runs a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'index.js');
const sources = join(root, 'src');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// dist/.build-stamp (scripts/ensure-build.js) marks the last whole build: tsc's incremental builds rewrite only the
// files that changed, so dist/cli/index.js alone can be older than a source file of a build that is current.
const stamp = join(root, 'dist', '.build-stamp');
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : existsSync(compiled) ? statSync(compiled).mtimeMs : 0;
const useCompiled = existsSync(compiled) && (!existsSync(sources) || builtAt >= newestSource(sources));
// oidc-provider's runtime warning is dropped before the command line imports it (src/observability/runtime-warning.ts).
if (useCompiled) {
  (await import(pathToFileURL(join(root, 'dist', 'observability', 'runtime-warning.js')).href)).quietUnsupportedRuntimeWarning();
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  (await import(pathToFileURL(join(sources, 'observability', 'runtime-warning.ts')).href)).quietUnsupportedRuntimeWarning();
  await import(pathToFileURL(join(sources, 'cli', 'index.ts')).href);
}
