// `npm run bench:scim`: the SCIM server over a large user store on the real PostgreSQL.
// Seeds BENCH_USERS users (default 1,000,000) with SQL (generate_series) into a database of its own, starts
// jitbridge and a bare Hono baseline (bench/scim-bare-server.ts: the same indexed SQL, no SCIM) as child
// processes, and drives each case with 16 concurrent keep-alive loopback clients: requests/s, p50/p99 and the
// ratio to the baseline. The write cases (POST, PUT, PATCH, Bulk) compare with bare routes writing the same rows
// in one transaction. Then every user read end to end by one client, 100 at a time: by sequential startIndex (as
// Okta imports read), by cursor, and the bare keyset walk. Then the same filtered GET against 1,000 users (cost
// should not grow with the store), and the server's RSS.
// jitbridge runs as compiled JavaScript (`npm run build` → dist/, rebuilt here when src/ is newer), as a
// deployment would run it (`npm run start:prod`, with its Node flags): under `tsx` its loader thread alone adds
// 60–110 MB of RSS.
// The bare baseline runs under tsx (its RSS is not measured; the loader costs no CPU per request), with the same
// Node flags: heap limit and garbage-collection settings decide much of the p99, and both sides get them.
// Load comes from wrk when it is installed (bench/wrk.ts: a C generator, so the load itself costs little of
// the two cores the servers and PostgreSQL share), else from Node clients in this process; both servers get
// the same generator (BENCH_LOADGEN=node forces the Node one). CPU per request is measured over the timed
// part only: the server process's, and PostgreSQL's (the backends of that server's connections).
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_USERS, BENCH_SECONDS (per case,
//   default 8), BENCH_CONCURRENCY (default 16), BENCH_POOL (database connections of each server, default the
//   machine's cores, at least 2: PostgreSQL, the load generator and the server share them, and backends beyond
//   the cores only take turns; on 2 cores, 2 gave a lower p99 than 4, and 4 than 10), BENCH_KEEP=1
//   keeps the seeded databases for the next run,
//   BENCH_CASES=userName,POST runs only the cases whose names contain these (the full reads too: `full read`),
//   BENCH_PROFILE=<dir> CPU-profiles jitbridge, BENCH_DATABASE_PREFIX (default jb_bench_scim) names the databases
//   (`<prefix>_<users>`).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, ensureDefaults } from '../src/store/index.js';
import { freePort } from '../test/support/server.js';
import { runWrk, wrkAvailable } from './wrk.js';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const POOL = Number(process.env.BENCH_POOL ?? Math.max(2, cpus().length));
const KEEP = process.env.BENCH_KEEP === '1';
const SMALL = 1000;
const PREFIX = process.env.BENCH_DATABASE_PREFIX ?? 'jb_bench_scim';
const databaseName = (n: number) => `${PREFIX}_${n}`;
/** Long enough for the server's JIT to settle: the first case otherwise pays for compiling every code path. */
const WARMUP_MS = 3000;
const ADMIN_TOKEN = `jba_bench_${randomBytes(24).toString('hex')}`;
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

const databaseUrl = (name: string) => {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

/** Creates (or reuses, when it already holds `n` users) a database seeded with n users. */
async function seed(n: number): Promise<string> {
  const name = databaseName(n);
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
  if (exists) {
    const check = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
    const [row] = await check`select count(*)::int as n from users where user_name like 'user%'`.catch(() => [{ n: -1 }]);
    if (row?.n !== n) await check.end();
    if (row?.n === n) {
      // Users an earlier run POSTed sit in the GIN indexes' pending lists, which every trigram lookup scans
      // (145 pages, ~2.6 ms each after a few thousand POSTs) until autovacuum merges them: merge now.
      await check`select gin_clean_pending_list(i.indexrelid) from pg_index i join pg_class c on c.oid = i.indexrelid
        join pg_am a on a.oid = c.relam where i.indrelid = 'users'::regclass and a.amname = 'gin'`;
      await check.end();
      await admin.end();
      // A database kept from older code gets the newer migrations (a backfill, at most, the first time).
      const kept = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 1 });
      await kept.migrate();
      await kept.close();
      log(`reusing ${name} (${n} users)`);
      return databaseUrl(name);
    }
    await admin.unsafe(`drop database "${name}" with (force)`);
  }
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 1 });
  await database.migrate();
  await ensureDefaults(database.db);
  await database.close();

  const sql = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
  const started = Date.now();
  // Secondary indexes are dropped for the load and rebuilt after it: far faster than maintaining them per row.
  const indexes = await sql<Array<{ indexname: string; indexdef: string }>>`
    select indexname, indexdef from pg_indexes where tablename = 'users' and indexname <> 'users_pkey'`;
  for (const index of indexes) await sql.unsafe(`drop index "${index.indexname}"`);
  const [store] = await sql`select id from user_stores where domain = 'PRIMARY'`;
  // Triggers off for the load (the one keeping user_email_values, and the foreign keys' checks): that table is
  // filled in one statement after it.
  await sql`set session_replication_role = replica`;
  const chunk = 200_000;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await sql`
      insert into users (user_store_id, user_name, external_id, primary_email, email_values, display_name, given_name, family_name, active, resource)
      select ${store!.id}::uuid, 'user' || g, 'ext-' || g, 'user' || g || '@example.com', array['user' || g || '@example.com'],
             'User ' || g, 'Given' || (g % 1000), 'Family' || lpad((g % 50000)::text, 5, '0'), true,
             jsonb_build_object(
               'schemas', jsonb_build_array(${USER_SCHEMA}::text), 'userName', 'user' || g, 'externalId', 'ext-' || g,
               'displayName', 'User ' || g, 'active', true,
               'name', jsonb_build_object('givenName', 'Given' || (g % 1000), 'familyName', 'Family' || lpad((g % 50000)::text, 5, '0')),
               'emails', jsonb_build_array(jsonb_build_object('value', 'user' || g || '@example.com', 'type', 'work', 'primary', true)))
      from generate_series(${from}::int, ${to}::int) g`;
  }
  await sql`insert into user_email_values (value, user_id) select v, u.id from users u, unnest(u.email_values) v`;
  // The per-store user counts (kept by triggers, which were off for the load), as the migration backfills them.
  await sql`delete from user_store_counts`;
  await sql`insert into user_store_counts (user_store_id, shard, users) select user_store_id, 0, count(*) from users group by 1`;
  await sql`set session_replication_role = origin`;
  await sql.unsafe("set maintenance_work_mem = '256MB'");
  for (const index of indexes) await sql.unsafe(index.indexdef);
  await sql`vacuum analyze users`;
  await sql`vacuum analyze user_email_values`;
  // Write the load out now: otherwise the checkpointer does it during the first cases (a run right after seeding
  // had the bare route's p99 at 21 and 58 ms). It needs a superuser or pg_checkpoint; without, it is skipped.
  await sql`checkpoint`.catch(() => undefined);
  await sql.end();
  log(`seeded ${name}: ${n} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return databaseUrl(name);
}

function log(message: string) {
  process.stdout.write(`${message}\n`);
}

interface Child {
  process: ChildProcess;
  base: string;
  stop(): Promise<void>;
}

const SERVER_ENTRY = 'dist/server.js';
/** Node's flags for the server, as `npm run start:prod` passes them (heap limit, V8's pretenuring). */
const SERVER_FLAGS = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!.split(
  ' ',
).filter((word) => word.startsWith('--'));
/** The bare baseline's application_name (bench/scim-bare-server.ts), to find its PostgreSQL backends. */
const BARE_APPLICATION = 'jitbridge-bench-bare';

/** Compiles jitbridge into dist/ unless it is newer than every file under src/. */
function buildServer() {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs,
      ),
    );
  let built = 0;
  try {
    built = statSync(SERVER_ENTRY).mtimeMs;
  } catch {
    // not built yet
  }
  if (built > newest('src')) return;
  log('building jitbridge (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}

async function startChild(args: string[], env: Record<string, string>, port: number): Promise<Child> {
  const compiled = args[0] === SERVER_ENTRY;
  const profile = process.env.BENCH_PROFILE && compiled ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, ...SERVER_FLAGS, ...(compiled ? [] : ['--import', 'tsx']), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.resume();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(`${base}/healthz`).catch(() => fetch(`${base}/bare/none`));
      if (response.status < 500) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    process: child,
    base,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startJitbridge(url: string): Promise<Child & { token: string }> {
  const port = await freePort();
  const child = await startChild(
    [SERVER_ENTRY],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL),
      ADMIN_TOKEN,
      // Fixed, so a database kept with BENCH_KEEP=1 opens again on the next run.
      SECRETS_KEY: createHash('sha256').update('jitbridge scim bench').digest('base64'),
      DATA_DIR: await mkdtemp(path.join(tmpdir(), 'jb-bench-')),
      LOG_LEVEL: 'silent',
      BACKGROUND_WORKERS: 'off',
    },
    port,
  );
  const created = await fetch(`${child.base}/api/v1/scim-clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { token } = (await created.json()) as { token: string };
  return { ...child, token };
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU ms per request over the timed part: the server's process, and PostgreSQL's backends for it. */
  serverCpu: number;
  databaseCpu: number;
}

