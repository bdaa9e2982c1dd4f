// The command `npm run demo` runs, as a process of its own: it prints the URL, serves it, and a SIGTERM stops every
// part and exits 0 with the ports free again; a refused start (NODE_ENV=production) is one line and exit status 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freeDemoPortBase, portIsFree } from '../support/server.js';

const SCRIPT = ['--import', 'tsx', 'src/demo/main.ts'];
const children: ChildProcess[] = [];
let database: TestDatabase | null = null;
let dataDir: string | null = null;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, SCRIPT, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

describe('the npm run demo process', () => {
  it('is the command package.json runs', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe(`node ${SCRIPT.join(' ')}`);
  });

  it('refuses NODE_ENV=production in one line, exit status 2', async () => {
    const { output, exited } = run({ NODE_ENV: 'production' });
    expect(await exited).toBe(2);
    expect(output.stderr.trim().split('\n').at(-1)).toMatch(/^jitbridge demo cannot start: the demo does not run with NODE_ENV=production/);
    expect(output.stdout).toBe('');
  });

  it('SIGTERM stops every part and exits 0, the ports free again', { timeout: 120_000 }, async () => {
    database = await createTestDatabase('demo_process');
    dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-demo-process-'));
    const base = await freeDemoPortBase();
    const { child, output, exited } = run({
      DATA_DIR: dataDir,
      DEMO_PORT_BASE: String(base),
      LOG_LEVEL: 'silent',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    const url = `http://127.0.0.1:${base + 3}/`;
    const deadline = Date.now() + 100_000;
    while (!output.stdout.includes(url) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(output.stdout, output.stderr).toContain(`Open this URL in a browser:\n\n    ${url}\n`);

    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/login');

    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    for (let i = 0; i < 4; i++) expect(await portIsFree(base + i)).toBe(true);
  });
});
