// `jitbridge demo`: the demo of `npm run demo` behind the command line, with the command line's exit codes
// (1 for a refused start), refused under NODE_ENV=production, and run as bin/jitbridge.js until SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freeDemoPortBase, portIsFree } from '../support/server.js';

const children: ChildProcess[] = [];
let database: TestDatabase | null = null;
let dataDir: string | null = null;
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('jitbridge demo', () => {
  it('has --help naming what it starts', async () => {
    const help = await cli('demo', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: jitbridge demo');
    expect(help.stdout).toContain('--port-base');
    expect(help.stdout).toContain('NODE_ENV=production');
  });

  it('refuses NODE_ENV=production with exit 1, as the other commands refuse', async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const refused = await cli('demo');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^jitbridge demo cannot start: the demo does not run with NODE_ENV=production/);
      expect(refused.stdout).toBe('');
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('refuses a bad port base with exit 1', async () => {
    expect((await cli('demo', '--port-base', 'abc')).code).toBe(1);
    const outOfRange = await cli('demo', '--port-base', '80');
    expect(outOfRange.code).toBe(1);
    expect(outOfRange.stderr).toContain('DEMO_PORT_BASE must be an integer 1024-65532');
  });

  it('runs as bin/jitbridge.js demo until SIGTERM, then exits 0 with the ports free', { timeout: 180_000 }, async () => {
    database = await createTestDatabase('cli_demo');
    dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-cli-demo-'));
    const base = await freeDemoPortBase();
    const target = database.url ? ['--database-url', database.url] : ['--data-dir', dataDir];
    const env = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...(database.url ? { DATA_DIR: dataDir } : {}) };
    const child = spawn(process.execPath, ['bin/jitbridge.js', ...target, 'demo', '--port-base', String(base)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const output = { stdout: '', stderr: '' };
    child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const url = `http://127.0.0.1:${base + 3}/`;
    const deadline = Date.now() + 150_000;
    while (!output.stdout.includes(url) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(output.stdout, output.stderr).toContain(`Open this URL in a browser:\n\n    ${url}\n`);
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(303);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (let i = 0; i < 4; i++) expect(await portIsFree(base + i)).toBe(true);
  });
});