interface Probe {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  body?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

let unique = 0;

function send(base: string, probe: Probe, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(probe.path, base);
    const body = probe.body?.replaceAll('{i}', `n${unique++}`);
    const req = request(
      url,
      {
        method: probe.method,
        agent,
        headers: {
          ...headers,
          ...(body ? { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const useWrk = process.env.BENCH_LOADGEN !== 'node' && wrkAvailable();
/** Requests written for wrk to replay per case: random draws enough that replays rarely repeat a lookup. */
const WRK_PROBES = 50_000;

interface Target {
  base: string;
  headers: Record<string, string>;
  /** The server process, and the database and application_name of its connections. */
  pid: number;
  database: string;
  application: string;
}

/**
 * Measures `target` under `CONCURRENCY` clients sending probes for `seconds` (after a warm-up of WARMUP_MS).
 * `slow` cases (requests of several seconds) use the Node clients, which finish the requests in flight: wrk
 * stops at its deadline and drops them, which would count none.
 */
async function drive(target: Target, next: (i: number) => Probe, seconds = SECONDS, slow = false): Promise<Result> {
  if (useWrk && !slow) {
    const probes = Array.from({ length: WRK_PROBES }, (_, i) => next(i));
    const options = { connections: CONCURRENCY };
    await runWrk(target.base, target.headers.authorization, probes, { ...options, seconds: WARMUP_MS / 1000 });
    await settle(target);
    // After the warm-up: the pools open their connections on demand.
    const backends = await databaseBackends(target.database, target.application);
    const before = { server: cpuOf(target.pid), database: backends.cpu() };
    const r = await runWrk(target.base, target.headers.authorization, probes, { ...options, seconds });
    await settle(target);
    return {
      perSecond: r.requests / r.seconds,
      p50: r.p50,
      p99: r.p99,
      errors: r.errors,
      serverCpu: (cpuOf(target.pid) - before.server) / r.requests,
      databaseCpu: (backends.cpu() - before.database) / r.requests,
    };
  }
  let i = 0;
  const warmUntil = Date.now() + WARMUP_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < warmUntil) await send(target.base, next(i++), target.headers);
    }),
  );
  const backends = await databaseBackends(target.database, target.application);
  const latencies: number[] = [];
  let errors = 0;
  const before = { server: cpuOf(target.pid), database: backends.cpu() };
  const started = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const t = process.hrtime.bigint();
        const status = await send(target.base, next(i++), target.headers);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (status >= 400) errors++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    serverCpu: (cpuOf(target.pid) - before.server) / latencies.length,
    databaseCpu: (backends.cpu() - before.database) / latencies.length,
  };
}

/** Waits until the server's queries have finished (wrk abandons the requests in flight at its deadline). */
async function settle(target: Target) {
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  for (let i = 0; i < 600; i++) {
    const [row] = await admin`select count(*)::int as n from pg_stat_activity
      where datname = ${target.database} and application_name = ${target.application} and state <> 'idle'`;
    if (row!.n === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await admin.end();
}

/** The PostgreSQL backends serving a server's connections, and their CPU time so far. */
async function databaseBackends(database: string, application: string) {
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  const pids = (await admin`select pid from pg_stat_activity where datname = ${database} and application_name = ${application}`).map(
    (r) => r.pid as number,
  );
  await admin.end();
  return {
    cpu: () =>
      pids.reduce((sum, pid) => {
        try {
          return sum + cpuOf(pid);
        } catch {
          return sum; // the connection has closed since
        }
      }, 0),
  };
}

const rssOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
};

/** CPU time (user + system, ms) a process has used so far. */
const cpuOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};

type FullReadKind = 'startIndex' | 'cursor' | 'bare';
/** A full read stops after this long (by OFFSET it would take hours at a million users). */
const FULL_READ_LIMIT_MS = Number(process.env.BENCH_FULL_READ_LIMIT_S ?? 600) * 1000;

function getJson(base: string, path: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'GET', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads every user, one page of 100 after the other, by one client. */
async function fullRead(target: Target, kind: FullReadKind) {
  const backends = await databaseBackends(target.database, target.application);
  const before = { server: cpuOf(target.pid), database: backends.cpu() };
  const started = Date.now();
  const latencies: number[] = [];
  let path =
    kind === 'startIndex'
      ? '/scim/v2/Users?startIndex=1&count=100'
      : kind === 'cursor'
        ? '/scim/v2/Users?count=100&cursor='
        : '/bare/cursor?after=00000000-0000-0000-0000-000000000000';
  let users = 0;
  let complete = false;
  while (Date.now() - started < FULL_READ_LIMIT_MS) {
    const t = process.hrtime.bigint();
    const body = await getJson(target.base, path, target.headers);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    const resources = body.Resources as Array<{ id: string }>;
    users += Math.min(100, resources.length);
    if (kind === 'startIndex') {
      if (resources.length < 100) complete = true;
      path = `/scim/v2/Users?startIndex=${users + 1}&count=100`;
    } else if (kind === 'cursor') {
      if (!body.nextCursor) complete = true;
      path = `/scim/v2/Users?count=100&cursor=${encodeURIComponent(String(body.nextCursor))}`;
    } else {
      if (resources.length <= 100) complete = true;
      path = `/bare/cursor?after=${resources[99]?.id}`;
    }
    if (complete) break;
  }
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    users,
    seconds,
    complete,
    pages: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    serverCpu: (cpuOf(target.pid) - before.server) / latencies.length,
    databaseCpu: (backends.cpu() - before.database) / latencies.length,
  };
}

const random = (n: number) => 1 + Math.floor(Math.random() * n);
const q = (filter: string) => encodeURIComponent(filter);
const fmt = (r: Result) =>
  `${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms${r.errors ? `  (${r.errors} errors)` : ''}`;

async function main() {
  log(
    `SCIM benchmark: ${USERS} users, ${CONCURRENCY} clients, ${SECONDS} s per case, ${POOL} database connections per server; ${cpus().length} CPUs (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  buildServer();
  const bigUrl = await seed(USERS);
  const smallUrl = await seed(SMALL);

  const deepSample = postgres(bigUrl, { max: 1, onnotice: () => {} });
  const deepIds = (await deepSample`select id from users order by id offset ${Math.floor(USERS * 0.9)} limit 200`).map(
    (r) => r.id as string,
  );
  await deepSample.end();

  const scim = await startJitbridge(bigUrl);
  const barePort = await freePort();
  const bare = await startChild(
    ['bench/scim-bare-server.ts'],
    { BARE_PORT: String(barePort), BARE_POOL_SIZE: String(POOL), DATABASE_URL: bigUrl },
    barePort,
  );
  const auth = { authorization: `Bearer ${scim.token}` };
  const bigName = databaseName(USERS);
  const scimTarget = { base: scim.base, headers: auth, pid: scim.process.pid!, database: bigName, application: 'jitbridge' };
  const bareTarget = { base: bare.base, headers: {}, pid: bare.process.pid!, database: bigName, application: BARE_APPLICATION };

  // A cursor of this server for the default order, re-pointed at deep ids (the keyset is the id).
  const first = await fetch(`${scim.base}/scim/v2/Users?count=100&cursor=`, { headers: auth });
  const template = JSON.parse(Buffer.from(((await first.json()) as { nextCursor: string }).nextCursor, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  const cursorAt = (id: string) => Buffer.from(JSON.stringify({ ...template, id }), 'utf8').toString('base64url');
  const deep = Math.floor(USERS * 0.9) + 1;
  // Writes: an Okta-style create (name, a primary work email), and replacements of seeded users' given names.
  const newUser = (userName: string) => ({
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Bench', familyName: 'User' },
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    active: true,
  });
  const writeSample = postgres(bigUrl, { max: 1, onnotice: () => {} });
  const writeIds = (await writeSample`select id from users where user_name like 'user%' order by random() limit 2000`).map(
    (r) => r.id as string,
  );
  const seeded = new Map(
    (await writeSample`select id::text, user_name, resource from users where id = any(${writeIds}::uuid[])`).map((r) => [
      r.id as string,
      r.resource as Record<string, unknown>,
    ]),
  );
  await writeSample.end();
  const replaced = (i: number) => {
    const resource = seeded.get(writeIds[i % writeIds.length]!)!;
    return { ...resource, name: { ...(resource.name as object), givenName: `Given-${run}-${i}` } };
  };
  const run = randomBytes(3).toString('hex');

  const cases: Array<{ name: string; scim: (i: number) => Probe; bare: (i: number) => Probe; target?: boolean; slow?: boolean }> = [
    {
      name: 'userName eq',
      target: true,
      scim: () => ({ method: 'GET', path: `/scim/v2/Users?filter=${q(`userName eq "user${random(USERS)}"`)}` }),
      bare: () => ({ method: 'GET', path: `/bare/userName?v=user${random(USERS)}` }),
    },
    {
      name: 'emails.value eq',
      target: true,
      scim: () => ({ method: 'GET', path: `/scim/v2/Users?filter=${q(`emails.value eq "user${random(USERS)}@example.com"`)}` }),
      bare: () => ({ method: 'GET', path: `/bare/email?v=${q(`user${random(USERS)}@example.com`)}` }),
    },
    {
      name: 'name.familyName sw',
      target: true,
      scim: () => ({
        method: 'GET',
        path: `/scim/v2/Users?filter=${q(`name.familyName sw "Family${String(random(5000) - 1).padStart(4, '0')}"`)}`,
      }),
      bare: () => ({ method: 'GET', path: `/bare/familyName?v=Family${String(random(5000) - 1).padStart(4, '0')}` }),
    },
    {
      name: 'page startIndex=1',
      scim: () => ({ method: 'GET', path: '/scim/v2/Users?startIndex=1&count=100' }),
      bare: () => ({ method: 'GET', path: '/bare/page?startIndex=1' }),
    },
    {
      name: `page startIndex=${deep}`,
      slow: true,
      scim: () => ({ method: 'GET', path: `/scim/v2/Users?startIndex=${deep}&count=100` }),
      bare: () => ({ method: 'GET', path: `/bare/page?startIndex=${deep}` }),
    },
    {
      name: 'page by cursor (deep)',
      scim: (i) => ({ method: 'GET', path: `/scim/v2/Users?count=100&cursor=${cursorAt(deepIds[i % deepIds.length]!)}` }),
      bare: (i) => ({ method: 'GET', path: `/bare/cursor?after=${deepIds[i % deepIds.length]}` }),
    },
    {
      name: 'POST /Users',
      scim: () => ({ method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(newUser(`bench-${run}-s{i}`)) }),
      bare: () => ({ method: 'POST', path: '/bare/users', body: JSON.stringify(newUser(`bench-${run}-b{i}`)) }),
    },
    {
      name: 'PUT /Users/{id}',
      scim: (i) => ({ method: 'PUT', path: `/scim/v2/Users/${writeIds[i % writeIds.length]}`, body: JSON.stringify(replaced(i)) }),
      bare: (i) => ({ method: 'PUT', path: `/bare/users/${writeIds[i % writeIds.length]}`, body: JSON.stringify(replaced(i)) }),
    },
    {
      name: 'PATCH /Users/{id}',
      scim: (i) => ({
        method: 'PATCH',
        path: `/scim/v2/Users/${writeIds[i % writeIds.length]}`,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'name.givenName', value: `Given-${run}-${i}` }],
        }),
      }),
      bare: (i) => ({ method: 'PUT', path: `/bare/users/${writeIds[i % writeIds.length]}`, body: JSON.stringify(replaced(i)) }),
    },
    {
      name: 'Bulk (10 POST)',
      scim: (i) => ({
        method: 'POST',
        path: '/scim/v2/Bulk',
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: Array.from({ length: 10 }, (_, k) => ({
            method: 'POST',
            path: '/Users',
            bulkId: `b${k}`,
            data: newUser(`bulk-${run}-s{i}-${i}-${k}`),
          })),
        }),
      }),
      bare: (i) => ({
        method: 'POST',
        path: '/bare/bulk',
        body: JSON.stringify({ users: Array.from({ length: 10 }, (_, k) => newUser(`bulk-${run}-b{i}-${i}-${k}`)) }),
      }),
    },
  ];

  log(`\nload generator: ${useWrk ? 'wrk (C), one thread' : 'Node clients in this process'}, ${CONCURRENCY} connections`);
  log(`${'case'.padEnd(28)} ${'SCIM'.padEnd(48)} ${'bare Hono + same SQL'.padEnd(48)} ratio`);
  const rows: string[] = [];
  let peakRss = 0;
  // Both servers run every case for a while first: the first case measured would otherwise pay for the JIT
  // compiling jitbridge's code paths (about twice the CPU per request for the first ten seconds or so).
  const reads = cases.filter((c) => c.scim(0).method === 'GET' && !c.name.includes(`${deep}`));
  await drive(scimTarget, (i) => reads[i % reads.length]!.scim(i), 10);
  await drive(bareTarget, (i) => reads[i % reads.length]!.bare(i), 5);
  const only = process.env.BENCH_CASES;
  for (const c of cases.filter((k) => !only || only.split(',').some((o) => k.name.includes(o)))) {
    const s = await drive(scimTarget, c.scim, SECONDS, c.slow);
    peakRss = Math.max(peakRss, rssOf(scim.process.pid!).rss);
    const b = await drive(bareTarget, c.bare, SECONDS, c.slow);
    const ratio = s.perSecond / b.perSecond;
    const cpu = (r: Result) => `${r.serverCpu.toFixed(2)} + ${r.databaseCpu.toFixed(2)} ms`;
    const line = `${c.name.padEnd(28)} ${fmt(s).padEnd(48)} ${fmt(b).padEnd(48)} ${(ratio * 100).toFixed(0)} %   CPU/request server + PostgreSQL ${cpu(s)} vs ${cpu(b)}`;
    log(line);
    rows.push(
      `| ${c.name} | ${s.perSecond.toFixed(0)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${b.perSecond.toFixed(0)} | ${b.p50.toFixed(1)} | ${b.p99.toFixed(1)} | ${(ratio * 100).toFixed(0)} % | ${cpu(s)} vs ${cpu(b)} |`,
    );
  }
  // Every user read end to end by one client, 100 at a time, as an importer reads: by startIndex (Okta's import,
  // most HR connectors), by cursor, and the bare route's keyset walk (the same SQL a cursor page runs).
  const fullReads: Array<{ name: string; target: Target; kind: FullReadKind }> = [
    { name: 'full read by startIndex', target: scimTarget, kind: 'startIndex' },
    { name: 'full read by cursor', target: scimTarget, kind: 'cursor' },
    { name: 'full read, bare keyset', target: bareTarget, kind: 'bare' },
  ];
  for (const r of fullReads.filter((k) => !only || only.split(',').some((o) => k.name.includes(o)))) {
    const result = await fullRead(r.target, r.kind);
    const line = `${r.name.padEnd(28)} ${result.users} users in ${result.seconds.toFixed(1)} s (${(result.users / result.seconds).toFixed(0)} users/s, ${result.pages} pages, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms per page)${result.complete ? '' : ' STOPPED at the time limit'}   CPU/page server + PostgreSQL ${result.serverCpu.toFixed(2)} + ${result.databaseCpu.toFixed(2)} ms`;
    log(line);
    rows.push(
      `| ${r.name} | ${result.users} users | ${result.seconds.toFixed(1)} s | ${(result.users / result.seconds).toFixed(0)} users/s | p50 ${result.p50.toFixed(1)} / p99 ${result.p99.toFixed(1)} ms per page | CPU/page ${result.serverCpu.toFixed(2)} + ${result.databaseCpu.toFixed(2)} ms |`,
    );
  }

  const memory = rssOf(scim.process.pid!);
  await bare.stop();
  await scim.stop();

  // The same filtered GET over 1,000 users.
  const alone = (child: Child & { token: string }, database: string): Target => ({
    base: child.base,
    headers: { authorization: `Bearer ${child.token}` },
    pid: child.process.pid!,
    database,
    application: 'jitbridge',
  });
  const small = await startJitbridge(smallUrl);
  const smallRun = await drive(alone(small, databaseName(SMALL)), () => ({
    method: 'GET',
    path: `/scim/v2/Users?filter=${q(`userName eq "user${random(SMALL)}"`)}`,
  }));
  await small.stop();
  const bigAgain = await startJitbridge(bigUrl);
  const bigRun = await drive(alone(bigAgain, bigName), () => ({
    method: 'GET',
    path: `/scim/v2/Users?filter=${q(`userName eq "user${random(USERS)}"`)}`,
  }));
  await bigAgain.stop();
  log(`\nuserName eq at ${SMALL} users:      ${fmt(smallRun)}`);
  log(`userName eq at ${USERS} users: ${fmt(bigRun)}   cost ratio (p50) ${(bigRun.p50 / smallRun.p50).toFixed(2)}×`);
  log(`server RSS: ${memory.rss.toFixed(0)} MB at the end, peak ${Math.max(memory.peak, peakRss).toFixed(0)} MB`);
  log(
    '\nMarkdown rows (case | SCIM req/s | p50 | p99 | bare req/s | p50 | p99 | SCIM/bare | CPU ms/request, server + PostgreSQL, SCIM vs bare):',
  );
  for (const row of rows) log(row);

  if (!KEEP) {
    const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
    for (const n of [USERS, SMALL]) await admin.unsafe(`drop database if exists "${databaseName(n)}" with (force)`);
    await admin.end();
  }
  agent.destroy();
}

await main();
