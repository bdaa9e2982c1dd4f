// The outbound worker's process is killed (SIGKILL) in the middle of 5,000 events and started again:
// every event is delivered, each user exists exactly once downstream, and each user's changes arrived
// in order. The worker runs in a child process that starts jitbridge from its environment.
// Knobs for diagnosis: OUTBOUND_CRASH_USERS, OUTBOUND_CRASH_WAIT_MS, OUTBOUND_CRASH_KEEP_DB (keep the PostgreSQL
// database), OUTBOUND_DEBUG (phase timings, and each child's per-batch timings in /tmp/ob-child-N.log).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { freePort, TEST_ADMIN_TOKEN } from '../support/server.js';

const USERS = Number(process.env.OUTBOUND_CRASH_USERS ?? 2_500); // created, then updated: 5,000 events
let fake: FakeScimServer | undefined;
let database: TestDatabase | undefined;
let dataDir: string | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fake?.close();
  if (database?.kind === 'postgres' && !process.env.OUTBOUND_CRASH_KEEP_DB) await database.drop();
  else if (database) console.log('kept database', database.url);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  url: Promise<string>;
  seeded: Promise<void>;
  exited: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/outbound-worker-child.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  if (process.env.OUTBOUND_DEBUG) child.stderr!.pipe(createWriteStream(`/tmp/ob-child-${children.length}.log`));
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = <T>(match: (line: string) => T | null) =>
    new Promise<T>((resolve, reject) => {
      lines.on('line', (line) => {
        const found = match(line);
        if (found !== null) resolve(found);
      });
      void exited.then((code) => reject(new Error(`worker process exited (${code}) early: ${stderr.slice(-2000)}`)));
    });
  const seeded = waitFor((line) => (line === 'seeded' ? undefined : null)) as Promise<void>;
  seeded.catch(() => {}); // only the first process seeds; the others exit without
  return { process: child, url: waitFor((line) => (line.startsWith('ready ') ? line.slice(6) : null)), seeded, exited };
}

async function until(check: () => boolean | Promise<boolean>, limitMs: number, what: string, describe: () => unknown = () => '') {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} ${JSON.stringify(await describe())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('delivers every event exactly once per user, in order, across a SIGKILL of the worker process', async () => {
  fake = await startFakeScimServer();
  // A little latency per request keeps delivery busy long enough to be killed in the middle of it.
  fake.latencyMs = 5;
  dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-outbound-crash-'));
  if (process.env.DATABASE_URL) database = await createTestDatabase('outbound_crash');
  const env = {
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    OUTBOUND_TARGET_URL: fake.url,
    OUTBOUND_TARGET_TOKEN: fake.token,
    // The fake target listens on loopback: allowed as an operator would allow a private network.
    OUTBOUND_ALLOWED_NETWORKS: '127.0.0.0/8',
  };

  const first = startChild({ ...env, OUTBOUND_SEED_USERS: String(USERS) });
  const began = Date.now();
  const phase = (what: string) =>
    process.env.OUTBOUND_DEBUG && console.log(`${what} after ${Date.now() - began} ms, ${fake!.applied.length} applied`);
  await first.url;
  phase('ready');
  await first.seeded;
  phase('seeded');
  await until(() => fake!.applied.length >= USERS / 2, 300_000, 'the first deliveries');
  expect(fake.applied.length).toBeLessThan(USERS * 2);
  const t = Date.now();
  first.process.kill('SIGKILL');
  await first.exited;
  const appliedAtKill = fake.applied.length;
  fake.latencyMs = 0;
  phase('killed');
  expect(appliedAtKill).toBeLessThan(2 * USERS);

  const second = startChild(env);
  const url = await second.url;
  phase('restarted');
  const admin = async (p: string) =>
    (await fetch(`${url}/api/v1${p}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json() as Promise<any>;
  const [connector] = (await admin('/outbound-connectors')).items as Array<{ id: string }>;
  await until(
    async () => {
      const users = [...fake!.users.values()];
      if (users.length < USERS || users.some((u) => u.title !== 'v2')) return false;
      return (await admin(`/outbound-connectors/${connector!.id}/events?status=pending&limit=1`)).items.length === 0;
    },
    Number(process.env.OUTBOUND_CRASH_WAIT_MS ?? 300_000),
    'every event delivered after the restart',
    async () => ({
      downstream: fake!.users.size,
      updated: [...fake!.users.values()].filter((u) => u.title === 'v2').length,
      pending: (await admin(`/outbound-connectors/${connector!.id}/events?status=pending&limit=3`)).items,
      failed: (await admin(`/outbound-connectors/${connector!.id}/events?status=failed&limit=3`)).items,
      recent: fake!.requests.slice(-3),
    }),
  );
  expect((await admin(`/outbound-connectors/${connector!.id}/events?status=failed`)).items).toEqual([]);
  second.process.kill('SIGTERM');
  await second.exited;

  const users = [...fake.users.values()];
  expect(users).toHaveLength(USERS);
  expect(new Set(users.map((u) => u.externalId)).size).toBe(USERS);
  expect(new Set(users.map((u) => u.userName)).size).toBe(USERS);
  // Per user: the create's state, then the update's; a replayed op after the kill repeats a state, never reorders.
  const byUser = new Map<string, string[]>();
  for (const op of fake.applied) {
    const titles = byUser.get(op.externalId!) ?? [];
    if (titles[titles.length - 1] !== op.title) titles.push(op.title!);
    byUser.set(op.externalId!, titles);
  }
  for (const titles of byUser.values()) expect(titles).toEqual(['v1', 'v2']);
}, 600_000);
