// The store on whichever driver this run uses (CI runs the suite on PGlite and on PostgreSQL):
// migrations, first-start state, per-store case-insensitive userName, the job queue.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import {
  checkSecretsKey,
  ensureAdminToken,
  ensureDefaults,
  SecretsKeyMismatchError,
  tokenMatches,
  SecretBox,
  findUserByUserName,
  insertUser,
  updateUser,
} from '../../src/store/index.js';
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/store/database.js';
import { claimJobs, completeJob, enqueueJob, failJob } from '../../src/store/job-queue.js';
import { JobWorker, retryDelayMs } from '../../src/background/job-worker.js';
import { getUserStoreByDomain, insertUserStore } from '../../src/store/user-stores-repo.js';
import { openMigratedTestDatabase, type MigratedTestDatabase } from '../support/database.js';

let testDatabase: MigratedTestDatabase;
let database: Database;

beforeAll(async () => {
  testDatabase = await openMigratedTestDatabase('store');
  database = testDatabase.database;
});
afterAll(async () => testDatabase?.close());

const user = (userName: string) => ({
  schemas: [SCIM_USER_SCHEMA],
  userName,
  emails: [{ value: `${userName}@Example.com`, primary: true }],
});

describe('migrations and first start', () => {
  it('runs migrations again without change, and keeps one PRIMARY store', async () => {
    await database.migrate();
    await ensureDefaults(database.db);
    const primary = await getUserStoreByDomain(database.db, 'primary');
    expect(primary.domain).toBe('PRIMARY');
  });

  it('generates the admin token once, stores only its hash, and lets ADMIN_TOKEN replace it', async () => {
    const first = await ensureAdminToken(database.db, undefined);
    expect(first.generatedToken).toMatch(/^jba_/);
    expect(first.tokenHash).not.toContain(first.generatedToken!);
    expect(tokenMatches(first.generatedToken!, first.tokenHash)).toBe(true);
    const second = await ensureAdminToken(database.db, undefined);
    expect(second).toEqual({ tokenHash: first.tokenHash, generatedToken: null });
    const chosen = await ensureAdminToken(database.db, 'a-token-chosen-by-the-operator-0123456789');
    expect(tokenMatches('a-token-chosen-by-the-operator-0123456789', chosen.tokenHash)).toBe(true);
    expect(tokenMatches(first.generatedToken!, chosen.tokenHash)).toBe(false);
  });

  it('refuses to start with a secrets key other than the one the database was set up with', async () => {
    const key = randomBytes(32);
    await checkSecretsKey(database.db, new SecretBox(key));
    await expect(checkSecretsKey(database.db, new SecretBox(key))).resolves.toBeUndefined();
    await expect(checkSecretsKey(database.db, new SecretBox(randomBytes(32)))).rejects.toBeInstanceOf(SecretsKeyMismatchError);
  });
});

describe('users', () => {
  it('keeps userName unique per user store, case-insensitively, and allows the same name in another store', async () => {
    const primary = await getUserStoreByDomain(database.db, 'PRIMARY');
    const staff = await insertUserStore(database.db, { domain: 'STAFF', description: '', usernameRegex: null, rolenameRegex: null });
    await insertUser(database.db, { userStoreId: primary.id, userName: 'Alice', resource: user('Alice') });
    await expect(insertUser(database.db, { userStoreId: primary.id, userName: 'alice', resource: user('alice') })).rejects.toMatchObject({
      code: 'uniqueness',
      status: 409,
    });
    const other = await insertUser(database.db, { userStoreId: staff.id, userName: 'alice', resource: user('STAFF/alice') });
    expect(other.userStoreId).toBe(staff.id);
    const found = await findUserByUserName(database.db, primary.id, 'ALICE');
    expect(found?.primaryEmail).toBe('alice@example.com');
  });

  it('keeps a transaction usable after a uniqueness conflict (nothing half-written)', async () => {
    const primary = await getUserStoreByDomain(database.db, 'PRIMARY');
    await expect(
      database.db.transaction(async (tx) => {
        await insertUser(tx, { userStoreId: primary.id, userName: 'bob', resource: user('bob') });
        await insertUser(tx, { userStoreId: primary.id, userName: 'BOB', resource: user('BOB') });
      }),
    ).rejects.toMatchObject({ code: 'uniqueness' });
    expect(await findUserByUserName(database.db, primary.id, 'bob')).toBeUndefined();
  });

  it('bumps the version on every write and refuses a stale expected version with 412', async () => {
    const primary = await getUserStoreByDomain(database.db, 'PRIMARY');
    const created = await insertUser(database.db, { userStoreId: primary.id, userName: 'carol', resource: user('carol') });
    expect(created.version).toBe(1);
    const updated = await updateUser(database.db, created.id, { resource: { ...user('carol'), displayName: 'Carol' } }, 1);
    expect(updated.version).toBe(2);
    expect(updated.displayName).toBe('Carol');
    await expect(updateUser(database.db, created.id, { resource: user('carol') }, 1)).rejects.toMatchObject({
      status: 412,
      code: 'version_mismatch',
    });
  });
});

