// `npm run bench:startup`: how fast the compiled server is ready and how much memory it holds, on the embedded
// database (PGlite), as `npm start` runs it (dist/server.js with the production Node flags of package.json).
// The first start creates and migrates the database and is not measured; then BENCH_STARTS (default 3) starts
// on that database are each timed from spawn to the first 200 from /readyz, and after each, BENCH_REQUESTS
// (default 200) light requests (health, discovery, admin reads, metrics) are sent and the process's RSS is read.
// Beside it, PGlite alone in a process of its own (open the same kind of database, run a few statements) gives the
// floor: the server's own share is its RSS minus that. Targets (issue 21): ready ≤ 5 s, RSS ≤ 400 MB, share ≤ 100 MB.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ADMIN_TOKEN = 'jba_bench_startup_admin_token_0123456789abcdef';
const TARGET = { readyMs: 5000, rssMb: 400, shareMb: 100 };

async function productionFlags(): Promise<string[]> {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
  const command = /exec node (.*) dist\/server\.js/.exec(pkg.scripts.start ?? '');
  if (!command) throw new Error('package.json scripts.start does not exec node on dist/server.js');
  return command[1]!.split(/\s+/).filter(Boolean);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Resident set size of a process in MB, from /proc (Linux). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(flags: string[], dataDir: string) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...flags, 'dist/server.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (performance.now() - started > 120_000) child.kill('SIGKILL');
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 120_000) throw new Error(`not ready in 120 s: ${stderr}`);
    await sleep(20);
  }
  const readyMs = performance.now() - started;
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, url, readyMs, stop };
}

async function lightUse(url: string): Promise<void> {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const paths: [string, Record<string, string>][] = [
    ['/readyz', {}],
    ['/oidc/.well-known/openid-configuration', {}],
    ['/api/v1/audit-events', auth],
    ['/api/v1/identity-providers', auth],
    ['/metrics', {}],
  ];
  for (let i = 0; i < REQUESTS; i++) {
    const [p, headers] = paths[i % paths.length]!;
    const answer = await fetch(`${url}${p}`, { headers });
    await answer.arrayBuffer();
    if (answer.status >= 400) throw new Error(`${p} answered ${answer.status}`);
  }
}

/** PGlite alone: the same extension, an existing database, a few statements; its process's RSS in MB. */
async function pgliteAlone(dataDir: string): Promise<number> {
  const script = `
    import { PGlite } from '@electric-sql/pglite';
    import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
    const db = await PGlite.create(${JSON.stringify(path.join(dataDir, 'pglite'))}, { extensions: { pg_trgm } });
    await db.exec('create extension if not exists pg_trgm; create table if not exists t (id serial primary key, name text not null)');
    for (let i = 0; i < 200; i++) await db.query('insert into t (name) values ($1)', ['user' + i]);
    await db.query("select * from t where name like 'user1%' order by id");
    await db.query('select count(*) from t');
    process.stdout.write(String(process.memoryUsage().rss / 1024 / 1024));
    await db.close();`;
  const flags = await productionFlags();
  const run = async () => {
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`PGlite alone exited with ${code}`);
    return Number(out);
  };
  // Like the server's starts, not the first: the first run creates the database (initdb), which holds more memory.
  await run();
  return run();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ratio = (value: number, target: number) => `${(value / target).toFixed(2)}× of target`;

async function main() {
  const flags = await productionFlags();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-bench-startup-'));
  const pgliteDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-bench-pglite-'));
  try {
    process.stdout.write(`node ${process.version}, flags: ${flags.join(' ')}\n`);
    const first = await startServer(flags, dataDir);
    process.stdout.write(`first start (creates and migrates the database, not counted): ${(first.readyMs / 1000).toFixed(2)} s\n`);
    await first.stop();

    const ready: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const server = await startServer(flags, dataDir);
      try {
        ready.push(server.readyMs);
        await lightUse(server.url);
        rss.push(await rssMb(server.child.pid!));
      } finally {
        await server.stop();
      }
      process.stdout.write(
        `start ${i + 1}: ready ${(server.readyMs / 1000).toFixed(2)} s, RSS after ${REQUESTS} requests ${rss.at(-1)!.toFixed(0)} MB\n`,
      );
    }
    const pglite = await pgliteAlone(pgliteDir);
    const readyMs = median(ready);
    const serverRss = median(rss);
    const share = serverRss - pglite;
    process.stdout.write(
      [
        '',
        `| measure | result | target | ratio |`,
        `| --- | --- | --- | --- |`,
        `| ready (median of ${STARTS}) | ${(readyMs / 1000).toFixed(2)} s | ≤ ${TARGET.readyMs / 1000} s | ${ratio(readyMs, TARGET.readyMs)} |`,
        `| server RSS under light use (median) | ${serverRss.toFixed(0)} MB | ≤ ${TARGET.rssMb} MB | ${ratio(serverRss, TARGET.rssMb)} |`,
        `| PGlite alone (open, a few statements) | ${pglite.toFixed(0)} MB | — | ${(pglite / serverRss).toFixed(2)}× of the server's RSS |`,
        `| server's own share (server − PGlite alone) | ${share.toFixed(0)} MB | ≤ ${TARGET.shareMb} MB | ${ratio(share, TARGET.shareMb)} |`,
        '',
      ].join('\n'),
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(pgliteDir, { recursive: true, force: true });
  }
}

await main();
