// The server as the README starts it (`npm start`): the compiled build, the banner and the admin token on stderr
// as text, only JSON log lines on stdout (an access line per request, no query strings), no oidc-provider runtime
// warning on Node 20, /metrics on MANAGEMENT_PORT only, and a SIGTERM sent to npm stops it: exit 0, no process left.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/server.js';

const children: ChildProcess[] = [];
let database: TestDatabase | null = null;
let dataDir: string | null = null;

const serverPids: number[] = [];

afterAll(async () => {
  // A failed run leaves npm's child behind if only npm is killed: end both.
  for (const pid of serverPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Children of a process, from /proc (Linux): what npm started. */
async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  it('runs the compiled server with the production flags; npm run dev is tsx watch', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^node scripts\/ensure-build\.js && exec node (--[a-z-]+=?\S* )+dist\/server\.js$/);
    expect(pkg.scripts.start).toContain('--max-old-space-size=512');
    expect(pkg.scripts.prepare).toBe('node scripts/ensure-build.js');
    expect(pkg.scripts.dev).toBe('tsx watch src/server.ts');
  });

  it(
    'logs JSON to stdout, the banner to stderr, serves /metrics on MANAGEMENT_PORT only, and stops on SIGTERM',
    { timeout: 300_000 },
    async () => {
      database = await createTestDatabase('server_process');
      dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-process-'));
      const [port, managementPort] = [await freePort(), await freePort()];
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        MANAGEMENT_PORT: String(managementPort),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        BACKGROUND_WORKERS: 'on',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
      };
      const npm = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(npm);
      const output = { stdout: '', stderr: '' };
      npm.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
      npm.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));

      const deadline = Date.now() + 280_000;
      while (!output.stderr.includes('Admin token') && npm.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(output.stderr, output.stdout).toContain(`jitbridge listening on 0.0.0.0:${port}, public URL http://localhost:${port}`);
      expect(output.stderr).toMatch(/Admin token \(shown once[^\n]*\n\n {4}jba_[A-Za-z0-9_-]+\n/);
      expect(output.stderr).not.toContain('Unsupported runtime');
      expect(output.stderr).not.toContain('Warning');

      // npm's child is node on dist/server.js itself (exec'd, no shell or tsx in between).
      const [server] = await childrenOf(npm.pid!);
      expect(server).toBeDefined();
      serverPids.push(server!);
      const commandLine = (await readFile(`/proc/${server}/cmdline`, 'utf8')).split('\0').join(' ');
      expect(commandLine).toMatch(/^\S*node --max-old-space-size=512 .*dist\/server\.js/);
      expect(await childrenOf(server!)).toEqual([]);

      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const probe = await fetch(`${base}/api/v1/settings?code=supersecretcode123`, { headers: { 'x-request-id': 'probe-request-0001' } });
      expect(probe.headers.get('x-request-id')).toBe('probe-request-0001');
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      const metrics = await fetch(`http://127.0.0.1:${managementPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('http_requests_total');
      expect((await fetch(`http://127.0.0.1:${managementPort}/readyz`)).status).toBe(200);

      await new Promise((r) => setTimeout(r, 300));
      const lines = output.stdout.split('\n').filter((line) => line.startsWith('{'));
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const probeLine = records.find((r) => r.requestId === 'probe-request-0001');
      expect(probeLine).toMatchObject({ level: 30, msg: 'request', method: 'GET', client: '127.0.0.1' });
      expect(typeof probeLine!.status).toBe('number');
      expect(typeof probeLine!.ms).toBe('number');
      expect(probeLine).toMatchObject({ route: '/api/v1/settings', status: 401 });
      expect(records.find((r) => r.msg === 'request' && r.route === '/readyz' && r.status === 200)).toBeDefined();
      expect(output.stdout).not.toContain('supersecretcode123');
      expect(output.stdout).not.toContain('Admin token');
      // Nothing but JSON lines on stdout once npm's own two-line header has passed.
      const afterHeader = output.stdout.slice(output.stdout.indexOf('{'));
      expect(afterHeader.split('\n').filter((line) => line && !line.startsWith('{'))).toEqual([]);

      npm.kill('SIGTERM');
      expect(await exited).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(server!)).toBe(false);
      const after = output.stdout
        .slice(output.stdout.indexOf('{'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string });
      expect(after.at(-1)!.msg).toBe('stopped');
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    },
  );
});
