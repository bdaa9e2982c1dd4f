// Upstream liveness: users an IdP has not vouched for in N days are deactivated by a durable, idempotent
// job, scheduled once per IdP per day. The clock is injected; a worker's death is a lease put in the past.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVENESS_QUEUE, livenessJobHandler, runLivenessCheck, scheduleLivenessChecks } from '../../../src/accounts/upstream-liveness.js';
import { rows } from '../../../src/store/database.js';
import { claimJobs, completeJob, findUserById } from '../../../src/store/index.js';
import { JobWorker } from '../../../src/background/job-worker.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture('liveness');
});
afterAll(async () => f?.close());

const NOW = new Date(Date.UTC(2026, 10, 25, 3, 0, 0));
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

const deactivations = async (userId: string) => {
  const [row] = await rows<{ n: number }>(
    f.store.db,
    sql`select count(*)::int as n from outbox_events where resource_id = ${userId} and event_type = 'deactivate'`,
  );
  return row!.n;
};

/** An IdP with liveness after 30 days and users last seen 10, 31 and 45 days ago, one never logged in. */
async function scenario(name: string) {
  const idpId = await f.idp(name, { inactiveAfterDays: 30 });
  const fresh = await f.user(`${name}-fresh`, { jitIdpId: idpId });
  await f.link(idpId, fresh, { lastLoginAt: daysAgo(10) });
  const stale = await f.user(`${name}-stale`, { jitIdpId: idpId });
  await f.link(idpId, stale, { lastLoginAt: daysAgo(31) });
  const older = await f.user(`${name}-older`, { jitIdpId: idpId });
  await f.link(idpId, older, { lastLoginAt: daysAgo(45) });
  const never = await f.user(`${name}-never`, { jitIdpId: idpId });
  await f.link(idpId, never, { lastLoginAt: null, createdAt: daysAgo(40) });
  // A local user merely linked to the IdP is not the IdP's to deactivate.
  const local = await f.user(`${name}-local`);
  await f.link(idpId, local, { lastLoginAt: daysAgo(100) });
  return { idpId, fresh, stale, older, never, local };
}

describe('upstream liveness check', () => {
  it('deactivates the users not seen for N days, once, with outbox and audit events', async () => {
    const s = await scenario('live-a');
    await f.oidcRow('Session', s.stale);
    await f.oidcRow('Session', s.fresh);
    expect(await runLivenessCheck(f.store, s.idpId, { now: NOW })).toEqual({ idpId: s.idpId, deactivated: 3 });
    for (const id of [s.stale, s.older, s.never]) {
      const user = await findUserById(f.store.db, id);
      expect(user).toMatchObject({ active: false, version: 2 });
      expect((user!.resource as { active: boolean }).active).toBe(false);
      expect(await deactivations(id)).toBe(1);
    }
    for (const id of [s.fresh, s.local]) expect(await findUserById(f.store.db, id)).toMatchObject({ active: true, version: 1 });
    const sessions = await rows<{ account: string }>(
      f.store.db,
      sql`select payload->>'accountId' as account from oidc_payloads where model = 'Session'`,
    );
    expect(sessions.map((r) => r.account)).toContain(s.fresh);
    expect(sessions.map((r) => r.account)).not.toContain(s.stale);
    const [audit] = await rows<{ actor_type: string; reason: string; details: { lastSeenAt: string } }>(
      f.store.db,
      sql`select actor_type, reason, details from audit_events where action = 'user.deactivate' and target_id = ${s.older}`,
    );
    expect(audit).toMatchObject({ actor_type: 'system', reason: 'upstream_inactive', details: { lastSeenAt: daysAgo(45).toISOString() } });

    // Run again: nothing left to change.
    expect(await runLivenessCheck(f.store, s.idpId, { now: NOW })).toEqual({ idpId: s.idpId, deactivated: 0 });
    expect(await deactivations(s.stale)).toBe(1);
  });

  it('does nothing for an IdP without liveness', async () => {
    const idpId = await f.idp('no-liveness');
    const user = await f.user('no-liveness-user', { jitIdpId: idpId });
    await f.link(idpId, user, { lastLoginAt: daysAgo(400) });
    expect(await runLivenessCheck(f.store, idpId, { now: NOW })).toMatchObject({ deactivated: 0, skipped: 'idp_gone_or_liveness_off' });
    expect(await findUserById(f.store.db, user)).toMatchObject({ active: true });
  });
});

describe('the scheduled job', () => {
  it('is enqueued once per IdP per day, survives a dead worker, and changes each user once', async () => {
    const s = await scenario('live-b');
    const first = await scheduleLivenessChecks(f.store.db, { now: NOW });
    expect(first.length).toBeGreaterThanOrEqual(1);
    // Scheduling again the same day (another instance, the next hour) adds nothing.
    expect(await scheduleLivenessChecks(f.store.db, { now: new Date(NOW.getTime() + 3_600_000) })).toEqual([]);

    // A worker claims the jobs and dies before finishing: its lease runs out (put in the past here).
    const claimed = await claimJobs(f.store.db, { queues: [LIVENESS_QUEUE], limit: 10, workerId: 'worker-that-dies', leaseMs: 60_000 });
    expect(claimed.map((j) => j.id).sort()).toEqual([...first].sort());
    const handler = livenessJobHandler(f.store, () => NOW);
    const idle = new JobWorker({ db: f.store.db, handlers: { [LIVENESS_QUEUE]: handler } });
    expect(await idle.runOnce()).toBe(0); // still leased
    await f.store.db.execute(sql`update jobs set locked_until = now() - interval '1 minute' where locked_by = 'worker-that-dies'`);

    const worker = new JobWorker({ db: f.store.db, handlers: { [LIVENESS_QUEUE]: handler } });
    expect(await worker.runOnce()).toBe(first.length);
    const jobs = await rows<{ status: string; attempts: number; result: { deactivated: number; idpId: string } }>(
      f.store.db,
      sql`select status, attempts, result from jobs where queue = ${LIVENESS_QUEUE} and payload->>'idpId' = ${s.idpId}`,
    );
    expect(jobs).toEqual([{ status: 'done', attempts: 2, result: { idpId: s.idpId, deactivated: 3 } }]);
    for (const id of [s.stale, s.older, s.never]) expect(await deactivations(id)).toBe(1);

    // The dead worker comes back and reports "its" job done: it no longer holds it, so nothing changes.
    await completeJob(f.store.db, claimed[0]!.id, 'worker-that-dies', { stale: true });
    const [after] = await rows<{ result: unknown }>(f.store.db, sql`select result from jobs where id = ${claimed[0]!.id}`);
    expect(after!.result).not.toEqual({ stale: true });
    expect(await worker.runOnce()).toBe(0);
    expect(await scheduleLivenessChecks(f.store.db, { now: new Date(NOW.getTime() + 7_200_000) })).toEqual([]);

    // The next day the check runs again, and changes nothing more.
    const nextDay = new Date(NOW.getTime() + 86_400_000);
    const again = await scheduleLivenessChecks(f.store.db, { now: nextDay });
    expect(again.length).toBe(first.length);
    expect(
      await new JobWorker({ db: f.store.db, handlers: { [LIVENESS_QUEUE]: livenessJobHandler(f.store, () => nextDay) } }).runOnce(),
    ).toBe(again.length);
    for (const id of [s.stale, s.older, s.never]) expect(await deactivations(id)).toBe(1);
    expect(await findUserById(f.store.db, s.fresh)).toMatchObject({ active: true });
  });
});
