// Non-blocking JIT (DESIGN.md semantics 7): the login goes on at once with a stable user id; a durable job
// provisions. A worker killed mid-job (its lease runs out) loses nothing: another worker completes the job once.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIT_PROVISION_QUEUE, provisionLogin, provisioningJobHandler } from '../../src/provisioning/index.js';
import { JobWorker } from '../../src/background/job-worker.js';
import { jobs } from '../../src/store/schema/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditFor, count, createIdp, deps, identity, userById } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'prov_nonblocking' });
});
afterAll(async () => server?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}
const jobsOf = async (subject: string) =>
  (await server.ctx.store.db.select().from(jobs).where(eq(jobs.queue, JIT_PROVISION_QUEUE))).filter(
    (j) => (j.payload as { identity: { subject: string } }).identity.subject === subject,
  );

describe('non-blocking provisioning', () => {
  it('hands on a stable user id at once; the job creates that user', async () => {
    const idp = await createIdp(server, { jit: { mode: 'non-blocking' } });
    const first = await provisionLogin(deps(server), idp, identity(idp, 'nb-1', { preferred_username: 'nbone' }));
    expect(first).toMatchObject({ kind: 'user', outcome: 'queued' });
    if (first.kind !== 'user') throw new Error('unreachable');
    expect(await userById(server, first.userId)).toBeUndefined();
    // A second login before the job ran gets the same id, and no second job.
    expect(await provisionLogin(deps(server), idp, identity(idp, 'nb-1', { preferred_username: 'nbone' }))).toEqual(first);
    expect(await jobsOf('nb-1')).toHaveLength(1);
    const queued = (await auditFor(server, 'jit.provision.queued')).filter((a) => a.targetId === first.userId);
    expect(queued).toHaveLength(2);
    expect(queued.filter((a) => a.reason?.includes('already waiting'))).toHaveLength(1);

    const worker = new JobWorker({ db: server.ctx.store.db, handlers: { [JIT_PROVISION_QUEUE]: provisioningJobHandler(deps(server)) } });
    expect(await worker.runOnce()).toBe(1);
    expect((await userById(server, first.userId))?.userName).toBe('nbone');
    const [job] = await jobsOf('nb-1');
    expect(job?.status).toBe('done');
    expect(job?.result).toEqual({ kind: 'user', userId: first.userId, outcome: 'created' });
  });

  it('refusals are immediate, with nothing queued', async () => {
    const idp = await createIdp(server, { jit: { mode: 'non-blocking', userstore: 'NOWHERE' } });
    expect(await provisionLogin(deps(server), idp, identity(idp, 'nb-2', { preferred_username: 'nbtwo' }))).toMatchObject({
      kind: 'refused',
      code: 'user_store_not_found',
    });
    expect(await jobsOf('nb-2')).toHaveLength(0);
  });

  it('a worker killed mid-job: the lease runs out, a restarted worker completes the job once, one user', async () => {
    const idp = await createIdp(server, { jit: { mode: 'non-blocking' } });
    const result = await provisionLogin(deps(server), idp, identity(idp, 'nb-crash', { preferred_username: 'nbcrash' }));
    if (result.kind !== 'user') throw new Error('expected a user');
    const users = await count(server, 'users');

    // The doomed worker commits the user, then "dies" before marking the job done: its handler never returns.
    const real = provisioningJobHandler(deps(server));
    const doomed = new JobWorker({
      db: server.ctx.store.db,
      leaseMs: 300,
      handlers: {
        [JIT_PROVISION_QUEUE]: async (job) => {
          await real(job);
          return new Promise(() => {});
        },
      },
    });
    void doomed.runOnce();
    await until(async () => userById(server, result.userId), 'the doomed worker to commit the user');
    expect((await jobsOf('nb-crash'))[0]?.status).toBe('running');

    // A fresh worker (the restart) takes the job once the lease has expired.
    const restarted = new JobWorker({ db: server.ctx.store.db, handlers: { [JIT_PROVISION_QUEUE]: real } });
    await until(async () => (await restarted.runOnce()) > 0, 'the restarted worker to claim the job');
    const [job] = await jobsOf('nb-crash');
    expect(job?.status).toBe('done');
    expect(job?.attempts).toBe(2);
    expect(job?.result).toEqual({ kind: 'user', userId: result.userId, outcome: 'unchanged' });
    expect(await count(server, 'users')).toBe(users + 1);
    expect((await auditFor(server, 'jit.user.create')).filter((a) => a.targetId === result.userId)).toHaveLength(1);
  });

  it('a worker killed before it wrote anything: the retry creates the user', async () => {
    const idp = await createIdp(server, { jit: { mode: 'non-blocking' } });
    const result = await provisionLogin(deps(server), idp, identity(idp, 'nb-early', { preferred_username: 'nbearly' }));
    if (result.kind !== 'user') throw new Error('expected a user');
    const doomed = new JobWorker({
      db: server.ctx.store.db,
      leaseMs: 200,
      handlers: { [JIT_PROVISION_QUEUE]: () => new Promise(() => {}) },
    });
    void doomed.runOnce();
    await until(async () => (await jobsOf('nb-early'))[0]?.status === 'running', 'the doomed worker to claim');
    const restarted = new JobWorker({ db: server.ctx.store.db, handlers: { [JIT_PROVISION_QUEUE]: provisioningJobHandler(deps(server)) } });
    await until(async () => (await restarted.runOnce()) > 0, 'the restarted worker to claim the job');
    expect((await jobsOf('nb-early'))[0]).toMatchObject({ status: 'done', attempts: 2 });
    expect((await userById(server, result.userId))?.userName).toBe('nbearly');
  });
});