describe('job queue', () => {
  it('hands each due job to one claimer only (SKIP LOCKED) and deduplicates waiting jobs', async () => {
    for (let i = 0; i < 20; i++) await enqueueJob(database.db, { queue: 'test.claim', payload: { i } });
    expect(await enqueueJob(database.db, { queue: 'test.claim', payload: {}, dedupeKey: 'once' })).not.toBeNull();
    expect(await enqueueJob(database.db, { queue: 'test.claim', payload: {}, dedupeKey: 'once' })).toBeNull();
    const claims = await Promise.all(
      Array.from({ length: 4 }, (_, n) =>
        claimJobs(database.db, { queues: ['test.claim'], limit: 10, workerId: `w${n}`, leaseMs: 60_000 }),
      ),
    );
    const ids = claims.flat().map((j) => j.id);
    expect(ids).toHaveLength(21);
    expect(new Set(ids).size).toBe(21);
  });

  it('runs a job again when its worker died (lease ran out), and dead-letters after its attempts', async () => {
    const id = await enqueueJob(database.db, { queue: 'test.lease', payload: { n: 1 }, maxAttempts: 2 });
    const [first] = await claimJobs(database.db, { queues: ['test.lease'], limit: 1, workerId: 'crashed', leaseMs: 1 });
    expect(first?.id).toBe(id);
    await new Promise((r) => setTimeout(r, 20));
    const [again] = await claimJobs(database.db, { queues: ['test.lease'], limit: 1, workerId: 'rescuer', leaseMs: 60_000 });
    expect(again).toMatchObject({ id, attempts: 2 });
    // The crashed worker's late completion must not count: it no longer holds the job.
    await completeJob(database.db, id!, 'crashed');
    expect(await failJob(database.db, again!, 'rescuer', 'boom', 1_000)).toBe('dead');
  });

  it('a worker completes jobs and retries failures with backoff', async () => {
    const seen: number[] = [];
    let failOnce = true;
    const worker = new JobWorker({
      db: database.db,
      handlers: {
        'test.worker': async (job) => {
          const n = (job.payload as { n: number }).n;
          if (n === 2 && failOnce) {
            failOnce = false;
            throw new Error('transient');
          }
          seen.push(n);
        },
      },
    });
    for (const n of [1, 2, 3]) await enqueueJob(database.db, { queue: 'test.worker', payload: { n } });
    expect(await worker.runOnce()).toBe(3);
    expect(seen.sort()).toEqual([1, 3]);
    expect(retryDelayMs(1, () => 0)).toBe(500);
    expect(retryDelayMs(30, () => 1)).toBe(600_000);
  });
});

describe('commits of login state', () => {
  it('skip the WAL flush on PostgreSQL only for the ephemeral handle; everything else stays durable', async () => {
    const setting = async (db: Database['db']) =>
      (await rows<{ synchronous_commit: string }>(db, sql`show synchronous_commit`))[0]!.synchronous_commit;
    expect(await setting(database.db)).toBe('on');
    expect(await setting(database.ephemeralDb)).toBe(database.kind === 'postgres' ? 'off' : 'on');
  });
});
